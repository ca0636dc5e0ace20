// LossRecovery: RFC 5681 duplicate ACKs and fast retransmit, RFC 3042 limited transmit, RFC 6582
// NewReno partial ACKs, RFC 6675 SACK recovery, RTO recovery, driven as a TCB would drive it.
#include "tcp/recovery.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <initializer_list>
#include <ostream>
#include <vector>

namespace ustack::tcp {
namespace {

using wire::SackBlock;
using wire::SeqNum;
using Kind = SendPlan::Kind;

constexpr std::uint32_t kMss = 1000;

SeqNum s(std::uint32_t v) {
    return SeqNum(v);
}
SackBlock blk(std::uint32_t l, std::uint32_t r) {
    return SackBlock{SeqNum(l), SeqNum(r)};
}

struct Sent {
    Kind kind;
    std::uint32_t seq;
    std::uint32_t len;
    bool operator==(const Sent&) const = default;
    friend std::ostream& operator<<(std::ostream& os, const Sent& x) {
        return os << "{" << static_cast<int>(x.kind) << " " << x.seq << "+" << x.len << "}";
    }
};

// A sender with SND.UNA = 0 and `unsent` bytes the application has written, sending full
// segments only, as far as the plans allow.
struct Sender {
    LossRecovery r;
    std::uint32_t unsent;
    Instant now = Instant::from_micros(1000000);

    explicit Sender(bool sack, CongestionControl cc = CongestionControl::NewReno,
                    std::uint32_t data = 1000000)
        : r(cc, kMss, 10, sack, s(0)), unsent(data) {}

    std::vector<Sent> pump(bool allow_new = true) {
        std::vector<Sent> out;
        for (int guard = 0; guard < 1000; ++guard) {
            const SendPlan plan = r.next_segment(allow_new && unsent > 0);
            if (plan.kind == Kind::None) break;
            std::uint32_t len = plan.len;
            if (plan.kind == Kind::NewData) {
                len = std::min({plan.len, kMss, unsent});
                if (len < std::min(kMss, unsent)) break;  // no sub-MSS segments here
                unsent -= len;
            }
            r.on_sent(plan, plan.seq, len);
            out.push_back(Sent{plan.kind, plan.seq.raw(), len});
        }
        return out;
    }

    AckOutcome ack(std::uint32_t a, std::initializer_list<SackBlock> blocks = {},
                   bool has_data = false, bool window_changed = false, bool syn_or_fin = false) {
        const std::vector<SackBlock> v(blocks);
        now += Duration::millis(1);
        AckSegment seg;
        seg.ack = s(a);
        seg.sacks = v;
        seg.has_data = has_data;
        seg.window_changed = window_changed;
        seg.syn_or_fin = syn_or_fin;
        seg.srtt = Duration::millis(100);
        return r.on_ack(seg, now);
    }
};

std::vector<Sent> new_data(std::uint32_t from, int count) {
    std::vector<Sent> v;
    for (int i = 0; i < count; ++i)
        v.push_back(Sent{Kind::NewData, from + i * kMss, kMss});
    return v;
}

TEST(Open, SendsTheInitialWindowOfTenSegments) {
    Sender snd(false);
    EXPECT_EQ(snd.pump(), new_data(0, 10));
    EXPECT_EQ(snd.r.flight_size(), 10 * kMss);
    EXPECT_EQ(snd.r.state(), RecoveryState::Open);
}

TEST(Open, AcksSlowStartTheWindow) {
    Sender snd(false);
    snd.pump();
    const auto out = snd.ack(2000);
    EXPECT_EQ(out.acked, 2000u);
    EXPECT_TRUE(out.restart_rto);
    EXPECT_FALSE(out.duplicate);
    EXPECT_EQ(snd.r.cwnd(), 12 * kMss);
    EXPECT_EQ(snd.pump(), new_data(10000, 4));
}

TEST(Open, AnApplicationLimitedSenderDoesNotGrowItsWindow) {
    Sender snd(false, CongestionControl::NewReno, 3000);
    snd.pump();
    snd.ack(1000);
    EXPECT_EQ(snd.r.cwnd(), 10 * kMss);
}

TEST(Open, NothingToSendGivesNoPlan) {
    Sender snd(false, CongestionControl::NewReno, 0);
    EXPECT_EQ(snd.r.next_segment(false).kind, Kind::None);
}

TEST(Open, IdleRestartOnlyWhenNothingIsOutstanding) {
    Sender snd(false);
    snd.pump();
    snd.ack(10000);
    ASSERT_EQ(snd.r.cwnd(), 12 * kMss);
    snd.r.on_idle_restart();
    EXPECT_EQ(snd.r.cwnd(), 10 * kMss);
    snd.pump();
    snd.ack(2000);
    const std::uint32_t grown = snd.r.cwnd();
    snd.r.on_idle_restart();  // data outstanding: not idle
    EXPECT_EQ(snd.r.cwnd(), grown);
}

TEST(DupAck, Rfc5681DefinitionCountsAPureRepeatedAck) {
    Sender snd(false);
    snd.pump();
    EXPECT_TRUE(snd.ack(0).duplicate);
    EXPECT_EQ(snd.r.dupacks(), 1u);
}

TEST(DupAck, Rfc5681AckCarryingDataIsNotDuplicate) {
    Sender snd(false);
    snd.pump();
    EXPECT_FALSE(snd.ack(0, {}, /*has_data=*/true).duplicate);
}

TEST(DupAck, Rfc5681WindowUpdateIsNotDuplicate) {
    Sender snd(false);
    snd.pump();
    EXPECT_FALSE(snd.ack(0, {}, false, /*window_changed=*/true).duplicate);
}

TEST(DupAck, Rfc5681SynOrFinIsNotDuplicate) {
    Sender snd(false);
    snd.pump();
    EXPECT_FALSE(snd.ack(0, {}, false, false, /*syn_or_fin=*/true).duplicate);
}

TEST(DupAck, Rfc5681NeedsOutstandingData) {
    Sender snd(false);
    EXPECT_FALSE(snd.ack(0).duplicate);
    EXPECT_EQ(snd.r.dupacks(), 0u);
}

TEST(DupAck, CumulativeAckResetsTheCount) {
    Sender snd(false);
    snd.pump();
    snd.ack(0);
    snd.ack(0);
    EXPECT_EQ(snd.r.dupacks(), 2u);
    EXPECT_FALSE(snd.ack(1000).duplicate);
    EXPECT_EQ(snd.r.dupacks(), 0u);
}

TEST(LimitedTransmit, Rfc3042OneNewSegmentOnEachOfTheFirstTwoDupacks) {
    Sender snd(false);
    snd.pump();
    snd.ack(0);
    EXPECT_EQ(snd.pump(), new_data(10000, 1));
    snd.ack(0);
    EXPECT_EQ(snd.pump(), new_data(11000, 1));
    // RFC 3042 §2: cwnd itself is unchanged.
    EXPECT_EQ(snd.r.congestion().cwnd(), 10 * kMss);
}

TEST(FastRetransmit, ThirdDupackRetransmitsSndUna) {
    Sender snd(false);
    snd.pump();
    snd.ack(0);
    snd.pump();
    snd.ack(0);
    snd.pump();
    const auto out = snd.ack(0);
    EXPECT_TRUE(out.entered_recovery);
    EXPECT_EQ(snd.r.state(), RecoveryState::FastRecovery);
    EXPECT_EQ(snd.r.recover(), s(12000));
    EXPECT_EQ(snd.r.fast_retransmits(), 1u);
    // RFC 5681 §3.2: ssthresh = FlightSize / 2 = 6000, cwnd = ssthresh + 3*SMSS.
    EXPECT_EQ(snd.r.ssthresh(), 6000u);
    EXPECT_EQ(snd.r.cwnd(), 9000u);
    const SendPlan plan = snd.r.next_segment(true);
    EXPECT_EQ(plan.kind, Kind::Retransmit);
    EXPECT_EQ(plan.seq, s(0));
    EXPECT_EQ(plan.len, kMss);
}

TEST(FastRetransmit, TheRetransmissionIgnoresCwndAndThenCwndRules) {
    Sender snd(false);
    snd.pump();
    for (int i = 0; i < 3; ++i)
        snd.ack(0);
    // FlightSize 10000 > cwnd 8000, yet the lost segment goes; then nothing more.
    EXPECT_EQ(snd.pump(), (std::vector<Sent>{{Kind::Retransmit, 0, kMss}}));
    EXPECT_EQ(snd.r.scoreboard().high_rxt(), s(1000));
}

TEST(NewRenoRecovery, EachFurtherDupackInflatesByOneSegment) {
    Sender snd(false);
    snd.pump();
    for (int i = 0; i < 3; ++i)
        snd.ack(0);
    snd.pump();  // the retransmission; cwnd = 5000 + 3000 = 8000 < FlightSize 10000
    snd.ack(0);
    snd.ack(0);
    EXPECT_EQ(snd.r.cwnd(), 10000u);
    EXPECT_TRUE(snd.pump().empty());
    snd.ack(0);
    EXPECT_EQ(snd.r.cwnd(), 11000u);
    EXPECT_EQ(snd.pump(), new_data(10000, 1));
    // The controller's own window does not grow during recovery.
    EXPECT_EQ(snd.r.congestion().cwnd(), 5000u);
}

TEST(NewRenoRecovery, PartialAckRetransmitsTheNextHoleAndDeflates) {
    Sender snd(false);
    snd.pump();
    for (int i = 0; i < 3; ++i)
        snd.ack(0);
    snd.pump();
    const auto out = snd.ack(3000);  // the retransmission filled 0..1000; 3000 is missing too
    EXPECT_TRUE(out.partial_ack);
    EXPECT_FALSE(out.exited_recovery);
    EXPECT_TRUE(out.restart_rto);  // RFC 6582: the first partial ACK resets the timer
    // RFC 6582 §3.2 step 5: 8000 - 3000 acknowledged + 1000 = 6000.
    EXPECT_EQ(snd.r.cwnd(), 6000u);
    const auto sent = snd.pump();
    ASSERT_FALSE(sent.empty());
    EXPECT_EQ(sent[0], (Sent{Kind::Retransmit, 3000, kMss}));
    // FlightSize is 7000 > 6000: nothing else.
    EXPECT_EQ(sent.size(), 1u);
    // A later partial ACK does not restart the timer (Impatient variant).
    EXPECT_FALSE(snd.ack(5000).restart_rto);
    EXPECT_EQ(snd.pump()[0], (Sent{Kind::Retransmit, 5000, kMss}));
}

TEST(NewRenoRecovery, FullAckExitsWithTheRfc6582Window) {
    Sender snd(false);
    snd.pump();
    for (int i = 0; i < 3; ++i)
        snd.ack(0);
    snd.pump();
    const auto out = snd.ack(10000);
    EXPECT_TRUE(out.exited_recovery);
    EXPECT_FALSE(out.partial_ack);
    EXPECT_EQ(snd.r.state(), RecoveryState::Open);
    // min(ssthresh 5000, max(FlightSize 0, SMSS) + SMSS) = 2000.
    EXPECT_EQ(snd.r.cwnd(), 2000u);
    EXPECT_EQ(snd.r.dupacks(), 0u);
}

TEST(NewRenoRecovery, DupacksAfterAFullAckCanStartANewRecovery) {
    Sender snd(false);
    snd.pump();
    for (int i = 0; i < 3; ++i)
        snd.ack(0);
    snd.pump();
    snd.ack(10000);
    snd.pump();
    for (int i = 0; i < 2; ++i)
        EXPECT_FALSE(snd.ack(10000).entered_recovery);
    EXPECT_TRUE(snd.ack(10000).entered_recovery);
    EXPECT_EQ(snd.r.fast_retransmits(), 2u);
}

TEST(SackRecovery, Rfc6675DupackIsNewSackInformation) {
    Sender snd(true);
    snd.pump();
    // Counts even with data and a window change (RFC 6675 §2)...
    EXPECT_TRUE(snd.ack(0, {blk(1000, 2000)}, true, true).duplicate);
    // ...but the same SACK again is not new information.
    EXPECT_FALSE(snd.ack(0, {blk(1000, 2000)}).duplicate);
    // Nor is a plain repeated ACK without SACK blocks.
    EXPECT_FALSE(snd.ack(0).duplicate);
    EXPECT_EQ(snd.r.dupacks(), 1u);
}

TEST(SackRecovery, LimitedTransmitIsGovernedByPipe) {
    // RFC 6675 §5 step 1.c: one SACKed segment leaves the network, so one new segment goes.
    Sender snd(true);
    snd.pump();
    snd.ack(0, {blk(1000, 2000)});
    EXPECT_EQ(snd.r.in_flight(), 9000u);
    EXPECT_EQ(snd.pump(), new_data(10000, 1));
}

TEST(SackRecovery, IsLostEntersRecoveryBeforeThreeDupacks) {
    // RFC 6675 §5 step 1.b: one ACK SACKing three segments above SND.UNA is enough.
    Sender snd(true);
    snd.pump();
    const auto out = snd.ack(0, {blk(1000, 4000)});
    EXPECT_TRUE(out.duplicate);
    EXPECT_TRUE(out.entered_recovery);
    EXPECT_EQ(snd.r.dupacks(), 1u);
    // RFC 6675 §5 step 4.2: cwnd = ssthresh = FlightSize / 2, no inflation.
    EXPECT_EQ(snd.r.cwnd(), 5000u);
    EXPECT_EQ(snd.r.ssthresh(), 5000u);
}

TEST(SackRecovery, ThreeDupacksEnterRecovery) {
    Sender snd(true);
    snd.pump();
    // Small SACKed pieces: neither three ranges nor 2*SMSS bytes above SND.UNA after two.
    EXPECT_FALSE(snd.ack(0, {blk(1000, 1100)}).entered_recovery);
    EXPECT_FALSE(snd.ack(0, {blk(1000, 1200)}).entered_recovery);
    EXPECT_TRUE(snd.ack(0, {blk(1000, 1300)}).entered_recovery);
}

TEST(SackRecovery, RetransmitsSndUnaThenLostHolesThenNewData) {
    Sender snd(true);
    snd.pump();  // 0..10000; 0 and 4000 are lost
    EXPECT_TRUE(snd.ack(0, {blk(1000, 4000)}).entered_recovery);
    // RFC 6675 §5 step 4.3: SND.UNA first. Then pipe (1000 resent + 6000 not lost) > cwnd.
    EXPECT_EQ(snd.pump(), (std::vector<Sent>{{Kind::Retransmit, 0, kMss}}));
    EXPECT_EQ(snd.r.in_flight(), 7000u);
    EXPECT_FALSE(snd.ack(0, {blk(5000, 8000), blk(1000, 4000)}).entered_recovery);
    // pipe = 1000 (resent) + 2000 (8000..10000) = 3000; cwnd 5000: the lost 4000 (rule 1), then
    // new data (rule 2).
    EXPECT_EQ(snd.r.in_flight(), 3000u);
    EXPECT_EQ(snd.pump(),
              (std::vector<Sent>{{Kind::Retransmit, 4000, kMss}, {Kind::NewData, 10000, kMss}}));
    EXPECT_EQ(snd.r.in_flight(), 5000u);
}

TEST(SackRecovery, PartialAckStaysAndFullAckExits) {
    Sender snd(true);
    snd.pump();
    snd.ack(0, {blk(1000, 4000)});
    snd.pump();
    auto out = snd.ack(4000);
    EXPECT_TRUE(out.partial_ack);
    EXPECT_TRUE(out.restart_rto);
    EXPECT_EQ(snd.r.state(), RecoveryState::FastRecovery);
    snd.pump();
    out = snd.ack(10000);
    EXPECT_TRUE(out.exited_recovery);
    EXPECT_EQ(snd.r.state(), RecoveryState::Open);
    EXPECT_EQ(snd.r.scoreboard().high_rxt(), snd.r.scoreboard().high_ack());
    // RFC 6675 §5: cwnd stays at the ssthresh set on entry (no RFC 6582 deflation).
    EXPECT_EQ(snd.r.cwnd(), snd.r.ssthresh());
}

TEST(SackRecovery, RescueRetransmissionWhenNoNewDataRemains) {
    // RFC 6675 §4 rule 4: the tail segment is resent once per recovery.
    Sender snd(true, CongestionControl::NewReno, 5000);
    snd.pump();  // 0..5000, all the data there is
    EXPECT_TRUE(snd.ack(0, {blk(1000, 4000)}).entered_recovery);
    EXPECT_EQ(snd.pump(), (std::vector<Sent>{{Kind::Retransmit, 0, kMss}}));
    snd.ack(4000);  // HighACK passes RescueRxt; 4000..5000 unSACKed and not known lost
    EXPECT_EQ(snd.pump(), (std::vector<Sent>{{Kind::Rescue, 4000, kMss}}));
    EXPECT_EQ(snd.r.scoreboard().rescue_rxt(), s(5000));
    EXPECT_TRUE(snd.pump().empty());
}

TEST(SackRecovery, DsackIsCountedButIsNoDuplicate) {
    Sender snd(true);
    snd.pump();
    const auto out = snd.ack(1000, {blk(0, 1000)});
    EXPECT_TRUE(out.dsack);
    EXPECT_FALSE(out.duplicate);
    EXPECT_EQ(snd.r.dsacks(), 1u);
}

TEST(SackRecovery, SackBlocksAreIgnoredWhenSackIsOff) {
    Sender snd(false);
    snd.pump();
    snd.ack(0, {blk(1000, 4000)});
    EXPECT_TRUE(snd.r.scoreboard().empty());
    EXPECT_EQ(snd.r.state(), RecoveryState::Open);
}

TEST(RtoRecovery, CollapsesTheWindowAndGoesBackToSndUna) {
    Sender snd(false);
    snd.pump();
    snd.r.on_rto();
    EXPECT_EQ(snd.r.state(), RecoveryState::RtoRecovery);
    EXPECT_EQ(snd.r.cwnd(), kMss);
    EXPECT_EQ(snd.r.ssthresh(), 5000u);
    EXPECT_EQ(snd.r.rto_events(), 1u);
    EXPECT_EQ(snd.pump(), (std::vector<Sent>{{Kind::Retransmit, 0, kMss}}));
    // Slow start from one segment: the ACK allows two more, resent in order.
    snd.ack(1000);
    EXPECT_EQ(snd.r.cwnd(), 2 * kMss);
    EXPECT_EQ(snd.pump(),
              (std::vector<Sent>{{Kind::Retransmit, 1000, kMss}, {Kind::Retransmit, 2000, kMss}}));
}

TEST(RtoRecovery, ClearsTheScoreboard) {
    Sender snd(true);
    snd.pump();
    snd.ack(0, {blk(2000, 3000)});
    ASSERT_FALSE(snd.r.scoreboard().empty());
    snd.r.on_rto();
    EXPECT_TRUE(snd.r.scoreboard().empty());
}

TEST(RtoRecovery, DupacksBeforeRecoverDoNotStartFastRetransmit) {
    // RFC 6582 §4.1 / RFC 6675 §5.1: the go-back-N resend provokes duplicates; they must not
    // trigger a fast retransmit until SND.UNA reaches the point of the timeout.
    Sender snd(false);
    snd.pump();
    snd.r.on_rto();
    snd.pump();
    for (int i = 0; i < 4; ++i)
        EXPECT_FALSE(snd.ack(0).entered_recovery);
    EXPECT_EQ(snd.r.state(), RecoveryState::RtoRecovery);
}

TEST(RtoRecovery, EndsWhenSndUnaReachesTheRecoveryPoint) {
    Sender snd(false);
    snd.pump();
    snd.r.on_rto();
    snd.pump();
    EXPECT_FALSE(snd.ack(5000).exited_recovery);
    EXPECT_TRUE(snd.ack(10000).exited_recovery);
    EXPECT_EQ(snd.r.state(), RecoveryState::Open);
}

TEST(RtoRecovery, NewDataFollowsOnceEverythingWasResent) {
    Sender snd(false);
    snd.pump();
    snd.r.on_rto();
    snd.pump();
    snd.ack(9000);  // only 9000..10000 is left to resend
    // RFC 3465 L = 2: the stretch ACK grows cwnd from 1000 to 3000, not by 9000.
    EXPECT_EQ(snd.r.cwnd(), 3 * kMss);
    EXPECT_EQ(snd.pump(), (std::vector<Sent>{{Kind::Retransmit, 9000, kMss},
                                             {Kind::NewData, 10000, kMss},
                                             {Kind::NewData, 11000, kMss}}));
}

TEST(RtoRecovery, RepeatedTimeoutForTheSameSegmentKeepsSsthresh) {
    Sender snd(false);
    snd.pump();
    snd.r.on_rto();
    snd.r.on_rto();
    EXPECT_EQ(snd.r.ssthresh(), 5000u);
    snd.pump();
    snd.ack(1000);
    snd.r.on_rto();  // a new segment at SND.UNA: ssthresh from FlightSize 9000
    EXPECT_EQ(snd.r.ssthresh(), 4500u);
    EXPECT_EQ(snd.r.rto_events(), 3u);
}

TEST(RtoRecovery, SkipsDataSackedAfterTheTimeout) {
    Sender snd(true);
    snd.pump();
    snd.r.on_rto();
    snd.ack(0, {blk(2000, 3000)});
    EXPECT_EQ(snd.pump(), (std::vector<Sent>{{Kind::Retransmit, 0, kMss}}));
    snd.ack(1000, {blk(2000, 3000)});
    EXPECT_EQ(snd.pump(),
              (std::vector<Sent>{{Kind::Retransmit, 1000, kMss}, {Kind::Retransmit, 3000, kMss}}));
}

TEST(RtoRecovery, ATimeoutDuringFastRecoveryEndsIt) {
    Sender snd(true);
    snd.pump();
    snd.ack(0, {blk(1000, 4000)});
    snd.pump();
    snd.r.on_rto();
    EXPECT_EQ(snd.r.state(), RecoveryState::RtoRecovery);
    EXPECT_EQ(snd.r.recover(), s(10000));
    EXPECT_EQ(snd.r.cwnd(), kMss);
}

TEST(CubicRecovery, FastRetransmitReducesByBetaCubic) {
    Sender snd(false, CongestionControl::Cubic);
    snd.pump();
    for (int i = 0; i < 3; ++i)
        snd.ack(0);
    // RFC 9438 §4.6: ssthresh = 0.7 * FlightSize (10000), plus the RFC 6582 inflation.
    EXPECT_EQ(snd.r.ssthresh(), 7000u);
    EXPECT_EQ(snd.r.cwnd(), 10000u);
}

TEST(CubicRecovery, SackRecoveryUsesTheCubicWindow) {
    Sender snd(true, CongestionControl::Cubic);
    snd.pump();
    snd.ack(0, {blk(1000, 4000)});
    EXPECT_EQ(snd.r.cwnd(), 7000u);
    EXPECT_EQ(snd.r.congestion().cubic()->w_max(), 10.0);
}

TEST(Recovery, ATransferWithPeriodicLossKeepsMovingAndEndsOpen) {
    // Every 20th segment is lost once; the receiver SACKs; the sender must deliver everything
    // without a timeout.
    Sender snd(true, CongestionControl::Cubic, 200 * kMss);
    std::vector<bool> got(200, false);
    std::vector<bool> dropped(200, false);
    std::uint32_t una = 0;
    for (int round = 0; round < 400 && una < 200 * kMss; ++round) {
        const auto sent = snd.pump();
        for (const Sent& seg : sent) {
            const std::uint32_t i = seg.seq / kMss;
            if (i % 20 == 5 && !dropped[i]) {
                dropped[i] = true;
                continue;
            }
            got[i] = true;
        }
        while (una / kMss < 200 && got[una / kMss])
            una += kMss;
        // One ACK per round with up to three SACK blocks above una.
        std::vector<SackBlock> blocks;
        for (std::uint32_t i = una / kMss; i < 200 && blocks.size() < 3; ++i) {
            if (!got[i]) continue;
            std::uint32_t j = i;
            while (j < 200 && got[j])
                ++j;
            blocks.push_back(blk(i * kMss, j * kMss));
            i = j;
        }
        AckSegment seg;
        seg.ack = s(una);
        seg.sacks = blocks;
        seg.srtt = Duration::millis(10);
        snd.now += Duration::millis(10);
        snd.r.on_ack(seg, snd.now);
    }
    EXPECT_EQ(una, 200 * kMss);
    EXPECT_EQ(snd.r.state(), RecoveryState::Open);
    EXPECT_EQ(snd.r.rto_events(), 0u);
    EXPECT_GE(snd.r.fast_retransmits(), 5u);
}

}  // namespace
}  // namespace ustack::tcp
