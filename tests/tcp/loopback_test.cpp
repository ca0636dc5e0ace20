// Two Connections wired back to back over a lossy, reordering virtual link: whole transfers and
// closes must come out right (RFC 9293 end to end, RFC 6298 recovery, RFC 9293 §3.8.6 windows).
#include <gtest/gtest.h>

#include <deque>
#include <string>
#include <vector>

#include "tcp/connection.h"

namespace ustack::tcp::test {
namespace {

struct InFlight {
    Instant at;
    bool to_server = false;
    wire::TcpRepr seg;
    std::vector<std::uint8_t> payload;
};

// A deterministic little generator (the test must not depend on a global source).
struct Lcg {
    std::uint64_t s;
    std::uint32_t next() {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        return static_cast<std::uint32_t>(s >> 33);
    }
    bool chance(double p) { return (next() % 10000) < p * 10000; }
};

struct Result {
    std::string received_by_server;
    std::string received_by_client;
    State client_state = State::Closed;
    State server_state = State::Closed;
    Instant end;
    // The client's (uploader's) loss-recovery counters at the end.
    std::uint32_t fast_retransmits = 0;
    std::uint32_t rto_events = 0;
    std::uint32_t retransmits = 0;
    // Segments both ends took by header prediction.
    std::uint64_t predicted = 0;
    // Every segment put on the link, in order (direction, flags, seq, ack, window, length).
    std::vector<std::string> trace;
};

Result run(const std::string& upload, const std::string& download, double loss, double reorder,
           std::uint64_t seed, Config cfg = Config{}) {
    cfg.time_wait = Duration::seconds(1);
    Lcg rng{seed};
    Instant now = Instant::from_micros(0);
    const Duration delay = Duration::millis(5);
    std::optional<Connection> client =
        Connection::active_open(cfg, 40000, 80, wire::SeqNum(123456), now);
    std::optional<Connection> server;
    std::deque<InFlight> link;
    std::size_t up_off = 0, down_off = 0;
    bool client_shut = false, server_shut = false;
    Result r;
    std::array<std::uint8_t, 2048> space{};
    std::array<std::uint8_t, 8192> buf{};
    for (int step = 0; step < 2000000; ++step) {
        // applications
        if (client) {
            if (up_off < upload.size()) {
                auto n = client->send(
                    Bytes(reinterpret_cast<const std::uint8_t*>(upload.data()) + up_off,
                          upload.size() - up_off));
                if (n) up_off += *n;
            } else if (!client_shut && client->state() == State::Established) {
                (void)client->shutdown_write();
                client_shut = true;
            }
            while (auto n = client->recv(MutBytes(buf))) {
                if (*n == 0) break;
                r.received_by_client.append(reinterpret_cast<char*>(buf.data()), *n);
            }
        }
        if (server) {
            if (down_off < download.size()) {
                auto n = server->send(
                    Bytes(reinterpret_cast<const std::uint8_t*>(download.data()) + down_off,
                          download.size() - down_off));
                if (n) down_off += *n;
            }
            while (auto n = server->recv(MutBytes(buf))) {
                if (*n == 0) break;
                r.received_by_server.append(reinterpret_cast<char*>(buf.data()), *n);
            }
            if (!server_shut && server->peer_fin() && down_off == download.size()) {
                (void)server->close();
                server_shut = true;
            }
        }
        // transmit
        for (int side = 0; side < 2; ++side) {
            Connection* c = side == 0 ? &*client : (server ? &*server : nullptr);
            if (!c) continue;
            while (auto s = c->poll_transmit(now, MutBytes(space))) {
                r.trace.push_back(
                    std::to_string(now.as_micros()) + (side == 0 ? " > " : " < ") +
                    std::to_string(s->flags().bits()) + " " + std::to_string(s->seq.raw()) + " " +
                    std::to_string(s->ack.value_or(wire::SeqNum(0)).raw()) + " " +
                    std::to_string(s->window) + " " + std::to_string(s->payload.size()));
                if (rng.chance(loss)) continue;
                InFlight f{now + delay, side == 0, *s, {}};
                f.payload.assign(s->payload.begin(), s->payload.end());
                if (rng.chance(reorder)) f.at += Duration::millis(3);
                link.push_back(std::move(f));
            }
        }
        // deliver what is due
        std::sort(link.begin(), link.end(),
                  [](const InFlight& a, const InFlight& b) { return a.at < b.at; });
        while (!link.empty() && link.front().at <= now) {
            InFlight f = std::move(link.front());
            link.pop_front();
            f.seg.payload = Bytes(f.payload);
            if (f.to_server) {
                if (!server && f.seg.control == wire::TcpControl::Syn && !f.seg.ack) {
                    server = Connection::passive_open(cfg, f.seg, wire::SeqNum(0xfffff000), now);
                } else if (server) {
                    server->on_segment(f.seg, now);
                }
            } else {
                client->on_segment(f.seg, now);
            }
        }
        const bool done = client->state() == State::Closed && server &&
                          server->state() == State::Closed && link.empty();
        if (done) break;
        Instant next = client->poll_at();
        if (server) next = std::min(next, server->poll_at());
        if (!link.empty()) next = std::min(next, link.front().at);
        if (next == Instant::never()) break;
        now = std::max(now, next);
    }
    r.client_state = client->state();
    r.fast_retransmits = client->fast_retransmits();
    r.rto_events = client->rto_events();
    r.retransmits = client->retransmits();
    r.server_state = server ? server->state() : State::Closed;
    r.predicted = client->predicted_segments() + (server ? server->predicted_segments() : 0);
    r.end = now;
    return r;
}

std::string pattern(std::size_t n, std::uint32_t seed) {
    std::string s(n, '\0');
    Lcg g{seed};
    for (auto& c : s)
        c = static_cast<char>(g.next());
    return s;
}

TEST(Retransmit, LosslessLoopbackTransferAndOrderlyClose) {
    const auto up = pattern(300000, 1), down = pattern(200000, 2);
    const Result r = run(up, down, 0.0, 0.0, 7);
    EXPECT_TRUE(r.received_by_server == up);
    EXPECT_TRUE(r.received_by_client == down);
    EXPECT_EQ(r.client_state, State::Closed);
    EXPECT_EQ(r.server_state, State::Closed);
}

TEST(Retransmit, LossyLoopbackDeliversBytesIntact) {
    const auto up = pattern(500000, 3), down = pattern(100000, 4);
    const Result r = run(up, down, 0.05, 0.0, 11);
    EXPECT_EQ(r.received_by_server.size(), up.size());
    EXPECT_TRUE(r.received_by_server == up);
    EXPECT_TRUE(r.received_by_client == down);
    EXPECT_EQ(r.client_state, State::Closed);
    EXPECT_EQ(r.server_state, State::Closed);
}

TEST(Retransmit, ReorderingLoopbackDeliversBytesIntact) {
    const auto up = pattern(300000, 5), down = pattern(300000, 6);
    const Result r = run(up, down, 0.02, 0.05, 13);
    EXPECT_TRUE(r.received_by_server == up);
    EXPECT_TRUE(r.received_by_client == down);
    EXPECT_EQ(r.client_state, State::Closed);
    EXPECT_EQ(r.server_state, State::Closed);
}

// Header prediction (Config::header_prediction) only shortens the way: with it and without it,
// lossy and reordering transfers both ways put exactly the same segments on the link at the same
// times and end the same, while segments take the short path with it.
TEST(HeaderPrediction, LoopbackTransfersAreTheSameWithAndWithoutIt) {
    const auto up = pattern(400000, 21), down = pattern(150000, 22);
    for (const double loss : {0.0, 0.02}) {
        for (const double reorder : {0.0, 0.05}) {
            for (const bool sack : {true, false}) {
                SCOPED_TRACE(testing::Message()
                             << "loss " << loss << " reorder " << reorder << " sack " << sack);
                Config fast;
                fast.sack = sack;
                Config full = fast;
                full.header_prediction = false;
                const Result a = run(up, down, loss, reorder, 23, fast);
                const Result b = run(up, down, loss, reorder, 23, full);
                EXPECT_TRUE(a.received_by_server == up);
                EXPECT_TRUE(a.received_by_client == down);
                EXPECT_TRUE(b.received_by_server == up);
                EXPECT_TRUE(b.received_by_client == down);
                EXPECT_EQ(a.client_state, b.client_state);
                EXPECT_EQ(a.server_state, b.server_state);
                EXPECT_EQ(a.end, b.end);
                EXPECT_EQ(a.fast_retransmits, b.fast_retransmits);
                EXPECT_EQ(a.rto_events, b.rto_events);
                EXPECT_EQ(a.retransmits, b.retransmits);
                ASSERT_EQ(a.trace.size(), b.trace.size());
                for (std::size_t i = 0; i < a.trace.size(); ++i)
                    ASSERT_EQ(a.trace[i], b.trace[i]) << "segment " << i;
                EXPECT_EQ(b.predicted, 0u);
                // Every run takes the short path; without loss or reordering, for most segments.
                EXPECT_GT(a.predicted, 0u);
                if (loss == 0.0 && reorder == 0.0) {
                    EXPECT_GT(a.predicted, a.trace.size() / 2);
                }
            }
        }
    }
}

// Losses in a long transfer are repaired mostly by fast retransmit (RFC 5681 §3.2, RFC 6675 with
// SACK, RFC 6582 without), not by the retransmission timer.
TEST(Recovery, LossyLoopbackRepairsLossesByFastRetransmit) {
    const auto up = pattern(2000000, 7);
    for (const bool sack : {true, false}) {
        for (const CongestionControl cc : {CongestionControl::Cubic, CongestionControl::NewReno}) {
            Config cfg;
            cfg.sack = sack;
            cfg.congestion = cc;
            const Result r = run(up, "", 0.01, 0.0, 17, cfg);
            SCOPED_TRACE(testing::Message() << "sack " << sack << " cc " << static_cast<int>(cc));
            EXPECT_TRUE(r.received_by_server == up);
            EXPECT_EQ(r.client_state, State::Closed);
            EXPECT_EQ(r.server_state, State::Closed);
            EXPECT_GT(r.fast_retransmits, 0u);
            EXPECT_LT(r.rto_events, r.fast_retransmits);
            EXPECT_GE(r.retransmits, r.fast_retransmits + r.rto_events);
        }
    }
}

// RFC 7323 §4.1 and §4.3 end to end: the server's ACK of "ping" is lost, the client's RTO
// resends it, and the server's answer to the copy must echo the copy's TSval. Were it to echo the
// original's (TS.Recent left at the last in-order segment), the client's sample would be the RTO
// plus the RTT, and every later lost ACK would push SRTT and the RTO further up.
TEST(Rttm, LostAckDoesNotPutTheRetransmitTimeoutIntoTheSendersSrtt) {
    Config cfg;
    cfg.no_delay = true;
    const Duration delay = Duration::millis(5);
    Instant now = Instant::from_micros(0);
    std::optional<Connection> client =
        Connection::active_open(cfg, 40000, 80, wire::SeqNum(123456), now);
    std::optional<Connection> server;
    std::deque<InFlight> link;
    std::array<std::uint8_t, 2048> space{};
    bool sent = false, dropped = false;
    Duration srtt_before;
    for (int step = 0; step < 10000; ++step) {
        if (!sent && client->state() == State::Established) {
            srtt_before = client->srtt();
            const std::string ping = "ping";
            ASSERT_TRUE(client->send(
                Bytes(reinterpret_cast<const std::uint8_t*>(ping.data()), ping.size())));
            sent = true;
        }
        for (int side = 0; side < 2; ++side) {
            Connection* c = side == 0 ? &*client : (server ? &*server : nullptr);
            if (!c) continue;
            while (auto s = c->poll_transmit(now, MutBytes(space))) {
                // The first ACK the server sends for the data is lost.
                if (side == 1 && !dropped && sent && s->payload.empty() &&
                    server->recv_queue() == 4) {
                    dropped = true;
                    continue;
                }
                InFlight f{now + delay, side == 0, *s, {}};
                f.payload.assign(s->payload.begin(), s->payload.end());
                link.push_back(std::move(f));
            }
        }
        while (!link.empty() && link.front().at <= now) {
            InFlight f = std::move(link.front());
            link.pop_front();
            f.seg.payload = Bytes(f.payload);
            if (!f.to_server) {
                client->on_segment(f.seg, now);
            } else if (server) {
                server->on_segment(f.seg, now);
            } else {
                server = Connection::passive_open(cfg, f.seg, wire::SeqNum(0xfffff000), now);
            }
        }
        if (dropped && client->send_queue() == 0) break;
        Instant next = client->poll_at();
        if (server) next = std::min(next, server->poll_at());
        if (!link.empty()) next = std::min(next, link.front().at);
        if (next == Instant::never()) break;
        now = std::max(now, next);
    }
    ASSERT_TRUE(dropped);
    ASSERT_EQ(client->send_queue(), 0u);  // "ping" acknowledged, after the RTO resent it
    EXPECT_EQ(client->rto_events(), 1u);
    // The handshake measured the 10 ms path; the copy's ACK measures it again, not 1 s more.
    EXPECT_EQ(srtt_before, Duration::millis(10));
    EXPECT_EQ(client->srtt(), Duration::millis(10));
}

}  // namespace
}  // namespace ustack::tcp::test
