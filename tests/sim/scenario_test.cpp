// The demo's scenarios on two whole stacks over a SimLink (virtual time): every variant ends in
// the right states on both sides, with the packet sequence RFC 9293 and delayed ACK call for.
#include <gtest/gtest.h>

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "capture/print_options.h"
#include "sim/echo_scenario.h"
#include "sim/fan_out_sink.h"
#include "sim/pcap_sink.h"
#include "sim/print_sink.h"
#include "sim/timeline.h"
#include "sim_util.h"

namespace ustack::sim {
namespace {

using testing::flags_of;
using Flags = std::vector<std::string>;
using Transitions = std::vector<std::string>;

// One scenario run with its printed timeline and a pcap in a temporary directory that is kept
// (and named) when the test fails.
class Scenario : public ::testing::Test {
  protected:
    ScenarioResult run(const ScenarioOptions& o) {
        capture::PrintOptions print;
        print.numeric = 2;
        print.time = capture::TimeFormat::None;
        PrintSink printer(print, [&](dev::Direction d, Instant at, std::string_view text) {
            timeline_.packet(d, at, text);
        });
        FanOutSink tap;
        tap.add(printer);
        auto pcap = PcapSink::create(dir_.file("scenario.pcap"));
        EXPECT_TRUE(pcap) << pcap.error();
        if (pcap) tap.add(*pcap);
        ScenarioResult r = run_echo_scenario(o, &tap, &timeline_);
        if (pcap) {
            EXPECT_TRUE(pcap->flush());
        }
        return r;
    }
    void TearDown() override {
        if (!HasFailure()) return;
        dir_.keep();
        std::printf("kept the failing scenario's capture: %s\n%s",
                    dir_.file("scenario.pcap").c_str(), timeline_.render().c_str());
    }
    static ScenarioOptions variant(Variant v) {
        ScenarioOptions o;
        o.variant = v;
        return o;
    }

    Timeline timeline_;
    testing::TempDir dir_;
};

const Transitions kActiveOpenThreePacketClose{"CLOSED -> SYN-SENT", "SYN-SENT -> ESTABLISHED",
                                              "ESTABLISHED -> FIN-WAIT-1",
                                              "FIN-WAIT-1 -> TIME-WAIT", "TIME-WAIT -> CLOSED"};
const Transitions kPassiveOpenPassiveClose{"LISTEN -> SYN-RECEIVED", "SYN-RECEIVED -> ESTABLISHED",
                                           "ESTABLISHED -> CLOSE-WAIT", "CLOSE-WAIT -> LAST-ACK",
                                           "LAST-ACK -> CLOSED"};

TEST_F(Scenario, ThreePacketCloseDelayedAckRidesOnEchoAndFin) {
    const ScenarioResult r = run(variant(Variant::ThreePacketClose));
    ASSERT_TRUE(r.finished);
    // RFC 1122 §4.2.3.2: the ACK of "hello" waits and rides on the echo; the server's FIN
    // carries the ACK of the client's FIN: FIN, FIN, ACK.
    EXPECT_EQ(flags_of(timeline_),
              (Flags{"> S", "< S.", "> .", "> P.", "< P.", "> F.", "< F.", "> ."}));
    EXPECT_EQ(r.client.transitions, kActiveOpenThreePacketClose);
    EXPECT_EQ(r.server.transitions, kPassiveOpenPassiveClose);
    EXPECT_EQ(r.server.received, "hello");
    EXPECT_EQ(r.client.received, "server: hello");
    EXPECT_EQ(r.client.sent, 5u);
    EXPECT_EQ(r.server.sent, 13u);
    EXPECT_EQ(r.client.final_state, tcp::State::Closed);
    EXPECT_TRUE(r.client.reached_time_wait);
    EXPECT_FALSE(r.server.reached_time_wait);
    EXPECT_FALSE(r.client.error);
    EXPECT_FALSE(r.server.error);
}

TEST_F(Scenario, TimeWaitLastsTheConfiguredSixtySecondsAfterTheLastAck) {
    const ScenarioResult r = run(variant(Variant::ThreePacketClose));
    ASSERT_TRUE(r.finished);
    Instant last_packet;
    Instant entered_time_wait;
    Instant left_time_wait;
    for (const Entry& e : timeline_.entries()) {
        if (e.kind == EntryKind::Packet) last_packet = e.at;
        if (e.kind == EntryKind::State && e.host == "client" && e.text == "FIN-WAIT-1 -> TIME-WAIT")
            entered_time_wait = e.at;
        if (e.kind == EntryKind::State && e.host == "client" && e.text == "TIME-WAIT -> CLOSED")
            left_time_wait = e.at;
    }
    // Deviation (tcp::Config::time_wait): Linux's 60 s rather than RFC 9293's 2 * MSL.
    EXPECT_EQ(left_time_wait - entered_time_wait, Duration::seconds(60));
    EXPECT_EQ(entered_time_wait, last_packet);
    EXPECT_NE(timeline_.render().find("(60 s of TIME-WAIT pass in virtual time)"),
              std::string::npos);
}

TEST_F(Scenario, FourWayCloseWhenServerClosesASecondLater) {
    const ScenarioResult r = run(variant(Variant::FourWayClose));
    ASSERT_TRUE(r.finished);
    EXPECT_EQ(flags_of(timeline_),
              (Flags{"> S", "< S.", "> .", "> P.", "< P.", "> F.", "< .", "< F.", "> ."}));
    EXPECT_EQ(r.client.transitions,
              (Transitions{"CLOSED -> SYN-SENT", "SYN-SENT -> ESTABLISHED",
                           "ESTABLISHED -> FIN-WAIT-1", "FIN-WAIT-1 -> FIN-WAIT-2",
                           "FIN-WAIT-2 -> TIME-WAIT", "TIME-WAIT -> CLOSED"}));
    EXPECT_EQ(r.server.transitions, kPassiveOpenPassiveClose);
    EXPECT_EQ(r.client.received, "server: hello");
}

TEST_F(Scenario, RefusedSynDrawsRstAckAndConnectFails) {
    const ScenarioResult r = run(variant(Variant::Refused));
    ASSERT_TRUE(r.finished);
    // RFC 9293 §3.10.7.1: a SYN to a closed port gets <SEQ=0><ACK=SEG.SEQ+1><CTL=RST,ACK>.
    EXPECT_EQ(flags_of(timeline_), (Flags{"> S", "< R."}));
    EXPECT_EQ(r.client.transitions, (Transitions{"CLOSED -> SYN-SENT", "SYN-SENT -> CLOSED"}));
    EXPECT_TRUE(r.server.transitions.empty());
    EXPECT_EQ(r.client.error, std::optional(Errc::ConnectionRefused));
    EXPECT_EQ(r.server.counters.tcp_no_listener_resets, 1u);
}

TEST_F(Scenario, AbortWithLingerZeroSendsRstAndPeerSeesReset) {
    const ScenarioResult r = run(variant(Variant::Abort));
    ASSERT_TRUE(r.finished);
    EXPECT_EQ(flags_of(timeline_), (Flags{"> S", "< S.", "> .", "> P.", "< P.", "> R."}));
    EXPECT_EQ(r.client.transitions, (Transitions{"CLOSED -> SYN-SENT", "SYN-SENT -> ESTABLISHED",
                                                 "ESTABLISHED -> CLOSED"}));
    EXPECT_EQ(r.server.transitions,
              (Transitions{"LISTEN -> SYN-RECEIVED", "SYN-RECEIVED -> ESTABLISHED",
                           "ESTABLISHED -> CLOSED"}));
    EXPECT_FALSE(r.client.reached_time_wait);
    EXPECT_FALSE(r.client.error);  // the client chose to abort
    EXPECT_EQ(r.server.error, std::optional(Errc::ConnectionReset));
}

TEST_F(Scenario, HalfCloseServerKeepsSendingToFinWait2Client) {
    const ScenarioResult r = run(variant(Variant::HalfClose));
    ASSERT_TRUE(r.finished);
    // The client's FIN follows "hello" at once (here in the same segment); the server's data
    // still flows to the client in FIN-WAIT-2, each piece acknowledged, then the server's FIN.
    EXPECT_EQ(flags_of(timeline_), (Flags{"> S", "< S.", "> .", "> FP.", "< P.", "> .", "< P.",
                                          "> .", "< P.", "> .", "< F.", "> ."}));
    EXPECT_EQ(r.client.transitions,
              (Transitions{"CLOSED -> SYN-SENT", "SYN-SENT -> ESTABLISHED",
                           "ESTABLISHED -> FIN-WAIT-1", "FIN-WAIT-1 -> FIN-WAIT-2",
                           "FIN-WAIT-2 -> TIME-WAIT", "TIME-WAIT -> CLOSED"}));
    EXPECT_EQ(r.server.transitions, kPassiveOpenPassiveClose);
    EXPECT_EQ(r.client.received, "server: helloserver: more 1server: more 2");
    EXPECT_EQ(r.server.received, "hello");
}

TEST_F(Scenario, SimultaneousOpenPassesThroughSynReceivedOnBothSides) {
    const ScenarioResult r = run(variant(Variant::SimultaneousOpen));
    ASSERT_TRUE(r.finished);
    // RFC 9293 §3.5 Figure 8: the SYNs cross; each side answers with SYN,ACK.
    const Flags flags = flags_of(timeline_);
    ASSERT_GE(flags.size(), 4u);
    EXPECT_EQ(Flags(flags.begin(), flags.begin() + 4), (Flags{"> S", "< S", "> S.", "< S."}));
    const Transitions open{"CLOSED -> SYN-SENT", "SYN-SENT -> SYN-RECEIVED",
                           "SYN-RECEIVED -> ESTABLISHED"};
    ASSERT_GE(r.client.transitions.size(), 3u);
    ASSERT_GE(r.server.transitions.size(), 3u);
    EXPECT_EQ(Transitions(r.client.transitions.begin(), r.client.transitions.begin() + 3), open);
    EXPECT_EQ(Transitions(r.server.transitions.begin(), r.server.transitions.begin() + 3), open);
    EXPECT_EQ(r.client.received, "server: hello");
    EXPECT_EQ(r.server.received, "hello");
    EXPECT_EQ(r.client.final_state, tcp::State::Closed);
    EXPECT_EQ(r.server.final_state, tcp::State::Closed);
    // The fixed ports both sides connected from.
    EXPECT_NE(timeline_.entries().at(0).text.find("from port 3000"), std::string::npos);
}

TEST_F(Scenario, SimultaneousCloseGoesThroughClosingToTimeWaitOnBothSides) {
    const ScenarioResult r = run(variant(Variant::SimultaneousClose));
    ASSERT_TRUE(r.finished);
    // RFC 9293 §3.6 Figure 13: the FINs cross, each is acknowledged.
    EXPECT_EQ(flags_of(timeline_),
              (Flags{"> S", "< S.", "> .", "> P.", "< P.", "> .", "> F.", "< F.", "> .", "< ."}));
    const Transitions close{"ESTABLISHED -> FIN-WAIT-1", "FIN-WAIT-1 -> CLOSING",
                            "CLOSING -> TIME-WAIT", "TIME-WAIT -> CLOSED"};
    for (const SideResult* s : {&r.client, &r.server}) {
        ASSERT_GE(s->transitions.size(), 4u);
        EXPECT_EQ(Transitions(s->transitions.end() - 4, s->transitions.end()), close);
        EXPECT_TRUE(s->reached_time_wait);
    }
}

TEST_F(Scenario, Ipv6EchoEndsLikeIpv4) {
    ScenarioOptions o = variant(Variant::ThreePacketClose);
    o.ipv6 = true;
    const ScenarioResult r = run(o);
    ASSERT_TRUE(r.finished);
    EXPECT_EQ(flags_of(timeline_),
              (Flags{"> S", "< S.", "> .", "> P.", "< P.", "> F.", "< F.", "> ."}));
    EXPECT_EQ(r.client.transitions, kActiveOpenThreePacketClose);
    EXPECT_NE(timeline_.entries().at(3).text.find("IP6 2001:db8::1."), std::string::npos);
}

TEST_F(Scenario, ZeroDelayLinkKeepsTheSamePicture) {
    ScenarioOptions o = variant(Variant::ThreePacketClose);
    o.delay = Duration::zero();
    const ScenarioResult r = run(o);
    ASSERT_TRUE(r.finished);
    EXPECT_EQ(flags_of(timeline_),
              (Flags{"> S", "< S.", "> .", "> P.", "< P.", "> F.", "< F.", "> ."}));
}

// Every variant, over a link losing 20% of the packets each way, still ends where it should.
struct LossyCase {
    Variant variant;
    std::uint64_t seed;
};

class LossyScenario : public Scenario, public ::testing::WithParamInterface<LossyCase> {};

TEST_P(LossyScenario, EndsInTheRightStatesWithTheDataIntact) {
    ScenarioOptions o = variant(GetParam().variant);
    o.loss = 0.2;
    o.seed = GetParam().seed;
    const ScenarioResult r = run(o);
    ASSERT_TRUE(r.finished) << "seed " << o.seed;
    EXPECT_EQ(r.client.final_state, tcp::State::Closed);
    EXPECT_EQ(r.server.final_state, tcp::State::Closed);
    switch (o.variant) {
        case Variant::Refused:
            EXPECT_EQ(r.client.error, std::optional(Errc::ConnectionRefused));
            return;
        case Variant::Abort:
            EXPECT_EQ(r.client.received, "server: hello");
            EXPECT_FALSE(r.client.reached_time_wait);
            // The RST itself may be lost; then the server learns of the abort from the RST that
            // answers its next retransmission, or never (the FIN it never sends is not owed).
            return;
        case Variant::HalfClose:
            EXPECT_EQ(r.client.received, "server: helloserver: more 1server: more 2");
            EXPECT_EQ(r.server.received, "hello");
            EXPECT_TRUE(r.client.reached_time_wait);
            return;
        case Variant::SimultaneousClose:
            EXPECT_EQ(r.client.received, "server: hello");
            EXPECT_TRUE(r.client.reached_time_wait || r.server.reached_time_wait);
            return;
        default:
            EXPECT_EQ(r.client.received, "server: hello");
            EXPECT_EQ(r.server.received, "hello");
            EXPECT_TRUE(r.client.reached_time_wait);
            EXPECT_FALSE(r.client.error);
            EXPECT_FALSE(r.server.error);
            return;
    }
}

std::vector<LossyCase> lossy_cases() {
    std::vector<LossyCase> cases;
    for (Variant v :
         {Variant::ThreePacketClose, Variant::FourWayClose, Variant::Refused, Variant::Abort,
          Variant::HalfClose, Variant::SimultaneousOpen, Variant::SimultaneousClose}) {
        for (std::uint64_t seed = 1; seed <= 8; ++seed)
            cases.push_back({v, seed});
    }
    return cases;
}

INSTANTIATE_TEST_SUITE_P(AllVariants, LossyScenario, ::testing::ValuesIn(lossy_cases()),
                         [](const ::testing::TestParamInfo<LossyCase>& info) {
                             std::string name(to_string(info.param.variant));
                             for (char& c : name)
                                 if (c == '-') c = '_';
                             return name + "_seed" + std::to_string(info.param.seed);
                         });

}  // namespace
}  // namespace ustack::sim
