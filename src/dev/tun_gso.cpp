#include "dev/tun_gso.h"

#include <algorithm>
#include <cstring>

#include "base/checksum.h"

namespace ustack::dev {

namespace {

constexpr std::size_t kIpv4HeaderLen = 20;
constexpr std::size_t kIpv6HeaderLen = 40;
constexpr std::size_t kTcpFixedHeaderLen = 20;
constexpr std::size_t kMaxIpPacket = 65535;  // RFC 791 Total Length; IPv6 without jumbograms
constexpr std::uint8_t kIpProtoTcp = 6;

// TCP flag bits (RFC 9293 §3.1, RFC 3168 §6.1 for ECE and CWR).
constexpr std::uint8_t kFin = 0x01;
constexpr std::uint8_t kSyn = 0x02;
constexpr std::uint8_t kRst = 0x04;
constexpr std::uint8_t kPsh = 0x08;
constexpr std::uint8_t kAck = 0x10;
constexpr std::uint8_t kUrg = 0x20;
constexpr std::uint8_t kCwr = 0x80;
constexpr std::size_t kTcpChecksumOffset = 16;

std::uint16_t load_host16(const std::uint8_t* p) {
    std::uint16_t v = 0;
    std::memcpy(&v, p, sizeof v);
    return v;
}

void store_host16(std::uint8_t* p, std::uint16_t v) {
    std::memcpy(p, &v, sizeof v);
}

bool same(const std::uint8_t* a, const std::uint8_t* b, std::size_t n) {
    return std::memcmp(a, b, n) == 0;
}

// The layout of a frame GsoCoalescer could take: a TCP segment with data in a bare IPv4 (no
// options, not a fragment) or IPv6 (no extension headers) packet whose length fields cover the
// frame exactly. Anything else is nullopt.
struct Layout {
    bool v6 = false;
    std::size_t ip_len = 0;
    std::size_t tcp_len = 0;
    std::size_t payload_len = 0;
    std::uint8_t flags = 0;
};

std::optional<Layout> layout_of(Bytes f) {
    if (f.size() < kIpv4HeaderLen) return std::nullopt;
    Layout l;
    const std::uint8_t* p = f.data();
    switch (p[0] >> 4) {
        case 4: {
            // IHL 5 (RFC 791 §3.1): options would have to be copied to every piece.
            if ((p[0] & 0x0f) != 5 || p[9] != kIpProtoTcp) return std::nullopt;
            if (load_be16(p + 2) != f.size()) return std::nullopt;
            // MF or a fragment offset: a fragment is never a segment of its own.
            if ((load_be16(p + 6) & 0x3fff) != 0) return std::nullopt;
            l.ip_len = kIpv4HeaderLen;
            break;
        }
        case 6:
            if (f.size() < kIpv6HeaderLen || p[6] != kIpProtoTcp) return std::nullopt;
            if (kIpv6HeaderLen + load_be16(p + 4) != f.size()) return std::nullopt;
            l.v6 = true;
            l.ip_len = kIpv6HeaderLen;
            break;
        default:
            return std::nullopt;
    }
    if (f.size() < l.ip_len + kTcpFixedHeaderLen) return std::nullopt;
    const std::uint8_t* t = p + l.ip_len;
    l.tcp_len = static_cast<std::size_t>(t[12] >> 4) * 4;
    if (l.tcp_len < kTcpFixedHeaderLen || l.ip_len + l.tcp_len > f.size()) return std::nullopt;
    l.payload_len = f.size() - l.ip_len - l.tcp_len;
    l.flags = t[13];
    if (l.payload_len == 0) return std::nullopt;
    // SYN and RST are never cut; URG's pointer and CWR (RFC 3168 §6.1.2: on one segment only)
    // would be copied to every piece.
    if ((l.flags & (kSyn | kRst | kUrg | kCwr)) != 0 || (l.flags & kAck) == 0) return std::nullopt;
    return l;
}

}  // namespace

std::optional<VirtioNetHdr> VirtioNetHdr::parse(Bytes bytes) {
    if (bytes.size() < kLen) return std::nullopt;
    VirtioNetHdr h;
    h.flags = bytes[0];
    h.gso_type = bytes[1];
    h.hdr_len = load_host16(bytes.data() + 2);
    h.gso_size = load_host16(bytes.data() + 4);
    h.csum_start = load_host16(bytes.data() + 6);
    h.csum_offset = load_host16(bytes.data() + 8);
    return h;
}

void VirtioNetHdr::emit(MutBytes out) const {
    out[0] = flags;
    out[1] = gso_type;
    store_host16(out.data() + 2, hdr_len);
    store_host16(out.data() + 4, gso_size);
    store_host16(out.data() + 6, csum_start);
    store_host16(out.data() + 8, csum_offset);
}

GsoCoalescer::GsoCoalescer() : buf_(VirtioNetHdr::kLen + kMaxIpPacket) {}

void GsoCoalescer::clear() {
    len_ = 0;
    segments_ = 0;
    closed_ = false;
}

bool GsoCoalescer::continues(Bytes frame, std::size_t ip_len, std::size_t tcp_len) const {
    const std::uint8_t* a = buf_.data() + VirtioNetHdr::kLen;  // the pending packet
    const std::uint8_t* b = frame.data();
    if (ip_len != ip_len_ || tcp_len != tcp_len_) return false;
    if (!v6_) {
        // Version/IHL, TOS; flags and fragment offset, TTL, protocol; the addresses.
        if (!same(a, b, 2) || !same(a + 6, b + 6, 4) || !same(a + 12, b + 12, 8)) return false;
        if (load_be16(b + 4) != next_id_) return false;
    } else {
        // Version, traffic class, flow label; next header, hop limit; the addresses.
        if (!same(a, b, 4) || !same(a + 6, b + 6, 34)) return false;
    }
    const std::uint8_t* ta = a + ip_len_;
    const std::uint8_t* tb = b + ip_len;
    if (!same(ta, tb, 4)) return false;                // ports
    if (load_be32(tb + 4) != next_seq_) return false;  // in sequence
    if (!same(ta + 8, tb + 8, 5)) return false;        // ACK number, data offset
    if ((tb[13] & ~(kPsh | kFin)) != ta[13]) return false;
    if (!same(ta + 14, tb + 14, 2) || !same(ta + 18, tb + 18, 2)) return false;  // window, urg
    return same(ta + kTcpFixedHeaderLen, tb + kTcpFixedHeaderLen, tcp_len - kTcpFixedHeaderLen);
}

GsoVerdict GsoCoalescer::offer(Bytes frame) {
    const std::optional<Layout> l = layout_of(frame);
    if (!l) return GsoVerdict::Ineligible;
    const std::uint8_t* tcp = frame.data() + l->ip_len;
    const bool last = (l->flags & (kPsh | kFin)) != 0;
    if (segments_ == 0) {
        std::memcpy(buf_.data() + VirtioNetHdr::kLen, frame.data(), frame.size());
        len_ = VirtioNetHdr::kLen + frame.size();
        segments_ = 1;
        v6_ = l->v6;
        ip_len_ = l->ip_len;
        tcp_len_ = l->tcp_len;
        gso_size_ = l->payload_len;
        next_seq_ = load_be32(tcp + 4) + static_cast<std::uint32_t>(l->payload_len);
        next_id_ = v6_ ? 0 : static_cast<std::uint16_t>(load_be16(frame.data() + 4) + 1);
        closed_ = last;
        return closed_ ? GsoVerdict::Closed : GsoVerdict::Joined;
    }
    if (closed_ || l->payload_len > gso_size_ ||
        len_ + l->payload_len > VirtioNetHdr::kLen + kMaxIpPacket ||
        !continues(frame, l->ip_len, l->tcp_len))
        return GsoVerdict::Mismatch;
    std::memcpy(buf_.data() + len_, tcp + l->tcp_len, l->payload_len);
    len_ += l->payload_len;
    ++segments_;
    next_seq_ += static_cast<std::uint32_t>(l->payload_len);
    ++next_id_;
    // The kernel puts the first header's PSH and FIN on the last piece only.
    buf_[VirtioNetHdr::kLen + ip_len_ + 13] |= static_cast<std::uint8_t>(l->flags & (kPsh | kFin));
    closed_ = last || l->payload_len < gso_size_;
    return closed_ ? GsoVerdict::Closed : GsoVerdict::Joined;
}

void GsoCoalescer::finish_header() {
    std::uint8_t* ip = buf_.data() + VirtioNetHdr::kLen;
    std::uint8_t* tcp = ip + ip_len_;
    const std::size_t ip_total = len_ - VirtioNetHdr::kLen;
    const std::size_t tcp_total = ip_total - ip_len_;
    Checksum pseudo;
    if (!v6_) {
        store_be16(ip + 2, static_cast<std::uint16_t>(ip_total));
        store_be16(ip + 10, 0);
        store_be16(ip + 10, internet_checksum(Bytes(ip, kIpv4HeaderLen)));
        pseudo = pseudo_header_v4(Bytes(ip + 12, 4), Bytes(ip + 16, 4), kIpProtoTcp,
                                  static_cast<std::uint32_t>(tcp_total));
    } else {
        store_be16(ip + 4, static_cast<std::uint16_t>(tcp_total));
        pseudo = pseudo_header_v6(Bytes(ip + 8, 16), Bytes(ip + 24, 16), kIpProtoTcp,
                                  static_cast<std::uint32_t>(tcp_total));
    }
    // NEEDS_CSUM: the field holds the pseudo-header sum, not complemented; the kernel adds the
    // header and data from csum_start on and stores the complement (per piece after cutting).
    store_be16(tcp + kTcpChecksumOffset, pseudo.folded());
    VirtioNetHdr h;
    h.flags = VirtioNetHdr::kNeedsCsum;
    h.gso_type = v6_ ? VirtioNetHdr::kGsoTcpV6 : VirtioNetHdr::kGsoTcpV4;
    h.hdr_len = static_cast<std::uint16_t>(ip_len_ + tcp_len_);
    h.gso_size = static_cast<std::uint16_t>(gso_size_);
    h.csum_start = static_cast<std::uint16_t>(ip_len_);
    h.csum_offset = static_cast<std::uint16_t>(kTcpChecksumOffset);
    h.emit(MutBytes(buf_).first(VirtioNetHdr::kLen));
}

Bytes GsoCoalescer::packet() {
    if (segments_ == 0) return Bytes{};
    if (segments_ == 1)
        VirtioNetHdr{}.emit(MutBytes(buf_).first(VirtioNetHdr::kLen));
    else
        finish_header();
    return Bytes(buf_).first(len_);
}

}  // namespace ustack::dev
