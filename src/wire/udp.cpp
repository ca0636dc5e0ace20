#include "wire/udp.h"
