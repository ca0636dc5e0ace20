#include "wire/seq_num.h"
