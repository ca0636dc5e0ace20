#include "sim/flow_probe.h"

#include <algorithm>
#include <limits>

#include "tcp/connection.h"
#include "tcp/state.h"

namespace ustack::sim {

void FlowProbe::observe(const stack::Stack& stack, stack::ConnId conn, Instant now,
                        std::uint64_t sent, std::uint64_t delivered) {
    const tcp::Connection* c = stack.connection(conn);
    if (c == nullptr) return;
    FlowSample s;
    s.cwnd = c->cwnd();
    s.ssthresh = c->ssthresh();
    s.in_flight = c->bytes_in_flight();
    s.srtt = c->srtt();
    s.rwnd = c->snd_wnd();
    s.retransmits = c->retransmits();
    s.fast_retransmits = c->fast_retransmits();
    if (const tcp::LossRecovery* r = c->loss_recovery())
        s.lost_retransmits = r->scoreboard().lost_retransmissions();
    s.rto_events = c->rto_events();
    s.tail_loss_probes = c->tail_loss_probes();
    s.smss = c->smss();
    if (c->state() != tcp::State::SynSent && c->state() != tcp::State::SynReceived) {
        // SND.UNA - ISS counts the SYN (and, once acknowledged, the FIN): data bytes are at most
        // what the application handed to send(). Counted in 64 bits: a long run sends more
        // than the 2^32 octets the sequence space holds.
        if (!una_) una_.emplace(c->iss());
        const std::uint64_t una = una_->update(c->snd_una());
        s.bytes_acked = std::min<std::uint64_t>(una == 0 ? 0 : una - 1, sent);
    }
    // RTO chains: timeouts in a row while SND.UNA stood still.
    if (s.rto_events > last_.rto_events) {
        const std::uint32_t fired = s.rto_events - last_.rto_events;
        chain_ =
            (seen_ && s.bytes_acked == acked_at_last_rto_ && chain_ > 0) ? chain_ + fired : fired;
        acked_at_last_rto_ = s.bytes_acked;
        longest_chain_ = std::max(longest_chain_, chain_);
    }
    // Slow start is over (for goodput) once the recovery from its first congestion event is
    // over: everything sent before that event has been acknowledged (RFC 6582's "recover"
    // point). A flow that never meets congestion left it when cwnd first filled the pipe.
    if (c->state() == tcp::State::Established) {
        if (!recover_ && s.ssthresh != std::numeric_limits<std::uint32_t>::max()) {
            const std::uint64_t nxt =
                una_->total() + static_cast<std::uint32_t>(c->snd_nxt() - c->snd_una());
            recover_ = std::min<std::uint64_t>(nxt == 0 ? 0 : nxt - 1, sent);
        }
        if (!pipe_full_ && pipe_full_bytes_ != 0 && s.cwnd >= pipe_full_bytes_)
            pipe_full_ = Mark{now, delivered};
        if (recover_ && !recovered_ && s.bytes_acked >= *recover_)
            recovered_ = Mark{now, delivered};
    }
    last_ = s;
    seen_ = true;
}

std::optional<Instant> FlowProbe::slow_start_end() const {
    const auto& m = recover_ ? recovered_ : pipe_full_;
    if (!m) return std::nullopt;
    return m->at;
}

std::uint64_t FlowProbe::delivered_at_slow_start_end() const {
    const auto& m = recover_ ? recovered_ : pipe_full_;
    return m ? m->delivered : 0;
}

}  // namespace ustack::sim
