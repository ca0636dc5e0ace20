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
    s.rto_events = c->rto_events();
    s.smss = c->smss();
    if (c->state() != tcp::State::SynSent && c->state() != tcp::State::SynReceived) {
        // SND.UNA - ISS counts the SYN (and, once acknowledged, the FIN): data bytes are at most
        // what the application handed to send().
        const std::uint32_t una = static_cast<std::uint32_t>(c->snd_una() - c->iss());
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
    if (!ss_end_ && c->state() == tcp::State::Established &&
        (s.ssthresh != std::numeric_limits<std::uint32_t>::max() ||
         (pipe_full_bytes_ != 0 && s.cwnd >= pipe_full_bytes_))) {
        ss_end_ = now;
        ss_end_delivered_ = delivered;
    }
    last_ = s;
    seen_ = true;
}

}  // namespace ustack::sim
