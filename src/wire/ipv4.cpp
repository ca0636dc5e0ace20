#include "wire/ipv4.h"
