// Link-layer headers of capture files: Ethernet II + IEEE 802.1Q, Linux SLL and SLL2, BSD
// Null/Loop, raw IP — decoded into LinkSummary plus the network-layer bytes.
#pragma once

#include "base/bytes.h"
#include "capture/packet_summary.h"
#include "capture/record.h"

namespace ustack::capture {

// LINKTYPE_LINUX_SLL / SLL2 packet types (the "In"/"Out" column of tcpdump).
inline constexpr std::uint16_t kSllHost = 0;
inline constexpr std::uint16_t kSllBroadcast = 1;
inline constexpr std::uint16_t kSllMulticast = 2;
inline constexpr std::uint16_t kSllOtherHost = 3;
inline constexpr std::uint16_t kSllOutgoing = 4;

// EtherTypes the printer dispatches on.
inline constexpr std::uint16_t kEtherTypeIpv4 = 0x0800;
inline constexpr std::uint16_t kEtherTypeArp = 0x0806;
inline constexpr std::uint16_t kEtherTypeIpv6 = 0x86dd;

struct LinkDecode {
    LinkSummary info;
    Bytes payload;  // the network-layer bytes captured (empty when info.truncated)
};

// Decodes the link header of `frame` (the captured bytes) for `type`. Never reads out of bounds;
// a header cut by the snapshot length sets info.truncated.
LinkDecode decode_link(LinkType type, Bytes frame, std::uint32_t wire_len);

}  // namespace ustack::capture
