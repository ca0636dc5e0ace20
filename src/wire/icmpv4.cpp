#include "wire/icmpv4.h"
