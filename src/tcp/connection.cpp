// tcp::Connection: opening, the user verbs (RFC 9293 §3.10.1 - §3.10.5) and state bookkeeping.
#include <algorithm>
#include <limits>

#include "tcp/connection.h"

namespace ustack::tcp {

using wire::SeqNum;
using wire::TcpControl;
using wire::TcpRepr;

namespace {
// NOP, NOP, TSopt: RFC 7323 §3.2's 10 bytes in the aligned layout every data segment uses.
constexpr std::uint32_t kTimestampsOptionLen = 12;
}  // namespace

namespace {
// `spare` taken over, emptied, when it has the capacity asked for; else a new ring.
RingBuffer ring_of(RingBuffer* spare, std::size_t capacity) {
    if (spare == nullptr || spare->capacity() != capacity) return RingBuffer(capacity);
    RingBuffer ring = std::move(*spare);
    ring.clear();
    return ring;
}
}  // namespace

Connection::Connection(const Config& config, std::uint16_t local_port, std::uint16_t remote_port,
                       SeqNum iss, Instant now, Rings* spare)
    : config_(config),
      local_port_(local_port),
      remote_port_(remote_port),
      now_(now),
      iss_(iss),
      snd_una_(iss),
      snd_nxt_(iss),
      snd_max_(iss),
      peer_mss_(config.default_peer_mss),
      tx_(ring_of(spare ? &spare->tx : nullptr, config.send_buffer)),
      rx_(ring_of(spare ? &spare->rx : nullptr, config.recv_buffer)),
      rtt_(config.rtt),
      challenge_window_(now),
      rcv_space_at_(now),
      rcv_rtt_at_(Instant::never()) {
    // RFC 7323 §2.3: offer the smallest shift that lets the largest receive buffer we may grow
    // to be advertised whole, at most 14. (Linux offers ilog2(space) - 15; same purpose.)
    const std::size_t space = std::max(config.recv_buffer, config.recv_buffer_max);
    while (rcv_wscale_offer_ < 14 && (std::size_t{65535} << rcv_wscale_offer_) < space) {
        ++rcv_wscale_offer_;
    }
    // RFC 7323 §5.4 / §7.1: TSval counts milliseconds from a per-connection random offset, so a
    // peer learns neither our uptime nor other connections' clocks. The ISN (RFC 6528) is
    // already unpredictable per connection; a 32-bit mix of it gives the offset with no state.
    std::uint32_t x = iss.raw() ^ 0x9e3779b9u;
    x ^= x >> 16;
    x *= 0x85ebca6bu;
    x ^= x >> 13;
    x *= 0xc2b2ae35u;
    x ^= x >> 16;
    ts_offset_ = x;
    // Delayed ACK: "full-sized" is the largest segment seen, starting from the RFC 9293 §3.7.1
    // default (as Linux's initial rcv_mss estimate).
    rcv_mss_ = std::min<std::uint16_t>(config.mss, 536);
    quick_acks_ = config.quick_acks;
    // Auto-tuning starts from the initial window a sender may fill in its first RTT (RFC 6928:
    // ten segments), as Linux's rcvq_space.
    rcv_space_ = std::min<std::size_t>(config.recv_buffer,
                                       std::size_t{config.initial_window_segments} * config.mss);
}

Connection::Connection(ActiveOpen, const Config& config, std::uint16_t local_port,
                       std::uint16_t remote_port, SeqNum iss, Instant now, Rings* spare)
    : Connection(config, local_port, remote_port, iss, now, spare) {
    // RFC 9293 §3.10.1 OPEN, CLOSED state, active: "issue a SYN segment ... Set SND.UNA to ISS,
    // SND.NXT to ISS+1, enter SYN-SENT state" (SND.NXT moves when poll_transmit sends the SYN).
    set_state(State::SynSent);
    if (config.connect_timeout > Duration::zero()) {
        connect_timer_.arm_after(now, config.connect_timeout);
    }
}

Connection::Connection(PassiveOpen, const Config& config, const TcpRepr& syn, SeqNum iss,
                       Instant now, Rings* spare)
    : Connection(config, syn.dst_port, syn.src_port, iss, now, spare) {
    passive_ = true;
    state_ = State::Listen;
    // RFC 9293 §3.10.7.2 LISTEN, third (SYN): "Set RCV.NXT to SEG.SEQ+1, IRS is set to SEG.SEQ
    // ... ISS should be selected and a SYN segment sent of the form <SEQ=ISS><ACK=RCV.NXT>
    // <CTL=SYN,ACK>. SND.NXT is set to ISS+1 and SND.UNA to ISS."
    irs_ = syn.seq;
    rcv_nxt_ = syn.seq + 1;
    rcv_adv_ = rcv_nxt_;
    last_ack_sent_ = rcv_nxt_;
    take_peer_syn_options(syn);
    // RFC 7323 §2.2: the window field of a SYN is never scaled.
    snd_wnd_ = syn.window;
    max_snd_wnd_ = syn.window;
    snd_wl1_ = syn.seq;
    snd_wl2_ = iss;
    set_state(State::SynReceived);
}

Connection Connection::active_open(const Config& config, std::uint16_t local_port,
                                   std::uint16_t remote_port, SeqNum iss, Instant now,
                                   Rings* spare) {
    return Connection(ActiveOpen{}, config, local_port, remote_port, iss, now, spare);
}

Connection Connection::passive_open(const Config& config, const TcpRepr& syn, SeqNum iss,
                                    Instant now, Rings* spare) {
    return Connection(PassiveOpen{}, config, syn, iss, now, spare);
}

Rings Connection::release_rings() {
    forget_poll_at();
    Rings r{std::move(tx_), std::move(rx_)};
    r.tx.clear();
    r.rx.clear();
    return r;
}

std::uint16_t Connection::send_mss() const {
    return std::max<std::uint16_t>(1, std::min({peer_mss_, config_.mss, path_mss_}));
}

std::uint32_t Connection::smss() const {
    // RFC 5681 §2 SMSS excludes options (RFC 6691 §2): the payload of a full-sized segment less
    // the timestamps option every data segment carries once negotiated.
    const std::uint32_t opts = ts_ok_ ? kTimestampsOptionLen : 0;
    const std::uint32_t mss = send_mss();
    return mss > opts ? mss - opts : 1;
}

std::uint32_t Connection::cwnd() const {
    if (recovery_) return recovery_->cwnd();
    // RFC 6928 §2: the initial window; one segment after a lost SYN or SYN-ACK.
    return syn_timed_out_ ? smss() : initial_window(smss(), config_.initial_window_segments);
}

std::uint32_t Connection::ssthresh() const {
    // RFC 5681 §3.1: "The initial value of ssthresh SHOULD be set arbitrarily high".
    return recovery_ ? recovery_->ssthresh() : std::numeric_limits<std::uint32_t>::max();
}

std::uint32_t Connection::bytes_in_flight() const {
    if (recovery_) return recovery_->in_flight();
    return static_cast<std::uint32_t>(snd_max_ - snd_una_);
}

void Connection::start_recovery() {
    // The handshake is done: SND.MAX is ISS + 1 and nothing else was sent (no data goes before
    // ESTABLISHED), so the scoreboard starts empty there, whether or not the SYN is acked yet.
    // RFC 6928 §2: the initial window (Config::initial_window_segments) of SMSS-sized segments.
    recovery_.emplace(config_.congestion, smss(), config_.initial_window_segments, sack_ok_,
                      snd_max_, config_.hystart);
    // RFC 6928 §2 / RFC 5681 §3.1: after a retransmitted SYN or SYN-ACK the window is 1 SMSS.
    if (syn_timed_out_) recovery_->on_syn_loss();
}

// ---- user verbs

Result<std::size_t> Connection::send(Bytes data) {
    forget_poll_at();
    // RFC 9293 §3.10.2 SEND: after CLOSE (or our FIN), "error: connection closing".
    if (fin_queued_ || user_closed_) {
        return state_ == State::Closed && error_ ? fail(*error_) : fail(Errc::BrokenPipe);
    }
    if (state_ == State::Closed) return fail(error_.value_or(Errc::NotConnected));
    if (data.empty()) return 0;
    // SYN-SENT / SYN-RECEIVED: "queue the data for transmission after entering ESTABLISHED".
    const std::size_t n = tx_.enqueue(data);
    if (n == 0) return fail(Errc::WouldBlock);
    arm_persist(now_);
    return n;
}

Result<std::size_t> Connection::recv(MutBytes out) {
    forget_poll_at();
    if (user_closed_) return fail(Errc::NotConnected);
    if (!rx_.empty()) {
        const std::size_t n = rx_.dequeue(out);
        bytes_read_ += n;
        autotune_recv_buffer();
        // RFC 1122 §4.2.3.3 (receiver SWS avoidance) and RFC 9293 §3.8.6.2.2: announce the
        // reopened window only when it grew by min(buffer / 2, MSS) and at least doubled what
        // the peer may still send (Linux's rule in tcp_cleanup_rbuf).
        if (n > 0 && !rcv_fin_ &&
            (state_ == State::Established || state_ == State::FinWait1 ||
             state_ == State::FinWait2)) {
            const std::uint32_t adv = rcv_wnd();
            const std::uint32_t win = receive_window_now();
            const std::uint32_t step =
                static_cast<std::uint32_t>(std::min<std::size_t>(rx_.capacity() / 2, config_.mss));
            if (win >= adv + step && win >= 2 * adv) ack_now_ = true;
        }
        return n;
    }
    if (rcv_fin_) return 0;  // RFC 9293 §3.10.3: "connection closing" = end of stream
    if (state_ == State::Closed) return fail(error_.value_or(Errc::NotConnected));
    return fail(Errc::WouldBlock);
}

Result<void> Connection::shutdown_write() {
    forget_poll_at();
    if (state_ == State::Closed) return fail(error_.value_or(Errc::NotConnected));
    queue_fin();
    return {};
}

Result<void> Connection::close() {
    forget_poll_at();
    switch (state_) {
        case State::Closed:
        case State::Listen:
            // RFC 9293 §3.10.4 CLOSED: "error: connection does not exist".
            return fail(Errc::NotConnected);
        case State::SynSent:
            // RFC 9293 §3.10.4 SYN-SENT: "Delete the TCB and return 'error: closing'".
            user_closed_ = true;
            tx_.clear();
            enter_closed(std::nullopt);
            return {};
        default:
            break;
    }
    if (user_closed_) return {};  // already closed: nothing more to do
    user_closed_ = true;
    const bool rst_state = state_ == State::SynReceived || state_ == State::Established ||
                           state_ == State::FinWait1 || state_ == State::FinWait2 ||
                           state_ == State::CloseWait;
    // Deviation: Linux (tcp_close) resets rather than closes when received data was never read
    // (RFC 2525 §2.17), and SO_LINGER {on, 0} makes close() an abort.
    if (rst_state && (!rx_.empty() || (config_.linger.on && config_.linger.seconds == 0))) {
        abort_with_rst(std::nullopt);
        return {};
    }
    // RFC 9293 §3.10.4 ESTABLISHED: "Queue this until all preceding SENDs have been segmentized,
    // then form a FIN segment and send it. In any case, enter FIN-WAIT-1 state." CLOSE-WAIT:
    // "... enter LAST-ACK state". FIN-WAIT-1/2, CLOSING, LAST-ACK, TIME-WAIT: already closing.
    queue_fin();
    if (state_ == State::FinWait2 && config_.fin_wait2_timeout > Duration::zero()) {
        fin_wait2_timer_.arm_after(now_, config_.fin_wait2_timeout);
    }
    return {};
}

Result<void> Connection::abort(Errc error) {
    forget_poll_at();
    switch (state_) {
        case State::Closed:
        case State::Listen:
            return fail(Errc::NotConnected);
        case State::SynSent:
        case State::Closing:
        case State::LastAck:
        case State::TimeWait:
            // RFC 9293 §3.10.5: no reset in these states; "delete the TCB, enter CLOSED".
            tx_.clear();
            rx_.clear();
            enter_closed(error);
            return {};
        default:
            // RFC 9293 §3.10.5 SYN-RECEIVED .. CLOSE-WAIT: "Send a reset segment:
            // <SEQ=SND.NXT><CTL=RST>".
            abort_with_rst(error);
            return {};
    }
}

// ---- bookkeeping

void Connection::set_state(State to) {
    if (to == state_) return;
    events_.push(Event{EventKind::StateChanged, state_, to, std::nullopt});
    // With keep-alive off the timer is never armed: no rearm to work out.
    const bool keepalive = config_.keepalive.on;
    const bool keepalive_before = keepalive && keepalive_state();
    state_ = to;
    if (to == State::Established && !recovery_) start_recovery();
    if (keepalive && keepalive_state() != keepalive_before) arm_keepalive(now_);
    if (to == State::Established) events_.push(Event{EventKind::Connected, {}, {}, {}});
}

void Connection::enter_closed(std::optional<Errc> error) {
    if (state_ == State::Closed) return;
    if (error && !error_) error_ = error;
    rtx_timer_.disarm();
    delack_timer_.disarm();
    time_wait_timer_.disarm();
    connect_timer_.disarm();
    fin_wait2_timer_.disarm();
    user_timer_.disarm();
    persist_timer_.disarm();
    keepalive_timer_.disarm();
    tlp_timer_.disarm();
    ack_now_ = false;
    probe_owed_ = false;
    tlp_owed_ = false;
    sws_override_ = false;
    set_state(State::Closed);
    events_.push(Event{EventKind::Closed, {}, {}, error});
}

void Connection::enter_time_wait(Instant now) {
    set_state(State::TimeWait);
    // RFC 9293 §3.10.7.4 eighth: "start the time-wait timer, turn off the other timers".
    rtx_timer_.disarm();
    user_timer_.disarm();
    fin_wait2_timer_.disarm();
    persist_timer_.disarm();
    tlp_timer_.disarm();
    probe_owed_ = false;
    tlp_owed_ = false;
    time_wait_timer_.arm_after(now, config_.time_wait);
}

void Connection::queue_fin() {
    if (fin_queued_) return;
    fin_queued_ = true;
    fin_seq_ = tx_seq() + static_cast<std::int64_t>(tx_.size());
    if (state_ == State::Established) set_state(State::FinWait1);
    if (state_ == State::CloseWait) set_state(State::LastAck);
    // SYN-SENT / SYN-RECEIVED: the FIN waits for ESTABLISHED (RFC 9293 §3.10.4 SYN-RECEIVED:
    // "otherwise, queue for processing after entering ESTABLISHED state").
}

SeqNum Connection::tx_seq() const {
    return snd_una_ == iss_ ? iss_ + 1 : snd_una_;
}

bool Connection::fin_acked() const {
    return fin_queued_ && snd_una_ > fin_seq_;
}

std::size_t Connection::unsent_in_ring() const {
    const std::int32_t off = std::max<std::int32_t>(0, snd_nxt_ - tx_seq());
    const auto offset = static_cast<std::size_t>(off);
    return offset >= tx_.size() ? 0 : tx_.size() - offset;
}

void Connection::abort_with_rst(std::optional<Errc> error) {
    // Deviation: Linux sends its abort reset with ACK (tcp_send_active_reset); the RFC form is
    // <SEQ=SND.NXT><CTL=RST>. The ACK makes no difference to the receiver's checks.
    rst_pending_ = PendingRst{snd_max_, rcv_nxt_};
    tx_.clear();
    rx_.clear();
    enter_closed(error);
}

}  // namespace ustack::tcp
