// RFC 7323 on the peer harness: window scaling (WindowScale.*), timestamps and RTT measurement
// (Timestamps.*), and protection against wrapped sequences (Paws.*).
#include <limits>

#include "harness.h"

namespace ustack::tcp::test {
namespace {

constexpr std::uint32_t kIss = Harness::kIss;
constexpr std::uint32_t kPeer = Harness::kPeerIss;
constexpr std::uint32_t kA = kIss + 1;   // our first data byte
constexpr std::uint32_t kB = kPeer + 1;  // the peer's first data byte

// The peer's timestamp clock in these tests starts at 100.
constexpr std::uint32_t kPeerTs = 100;

std::optional<std::uint8_t> syn_wscale(Config c) {
    Harness h(c);
    h.connect();
    const auto syn = h.transmit();
    EXPECT_TRUE(syn.has_value());
    return syn ? syn->options.wscale : std::nullopt;
}

// ---- WindowScale (RFC 7323 §2)

TEST(WindowScale, SynOffersShiftSizedForTheDefaultBuffer) {
    // 64 KiB does not fit 65535: one shift is needed.
    EXPECT_EQ(syn_wscale(Harness::default_config()), std::optional<std::uint8_t>(1));
}

TEST(WindowScale, SynOffersShiftSizedForTheLargestBufferAutoTuningMayReach) {
    Config c = Harness::default_config();
    c.recv_buffer_max = 40u << 20;  // 40 MiB: 65535 << 10 = 64 MiB holds it, << 9 does not
    EXPECT_EQ(syn_wscale(c), std::optional<std::uint8_t>(10));
    c.recv_buffer_max = 0;
    c.recv_buffer = 4u << 20;  // 4 MiB: 65535 << 7 = 8 MiB holds it, << 6 does not
    EXPECT_EQ(syn_wscale(c), std::optional<std::uint8_t>(7));
}

TEST(WindowScale, OfferedShiftIsCappedAt14) {
    Config c = Harness::default_config();
    c.recv_buffer_max = std::size_t{8} << 30;  // 8 GiB: more than 65535 << 14
    EXPECT_EQ(syn_wscale(c), std::optional<std::uint8_t>(14));
}

TEST(WindowScale, NotOfferedWhenDisabled) {
    Config c = Harness::default_config();
    c.window_scale = false;
    EXPECT_EQ(syn_wscale(c), std::nullopt);
}

TEST(WindowScale, SynAckAnswersOnlyWhenTheSynOffered) {
    Harness plain;
    plain.accept(seg().syn().seq(kPeer).mss(1460));
    EXPECT_SENT(plain, seg().syn().ack(kB).no_wscale());
    EXPECT_FALSE(plain.conn().window_scaling());

    Harness offered;
    offered.accept(seg().syn().seq(kPeer).mss(1460).wscale(7));
    EXPECT_SENT(offered, seg().syn().ack(kB).wscale(1));
    EXPECT_TRUE(offered.conn().window_scaling());
    EXPECT_EQ(offered.conn().snd_wscale(), 7);
    EXPECT_EQ(offered.conn().rcv_wscale(), 1);
}

TEST(WindowScale, SynWindowFieldIsNeverScaled) {
    Config c = Harness::default_config();
    c.recv_buffer = 1u << 20;  // 1 MiB: shift 5
    Harness h(c);
    h.connect();
    EXPECT_SENT(h, seg().syn().win(65535).wscale(5));
    // The SYN-ACK's window is taken as it is, though both offered scaling.
    h.deliver(seg().syn().seq(kPeer).ack(kA).win(1000).mss(1460).wscale(3));
    EXPECT_EQ(h.conn().snd_wnd(), 1000u);
    // Our first non-SYN segment advertises the whole buffer, right-shifted: 2^20 >> 5.
    EXPECT_SENT(h, seg().seq(kA).ack(kB).win(32768));
    EXPECT_EQ(h.conn().rcv_wnd(), 1u << 20);
}

TEST(WindowScale, PeerShiftAppliesToEveryNonSynWindow) {
    Harness h;
    h.establish_client_with(seg().win(1000).mss(1460).wscale(3));
    EXPECT_EQ(h.conn().snd_wnd(), 1000u);
    h.deliver(seg().seq(kB).ack(kA).win(1000));
    EXPECT_EQ(h.conn().snd_wnd(), 8000u);  // SND.WND kept in bytes
}

TEST(WindowScale, PassiveSideScalesTheThirdSegmentsWindow) {
    Harness h;
    h.establish_server_with(seg().win(2000).mss(1460).wscale(2), seg().win(2000));
    EXPECT_EQ(h.conn().snd_wnd(), 8000u);
}

TEST(WindowScale, NotUsedUnlessBothSynsCarriedIt) {
    Config c = Harness::default_config();
    c.recv_buffer = 1u << 20;
    Harness h(c);
    h.establish_client_with(seg().win(1000).mss(1460));  // the SYN-ACK has no Window Scale
    EXPECT_FALSE(h.conn().window_scaling());
    EXPECT_EQ(h.conn().rcv_wscale(), 0);
    h.deliver(seg().seq(kB).ack(kA).win(1000).payload("x"));
    h.advance(Duration::millis(40));
    // Without scaling the window is the field: at most 65535 however large the buffer.
    // (65534: the edge moved by one byte, which receiver SWS avoidance does not announce.)
    EXPECT_SENT(h, seg().ack(kB + 1).win(65534));
    EXPECT_EQ(h.conn().snd_wnd(), 1000u);
}

TEST(WindowScale, ShiftAbove14IsTakenAs14) {
    Harness h;
    h.establish_client_with(seg().win(1).mss(1460).wscale(20));
    EXPECT_EQ(h.conn().snd_wscale(), 14);
    h.deliver(seg().seq(kB).ack(kA).win(1));
    EXPECT_EQ(h.conn().snd_wnd(), 1u << 14);
}

TEST(WindowScale, RoundedWindowRetreatsOnlyWithinAUnitOfTheRingsEnd) {
    Config c = Harness::default_config();
    c.recv_buffer = 1u << 20;  // shift 5: the field counts 32-byte units
    Harness h(c);
    h.establish_client_with(seg().win(65535).mss(1460).wscale(0));
    std::uint64_t edge = kB + (1u << 20);
    const std::uint64_t ring_end = kB + (1u << 20);  // nothing is read
    std::uint32_t seq = kB;
    int retreats = 0;
    // Odd sizes: the free space shrinks by amounts that are not multiples of 32.
    for (std::size_t len : {1u, 7u, 33u, 1000u, 5u, 1459u, 31u, 64u, 3u, 17u}) {
        h.deliver(seg().seq(seq).ack(kA).payload(std::string(len, 'w')));
        seq += static_cast<std::uint32_t>(len);
        h.advance(Duration::millis(40));
        const auto ack = h.transmit();
        ASSERT_TRUE(ack.has_value());
        const std::uint64_t right = ack->ack->raw() + (std::uint64_t{ack->window} << 5);
        EXPECT_LE(right, ring_end) << "after " << len << " bytes";
        if (right < edge) {
            // RFC 7323 §2.4: only by less than a unit, and only where rounding up would pass
            // the end of the ring.
            ++retreats;
            EXPECT_LT(edge - right, 32u) << "after " << len << " bytes";
            EXPECT_GT(right + 32, ring_end) << "after " << len << " bytes";
        }
        edge = std::max(edge, right);
        // Whatever was announced stays acceptable.
        EXPECT_EQ(h.conn().rcv_nxt().raw() + h.conn().rcv_wnd(), edge);
    }
    EXPECT_GT(retreats, 0);  // the case is exercised
}

TEST(WindowScale, HeldEdgeIsRoundedUpWhileTheRingHasRoom) {
    Config c = Harness::default_config();
    c.recv_buffer = 1u << 20;
    Harness h(c);
    h.establish_client_with(seg().win(65535).mss(1460).wscale(0));
    std::uint32_t seq = kB;
    std::uint64_t edge = 0;
    for (int i = 0; i < 20; ++i) {
        h.deliver(seg().seq(seq).ack(kA).payload(std::string(7, 'w')));
        seq += 7;
        h.advance(Duration::millis(40));
        const auto ack = h.transmit();
        ASSERT_TRUE(ack.has_value());
        const std::uint64_t right = ack->ack->raw() + (std::uint64_t{ack->window} << 5);
        if (i > 0) {
            EXPECT_GE(right, edge) << "segment " << i;
        }
        edge = right;
        // Reading less than the SWS step (min(buffer/2, MSS)) announces nothing new, but
        // leaves room past the held edge for rounding it up.
        EXPECT_EQ(h.read().size(), 7u);
        EXPECT_SILENT(h);
    }
}

TEST(WindowScale, FullBufferAnnouncesZeroThoughTheEdgeRetreatsLessThanAUnit) {
    Config c = Harness::default_config();
    c.recv_buffer = 1u << 20;  // shift 5
    Harness h(c);
    h.establish_client_with(seg().win(65535).mss(1460).wscale(0));
    std::uint32_t seq = kB;
    const std::uint32_t fill = (1u << 20) - 10;
    const std::string chunk(1460, 'f');
    while (seq - kB + 1460 <= fill) {
        h.deliver(seg().seq(seq).ack(kA).payload(chunk));
        seq += 1460;
    }
    h.deliver(seg().seq(seq).ack(kA).payload(std::string(fill - (seq - kB), 'f')));
    seq = kB + fill;
    h.advance(Duration::millis(40));
    h.flush();
    // 10 bytes left: less than one 32-byte unit, so the field says 0 (RFC 7323 §2.4 lets the
    // edge retreat; rounding up would offer 22 bytes the ring does not have).
    h.deliver(seg().seq(seq).ack(kA).win(65535));
    EXPECT_SILENT(h);
    EXPECT_EQ(h.conn().rcv_wnd(), 10u);  // ... and what was offered is still honoured:
    h.deliver(seg().seq(seq).ack(kA).payload(std::string(10, 'g')));
    EXPECT_EQ(h.conn().recv_queue(), 1u << 20);
    h.advance(Duration::millis(40));
    EXPECT_SENT(h, seg().ack(kB + (1u << 20)).win(0));
}

TEST(WindowScale, SegmentInsideAnEarlierAnnouncedEdgeStaysAcceptable) {
    Config c = Harness::default_config();
    c.recv_buffer = 1u << 20;
    Harness h(c);
    h.establish_client_with(seg().win(65535).mss(1460).wscale(0));
    h.deliver(seg().seq(kB).ack(kA).payload(std::string(7, 'w')));
    h.advance(Duration::millis(40));
    ASSERT_TRUE(h.transmit().has_value());
    // RFC 7323 §2.4: anything inside an edge we announced stays acceptable: a segment ending
    // at the last announced byte is taken (its tail beyond the buffer is trimmed), not
    // answered as out of window.
    const std::uint32_t last = static_cast<std::uint32_t>(kB + h.conn().rcv_wnd() + 7 - 1);
    h.deliver(seg().seq(last).ack(kA).payload("z"));
    EXPECT_EQ(h.conn().rcv_nxt().raw(), kB + 7);
    EXPECT_SENT(h, seg().ack(kB + 7));  // the out-of-order byte draws an immediate ACK
}

TEST(WindowScale, LongFatPipeWindowFits37AndAHalfMegabytes) {
    // 1 Gbit/s x 300 ms = 37.5 MB in flight.
    constexpr std::uint32_t kBdp = 37'500'000;
    Config c = Harness::default_config();
    c.recv_buffer = 40u << 20;
    c.send_buffer = 40u << 20;
    Harness h(c);
    h.establish_client_with(seg().win(65535).mss(1460).wscale(10));
    // The peer's 65535 << 10 lets us keep 64 MiB in flight.
    h.deliver(seg().seq(kB).ack(kA).win(65535));
    EXPECT_GE(h.conn().snd_wnd(), kBdp);
    // We advertise our 40 MiB whole, and take data 37 MB ahead of RCV.NXT.
    h.deliver(seg().seq(kB + kBdp - 1000).ack(kA).payload(std::string(1000, 'f')));
    const auto ack = h.transmit();
    ASSERT_TRUE(ack.has_value());
    EXPECT_EQ(ack->ack->raw(), kB);
    EXPECT_GE(std::uint64_t{ack->window} << h.conn().rcv_wscale(), kBdp);
    EXPECT_EQ(h.conn().rcv_wscale(), 10);
}

// ---- Timestamps (RFC 7323 §3, §4)

TEST(Timestamps, SynCarriesOurClockAndZeroEcr) {
    Harness h;
    h.connect();
    EXPECT_SENT(h, seg().syn().ts(h.conn().ts_now(h.now()), 0).sack_ok());
}

TEST(Timestamps, NotOfferedWhenDisabled) {
    Config c = Harness::default_config();
    c.timestamps = false;
    Harness h(c);
    h.connect();
    EXPECT_SENT(h, seg().syn().no_ts());
}

TEST(Timestamps, SynAckEchoesTheSynsTsval) {
    Harness h;
    h.accept(seg().syn().seq(kPeer).mss(1460).ts(777, 0));
    EXPECT_SENT(h, seg().syn().ack(kB).ts(h.conn().ts_now(h.now()), 777));
    EXPECT_TRUE(h.conn().timestamps());
}

TEST(Timestamps, SynAckOmitsThemWhenTheSynHadNone) {
    Harness h;
    h.accept(seg().syn().seq(kPeer).mss(1460));
    EXPECT_SENT(h, seg().syn().ack(kB).no_ts().sack_ok(false));
    EXPECT_FALSE(h.conn().timestamps());
}

TEST(Timestamps, ClockIsMillisecondsFromAPerConnectionOffset) {
    Harness h;
    h.connect();
    const std::uint32_t t0 = h.conn().ts_now(h.now());
    EXPECT_EQ(h.conn().ts_now(h.now() + Duration::millis(250)), t0 + 250);
    EXPECT_EQ(h.conn().ts_now(h.now() + Duration::micros(999)), t0);
    // Another ISN, another offset: the value does not reveal the clock (RFC 7323 §7.1).
    const Config c = Harness::default_config();
    const Connection other = Connection::active_open(c, 1, 2, wire::SeqNum(424242), h.now());
    EXPECT_NE(other.ts_now(h.now()), t0);
    EXPECT_NE(t0, static_cast<std::uint32_t>(h.now().as_micros() / 1000));
}

TEST(Timestamps, EverySegmentCarriesTsoptEchoingTsRecent) {
    Harness h;
    h.establish_client_with(seg().win(65535).mss(1460).ts(kPeerTs, 0));
    EXPECT_EQ(h.conn().ts_recent(), kPeerTs);
    h.send("req");
    EXPECT_SENT(h, seg().seq(kA).payload("req").ts(h.conn().ts_now(h.now()), kPeerTs));
    h.advance(Duration::millis(5));
    h.deliver(seg().seq(kB).ack(kA + 3).payload("resp").ts(kPeerTs + 5, h.conn().ts_now(h.now())));
    h.advance(Duration::millis(40));
    EXPECT_SENT(h, seg().ack(kB + 4).ts(h.conn().ts_now(h.now()), kPeerTs + 5));
    ASSERT_TRUE(h.conn().shutdown_write());
    EXPECT_SENT(h, seg().fin().seq(kA + 3).ts_ecr(kPeerTs + 5));
}

TEST(Timestamps, NotSentWhenTheSynAckHadNone) {
    Harness h;
    h.establish_client_with(seg().win(65535).mss(1460));
    EXPECT_FALSE(h.conn().timestamps());
    h.send("x");
    EXPECT_SENT(h, seg().seq(kA).payload("x").no_ts());
}

TEST(Timestamps, TsRecentIsTheEarliestUnacknowledgedSegmentsTsval) {
    // RFC 7323 §4.3 (2): with delayed ACKs TS.Recent takes a TSval only from a segment at or
    // before Last.ACK.sent, so the ACK of two segments echoes the first one's.
    Harness h;
    h.establish_client_with(seg().win(65535).mss(1460).ts(kPeerTs, 0));
    h.deliver(seg().seq(kB).ack(kA).payload("a").ts(kPeerTs + 1, 0));
    h.deliver(seg().seq(kB + 1).ack(kA).payload("b").ts(kPeerTs + 2, 0));
    h.advance(Duration::millis(40));
    EXPECT_SENT(h, seg().ack(kB + 2).ts_ecr(kPeerTs + 1));
    h.deliver(seg().seq(kB + 2).ack(kA).payload("c").ts(kPeerTs + 3, 0));
    h.advance(Duration::millis(40));
    EXPECT_SENT(h, seg().ack(kB + 3).ts_ecr(kPeerTs + 3));
}

TEST(Timestamps, OutOfOrderSegmentDoesNotMoveTsRecent) {
    Harness h;
    h.establish_client_with(seg().win(65535).mss(1460).ts(kPeerTs, 0));
    h.deliver(seg().seq(kB + 10).ack(kA).payload("late").ts(kPeerTs + 9, 0));
    EXPECT_SENT(h, seg().ack(kB).ts_ecr(kPeerTs));
}

TEST(Timestamps, OlderButAcceptableTsvalDoesNotMoveTsRecentBack) {
    Harness h;
    h.establish_client_with(seg().win(65535).mss(1460).ts(kPeerTs, 0));
    h.deliver(seg().seq(kB).ack(kA).payload("a").ts(kPeerTs + 10, 0));
    EXPECT_EQ(h.conn().ts_recent(), kPeerTs + 10);
    // Equal is fine (§4.3: SEG.TSval >= TS.Recent); never backwards (PAWS drops older ones).
    h.deliver(seg().seq(kB + 1).ack(kA).payload("b").ts(kPeerTs + 10, 0));
    EXPECT_EQ(h.conn().ts_recent(), kPeerTs + 10);
}

TEST(Timestamps, RetransmissionAfterALostAckUpdatesTsRecent) {
    // Our ACK of "data" is lost; the peer times out and sends it again. The segment is wholly
    // below RCV.NXT (R2 drops it and owes an ACK), but RFC 7323 §4.3 (2) holds (SEG.SEQ =<
    // Last.ACK.sent, SEG.TSval >= TS.Recent) and Appendix H wants TS.Recent updated for a
    // "retransmitted segment that resulted from a lost <ACK>": the ACK echoes the
    // retransmission, so the peer's RTT sample is the path's, not the path's plus its RTO.
    Harness h;
    h.establish_client_with(seg().win(65535).mss(1460).ts(kPeerTs, 0));
    h.deliver(seg().seq(kB).ack(kA).payload("data").ts(kPeerTs + 1, 0));
    h.advance(Duration::millis(40));
    EXPECT_SENT(h, seg().ack(kB + 4).ts_ecr(kPeerTs + 1));  // lost on its way
    h.advance(Duration::seconds(1));
    h.deliver(seg().seq(kB).ack(kA).payload("data").ts(kPeerTs + 1041, 0));
    EXPECT_SENT(h, seg().ack(kB + 4).ts_ecr(kPeerTs + 1041));
    EXPECT_EQ(h.conn().ts_recent(), kPeerTs + 1041);
    EXPECT_EQ(h.conn().recv_queue(), 4u);  // the duplicate adds nothing
    EXPECT_EQ(h.conn().paws_rejected(), 0u);
}

TEST(Timestamps, RetransmissionOfTheFirstOfSeveralAckedSegmentsUpdatesTsRecent) {
    // The peer's RTO resends only its first unacknowledged segment, here one of two our lost ACK
    // covered: it ends below Last.ACK.sent, starts at or before it, and still updates TS.Recent.
    Harness h;
    h.establish_client_with(seg().win(65535).mss(1460).ts(kPeerTs, 0));
    h.deliver(seg().seq(kB).ack(kA).payload("ab").ts(kPeerTs + 1, 0));
    h.deliver(seg().seq(kB + 2).ack(kA).payload("cd").ts(kPeerTs + 2, 0));
    h.advance(Duration::millis(40));
    EXPECT_SENT(h, seg().ack(kB + 4).ts_ecr(kPeerTs + 1));  // lost
    h.advance(Duration::seconds(4));
    h.deliver(seg().seq(kB).ack(kA).payload("ab").ts(kPeerTs + 4041, 0));
    EXPECT_SENT(h, seg().ack(kB + 4).ts_ecr(kPeerTs + 4041));
}

TEST(Timestamps, DuplicateOfDataNotYetAcknowledgedLeavesTsRecent) {
    // §4.3 (2) still needs SEG.SEQ =< Last.ACK.sent: a copy of "b", which our (delayed) ACK has
    // not covered yet, leaves TS.Recent at "a", the earliest unacknowledged segment (case (A)).
    Harness h;
    h.establish_client_with(seg().win(65535).mss(1460).ts(kPeerTs, 0));
    h.deliver(seg().seq(kB).ack(kA).payload("a").ts(kPeerTs + 1, 0));
    h.deliver(seg().seq(kB + 1).ack(kA).payload("b").ts(kPeerTs + 2, 0));
    h.deliver(seg().seq(kB + 1).ack(kA).payload("b").ts(kPeerTs + 3, 0));
    EXPECT_EQ(h.conn().ts_recent(), kPeerTs + 1);
    EXPECT_SENT(h, seg().ack(kB + 2).ts_ecr(kPeerTs + 1));
}

TEST(Timestamps, RetransmittedFinInTimeWaitUpdatesTsRecent) {
    // The same for a FIN whose ACK was lost: TIME-WAIT answers the copy echoing it.
    Harness h;
    h.establish_client_with(seg().win(65535).mss(1460).ts(kPeerTs, 0));
    ASSERT_TRUE(h.conn().shutdown_write());
    EXPECT_SENT(h, seg().fin().seq(kA).ack(kB));
    h.deliver(seg().fin().seq(kB).ack(kA + 1).ts(kPeerTs + 1, 0));
    ASSERT_EQ(h.conn().state(), State::TimeWait);
    EXPECT_SENT(h, seg().seq(kA + 1).ack(kB + 1).ts_ecr(kPeerTs + 1));  // lost
    h.advance(Duration::seconds(1));
    h.deliver(seg().fin().seq(kB).ack(kA + 1).ts(kPeerTs + 1001, 0));
    EXPECT_SENT(h, seg().seq(kA + 1).ack(kB + 1).ts_ecr(kPeerTs + 1001));
}

TEST(Timestamps, OldSegmentFromBeyondTheReceiveBufferLeavesTsRecent) {
    // Only the last receive buffer's worth below RCV.NXT can be our peer's retransmission; an
    // older sequence number (a forgery, or an old incarnation) must not move TS.Recent.
    Harness h;
    h.establish_client_with(seg().win(65535).mss(1460).ts(kPeerTs, 0));
    h.deliver(seg().seq(kB).ack(kA).payload("a").ts(kPeerTs + 1, 0));
    const auto far = static_cast<std::uint32_t>(h.conn().recv_buffer() + 100);
    h.deliver(seg().seq(kB - far).ack(kA).payload("x").ts(kPeerTs + 2, 0));
    EXPECT_EQ(h.conn().ts_recent(), kPeerTs + 1);
}

TEST(Timestamps, RttSampleFromTheEchoNotFromTheTimedSegment) {
    Config c = Harness::default_config();
    c.no_delay = true;
    Harness h(c);
    // The SYN-ACK comes back at once and echoes nothing: the timed SYN gives SRTT 0.
    h.establish_client_with(seg().win(65535).mss(1460).ts(kPeerTs, 0));
    ASSERT_EQ(h.conn().srtt(), Duration::zero());
    h.send("one");  // timed by sequence number
    h.flush();
    h.advance(Duration::millis(10));
    h.send("two");
    const std::uint32_t second_ts = h.conn().ts_now(h.now());
    h.flush();
    h.advance(Duration::millis(40));
    // One ACK for both, echoing the second segment's TSval: the sample is 40 ms (the timed
    // segment would say 50 ms). RFC 6298 §2.3: SRTT = 7/8 * 0 + 1/8 * 40 ms.
    h.deliver(seg().seq(kB).ack(kA + 6).ts(kPeerTs + 50, second_ts));
    EXPECT_EQ(h.conn().srtt(), Duration::millis(5));
}

TEST(Timestamps, SynAckEchoGivesTheHandshakeRtt) {
    Harness h;
    h.connect();
    const auto syn = h.transmit();
    ASSERT_TRUE(syn && syn->options.timestamps);
    h.advance(Duration::millis(30));
    h.deliver(seg().syn().seq(kPeer).ack(kA).mss(1460).ts(kPeerTs, syn->options.timestamps->tsval));
    EXPECT_EQ(h.conn().srtt(), Duration::millis(30));
}

TEST(Timestamps, EchoTimesARetransmissionUnambiguously) {
    // Karn's rule forbids timing a retransmitted segment by its sequence number; the echoed
    // TSval says which transmission was answered, so RFC 7323 §4 takes the sample.
    Harness h;
    h.establish_client_with(seg().win(65535).mss(1460).ts(kPeerTs, 0));
    h.send("data");
    h.flush();
    ASSERT_TRUE(h.advance_to_poll_at());  // the RTO
    const std::uint32_t resent_ts = h.conn().ts_now(h.now());
    EXPECT_SENT(h, seg().seq(kA).payload("data").ts(resent_ts, kPeerTs));
    h.advance(Duration::millis(20));
    h.deliver(seg().seq(kB).ack(kA + 4).ts(kPeerTs + 1, resent_ts));
    // From SRTT 0 (the handshake): 1/8 * 20 ms.
    EXPECT_EQ(h.conn().srtt(), Duration::micros(2500));
}

TEST(Timestamps, WithoutThemARetransmissionIsNotTimed) {
    Harness h;
    h.establish_client_with(seg().win(65535).mss(1460));
    const Duration before = h.conn().srtt();
    h.send("data");
    h.flush();
    ASSERT_TRUE(h.advance_to_poll_at());
    h.flush();
    h.advance(Duration::millis(20));
    h.deliver(seg().seq(kB).ack(kA + 4));
    EXPECT_EQ(h.conn().srtt(), before);  // RFC 6298 §3 (Karn)
}

TEST(Timestamps, DataSegmentsLeaveRoomForTheOption) {
    // RFC 6691 §2 / Linux: with a 1460 MSS a data segment carries 1460 - 12 = 1448 bytes.
    Harness h;
    h.establish_client_with(seg().win(65535).mss(1460).ts(kPeerTs, 0));
    EXPECT_EQ(h.conn().payload_mss(), 1448);
    h.send(std::string(3000, 'p'));
    EXPECT_SENT(h, seg().seq(kA).payload(std::string(1448, 'p')));
    EXPECT_SENT(h, seg().seq(kA + 1448).payload(std::string(1448, 'p')));
}

TEST(Timestamps, PayloadSpaceCoversOptionsAndData) {
    Harness h;
    h.establish_client_with(seg().win(65535).mss(1460).ts(kPeerTs, 0));
    h.send(std::string(1000, 'm'));
    std::array<std::uint8_t, 300> small{};
    const auto s = h.conn().poll_transmit(h.now(), MutBytes(small));
    ASSERT_TRUE(s.has_value());
    EXPECT_EQ(s->payload.size(), 300u - 12u);
    EXPECT_EQ(s->options.buffer_len(), 12u);
}

TEST(Timestamps, ResetCarriesTsopt) {
    Harness h;
    h.establish_client_with(seg().win(65535).mss(1460).ts(kPeerTs, 0));
    ASSERT_TRUE(h.conn().abort());
    EXPECT_SENT(h, seg().rst().seq(kA).ts_ecr(kPeerTs));
}

// ---- Paws (RFC 7323 §5)

TEST(Paws, OlderTsvalIsDroppedAndAcked) {
    Harness h;
    h.establish_client_with(seg().win(65535).mss(1460).ts(kPeerTs, 0));
    h.deliver(seg().seq(kB).ack(kA).payload("old").ts(kPeerTs - 1, 0));
    EXPECT_EQ(h.conn().recv_queue(), 0u);
    EXPECT_EQ(h.conn().paws_rejected(), 1u);
    EXPECT_SENT(h, seg().seq(kA).ack(kB).ts_ecr(kPeerTs));
    EXPECT_EQ(h.conn().ts_recent(), kPeerTs);
}

TEST(Paws, RejectedSegmentsAckIsNotProcessed) {
    Harness h;
    h.establish_client_with(seg().win(65535).mss(1460).ts(kPeerTs, 0));
    h.send("abc");
    h.flush();
    h.deliver(seg().seq(kB).ack(kA + 3).ts(kPeerTs - 5, 0));
    EXPECT_EQ(h.conn().snd_una().raw(), kA);
}

TEST(Paws, ResetIsExempt) {
    Harness h;
    h.establish_client_with(seg().win(65535).mss(1460).ts(kPeerTs, 0));
    h.deliver(seg().rst().seq(kB).ts(kPeerTs - 1000, 0));
    EXPECT_EQ(h.state(), State::Closed);
    EXPECT_EQ(h.closed_error(), Errc::ConnectionReset);
}

TEST(Paws, TimestampsCompareModulo2To32) {
    Harness h;
    h.establish_client_with(seg().win(65535).mss(1460).ts(0xfffffff0u, 0));
    h.deliver(seg().seq(kB).ack(kA).payload("new").ts(5, 0));  // wrapped: newer
    EXPECT_EQ(h.conn().recv_queue(), 3u);
    EXPECT_EQ(h.conn().ts_recent(), 5u);
    EXPECT_EQ(h.conn().paws_rejected(), 0u);
}

TEST(Paws, TsRecentIsInvalidAfter24DaysIdle) {
    Harness h;
    h.establish_client_with(seg().win(65535).mss(1460).ts(kPeerTs, 0));
    h.advance(Duration::seconds(24 * 24 * 3600) + Duration::seconds(1));
    h.deliver(seg().seq(kB).ack(kA).payload("old").ts(kPeerTs - 1, 0));
    EXPECT_EQ(h.conn().recv_queue(), 3u);
    EXPECT_EQ(h.conn().paws_rejected(), 0u);
    EXPECT_EQ(h.conn().ts_recent(), kPeerTs - 1);
}

TEST(Paws, SegmentWithoutTsoptIsAcceptedAsLinux) {
    Harness h;
    h.establish_client_with(seg().win(65535).mss(1460).ts(kPeerTs, 0));
    h.deliver(seg().seq(kB).ack(kA).payload("bare"));
    EXPECT_EQ(h.conn().recv_queue(), 4u);
    EXPECT_EQ(h.conn().ts_recent(), kPeerTs);
}

TEST(Paws, NotAppliedWithoutNegotiation) {
    Config c = Harness::default_config();
    c.timestamps = false;
    Harness h(c);
    h.establish_client_with(seg().win(65535).mss(1460).ts(kPeerTs, 0));
    h.deliver(seg().seq(kB).ack(kA).payload("x").ts(1, 0));
    EXPECT_EQ(h.conn().recv_queue(), 1u);
    EXPECT_EQ(h.conn().paws_rejected(), 0u);
}

}  // namespace
}  // namespace ustack::tcp::test
