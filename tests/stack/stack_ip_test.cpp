// The Stack's IP layer against a raw peer: fragment reassembly in, fragmentation of large echo
// replies out (RFC 791 §3.2, RFC 8200 §4.5), reassembly timeouts (RFC 1122 §3.3.2), and ICMP
// errors reaching TCP (RFC 5927, RFC 1122 §4.2.3.9, RFC 1191, RFC 8201).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "dev/sim_link.h"
#include "raw_peer.h"
#include "stack/stack.h"

namespace ustack::stack {
namespace {

using testing::RawPeer;
using testing::Sent;
using wire::IpAddress;
using wire::Ipv4Address;
using wire::Ipv6Address;
using wire::SeqNum;
using wire::TcpControl;
using wire::TcpRepr;

const Ipv4Address kStack4{10, 0, 0, 1};
const Ipv4Address kPeer4{10, 0, 0, 2};
const Ipv4Address kRouter4{10, 0, 0, 254};
const Ipv6Address kStack6 = Ipv6Address::from_groups({0x2001, 0xdb8, 0, 0, 0, 0, 0, 1});
const Ipv6Address kPeer6 = Ipv6Address::from_groups({0x2001, 0xdb8, 0, 0, 0, 0, 0, 2});
const Ipv6Address kRouter6 = Ipv6Address::from_groups({0x2001, 0xdb8, 0, 0, 0, 0, 0, 0xfe});
constexpr Instant kT0 = Instant::from_micros(1'000'000);

std::vector<std::uint8_t> pattern(std::size_t n) {
    std::vector<std::uint8_t> v(n);
    for (std::size_t i = 0; i < n; ++i)
        v[i] = static_cast<std::uint8_t>(i * 13 + i / 256);
    return v;
}

struct Fixture {
    explicit Fixture(StackConfig config = {}) : stack(config), peer(link.end_b()) {
        InterfaceConfig ic;
        ic.addresses = {{kStack4, 24}, {kStack6, 64}};
        EXPECT_TRUE(stack.add_interface(link.end_a(), ic));
    }
    std::vector<Sent> exchange(Instant now = kT0) {
        stack.poll(now);
        return peer.receive(now);
    }
    void send_raw(const std::vector<std::uint8_t>& frame, Instant now = kT0) {
        ASSERT_TRUE(link.end_b().transmit(frame, now));
    }

    dev::SimLink link{dev::SimLinkConfig::symmetric(dev::LinkConfig{})};
    Stack stack;
    RawPeer peer;
};

// ---- building fragments by hand

std::vector<std::uint8_t> icmpv4_echo(std::uint16_t ident, std::uint16_t seq, Bytes data) {
    const auto req = wire::Icmpv4Repr::echo_request(ident, seq, data);
    std::vector<std::uint8_t> out(req.buffer_len());
    auto view = wire::Icmpv4View<MutBytes>::unchecked(out);
    req.emit(view);
    return out;
}

std::vector<std::uint8_t> icmpv6_echo(const Ipv6Address& src, const Ipv6Address& dst,
                                      std::uint16_t ident, std::uint16_t seq, Bytes data) {
    wire::Icmpv6Repr req;
    req.type = wire::Icmpv6Type::EchoRequest;
    req.identifier = ident;
    req.sequence_number = seq;
    req.data = data;
    std::vector<std::uint8_t> out(req.buffer_len());
    auto view = wire::Icmpv6View<MutBytes>::unchecked(out);
    req.emit(view, pseudo_header_v6(src.bytes(), dst.bytes(), 58,
                                    static_cast<std::uint32_t>(out.size())));
    return out;
}

// One IPv4 fragment of `message` covering [begin, end).
std::vector<std::uint8_t> v4_fragment(const Ipv4Address& src, const Ipv4Address& dst,
                                      wire::IpProtocol proto, std::uint16_t id,
                                      const std::vector<std::uint8_t>& message, std::size_t begin,
                                      std::size_t end, std::optional<bool> more = {}) {
    wire::Ipv4Repr ip;
    ip.src = src;
    ip.dst = dst;
    ip.protocol = proto;
    ip.identification = id;
    ip.payload_len = end - begin;
    ip.more_fragments = more.value_or(end < message.size());
    ip.fragment_offset = static_cast<std::uint32_t>(begin);
    std::vector<std::uint8_t> frame(ip.total_len());
    auto view = wire::Ipv4View<MutBytes>::unchecked(frame);
    ip.emit(view);
    std::copy(message.begin() + static_cast<std::ptrdiff_t>(begin),
              message.begin() + static_cast<std::ptrdiff_t>(end), frame.begin() + 20);
    return frame;
}

// One IPv6 fragment (fixed header + Fragment header) of `message` covering [begin, end).
std::vector<std::uint8_t> v6_fragment(const Ipv6Address& src, const Ipv6Address& dst,
                                      wire::IpProtocol proto, std::uint32_t id,
                                      const std::vector<std::uint8_t>& message, std::size_t begin,
                                      std::size_t end) {
    wire::Ipv6Repr ip;
    ip.src = src;
    ip.dst = dst;
    ip.next_header = wire::IpProtocol::Ipv6Frag;
    ip.payload_len = 8 + (end - begin);
    std::vector<std::uint8_t> frame(ip.total_len());
    auto view = wire::Ipv6View<MutBytes>::unchecked(frame);
    ip.emit(view);
    wire::Ipv6FragmentRepr fh;
    fh.next_header = proto;
    fh.fragment_offset = static_cast<std::uint32_t>(begin);
    fh.more_fragments = end < message.size();
    fh.identification = id;
    fh.emit(MutBytes(frame).subspan(40, 8));
    std::copy(message.begin() + static_cast<std::ptrdiff_t>(begin),
              message.begin() + static_cast<std::ptrdiff_t>(end), frame.begin() + 48);
    return frame;
}

// Cuts [0, size) into pieces of `chunk` bytes (a multiple of 8) and the rest.
std::vector<std::pair<std::size_t, std::size_t>> cuts(std::size_t size, std::size_t chunk) {
    std::vector<std::pair<std::size_t, std::size_t>> out;
    for (std::size_t b = 0; b < size; b += chunk)
        out.emplace_back(b, std::min(size, b + chunk));
    return out;
}

// ---- reading the Stack's fragments back

struct V4Piece {
    std::uint16_t id = 0;
    bool df = false;
    bool more = false;
    std::uint32_t offset = 0;
    std::vector<std::uint8_t> data;
    std::size_t frame_len = 0;
    wire::IpProtocol protocol{};
};

std::vector<V4Piece> v4_pieces(const std::vector<Sent>& sent) {
    std::vector<V4Piece> out;
    for (const Sent& s : sent) {
        const auto view = wire::Ipv4View<Bytes>::checked(s.bytes);
        EXPECT_TRUE(view);
        if (!view) continue;
        V4Piece p;
        p.id = view->identification();
        p.df = view->dont_fragment();
        p.more = view->more_fragments();
        p.offset = view->fragment_offset();
        p.data.assign(view->payload().begin(), view->payload().end());
        p.frame_len = s.bytes.size();
        p.protocol = view->protocol();
        out.push_back(std::move(p));
    }
    return out;
}

// Concatenates pieces by offset; nullopt if they do not tile [0, end) exactly.
std::optional<std::vector<std::uint8_t>> join(std::map<std::uint32_t, std::vector<std::uint8_t>> by,
                                              bool last_seen) {
    std::vector<std::uint8_t> whole;
    for (const auto& [offset, data] : by) {
        if (offset != whole.size()) return std::nullopt;
        whole.insert(whole.end(), data.begin(), data.end());
    }
    if (!last_seen) return std::nullopt;
    return whole;
}

// ---- IPv4 reassembly and fragmentation

TEST(Fragments, Ipv4EchoOf4000BytesInFragmentsIsReassembledAndAnsweredInFragments) {
    Fixture f;
    const auto data = pattern(4000);
    const auto message = icmpv4_echo(0x77, 3, data);
    for (const auto& [b, e] : cuts(message.size(), 1480))
        f.send_raw(v4_fragment(kPeer4, kStack4, wire::IpProtocol::Icmp, 0x4242, message, b, e));
    const auto out = f.exchange();
    EXPECT_EQ(f.stack.counters().ip_fragments_in, 3u);
    EXPECT_EQ(f.stack.counters().ip_reassembled, 1u);
    EXPECT_EQ(f.stack.counters().icmp_echo_replies, 1u);

    // RFC 791 §3.2: three fragments, each within the 1500-byte MTU, one ID, DF clear, MF on all
    // but the last, offsets on 8-byte boundaries.
    const auto pieces = v4_pieces(out);
    ASSERT_EQ(pieces.size(), 3u);
    std::map<std::uint32_t, std::vector<std::uint8_t>> by_offset;
    bool last_seen = false;
    for (const V4Piece& p : pieces) {
        EXPECT_EQ(p.id, pieces[0].id);
        EXPECT_FALSE(p.df);
        EXPECT_LE(p.frame_len, 1500u);
        EXPECT_EQ(p.offset % 8, 0u);
        EXPECT_EQ(p.protocol, wire::IpProtocol::Icmp);
        if (p.more) {
            EXPECT_EQ(p.data.size() % 8, 0u);
        }
        last_seen = last_seen || !p.more;
        by_offset[p.offset] = p.data;
    }
    const auto whole = join(by_offset, last_seen);
    ASSERT_TRUE(whole);
    const auto view = wire::Icmpv4View<Bytes>::checked(*whole);
    ASSERT_TRUE(view);
    const auto reply = wire::Icmpv4Repr::parse(*view);  // checksum over all 4008 bytes
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->type, wire::Icmpv4Type::EchoReply);
    EXPECT_EQ(reply->identifier, 0x77);
    EXPECT_EQ(reply->sequence_number, 3);
    EXPECT_EQ(std::vector<std::uint8_t>(reply->data.begin(), reply->data.end()), data);
    EXPECT_EQ(f.stack.counters().ip_fragments_out, 3u);
}

TEST(Fragments, Ipv4FragmentsInReverseOrderAreReassembled) {
    Fixture f;
    const auto message = icmpv4_echo(1, 1, pattern(3000));
    auto parts = cuts(message.size(), 1000);
    std::reverse(parts.begin(), parts.end());
    for (const auto& [b, e] : parts)
        f.send_raw(v4_fragment(kPeer4, kStack4, wire::IpProtocol::Icmp, 9, message, b, e));
    const auto out = f.exchange();
    EXPECT_EQ(f.stack.counters().ip_reassembled, 1u);
    EXPECT_EQ(v4_pieces(out).size(), 3u);  // 3008 bytes of reply in 1480-byte pieces
}

TEST(Fragments, Ipv4SmallReassembledEchoIsAnsweredWhole) {
    // The request came in pieces, but the reply fits the MTU: no need to fragment it.
    Fixture f;
    const auto message = icmpv4_echo(1, 1, pattern(600));
    for (const auto& [b, e] : cuts(message.size(), 256))
        f.send_raw(v4_fragment(kPeer4, kStack4, wire::IpProtocol::Icmp, 9, message, b, e));
    const auto out = f.exchange();
    ASSERT_EQ(out.size(), 1u);
    const auto reply = out[0].icmpv4();
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->data.size(), 600u);
    EXPECT_EQ(f.stack.counters().ip_fragments_out, 0u);
}

TEST(Fragments, Ipv4OverlappingFragmentsAreDiscarded) {
    Fixture f;
    const auto message = icmpv4_echo(1, 1, pattern(2000));
    f.send_raw(v4_fragment(kPeer4, kStack4, wire::IpProtocol::Icmp, 5, message, 0, 1480));
    f.send_raw(v4_fragment(kPeer4, kStack4, wire::IpProtocol::Icmp, 5, message, 1472, 2000));
    f.send_raw(
        v4_fragment(kPeer4, kStack4, wire::IpProtocol::Icmp, 5, message, 1480, message.size()));
    EXPECT_TRUE(f.exchange().empty());
    EXPECT_EQ(f.stack.counters().ip_reassembled, 0u);
    EXPECT_EQ(f.stack.counters().ip_fragments_dropped, 2u);  // the overlap and the late piece
}

TEST(Fragments, Ipv4DuplicateFragmentIsHarmless) {
    Fixture f;
    const auto message = icmpv4_echo(1, 1, pattern(2000));
    const auto first = v4_fragment(kPeer4, kStack4, wire::IpProtocol::Icmp, 6, message, 0, 1480);
    f.send_raw(first);
    f.send_raw(first);
    f.send_raw(
        v4_fragment(kPeer4, kStack4, wire::IpProtocol::Icmp, 6, message, 1480, message.size()));
    EXPECT_FALSE(f.exchange().empty());
    EXPECT_EQ(f.stack.counters().ip_reassembled, 1u);
}

TEST(Fragments, Ipv4MissingPieceTimesOutWithTimeExceeded) {
    // RFC 1122 §3.3.2: discard at the timeout and send Time Exceeded (code 1, fragment reassembly
    // time exceeded) when fragment zero arrived, quoting its header and 64 bits of data.
    Fixture f;
    const auto message = icmpv4_echo(1, 1, pattern(3000));
    const auto first = v4_fragment(kPeer4, kStack4, wire::IpProtocol::Icmp, 7, message, 0, 1000);
    f.send_raw(first);
    EXPECT_TRUE(f.exchange().empty());
    EXPECT_EQ(f.stack.poll_at(), kT0 + Duration::seconds(30));
    EXPECT_TRUE(f.exchange(kT0 + Duration::seconds(30) - Duration::micros(1)).empty());
    const auto out = f.exchange(kT0 + Duration::seconds(30));
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].dst, IpAddress(kPeer4));
    EXPECT_EQ(out[0].src, IpAddress(kStack4));
    const auto te = out[0].icmpv4();
    ASSERT_TRUE(te);
    EXPECT_EQ(te->type, wire::Icmpv4Type::TimeExceeded);
    EXPECT_EQ(te->code, 1);
    EXPECT_EQ(std::vector<std::uint8_t>(te->data.begin(), te->data.end()),
              std::vector<std::uint8_t>(first.begin(), first.begin() + 28));
    EXPECT_EQ(f.stack.counters().ip_reassembly_timeouts, 1u);
    EXPECT_EQ(f.stack.counters().icmp_time_exceeded_out, 1u);
    EXPECT_EQ(f.stack.poll_at(), Instant::never());
}

TEST(Fragments, NoTimeExceededWithoutTheFirstFragment) {
    Fixture f;
    const auto message = icmpv4_echo(1, 1, pattern(3000));
    f.send_raw(v4_fragment(kPeer4, kStack4, wire::IpProtocol::Icmp, 8, message, 1000, 2000));
    f.exchange();
    EXPECT_TRUE(f.exchange(kT0 + Duration::seconds(30)).empty());
    EXPECT_EQ(f.stack.counters().ip_reassembly_timeouts, 1u);
    EXPECT_EQ(f.stack.counters().icmp_time_exceeded_out, 0u);
}

TEST(Fragments, Ipv4FragmentPast65535IsDropped) {
    // RFC 791 §3.1: 65535 octets at most, header included ("ping of death").
    Fixture f;
    std::vector<std::uint8_t> big(65535, 0);
    f.send_raw(v4_fragment(kPeer4, kStack4, wire::IpProtocol::Icmp, 10, big, 65512, 65528, true));
    f.send_raw(v4_fragment(kPeer4, kStack4, wire::IpProtocol::Icmp, 10, big, 65504, 65512, true));
    f.exchange();
    EXPECT_EQ(f.stack.counters().ip_fragments_dropped, 1u);  // the first: ends past 65515
    EXPECT_EQ(f.stack.counters().ip_fragments_in, 2u);
}

TEST(Fragments, ReassemblyMemoryLimitIsHonoured) {
    StackConfig c;
    c.reassembly_v4.memory_limit = 8 * 1024;
    Fixture f(c);
    const auto message = icmpv4_echo(1, 1, pattern(2000));
    for (std::uint16_t id = 0; id < 20; ++id)
        f.send_raw(v4_fragment(kPeer4, kStack4, wire::IpProtocol::Icmp, id, message, 0, 1480));
    f.exchange();
    EXPECT_EQ(f.stack.counters().ip_fragments_in, 20u);
    // Only the newest datagrams are kept: the last one still completes.
    f.send_raw(
        v4_fragment(kPeer4, kStack4, wire::IpProtocol::Icmp, 19, message, 1480, message.size()));
    f.send_raw(
        v4_fragment(kPeer4, kStack4, wire::IpProtocol::Icmp, 0, message, 1480, message.size()));
    f.exchange();
    EXPECT_EQ(f.stack.counters().ip_reassembled, 1u);
}

// ---- IPv6

TEST(Fragments, Ipv6EchoOf4000BytesInFragmentsIsReassembledAndAnsweredInFragments) {
    Fixture f;
    const auto data = pattern(4000);
    const auto message = icmpv6_echo(kPeer6, kStack6, 0x66, 9, data);
    for (const auto& [b, e] : cuts(message.size(), 1448))
        f.send_raw(v6_fragment(kPeer6, kStack6, wire::IpProtocol::Icmpv6, 0xabcdef, message, b, e));
    const auto out = f.exchange();
    EXPECT_EQ(f.stack.counters().ip_reassembled, 1u);
    ASSERT_EQ(out.size(), 3u);
    // RFC 8200 §4.5: each fragment is the header, a Fragment header with one Identification,
    // and a piece a multiple of 8 long (but the last), within the MTU.
    std::map<std::uint32_t, std::vector<std::uint8_t>> by_offset;
    std::optional<std::uint32_t> id;
    bool last_seen = false;
    for (const Sent& s : out) {
        EXPECT_LE(s.bytes.size(), 1500u);
        const auto view = wire::Ipv6View<Bytes>::checked(s.bytes);
        ASSERT_TRUE(view);
        ASSERT_EQ(view->next_header(), wire::IpProtocol::Ipv6Frag);
        wire::Ipv6ExtHeaderWalker walker(view->next_header(), view->payload());
        const auto h = walker.next();
        ASSERT_TRUE(h);
        const auto fh = wire::Ipv6FragmentRepr::parse(*h);
        ASSERT_TRUE(fh);
        EXPECT_EQ(fh->next_header, wire::IpProtocol::Icmpv6);
        if (!id) id = fh->identification;
        EXPECT_EQ(fh->identification, *id);
        const Bytes piece = view->payload().subspan(8);
        if (fh->more_fragments) {
            EXPECT_EQ(piece.size() % 8, 0u);
        }
        last_seen = last_seen || !fh->more_fragments;
        by_offset[fh->fragment_offset] = std::vector<std::uint8_t>(piece.begin(), piece.end());
    }
    const auto whole = join(by_offset, last_seen);
    ASSERT_TRUE(whole);
    const auto view = wire::Icmpv6View<Bytes>::checked(*whole);
    ASSERT_TRUE(view);
    const auto reply =
        wire::Icmpv6Repr::parse(*view, pseudo_header_v6(kStack6.bytes(), kPeer6.bytes(), 58,
                                                        static_cast<std::uint32_t>(whole->size())));
    ASSERT_TRUE(reply) << "bad checksum over the reassembled reply";
    EXPECT_EQ(reply->type, wire::Icmpv6Type::EchoReply);
    EXPECT_EQ(reply->identifier, 0x66);
    EXPECT_EQ(std::vector<std::uint8_t>(reply->data.begin(), reply->data.end()), data);
}

TEST(Fragments, Ipv6AtomicFragmentIsProcessedAsAWholePacket) {
    // RFC 6946 §4: offset 0 and M 0 — no reassembly, answered at once.
    Fixture f;
    const auto message = icmpv6_echo(kPeer6, kStack6, 1, 2, pattern(100));
    f.send_raw(
        v6_fragment(kPeer6, kStack6, wire::IpProtocol::Icmpv6, 1, message, 0, message.size()));
    const auto out = f.exchange();
    ASSERT_EQ(out.size(), 1u);
    ASSERT_TRUE(out[0].icmpv6());
    EXPECT_EQ(out[0].icmpv6()->type, wire::Icmpv6Type::EchoReply);
    EXPECT_EQ(f.stack.counters().ip_fragments_in, 0u);
}

TEST(Fragments, Ipv6OverlapDiscardsTheDatagram) {
    // RFC 5722 §4.
    Fixture f;
    const auto message = icmpv6_echo(kPeer6, kStack6, 1, 2, pattern(2000));
    f.send_raw(v6_fragment(kPeer6, kStack6, wire::IpProtocol::Icmpv6, 3, message, 0, 1024));
    f.send_raw(
        v6_fragment(kPeer6, kStack6, wire::IpProtocol::Icmpv6, 3, message, 1016, message.size()));
    EXPECT_TRUE(f.exchange().empty());
    EXPECT_EQ(f.stack.counters().ip_reassembled, 0u);
}

TEST(Fragments, Ipv6MissingPieceTimesOutAfterSixtySeconds) {
    // RFC 8200 §4.5: 60 s, then ICMPv6 Time Exceeded code 1 quoting the first fragment.
    Fixture f;
    const auto message = icmpv6_echo(kPeer6, kStack6, 1, 2, pattern(2000));
    const auto first = v6_fragment(kPeer6, kStack6, wire::IpProtocol::Icmpv6, 4, message, 0, 1024);
    f.send_raw(first);
    f.exchange();
    EXPECT_TRUE(f.exchange(kT0 + Duration::seconds(59)).empty());
    const auto out = f.exchange(kT0 + Duration::seconds(60));
    ASSERT_EQ(out.size(), 1u);
    const auto te = out[0].icmpv6();
    ASSERT_TRUE(te);
    EXPECT_EQ(te->type, wire::Icmpv6Type::TimeExceeded);
    EXPECT_EQ(te->code, 1);
    EXPECT_EQ(std::vector<std::uint8_t>(te->data.begin(), te->data.end()), first);
}

TEST(Fragments, Ipv6FirstFragmentWithoutTheUpperLayerHeaderIsDropped) {
    // RFC 8200 §4.5 (RFC 7112): the first fragment must hold the whole header chain.
    Fixture f;
    // A Destination Options header of 16 bytes, cut after 8 in the first fragment.
    std::vector<std::uint8_t> message(64, 0);
    message[0] = 58;  // Next Header: ICMPv6
    message[1] = 1;   // (1 + 1) * 8 = 16 bytes
    f.send_raw(v6_fragment(kPeer6, kStack6, wire::IpProtocol::Ipv6Opts, 5, message, 0, 8));
    f.exchange();
    EXPECT_EQ(f.stack.counters().ip_fragments_dropped, 1u);
}

// ---- ICMP errors to TCP

// A Stack with one active connection to the raw peer, handshake done by hand.
struct TcpFixture : Fixture {
    explicit TcpFixture(const IpAddress& peer_addr = kPeer4, bool establish = true) {
        remote = peer_addr;
        local = peer_addr.is_v4() ? IpAddress(kStack4) : IpAddress(kStack6);
        const auto c = stack.connect({peer_addr, 80}, kT0);
        EXPECT_TRUE(c);
        id = *c;
        const auto out = exchange();
        EXPECT_EQ(out.size(), 1u);
        if (out.empty()) return;
        syn_frame = out[0].bytes;
        const auto syn = out[0].tcp();
        EXPECT_TRUE(syn);
        our_isn = syn->seq;
        local_port = syn->src_port;
        if (!establish) return;
        TcpRepr synack;
        synack.src_port = 80;
        synack.dst_port = local_port;
        synack.control = TcpControl::Syn;
        synack.seq = SeqNum(5000);
        synack.ack = our_isn + 1;
        synack.window = 65535;
        synack.options.mss = 1460;
        peer.send_tcp(remote, local, synack, kT0);
        exchange();  // our ACK
        EXPECT_EQ(stack.state(id), tcp::State::Established);
    }
    // Sends `n` bytes from the connection and returns the segments that left.
    std::vector<Sent> send_data(std::size_t n, Instant now = kT0) {
        const auto data = pattern(n);
        std::size_t off = 0;
        std::vector<Sent> out;
        while (off < n) {
            const auto w = stack.send(id, Bytes(data).subspan(off));
            if (!w) break;
            off += *w;
            auto got = exchange(now);
            out.insert(out.end(), got.begin(), got.end());
        }
        return out;
    }
    // ICMPv4 Destination Unreachable from the router, quoting `quoted` (28 bytes: RFC 792).
    void icmpv4_unreachable(wire::Icmpv4Unreachable code, const std::vector<std::uint8_t>& quoted,
                            std::uint16_t mtu = 0) {
        const Bytes q = Bytes(quoted).first(std::min<std::size_t>(quoted.size(), 28));
        const auto msg = wire::Icmpv4Repr::dest_unreachable(code, q, mtu);
        std::vector<std::uint8_t> out(msg.buffer_len());
        auto view = wire::Icmpv4View<MutBytes>::unchecked(out);
        msg.emit(view);
        peer.send_ip(kRouter4, kStack4, wire::IpProtocol::Icmp, out, kT0);
    }
    void icmpv6_error(wire::Icmpv6Type type, std::uint8_t code, std::uint32_t mtu,
                      const std::vector<std::uint8_t>& quoted) {
        wire::Icmpv6Repr msg;
        msg.type = type;
        msg.code = code;
        msg.mtu = mtu;
        // RFC 4443 §3: the quote keeps the error within the 1280-byte minimum MTU.
        msg.data = Bytes(quoted).first(std::min<std::size_t>(quoted.size(), 1280 - 48));
        std::vector<std::uint8_t> out(msg.buffer_len());
        auto view = wire::Icmpv6View<MutBytes>::unchecked(out);
        msg.emit(view, pseudo_header_v6(kRouter6.bytes(), kStack6.bytes(), 58,
                                        static_cast<std::uint32_t>(out.size())));
        peer.send_ip(kRouter6, kStack6, wire::IpProtocol::Icmpv6, out, kT0);
    }
    void ack_all(Instant now = kT0) {
        const tcp::Connection* c = stack.connection(id);
        peer.send_tcp(remote, local, ack_segment(c->snd_nxt()), now);
    }
    TcpRepr ack_segment(SeqNum ack) const {
        TcpRepr a;
        a.src_port = 80;
        a.dst_port = local_port;
        a.seq = SeqNum(5001);
        a.ack = ack;
        a.window = 65535;
        return a;
    }

    IpAddress remote, local;
    ConnId id;
    std::vector<std::uint8_t> syn_frame;
    SeqNum our_isn;
    std::uint16_t local_port = 0;
};

std::optional<Errc> closed_error(Stack& stack) {
    std::vector<Event> events;
    stack.drain_events(events);
    for (const Event& e : events) {
        if (e.kind == EventKind::Closed) return e.error;
    }
    return std::nullopt;
}

TEST(IcmpErrors, FragmentationNeededShrinksTcpSegmentsToThePathMtu) {
    // RFC 1191 §6.2: TCP lowers its segment size to the path MTU the ICMP message reports.
    TcpFixture f;
    const auto first = f.send_data(2920);
    ASSERT_FALSE(first.empty());
    EXPECT_EQ(first[0].bytes.size(), 1500u);
    f.icmpv4_unreachable(wire::Icmpv4Unreachable::FragmentationNeeded, first[0].bytes, 1000);
    f.exchange();
    EXPECT_EQ(f.stack.counters().tcp_path_mtu_lowered, 1u);
    EXPECT_EQ(*f.stack.path_mtu(f.id), 1000u);
    EXPECT_EQ(f.stack.connection(f.id)->send_mss(), 960);
    f.ack_all();
    f.exchange();
    const auto after = f.send_data(5000);
    ASSERT_FALSE(after.empty());
    for (const Sent& s : after)
        EXPECT_LE(s.bytes.size(), 1000u);
    EXPECT_EQ(after[0].bytes.size(), 1000u);
    EXPECT_EQ(f.stack.state(f.id), tcp::State::Established);
}

TEST(IcmpErrors, PathMtuIsNeverRaisedByAnIcmpMessage) {
    // RFC 1191 §3 / RFC 8201 §4: only decreases.
    TcpFixture f;
    const auto seg = f.send_data(1000);
    ASSERT_FALSE(seg.empty());
    f.icmpv4_unreachable(wire::Icmpv4Unreachable::FragmentationNeeded, seg[0].bytes, 1200);
    f.exchange();
    f.icmpv4_unreachable(wire::Icmpv4Unreachable::FragmentationNeeded, seg[0].bytes, 1400);
    f.exchange();
    EXPECT_EQ(*f.stack.path_mtu(f.id), 1200u);
    EXPECT_EQ(f.stack.counters().tcp_path_mtu_lowered, 1u);
}

TEST(IcmpErrors, PathMtuIsNeverBelowTheIpv4Minimum) {
    // RFC 1191 §3: "A host MUST never reduce its estimate of the Path MTU below 68 octets".
    TcpFixture f;
    const auto seg = f.send_data(100);
    ASSERT_FALSE(seg.empty());
    f.icmpv4_unreachable(wire::Icmpv4Unreachable::FragmentationNeeded, seg[0].bytes, 20);
    f.exchange();
    EXPECT_EQ(*f.stack.path_mtu(f.id), 68u);
    EXPECT_EQ(f.stack.connection(f.id)->send_mss(), 28);
}

TEST(IcmpErrors, OldRouterWithoutNextHopMtuGetsThePlateauBelow) {
    // RFC 1191 §5/§7: next-hop MTU 0 — take the plateau below the quoted datagram's length.
    TcpFixture f;
    const auto seg = f.send_data(1460);
    ASSERT_FALSE(seg.empty());
    f.icmpv4_unreachable(wire::Icmpv4Unreachable::FragmentationNeeded, seg[0].bytes, 0);
    f.exchange();
    EXPECT_EQ(*f.stack.path_mtu(f.id), 1492u);  // below 1500
}

TEST(IcmpErrors, ErrorQuotingASequenceNumberNotInFlightIsIgnored) {
    // RFC 5927 §4.2: SND.UNA =< SEG.SEQ < SND.NXT, or the message is discarded.
    TcpFixture f;
    const auto seg = f.send_data(1000);
    ASSERT_FALSE(seg.empty());
    f.ack_all();
    f.exchange();  // now nothing is in flight: SND.UNA == SND.NXT
    f.icmpv4_unreachable(wire::Icmpv4Unreachable::FragmentationNeeded, seg[0].bytes, 1000);
    f.exchange();
    EXPECT_EQ(*f.stack.path_mtu(f.id), 1500u);
    EXPECT_EQ(f.stack.counters().icmp_errors_ignored, 1u);
    // A forged sequence number far away is ignored too.
    const auto seg2 = f.send_data(100);
    ASSERT_FALSE(seg2.empty());
    auto forged = seg2[0].bytes;
    store_be32(forged.data() + 20 + 4, load_be32(forged.data() + 24) + 100000);
    f.icmpv4_unreachable(wire::Icmpv4Unreachable::PortUnreachable, forged);
    f.exchange();
    EXPECT_FALSE(*f.stack.soft_error(f.id));
    EXPECT_EQ(f.stack.counters().icmp_errors_ignored, 2u);
}

TEST(IcmpErrors, ErrorForNoConnectionIsIgnored) {
    TcpFixture f;
    auto other = f.syn_frame;
    store_be16(other.data() + 20, 1);  // another source port
    f.icmpv4_unreachable(wire::Icmpv4Unreachable::PortUnreachable, other);
    f.exchange();
    EXPECT_EQ(f.stack.counters().icmp_errors_in, 1u);
    EXPECT_EQ(f.stack.counters().icmp_errors_ignored, 1u);
}

TEST(IcmpErrors, PortUnreachableAbortsAConnectionInSynSent) {
    // RFC 1122 §4.2.3.9: port unreachable is a hard error; while connecting, the connection is
    // aborted and the user told "connection refused" (as Linux does).
    TcpFixture f(kPeer4, /*establish=*/false);
    f.icmpv4_unreachable(wire::Icmpv4Unreachable::PortUnreachable, f.syn_frame);
    f.exchange();
    EXPECT_EQ(f.stack.state(f.id), tcp::State::Closed);
    EXPECT_EQ(closed_error(f.stack), Errc::ConnectionRefused);
    EXPECT_EQ(f.stack.counters().tcp_aborted_by_icmp, 1u);
}

TEST(IcmpErrors, ProtocolUnreachableAbortsAConnectionInSynSent) {
    TcpFixture f(kPeer4, /*establish=*/false);
    f.icmpv4_unreachable(wire::Icmpv4Unreachable::ProtocolUnreachable, f.syn_frame);
    f.exchange();
    EXPECT_EQ(f.stack.state(f.id), tcp::State::Closed);
}

TEST(IcmpErrors, HostUnreachableInSynSentIsSoft) {
    // RFC 1122 §4.2.3.9: "TCP MUST NOT abort the connection" for a soft error; it is recorded.
    TcpFixture f(kPeer4, /*establish=*/false);
    f.icmpv4_unreachable(wire::Icmpv4Unreachable::HostUnreachable, f.syn_frame);
    f.exchange();
    EXPECT_EQ(f.stack.state(f.id), tcp::State::SynSent);
    EXPECT_EQ(*f.stack.soft_error(f.id), Errc::HostUnreachable);
    EXPECT_EQ(f.stack.counters().tcp_soft_errors, 1u);
}

TEST(IcmpErrors, PortUnreachableInEstablishedIsOnlyRecorded) {
    // RFC 5461 §4.1: hard errors in synchronized states are treated as soft.
    TcpFixture f;
    const auto seg = f.send_data(500);
    ASSERT_FALSE(seg.empty());
    f.icmpv4_unreachable(wire::Icmpv4Unreachable::PortUnreachable, seg[0].bytes);
    f.exchange();
    EXPECT_EQ(f.stack.state(f.id), tcp::State::Established);
    EXPECT_EQ(*f.stack.soft_error(f.id), Errc::ConnectionRefused);
}

TEST(IcmpErrors, TimeExceededIsSoft) {
    TcpFixture f;
    const auto seg = f.send_data(500);
    ASSERT_FALSE(seg.empty());
    const Bytes q = Bytes(seg[0].bytes).first(28);
    wire::Icmpv4Repr te;
    te.type = wire::Icmpv4Type::TimeExceeded;
    te.data = q;
    std::vector<std::uint8_t> out(te.buffer_len());
    auto view = wire::Icmpv4View<MutBytes>::unchecked(out);
    te.emit(view);
    f.peer.send_ip(kRouter4, kStack4, wire::IpProtocol::Icmp, out, kT0);
    f.exchange();
    EXPECT_EQ(f.stack.state(f.id), tcp::State::Established);
    EXPECT_EQ(*f.stack.soft_error(f.id), Errc::HostUnreachable);
}

TEST(IcmpErrors, SourceQuenchIsIgnored) {
    // RFC 6633 §3.1: TCP MUST silently discard Source Quench.
    TcpFixture f;
    const auto seg = f.send_data(500);
    ASSERT_FALSE(seg.empty());
    wire::Icmpv4Repr sq;
    sq.type = wire::Icmpv4Type::SourceQuench;
    sq.data = Bytes(seg[0].bytes).first(28);
    std::vector<std::uint8_t> out(sq.buffer_len());
    auto view = wire::Icmpv4View<MutBytes>::unchecked(out);
    sq.emit(view);
    f.peer.send_ip(kRouter4, kStack4, wire::IpProtocol::Icmp, out, kT0);
    f.exchange();
    EXPECT_FALSE(*f.stack.soft_error(f.id));
    EXPECT_EQ(*f.stack.path_mtu(f.id), 1500u);
}

TEST(IcmpErrors, PacketTooBigShrinksIpv6Segments) {
    // RFC 8201 §5.2: Packet Too Big lowers the path MTU; TCP's MSS follows (1280 - 60).
    TcpFixture f(kPeer6);
    const auto seg = f.send_data(2880);
    ASSERT_FALSE(seg.empty());
    EXPECT_EQ(seg[0].bytes.size(), 1500u);
    f.icmpv6_error(wire::Icmpv6Type::PacketTooBig, 0, 1280, seg[0].bytes);
    f.exchange();
    EXPECT_EQ(*f.stack.path_mtu(f.id), 1280u);
    EXPECT_EQ(f.stack.connection(f.id)->send_mss(), 1220);
    f.ack_all();
    f.exchange();
    const auto after = f.send_data(4000);
    ASSERT_FALSE(after.empty());
    for (const Sent& s : after)
        EXPECT_LE(s.bytes.size(), 1280u);
}

TEST(IcmpErrors, PacketTooBigBelow1280IsClampedTo1280) {
    // RFC 8201 §4: never below the IPv6 minimum link MTU.
    TcpFixture f(kPeer6);
    const auto seg = f.send_data(1000);
    ASSERT_FALSE(seg.empty());
    f.icmpv6_error(wire::Icmpv6Type::PacketTooBig, 0, 576, seg[0].bytes);
    f.exchange();
    EXPECT_EQ(*f.stack.path_mtu(f.id), 1280u);
}

TEST(IcmpErrors, Ipv6PortUnreachableAbortsSynSent) {
    TcpFixture f(kPeer6, /*establish=*/false);
    f.icmpv6_error(wire::Icmpv6Type::DestUnreachable,
                   static_cast<std::uint8_t>(wire::Icmpv6Unreachable::PortUnreachable), 0,
                   f.syn_frame);
    f.exchange();
    EXPECT_EQ(f.stack.state(f.id), tcp::State::Closed);
    EXPECT_EQ(closed_error(f.stack), Errc::ConnectionRefused);
}

TEST(IcmpErrors, Ipv6AddressUnreachableIsSoft) {
    TcpFixture f(kPeer6, /*establish=*/false);
    f.icmpv6_error(wire::Icmpv6Type::DestUnreachable,
                   static_cast<std::uint8_t>(wire::Icmpv6Unreachable::AddressUnreachable), 0,
                   f.syn_frame);
    f.exchange();
    EXPECT_EQ(f.stack.state(f.id), tcp::State::SynSent);
    EXPECT_EQ(*f.stack.soft_error(f.id), Errc::HostUnreachable);
}

TEST(IcmpErrors, Rfc1191PlateauTable) {
    EXPECT_EQ(rfc1191_plateau_below(1500), 1492u);
    EXPECT_EQ(rfc1191_plateau_below(1492), 1006u);
    EXPECT_EQ(rfc1191_plateau_below(65535), 32000u);
    EXPECT_EQ(rfc1191_plateau_below(100), 68u);
    EXPECT_EQ(rfc1191_plateau_below(20), 68u);
}

}  // namespace
}  // namespace ustack::stack
