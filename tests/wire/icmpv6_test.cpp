#include "wire/icmpv6.h"
