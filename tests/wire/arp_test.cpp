#include "wire/arp.h"
