// Retransmission (RFC 6298 §5, Karn §3, RFC 9293 §3.8.3) and user timeout (RFC 5482, §3.10.8).
#include "harness.h"

namespace ustack::tcp::test {
namespace {

constexpr std::uint32_t kA = Harness::kIss + 1;
constexpr std::uint32_t kB = Harness::kPeerIss + 1;

TEST(Retransmit, UnackedDataIsResentAfterRto) {
    Harness h;
    h.establish_client();
    h.send("data");
    EXPECT_SENT(h, seg().seq(kA).payload("data"));
    const Instant t = h.now();
    EXPECT_EQ(h.conn().poll_at(), t + h.conn().rto());
    ASSERT_TRUE(h.advance_to_poll_at());
    EXPECT_SENT(h, seg().seq(kA).ack(kB).payload("data"));
    EXPECT_EQ(h.conn().retransmits(), 1u);
}

TEST(Retransmit, RtoDoublesOnEachTimeout) {
    Harness h;
    h.establish_client();
    h.send("data");
    h.flush();
    const Duration rto = h.conn().rto();
    Instant t = h.now();
    for (int i = 0; i < 4; ++i) {
        ASSERT_TRUE(h.advance_to_poll_at());
        EXPECT_EQ(h.now() - t, rto * (1 << i));
        t = h.now();
        EXPECT_SENT(h, seg().seq(kA).payload("data"));
    }
}

TEST(Retransmit, MinimumRtoIsLinux200msByDefault) {
    Harness h;
    h.establish_client();
    EXPECT_EQ(h.conn().rto(), Duration::millis(200));
}

TEST(Retransmit, Rfc6298MinimumRtoOfOneSecond) {
    Config c = Harness::default_config();
    c.rtt = RttConfig::rfc6298();
    Harness h(c);
    h.establish_client();
    EXPECT_EQ(h.conn().rto(), Duration::seconds(1));
}

TEST(Retransmit, GoBackResendsFromSndUna) {
    Harness h;
    h.establish_client();
    h.conn().set_no_delay(true);
    h.send(std::string(2000, 'g'));
    EXPECT_SENT(h, seg().seq(kA).payload(std::string(1460, 'g')));
    EXPECT_SENT(h, seg().seq(kA + 1460).payload(std::string(540, 'g')));
    ASSERT_TRUE(h.advance_to_poll_at());
    // RFC 5681 §3.1: after the timeout cwnd is the loss window, one segment; the next goes when
    // the first is acknowledged (slow start again).
    EXPECT_SENT(h, seg().seq(kA).payload(std::string(1460, 'g')));
    EXPECT_SILENT(h);
    h.deliver(seg().seq(kB).ack(kA + 1460));
    EXPECT_SENT(h, seg().seq(kA + 1460).payload(std::string(540, 'g')));
}

TEST(Retransmit, AckDuringRecoveryMovesSndNxtForward) {
    Harness h;
    h.establish_client();
    h.conn().set_no_delay(true);
    h.send(std::string(2000, 'g'));
    h.flush();
    ASSERT_TRUE(h.advance_to_poll_at());
    EXPECT_SENT(h, seg().seq(kA).payload(std::string(1460, 'g')));
    h.deliver(seg().seq(kB).ack(kA + 2000));  // the originals arrived after all
    EXPECT_SILENT(h);
    EXPECT_EQ(h.conn().send_queue(), 0u);
    EXPECT_EQ(h.conn().poll_at(), Instant::never());
}

TEST(Retransmit, KarnNoSampleFromRetransmittedSegment) {
    Harness h;
    h.establish_client();
    const Duration srtt = h.conn().srtt();
    h.send("k");
    h.flush();
    ASSERT_TRUE(h.advance_to_poll_at());
    h.flush();
    h.advance(Duration::millis(10));
    h.deliver(seg().seq(kB).ack(kA + 1));
    EXPECT_EQ(h.conn().srtt(), srtt);
    EXPECT_EQ(h.conn().rto(), Duration::millis(400));  // back-off kept until a valid sample
}

TEST(Retransmit, NewAckRestartsTimer) {
    Harness h;
    h.establish_client();
    h.conn().set_no_delay(true);
    h.send("a");
    h.flush();
    h.advance(Duration::millis(100));
    h.send("b");
    h.flush();
    h.deliver(seg().seq(kB).ack(kA + 1));
    EXPECT_EQ(h.conn().poll_at(), h.now() + h.conn().rto());
}

TEST(Retransmit, AllAckedStopsTimer) {
    Harness h;
    h.establish_client();
    h.send("a");
    h.flush();
    h.deliver(seg().seq(kB).ack(kA + 1));
    EXPECT_EQ(h.conn().poll_at(), Instant::never());
}

TEST(Retransmit, GivesUpAfterMaxRetransmits) {
    Config c = Harness::default_config();
    c.max_retransmits = 3;
    Harness h(c);
    h.establish_client();
    h.send("a");
    h.flush();
    for (int i = 0; i < 3; ++i) {
        ASSERT_TRUE(h.advance_to_poll_at());
        EXPECT_SENT(h, seg().payload("a"));
    }
    ASSERT_TRUE(h.advance_to_poll_at());
    EXPECT_SILENT(h);
    EXPECT_EQ(h.state(), State::Closed);
    EXPECT_EQ(h.closed_error(), Errc::TimedOut);
}

TEST(Retransmit, AnyAcceptableAckResetsGiveUpCount) {
    Config c = Harness::default_config();
    c.max_retransmits = 2;
    Harness h(c);
    h.establish_client();
    h.send("a");
    h.flush();
    for (int i = 0; i < 5; ++i) {
        ASSERT_TRUE(h.advance_to_poll_at());
        EXPECT_SENT(h, seg().payload("a"));
        h.deliver(seg().seq(kB).ack(kA));  // alive, but nothing new acknowledged
    }
    EXPECT_EQ(h.state(), State::Established);
}

TEST(Retransmit, SynAckRetransmissionCarriesMss) {
    Harness h;
    h.accept(seg().syn().seq(Harness::kPeerIss));
    h.flush();
    ASSERT_TRUE(h.advance_to_poll_at());
    EXPECT_SENT(h, seg().syn().mss(1460).ack(kB));
}

TEST(Retransmit, FinAndDataResentTogether) {
    Harness h;
    h.establish_client();
    h.send("end");
    ASSERT_TRUE(h.conn().shutdown_write());
    EXPECT_SENT(h, seg().fin().seq(kA).payload("end"));
    ASSERT_TRUE(h.advance_to_poll_at());
    EXPECT_SENT(h, seg().fin().seq(kA).payload("end"));
}

TEST(Retransmit, PartialAckResendsOnlyTheRest) {
    Harness h;
    h.establish_client();
    h.conn().set_no_delay(true);
    h.send(std::string(2000, 'p'));
    h.flush();
    h.deliver(seg().seq(kB).ack(kA + 1460));
    ASSERT_TRUE(h.advance_to_poll_at());
    EXPECT_SENT(h, seg().seq(kA + 1460).payload(std::string(540, 'p')));
    EXPECT_SILENT(h);
}

TEST(UserTimeout, OffByDefault) {
    Harness h;
    h.establish_client();
    h.send("a");
    h.flush();
    for (int i = 0; i < 8; ++i) {
        ASSERT_TRUE(h.advance_to_poll_at());
        h.flush();
    }
    EXPECT_EQ(h.state(), State::Established);
}

TEST(UserTimeout, UnackedDataPastTimeoutEndsWithTimedOut) {
    Config c = Harness::default_config();
    c.user_timeout = Duration::seconds(2);
    Harness h(c);
    h.establish_client();
    const Instant t = h.now();
    h.send("a");
    h.flush();
    while (h.state() != State::Closed) {
        ASSERT_TRUE(h.advance_to_poll_at());
        h.flush();
    }
    EXPECT_EQ(h.now(), t + Duration::seconds(2));
    EXPECT_EQ(h.closed_error(), Errc::TimedOut);
}

TEST(UserTimeout, EndsWithoutSendingReset) {
    Config c = Harness::default_config();
    c.user_timeout = Duration::millis(100);
    Harness h(c);
    h.establish_client();
    h.send("a");
    h.flush();
    ASSERT_TRUE(h.advance_to_poll_at());
    EXPECT_SILENT(h);
    EXPECT_EQ(h.state(), State::Closed);
}

TEST(UserTimeout, ProgressRestartsIt) {
    Config c = Harness::default_config();
    c.user_timeout = Duration::seconds(1);
    c.no_delay = true;
    Harness h(c);
    h.establish_client();
    h.send("a");
    h.flush();
    h.advance(Duration::millis(150));
    h.send("b");
    h.flush();
    h.deliver(seg().seq(kB).ack(kA + 1));
    h.advance(Duration::millis(900));
    h.flush();
    EXPECT_EQ(h.state(), State::Established);
}

TEST(UserTimeout, IdleConnectionNeverTimesOut) {
    Config c = Harness::default_config();
    c.user_timeout = Duration::seconds(1);
    Harness h(c);
    h.establish_client();
    h.advance(Duration::seconds(100));
    h.flush();
    EXPECT_EQ(h.state(), State::Established);
    EXPECT_EQ(h.conn().poll_at(), Instant::never());
}

TEST(UserTimeout, SurvivesWhenAllDataAcked) {
    Config c = Harness::default_config();
    c.user_timeout = Duration::millis(300);
    Harness h(c);
    h.establish_client();
    h.send("a");
    h.flush();
    h.advance(Duration::millis(100));
    h.deliver(seg().seq(kB).ack(kA + 1));
    h.advance(Duration::seconds(5));
    h.flush();
    EXPECT_EQ(h.state(), State::Established);
}

}  // namespace
}  // namespace ustack::tcp::test
