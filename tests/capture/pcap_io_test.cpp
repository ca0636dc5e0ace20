#include "capture/pcap_reader.h"
