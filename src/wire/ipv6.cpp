#include "wire/ipv6.h"
