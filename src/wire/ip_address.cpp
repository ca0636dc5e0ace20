#include "wire/ip_address.h"
