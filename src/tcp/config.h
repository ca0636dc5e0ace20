// Per-connection TCP settings with Linux-like defaults (RFC 9293, RFC 6298, RFC 1122, RFC 5482).
#pragma once

#include <cstddef>
#include <cstdint>

#include "base/time.h"
#include "tcp/rtt.h"

namespace ustack::tcp {

// SO_LINGER. Only `on && seconds == 0` changes what the Connection does (close() sends RST
// instead of FIN, RFC 9293 §3.10.5 ABORT); a non-zero linger time is how long the socket layer
// blocks in close(), which is not the TCB's business.
struct Linger {
    bool on = false;
    std::uint32_t seconds = 0;
};

// SO_KEEPALIVE with TCP_KEEPIDLE, TCP_KEEPINTVL and TCP_KEEPCNT (RFC 1122 §4.2.3.6: off by
// default, and the idle interval "MUST default to no less than two hours"). Defaults as Linux.
struct Keepalive {
    bool on = false;
    Duration idle = Duration::seconds(7200);    // quiet time before the first probe
    Duration interval = Duration::seconds(75);  // between unanswered probes
    std::uint32_t count = 9;                    // unanswered probes before TimedOut
};

// Which congestion controller a connection runs (RFC 5681 NewReno, RFC 9438 CUBIC).
enum class CongestionControl : std::uint8_t { Cubic, NewReno };

struct Config {
    // Our MSS: what the SYN / SYN-ACK advertises and the largest segment we send. The Stack sets
    // it from the interface MTU: 1500 - 20 - 20 = 1460 (IPv4), 1500 - 40 - 20 = 1440 (IPv6).
    std::uint16_t mss = 1460;
    // RFC 9293 §3.7.1 (MUST-15): the send MSS when the peer's SYN carries no MSS option is 536
    // for IPv4; the Stack sets 1220 for IPv6 (RFC 8200 §5 minimum MTU 1280 - 60).
    std::uint16_t default_peer_mss = 536;

    // Ring sizes (no allocation per segment). The send ring is fixed; the receive ring starts at
    // recv_buffer and grows with auto-tuning up to recv_buffer_max (below). Without window
    // scaling (RFC 7323, when the peer does not offer it) the window we can offer is at most
    // 65535, so a larger receive buffer only holds data the application has not yet read.
    std::size_t send_buffer = 64 * 1024;
    std::size_t recv_buffer = 64 * 1024;

    // Deviation: Linux's 200 ms minimum RTO rather than RFC 6298 §2.4's 1 s. The stack is meant to
    // be watched next to Linux peers and captures; with the RFC floor every tail loss in a
    // simulated LAN costs a full second. RttConfig::rfc6298() restores the letter of the RFC.
    RttConfig rtt = RttConfig::linux_like();

    // Deviation: RFC 9293 §3.3.2 has TIME-WAIT last 2*MSL with MSL = 2 minutes (4 minutes in all);
    // Linux uses a fixed 60 s (TCP_TIMEWAIT_LEN), and so do we by default.
    Duration time_wait = Duration::seconds(60);

    // RFC 1122 §4.2.3.2: an ACK "MUST NOT be excessively delayed; ... the delay MUST be less than
    // 0.5 seconds"; 40 ms is Linux's TCP_DELACK_MIN.
    Duration delayed_ack = Duration::millis(40);
    // Deviation: Linux's quick-ack mode (TCP_MAX_QUICKACKS): the first this-many full-sized
    // in-order data segments of a connection are ACKed at once rather than delayed, so the
    // peer's slow start is not held back by our delayed ACKs. Smaller segments (a request) are
    // delayed as usual, so the ACK can ride on the reply; and quick-ack ends as soon as we send
    // data (the connection is interactive). An out-of-order segment starts quick-ack mode
    // again for up to this many (and half a window's worth, at least 2), as Linux 2.6-4.17 did
    // (Connection::enter_quick_ack). Zero: RFC 1122 delayed ACKs from the start, and always.
    std::uint32_t quick_acks = 16;

    // Deviation: Linux's tcp_syn_retries (6) and tcp_synack_retries (5): with a 1 s initial RTO
    // and doubling, a SYN is given up after 1+2+4+8+16+32+64 = 127 s.
    std::uint32_t syn_retries = 6;
    std::uint32_t synack_retries = 5;
    // RFC 9293 §3.8.3 R2 for data: give up (TimedOut) after this many consecutive timeouts
    // without any acceptable ACK (Linux tcp_retries2).
    std::uint32_t max_retransmits = 15;

    // An overall limit on SYN-SENT, independent of syn_retries. Zero: no limit but the retries.
    Duration connect_timeout = Duration::zero();
    // RFC 5482 / RFC 9293 §3.10.8 USER TIMEOUT: abort (TimedOut) when sent data stays
    // unacknowledged this long. Zero: off (only max_retransmits applies).
    Duration user_timeout = Duration::zero();
    // Deviation: Linux's tcp_fin_timeout. After close() (not after shutdown_write(), where the
    // application may still read) FIN-WAIT-2 is left for CLOSED after this long. RFC 9293 has
    // no such timer. Zero: wait forever as the RFC does.
    Duration fin_wait2_timeout = Duration::seconds(60);

    // RFC 5961 §7: at most this many challenge ACKs per connection per second.
    // Deviation: Linux limits challenge ACKs per host (tcp_challenge_ack_limit, 1000/s); a
    // host-wide counter is global state, which we do not keep, so the limit is per connection.
    std::uint32_t challenge_ack_limit = 10;

    // RFC 1337 §3 (TW-assassination hazard): when true, a RST in TIME-WAIT is ignored.
    // Default false as RFC 9293 §3.10.7.4 and Linux (net.ipv4.tcp_rfc1337 = 0).
    bool rfc1337 = false;

    // TCP_NODELAY: when false, Nagle's algorithm (RFC 1122 §4.2.3.4, RFC 896) holds a small
    // segment while earlier data is unacknowledged.
    bool no_delay = false;

    Linger linger;
    Keepalive keepalive;

    // Options offered in our SYN / SYN-ACK and used when the peer offers them too:
    // RFC 7323 window scaling and timestamps, RFC 2018 SACK (with RFC 2883 D-SACK).
    bool window_scale = true;
    bool timestamps = true;
    bool sack = true;
    // Receive buffer auto-tuning: the receive ring may grow up to this many bytes when the
    // application keeps up and the sender fills the window (0, or <= recv_buffer: fixed). The
    // window scale we offer is sized for max(recv_buffer, recv_buffer_max) (RFC 7323 §2.3, at
    // most 14: a window of up to 1 GiB). For 1 Gbit/s x 300 ms (37.5 MB in flight) use at least
    // 40 MB here and as send_buffer.
    std::size_t recv_buffer_max = 0;

    // Deviation: CUBIC (RFC 9438) by default, as Linux; NewReno (RFC 5681, RFC 6582) on request.
    CongestionControl congestion = CongestionControl::Cubic;
    // RFC 9406 HyStart++: the initial slow start ends when the RTT rises (through Conservative
    // Slow Start) rather than at the first loss, for either controller; on by default, as
    // Linux runs HyStart with CUBIC. It keeps a 1 Gbit/s x 300 ms flow from overshooting into
    // a one-BDP queue (965 Mbit/s after slow start instead of 947 without it). It was off while
    // two flows on the deterministic simulated link could lock into an unfair cycle (Jain 0.92)
    // for some start offsets; that was a drop-tail phase effect seen without HyStart++ too,
    // and a little link jitter (dev::LinkConfig::jitter) ends it either way (tests/sim
    // fairness_test.cpp).
    bool hystart = true;
    // RFC 8985 §7 Tail Loss Probe (with SACK only): when the ACKs stop with data in flight, one
    // segment goes after about two RTTs instead of waiting for the RTO (a lost tail, or a lost
    // ACK leaving the receiver to delay its next one). On by default, as Linux.
    bool tail_loss_probe = true;
    // RFC 6928: an initial window of 10 segments.
    std::uint32_t initial_window_segments = 10;
    // Header prediction (connection_prediction.cpp): in ESTABLISHED, the segments a transfer is
    // made of (in-order data while nothing is outstanding, in-order pure ACKs) skip the checks
    // RFC 9293 §3.10.7.4 would find passed. Off only to compare the two paths (tests).
    bool header_prediction = true;
};

}  // namespace ustack::tcp
