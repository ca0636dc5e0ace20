// RttEstimator: RFC 6298 formulas, back-off and Karn's rule, checked against hand-computed values.
#include "tcp/rtt.h"

#include <gtest/gtest.h>

namespace ustack::tcp {
namespace {

Duration ms(std::int64_t v) {
    return Duration::millis(v);
}
Duration us(std::int64_t v) {
    return Duration::micros(v);
}

// No floor and no granularity: the bare §2.2/§2.3 formulas.
RttConfig bare() {
    RttConfig c;
    c.min_rto = Duration::zero();
    c.granularity = Duration::zero();
    return c;
}

TEST(Rtt, InitialRtoIsOneSecond) {
    RttEstimator rtt;
    EXPECT_FALSE(rtt.has_sample());
    EXPECT_EQ(rtt.rto(), Duration::seconds(1));
}

TEST(Rtt, FirstSampleSetsSrttAndHalfVariance) {
    RttEstimator rtt(bare());
    EXPECT_TRUE(rtt.sample(ms(100), false));
    EXPECT_TRUE(rtt.has_sample());
    EXPECT_EQ(rtt.srtt(), ms(100));
    EXPECT_EQ(rtt.rttvar(), ms(50));
    // RTO = SRTT + 4 * RTTVAR = 100 + 200.
    EXPECT_EQ(rtt.rto(), ms(300));
}

TEST(Rtt, LaterSamplesUseAlphaEighthAndBetaQuarterWithTheOldSrtt) {
    RttEstimator rtt(bare());
    rtt.sample(ms(100), false);
    rtt.sample(ms(200), false);
    // RTTVAR = 3/4 * 50 + 1/4 * |100 - 200| = 62.5 ms (old SRTT used);
    // SRTT = 7/8 * 100 + 1/8 * 200 = 112.5 ms.
    EXPECT_EQ(rtt.rttvar(), us(62500));
    EXPECT_EQ(rtt.srtt(), us(112500));
    EXPECT_EQ(rtt.rto(), us(112500 + 4 * 62500));
    rtt.sample(us(112500), false);
    // No error this time: RTTVAR decays by 3/4, SRTT stays.
    EXPECT_EQ(rtt.rttvar(), us(46875));
    EXPECT_EQ(rtt.srtt(), us(112500));
    EXPECT_EQ(rtt.rto(), us(300000));
}

TEST(Rtt, SampleBelowSrttAlsoRaisesVariance) {
    RttEstimator rtt(bare());
    rtt.sample(ms(200), false);  // SRTT 200, RTTVAR 100
    rtt.sample(ms(40), false);
    // RTTVAR = (3 * 100 + 160) / 4 = 115; SRTT = (7 * 200 + 40) / 8 = 180.
    EXPECT_EQ(rtt.rttvar(), ms(115));
    EXPECT_EQ(rtt.srtt(), ms(180));
}

TEST(Rtt, GranularityBoundsTheVarianceTerm) {
    RttConfig c = bare();
    c.granularity = ms(10);
    RttEstimator rtt(c);
    rtt.sample(ms(4), false);  // 4 * RTTVAR = 8 ms < G
    EXPECT_EQ(rtt.rto(), ms(14));
}

TEST(Rtt, RfcModeRoundsRtoUpToOneSecond) {
    RttEstimator rtt(RttConfig::rfc6298());
    rtt.sample(ms(100), false);  // computed 300 ms
    EXPECT_EQ(rtt.rto(), Duration::seconds(1));
}

TEST(Rtt, LinuxModeAddsAtLeast200MillisecondsToSrtt) {
    RttEstimator rtt(RttConfig::linux_like());
    rtt.sample(ms(10), false);  // SRTT 10 ms, 4 x RTTVAR 20 ms < 200 ms
    EXPECT_EQ(rtt.rto(), ms(210));
    rtt.sample(ms(100), false);
    // RTTVAR = (3*5 + 90)/4 = 26.25 ms (x4 = 105 ms < 200), SRTT = (70 + 100)/8 = 21.25 ms.
    EXPECT_EQ(rtt.rto(), us(221250));
}

// As Linux: a steady RTT (timestamps give a sample per ACK) decays RTTVAR to almost nothing, yet
// the RTO stays 200 ms above SRTT rather than falling to SRTT itself once SRTT is above 200 ms,
// so a retransmission queued behind a standing queue does not time out while on its way.
TEST(Rtt, LinuxModeRtoStaysAboveSrttWhenTheVarianceDecays) {
    RttEstimator rtt(RttConfig::linux_like());
    for (int i = 0; i < 200; ++i)
        rtt.sample(ms(300), false);
    ASSERT_LT(rtt.rttvar(), ms(1));
    EXPECT_EQ(rtt.rto(), ms(500));
    // The letter of RFC 6298 (1 s minimum on the whole RTO) is unchanged.
    RttEstimator rfc(RttConfig::rfc6298());
    for (int i = 0; i < 200; ++i)
        rfc.sample(ms(300), false);
    EXPECT_EQ(rfc.rto(), Duration::seconds(1));
}

TEST(Rtt, RtoIsCappedAtSixtySeconds) {
    RttEstimator rtt;
    rtt.sample(Duration::seconds(50), false);  // computed 50 + 100 s
    EXPECT_EQ(rtt.rto(), Duration::seconds(60));
}

TEST(Rtt, BackOffDoublesTheRto) {
    RttEstimator rtt(RttConfig::linux_like());
    rtt.sample(ms(100), false);
    ASSERT_EQ(rtt.rto(), ms(300));
    rtt.back_off();
    EXPECT_EQ(rtt.rto(), ms(600));
    rtt.back_off();
    EXPECT_EQ(rtt.rto(), ms(1200));
    EXPECT_EQ(rtt.backoffs(), 2u);
}

TEST(Rtt, BackOffBeforeAnySampleDoublesTheInitialRto) {
    RttEstimator rtt;
    rtt.back_off();
    EXPECT_EQ(rtt.rto(), Duration::seconds(2));
    rtt.back_off();
    EXPECT_EQ(rtt.rto(), Duration::seconds(4));
}

TEST(Rtt, BackOffIsCappedAtMaxRto) {
    RttEstimator rtt;
    for (int i = 0; i < 10; ++i)
        rtt.back_off();  // 1 s * 2^10 would be 1024 s
    EXPECT_EQ(rtt.rto(), Duration::seconds(60));
    EXPECT_EQ(rtt.backoffs(), 10u);
    for (int i = 0; i < 100; ++i)
        rtt.back_off();
    EXPECT_EQ(rtt.rto(), Duration::seconds(60));
}

TEST(Rtt, ResetBackoffRestoresTheComputedRto) {
    RttEstimator rtt(RttConfig::linux_like());
    rtt.sample(ms(100), false);
    rtt.back_off();
    rtt.back_off();
    rtt.reset_backoff();
    EXPECT_EQ(rtt.rto(), ms(300));
    EXPECT_EQ(rtt.backoffs(), 0u);
}

TEST(Rtt, ValidSampleEndsTheBackOff) {
    RttEstimator rtt(bare());
    rtt.sample(ms(100), false);
    rtt.back_off();
    rtt.back_off();
    EXPECT_TRUE(rtt.sample(ms(100), false));
    EXPECT_EQ(rtt.backoffs(), 0u);
    // RTTVAR = 3/4 * 50 = 37.5 ms; SRTT 100 ms.
    EXPECT_EQ(rtt.rto(), us(100000 + 4 * 37500));
}

TEST(Rtt, KarnRetransmittedSampleIsIgnored) {
    RttEstimator rtt(RttConfig::linux_like());
    EXPECT_FALSE(rtt.sample(ms(100), true));
    EXPECT_FALSE(rtt.has_sample());
    EXPECT_EQ(rtt.rto(), Duration::seconds(1));
}

TEST(Rtt, KarnRetransmittedSampleKeepsTheBackedOffRto) {
    RttEstimator rtt(RttConfig::linux_like());
    rtt.sample(ms(100), false);
    rtt.back_off();
    EXPECT_FALSE(rtt.sample(ms(5), true));
    EXPECT_EQ(rtt.rto(), ms(600));
    EXPECT_EQ(rtt.srtt(), ms(100));
    EXPECT_EQ(rtt.backoffs(), 1u);
}

TEST(Rtt, SynTimeoutWithoutSampleStartsDataTransferAtThreeSeconds) {
    RttEstimator rtt(RttConfig::linux_like());
    rtt.back_off();  // the SYN timed out: 2 s
    rtt.on_handshake_complete(true);
    EXPECT_EQ(rtt.rto(), Duration::seconds(3));
    EXPECT_EQ(rtt.backoffs(), 0u);
    // The first real sample replaces the fallback.
    rtt.sample(ms(100), false);
    EXPECT_EQ(rtt.rto(), ms(300));
}

TEST(Rtt, HandshakeWithoutSynTimeoutKeepsTheComputedRto) {
    RttEstimator rtt(RttConfig::linux_like());
    rtt.sample(ms(100), false);
    rtt.on_handshake_complete(false);
    EXPECT_EQ(rtt.rto(), ms(300));
}

TEST(Rtt, SynTimeoutWithATimestampSampleKeepsTheComputedRto) {
    RttEstimator rtt(RttConfig::linux_like());
    rtt.back_off();
    rtt.sample(ms(100), false);  // e.g. from a timestamp echo
    rtt.on_handshake_complete(true);
    EXPECT_EQ(rtt.rto(), ms(300));
}

TEST(Rtt, NegativeSampleIsIgnored) {
    RttEstimator rtt;
    EXPECT_FALSE(rtt.sample(ms(-1), false));
    EXPECT_FALSE(rtt.has_sample());
}

}  // namespace
}  // namespace ustack::tcp
