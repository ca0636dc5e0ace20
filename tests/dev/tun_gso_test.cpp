// dev::VirtioNetHdr and dev::GsoCoalescer: the header's layout, and which segments join. A joined
// packet is cut again here as the kernel's TCP segmentation does (Linux tcp_gso_segment and
// inet_gso_segment / ipv6_gso_segment: the first header copied to every piece, sequence number
// and IPv4 ID advanced, PSH and FIN on the last piece only, checksums finished per piece), and the
// pieces must be exactly the segments that went in.
#include "dev/tun_gso.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <optional>
#include <vector>

#include "base/checksum.h"
#include "wire/ipv4.h"
#include "wire/ipv6.h"
#include "wire/tcp.h"

namespace ustack::dev {
namespace {

using Frame = std::vector<std::uint8_t>;

struct Seg {
    bool v6 = false;
    std::uint32_t seq = 1000;
    std::uint16_t ip_id = 7;
    std::size_t payload = 1000;
    bool psh = false;
    bool fin = false;
    bool syn = false;
    bool rst = false;
    bool cwr = false;
    bool ece = false;
    std::optional<std::uint16_t> urgent;
    std::uint32_t ack = 5000;
    std::uint16_t window = 512;
    std::uint16_t dst_port = 80;
    std::optional<wire::TcpTimestamps> ts = wire::TcpTimestamps{100, 200};
    std::uint8_t ttl = 64;
};

// Payload bytes depend on the sequence number, so misplaced data shows.
std::uint8_t data_at(std::uint32_t seq) {
    return static_cast<std::uint8_t>(seq * 7 + 3);
}

Frame make(const Seg& s) {
    std::vector<std::uint8_t> payload(s.payload);
    for (std::size_t i = 0; i < payload.size(); ++i)
        payload[i] = data_at(s.seq + static_cast<std::uint32_t>(i));
    wire::TcpRepr t;
    t.src_port = 40000;
    t.dst_port = s.dst_port;
    t.control = s.syn   ? wire::TcpControl::Syn
                : s.rst ? wire::TcpControl::Rst
                : s.fin ? wire::TcpControl::Fin
                        : wire::TcpControl::None;
    t.psh = s.psh;
    t.seq = wire::SeqNum(s.seq);
    t.ack = wire::SeqNum(s.ack);
    t.window = s.window;
    t.urgent = s.urgent;
    t.ece = s.ece;
    t.cwr = s.cwr;
    t.options.timestamps = s.ts;
    t.payload = payload;
    const std::size_t ip_len = s.v6 ? 40 : 20;
    Frame f(ip_len + t.buffer_len());
    Checksum pseudo;
    if (s.v6) {
        wire::Ipv6Repr ip;
        ip.src = *wire::Ipv6Address::parse("fd07::2");
        ip.dst = *wire::Ipv6Address::parse("fd07::1");
        ip.next_header = wire::IpProtocol::Tcp;
        ip.payload_len = t.buffer_len();
        ip.hop_limit = s.ttl;
        auto v = wire::Ipv6View<MutBytes>::unchecked(f);
        ip.emit(v);
        pseudo = pseudo_header_v6(ip.src.bytes(), ip.dst.bytes(), 6,
                                  static_cast<std::uint32_t>(t.buffer_len()));
    } else {
        wire::Ipv4Repr ip;
        ip.src = wire::Ipv4Address{10, 7, 0, 2};
        ip.dst = wire::Ipv4Address{10, 7, 0, 1};
        ip.protocol = wire::IpProtocol::Tcp;
        ip.payload_len = t.buffer_len();
        ip.ttl = s.ttl;
        ip.identification = s.ip_id;
        ip.dont_fragment = true;
        auto v = wire::Ipv4View<MutBytes>::unchecked(f);
        ip.emit(v);
        pseudo = pseudo_header_v4(ip.src.bytes(), ip.dst.bytes(), 6,
                                  static_cast<std::uint32_t>(t.buffer_len()));
    }
    auto tv = wire::TcpView<MutBytes>::checked_fixed_header(MutBytes(f).subspan(ip_len));
    EXPECT_TRUE(tv && t.emit(*tv, pseudo));
    return f;
}

// A run of `n` segments of `mss` bytes from `first` on, consecutive in sequence and IPv4 ID.
std::vector<Frame> run(Seg first, std::size_t n) {
    std::vector<Frame> out;
    for (std::size_t i = 0; i < n; ++i) {
        out.push_back(make(first));
        first.seq += static_cast<std::uint32_t>(first.payload);
        ++first.ip_id;
    }
    return out;
}

// The kernel's side: cuts a NEEDS_CSUM GSO packet (after its virtio-net header) into pieces.
std::vector<Frame> kernel_segment(const VirtioNetHdr& h, Bytes packet) {
    const bool v6 = h.gso_type == VirtioNetHdr::kGsoTcpV6;
    const std::size_t ip_len = h.csum_start;
    const std::size_t tcp_len = static_cast<std::size_t>(packet[ip_len + 12] >> 4) * 4;
    const std::size_t hdr = ip_len + tcp_len;
    std::vector<Frame> out;
    const std::uint32_t seq0 = load_be32(packet.data() + ip_len + 4);
    const std::uint16_t id0 = v6 ? 0 : load_be16(packet.data() + 4);
    const std::uint8_t flags = packet[ip_len + 13];
    for (std::size_t off = hdr, k = 0; off < packet.size(); off += h.gso_size, ++k) {
        const std::size_t len = std::min<std::size_t>(h.gso_size, packet.size() - off);
        const bool last = off + len == packet.size();
        Frame f(packet.begin(), packet.begin() + static_cast<std::ptrdiff_t>(hdr));
        f.insert(f.end(), packet.begin() + static_cast<std::ptrdiff_t>(off),
                 packet.begin() + static_cast<std::ptrdiff_t>(off + len));
        std::uint8_t* ip = f.data();
        std::uint8_t* tcp = ip + ip_len;
        store_be32(tcp + 4, seq0 + static_cast<std::uint32_t>(off - hdr));
        if (!last) tcp[13] = static_cast<std::uint8_t>(flags & ~0x09);  // no PSH, no FIN
        Checksum pseudo;
        if (v6) {
            store_be16(ip + 4, static_cast<std::uint16_t>(f.size() - 40));
            pseudo = pseudo_header_v6(Bytes(ip + 8, 16), Bytes(ip + 24, 16), 6,
                                      static_cast<std::uint32_t>(f.size() - 40));
        } else {
            store_be16(ip + 2, static_cast<std::uint16_t>(f.size()));
            store_be16(ip + 4, static_cast<std::uint16_t>(id0 + k));
            store_be16(ip + 10, 0);
            store_be16(ip + 10, internet_checksum(Bytes(ip, 20)));
            pseudo = pseudo_header_v4(Bytes(ip + 12, 4), Bytes(ip + 16, 4), 6,
                                      static_cast<std::uint32_t>(f.size() - 20));
        }
        store_be16(tcp + 16, 0);
        store_be16(tcp + 16, pseudo.add(Bytes(tcp, f.size() - ip_len)).finish());
        out.push_back(std::move(f));
    }
    return out;
}

std::vector<GsoVerdict> offer_all(GsoCoalescer& c, const std::vector<Frame>& frames) {
    std::vector<GsoVerdict> v;
    for (const Frame& f : frames)
        v.push_back(c.offer(f));
    return v;
}

// Splits a coalescer's packet into header and IP packet.
std::pair<VirtioNetHdr, Bytes> split(Bytes packet) {
    const auto h = VirtioNetHdr::parse(packet);
    EXPECT_TRUE(h);
    return {*h, packet.subspan(VirtioNetHdr::kLen)};
}

TEST(VirtioNetHdr, RoundTripsAndIsTenBytes) {
    VirtioNetHdr h;
    h.flags = VirtioNetHdr::kNeedsCsum;
    h.gso_type = VirtioNetHdr::kGsoTcpV6;
    h.hdr_len = 72;
    h.gso_size = 1428;
    h.csum_start = 40;
    h.csum_offset = 16;
    std::uint8_t buf[VirtioNetHdr::kLen] = {};
    h.emit(buf);
    EXPECT_EQ(buf[0], 1);
    EXPECT_EQ(buf[1], 4);
    std::uint16_t gso_size = 0;
    std::memcpy(&gso_size, buf + 4, 2);  // the host's order, as the legacy TUN header has it
    EXPECT_EQ(gso_size, 1428);
    const auto back = VirtioNetHdr::parse(Bytes(buf, sizeof buf));
    ASSERT_TRUE(back);
    EXPECT_EQ(back->flags, h.flags);
    EXPECT_EQ(back->gso_type, h.gso_type);
    EXPECT_EQ(back->hdr_len, 72);
    EXPECT_EQ(back->gso_size, 1428);
    EXPECT_EQ(back->csum_start, 40);
    EXPECT_EQ(back->csum_offset, 16);
    EXPECT_FALSE(VirtioNetHdr::parse(Bytes(buf, 9)));
}

TEST(VirtioNetHdr, ChecksumTrustedForNeedsCsumAndDataValidOnly) {
    VirtioNetHdr h;
    EXPECT_FALSE(h.checksum_trusted());
    h.flags = VirtioNetHdr::kNeedsCsum;
    EXPECT_TRUE(h.checksum_trusted());
    h.flags = VirtioNetHdr::kDataValid;
    EXPECT_TRUE(h.checksum_trusted());
    h.flags = 4;  // RSC_INFO alone says nothing about the checksum
    EXPECT_FALSE(h.checksum_trusted());
}

TEST(GsoCoalescer, JoinsARunAndTheKernelCutsItBackExactly) {
    Seg s;
    auto frames = run(s, 4);
    s.seq += 4000;
    s.ip_id += 4;
    s.payload = 300;  // a short last segment ends the run
    frames.push_back(make(s));
    GsoCoalescer c;
    EXPECT_EQ(offer_all(c, frames),
              (std::vector<GsoVerdict>{GsoVerdict::Joined, GsoVerdict::Joined, GsoVerdict::Joined,
                                       GsoVerdict::Joined, GsoVerdict::Closed}));
    EXPECT_EQ(c.segments(), 5u);
    const auto [h, packet] = split(c.packet());
    EXPECT_EQ(h.flags, VirtioNetHdr::kNeedsCsum);
    EXPECT_EQ(h.gso_type, VirtioNetHdr::kGsoTcpV4);
    EXPECT_EQ(h.gso_size, 1000);
    EXPECT_EQ(h.hdr_len, 20 + 32);  // timestamps: 12 bytes of options
    EXPECT_EQ(h.csum_start, 20);
    EXPECT_EQ(h.csum_offset, 16);
    ASSERT_EQ(packet.size(), 52u + 4300u);
    // The IPv4 header is valid for the whole packet (the kernel checks it before cutting).
    const auto ip = wire::Ipv4View<Bytes>::checked(packet);
    ASSERT_TRUE(ip);
    EXPECT_EQ(ip->total_length(), packet.size());
    EXPECT_TRUE(ip->verify_checksum());
    // The TCP checksum field holds the pseudo-header sum for the whole TCP length.
    const Checksum pseudo =
        pseudo_header_v4(Bytes(packet.data() + 12, 4), Bytes(packet.data() + 16, 4), 6,
                         static_cast<std::uint32_t>(packet.size() - 20));
    EXPECT_EQ(load_be16(packet.data() + 36), pseudo.folded());
    // Finishing the checksum from csum_start on makes the whole packet's checksum valid.
    Frame whole(packet.begin(), packet.end());
    const std::uint16_t finished = Checksum{}.add(Bytes(whole).subspan(20)).finish();
    store_be16(whole.data() + 36, finished);
    auto tv = wire::TcpView<Bytes>::checked(Bytes(whole).subspan(20));
    ASSERT_TRUE(tv);
    EXPECT_TRUE(wire::verify_checksum(*tv, pseudo));

    EXPECT_EQ(kernel_segment(h, packet), frames);
}

TEST(GsoCoalescer, Ipv6RunIsCutBackExactly) {
    Seg s;
    s.v6 = true;
    s.payload = 1428;
    s.psh = false;
    auto frames = run(s, 3);
    s.seq += 3 * 1428;
    s.psh = true;  // PSH ends the run and lands on the last piece only
    frames.push_back(make(s));
    GsoCoalescer c;
    EXPECT_EQ(offer_all(c, frames),
              (std::vector<GsoVerdict>{GsoVerdict::Joined, GsoVerdict::Joined, GsoVerdict::Joined,
                                       GsoVerdict::Closed}));
    const auto [h, packet] = split(c.packet());
    EXPECT_EQ(h.gso_type, VirtioNetHdr::kGsoTcpV6);
    EXPECT_EQ(h.csum_start, 40);
    EXPECT_EQ(h.gso_size, 1428);
    const auto ip = wire::Ipv6View<Bytes>::checked(packet);
    ASSERT_TRUE(ip);
    EXPECT_EQ(ip->payload_length() + 40u, packet.size());
    EXPECT_EQ(kernel_segment(h, packet), frames);
}

TEST(GsoCoalescer, FinOnTheLastSegmentJoinsAndEndsTheRun) {
    Seg s;
    auto frames = run(s, 2);
    s.seq += 2000;
    s.ip_id += 2;
    s.fin = true;
    s.psh = true;
    frames.push_back(make(s));
    GsoCoalescer c;
    EXPECT_EQ(offer_all(c, frames).back(), GsoVerdict::Closed);
    const auto [h, packet] = split(c.packet());
    EXPECT_EQ(kernel_segment(h, packet), frames);
    // Nothing joins a closed run.
    Seg next = s;
    next.fin = false;
    next.seq += 1001;
    EXPECT_EQ(c.offer(make(next)), GsoVerdict::Mismatch);
}

TEST(GsoCoalescer, PshInTheMiddleClosesTheRun) {
    Seg s;
    s.psh = true;
    GsoCoalescer c;
    EXPECT_EQ(c.offer(make(s)), GsoVerdict::Closed);
    s.psh = false;
    s.seq += 1000;
    s.ip_id += 1;
    EXPECT_EQ(c.offer(make(s)), GsoVerdict::Mismatch);
}

TEST(GsoCoalescer, ASingleSegmentGoesOutUnchangedWithAZeroHeader) {
    const Frame f = make(Seg{});
    GsoCoalescer c;
    EXPECT_EQ(c.offer(f), GsoVerdict::Joined);
    const auto [h, packet] = split(c.packet());
    EXPECT_EQ(h.flags, 0);
    EXPECT_EQ(h.gso_type, VirtioNetHdr::kGsoNone);
    EXPECT_EQ(h.gso_size, 0);
    EXPECT_EQ(Frame(packet.begin(), packet.end()), f);
    c.clear();
    EXPECT_TRUE(c.empty());
    EXPECT_TRUE(c.packet().empty());
}

TEST(GsoCoalescer, ControlSegmentsAndPureAcksNeverJoin) {
    GsoCoalescer c;
    Seg s;
    s.syn = true;
    EXPECT_EQ(c.offer(make(s)), GsoVerdict::Ineligible);
    s = Seg{};
    s.rst = true;
    EXPECT_EQ(c.offer(make(s)), GsoVerdict::Ineligible);
    s = Seg{};
    s.payload = 0;
    EXPECT_EQ(c.offer(make(s)), GsoVerdict::Ineligible);
    s = Seg{};
    s.cwr = true;
    EXPECT_EQ(c.offer(make(s)), GsoVerdict::Ineligible);
    s = Seg{};
    s.urgent = 10;
    EXPECT_EQ(c.offer(make(s)), GsoVerdict::Ineligible);
    EXPECT_TRUE(c.empty());
}

TEST(GsoCoalescer, NonTcpAndFragmentsNeverJoin) {
    GsoCoalescer c;
    Frame f = make(Seg{});
    f[9] = 17;  // UDP
    EXPECT_EQ(c.offer(f), GsoVerdict::Ineligible);
    f = make(Seg{});
    store_be16(f.data() + 6, 0x2000);  // MF
    EXPECT_EQ(c.offer(f), GsoVerdict::Ineligible);
    f = make(Seg{});
    f.push_back(0);  // link padding: the IP length no longer covers the frame
    EXPECT_EQ(c.offer(f), GsoVerdict::Ineligible);
    EXPECT_EQ(c.offer(Frame{0x45, 0}), GsoVerdict::Ineligible);
    EXPECT_TRUE(c.empty());
}

// Each field the kernel copies from the first header to every piece must match; one that does
// not ends the run.
TEST(GsoCoalescer, AnyDifferenceInCopiedFieldsIsAMismatch) {
    const Seg base;
    Seg next = base;
    next.seq += 1000;
    next.ip_id += 1;
    auto mismatch = [&](auto change) {
        GsoCoalescer c;
        EXPECT_EQ(c.offer(make(base)), GsoVerdict::Joined);
        Seg s = next;
        change(s);
        return c.offer(make(s)) == GsoVerdict::Mismatch;
    };
    EXPECT_FALSE(mismatch([](Seg&) {}));  // the control: unchanged, it joins
    EXPECT_TRUE(mismatch([](Seg& s) { s.ts = wire::TcpTimestamps{101, 200}; }));
    EXPECT_TRUE(mismatch([](Seg& s) { s.ts = std::nullopt; }));
    EXPECT_TRUE(mismatch([](Seg& s) { s.seq += 1; }));
    EXPECT_TRUE(mismatch([](Seg& s) { s.seq -= 1000; }));
    EXPECT_TRUE(mismatch([](Seg& s) { s.ip_id += 1; }));
    EXPECT_TRUE(mismatch([](Seg& s) { s.ack += 1; }));
    EXPECT_TRUE(mismatch([](Seg& s) { s.window += 1; }));
    EXPECT_TRUE(mismatch([](Seg& s) { s.dst_port = 81; }));
    EXPECT_TRUE(mismatch([](Seg& s) { s.ttl = 63; }));
    EXPECT_TRUE(mismatch([](Seg& s) { s.ece = true; }));
    EXPECT_TRUE(mismatch([](Seg& s) { s.payload = 1001; }));  // longer than gso_size
    EXPECT_TRUE(mismatch([](Seg& s) { s.v6 = true; }));
}

TEST(GsoCoalescer, StaysWithin65535BytesOfIp) {
    Seg s;
    s.payload = 1448;
    const auto frames = run(s, 60);
    GsoCoalescer c;
    std::size_t joined = 0;
    for (const Frame& f : frames) {
        const GsoVerdict v = c.offer(f);
        if (v == GsoVerdict::Mismatch) break;
        ASSERT_EQ(v, GsoVerdict::Joined);
        ++joined;
    }
    // 20 + 32 + n * 1448 <= 65535: n = 45.
    EXPECT_EQ(joined, 45u);
    const auto [h, packet] = split(c.packet());
    EXPECT_EQ(packet.size(), 52u + 45u * 1448u);
    EXPECT_EQ(kernel_segment(h, packet), std::vector<Frame>(frames.begin(), frames.begin() + 45));
}

}  // namespace
}  // namespace ustack::dev
