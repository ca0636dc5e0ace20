// Closing: FIN-WAIT-1, FIN-WAIT-2, CLOSE-WAIT, CLOSING, LAST-ACK, TIME-WAIT and CLOSED
// (RFC 9293 §3.6, §3.10.4, §3.10.7.4 fifth and eighth steps).
#include "harness.h"

namespace ustack::tcp::test {
namespace {

constexpr std::uint32_t kA = Harness::kIss + 1;
constexpr std::uint32_t kB = Harness::kPeerIss + 1;

// Established client that has sent its FIN (FIN-WAIT-1, FIN = kA, not yet acknowledged).
void fin_wait1(Harness& h) {
    h.establish_client();
    ASSERT_TRUE(h.conn().close());
    EXPECT_SENT(h, seg().fin().seq(kA).ack(kB));
    ASSERT_EQ(h.state(), State::FinWait1);
}

void fin_wait2(Harness& h) {
    fin_wait1(h);
    h.deliver(seg().seq(kB).ack(kA + 1));
    ASSERT_EQ(h.state(), State::FinWait2);
}

void close_wait(Harness& h) {
    h.establish_client();
    h.deliver(seg().fin().seq(kB).ack(kA));
    ASSERT_EQ(h.state(), State::CloseWait);
}

void last_ack(Harness& h) {
    close_wait(h);
    ASSERT_TRUE(h.conn().close());
    EXPECT_SENT(h, seg().fin().seq(kA).ack(kB + 1));
    ASSERT_EQ(h.state(), State::LastAck);
}

void closing(Harness& h) {
    fin_wait1(h);
    h.deliver(seg().fin().seq(kB).ack(kA));  // the peer's FIN, not acking ours
    ASSERT_EQ(h.state(), State::Closing);
    EXPECT_SENT(h, seg().seq(kA + 1).ack(kB + 1));
}

void time_wait(Harness& h) {
    fin_wait2(h);
    h.deliver(seg().fin().seq(kB).ack(kA + 1));
    ASSERT_EQ(h.state(), State::TimeWait);
    EXPECT_SENT(h, seg().seq(kA + 1).ack(kB + 1));
}

// ---- FIN-WAIT-1

TEST(FinWait1, AckOfFinGoesToFinWait2) {
    Harness h;
    fin_wait2(h);
    EXPECT_EQ(h.transitions().back(), "FIN-WAIT-1 -> FIN-WAIT-2");
    EXPECT_SILENT(h);
}

TEST(FinWait1, AckNotCoveringFinStays) {
    Harness h;
    h.establish_client();
    h.send("abc");
    ASSERT_TRUE(h.conn().shutdown_write());
    EXPECT_SENT(h, seg().fin().payload("abc").psh());
    h.deliver(seg().seq(kB).ack(kA + 3));
    EXPECT_EQ(h.state(), State::FinWait1);
}

TEST(FinWait1, FinWithoutAckOfOurFinGoesToClosing) {
    Harness h;
    closing(h);
    EXPECT_EQ(h.transitions().back(), "FIN-WAIT-1 -> CLOSING");
}

TEST(FinWait1, FinAckOfOurFinGoesStraightToTimeWait) {
    Harness h;
    fin_wait1(h);
    h.deliver(seg().fin().seq(kB).ack(kA + 1));
    EXPECT_EQ(h.state(), State::TimeWait);
    EXPECT_EQ(h.transitions().back(), "FIN-WAIT-1 -> TIME-WAIT");
    EXPECT_SENT(h, seg().seq(kA + 1).ack(kB + 1));
}

TEST(FinWait1, DataAfterShutdownIsStillDelivered) {
    Harness h;
    h.establish_client();
    ASSERT_TRUE(h.conn().shutdown_write());
    h.flush();
    h.deliver(seg().seq(kB).ack(kA).payload("more"));
    EXPECT_EQ(h.read(), "more");
}

TEST(FinWait1, FinIsRetransmittedOnTimeout) {
    Harness h;
    fin_wait1(h);
    ASSERT_TRUE(h.advance_to_poll_at());
    EXPECT_SENT(h, seg().fin().seq(kA).ack(kB));
}

TEST(FinWait1, DataAfterCloseIsAnsweredWithReset) {
    Harness h;
    fin_wait1(h);
    h.deliver(seg().seq(kB).ack(kA).payload("late"));
    EXPECT_SENT(h, seg().rst().seq(kA).no_ack());
    EXPECT_EQ(h.state(), State::Closed);
}

// ---- FIN-WAIT-2

TEST(FinWait2, FinGoesToTimeWaitAndIsAckedAtOnce) {
    Harness h;
    time_wait(h);
    EXPECT_EQ(h.transitions().back(), "FIN-WAIT-2 -> TIME-WAIT");
}

TEST(FinWait2, HalfCloseKeepsReceivingData) {
    Harness h;
    h.establish_client();
    ASSERT_TRUE(h.conn().shutdown_write());
    h.flush();
    h.deliver(seg().seq(kB).ack(kA + 1));
    ASSERT_EQ(h.state(), State::FinWait2);
    h.deliver(seg().seq(kB).ack(kA + 1).payload("one"));
    h.deliver(seg().seq(kB + 3).ack(kA + 1).payload("two"));
    EXPECT_EQ(h.read(), "onetwo");
    h.deliver(seg().fin().seq(kB + 6).ack(kA + 1));
    EXPECT_EQ(h.state(), State::TimeWait);
    std::array<std::uint8_t, 4> buf{};
    EXPECT_EQ(*h.conn().recv(MutBytes(buf)), 0u);
}

TEST(FinWait2, TimesOutAfterCloseAsLinux) {
    Config c = Harness::default_config();
    c.fin_wait2_timeout = Duration::seconds(60);
    Harness h(c);
    fin_wait2(h);
    const Instant t = h.now();
    ASSERT_TRUE(h.advance_to_poll_at());
    EXPECT_EQ(h.now(), t + Duration::seconds(60));
    EXPECT_SILENT(h);
    EXPECT_EQ(h.state(), State::Closed);
}

TEST(FinWait2, WaitsForeverAfterShutdownWrite) {
    Harness h;
    h.establish_client();
    ASSERT_TRUE(h.conn().shutdown_write());
    h.flush();
    h.deliver(seg().seq(kB).ack(kA + 1));
    ASSERT_EQ(h.state(), State::FinWait2);
    EXPECT_EQ(h.conn().poll_at(), Instant::never());
}

TEST(FinWait2, DataAfterCloseIsAnsweredWithReset) {
    Harness h;
    fin_wait2(h);
    h.deliver(seg().seq(kB).ack(kA + 1).payload("late"));
    EXPECT_SENT(h, seg().rst().seq(kA + 1));
    EXPECT_EQ(h.state(), State::Closed);
}

// ---- CLOSE-WAIT

TEST(CloseWait, SendIsStillAllowed) {
    Harness h;
    close_wait(h);
    EXPECT_EQ(*h.send("still"), 5u);
    EXPECT_SENT(h, seg().seq(kA).ack(kB + 1).payload("still"));
}

TEST(CloseWait, CloseSendsFinAndGoesToLastAck) {
    Harness h;
    last_ack(h);
    EXPECT_EQ(h.transitions().back(), "CLOSE-WAIT -> LAST-ACK");
}

TEST(CloseWait, RetransmittedFinIsAcked) {
    Harness h;
    close_wait(h);
    h.advance(Duration::millis(40));
    EXPECT_SENT(h, seg().ack(kB + 1));
    h.deliver(seg().fin().seq(kB).ack(kA));
    EXPECT_SENT(h, seg().seq(kA).ack(kB + 1));
    EXPECT_EQ(h.state(), State::CloseWait);
}

TEST(CloseWait, DataAfterFinIsIgnored) {
    Harness h;
    close_wait(h);
    h.deliver(seg().seq(kB + 1).ack(kA).payload("zzz"));
    EXPECT_EQ(h.conn().recv_queue(), 0u);
}

TEST(CloseWait, ThreePacketCloseFromServerSide) {
    // The server echoes and closes first; the client's ACK of that FIN is delayed and rides on its
    // own FIN, so the close is FIN/ACK, FIN/ACK, ACK.
    Harness h;  // we are the client here: the peer (server) closes
    h.establish_client();
    h.send("hello");
    EXPECT_SENT(h, seg().seq(kA).ack(kB).payload("hello"));
    h.deliver(seg().seq(kB).ack(kA + 5).payload("server: hello"));
    h.deliver(seg().fin().seq(kB + 13).ack(kA + 5));
    EXPECT_EQ(h.state(), State::CloseWait);
    EXPECT_SILENT(h);  // the ACK is delayed
    EXPECT_EQ(h.read(), "server: hello");
    ASSERT_TRUE(h.conn().close());
    EXPECT_SENT(h, seg().fin().seq(kA + 5).ack(kB + 14));
    EXPECT_SILENT(h);
    h.deliver(seg().seq(kB + 14).ack(kA + 6));
    EXPECT_EQ(h.state(), State::Closed);
}

TEST(CloseWait, EchoThenCloseGivesThreePacketClose) {
    // Server side of the demo: the client's FIN arrives, the server reads EOF and closes at once.
    Harness h;
    h.establish_server();
    h.deliver(seg().seq(kB).ack(kA).payload("hello"));
    EXPECT_EQ(h.read(), "hello");
    h.send("server: hello");
    EXPECT_SENT(h, seg().seq(kA).ack(kB + 5).payload("server: hello"));
    h.deliver(seg().fin().seq(kB + 5).ack(kA + 13));
    EXPECT_SILENT(h);
    ASSERT_TRUE(h.conn().close());
    EXPECT_SENT(h, seg().fin().seq(kA + 13).ack(kB + 6));
    h.deliver(seg().seq(kB + 6).ack(kA + 14));
    EXPECT_EQ(h.state(), State::Closed);
    EXPECT_EQ(h.closed_error(), std::nullopt);
}

TEST(CloseWait, FourWayCloseWhenApplicationIsSlow) {
    Harness h;
    close_wait(h);
    h.advance(Duration::seconds(1));
    EXPECT_SENT(h, seg().seq(kA).ack(kB + 1));
    ASSERT_TRUE(h.conn().close());
    EXPECT_SENT(h, seg().fin().seq(kA).ack(kB + 1));
}

// ---- CLOSING

TEST(Closing, AckOfFinGoesToTimeWait) {
    Harness h;
    closing(h);
    h.deliver(seg().seq(kB + 1).ack(kA + 1));
    EXPECT_EQ(h.state(), State::TimeWait);
    EXPECT_EQ(h.transitions().back(), "CLOSING -> TIME-WAIT");
}

TEST(Closing, AckNotCoveringFinIsIgnored) {
    Harness h;
    closing(h);
    h.deliver(seg().seq(kB + 1).ack(kA));
    EXPECT_EQ(h.state(), State::Closing);
}

TEST(Closing, FinRetransmittedOnTimeout) {
    Harness h;
    closing(h);
    ASSERT_TRUE(h.advance_to_poll_at());
    EXPECT_SENT(h, seg().fin().seq(kA).ack(kB + 1));
}

TEST(Closing, SimultaneousCloseTransitions) {
    Harness h;
    closing(h);
    h.deliver(seg().seq(kB + 1).ack(kA + 1));
    const auto& t = h.transitions();
    ASSERT_GE(t.size(), 3u);
    EXPECT_EQ(t[t.size() - 3], "ESTABLISHED -> FIN-WAIT-1");
    EXPECT_EQ(t[t.size() - 2], "FIN-WAIT-1 -> CLOSING");
    EXPECT_EQ(t[t.size() - 1], "CLOSING -> TIME-WAIT");
}

// ---- LAST-ACK

TEST(LastAck, AckOfFinCloses) {
    Harness h;
    last_ack(h);
    h.deliver(seg().seq(kB + 1).ack(kA + 1));
    EXPECT_EQ(h.state(), State::Closed);
    EXPECT_EQ(h.transitions().back(), "LAST-ACK -> CLOSED");
    EXPECT_TRUE(h.conn().finished());
}

TEST(LastAck, AckNotCoveringFinStays) {
    Harness h;
    last_ack(h);
    h.deliver(seg().seq(kB + 1).ack(kA));
    EXPECT_EQ(h.state(), State::LastAck);
}

TEST(LastAck, FinRetransmittedWithBackoff) {
    Harness h;
    last_ack(h);
    const Instant t = h.now();
    ASSERT_TRUE(h.advance_to_poll_at());
    EXPECT_EQ(h.now(), t + Duration::millis(200));
    EXPECT_SENT(h, seg().fin().seq(kA).ack(kB + 1));
    ASSERT_TRUE(h.advance_to_poll_at());
    EXPECT_EQ(h.now(), t + Duration::millis(600));
    EXPECT_SENT(h, seg().fin().seq(kA));
}

TEST(LastAck, PendingDataIsSentBeforeFin) {
    Harness h;
    close_wait(h);
    h.send("tail");
    ASSERT_TRUE(h.conn().close());
    EXPECT_EQ(h.state(), State::LastAck);
    EXPECT_SENT(h, seg().fin().seq(kA).payload("tail").psh());
    h.deliver(seg().seq(kB + 1).ack(kA + 5));
    EXPECT_EQ(h.state(), State::Closed);
}

// ---- TIME-WAIT

TEST(TimeWait, ExpiresAtExactlyTwoMsl) {
    Harness h;
    time_wait(h);
    const Instant t = h.now();
    EXPECT_EQ(h.conn().poll_at(), t + Duration::seconds(60));
    h.advance(Duration::seconds(60) - Duration::micros(1));
    EXPECT_SILENT(h);
    EXPECT_EQ(h.state(), State::TimeWait);
    h.advance(Duration::micros(1));
    EXPECT_SILENT(h);
    EXPECT_EQ(h.state(), State::Closed);
    EXPECT_EQ(h.transitions().back(), "TIME-WAIT -> CLOSED");
}

TEST(TimeWait, RetransmittedFinIsAckedAndRestartsTimer) {
    Harness h;
    time_wait(h);
    h.advance(Duration::seconds(30));
    h.deliver(seg().fin().seq(kB).ack(kA + 1));
    EXPECT_SENT(h, seg().seq(kA + 1).ack(kB + 1));
    EXPECT_EQ(h.conn().poll_at(), h.now() + Duration::seconds(60));
    h.advance(Duration::seconds(59));
    EXPECT_SILENT(h);
    EXPECT_EQ(h.state(), State::TimeWait);
}

TEST(TimeWait, ConfiguredDurationIsUsed) {
    Config c = Harness::default_config();
    c.time_wait = Duration::seconds(240);  // RFC 9293: 2 * MSL with MSL = 2 minutes
    Harness h(c);
    time_wait(h);
    EXPECT_EQ(h.conn().poll_at(), h.now() + Duration::seconds(240));
}

TEST(TimeWait, OtherSegmentsAreAcked) {
    Harness h;
    time_wait(h);
    h.deliver(seg().seq(kB + 1).ack(kA + 1).payload("??"));
    EXPECT_SENT(h, seg().seq(kA + 1).ack(kB + 1));
}

TEST(TimeWait, NoTimersButTimeWait) {
    Harness h;
    time_wait(h);
    h.advance(Duration::seconds(59));
    EXPECT_SILENT(h);
    EXPECT_EQ(h.conn().poll_at(), h.now() + Duration::seconds(1));
}

// ---- CLOSED

TEST(Closed, ClosedEventCarriesNoErrorAfterOrderlyClose) {
    Harness h;
    time_wait(h);
    h.advance(Duration::seconds(60));
    h.flush();
    EXPECT_TRUE(h.saw(EventKind::Closed));
    EXPECT_EQ(h.closed_error(), std::nullopt);
    EXPECT_EQ(h.conn().poll_at(), Instant::never());
}

TEST(Closed, SegmentsAreIgnored) {
    Harness h;
    time_wait(h);
    h.advance(Duration::seconds(60));
    h.flush();
    h.deliver(seg().seq(kB + 1).ack(kA + 1).payload("x"));
    EXPECT_SILENT(h);
}

TEST(Closed, FullFourWayCloseLadder) {
    Harness h;
    time_wait(h);
    h.advance(Duration::seconds(60));
    h.flush();
    EXPECT_EQ(h.transitions(),
              (std::vector<std::string>{"CLOSED -> SYN-SENT", "SYN-SENT -> ESTABLISHED",
                                        "ESTABLISHED -> FIN-WAIT-1", "FIN-WAIT-1 -> FIN-WAIT-2",
                                        "FIN-WAIT-2 -> TIME-WAIT", "TIME-WAIT -> CLOSED"}));
}

TEST(Closed, CloseInSynSentGoesToClosedSilently) {
    Harness h;
    h.connect();
    h.flush();
    ASSERT_TRUE(h.conn().close());
    EXPECT_EQ(h.state(), State::Closed);
    EXPECT_SILENT(h);
    EXPECT_EQ(h.closed_error(), std::nullopt);
}

TEST(Closed, UnreadDataAtCloseSendsRstAsLinux) {
    Harness h;
    h.establish_client();
    h.deliver(seg().seq(kB).ack(kA).payload("unread"));
    ASSERT_TRUE(h.conn().close());
    EXPECT_EQ(h.state(), State::Closed);
    EXPECT_SENT(h, seg().rst().seq(kA).ack(kB + 6));
    EXPECT_TRUE(h.conn().finished());
}

TEST(Closed, LingerZeroCloseSendsRst) {
    Config c = Harness::default_config();
    c.linger = Linger{true, 0};
    Harness h(c);
    h.establish_client();
    ASSERT_TRUE(h.conn().close());
    EXPECT_SENT(h, seg().rst().seq(kA).ack(kB));
    EXPECT_EQ(h.state(), State::Closed);
}

TEST(Closed, LingerNonZeroStillClosesWithFin) {
    Config c = Harness::default_config();
    c.linger = Linger{true, 5};
    Harness h(c);
    h.establish_client();
    ASSERT_TRUE(h.conn().close());
    EXPECT_SENT(h, seg().fin().seq(kA));
}

TEST(Closed, FinishedOnlyAfterRstIsSent) {
    Harness h;
    h.establish_client();
    ASSERT_TRUE(h.conn().abort());
    EXPECT_FALSE(h.conn().finished());
    EXPECT_EQ(h.conn().poll_at(), h.now());
    h.flush();
    EXPECT_TRUE(h.conn().finished());
}

}  // namespace
}  // namespace ustack::tcp::test
