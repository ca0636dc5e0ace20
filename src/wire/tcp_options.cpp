#include "wire/tcp_options.h"
