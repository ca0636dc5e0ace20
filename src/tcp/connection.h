// tcp::Connection, the TCB: RFC 9293 §3.10 event processing, RFC 5961 protections, RFC 6298 timers,
// RFC 1122 §4.2.3.2 / RFC 5681 §4.2 delayed ACK, RFC 1122 §4.2.3.3-4 Nagle and SWS avoidance,
// RFC 5482 user timeout, RFC 7323 window scaling / timestamps / PAWS, RFC 2018 SACK and RFC 2883
// D-SACK, RFC 1122 §4.2.3.6 keep-alive, receive buffer auto-tuning, and congestion control with
// loss recovery (RFC 5681, RFC 6928, RFC 9438, RFC 6675, RFC 6582, RFC 3042) via LossRecovery.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "base/bytes.h"
#include "base/errc.h"
#include "base/time.h"
#include "tcp/assembler.h"
#include "tcp/config.h"
#include "tcp/event.h"
#include "tcp/recovery.h"
#include "tcp/ring_buffer.h"
#include "tcp/rtt.h"
#include "tcp/state.h"
#include "tcp/timer.h"
#include "wire/seq_num.h"
#include "wire/tcp.h"

namespace ustack::tcp {

// The SACK information (RFC 2018 §3) of the last acceptable ACK the peer sent, for the sender's
// scoreboard: updated by every segment that passes the ACK step (RFC 9293 §3.10.7.4 fifth),
// cleared of blocks when that segment carried none. Blocks are in the order the peer sent them,
// after dropping invalid ones (left >= right, right beyond SND.NXT, or wholly at or below SEG.ACK
// unless it is a D-SACK); a block straddling SEG.ACK is clipped to start at SEG.ACK. `dsack` says
// blocks[0] reports duplicate data (RFC 2883 §4: its right edge is at or below SEG.ACK, or it lies
// inside blocks[1]); then it is kept unclipped and is not data held above SEG.ACK.
struct ReceivedSack {
    std::array<wire::SackBlock, wire::TcpOptions::kMaxSackBlocks> blocks{};  // [0, count) valid
    std::uint8_t count = 0;                                                  // <= kMaxSackBlocks
    bool dsack = false;        // blocks[0] is a D-SACK (implies count >= 1)
    wire::SeqNum ack;          // SEG.ACK of the segment these came with
    std::uint64_t serial = 0;  // counts ACK-step segments: a consumer sees whether it is new

    std::span<const wire::SackBlock> sacks() const { return {blocks.data(), count}; }
};

// One TCP connection. No I/O, no clock, no addresses: the Stack demultiplexes segments to
// on_segment(), pulls segments with poll_transmit() (building IP and the checksum around them),
// and calls poll_transmit() again whenever now >= poll_at(). Input never emits (on_segment only
// changes state and records what is owed); poll_transmit() is the only producer of segments.
//
// LISTEN belongs to the Stack's listener: passive_open() is "LISTEN received this SYN". When a
// connection reports Closed the Stack may free it once poll_transmit() has returned nullopt
// (an abort's RST comes out after the state is already CLOSED); finished() says exactly that.
//
// Options (Config::window_scale, timestamps, sack) are offered in our SYN, or answered in the
// SYN-ACK only when the peer's SYN offered them, and used only when both SYNs carried them.
// Mechanisms live in connection_options.cpp (window scale, timestamps and PAWS, SACK and D-SACK)
// and connection_timers.cpp (persist, keep-alive, receive buffer auto-tuning).
//
// From ESTABLISHED on a LossRecovery (recovery.h) holds the congestion window (CUBIC or NewReno,
// Config::congestion) and decides what goes next: every acceptable ACK is shown to it with its
// SACK blocks before SND.UNA moves, and poll_transmit() sends the retransmissions it plans
// (fast retransmit, RFC 6675 SACK recovery, RFC 6582 NewReno partial ACKs, go-back-N from
// SND.UNA after an RTO) and new data within min(peer window, cwnd room). Retransmissions never
// move SND.NXT. The SYN and SYN-ACK are retried by the TCB itself.
//
// Not here yet: a SYN in TIME-WAIT reopening the connection (RFC 9293 §3.10.7.4 allows it; it
// draws a challenge ACK).
// The send and receive rings of a connection that is done with them (release_rings()), for the
// next connection to take over (`spare` of the opens): a ring of the capacity the new
// connection's Config asks for is cleared and reused instead of allocated.
struct Rings {
    RingBuffer tx;
    RingBuffer rx;
};

// Tags of Connection's two opening constructors (what active_open and passive_open build), so
// an owner can construct a connection in place, e.g. std::optional<Connection>::emplace.
struct ActiveOpen {};
struct PassiveOpen {};

class Connection {
  public:
    // As active_open / passive_open, constructed in place.
    Connection(ActiveOpen, const Config& config, std::uint16_t local_port,
               std::uint16_t remote_port, wire::SeqNum iss, Instant now, Rings* spare = nullptr);
    Connection(PassiveOpen, const Config& config, const wire::TcpRepr& syn, wire::SeqNum iss,
               Instant now, Rings* spare = nullptr);

    // RFC 9293 §3.10.1 OPEN (active): CLOSED -> SYN-SENT. The SYN comes out of poll_transmit().
    static Connection active_open(const Config& config, std::uint16_t local_port,
                                  std::uint16_t remote_port, wire::SeqNum iss, Instant now,
                                  Rings* spare = nullptr);
    // RFC 9293 §3.10.7.2: LISTEN received `syn` (a SYN without ACK or RST, checked by the Stack):
    // LISTEN -> SYN-RECEIVED. The SYN-ACK comes out of poll_transmit(). Data on the SYN is not
    // kept (the peer retransmits it after the handshake, as Linux without TFO does).
    static Connection passive_open(const Config& config, const wire::TcpRepr& syn, wire::SeqNum iss,
                                   Instant now, Rings* spare = nullptr);

    Connection(Connection&&) = default;
    Connection& operator=(Connection&&) = default;
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    // RFC 9293 §3.10.7.3 / §3.10.7.4 SEGMENT ARRIVES. `seg` must be addressed to this connection
    // (ports are not checked again). Replies it calls for are recorded and come out of
    // poll_transmit(). With payload_on_ring, the caller has copied seg.payload to
    // predicted_payload_space(seg), just asked, and it is not copied again.
    void on_segment(const wire::TcpRepr& seg, Instant now, bool payload_on_ring = false);
    // Where the text of `seg` goes on the receive ring when header prediction takes it (it then
    // goes there whole: the spans hold seg.payload.size() bytes), so that the caller can copy it
    // there itself, verifying the checksum on the way, before on_segment(seg, now, true). Empty
    // when the segment would take the full path (or has no text). Nothing is committed: the
    // bytes are the segment's only once on_segment has taken it.
    SpanPair<MutBytes> predicted_payload_space(const wire::TcpRepr& seg);

    // The next segment to send at `now`, or nullopt when nothing is owed; call until nullopt.
    // Runs the timers that are due first. Payload bytes are copied once from the send ring into
    // `payload_space` (the frame's payload region) and the returned Repr's payload points into it;
    // a segment never carries more than payload_space.size() bytes.
    std::optional<wire::TcpRepr> poll_transmit(Instant now, MutBytes payload_space);

    // The earliest armed deadline, or an instant at or before the last `now` seen when a segment
    // is owed already; Instant::never() when idle. Computed once per change: every call that may
    // change the connection (the non-const members below) forgets the answer, so the owner may
    // ask as often as it likes.
    Instant poll_at() const {
        if (!poll_at_known_) {
            poll_at_ = compute_poll_at();
            poll_at_known_ = true;
        }
        return poll_at_;
    }

    // ---- user verbs (RFC 9293 §3.10.2 - §3.10.5). Misuse returns an Errc, never crashes.
    // SEND: copies as much of `data` as fits into the send ring. WouldBlock when none fits;
    // BrokenPipe after shutdown_write()/close(); NotConnected (or the closing error) when CLOSED.
    Result<std::size_t> send(Bytes data);
    // RECEIVE: copies in-order data out. 0 at end of stream (the peer's FIN was read past);
    // WouldBlock when nothing is there yet; the closing error (e.g. ConnectionReset) when CLOSED.
    Result<std::size_t> recv(MutBytes out);
    // Half-close: FIN after the queued data; reading goes on.
    Result<void> shutdown_write();
    // RFC 9293 §3.10.4 CLOSE. Deviation: with unread received data, or with linger {on, 0}, this
    // aborts with RST as Linux does (RFC 2525 §2.17) instead of sending FIN.
    Result<void> close();
    // RFC 9293 §3.10.5 ABORT: RST (in synchronized states and SYN-RECEIVED), then CLOSED.
    // `error` is what the Closed event and later calls report (the Stack passes
    // ConnectionRefused for an ICMP port unreachable in SYN-SENT, RFC 1122 §4.2.3.9).
    Result<void> abort(Errc error = Errc::ConnectionAborted);
    // TCP_NODELAY at run time.
    void set_no_delay(bool on) {
        forget_poll_at();
        config_.no_delay = on;
    }

    // ---- observers
    State state() const { return state_; }
    // CLOSED with nothing left to send: the owner may free the connection.
    bool finished() const { return state_ == State::Closed && !rst_pending_; }
    // Why the connection closed in error (nullopt while open or after an orderly close).
    std::optional<Errc> error() const { return error_; }
    std::uint16_t local_port() const { return local_port_; }
    std::uint16_t remote_port() const { return remote_port_; }
    // Bytes queued by send() and not yet acknowledged (sent or not).
    std::size_t send_queue() const { return tx_.size(); }
    // Room left in the send ring.
    std::size_t send_space() const { return tx_.free(); }
    // In-order bytes received and not yet read.
    std::size_t recv_queue() const { return rx_.size(); }
    // True once the peer's FIN was received in order.
    bool peer_fin() const { return rcv_fin_; }
    wire::SeqNum iss() const { return iss_; }
    wire::SeqNum irs() const { return irs_; }
    wire::SeqNum snd_una() const { return snd_una_; }
    // RFC 9293 SND.NXT: the highest sequence number sent + 1 (retransmissions do not lower it).
    wire::SeqNum snd_nxt() const { return snd_max_; }
    wire::SeqNum rcv_nxt() const { return rcv_nxt_; }
    // SND.WND in bytes (the peer's window field already scaled by its shift).
    std::uint32_t snd_wnd() const { return snd_wnd_; }
    // The window last advertised (RCV.WND as the peer sees it).
    std::uint32_t rcv_wnd() const { return static_cast<std::uint32_t>(rcv_adv_ - rcv_nxt_); }
    Duration srtt() const { return rtt_.srtt(); }
    Duration rto() const { return rtt_.rto(); }
    // Segments sent again over the connection's life: every segment whose first sequence number
    // was sent before (SYN and SYN-ACK retries, RTO resends, fast retransmits, SACK and NewReno
    // recovery retransmissions, RFC 6675 rescue retransmissions). Probes are not counted.
    std::uint32_t retransmits() const { return retransmits_; }

    // ---- congestion control and loss recovery (for traces and summaries)
    // The congestion window in bytes (during NewReno fast recovery including the RFC 6582
    // inflation). Before ESTABLISHED: the RFC 6928 initial window for send_mss() (one segment
    // once the SYN or SYN-ACK was retransmitted).
    std::uint32_t cwnd() const;
    // The slow-start threshold in bytes; UINT32_MAX ("arbitrarily high", RFC 5681 §3.1) until
    // the first congestion event.
    std::uint32_t ssthresh() const;
    // Bytes estimated in the network, what cwnd is compared with: RFC 6675 pipe with SACK, else
    // FlightSize (SND.NXT - SND.UNA). Before ESTABLISHED: SND.NXT - SND.UNA (the SYN counts 1).
    std::uint32_t bytes_in_flight() const;
    // Fast recoveries entered (three duplicate ACKs or RFC 6675 IsLost) over the life.
    std::uint32_t fast_retransmits() const { return recovery_ ? recovery_->fast_retransmits() : 0; }
    // RFC 8985 §7 tail loss probes sent over the connection's life.
    std::uint32_t tail_loss_probes() const { return recovery_ ? recovery_->tail_loss_probes() : 0; }
    // The loss-recovery state machine (its state, scoreboard and controller), for tests and
    // traces; nullptr before ESTABLISHED.
    const LossRecovery* loss_recovery() const { return recovery_ ? &*recovery_ : nullptr; }
    // Retransmission timer expiries with something outstanding (SYN, SYN-ACK, data, FIN) over
    // the life, including the last one that gave up.
    std::uint32_t rto_events() const { return rto_events_; }
    // The MSS the peer announced (or the default when it announced none).
    std::uint16_t peer_mss() const { return peer_mss_; }
    // The largest payload we send: min(peer MSS, our MSS) (RFC 9293 §3.7.1 Eff.snd.MSS).
    std::uint16_t send_mss() const;
    // RFC 5681 SMSS for congestion control: send_mss() less the timestamps option (RFC 6691 §2).
    std::uint32_t smss() const;
    // RFC 1191 §6.2 / RFC 8201 §5.2: the Stack lowers the send MSS to what the path MTU allows
    // after an ICMP "fragmentation needed" / "Packet Too Big" (it checks the floors).
    void set_path_mtu_mss(std::uint16_t mss) {
        forget_poll_at();
        path_mss_ = mss == 0 ? 1 : mss;
    }
    // The payload a full-sized data segment carries now: send_mss() less the options every data
    // segment carries (12 bytes with timestamps) and the SACK blocks owed (RFC 6691 §2).
    std::uint16_t payload_mss() const;
    const Config& config() const { return config_; }

    // ---- negotiated options
    // RFC 7323 §2: both SYNs carried the Window Scale option.
    bool window_scaling() const { return wscale_ok_; }
    // Snd.Wind.Shift (the peer's shift, applied to its window fields) and Rcv.Wind.Shift (ours,
    // applied to the windows we send); both 0 unless window_scaling().
    std::uint8_t snd_wscale() const { return snd_wscale_; }
    std::uint8_t rcv_wscale() const { return rcv_wscale_; }
    // RFC 7323 §3: both SYNs carried TSopt; every segment we send then carries one.
    bool timestamps() const { return ts_ok_; }
    // RFC 7323 §4.3 TS.Recent (the TSval we echo); meaningful iff timestamps().
    std::uint32_t ts_recent() const { return ts_recent_; }
    // Our timestamp clock at `now`: milliseconds plus a per-connection offset (RFC 7323 §5.4).
    std::uint32_t ts_now(Instant now) const;
    // RFC 2018 §2: both SYNs carried SACK-permitted.
    bool sack() const { return sack_ok_; }
    // The last acceptable ACK's SACK blocks (see ReceivedSack).
    const ReceivedSack& peer_sack() const { return peer_sack_; }
    // Segments rejected by PAWS (RFC 7323 §5) over the connection's life.
    std::uint32_t paws_rejected() const { return paws_rejected_; }
    // Segments taken by header prediction (Config::header_prediction) over the connection's life.
    std::uint64_t predicted_segments() const { return predicted_segments_; }
    // Capacity of the receive ring (grows with auto-tuning up to Config::recv_buffer_max).
    std::size_t recv_buffer() const { return rx_.capacity(); }
    // Keep-alive probes sent since the last segment from the peer.
    std::uint32_t keepalive_probes() const { return keepalive_probes_; }
    // Zero-window probes sent in a row without an acceptable ACK in between.
    std::uint32_t window_probes() const { return persist_unanswered_; }

    // The events since the last call, oldest first.
    Events take_events() {
        Events e = events_;
        events_.clear();
        return e;
    }
    // The same without the copy: the events since the last take_events() or clear_events().
    const Events& events() const { return events_; }
    void clear_events() { events_.clear(); }

    // Gives up both rings, emptied, for a connection opened later (the Stack calls it when it
    // frees a finished connection); this one is left with rings of capacity 0.
    Rings release_rings();

  private:
    Connection(const Config& config, std::uint16_t local_port, std::uint16_t remote_port,
               wire::SeqNum iss, Instant now, Rings* spare);

    // What a pending reset looks like (RFC 9293 §3.10.7: <SEQ=..><CTL=RST> or with ACK).
    struct PendingRst {
        wire::SeqNum seq;
        std::optional<wire::SeqNum> ack;
    };

    // ---- input (connection_input.cpp), RFC 9293 §3.10.7
    void on_syn_sent(const wire::TcpRepr& seg, Instant now);
    // The §3.10.7.4 steps, in order; each returns false when the segment is done with.
    bool check_sequence(const wire::TcpRepr& seg, Instant now);
    bool check_rst(const wire::TcpRepr& seg, Instant now);
    bool check_syn(const wire::TcpRepr& seg, Instant now);
    bool process_ack(const wire::TcpRepr& seg, Instant now);
    void process_urg(const wire::TcpRepr& seg);
    void process_text_and_fin(const wire::TcpRepr& seg, Instant now);
    // `written` bytes of `seg`'s text are on the receive ring at `offset` past RCV.NXT: records
    // them for reassembly, commits what is now in order (RCV.NXT moves), notes the segment's size
    // (rcv_mss_), and reports Readable with a receiver RTT sample when something became readable.
    AddResult take_text(std::uint32_t offset, std::size_t written, const wire::TcpRepr& seg,
                        Instant now);
    void process_fin(Instant now);
    void settle(Instant now);
    void take_peer_syn_options(const wire::TcpRepr& syn);
    void update_send_window(const wire::TcpRepr& seg);
    void record_received(const wire::TcpRepr& seg, Instant now);
    void challenge_ack(Instant now);
    void reset_received();
    // RFC 5681 §4.2 / RFC 1122 §4.2.3.2 for `advanced` in-order bytes of a segment carrying
    // `payload` bytes that filled no hole: an ACK now, or the delayed-ACK timer.
    void ack_in_order(std::size_t advanced, std::size_t payload, Instant now);
    // Deviation: quick-ack mode again after an out-of-order segment (see the definition).
    void enter_quick_ack();

    // ---- header prediction (connection_prediction.cpp)
    // Whether `seg` is one the short path takes: see the .cpp.
    bool predicted(const wire::TcpRepr& seg) const;
    // RFC 9293 §3.10.7.4 for a predicted segment, with the same effect as the full steps; with
    // payload_on_ring its text is on the ring already (predicted_payload_space).
    void on_predicted(const wire::TcpRepr& seg, Instant now, bool payload_on_ring);

    // ---- options (connection_options.cpp): RFC 7323, RFC 2018, RFC 2883
    void syn_options(wire::TcpRepr& syn, Instant now) const;
    // The options of a non-SYN segment sent now: TSopt, and SACK blocks when `ack`.
    wire::TcpOptions segment_options(bool ack, Instant now) const;
    std::uint32_t scaled_window(const wire::TcpRepr& seg) const;
    // RFC 7323 §5.3 R1; false when the segment is dropped (an ACK is then owed).
    bool check_paws(const wire::TcpRepr& seg, Instant now);
    // RFC 7323 §4.3 (2): TS.Recent from an acceptable segment.
    void update_ts_recent(const wire::TcpRepr& seg, Instant now);
    // RFC 7323 §4.3 (2) for a segment R2 found unacceptable: a retransmission of data (or FIN)
    // already received, sent because our ACK was lost, updates TS.Recent too (see the .cpp).
    void update_ts_recent_on_duplicate(const wire::TcpRepr& seg, Instant now);
    // RFC 7323 §4.1: an RTT sample from the echoed TSval; true when one was taken.
    bool ts_rtt_sample(const wire::TcpRepr& seg, Instant now);
    void take_peer_sack(const wire::TcpRepr& seg);
    // RFC 2883: report [left, right) as the first SACK block of the next ACK.
    void note_duplicate(wire::SeqNum left, wire::SeqNum right);

    // ---- timers (connection_timers.cpp): persist, keep-alive, auto-tuning
    bool persist_wanted() const;
    void on_persist_timeout(Instant now);
    bool keepalive_state() const;
    void arm_keepalive(Instant now);
    void on_keepalive_timeout(Instant now);
    void measure_rcv_rtt(const wire::TcpRepr& seg, Instant now);
    void autotune_recv_buffer();

    // ---- output (connection_output.cpp)
    // One data segment to send now, as LossRecovery planned it: `data` bytes from `seq`, and our
    // FIN after them when `fin`. Nothing when data == 0 && !fin.
    struct Transmission {
        SendPlan plan;     // what next_segment() said (passed back to on_sent())
        wire::SeqNum seq;  // first sequence number: SND.NXT for new data, below it otherwise
        std::size_t data = 0;
        bool fin = false;
    };
    void run_timers(Instant now);
    void on_retransmit_timeout();
    // RFC 8985 §7.2: start or restart the probe timer after new data went or an ACK showed
    // delivery; disarmed when no probe may run (Config::tail_loss_probe, no SACK, recovery,
    // nothing in flight, or the RTO would come first).
    void arm_tail_loss_probe(Instant now);
    // Creates recovery_ on reaching ESTABLISHED (RFC 6928 initial window for smss()).
    void start_recovery();
    // The data segment owed now within a payload region of `space` bytes (data states only).
    Transmission next_transmission(std::size_t space) const;
    // True when next_transmission() would plan nothing whatever the space (no probe owed,
    // nothing unsent, no FIN due, no recovery): the common idle case, answered cheaply.
    // Data states only (recovery_ engaged).
    bool idle_sender() const;
    // RFC 5681 §4.1: before sending after an idle period, fall back to the restart window.
    void idle_restart(Instant now);
    // Data bytes a new segment sent now could carry from snd_nxt_ (peer window, MSS, SWS,
    // Nagle, space); congestion control is applied on top of it by next_transmission().
    std::size_t sendable_len(std::size_t space) const;
    // Whether a segment with `len` data bytes from snd_nxt_ would also carry our FIN.
    bool fin_sendable(std::size_t len) const;
    bool syn_owed() const;
    bool data_state() const;
    bool something_owed() const;
    Instant compute_poll_at() const;  // what poll_at() answers
    // The first step of every public call that may change what poll_at() answers.
    void forget_poll_at() { poll_at_known_ = false; }
    wire::TcpRepr base_segment() const;
    std::uint16_t window_to_advertise();
    std::uint16_t syn_window();
    std::uint32_t receive_window_now() const;
    // Payload bytes a data segment can carry given `space` and the options it carries now.
    std::size_t payload_limit(std::size_t space) const;
    // segment_options(true, now).buffer_len() without building the options (no SACK blocks are
    // looked up): the sizing asked several times per segment.
    std::size_t data_options_len() const;
    // RFC 2018 §3: with TSopt (10 bytes + 2 NOPs) only 3 blocks fit in the 40 option bytes.
    std::size_t max_sack_blocks() const { return ts_ok_ ? 3 : wire::TcpOptions::kMaxSackBlocks; }
    void segment_sent(const wire::TcpRepr& seg, Instant now);
    void arm_persist(Instant now);

    // ---- common (connection.cpp)
    void set_state(State to);
    void enter_closed(std::optional<Errc> error);
    void enter_time_wait(Instant now);
    void queue_fin();
    wire::SeqNum tx_seq() const;  // sequence number of tx_'s front byte
    bool fin_acked() const;
    std::size_t unsent_in_ring() const;
    void abort_with_rst(std::optional<Errc> error);

    // ---- the TCB. Sequence invariants use serial order (RFC 1982).
    Config config_;                  // fixed except no_delay (set_no_delay)
    State state_ = State::Closed;    // changed only by set_state()
    bool passive_ = false;           // true iff created by passive_open (RST in SYN-RCVD: LISTEN)
    std::uint16_t local_port_ = 0;   // fixed
    std::uint16_t remote_port_ = 0;  // fixed
    Instant now_;                    // the latest `now` given to any call; never decreases

    wire::SeqNum iss_;               // our initial sequence number; fixed
    wire::SeqNum snd_una_;           // SND.UNA: oldest unacknowledged; iss_ <= snd_una_ <= snd_max_
    wire::SeqNum snd_nxt_;           // next new octet to send; snd_una_ <= snd_nxt_ <= snd_max_;
                                     // below snd_max_ only while the SYN / SYN-ACK is owed again
                                     // (retransmissions of data do not move it)
    wire::SeqNum snd_max_;           // RFC SND.NXT: highest sequence sent + 1; never decreases
    std::uint32_t snd_wnd_ = 0;      // SND.WND: the peer's last accepted window (unscaled)
    std::uint32_t max_snd_wnd_ = 0;  // the largest SND.WND seen (RFC 5961 §5.2 MAX.SND.WND)
    wire::SeqNum snd_wl1_;           // SND.WL1: SEG.SEQ of the last window update
    wire::SeqNum snd_wl2_;           // SND.WL2: SEG.ACK of the last window update
    std::uint16_t peer_mss_ = 536;   // the peer's MSS option, or config_.default_peer_mss
    std::uint16_t path_mss_ = 0xffff;  // MSS the path MTU allows (set_path_mtu_mss); >= 1
    std::uint8_t snd_wscale_ = 0;  // Snd.Wind.Shift (RFC 7323 §2.3): <= 14; 0 unless wscale_ok_
    bool fin_queued_ = false;      // our FIN follows the data in tx_ (shutdown/close called);
                                   // once true no byte is added to tx_
    wire::SeqNum fin_seq_;         // our FIN's sequence number; valid iff fin_queued_
    bool user_closed_ = false;     // close() was called: the application reads no more
    RingBuffer tx_;                // bytes from tx_seq() on: unacked, then unsent

    wire::SeqNum irs_;      // IRS: the peer's initial sequence number (valid after SYN)
    wire::SeqNum rcv_nxt_;  // RCV.NXT: next in-order byte expected
    wire::SeqNum rcv_adv_;  // the highest right edge ever advertised (RFC 7323 §2.4: segments
                            // inside it stay acceptable); never moves left
    std::uint8_t rcv_wscale_offer_ = 0;  // the shift our SYN offers (0..14); fixed
    std::uint8_t rcv_wscale_ = 0;        // Rcv.Wind.Shift: rcv_wscale_offer_ iff wscale_ok_, else 0
    std::uint16_t rcv_mss_ = 536;        // largest payload received, <= config_.mss: "full-sized"
    bool rcv_fin_ = false;  // the peer's FIN was received in order (rcv_nxt_ covers it)
    std::optional<wire::SeqNum> ooo_fin_;  // a FIN seen beyond rcv_nxt_, applied when reached
    RingBuffer rx_;         // committed: in-order unread bytes; beyond: out-of-order data
    Assembler reassembly_;  // out-of-order ranges, relative to rcv_nxt_

    // ---- negotiated options (RFC 7323, RFC 2018): fixed once both SYNs are seen
    bool wscale_ok_ = false;       // both SYNs carried Window Scale (passive: set at passive_open)
    bool ts_ok_ = false;           // both SYNs carried TSopt
    bool sack_ok_ = false;         // both SYNs carried SACK-permitted
    std::uint32_t ts_offset_ = 0;  // added to our ms clock for TSval; fixed, derived from iss_
    std::uint32_t ts_recent_ = 0;  // TS.Recent (RFC 7323 §4.3); valid iff ts_ok_
    Instant ts_recent_at_;         // when ts_recent_ was last set (PAWS 24-day rule, §5.5)
    wire::SeqNum last_ack_sent_;   // Last.ACK.sent: ACK field of our latest segment with ACK
    std::uint32_t paws_rejected_ = 0;       // segments dropped by PAWS, over the life
    std::uint64_t predicted_segments_ = 0;  // segments taken by on_predicted, over the life
    ReceivedSack peer_sack_;                // SACK blocks of the last acceptable ACK (see the type)
    std::optional<wire::SackBlock> dsack_;  // RFC 2883: duplicate to report first in the next
                                            // ACK; only when sack_ok_; cleared when ACK sent

    // ---- owed output
    bool ack_now_ = false;                 // a pure ACK is owed now (if nothing else carries it)
    std::uint32_t unacked_rcv_bytes_ = 0;  // in-order bytes received since our last ACK
    std::uint32_t quick_acks_ = 0;         // in-order segments still ACKed at once (Linux
                                           // quick-ack); 0 once we send data (interactive)
    bool probe_owed_ = false;    // a window or keep-alive probe <SEQ=SND.UNA-1><ACK> is owed
    bool tlp_owed_ = false;      // RFC 8985 §7.3: the PTO fired; the next poll sends the probe
    bool sws_override_ = false;  // persist expiry: send what the (small) window allows now
    std::optional<PendingRst> rst_pending_;  // a reset to send (reply to a bad segment, abort)

    // ---- timers (Deadline::never when disarmed)
    Deadline rtx_timer_;        // RFC 6298 retransmission (also SYN, SYN-ACK); armed iff
                                // something is in flight
    Deadline delack_timer_;     // RFC 1122 §4.2.3.2; armed iff an ACK is being delayed
    Deadline time_wait_timer_;  // armed iff state_ == TimeWait
    Deadline connect_timer_;    // armed iff SYN-SENT with config_.connect_timeout > 0
    Deadline fin_wait2_timer_;  // armed iff FIN-WAIT-2 after close()
    Deadline user_timer_;       // RFC 5482: armed iff data is in flight and user_timeout > 0
    Deadline persist_timer_;    // RFC 9293 §3.8.6.1 / RFC 1122 §4.2.3.4: armed iff nothing
                                // is in flight and queued data waits for the window
    std::uint32_t persist_backoff_ = 0;     // persist expiries while the window stayed shut
    std::uint32_t persist_unanswered_ = 0;  // probes sent since the last acceptable ACK
    Deadline tlp_timer_;        // RFC 8985 §7.2 PTO: armed only while a tail loss probe may go
    Deadline keepalive_timer_;  // RFC 1122 §4.2.3.6: armed iff keepalive.on and
                                // keepalive_state()
    std::uint32_t keepalive_probes_ = 0;  // probes sent since the last segment received
    RttEstimator rtt_;                    // RFC 6298 SRTT/RTTVAR/RTO
    bool timing_ = false;                 // one segment is being timed (rtt_seq_, rtt_sent_ valid)
    wire::SeqNum rtt_seq_;                // end of the timed segment; an ACK reaching it samples
    Instant rtt_sent_;                    // when the timed segment was sent
    bool syn_timed_out_ = false;          // the SYN / SYN-ACK was retransmitted (RFC 6298 §5.7)
    std::uint32_t timeouts_ = 0;          // consecutive RTO expiries without an acceptable ACK
    std::uint32_t retransmits_ = 0;       // segments sent again (see retransmits()), over the life
    std::uint32_t rto_events_ = 0;        // retransmission timer expiries with data outstanding
    Instant last_data_sent_ = Instant::never();  // when a segment with data or SYN/FIN was last
                                                 // sent (RFC 5681 §4.1 idle test); never before
    std::optional<LossRecovery> recovery_;       // congestion window and loss recovery; engaged
                                                 // from ESTABLISHED on
    Instant challenge_window_;                   // start of the current 1 s challenge-ACK window
    std::uint32_t challenges_ = 0;               // challenge ACKs sent in that window; <= limit

    // ---- receive buffer auto-tuning (Linux tcp_rcv_space_adjust)
    std::uint64_t bytes_read_ = 0;      // bytes the application has taken out of rx_, ever
    std::uint64_t rcv_space_mark_ = 0;  // bytes_read_ when the current measurement began
    Instant rcv_space_at_;              // when the current measurement began
    std::size_t rcv_space_ = 0;         // most bytes read within one RTT so far
    Duration rcv_rtt_;                  // receiver's RTT estimate; zero until measured
    wire::SeqNum rcv_rtt_seq_;          // a window's end: reaching it closes a measurement
    Instant rcv_rtt_at_;                // when that measurement began; never() when idle

    std::optional<Errc> error_;  // set once, on entering CLOSED in error
    Events events_;              // since the last take_events()

    // ---- poll_at()'s cache (not TCB state)
    mutable Instant poll_at_;             // compute_poll_at() as of the last change; iff known
    mutable bool poll_at_known_ = false;  // cleared by every public call that may change the TCB
};

}  // namespace ustack::tcp
