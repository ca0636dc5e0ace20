// FlowProbe: watches one sending connection from outside the TCB (cwnd, ssthresh, in flight,
// SRTT, the peer's window, bytes acknowledged; RTO back-off chains; when slow start ended), so
// summaries and time series still have the last values after the Stack reaped the connection.
#pragma once

#include <cstdint>
#include <optional>

#include "base/time.h"
#include "stack/handles.h"
#include "stack/stack.h"
#include "wire/seq_num.h"

namespace ustack::sim {

// One look at a connection.
struct FlowSample {
    std::uint32_t cwnd = 0;              // bytes
    std::uint32_t ssthresh = 0;          // bytes; UINT32_MAX before the first congestion event
    std::uint32_t in_flight = 0;         // bytes (RFC 6675 pipe with SACK, else FlightSize)
    Duration srtt = Duration::zero();    // zero before the first RTT sample
    std::uint32_t rwnd = 0;              // SND.WND: the window the receiver last offered
    std::uint64_t bytes_acked = 0;       // data bytes acknowledged (SYN and FIN not counted)
    std::uint32_t retransmits = 0;       // segments sent again, for whatever reason (timeouts,
                                         // fast retransmits, SACK recovery, rescues)
    std::uint32_t lost_retransmits = 0;  // retransmissions found lost and owed again (RFC 8985
                                         // rule in the SACK scoreboard)
    std::uint32_t fast_retransmits = 0;  // fast recoveries entered
    std::uint32_t rto_events = 0;        // retransmission timer expiries
    std::uint32_t tail_loss_probes = 0;  // RFC 8985 §7 probes sent
    std::uint32_t smss = 0;              // RFC 5681 SMSS (send MSS less the timestamps option)
};

class FlowProbe {
  public:
    // `pipe_full_bytes`: a cwnd this large fills the path (bandwidth-delay product); reaching it
    // ends slow start as far as goodput is concerned even when no loss ever does (0: never).
    explicit FlowProbe(std::uint64_t pipe_full_bytes = 0) : pipe_full_bytes_(pipe_full_bytes) {}

    // Looks at `conn` on `stack` at `now` (call it often: before every poll of the sender's
    // Stack). A stale id leaves the last sample in place. `sent` is what the sending
    // application handed to send() so far (bounds bytes_acked, which SYN and FIN would inflate);
    // `delivered` is what the receiving application has read, recorded when slow start ends.
    void observe(const stack::Stack& stack, stack::ConnId conn, Instant now, std::uint64_t sent,
                 std::uint64_t delivered);

    const FlowSample& last() const { return last_; }
    bool seen() const { return seen_; }
    // The longest run of retransmission timeouts with no new data acknowledged in between
    // (a run of k means the last of them fired with the RTO backed off k - 1 times).
    std::uint32_t longest_rto_chain() const { return longest_chain_; }
    // When slow start ended (cwnd first reached the pipe with no congestion event, or the
    // recovery from the first congestion event was complete), and
    // how much the receiver had read by then; nullopt while it has not.
    std::optional<Instant> slow_start_end() const;
    std::uint64_t delivered_at_slow_start_end() const;

  private:
    std::uint64_t pipe_full_bytes_;
    std::optional<wire::SeqAdvance> una_;  // SND.UNA from ISS, from the first established look
    FlowSample last_;
    bool seen_ = false;
    std::uint32_t chain_ = 0;
    std::uint32_t longest_chain_ = 0;
    std::uint64_t acked_at_last_rto_ = 0;
    std::optional<std::uint64_t> recover_;  // bytes sent when the first congestion event came
    struct Mark {
        Instant at;
        std::uint64_t delivered = 0;  // what the receiver had read by then
    };
    std::optional<Mark> pipe_full_;
    std::optional<Mark> recovered_;
};

}  // namespace ustack::sim
