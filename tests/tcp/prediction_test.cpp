// Header prediction (connection_prediction.cpp): two connections, one with the short path and
// one without (Config::header_prediction), get the same segments from the peer harness; after
// every one they must be in the same state and send the same segments, while the counter shows
// which segments took the short path.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "harness.h"

namespace ustack::tcp::test {
namespace {

constexpr std::uint32_t kA = Harness::kIss + 1;      // our first data byte
constexpr std::uint32_t kB = Harness::kPeerIss + 1;  // the peer's first data byte

Config config(bool prediction) {
    Config c = Harness::default_config();
    c.header_prediction = prediction;
    return c;
}

// Everything of the connection's state the tests can see, as one line.
std::string snapshot(Harness& h) {
    const Connection& c = h.conn();
    std::string s;
    const auto put = [&](const char* name, auto v) {
        s += name;
        s += '=';
        s += std::to_string(v);
        s += ' ';
    };
    put("state", static_cast<int>(c.state()));
    put("una", c.snd_una().raw());
    put("nxt", c.snd_nxt().raw());
    put("rcv_nxt", c.rcv_nxt().raw());
    put("recv_queue", c.recv_queue());
    put("send_queue", c.send_queue());
    put("peer_fin", c.peer_fin());
    put("srtt", c.srtt().as_micros());
    put("rto", c.rto().as_micros());
    put("cwnd", c.cwnd());
    put("in_flight", c.bytes_in_flight());
    put("ts_recent", c.ts_recent());
    put("paws_rejected", c.paws_rejected());
    put("sack_serial", c.peer_sack().serial);
    put("sack_count", c.peer_sack().count);
    put("fast_retransmits", c.fast_retransmits());
    put("retransmits", c.retransmits());
    put("poll_at", c.poll_at().as_micros());
    put("events", h.events().size());
    put("transitions", h.transitions().size());
    return s;
}

// The two connections, driven alike.
struct Twins {
    Harness fast{config(true)};
    Harness full{config(false)};

    void same() {
        ASSERT_EQ(snapshot(fast), snapshot(full));
        // Whatever is owed now, segment by segment.
        for (;;) {
            const auto a = fast.transmit();
            const auto b = full.transmit();
            ASSERT_EQ(a.has_value(), b.has_value());
            if (!a) break;
            ASSERT_EQ(describe(*a), describe(*b));
            ASSERT_EQ(std::string(a->payload.begin(), a->payload.end()),
                      std::string(b->payload.begin(), b->payload.end()));
        }
        ASSERT_EQ(snapshot(fast), snapshot(full));
    }
    void deliver(const Seg& s) {
        fast.deliver(s);
        full.deliver(s);
        same();
    }
    void advance(Duration d) {
        fast.advance(d);
        full.advance(d);
        same();
    }
    void advance_to_poll_at() {
        ASSERT_TRUE(fast.advance_to_poll_at());
        ASSERT_TRUE(full.advance_to_poll_at());
        same();
    }
    std::uint32_t ts_now() { return fast.conn().ts_now(fast.now()); }
};

std::string text(std::size_t n, char c) {
    return std::string(n, c);
}

TEST(HeaderPrediction, ReceiverSideMatchesTheFullSteps) {
    Twins t;
    const Seg syn =
        seg().syn().seq(Harness::kPeerIss).win(65535).mss(1460).wscale(7).sack_ok().ts(100, 0);
    t.fast.accept(syn);
    t.full.accept(syn);
    t.same();  // the SYN-ACK
    t.deliver(seg().seq(kB).ack(kA).win(512).ts(101, t.ts_now()));
    ASSERT_EQ(t.fast.state(), State::Established);
    std::uint32_t seq = kB;
    std::uint32_t tsval = 102;
    const std::string d1000 = text(1000, 'a');
    // In-order data while nothing of ours is outstanding: the short path.
    const auto data = [&](std::uint16_t win, const std::string& payload) {
        t.deliver(seg().seq(seq).ack(kA).win(win).ts(tsval++, t.ts_now()).payload(payload));
        seq += static_cast<std::uint32_t>(payload.size());
    };
    for (int i = 0; i < 5; ++i)
        data(512, d1000);
    EXPECT_EQ(t.fast.conn().predicted_segments(), 5u);
    // The delayed ACK's timer.
    t.advance_to_poll_at();
    // A new window: still the short path (both update SND.WND alike).
    data(1024, d1000);
    EXPECT_EQ(t.fast.conn().predicted_segments(), 6u);
    // Out of order (a hole of 500 bytes): the full path; then the hole is filled (full path:
    // the reassembly queue is not empty), then in order again (short path).
    const std::uint32_t hole = seq;
    seq += 500;
    data(1024, d1000);
    const std::uint32_t after = seq;
    seq = hole;
    data(1024, text(500, 'h'));
    seq = after;
    EXPECT_EQ(t.fast.conn().predicted_segments(), 6u);
    data(1024, d1000);
    EXPECT_EQ(t.fast.conn().predicted_segments(), 7u);
    // An old TSval (PAWS drops it: RFC 7323 §5.3 R1), a duplicate, SACK blocks, URG: full path.
    t.deliver(seg().seq(seq).ack(kA).win(1024).ts(50, t.ts_now()).payload(d1000));
    t.deliver(seg().seq(seq - 1000).ack(kA).win(1024).ts(tsval++, t.ts_now()).payload(d1000));
    t.deliver(seg().seq(seq).ack(kA).win(1024).ts(tsval++, t.ts_now()).urg(3).payload("urg"));
    seq += 3;
    EXPECT_EQ(t.fast.conn().predicted_segments(), 7u);
    // The application reads; more data in order; a pure ACK at RCV.NXT (short path).
    EXPECT_EQ(t.fast.read(), t.full.read());
    t.same();
    data(1024, d1000);
    t.deliver(seg().seq(seq).ack(kA).win(1024).ts(tsval++, t.ts_now()));
    EXPECT_EQ(t.fast.conn().predicted_segments(), 9u);
    // Our data goes out: the peer's data now acknowledges nothing new while ours is
    // outstanding, so it takes the full path (loss recovery must see it).
    ASSERT_TRUE(t.fast.send("reply").has_value());
    ASSERT_TRUE(t.full.send("reply").has_value());
    t.same();
    data(1024, d1000);
    EXPECT_EQ(t.fast.conn().predicted_segments(), 9u);
    t.deliver(seg().seq(seq).ack(kA + 5).win(1024).ts(tsval++, t.ts_now()));  // short path
    EXPECT_EQ(t.fast.conn().predicted_segments(), 10u);
    // The FIN: full path.
    t.deliver(seg().fin().seq(seq).ack(kA + 5).win(1024).ts(tsval++, t.ts_now()));
    EXPECT_EQ(t.fast.conn().predicted_segments(), 10u);
    EXPECT_EQ(t.fast.state(), State::CloseWait);
    EXPECT_EQ(t.fast.read(), t.full.read());
    EXPECT_EQ(t.full.conn().predicted_segments(), 0u);
}

TEST(HeaderPrediction, SenderSideMatchesTheFullSteps) {
    Twins t;
    const Seg synack = seg().win(65535).mss(1460).wscale(2).sack_ok().ts(100, 0);
    t.fast.establish_client_with(synack);
    t.full.establish_client_with(synack);
    t.same();
    const std::string data = text(20 * 1460, 'd');
    ASSERT_TRUE(t.fast.send(data).has_value());
    ASSERT_TRUE(t.full.send(data).has_value());
    t.same();  // the initial window goes out
    std::uint32_t tsval = 101;
    const auto ack = [&](std::uint32_t a, std::uint16_t win) {
        return seg().seq(kB).ack(a).win(win).ts(tsval++, t.ts_now());
    };
    t.advance(Duration::millis(10));
    // Pure ACKs in order: the short path, with RTT samples and cwnd growth.
    t.deliver(ack(kA + 2 * 1460, 16000));
    t.deliver(ack(kA + 4 * 1460, 16000));
    EXPECT_EQ(t.fast.conn().predicted_segments(), 2u);
    // A window update on a pure ACK (short path), and duplicate ACKs with no SACK blocks
    // (short path: loss recovery counts them on the ACK step both ways).
    t.deliver(ack(kA + 4 * 1460, 20000));
    t.deliver(ack(kA + 4 * 1460, 20000));
    t.deliver(ack(kA + 4 * 1460, 20000));
    EXPECT_EQ(t.fast.conn().predicted_segments(), 5u);
    // Duplicate ACKs with SACK blocks: the full path, into fast retransmit.
    const std::uint32_t lost = kA + 4 * 1460;
    t.deliver(ack(lost, 20000).sack({{lost + 1460, lost + 2 * 1460}}));
    t.deliver(ack(lost, 20000).sack({{lost + 1460, lost + 3 * 1460}}));
    t.deliver(ack(lost, 20000).sack({{lost + 1460, lost + 4 * 1460}}));
    EXPECT_EQ(t.fast.conn().predicted_segments(), 5u);
    // The repair is acknowledged (short path), then the rest; an ACK of nothing sent (full path:
    // challenge ACK); the retransmission timer for what is left.
    t.deliver(ack(lost + 4 * 1460, 20000));
    EXPECT_EQ(t.fast.conn().predicted_segments(), 6u);
    t.deliver(ack(kA + 100000, 20000));
    EXPECT_EQ(t.fast.conn().predicted_segments(), 6u);
    t.advance_to_poll_at();
    EXPECT_EQ(t.full.conn().predicted_segments(), 0u);
}

}  // namespace
}  // namespace ustack::tcp::test
