// The Stack with real connections: demux among many, listeners (specific before wildcard, backlog)
// against a raw peer, and two Stacks over a SimLink in a SimLoop (handshake, data, close).
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "dev/sim_link.h"
#include "raw_peer.h"
#include "rt/sim_loop.h"
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
const Ipv4Address kStack4b{10, 0, 0, 3};
const Ipv4Address kPeer4{10, 0, 0, 2};
const Ipv6Address kStack6 = Ipv6Address::from_groups({0x2001, 0xdb8, 0, 0, 0, 0, 0, 1});
const Ipv6Address kPeer6 = Ipv6Address::from_groups({0x2001, 0xdb8, 0, 0, 0, 0, 0, 2});
constexpr Instant kT0 = Instant::from_micros(1'000'000);

Bytes as_bytes(std::string_view s) {
    return Bytes(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
}

ListenOptions reuse() {
    ListenOptions o;
    o.reuse_address = true;
    return o;
}

// A Stack and a raw peer that opens connections to it by hand.
struct RawFixture {
    RawFixture() : stack(StackConfig{}), peer(link.end_b()) {
        InterfaceConfig ic;
        ic.addresses = {{kStack4, 24}, {kStack4b, 24}, {kStack6, 64}};
        EXPECT_TRUE(stack.add_interface(link.end_a(), ic));
    }
    std::vector<Sent> exchange(Instant now = kT0) {
        stack.poll(now);
        return peer.receive(now);
    }
    // Sends SYN from peer:port to dst:dport; returns the SYN-ACK's sequence number, or nullopt
    // if the Stack sent none.
    std::optional<SeqNum> syn(const IpAddress& src, const IpAddress& dst, std::uint16_t sport,
                              std::uint16_t dport, std::uint32_t isn) {
        TcpRepr s;
        s.src_port = sport;
        s.dst_port = dport;
        s.control = TcpControl::Syn;
        s.seq = SeqNum(isn);
        s.window = 65535;
        s.options.mss = 1460;
        peer.send_tcp(src, dst, s, kT0);
        const auto out = exchange();
        if (out.empty()) return std::nullopt;
        EXPECT_EQ(out.size(), 1u);
        const auto synack = out[0].tcp();
        EXPECT_TRUE(synack);
        if (!synack || synack->control != TcpControl::Syn || !synack->ack) return std::nullopt;
        EXPECT_EQ(*synack->ack, SeqNum(isn + 1));
        return synack->seq;
    }
    // Completes the handshake SYN, SYN-ACK, ACK.
    bool open(const IpAddress& src, const IpAddress& dst, std::uint16_t sport, std::uint16_t dport,
              std::uint32_t isn = 1000) {
        const auto their = syn(src, dst, sport, dport, isn);
        if (!their) return false;
        peer.send_tcp(src, dst, ack(sport, dport, isn + 1, *their + 1), kT0);
        return exchange().empty();  // the final ACK needs no answer
    }
    static TcpRepr ack(std::uint16_t sport, std::uint16_t dport, std::uint32_t seq, SeqNum ack) {
        TcpRepr a;
        a.src_port = sport;
        a.dst_port = dport;
        a.seq = SeqNum(seq);
        a.ack = ack;
        a.window = 65535;
        return a;
    }

    dev::SimLink link{dev::SimLinkConfig::symmetric(dev::LinkConfig{})};
    Stack stack;
    RawPeer peer;
};

// ---- demux and listeners against a raw peer

TEST(Demux, DataReachesOnlyTheConnectionOfItsFourTuple) {
    RawFixture f;
    const auto l = f.stack.listen({IpAddress(Ipv4Address{}), 80}, 64);
    ASSERT_TRUE(l);
    std::map<std::uint16_t, SeqNum> their_isn;
    for (std::uint16_t port = 41000; port < 41020; ++port) {
        const auto s = f.syn(kPeer4, kStack4, port, 80, 1000u * port);
        ASSERT_TRUE(s);
        their_isn[port] = *s;
        f.peer.send_tcp(kPeer4, kStack4, RawFixture::ack(port, 80, 1000u * port + 1, *s + 1), kT0);
        f.exchange();
    }
    std::map<std::uint16_t, ConnId> by_port;
    while (const auto c = f.stack.accept(*l)) {
        by_port[f.stack.remote_endpoint(*c)->port] = *c;
        EXPECT_EQ(f.stack.state(*c), tcp::State::Established);
    }
    ASSERT_EQ(by_port.size(), 20u);
    std::vector<Event> discard;
    f.stack.drain_events(discard);

    const std::uint16_t target = 41013;
    TcpRepr data = RawFixture::ack(target, 80, 1000u * target + 1, their_isn[target] + 1);
    data.psh = true;
    data.payload = as_bytes("for 41013");
    f.peer.send_tcp(kPeer4, kStack4, data, kT0);
    f.stack.poll(kT0);

    std::vector<Event> events;
    f.stack.drain_events(events);
    for (const Event& e : events) {
        if (e.kind == EventKind::Readable) {
            EXPECT_EQ(*e.conn(), by_port[target]);
        }
    }
    std::array<std::uint8_t, 64> buf{};
    for (const auto& [port, id] : by_port) {
        const auto n = f.stack.recv(id, buf);
        if (port == target) {
            ASSERT_TRUE(n);
            EXPECT_EQ(std::string(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*n)),
                      "for 41013");
        } else {
            EXPECT_EQ(n.error(), Errc::WouldBlock) << port;
        }
    }
}

// The text of an in-order segment to an established connection is copied onto the receive ring
// while its checksum is summed (header prediction): a corrupted one is dropped and counted, and
// what it left on the ring's free space is never read; the good copy after it is.
TEST(Checksum, CorruptedInOrderTextIsDroppedWithoutTouchingTheStream) {
    RawFixture f;
    const auto l = f.stack.listen({IpAddress(Ipv4Address{}), 80}, 8);
    ASSERT_TRUE(l);
    const auto their = f.syn(kPeer4, kStack4, 41000, 80, 1000);
    ASSERT_TRUE(their);
    f.peer.send_tcp(kPeer4, kStack4, RawFixture::ack(41000, 80, 1001, *their + 1), kT0);
    f.exchange();
    const auto c = f.stack.accept(*l);
    ASSERT_TRUE(c);
    const auto data = [&](std::uint32_t seq, const char* text) {
        TcpRepr d = RawFixture::ack(41000, 80, seq, *their + 1);
        d.payload = as_bytes(text);
        return d;
    };
    f.peer.send_tcp(kPeer4, kStack4, data(1001, "hello "), kT0);
    f.exchange();
    for (const std::size_t at : {20u + 2, 20u + 5, 16u, 4u}) {  // text bytes, checksum, seq
        auto bytes = RawPeer::tcp_bytes(kPeer4, kStack4, data(1007, "world!"));
        bytes[at] ^= 0x40;
        f.peer.send_ip(kPeer4, kStack4, wire::IpProtocol::Tcp, bytes, kT0);
        f.exchange();
    }
    EXPECT_EQ(f.stack.counters().tcp_bad_checksum, 4u);
    std::array<std::uint8_t, 64> buf{};
    auto n = f.stack.recv(*c, buf);
    ASSERT_TRUE(n);
    EXPECT_EQ(std::string(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*n)), "hello ");
    f.peer.send_tcp(kPeer4, kStack4, data(1007, "world!"), kT0);
    f.exchange();
    n = f.stack.recv(*c, buf);
    ASSERT_TRUE(n);
    EXPECT_EQ(std::string(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*n)), "world!");
    EXPECT_EQ(f.stack.counters().tcp_bad_checksum, 4u);
}

TEST(Demux, SameRemotePortFromOtherAddressIsAnotherConnection) {
    RawFixture f;
    const auto l4 = f.stack.listen({IpAddress(Ipv4Address{}), 80}, 8);
    const auto l6 = f.stack.listen({IpAddress(Ipv6Address{}), 80}, 8);
    ASSERT_TRUE(l4 && l6);
    ASSERT_TRUE(f.open(kPeer4, kStack4, 5555, 80));
    ASSERT_TRUE(f.open(kPeer4, kStack4b, 5555, 80));
    ASSERT_TRUE(f.open(kPeer6, kStack6, 5555, 80));
    EXPECT_TRUE(f.stack.accept(*l4));
    EXPECT_TRUE(f.stack.accept(*l4));
    EXPECT_TRUE(f.stack.accept(*l6));
    EXPECT_EQ(f.stack.connection_count(), 3u);
}

TEST(Listen, SpecificAddressWinsOverWildcard) {
    RawFixture f;
    const auto wildcard = f.stack.listen({IpAddress(Ipv4Address{}), 80}, 8);
    const auto specific = f.stack.listen({kStack4, 80}, 8, reuse());
    ASSERT_TRUE(wildcard && specific);
    ASSERT_TRUE(f.open(kPeer4, kStack4, 40001, 80));
    ASSERT_TRUE(f.open(kPeer4, kStack4b, 40002, 80));
    const auto a = f.stack.accept(*specific);
    ASSERT_TRUE(a);
    EXPECT_EQ(f.stack.remote_endpoint(*a)->port, 40001);
    EXPECT_EQ(f.stack.local_endpoint(*a)->address, IpAddress(kStack4));
    EXPECT_EQ(f.stack.accept(*specific).error(), Errc::WouldBlock);
    const auto b = f.stack.accept(*wildcard);
    ASSERT_TRUE(b);
    EXPECT_EQ(f.stack.remote_endpoint(*b)->port, 40002);
    EXPECT_EQ(f.stack.local_endpoint(*b)->address, IpAddress(kStack4b));
}

TEST(Listen, CompletedHandshakeIsAnnouncedAsAcceptable) {
    RawFixture f;
    const auto l = f.stack.listen({kStack4, 80}, 8);
    ASSERT_TRUE(l);
    ASSERT_TRUE(f.open(kPeer4, kStack4, 40001, 80));
    std::vector<Event> events;
    f.stack.drain_events(events);
    const auto it = std::find_if(events.begin(), events.end(),
                                 [](const Event& e) { return e.kind == EventKind::Acceptable; });
    ASSERT_NE(it, events.end());
    EXPECT_EQ(*it->listener(), *l);
}

TEST(Backlog, SynsBeyondItAreDroppedSilentlyAndCounted) {
    RawFixture f;
    const auto l = f.stack.listen({kStack4, 80}, 2);
    ASSERT_TRUE(l);
    EXPECT_TRUE(f.syn(kPeer4, kStack4, 40001, 80, 1));
    EXPECT_TRUE(f.syn(kPeer4, kStack4, 40002, 80, 2));
    EXPECT_FALSE(f.syn(kPeer4, kStack4, 40003, 80, 3));  // no SYN-ACK, no RST
    EXPECT_EQ(f.stack.counters().tcp_syn_dropped_backlog, 1u);
    EXPECT_EQ(f.stack.connection_count(), 2u);
}

TEST(Backlog, AcceptMakesRoomAgain) {
    RawFixture f;
    const auto l = f.stack.listen({kStack4, 80}, 1);
    ASSERT_TRUE(l);
    ASSERT_TRUE(f.open(kPeer4, kStack4, 40001, 80));
    EXPECT_FALSE(f.syn(kPeer4, kStack4, 40002, 80, 2));  // the accept queue holds the first
    ASSERT_TRUE(f.stack.accept(*l));
    EXPECT_TRUE(f.syn(kPeer4, kStack4, 40002, 80, 2));
}

TEST(Backlog, ResetHandshakeLeavesTheQueue) {
    RawFixture f;
    const auto l = f.stack.listen({kStack4, 80}, 1);
    ASSERT_TRUE(l);
    const auto their = f.syn(kPeer4, kStack4, 40001, 80, 100);
    ASSERT_TRUE(their);
    TcpRepr rst;
    rst.src_port = 40001;
    rst.dst_port = 80;
    rst.control = TcpControl::Rst;
    rst.seq = SeqNum(101);
    f.peer.send_tcp(kPeer4, kStack4, rst, kT0);
    f.exchange();
    EXPECT_EQ(f.stack.connection_count(), 0u);  // reaped: never handed to the user
    EXPECT_TRUE(f.syn(kPeer4, kStack4, 40002, 80, 200));
}

TEST(Listen, CloseListenerResetsConnectionsNotYetAccepted) {
    RawFixture f;
    const auto l = f.stack.listen({kStack4, 80}, 8);
    ASSERT_TRUE(l);
    ASSERT_TRUE(f.open(kPeer4, kStack4, 40001, 80));
    ASSERT_TRUE(f.stack.close_listener(*l));
    const auto out = f.exchange();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].tcp()->control, TcpControl::Rst);
    EXPECT_EQ(f.stack.connection_count(), 0u);
    // The port is closed now: a new SYN gets RST+ACK.
    f.syn(kPeer4, kStack4, 40002, 80, 5);
    EXPECT_EQ(f.stack.counters().tcp_no_listener_resets, 1u);
}

// ---- two Stacks over a SimLink in a SimLoop

struct Side {
    Side(dev::Device& device, const IpAddress& addr, std::uint8_t prefix, std::uint64_t seed)
        : stack(config(seed)) {
        InterfaceConfig ic;
        ic.addresses = {{addr, prefix}};
        EXPECT_TRUE(stack.add_interface(device, ic));
    }
    static StackConfig config(std::uint64_t seed) {
        StackConfig c;
        c.seed = seed;
        return c;
    }
    void drain() {
        stack.drain_events([&](const Event& e) {
            events.push_back(e);
            if (e.kind == EventKind::StateChanged && e.conn())
                trace.push_back(std::string(tcp::to_string(e.from)) + " -> " +
                                std::string(tcp::to_string(e.to)));
        });
    }
    bool saw(EventKind kind) const {
        return std::any_of(events.begin(), events.end(),
                           [&](const Event& e) { return e.kind == kind; });
    }
    std::string read_all(ConnId id) {
        std::string out;
        std::array<std::uint8_t, 256> buf{};
        while (true) {
            const auto n = stack.recv(id, buf);
            if (!n || *n == 0) break;
            out.append(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*n));
        }
        return out;
    }
    Stack stack;
    std::vector<Event> events;
    std::vector<std::string> trace;
};

struct Pair {
    explicit Pair(bool v6 = false)
        : link(dev::SimLinkConfig::symmetric(one_ms())),
          client_addr(v6 ? IpAddress(kPeer6) : IpAddress(kPeer4)),
          server_addr(v6 ? IpAddress(kStack6) : IpAddress(kStack4)),
          client(link.end_a(), client_addr, v6 ? 64 : 24, 11),
          server(link.end_b(), server_addr, v6 ? 64 : 24, 22) {
        loop.add(client.stack);
        loop.add(server.stack);
    }
    static dev::LinkConfig one_ms() {
        dev::LinkConfig c;
        c.delay = Duration::millis(1);
        return c;
    }
    bool run_until(const std::function<bool()>& done, Duration limit = Duration::seconds(5)) {
        return loop.run_until(
            [&] {
                client.drain();
                server.drain();
                return done();
            },
            loop.now() + limit);
    }

    // The client writes `data` to connection `c` in pieces of at most `write_size` bytes while
    // the server accepts from `l` and reads; what the server read once all has arrived or
    // `limit` has passed (with a test failure then).
    std::vector<std::uint8_t> transfer(ListenerId l, ConnId c, Bytes data, std::size_t write_size,
                                       Duration limit) {
        std::optional<ConnId> s;
        std::size_t sent = 0;
        std::vector<std::uint8_t> got;
        std::array<std::uint8_t, 4096> buf{};
        EXPECT_TRUE(run_until(
            [&] {
                if (!s) {
                    if (auto a = server.stack.accept(l)) s = *a;
                }
                if (sent < data.size()) {
                    const std::size_t n = std::min(write_size, data.size() - sent);
                    if (auto k = client.stack.send(c, data.subspan(sent, n))) sent += *k;
                }
                while (s) {
                    const auto n = server.stack.recv(*s, buf);
                    if (!n || *n == 0) break;
                    got.insert(got.end(), buf.begin(),
                               buf.begin() + static_cast<std::ptrdiff_t>(*n));
                }
                return got.size() == data.size();
            },
            limit));
        return got;
    }

    dev::SimLink link;
    rt::SimLoop loop{rt::SimLoopConfig{kT0}};
    IpAddress client_addr, server_addr;
    Side client;
    Side server;
};

// four_way: the server closes only once its ACK of the client's FIN went out alone (FIN, ACK,
// FIN, ACK); otherwise at once, so its FIN carries that ACK (the three-packet close).
void handshake_data_close(bool v6, bool four_way) {
    Pair p(v6);
    const auto l = p.server.stack.listen({p.server_addr, 3001}, 8);
    ASSERT_TRUE(l);
    const auto c = p.client.stack.connect({p.server_addr, 3001}, p.loop.now());
    ASSERT_TRUE(c);
    std::optional<ConnId> s;
    ASSERT_TRUE(p.run_until([&] {
        if (!s) {
            if (auto a = p.server.stack.accept(*l)) s = *a;
        }
        return s && p.client.stack.state(*c) == tcp::State::Established;
    }));
    EXPECT_TRUE(p.client.saw(EventKind::Connected));
    EXPECT_EQ(p.server.stack.state(*s), tcp::State::Established);
    EXPECT_EQ(*p.server.stack.remote_endpoint(*s), *p.client.stack.local_endpoint(*c));

    // Data both ways.
    ASSERT_EQ(p.client.stack.send(*c, as_bytes("hello")), 5u);
    std::string at_server;
    ASSERT_TRUE(p.run_until([&] {
        at_server += p.server.read_all(*s);
        return at_server == "hello";
    }));
    ASSERT_EQ(p.server.stack.send(*s, as_bytes("server: hello")), 13u);
    std::string at_client;
    ASSERT_TRUE(p.run_until([&] {
        at_client += p.client.read_all(*c);
        return at_client == "server: hello";
    }));

    // The client closes first: it ends in TIME-WAIT, the server (LAST-ACK) in CLOSED.
    ASSERT_TRUE(p.client.stack.close(*c));
    ASSERT_TRUE(p.run_until([&] { return p.server.saw(EventKind::PeerFin); }));
    if (four_way) {
        ASSERT_TRUE(p.run_until([&] { return p.client.stack.state(*c) == tcp::State::FinWait2; }));
    }
    std::array<std::uint8_t, 8> buf{};
    EXPECT_EQ(p.server.stack.recv(*s, buf), 0u);  // end of stream
    ASSERT_TRUE(p.server.stack.close(*s));
    ASSERT_TRUE(p.run_until([&] { return p.client.stack.state(*c) == tcp::State::TimeWait; }));
    ASSERT_TRUE(p.run_until([&] { return p.server.saw(EventKind::Closed); }));
    p.run_until([] { return false; }, Duration::millis(100));
    EXPECT_EQ(p.server.stack.state(*s).error(), Errc::BadHandle);  // CLOSED and reaped
    EXPECT_EQ(p.server.stack.connection_count(), 0u);
    EXPECT_EQ(p.client.stack.state(*c), tcp::State::TimeWait);
    std::vector<std::string> expected{"CLOSED -> SYN-SENT", "SYN-SENT -> ESTABLISHED",
                                      "ESTABLISHED -> FIN-WAIT-1"};
    if (four_way) {
        expected.insert(expected.end(), {"FIN-WAIT-1 -> FIN-WAIT-2", "FIN-WAIT-2 -> TIME-WAIT"});
    } else {
        expected.push_back("FIN-WAIT-1 -> TIME-WAIT");
    }
    EXPECT_EQ(p.client.trace, expected);
    EXPECT_EQ(p.server.trace.back(), "LAST-ACK -> CLOSED");

    // TIME-WAIT lasts the configured 60 s, then the client's slot is freed too.
    p.run_until([] { return false; }, Duration::seconds(61));
    EXPECT_EQ(p.client.stack.state(*c).error(), Errc::BadHandle);
    EXPECT_EQ(p.client.stack.connection_count(), 0u);
    EXPECT_EQ(p.client.stack.counters().tcp_bad_checksum, 0u);
}

TEST(TwoStacks, HandshakeDataBothWaysAndFourWayCloseEndInTimeWaitAndClosed) {
    handshake_data_close(false, true);
}

TEST(TwoStacks, ImmediateServerCloseGivesThreePacketClose) {
    handshake_data_close(false, false);
}

TEST(TwoStacks, Ipv6HandshakeDataAndCloseEndInTimeWaitAndClosed) {
    handshake_data_close(true, true);
}

TEST(TwoStacks, ConnectToClosedPortIsRefused) {
    Pair p;
    const auto c = p.client.stack.connect({p.server_addr, 3001}, p.loop.now());
    ASSERT_TRUE(c);
    ASSERT_TRUE(p.run_until([&] { return p.client.saw(EventKind::Closed); }));
    const auto it = std::find_if(p.client.events.begin(), p.client.events.end(),
                                 [](const Event& e) { return e.kind == EventKind::Closed; });
    EXPECT_EQ(it->error, std::optional(Errc::ConnectionRefused));
    EXPECT_EQ(p.client.stack.state(*c), tcp::State::Closed);  // kept until the user closes
    EXPECT_EQ(p.server.stack.counters().tcp_no_listener_resets, 1u);
    ASSERT_TRUE(p.client.stack.close(*c));
    p.run_until([] { return false; }, Duration::millis(10));
    EXPECT_EQ(p.client.stack.state(*c).error(), Errc::BadHandle);
}

TEST(TwoStacks, AbortSendsRstAndPeerSeesConnectionReset) {
    Pair p;
    const auto l = p.server.stack.listen({p.server_addr, 3001}, 8);
    ASSERT_TRUE(l);
    const auto c = p.client.stack.connect({p.server_addr, 3001}, p.loop.now());
    ASSERT_TRUE(c);
    std::optional<ConnId> s;
    ASSERT_TRUE(p.run_until([&] {
        if (!s) {
            if (auto a = p.server.stack.accept(*l)) s = *a;
        }
        return s && p.client.stack.state(*c) == tcp::State::Established;
    }));
    ASSERT_TRUE(p.client.stack.abort(*c));
    ASSERT_TRUE(p.run_until([&] { return p.server.saw(EventKind::Closed); }));
    const auto it = std::find_if(p.server.events.begin(), p.server.events.end(),
                                 [](const Event& e) { return e.kind == EventKind::Closed; });
    EXPECT_EQ(it->error, std::optional(Errc::ConnectionReset));
    std::array<std::uint8_t, 8> buf{};
    EXPECT_EQ(p.server.stack.recv(*s, buf).error(), Errc::ConnectionReset);
}

TEST(TwoStacks, BulkTransferArrivesByteIdenticalInFullSizedFrames) {
    Pair p;
    const auto l = p.server.stack.listen({p.server_addr, 3001}, 8);
    ASSERT_TRUE(l);
    const auto c = p.client.stack.connect({p.server_addr, 3001}, p.loop.now());
    ASSERT_TRUE(c);
    std::vector<std::uint8_t> data(300'000);
    for (std::size_t i = 0; i < data.size(); ++i)
        data[i] = static_cast<std::uint8_t>((i * 7919) >> 3);
    const auto got = p.transfer(*l, *c, data, data.size(), Duration::seconds(30));
    EXPECT_TRUE(got == data);
    EXPECT_EQ(p.client.stack.counters().frames_tx_dropped, 0u);
    EXPECT_EQ(p.link.counters_a_to_b().frames_dropped_oversize, 0u);
    // Full-sized segments: 1460 bytes of payload in 1500-byte packets.
    EXPECT_LE(p.link.counters_a_to_b().frames_sent, data.size() / 1460 + 20);
}

TEST(TwoStacks, OddSizedSegmentsAcrossTheSendRingsWrapCarryRightChecksums) {
    // The payload's checksum is taken while it is copied out of the send ring, in two pieces when
    // the segment wraps around the ring's end. Writes of 777 bytes with no_delay make segments
    // of odd length, so pieces start and end at odd offsets; the receiver checks every checksum.
    Pair p;
    const auto l = p.server.stack.listen({p.server_addr, 3001}, 8);
    ASSERT_TRUE(l);
    const auto c = p.client.stack.connect({p.server_addr, 3001}, p.loop.now());
    ASSERT_TRUE(c);
    p.client.stack.connection(*c)->set_no_delay(true);
    std::vector<std::uint8_t> data(200'001);
    for (std::size_t i = 0; i < data.size(); ++i)
        data[i] = static_cast<std::uint8_t>((i * 7919) >> 3);
    const auto got = p.transfer(*l, *c, data, 777, Duration::seconds(60));
    EXPECT_TRUE(got == data);
    EXPECT_EQ(p.server.stack.counters().tcp_bad_checksum, 0u);
    EXPECT_EQ(p.client.stack.connection(*c)->retransmits(), 0u);
    // More than the send ring went through it, so it wrapped.
    const tcp::Connection* conn = p.client.stack.connection(*c);
    EXPECT_GT(data.size(), conn->send_queue() + conn->send_space());
}

TEST(TwoStacks, ConnectionsOpenedAfterOthersEndedStartWithEmptyRings) {
    // A freed connection's rings go to the next connection its Stack opens. Each round's server
    // connection is freed with bytes still in its receive ring; the next round's connections
    // must see none of them.
    Pair p;
    const auto l = p.server.stack.listen({p.server_addr, 3001}, 8);
    ASSERT_TRUE(l);
    for (int round = 0; round < 3; ++round) {
        const auto c = p.client.stack.connect({p.server_addr, 3001}, p.loop.now());
        ASSERT_TRUE(c);
        std::optional<ConnId> s;
        ASSERT_TRUE(p.run_until([&] {
            if (!s) {
                if (auto a = p.server.stack.accept(*l)) s = *a;
            }
            return s && p.client.stack.state(*c) == tcp::State::Established;
        }));
        const tcp::Connection* server_conn = p.server.stack.connection(*s);
        const tcp::Connection* client_conn = p.client.stack.connection(*c);
        EXPECT_EQ(server_conn->recv_queue(), 0u) << "round " << round;
        EXPECT_EQ(client_conn->send_queue(), 0u) << "round " << round;
        std::array<std::uint8_t, 4> buf{};
        EXPECT_EQ(p.server.stack.recv(*s, buf).error(), Errc::WouldBlock) << "round " << round;
        // "round N" arrives whole and alone.
        const std::string line = "round " + std::to_string(round);
        ASSERT_EQ(p.client.stack.send(*c, as_bytes(line)), line.size());
        std::string got;
        ASSERT_TRUE(p.run_until([&] {
            got += p.server.read_all(*s);
            return got.size() >= line.size();
        }));
        EXPECT_EQ(got, line);
        // The server closes first; data the client sends after that still lands in the
        // server's receive ring (FIN-WAIT-2 takes text, RFC 9293 §3.10.7.4) and is never read,
        // and the server's connection is freed with it after TIME-WAIT.
        ASSERT_TRUE(p.server.stack.close(*s));
        ASSERT_TRUE(p.run_until([&] { return p.client.stack.state(*c) == tcp::State::CloseWait; }));
        ASSERT_EQ(p.client.stack.send(*c, as_bytes("left over")), 9u);
        ASSERT_TRUE(p.client.stack.close(*c));
        ASSERT_TRUE(p.run_until(
            [&] {
                return p.client.stack.connection_count() == 0 &&
                       p.server.stack.connection_count() == 0;
            },
            Duration::seconds(600)));
    }
}

// The Stack keeps the deadline of each connection it did not touch since its last visit and asks
// only the touched ones (DeadlineHeap): poll_at() must still be the earliest deadline of them all,
// and every connection's timers must fire at their own time. Twelve connections opened 100 ms
// apart; the even ones close (client first: TIME-WAIT, each ending at its own time), the odd ones
// send a line and stay open.
TEST(TwoStacks, PollAtIsTheEarliestDeadlineOfManyConnections) {
    Pair p;
    const auto l = p.server.stack.listen({p.server_addr, 3001}, 64);
    ASSERT_TRUE(l);
    constexpr int kConnections = 12;
    struct Conn {
        ConnId client{};
        std::optional<ConnId> server;
        bool closed = false;
        bool sent = false;
        bool server_closed = false;
    };
    std::vector<Conn> conns;
    // The earliest deadline, asked of every connection (through the const face, which touches
    // nothing) and of the device; nullopt while a finished connection waits to be freed (then
    // the Stack wants a poll at once).
    auto earliest = [](const Stack& st, const dev::Device& device) -> std::optional<Instant> {
        Instant at = device.poll_at();
        bool finished = false;
        st.for_each_connection([&](ConnId id) {
            at = std::min(at, st.connection(id)->poll_at());
            finished = finished || st.connection(id)->finished();
        });
        if (finished) return std::nullopt;
        return at;
    };
    for (int k = 0; k < kConnections; ++k) {
        p.loop.call_at(kT0 + Duration::millis(100 * k), [&](Instant now) {
            const auto c = p.client.stack.connect({p.server_addr, 3001}, now);
            EXPECT_TRUE(c);
            if (c) {
                conns.emplace_back();
                conns.back().client = *c;
            }
        });
    }
    std::size_t checks = 0;
    std::array<std::uint8_t, 64> buf{};
    p.run_until(
        [&] {
            const Instant now = p.loop.now();
            for (std::size_t k = 0; k < conns.size(); ++k) {
                Conn& x = conns[k];
                if (!x.server) {
                    if (auto a = p.server.stack.accept(*l)) x.server = *a;
                }
                const bool established = p.client.stack.state(x.client) == tcp::State::Established;
                if (k % 2 == 0 && established && !x.closed) {
                    EXPECT_TRUE(p.client.stack.close(x.client));
                    x.closed = true;
                }
                if (k % 2 == 1 && established && !x.sent) {
                    EXPECT_EQ(p.client.stack.send(x.client, as_bytes("line")), 4u);
                    x.sent = true;
                }
                if (k % 2 == 0 && x.server && !x.server_closed) {
                    const auto n = p.server.stack.recv(*x.server, buf);
                    if (n && *n == 0) {
                        EXPECT_TRUE(p.server.stack.close(*x.server));
                        x.server_closed = true;
                    }
                }
            }
            const Stack& client = p.client.stack;
            const Stack& server = p.server.stack;
            if (const auto e = earliest(client, p.link.end_a())) {
                EXPECT_EQ(client.poll_at(), *e) << "at " << now.as_micros();
                ++checks;
            }
            if (const auto e = earliest(server, p.link.end_b())) {
                EXPECT_EQ(server.poll_at(), *e) << "at " << now.as_micros();
                ++checks;
            }
            return false;
        },
        Duration::seconds(70));
    EXPECT_GT(checks, 100u);
    ASSERT_EQ(conns.size(), std::size_t{kConnections});
    // Every even connection's client end went through TIME-WAIT (60 s) and was freed, its
    // server end at the last ACK; the odd ones are still open at both ends.
    EXPECT_EQ(p.client.stack.connection_count(), std::size_t{kConnections / 2});
    EXPECT_EQ(p.server.stack.connection_count(), std::size_t{kConnections / 2});
    for (std::size_t k = 0; k < conns.size(); ++k) {
        if (k % 2 == 0) {
            EXPECT_EQ(p.client.stack.state(conns[k].client).error(), Errc::BadHandle) << k;
        } else {
            EXPECT_EQ(p.client.stack.state(conns[k].client), tcp::State::Established) << k;
            EXPECT_EQ(p.server.read_all(*conns[k].server), "line") << k;
        }
    }
}

TEST(TwoStacks, SameSeedsGiveTheSameRun) {
    auto run = [] {
        Pair p;
        const auto l = p.server.stack.listen({p.server_addr, 3001}, 8);
        const auto c = p.client.stack.connect({p.server_addr, 3001}, p.loop.now());
        EXPECT_TRUE(l && c);
        p.run_until([&] { return p.client.stack.state(*c) == tcp::State::Established; });
        const auto* conn = p.client.stack.connection(*c);
        return std::pair(p.client.stack.local_endpoint(*c)->port, conn->iss().raw());
    };
    EXPECT_EQ(run(), run());
}

}  // namespace
}  // namespace ustack::stack
