#include "capture/pcap_writer.h"
