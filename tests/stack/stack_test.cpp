// Stack over a SimLink with a raw test peer: ICMP echo, resets for closed ports, checksum drops,
// listener and handle rules, routes and ports.
#include "stack/stack.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <vector>

#include "dev/sim_link.h"
#include "raw_peer.h"

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
constexpr std::array<std::uint8_t, 6> kPing{'p', 'i', 'n', 'g', '!', '\n'};

// A Stack on end_a of a zero-delay SimLink, a RawPeer on end_b.
struct Fixture {
    explicit Fixture(std::uint64_t seed = 7) : stack(config(seed)), peer(link.end_b()) {
        InterfaceConfig ic;
        ic.addresses = {{kStack4, 24}, {kStack4b, 24}, {kStack6, 64}};
        const auto id = stack.add_interface(link.end_a(), ic);
        EXPECT_TRUE(id);
    }
    static StackConfig config(std::uint64_t seed) {
        StackConfig c;
        c.seed = seed;
        return c;
    }
    // The peer's frames reach the Stack at `now`; what it sends back comes out at `now`.
    std::vector<Sent> exchange(Instant now = kT0) {
        stack.poll(now);
        return peer.receive(now);
    }

    dev::SimLink link{dev::SimLinkConfig::symmetric(dev::LinkConfig{})};
    Stack stack;
    RawPeer peer;
};

TcpRepr segment(std::uint16_t sport, std::uint16_t dport, TcpControl control, std::uint32_t seq,
                std::optional<std::uint32_t> ack = {}) {
    TcpRepr r;
    r.src_port = sport;
    r.dst_port = dport;
    r.control = control;
    r.seq = SeqNum(seq);
    if (ack) r.ack = SeqNum(*ack);
    r.window = 65535;
    return r;
}

ListenOptions reuse() {
    ListenOptions o;
    o.reuse_address = true;
    return o;
}

// ---- ICMP echo

TEST(IcmpEcho, Ipv4RequestGetsReplyWithSameIdentifierSequenceAndData) {
    Fixture f;
    f.peer.send_echo_v4(kPeer4, kStack4, 0x1234, 7, kPing, kT0);
    const auto out = f.exchange();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].src, IpAddress(kStack4));
    EXPECT_EQ(out[0].dst, IpAddress(kPeer4));
    EXPECT_EQ(out[0].protocol, wire::IpProtocol::Icmp);
    const auto reply = out[0].icmpv4();  // parse verifies the ICMP checksum
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->type, wire::Icmpv4Type::EchoReply);
    EXPECT_EQ(reply->identifier, 0x1234);
    EXPECT_EQ(reply->sequence_number, 7);
    EXPECT_TRUE(std::equal(reply->data.begin(), reply->data.end(), kPing.begin(), kPing.end()));
    EXPECT_EQ(f.stack.counters().icmp_echo_replies, 1u);
}

TEST(IcmpEcho, ReplyComesFromTheAddressTheRequestWasSentTo) {
    Fixture f;
    f.peer.send_echo_v4(kPeer4, kStack4b, 1, 1, kPing, kT0);
    const auto out = f.exchange();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].src, IpAddress(kStack4b));
}

TEST(IcmpEcho, Ipv6RequestGetsReply) {
    Fixture f;
    f.peer.send_echo_v6(kPeer6, kStack6, 0xbeef, 42, kPing, kT0);
    const auto out = f.exchange();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].src, IpAddress(kStack6));
    EXPECT_EQ(out[0].dst, IpAddress(kPeer6));
    EXPECT_EQ(out[0].protocol, wire::IpProtocol::Icmpv6);
    const auto reply = out[0].icmpv6();  // parse verifies the checksum over the pseudo-header
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->type, wire::Icmpv6Type::EchoReply);
    EXPECT_EQ(reply->identifier, 0xbeef);
    EXPECT_EQ(reply->sequence_number, 42);
    EXPECT_TRUE(std::equal(reply->data.begin(), reply->data.end(), kPing.begin(), kPing.end()));
}

TEST(IcmpEcho, RequestWithBadChecksumIsDroppedAndCounted) {
    Fixture f;
    f.peer.send_echo_v4(kPeer4, kStack4, 1, 1, kPing, kT0);
    f.stack.poll(kT0);
    ASSERT_EQ(f.peer.receive(kT0).size(), 1u);
    auto frame = f.peer.last_frame;
    frame.back() ^= 0x01;  // one data bit: only the ICMP checksum catches it
    ASSERT_TRUE(f.link.end_b().transmit(frame, kT0));
    EXPECT_TRUE(f.exchange().empty());
    EXPECT_EQ(f.stack.counters().icmp_bad_checksum, 1u);
    EXPECT_EQ(f.stack.counters().icmp_echo_replies, 1u);
}

TEST(IcmpEcho, RequestToAnotherAddressIsNotAnswered) {
    Fixture f;
    f.peer.send_echo_v4(kPeer4, Ipv4Address{10, 0, 0, 99}, 1, 1, kPing, kT0);
    EXPECT_TRUE(f.exchange().empty());
    EXPECT_EQ(f.stack.counters().ip_not_for_us, 1u);
}

// ---- IP checks

TEST(Ipv4, HeaderWithBadChecksumIsDroppedAndCounted) {
    Fixture f;
    f.peer.send_echo_v4(kPeer4, kStack4, 1, 1, kPing, kT0);
    f.stack.poll(kT0);
    f.peer.receive(kT0);
    auto frame = f.peer.last_frame;
    frame[8] ^= 0x01;  // the TTL, covered only by the header checksum
    ASSERT_TRUE(f.link.end_b().transmit(frame, kT0));
    EXPECT_TRUE(f.exchange().empty());
    EXPECT_EQ(f.stack.counters().ip_bad_checksum, 1u);
}

TEST(Ipv4, LoneFirstFragmentWaitsForReassembly) {
    Fixture f;
    f.peer.send_echo_v4(kPeer4, kStack4, 1, 1, kPing, kT0);
    f.stack.poll(kT0);
    f.peer.receive(kT0);
    auto frame = f.peer.last_frame;
    auto view = wire::Ipv4View<MutBytes>::unchecked(frame);
    view.set_fragment(false, true, 0);  // MF: the first fragment of a larger datagram
    view.fill_checksum();
    ASSERT_TRUE(f.link.end_b().transmit(frame, kT0));
    EXPECT_TRUE(f.exchange().empty());
    EXPECT_EQ(f.stack.counters().ip_fragments_in, 1u);  // held until the rest or the timeout
}

TEST(Ipv4, GarbageFrameIsCountedAsMalformed) {
    Fixture f;
    const std::array<std::uint8_t, 7> junk{0x45, 1, 2, 3, 4, 5, 6};
    ASSERT_TRUE(f.link.end_b().transmit(junk, kT0));
    EXPECT_TRUE(f.exchange().empty());
    EXPECT_EQ(f.stack.counters().ip_malformed, 1u);
    EXPECT_EQ(f.stack.counters().frames_in, 1u);
}

// ---- TCP to a closed port: RFC 9293 §3.10.7.1

TEST(ClosedPort, SynGetsRstAckFromTheAddressItWasSentTo) {
    Fixture f;
    f.peer.send_tcp(kPeer4, kStack4, segment(40000, 3001, TcpControl::Syn, 1000), kT0);
    const auto out = f.exchange();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].src, IpAddress(kStack4));
    EXPECT_EQ(out[0].dst, IpAddress(kPeer4));
    const auto rst = out[0].tcp();  // checksum verified over the pseudo-header
    ASSERT_TRUE(rst);
    EXPECT_EQ(rst->control, TcpControl::Rst);
    EXPECT_EQ(rst->src_port, 3001);
    EXPECT_EQ(rst->dst_port, 40000);
    EXPECT_EQ(rst->seq, SeqNum(0));
    EXPECT_EQ(rst->ack, std::optional(SeqNum(1001)));
    EXPECT_EQ(f.stack.counters().tcp_no_listener_resets, 1u);
    EXPECT_EQ(f.stack.counters().tcp_segments_out, 1u);
}

TEST(ClosedPort, Ipv6SynGetsRstAck) {
    Fixture f;
    f.peer.send_tcp(kPeer6, kStack6, segment(40000, 3001, TcpControl::Syn, 5), kT0);
    const auto out = f.exchange();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].src, IpAddress(kStack6));
    const auto rst = out[0].tcp();
    ASSERT_TRUE(rst);
    EXPECT_EQ(rst->control, TcpControl::Rst);
    EXPECT_EQ(rst->ack, std::optional(SeqNum(6)));
}

TEST(ClosedPort, AckGetsRstAtTheAcknowledgedNumber) {
    Fixture f;
    f.peer.send_tcp(kPeer4, kStack4, segment(40000, 3001, TcpControl::None, 1, 777), kT0);
    const auto out = f.exchange();
    ASSERT_EQ(out.size(), 1u);
    const auto rst = out[0].tcp();
    ASSERT_TRUE(rst);
    EXPECT_EQ(rst->control, TcpControl::Rst);
    EXPECT_EQ(rst->seq, SeqNum(777));
    EXPECT_FALSE(rst->ack);
}

TEST(ClosedPort, RstIsNotAnswered) {
    Fixture f;
    f.peer.send_tcp(kPeer4, kStack4, segment(40000, 3001, TcpControl::Rst, 1), kT0);
    EXPECT_TRUE(f.exchange().empty());
    EXPECT_EQ(f.stack.counters().tcp_dropped_no_connection, 1u);
    EXPECT_EQ(f.stack.counters().tcp_no_listener_resets, 0u);
}

TEST(Tcp, SegmentWithBadChecksumIsDroppedUnansweredAndCounted) {
    Fixture f;
    auto bytes = RawPeer::tcp_bytes(kPeer4, kStack4, segment(40000, 3001, TcpControl::Syn, 1));
    bytes[4] ^= 0x80;  // a sequence number bit, after the checksum was computed
    f.peer.send_ip(kPeer4, kStack4, wire::IpProtocol::Tcp, bytes, kT0);
    EXPECT_TRUE(f.exchange().empty());
    EXPECT_EQ(f.stack.counters().tcp_bad_checksum, 1u);
    EXPECT_EQ(f.stack.counters().tcp_segments_in, 0u);
}

TEST(Tcp, Ipv6SegmentWithBadChecksumIsDroppedAndCounted) {
    Fixture f;
    auto bytes = RawPeer::tcp_bytes(kPeer6, kStack6, segment(40000, 3001, TcpControl::Syn, 1));
    bytes[16] ^= 0x01;  // the checksum itself
    f.peer.send_ip(kPeer6, kStack6, wire::IpProtocol::Tcp, bytes, kT0);
    EXPECT_TRUE(f.exchange().empty());
    EXPECT_EQ(f.stack.counters().tcp_bad_checksum, 1u);
}

// ---- listeners

TEST(Listen, SameEndpointTwiceIsAddressInUse) {
    Fixture f;
    ASSERT_TRUE(f.stack.listen({kStack4, 80}, 8));
    const auto again = f.stack.listen({kStack4, 80}, 8, reuse());
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error(), Errc::AddressInUse);
}

TEST(Listen, SpecificBesideWildcardNeedsReuseAddress) {
    Fixture f;
    ASSERT_TRUE(f.stack.listen({Ipv4Address{}, 80}, 8));
    const auto plain = f.stack.listen({kStack4, 80}, 8);
    ASSERT_FALSE(plain);
    EXPECT_EQ(plain.error(), Errc::AddressInUse);
    EXPECT_TRUE(f.stack.listen({kStack4, 80}, 8, reuse()));
}

TEST(Listen, FamiliesDoNotConflict) {
    Fixture f;
    ASSERT_TRUE(f.stack.listen({Ipv4Address{}, 80}, 8));
    EXPECT_TRUE(f.stack.listen({Ipv6Address{}, 80}, 8));
}

TEST(Listen, AddressNotOursIsAddressNotAvailable) {
    Fixture f;
    const auto l = f.stack.listen({Ipv4Address{192, 168, 1, 1}, 80}, 8);
    ASSERT_FALSE(l);
    EXPECT_EQ(l.error(), Errc::AddressNotAvailable);
}

TEST(Listen, PortZeroOrBacklogZeroIsInvalid) {
    Fixture f;
    EXPECT_EQ(f.stack.listen({kStack4, 0}, 8).error(), Errc::InvalidArgument);
    EXPECT_EQ(f.stack.listen({kStack4, 80}, 0).error(), Errc::InvalidArgument);
}

TEST(Listen, AcceptOnEmptyQueueWouldBlock) {
    Fixture f;
    const auto l = f.stack.listen({kStack4, 80}, 8);
    ASSERT_TRUE(l);
    EXPECT_EQ(f.stack.accept(*l).error(), Errc::WouldBlock);
}

TEST(Listen, ClosedListenerIdIsStaleAndPortIsFreeAgain) {
    Fixture f;
    const auto l = f.stack.listen({kStack4, 80}, 8);
    ASSERT_TRUE(l);
    EXPECT_EQ(f.stack.listener_endpoint(*l), (Endpoint{kStack4, 80}));
    ASSERT_TRUE(f.stack.close_listener(*l));
    EXPECT_EQ(f.stack.accept(*l).error(), Errc::BadHandle);
    EXPECT_EQ(f.stack.listener_endpoint(*l).error(), Errc::BadHandle);
    EXPECT_EQ(f.stack.close_listener(*l).error(), Errc::BadHandle);
    const auto again = f.stack.listen({kStack4, 80}, 8);
    ASSERT_TRUE(again);
    EXPECT_NE(*again, *l);  // same slot, new generation
    EXPECT_EQ(f.stack.accept(*l).error(), Errc::BadHandle);
}

TEST(Listen, ReportsClosedToListenForTheTrace) {
    Fixture f;
    const auto l = f.stack.listen({kStack4, 80}, 8);
    ASSERT_TRUE(l);
    std::vector<Event> events;
    ASSERT_EQ(f.stack.drain_events(events), 1u);
    ASSERT_TRUE(events[0].listener());
    EXPECT_EQ(*events[0].listener(), *l);
    EXPECT_EQ(events[0].kind, EventKind::StateChanged);
    EXPECT_EQ(events[0].from, tcp::State::Closed);
    EXPECT_EQ(events[0].to, tcp::State::Listen);
}

TEST(Events, VerbsInsideTheDrainCallbackQueueForTheNextDrain) {
    Fixture f;
    ASSERT_TRUE(f.stack.listen({kStack4, 80}, 8));
    std::size_t nested = 99;
    const std::size_t n = f.stack.drain_events([&](const Event&) {
        nested = f.stack.drain_events([](const Event&) {});
        EXPECT_TRUE(f.stack.listen({kStack4, 81}, 8));  // queues CLOSED -> LISTEN
    });
    EXPECT_EQ(n, 1u);
    EXPECT_EQ(nested, 0u);
    std::vector<Event> later;
    ASSERT_EQ(f.stack.drain_events(later), 1u);
    EXPECT_EQ(later[0].to, tcp::State::Listen);
}

TEST(Listen, AckToAListenerGetsRst) {
    Fixture f;
    ASSERT_TRUE(f.stack.listen({kStack4, 80}, 8));
    f.peer.send_tcp(kPeer4, kStack4, segment(40000, 80, TcpControl::None, 1, 5555), kT0);
    const auto out = f.exchange();
    ASSERT_EQ(out.size(), 1u);
    const auto rst = out[0].tcp();
    ASSERT_TRUE(rst);
    EXPECT_EQ(rst->control, TcpControl::Rst);
    EXPECT_EQ(rst->seq, SeqNum(5555));
}

// ---- handles

TEST(Handles, DefaultConnIdIsBadHandleForEveryVerb) {
    Fixture f;
    const ConnId none{};
    std::array<std::uint8_t, 4> buf{};
    EXPECT_EQ(f.stack.send(none, buf).error(), Errc::BadHandle);
    EXPECT_EQ(f.stack.recv(none, buf).error(), Errc::BadHandle);
    EXPECT_EQ(f.stack.shutdown(none).error(), Errc::BadHandle);
    EXPECT_EQ(f.stack.close(none).error(), Errc::BadHandle);
    EXPECT_EQ(f.stack.abort(none).error(), Errc::BadHandle);
    EXPECT_EQ(f.stack.state(none).error(), Errc::BadHandle);
    EXPECT_EQ(f.stack.local_endpoint(none).error(), Errc::BadHandle);
    EXPECT_EQ(f.stack.connection(none), nullptr);
}

TEST(Handles, IdOfAReapedConnectionIsStaleEvenWhenTheSlotIsReused) {
    Fixture f;
    const auto c = f.stack.connect({kPeer4, 80}, kT0);
    ASSERT_TRUE(c);
    EXPECT_EQ(f.stack.state(*c), tcp::State::SynSent);
    ASSERT_TRUE(f.stack.abort(*c));
    f.stack.poll(kT0);  // CLOSED and released: reaped
    EXPECT_EQ(f.stack.connection_count(), 0u);
    EXPECT_EQ(f.stack.state(*c).error(), Errc::BadHandle);
    const auto d = f.stack.connect({kPeer4, 80}, kT0);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->index, c->index);  // the slot is reused ...
    EXPECT_NE(d->generation, c->generation);
    std::array<std::uint8_t, 1> one{1};
    EXPECT_EQ(f.stack.send(*c, one).error(), Errc::BadHandle);  // ... the old id stays stale
    EXPECT_EQ(f.stack.state(*d), tcp::State::SynSent);
}

TEST(Handles, VerbsAfterCloseAreBadHandle) {
    Fixture f;
    const auto c = f.stack.connect({kPeer4, 80}, kT0);
    ASSERT_TRUE(c);
    ASSERT_TRUE(f.stack.close(*c));
    std::array<std::uint8_t, 1> one{1};
    EXPECT_EQ(f.stack.send(*c, one).error(), Errc::BadHandle);
    EXPECT_EQ(f.stack.close(*c).error(), Errc::BadHandle);
}

// ---- active open, routes and ports

TEST(Connect, SynCarriesMssFromTheMtu) {
    Fixture f;
    ASSERT_TRUE(f.stack.connect({kPeer4, 80}, kT0));
    ASSERT_TRUE(f.stack.connect({kPeer6, 80}, kT0));
    const auto out = f.exchange();
    ASSERT_EQ(out.size(), 2u);
    const auto syn4 = out[0].tcp();
    const auto syn6 = out[1].tcp();
    ASSERT_TRUE(syn4 && syn6);
    EXPECT_EQ(syn4->control, TcpControl::Syn);
    EXPECT_EQ(syn4->options.mss, std::optional<std::uint16_t>(1460));
    EXPECT_EQ(out[0].src, IpAddress(kStack4));
    EXPECT_EQ(syn6->options.mss, std::optional<std::uint16_t>(1440));
    EXPECT_EQ(out[1].src, IpAddress(kStack6));
    EXPECT_EQ(out[0].ttl, 64);
}

TEST(Connect, NoRouteIsHostUnreachable) {
    Fixture f;
    const auto c = f.stack.connect({Ipv4Address{192, 168, 1, 1}, 80}, kT0);
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error(), Errc::HostUnreachable);
}

TEST(Connect, DefaultGatewayRoutesOffLinkDestinations) {
    dev::SimLink link{dev::SimLinkConfig::symmetric(dev::LinkConfig{})};
    Stack stack{StackConfig{}};
    InterfaceConfig ic;
    ic.addresses = {{kStack4, 24}};
    ic.gateway_v4 = kPeer4;
    ASSERT_TRUE(stack.add_interface(link.end_a(), ic));
    const auto c = stack.connect({Ipv4Address{192, 168, 1, 1}, 80}, kT0);
    ASSERT_TRUE(c);
    EXPECT_EQ(stack.local_endpoint(*c)->address, IpAddress(kStack4));
}

TEST(Connect, InvalidRemotesAreRejected) {
    Fixture f;
    EXPECT_EQ(f.stack.connect({kPeer4, 0}, kT0).error(), Errc::InvalidArgument);
    EXPECT_EQ(f.stack.connect({Ipv4Address{}, 80}, kT0).error(), Errc::InvalidArgument);
    EXPECT_EQ(f.stack.connect({Ipv4Address{224, 0, 0, 1}, 80}, kT0).error(), Errc::InvalidArgument);
}

TEST(Connect, LocalAddressNotOursIsAddressNotAvailable) {
    Fixture f;
    ConnectOptions o;
    o.local = Endpoint{Ipv4Address{10, 0, 0, 77}, 0};
    EXPECT_EQ(f.stack.connect({kPeer4, 80}, kT0, o).error(), Errc::AddressNotAvailable);
}

TEST(Connect, SameFourTupleTwiceIsAddressInUse) {
    Fixture f;
    ConnectOptions o;
    o.local = Endpoint{kStack4, 5000};
    ASSERT_TRUE(f.stack.connect({kPeer4, 80}, kT0, o));
    EXPECT_EQ(f.stack.connect({kPeer4, 80}, kT0, o).error(), Errc::AddressInUse);
    EXPECT_TRUE(f.stack.connect({kPeer4, 81}, kT0, o));  // another remote port: another tuple
}

TEST(EphemeralPorts, AreInTheDynamicRangeAndDistinctPerDestination) {
    Fixture f;
    std::vector<std::uint16_t> ports;
    for (int i = 0; i < 50; ++i) {
        const auto c = f.stack.connect({kPeer4, 80}, kT0);
        ASSERT_TRUE(c);
        ports.push_back(f.stack.local_endpoint(*c)->port);
    }
    for (const std::uint16_t p : ports)
        EXPECT_GE(p, 49152);
    std::sort(ports.begin(), ports.end());
    EXPECT_EQ(std::adjacent_find(ports.begin(), ports.end()), ports.end());
}

TEST(EphemeralPorts, SameSeedSameSequenceOtherSeedOther) {
    auto first_port = [](std::uint64_t seed) {
        Fixture f(seed);
        return f.stack.local_endpoint(*f.stack.connect({kPeer4, 80}, kT0))->port;
    };
    EXPECT_EQ(first_port(1), first_port(1));
    EXPECT_NE(first_port(1), first_port(2));
}

TEST(EphemeralPorts, ExhaustedRangeIsAddressNotAvailable) {
    dev::SimLink link{dev::SimLinkConfig::symmetric(dev::LinkConfig{})};
    StackConfig sc;
    sc.ephemeral_first = 50000;
    sc.ephemeral_last = 50002;
    Stack stack{sc};
    InterfaceConfig ic;
    ic.addresses = {{kStack4, 24}};
    ASSERT_TRUE(stack.add_interface(link.end_a(), ic));
    for (int i = 0; i < 3; ++i)
        ASSERT_TRUE(stack.connect({kPeer4, 80}, kT0));
    EXPECT_EQ(stack.connect({kPeer4, 80}, kT0).error(), Errc::AddressNotAvailable);
    EXPECT_TRUE(stack.connect({kPeer4, 81}, kT0));  // another destination has its own tuples
}

TEST(Isn, SameSeedGivesSameSynOtherSeedOther) {
    auto syn_seq = [](std::uint64_t seed) {
        Fixture f(seed);
        EXPECT_TRUE(f.stack.connect({kPeer4, 80}, kT0));
        const auto out = f.exchange();
        EXPECT_EQ(out.size(), 1u);
        return out.empty() ? SeqNum(0) : out[0].tcp()->seq;
    };
    EXPECT_EQ(syn_seq(3), syn_seq(3));
    EXPECT_NE(syn_seq(3), syn_seq(4));
}

// ---- interfaces

TEST(Interfaces, EthernetDeviceIsRefusedUntilArpExists) {
    dev::SimLink link{dev::SimLinkConfig::symmetric(dev::LinkConfig{}, dev::Medium::Ethernet)};
    Stack stack{StackConfig{}};
    InterfaceConfig ic;
    ic.addresses = {{kStack4, 24}};
    EXPECT_EQ(stack.add_interface(link.end_a(), ic).error(), Errc::InvalidArgument);
}

TEST(Interfaces, AddressListMustBeValid) {
    dev::SimLink link{dev::SimLinkConfig::symmetric(dev::LinkConfig{})};
    Stack stack{StackConfig{}};
    EXPECT_EQ(stack.add_interface(link.end_a(), InterfaceConfig{}).error(), Errc::InvalidArgument);
    InterfaceConfig ic;
    ic.addresses = {{kStack4, 33}};
    EXPECT_EQ(stack.add_interface(link.end_a(), ic).error(), Errc::InvalidArgument);
}

TEST(Interfaces, SmallerMtuLowersTheMss) {
    dev::SimLink link{dev::SimLinkConfig::symmetric(dev::LinkConfig{})};
    Stack stack{StackConfig{}};
    RawPeer peer(link.end_b());
    InterfaceConfig ic;
    ic.addresses = {{kStack4, 24}};
    ic.mtu = 1280;
    ASSERT_TRUE(stack.add_interface(link.end_a(), ic));
    ASSERT_TRUE(stack.connect({kPeer4, 80}, kT0));
    stack.poll(kT0);
    const auto out = peer.receive(kT0);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].tcp()->options.mss, std::optional<std::uint16_t>(1240));
}

}  // namespace
}  // namespace ustack::stack

namespace ustack::stack {
namespace {

// Every prefix of a valid frame and every single-bit flip of it goes through the whole ingress
// path (under ASan/UBSan in Debug builds) without a crash, and never draws more than one reply.
TEST(Robustness, EveryPrefixAndBitFlipOfValidFramesIsHandled) {
    std::vector<std::vector<std::uint8_t>> seeds;
    {
        Fixture f;
        TcpRepr syn = segment(40000, 80, TcpControl::Syn, 1000);
        syn.options.mss = 1460;
        syn.options.sack_permitted = true;
        f.peer.send_tcp(kPeer4, kStack4, syn, kT0);
        seeds.push_back(f.peer.last_frame);
        f.peer.send_tcp(kPeer6, kStack6, syn, kT0);
        seeds.push_back(f.peer.last_frame);
        f.peer.send_echo_v4(kPeer4, kStack4, 1, 2, kPing, kT0);
        seeds.push_back(f.peer.last_frame);
        f.peer.send_echo_v6(kPeer6, kStack6, 1, 2, kPing, kT0);
        seeds.push_back(f.peer.last_frame);
    }
    Fixture f;
    ASSERT_TRUE(f.stack.listen({IpAddress(Ipv4Address{}), 80}, 1000));
    ASSERT_TRUE(f.stack.listen({IpAddress(Ipv6Address{}), 80}, 1000));
    std::uint64_t sent = 0;
    auto feed = [&](const std::vector<std::uint8_t>& frame) {
        if (frame.empty()) return;
        ASSERT_TRUE(f.link.end_b().transmit(frame, kT0));
        ++sent;
        EXPECT_LE(f.exchange().size(), 1u);
    };
    for (const auto& seed : seeds) {
        for (std::size_t n = 0; n <= seed.size(); ++n)
            feed(std::vector<std::uint8_t>(seed.begin(), seed.begin() + static_cast<long>(n)));
        for (std::size_t bit = 0; bit < seed.size() * 8; ++bit) {
            auto frame = seed;
            frame[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
            feed(frame);
        }
    }
    EXPECT_EQ(f.stack.counters().frames_in, sent);
}

}  // namespace
}  // namespace ustack::stack
