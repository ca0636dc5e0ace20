// A peer harness for tcp::Connection: deliver segments at virtual times, expect what is sent.
#pragma once

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tcp/connection.h"

namespace ustack::tcp::test {

// A segment description, used both to build what the peer sends and to say what we expect the
// connection to send. Fields left unset are not checked in an expectation (except control and
// payload, which are always compared: say .syn()/.fin()/.rst() and .payload(...) when expected).
class Seg {
  public:
    Seg& syn() {
        control_ = wire::TcpControl::Syn;
        return *this;
    }
    Seg& fin() {
        control_ = wire::TcpControl::Fin;
        return *this;
    }
    Seg& rst() {
        control_ = wire::TcpControl::Rst;
        return *this;
    }
    Seg& psh(bool on = true) {
        psh_ = on;
        return *this;
    }
    Seg& seq(std::uint32_t s) {
        seq_ = s;
        return *this;
    }
    Seg& ack(std::uint32_t a) {
        ack_ = a;
        no_ack_ = false;
        return *this;
    }
    // Expect (or send) no ACK flag.
    Seg& no_ack() {
        ack_.reset();
        no_ack_ = true;
        return *this;
    }
    Seg& win(std::uint16_t w) {
        win_ = w;
        return *this;
    }
    Seg& mss(std::uint16_t m) {
        mss_ = m;
        return *this;
    }
    // RFC 7323 Window Scale option with this shift (sent, or expected).
    Seg& wscale(std::uint8_t shift) {
        wscale_ = shift;
        return *this;
    }
    // Expect no Window Scale option.
    Seg& no_wscale() {
        no_wscale_ = true;
        return *this;
    }
    // RFC 2018 SACK-permitted (sent, or expected present / absent).
    Seg& sack_ok(bool on = true) {
        sack_ok_ = on;
        return *this;
    }
    // RFC 7323 TSopt (sent, or expected with both values).
    Seg& ts(std::uint32_t val, std::uint32_t ecr) {
        ts_val_ = val;
        ts_ecr_ = ecr;
        return *this;
    }
    // Expect a TSopt echoing `ecr` (any TSval).
    Seg& ts_ecr(std::uint32_t ecr) {
        ts_ecr_ = ecr;
        return *this;
    }
    // Expect no TSopt.
    Seg& no_ts() {
        no_ts_ = true;
        return *this;
    }
    // RFC 2018 SACK blocks [left, right) in order (sent, or expected exactly). sack({}) expects
    // none.
    Seg& sack(std::vector<std::pair<std::uint32_t, std::uint32_t>> blocks) {
        sacks_ = std::move(blocks);
        return *this;
    }
    Seg& urg(std::uint16_t u) {
        urg_ = u;
        return *this;
    }
    Seg& payload(std::string_view p) {
        payload_ = std::string(p);
        return *this;
    }
    Seg& ports(std::uint16_t src, std::uint16_t dst) {
        src_ = src;
        dst_ = dst;
        return *this;
    }

    // The segment as the peer sends it (payload points into this Seg). Unset seq/win become 0
    // and 65535; ports default to the harness's.
    wire::TcpRepr repr(std::uint16_t src, std::uint16_t dst) const;
    // Empty when `got` matches; otherwise why not.
    std::string mismatch(const wire::TcpRepr& got) const;
    std::string describe() const;

  private:
    wire::TcpControl control_ = wire::TcpControl::None;
    std::optional<bool> psh_;
    std::optional<std::uint32_t> seq_;
    std::optional<std::uint32_t> ack_;
    bool no_ack_ = false;
    std::optional<std::uint16_t> win_;
    std::optional<std::uint16_t> mss_;
    std::optional<std::uint8_t> wscale_;
    bool no_wscale_ = false;
    std::optional<bool> sack_ok_;
    std::optional<std::uint32_t> ts_val_;
    std::optional<std::uint32_t> ts_ecr_;
    bool no_ts_ = false;
    std::optional<std::vector<std::pair<std::uint32_t, std::uint32_t>>> sacks_;
    std::optional<std::uint16_t> urg_;
    std::optional<std::uint16_t> src_;
    std::optional<std::uint16_t> dst_;
    std::string payload_;
};

inline Seg seg() {
    return Seg{};
}

// tcpdump-like one line: "Flags [S.], seq 1000, ack 5001, win 65535, options [mss 1460], length 0".
std::string describe(const wire::TcpRepr& r);

// Drives one Connection as its peer. Our side is port 40000 with ISS 1000; the peer is port 80
// and (by convention in the tests) starts its sequence numbers at 5000.
class Harness {
  public:
    static constexpr std::uint16_t kLocalPort = 40000;
    static constexpr std::uint16_t kRemotePort = 80;
    static constexpr std::uint32_t kIss = 1000;
    static constexpr std::uint32_t kPeerIss = 5000;

    explicit Harness(Config config = default_config());
    static Config default_config();

    Connection& conn() { return *conn_; }
    State state() const { return conn_->state(); }
    Instant now() const { return now_; }

    // Opens actively / passively (the peer's SYN) at now().
    void connect();
    void accept(const Seg& syn);

    // The peer's segment arrives at now().
    void deliver(const Seg& s);
    // One poll_transmit at now(); the segment, if any, is kept in last() until the next call.
    std::optional<wire::TcpRepr> transmit();
    // The next segment sent at now() must match `s` (readable message otherwise).
    ::testing::AssertionResult expect(const Seg& s);
    // Nothing may be sent at now().
    ::testing::AssertionResult expect_nothing();
    // Pulls everything owed at now() and returns how many segments came out.
    std::size_t flush();

    // User verbs with strings.
    Result<std::size_t> send(std::string_view data);
    // Reads everything readable now (empty when nothing; see conn().recv for errors).
    std::string read();

    void advance(Duration d) { now_ += d; }
    // Moves the clock to conn().poll_at() (which must be a real deadline).
    ::testing::AssertionResult advance_to_poll_at();

    // Every StateChanged as "A -> B", in order, since the start.
    const std::vector<std::string>& transitions();
    // Every event since the start.
    const std::vector<Event>& events();
    // Whether an event of this kind was reported (and for Closed, with this error).
    bool saw(EventKind kind);
    std::optional<Errc> closed_error();

    // Reach ESTABLISHED: as client (SYN, SYN-ACK, ACK) or as server (SYN, SYN-ACK, ACK).
    // After either, our next byte is 1001 and the peer's is 5001.
    void establish_client(std::uint16_t peer_window = 65535);
    void establish_server(std::uint16_t peer_window = 65535);
    // The same with the peer's SYN-ACK (client) or SYN (server) as given: its seq is set to
    // kPeerIss (and the SYN-ACK's ack to kIss + 1); add options to negotiate them. The third
    // segment (server) is `third`, whose seq/ack are set likewise.
    void establish_client_with(Seg synack);
    void establish_server_with(Seg syn, Seg third);

  private:
    void drain();

    std::optional<Connection> conn_;
    Config config_;
    Instant now_ = Instant::from_micros(1'000'000);
    std::array<std::uint8_t, 65536> space_{};
    std::vector<std::string> transitions_;
    std::vector<Event> events_;
};

#define EXPECT_SENT(h, s) EXPECT_TRUE((h).expect(s))
#define EXPECT_SILENT(h) EXPECT_TRUE((h).expect_nothing())

}  // namespace ustack::tcp::test
