// TUN offloads, the pure part: the virtio-net header a TUN with IFF_VNET_HDR puts before every
// packet (struct virtio_net_hdr of <linux/virtio_net.h>), and GsoCoalescer, which joins
// consecutive segments of one TCP flow into one super-packet the kernel splits again (TSO).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "base/bytes.h"

namespace ustack::dev {

// struct virtio_net_hdr (virtio 1.x §5.1.6, "legacy" layout without num_buffers): 10 bytes,
// fields in the host's byte order (the kernel's TUN uses the legacy, native order unless
// TUNSETVNETLE/BE is set).
struct VirtioNetHdr {
    static constexpr std::size_t kLen = 10;
    // flags
    static constexpr std::uint8_t kNeedsCsum = 1;  // VIRTIO_NET_HDR_F_NEEDS_CSUM
    static constexpr std::uint8_t kDataValid = 2;  // VIRTIO_NET_HDR_F_DATA_VALID
    // gso_type
    static constexpr std::uint8_t kGsoNone = 0;    // VIRTIO_NET_HDR_GSO_NONE
    static constexpr std::uint8_t kGsoTcpV4 = 1;   // VIRTIO_NET_HDR_GSO_TCPV4
    static constexpr std::uint8_t kGsoTcpV6 = 4;   // VIRTIO_NET_HDR_GSO_TCPV6
    static constexpr std::uint8_t kGsoEcn = 0x80;  // VIRTIO_NET_HDR_GSO_ECN

    std::uint8_t flags = 0;
    std::uint8_t gso_type = kGsoNone;
    std::uint16_t hdr_len = 0;      // IP + TCP header length of a GSO packet
    std::uint16_t gso_size = 0;     // payload bytes per segment the kernel cuts
    std::uint16_t csum_start = 0;   // NEEDS_CSUM: where the checksummed bytes start
    std::uint16_t csum_offset = 0;  // NEEDS_CSUM: the checksum field's offset from csum_start

    // nullopt when `bytes` is shorter than kLen.
    static std::optional<VirtioNetHdr> parse(Bytes bytes);
    // Writes kLen bytes.
    void emit(MutBytes out) const;

    // Whether the packet after this header needs no checksum verification: the kernel made it
    // and left the transport checksum to be finished (NEEDS_CSUM; the field then holds only the
    // pseudo-header sum), or it verified the checksum itself (DATA_VALID).
    bool checksum_trusted() const { return (flags & (kNeedsCsum | kDataValid)) != 0; }
};

// What GsoCoalescer::offer() did with a frame.
enum class GsoVerdict : std::uint8_t {
    Joined,     // appended to the pending super-packet (or started a new one)
    Closed,     // appended, and no further segment may follow (PSH, FIN, or a short segment)
    Mismatch,   // does not continue the pending one: flush it, then offer the frame again
    Ineligible  // never coalesced (not TCP, SYN/RST/URG/CWR, options of IP, no payload, ...)
};

// Joins consecutive TCP segments of one flow into one packet with a virtio-net header asking the
// kernel to cut it again (gso_type TCPV4/TCPV6, gso_size = the first segment's payload length).
// The kernel copies the first header to every piece, advancing the sequence number (and the IPv4
// ID) and keeping PSH and FIN for the last piece only (Linux tcp_gso_segment), so a segment joins
// only when that reproduces it exactly:
// - same addresses, ports, ACK number, window, flags and TCP options byte for byte (so the same
//   timestamps); no SYN, RST, URG or CWR at all; PSH or FIN only on the last segment;
// - sequence number = the previous one's end; IPv4: ID = the previous ID + 1, same TOS/TTL/DF,
//   no IP options, not a fragment; IPv6: same traffic class, flow label and hop limit, TCP
//   right after the fixed header;
// - every segment carries exactly gso_size bytes, except the last, which may carry fewer;
// - the super-packet stays within 65535 bytes of IP.
// The result has NEEDS_CSUM with the TCP checksum field holding the pseudo-header sum for the
// whole super-packet's TCP length, as the kernel's own TSO packets have (its segmentation then
// adjusts the sum per piece); the IPv4 header checksum is recomputed for the new total length.
// A single segment goes out as it came (its checksum is complete), with an all-zero header.
class GsoCoalescer {
  public:
    GsoCoalescer();

    GsoVerdict offer(Bytes frame);
    bool empty() const { return segments_ == 0; }
    std::size_t segments() const { return segments_; }
    // The pending packet, virtio-net header first, ready for one write(); empty when none.
    // Valid until the next offer() or clear().
    Bytes packet();
    void clear();

  private:
    bool continues(Bytes frame, std::size_t ip_len, std::size_t tcp_len) const;
    void finish_header();

    std::vector<std::uint8_t> buf_;  // VirtioNetHdr::kLen, then the IP packet
    std::size_t len_ = 0;            // bytes of buf_ in use
    std::size_t segments_ = 0;
    bool v6_ = false;
    std::size_t ip_len_ = 0;   // IP header length of the pending packet
    std::size_t tcp_len_ = 0;  // TCP header length
    std::size_t gso_size_ = 0;
    std::uint32_t next_seq_ = 0;
    std::uint16_t next_id_ = 0;
    bool closed_ = false;
};

}  // namespace ustack::dev
