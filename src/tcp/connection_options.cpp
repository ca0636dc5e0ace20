// tcp::Connection options: RFC 7323 window scaling, timestamps (RTTM) and PAWS, RFC 2018 SACK
// (receiver blocks and the peer's blocks) and RFC 2883 D-SACK.
#include <algorithm>

#include "tcp/connection.h"

namespace ustack::tcp {

using wire::SackBlock;
using wire::SeqNum;
using wire::TcpControl;
using wire::TcpOptions;
using wire::TcpRepr;

namespace {
// RFC 7323 §2.3: "the maximum window shift count is 14".
constexpr std::uint8_t kMaxWindowShift = 14;
// RFC 7323 §5.5: TS.Recent is invalid after 24 days without a segment updating it.
constexpr Duration kPawsIdle = Duration::seconds(24 * 24 * 3600);
}  // namespace

std::uint32_t Connection::ts_now(Instant now) const {
    // RFC 7323 §5.4: a timestamp clock between 1 ms and 1 s per tick; ours ticks every 1 ms.
    return static_cast<std::uint32_t>(now.as_micros() / 1000) + ts_offset_;
}

void Connection::take_peer_syn_options(const TcpRepr& syn) {
    // RFC 9293 §3.7.1: the MSS option "MUST only be sent in the initial connection request";
    // without it the send MSS is the default (536 for IPv4, MUST-15).
    constexpr std::uint16_t kMinPeerMss = 48;  // Deviation: Linux's TCP_MIN_SND_MSS
    peer_mss_ =
        syn.options.mss ? std::max(*syn.options.mss, kMinPeerMss) : config_.default_peer_mss;
    // RFC 7323 §1.3: an option is used only when both SYNs carried it (we offer in our SYN what
    // the Config allows, and answer in a SYN-ACK only what the peer's SYN offered).
    wscale_ok_ = config_.window_scale && syn.options.wscale.has_value();
    if (wscale_ok_) {
        // RFC 7323 §2.3: "If a Window Scale option is received with a shift.cnt value larger than
        // 14, the TCP SHOULD log the error but MUST use 14 instead of the specified value."
        snd_wscale_ = std::min(*syn.options.wscale, kMaxWindowShift);
        rcv_wscale_ = rcv_wscale_offer_;
    } else {
        snd_wscale_ = 0;
        rcv_wscale_ = 0;
    }
    ts_ok_ = config_.timestamps && syn.options.timestamps.has_value();
    if (ts_ok_) {
        // RFC 7323 §4.3: TS.Recent starts from the SYN's TSval.
        ts_recent_ = syn.options.timestamps->tsval;
        ts_recent_at_ = now_;
    }
    // RFC 2018 §2: SACK is used only when SACK-permitted was in both SYNs.
    sack_ok_ = config_.sack && syn.options.sack_permitted;
}

void Connection::syn_options(TcpRepr& syn, Instant now) const {
    // RFC 9293 §3.7.1 MUST-14 allows always sending the MSS option; Linux does.
    syn.options.mss = config_.mss;
    // An active open offers what the Config allows; a SYN-ACK answers only what the peer's SYN
    // offered (RFC 7323 §1.3 for WS and TSopt, RFC 2018 §2 for SACK-permitted).
    const bool offering = state_ == State::SynSent;
    if (offering ? config_.window_scale : wscale_ok_) syn.options.wscale = rcv_wscale_offer_;
    if (offering ? config_.sack : sack_ok_) syn.options.sack_permitted = true;
    if (offering ? config_.timestamps : ts_ok_) {
        // RFC 7323 §3.2: TSecr is TS.Recent when the ACK bit is set, zero otherwise.
        syn.options.timestamps =
            wire::TcpTimestamps{ts_now(now), offering ? std::uint32_t{0} : ts_recent_};
    }
}

TcpOptions Connection::segment_options(bool ack, Instant now) const {
    TcpOptions o;
    // RFC 7323 §3.2: "Once TSopt has been successfully negotiated ... TSopt MUST be sent in
    // every non-<RST> segment"; TSecr is TS.Recent (§4.3 (3)). (We send it on RSTs too, as Linux.)
    if (ts_ok_) o.timestamps = wire::TcpTimestamps{ts_now(now), ts_recent_};
    if (sack_ok_ && ack) {
        const std::size_t max_blocks = max_sack_blocks();
        // RFC 2883 §4: "the first SACK block ... MUST specify the contiguous sequence space of
        // the duplicate segment that triggered the ACK".
        if (dsack_) (void)o.add_sack(*dsack_);
        // RFC 2018 §4: "The first SACK block ... MUST specify the contiguous block of data
        // containing the segment which triggered this ACK"; then the most recently reported
        // blocks (the assembler orders them by recency).
        std::array<Range, TcpOptions::kMaxSackBlocks> ranges{};
        const std::size_t n =
            reassembly_.sack_blocks(std::span<Range>(ranges.data(), max_blocks - o.sack_count));
        for (std::size_t i = 0; i < n; ++i) {
            (void)o.add_sack(SackBlock{rcv_nxt_ + ranges[i].start, rcv_nxt_ + ranges[i].end});
        }
    }
    return o;
}

std::uint16_t Connection::payload_mss() const {
    const std::size_t opts = data_options_len();
    const std::size_t mss = send_mss();
    // RFC 6691 §2: the MSS counts no TCP options, so the sender takes them off the payload.
    return static_cast<std::uint16_t>(mss > opts ? mss - opts : 1);
}

std::size_t Connection::payload_limit(std::size_t space) const {
    const std::size_t opts = data_options_len();
    const std::size_t room = std::min<std::size_t>(send_mss(), space);
    return room > opts ? room - opts : 0;
}

std::uint32_t Connection::scaled_window(const TcpRepr& seg) const {
    // RFC 7323 §2.3: "The window field (SEG.WND) in the header of every incoming segment, with
    // the exception of <SYN> segments, MUST be left-shifted by Snd.Wind.Shift bits before
    // updating SND.WND". SND.WND is kept in bytes.
    if (seg.control == TcpControl::Syn) return seg.window;
    return static_cast<std::uint32_t>(seg.window) << snd_wscale_;
}

bool Connection::check_paws(const TcpRepr& seg, Instant now) {
    // RFC 7323 §5.3 R1: "If there is a Timestamps option in the arriving segment, SEG.TSval <
    // TS.Recent, TS.Recent is valid (see later discussion), and if the RST bit is not set, then
    // treat the arriving segment as not acceptable: Send an acknowledgment in reply ... and drop
    // the segment."
    // Deviation: RFC 7323 §3.2 says a segment without TSopt SHOULD be dropped once TSopt is
    // negotiated; Linux accepts it (and we do), since middleboxes have been seen stripping it.
    if (!ts_ok_ || seg.control == TcpControl::Rst || !seg.options.timestamps) return true;
    // RFC 7323 §5.5: after 24 days idle TS.Recent is invalid; the segment is accepted.
    if (now - ts_recent_at_ > kPawsIdle) return true;
    const auto age = static_cast<std::int32_t>(seg.options.timestamps->tsval - ts_recent_);
    if (age >= 0) return true;
    ++paws_rejected_;
    ack_now_ = true;
    return false;
}

void Connection::update_ts_recent(const TcpRepr& seg, Instant now) {
    if (!ts_ok_ || !seg.options.timestamps) return;
    const std::uint32_t tsval = seg.options.timestamps->tsval;
    const bool invalid = now - ts_recent_at_ > kPawsIdle;  // RFC 7323 §5.5
    // RFC 7323 §4.3 (2) / §5.3 R3: "If SEG.TSval >= TS.Recent and SEG.SEQ <= Last.ACK.sent then
    // SEG.TSval is copied to TS.Recent; otherwise, it is ignored."
    if ((invalid || static_cast<std::int32_t>(tsval - ts_recent_) >= 0) &&
        seg.seq <= last_ack_sent_) {
        ts_recent_ = tsval;
        ts_recent_at_ = now;
    }
}

void Connection::update_ts_recent_on_duplicate(const TcpRepr& seg, Instant now) {
    // A segment wholly below RCV.NXT is data (or a FIN) we hold already, sent again because the
    // ACK covering it was lost. R2 drops it and owes an ACK (RFC 9293 §3.10.7.4); were R3 kept
    // to acceptable segments (RFC 7323 §5.3), that ACK would echo the TSval of the last in-order
    // segment, perhaps several retransmission timeouts old, and the peer, whose SND.UNA it
    // advances, would sample "RTT = current time - SEG.TSecr" (§4.1): SRTT and RTO grow by the
    // time the ACKs were lost, so the next lost ACK costs longer still. §4.3 (C) names the harm
    // ("An RTT computed from an earlier segment would probably include the sender's retransmit
    // timeout, badly biasing the sender's average RTT estimate"), and Appendix H faults RFC
    // 1323's rule because "It failed to update TS.Recent for a retransmitted segment that
    // resulted from a lost <ACK>": the §4.3 (2) test (SEG.TSval >= TS.Recent and SEG.SEQ =<
    // Last.ACK.sent) is meant for this segment, so it is applied here too.
    // Deviation: §5.3 orders R3 after R2. 4.4BSD and FreeBSD (tcp_input) also take the TSval
    // of such a duplicate: they trim it to an empty segment at RCV.NXT and record the TSval when
    // Last.ACK.sent = RCV.NXT; Linux (tcp_sequence against rcv_wup) only when the duplicate ends
    // at its last ACK. Only the last receive buffer's worth below RCV.NXT counts, so a forged
    // segment must hit a window-sized range, as for R3 itself; SYNs and RSTs never count.
    if (!ts_ok_ || seg.control == TcpControl::Syn || seg.control == TcpControl::Rst) return;
    const std::size_t len = seg.segment_len();
    if (len == 0) return;
    const SeqNum end = seg.seq + static_cast<std::int64_t>(len);
    const SeqNum floor = rcv_nxt_ - static_cast<std::int64_t>(rx_.capacity());
    if (end <= rcv_nxt_ && floor <= seg.seq) update_ts_recent(seg, now);
}

bool Connection::ts_rtt_sample(const TcpRepr& seg, Instant now) {
    if (!ts_ok_ || !seg.options.timestamps) return false;
    const std::uint32_t tsecr = seg.options.timestamps->tsecr;
    // As Linux, a zero TSecr is taken as "no echo" (RFC 7323 §3.2: TSecr is zero without ACK).
    if (tsecr == 0) return false;
    // RFC 7323 §4.1: "RTT = current time - SEG.TSecr"; the echo names the very transmission that
    // was answered, so the sample is unambiguous even after a retransmission (no Karn rule).
    const auto ms = static_cast<std::int32_t>(ts_now(now) - tsecr);
    if (ms < 0) return false;
    return rtt_.sample(Duration::millis(ms), false);
}

void Connection::take_peer_sack(const TcpRepr& seg) {
    ReceivedSack& p = peer_sack_;
    p.count = 0;
    p.dsack = false;
    p.ack = *seg.ack;
    ++p.serial;
    if (!sack_ok_) return;
    const auto in = seg.options.sacks();
    for (std::size_t i = 0; i < in.size(); ++i) {
        SackBlock b = in[i];
        // RFC 2018 §3: a block is [left, right); one beyond what we sent cannot be real.
        if (!(b.left < b.right) || b.right > snd_max_) continue;
        if (i == 0) {
            // RFC 2883 §4: the first block is a D-SACK when it lies at or below the cumulative
            // ACK, or inside the second block.
            const bool below = b.right <= p.ack;
            const bool inside = in.size() > 1 && in[1].left <= b.left && b.right <= in[1].right;
            if ((below || inside) &&
                b.left >= snd_una_ - static_cast<std::int64_t>(std::max(max_snd_wnd_, 65535u))) {
                p.blocks[p.count++] = b;
                p.dsack = true;
                continue;
            }
        }
        if (b.right <= p.ack) continue;  // already covered by the cumulative ACK
        if (b.left < p.ack) b.left = p.ack;
        p.blocks[p.count++] = b;
    }
}

void Connection::note_duplicate(SeqNum left, SeqNum right) {
    // RFC 2883 §4: a duplicate segment is reported in the first SACK block of the ACK it draws
    // (only when SACK is in use: "D-SACK ... an extension of SACK", §2). RFC 5681 §4.2: the ACK
    // goes out at once.
    if (sack_ok_ && left < right) dsack_ = SackBlock{left, right};
    ack_now_ = true;
}

}  // namespace ustack::tcp
