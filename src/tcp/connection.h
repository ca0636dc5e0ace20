// tcp::Connection, the TCB: RFC 9293 §3.10 event processing, RFC 5961 protections, RFC 6298 timers,
// RFC 1122 §4.2.3.2 / RFC 5681 §4.2 delayed ACK, RFC 1122 §4.2.3.4 Nagle, RFC 5482 user timeout.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "base/bytes.h"
#include "base/errc.h"
#include "base/time.h"
#include "tcp/assembler.h"
#include "tcp/config.h"
#include "tcp/event.h"
#include "tcp/ring_buffer.h"
#include "tcp/rtt.h"
#include "tcp/state.h"
#include "tcp/timer.h"
#include "wire/seq_num.h"
#include "wire/tcp.h"

namespace ustack::tcp {

// One TCP connection. No I/O, no clock, no addresses: the Stack demultiplexes segments to
// on_segment(), pulls segments with poll_transmit() (building IP and the checksum around them),
// and calls poll_transmit() again whenever now >= poll_at(). Input never emits (on_segment only
// changes state and records what is owed); poll_transmit() is the only producer of segments.
//
// LISTEN belongs to the Stack's listener: passive_open() is "LISTEN received this SYN". When a
// connection reports Closed the Stack may free it once poll_transmit() has returned nullopt
// (an abort's RST comes out after the state is already CLOSED); finished() says exactly that.
//
// Not here yet (seams marked "Congestion control seam" / issue 4): window scaling, timestamps,
// SACK and their options (ignored safely: never echoed, so the peer keeps them off); congestion
// control and fast retransmit (an RTO goes back to SND.UNA, go-back-N); keepalive; a SYN in
// TIME-WAIT reopening the connection (RFC 9293 §3.10.7.4 allows it; it draws a challenge ACK).
class Connection {
  public:
    // RFC 9293 §3.10.1 OPEN (active): CLOSED -> SYN-SENT. The SYN comes out of poll_transmit().
    static Connection active_open(const Config& config, std::uint16_t local_port,
                                  std::uint16_t remote_port, wire::SeqNum iss, Instant now);
    // RFC 9293 §3.10.7.2: LISTEN received `syn` (a SYN without ACK or RST, checked by the Stack):
    // LISTEN -> SYN-RECEIVED. The SYN-ACK comes out of poll_transmit(). Data on the SYN is not
    // kept (the peer retransmits it after the handshake, as Linux without TFO does).
    static Connection passive_open(const Config& config, const wire::TcpRepr& syn, wire::SeqNum iss,
                                   Instant now);

    Connection(Connection&&) = default;
    Connection& operator=(Connection&&) = default;
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    // RFC 9293 §3.10.7.3 / §3.10.7.4 SEGMENT ARRIVES. `seg` must be addressed to this connection
    // (ports are not checked again). Replies it calls for are recorded and come out of
    // poll_transmit().
    void on_segment(const wire::TcpRepr& seg, Instant now);

    // The next segment to send at `now`, or nullopt when nothing is owed; call until nullopt.
    // Runs the timers that are due first. Payload bytes are copied once from the send ring into
    // `payload_space` (the frame's payload region) and the returned Repr's payload points into it;
    // a segment never carries more than payload_space.size() bytes.
    std::optional<wire::TcpRepr> poll_transmit(Instant now, MutBytes payload_space);

    // The earliest armed deadline, or an instant at or before the last `now` seen when a segment
    // is owed already; Instant::never() when idle.
    Instant poll_at() const;

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
    Result<void> abort();
    // TCP_NODELAY at run time.
    void set_no_delay(bool on) { config_.no_delay = on; }

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
    std::uint32_t snd_wnd() const { return snd_wnd_; }
    // The window last advertised (RCV.WND as the peer sees it).
    std::uint32_t rcv_wnd() const { return static_cast<std::uint32_t>(rcv_adv_ - rcv_nxt_); }
    Duration srtt() const { return rtt_.srtt(); }
    Duration rto() const { return rtt_.rto(); }
    // Segments retransmitted by timeout over the connection's life (SYN, data, FIN).
    std::uint32_t retransmits() const { return retransmits_; }
    // The MSS the peer announced (or the default when it announced none).
    std::uint16_t peer_mss() const { return peer_mss_; }
    // The largest payload we send: min(peer MSS, our MSS) (RFC 9293 §3.7.1 Eff.snd.MSS).
    std::uint16_t send_mss() const;
    const Config& config() const { return config_; }

    // The events since the last call, oldest first.
    Events take_events() {
        Events e = events_;
        events_.clear();
        return e;
    }

  private:
    Connection(const Config& config, std::uint16_t local_port, std::uint16_t remote_port,
               wire::SeqNum iss, Instant now);

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
    void process_fin(Instant now);
    void settle(Instant now);
    void take_peer_syn_options(const wire::TcpRepr& syn);
    void update_send_window(const wire::TcpRepr& seg);
    void challenge_ack(Instant now);
    void reset_received();

    // ---- output (connection_output.cpp)
    void run_timers(Instant now);
    void on_retransmit_timeout();
    // Data bytes a segment sent now could carry from snd_nxt_ (window, MSS, Nagle, space).
    std::size_t sendable_len(std::size_t space) const;
    // Whether a segment with `len` data bytes from snd_nxt_ would also carry our FIN.
    bool fin_sendable(std::size_t len) const;
    bool syn_owed() const;
    bool data_state() const;
    bool something_owed() const;
    wire::TcpRepr base_segment() const;
    std::uint16_t window_to_advertise();
    std::uint32_t receive_window_now() const;
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
    wire::SeqNum snd_nxt_;           // next to transmit; snd_una_ <= snd_nxt_ <= snd_max_ (an RTO
                                     // rewinds it to snd_una_: go-back-N)
    wire::SeqNum snd_max_;           // RFC SND.NXT: highest sequence sent + 1; never decreases
    std::uint32_t snd_wnd_ = 0;      // SND.WND: the peer's last accepted window (unscaled)
    std::uint32_t max_snd_wnd_ = 0;  // the largest SND.WND seen (RFC 5961 §5.2 MAX.SND.WND)
    wire::SeqNum snd_wl1_;           // SND.WL1: SEG.SEQ of the last window update
    wire::SeqNum snd_wl2_;           // SND.WL2: SEG.ACK of the last window update
    std::uint16_t peer_mss_ = 536;   // the peer's MSS option, or config_.default_peer_mss
    bool fin_queued_ = false;        // our FIN follows the data in tx_ (shutdown/close called);
                                     // once true no byte is added to tx_
    wire::SeqNum fin_seq_;           // our FIN's sequence number; valid iff fin_queued_
    bool user_closed_ = false;       // close() was called: the application reads no more
    RingBuffer tx_;                  // bytes from tx_seq() on: unacked, then unsent

    wire::SeqNum irs_;      // IRS: the peer's initial sequence number (valid after SYN)
    wire::SeqNum rcv_nxt_;  // RCV.NXT: next in-order byte expected
    wire::SeqNum rcv_adv_;  // RCV.NXT + RCV.WND last advertised; never moves left
    bool rcv_fin_ = false;  // the peer's FIN was received in order (rcv_nxt_ covers it)
    std::optional<wire::SeqNum> ooo_fin_;  // a FIN seen beyond rcv_nxt_, applied when reached
    RingBuffer rx_;         // committed: in-order unread bytes; beyond: out-of-order data
    Assembler reassembly_;  // out-of-order ranges, relative to rcv_nxt_

    // ---- owed output
    bool ack_now_ = false;                   // a pure ACK is owed now (if nothing else carries it)
    std::uint32_t unacked_rcv_bytes_ = 0;    // in-order bytes received since our last ACK
    std::optional<PendingRst> rst_pending_;  // a reset to send (reply to a bad segment, abort)
    bool force_one_ = false;                 // send one segment even into a zero window (RTO,
                                             // RFC 9293 §3.8.6.1 zero-window probe)

    // ---- timers (Deadline::never when disarmed)
    Deadline rtx_timer_;             // RFC 6298 retransmission (also SYN, SYN-ACK, persist); armed
                                     // iff something is in flight or a zero-window probe is due
    Deadline delack_timer_;          // RFC 1122 §4.2.3.2; armed iff an ACK is being delayed
    Deadline time_wait_timer_;       // armed iff state_ == TimeWait
    Deadline connect_timer_;         // armed iff SYN-SENT with config_.connect_timeout > 0
    Deadline fin_wait2_timer_;       // armed iff FIN-WAIT-2 after close()
    Deadline user_timer_;            // RFC 5482: armed iff data is in flight and user_timeout > 0
    RttEstimator rtt_;               // RFC 6298 SRTT/RTTVAR/RTO
    bool timing_ = false;            // one segment is being timed (rtt_seq_, rtt_sent_ valid)
    wire::SeqNum rtt_seq_;           // end of the timed segment; an ACK reaching it samples
    Instant rtt_sent_;               // when the timed segment was sent
    bool syn_timed_out_ = false;     // the SYN / SYN-ACK was retransmitted (RFC 6298 §5.7)
    std::uint32_t timeouts_ = 0;     // consecutive RTO expiries without an acceptable ACK
    std::uint32_t retransmits_ = 0;  // segments resent after a timeout, over the life
    Instant challenge_window_;       // start of the current 1 s challenge-ACK window
    std::uint32_t challenges_ = 0;   // challenge ACKs sent in that window; <= limit

    std::optional<Errc> error_;  // set once, on entering CLOSED in error
    Events events_;              // since the last take_events()
};

}  // namespace ustack::tcp
