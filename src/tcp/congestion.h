// The congestion controller a TCB holds: NewReno (RFC 5681, RFC 6582) or CUBIC (RFC 9438)
// behind one small value type (a std::variant: no allocation, no virtual calls), with HyStart++
// (RFC 9406) ending the initial slow start of either.
#pragma once

#include <cstdint>
#include <optional>
#include <variant>

#include "base/time.h"
#include "tcp/config.h"
#include "tcp/cubic.h"
#include "tcp/hystart.h"
#include "tcp/newreno.h"
#include "wire/seq_num.h"

namespace ustack::tcp {

// What one ACK tells the congestion controller. Only ACKs outside fast recovery are given to
// on_ack (RFC 5681 §3.2: the window does not grow during fast recovery).
struct AckInfo {
    std::uint32_t acked_bytes = 0;  // bytes newly acknowledged cumulatively by this ACK
    Instant now;                    // when the ACK arrived
    Duration srtt;                  // smoothed RTT after this ACK (zero before any sample)
    bool cwnd_limited = true;       // the sender was filling cwnd (false: app- or rwnd-limited)
    // For HyStart++ (RFC 9406 §4.2): SEG.ACK, SND.NXT, and this ACK's RTT sample if any.
    wire::SeqNum ack;
    wire::SeqNum snd_nxt;
    std::optional<Duration> rtt_sample;
};

class CongestionController {
  public:
    // The window starts at the RFC 6928 initial window (Config::initial_window_segments) of
    // `smss` (the effective send MSS, known once the handshake completed). `hystart`: end the
    // initial slow start by RFC 9406 HyStart++ (Config::hystart).
    CongestionController(CongestionControl kind, std::uint32_t smss,
                         std::uint32_t initial_window_segments, bool hystart = true)
        : algo_(make(kind, smss, initial_window_segments)), hystart_(hystart) {}
    static CongestionController from_config(const Config& config, std::uint32_t smss) {
        return CongestionController(config.congestion, smss, config.initial_window_segments,
                                    config.hystart);
    }

    CongestionControl kind() const {
        return std::holds_alternative<Cubic>(algo_) ? CongestionControl::Cubic
                                                    : CongestionControl::NewReno;
    }
    std::uint32_t cwnd() const {
        return std::visit([](const auto& a) { return a.cwnd(); }, algo_);
    }
    std::uint32_t ssthresh() const {
        return std::visit([](const auto& a) { return a.ssthresh(); }, algo_);
    }
    std::uint32_t smss() const {
        return std::visit([](const auto& a) { return a.smss(); }, algo_);
    }
    bool in_slow_start() const {
        return std::visit([](const auto& a) { return a.in_slow_start(); }, algo_);
    }

    // RFC 5681 §3.1 slow start / congestion avoidance (RFC 9438 §4.2-§4.5 for CUBIC).
    void on_ack(const AckInfo& ack);
    // Fast retransmit (RFC 5681 §3.2 step 2; RFC 9438 §4.6): ssthresh and cwnd reduced.
    void on_congestion_event(std::uint32_t flight_size);
    // RFC 6582 §3.2 step 6: a full ACK ended fast recovery.
    void on_recovery_exit(std::uint32_t flight_size);
    // RFC 5681 §3.1 eq. (4) and LW; RFC 9438 §4.8. first_timeout: see NewReno::on_rto.
    void on_rto(std::uint32_t flight_size, bool first_timeout);
    // RFC 6928 §2: the SYN or SYN-ACK was retransmitted; the initial window is one segment.
    void on_syn_loss();
    // RFC 5681 §4.1: no data sent for longer than the RTO; back to at most the initial window.
    void on_idle_restart() {
        std::visit([](auto& a) { a.on_idle_restart(); }, algo_);
    }
    // RFC 9438 §4.9 (CUBIC only; NewReno keeps its window): the last reduction was spurious.
    void undo();

    // The algorithms themselves, for tests and traces (nullptr when the other one runs).
    const Cubic* cubic() const { return std::get_if<Cubic>(&algo_); }
    const NewReno* newreno() const { return std::get_if<NewReno>(&algo_); }
    const HyStart& hystart() const { return hystart_; }

  private:
    static std::variant<Cubic, NewReno> make(CongestionControl kind, std::uint32_t smss,
                                             std::uint32_t iw) {
        if (kind == CongestionControl::NewReno) return NewReno(smss, iw);
        return Cubic(smss, iw);
    }

    std::variant<Cubic, NewReno> algo_;  // the running algorithm; fixed for the connection
    HyStart hystart_;                    // RFC 9406 state of the initial slow start
};

inline void CongestionController::on_ack(const AckInfo& ack) {
    std::uint32_t divisor = 1;
    if (in_slow_start() && hystart_.phase() != HyStart::Phase::Off) {
        const HyStart::Verdict v = hystart_.on_ack(ack.ack, ack.snd_nxt, ack.rtt_sample);
        // RFC 9406 §4.2: after CSS_ROUNDS rounds of CSS, ssthresh = cwnd (congestion avoidance
        // from this ACK on).
        if (v.end_slow_start) std::visit([](auto& a) { a.end_slow_start(); }, algo_);
        divisor = v.growth_divisor;
    }
    if (auto* reno = std::get_if<NewReno>(&algo_)) {
        reno->on_ack(ack.acked_bytes, ack.cwnd_limited, divisor);
    } else {
        std::get<Cubic>(algo_).on_ack(ack.acked_bytes, ack.now, ack.srtt, ack.cwnd_limited,
                                      divisor);
    }
}

inline void CongestionController::on_congestion_event(std::uint32_t flight_size) {
    // RFC 9406 §4.2: a loss during slow start or CSS ends both; the reduction is the standard one.
    hystart_.stop();
    std::visit([&](auto& a) { a.on_congestion_event(flight_size); }, algo_);
}

inline void CongestionController::on_recovery_exit(std::uint32_t flight_size) {
    std::visit([&](auto& a) { a.on_recovery_exit(flight_size); }, algo_);
}

inline void CongestionController::on_rto(std::uint32_t flight_size, bool first_timeout) {
    hystart_.stop();
    std::visit([&](auto& a) { a.on_rto(flight_size, first_timeout); }, algo_);
}

inline void CongestionController::on_syn_loss() {
    std::visit([](auto& a) { a.on_syn_loss(); }, algo_);
}

inline void CongestionController::undo() {
    if (auto* c = std::get_if<Cubic>(&algo_)) c->undo();
}

}  // namespace ustack::tcp
