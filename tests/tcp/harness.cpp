// The peer harness: builds peer segments, checks sent ones field by field, runs virtual time.
#include "harness.h"

#include <sstream>

namespace ustack::tcp::test {

using wire::SeqNum;
using wire::TcpControl;
using wire::TcpRepr;

namespace {
std::string_view flags_text(TcpControl c, bool psh, bool ack) {
    return c == TcpControl::Syn   ? (ack ? "S." : "S")
           : c == TcpControl::Fin ? (psh ? (ack ? "FP." : "FP") : (ack ? "F." : "F"))
           : c == TcpControl::Rst ? (ack ? "R." : "R")
           : psh                  ? (ack ? "P." : "P")
                                  : (ack ? "." : "none");
}
}  // namespace

std::string describe(const TcpRepr& r) {
    std::ostringstream o;
    o << "Flags [" << flags_text(r.control, r.psh, r.ack.has_value()) << "], seq " << r.seq.raw();
    if (r.ack) o << ", ack " << r.ack->raw();
    o << ", win " << r.window;
    std::string opts;
    auto add = [&](const std::string& t) { opts += (opts.empty() ? "" : ",") + t; };
    if (r.options.mss) add("mss " + std::to_string(*r.options.mss));
    if (r.options.sack_permitted) add("sackOK");
    if (r.options.timestamps) {
        add("TS val " + std::to_string(r.options.timestamps->tsval) + " ecr " +
            std::to_string(r.options.timestamps->tsecr));
    }
    if (r.options.wscale) add("wscale " + std::to_string(*r.options.wscale));
    if (r.options.sack_count > 0) {
        std::string b = "sack " + std::to_string(r.options.sack_count);
        for (const auto& blk : r.options.sacks()) {
            b +=
                " {" + std::to_string(blk.left.raw()) + ":" + std::to_string(blk.right.raw()) + "}";
        }
        add(b);
    }
    if (!opts.empty()) o << ", options [" << opts << "]";
    o << ", length " << r.payload.size();
    if (!r.payload.empty()) {
        o << " \""
          << std::string(reinterpret_cast<const char*>(r.payload.data()),
                         std::min<std::size_t>(r.payload.size(), 32))
          << (r.payload.size() > 32 ? "...\"" : "\"");
    }
    return o.str();
}

TcpRepr Seg::repr(std::uint16_t src, std::uint16_t dst) const {
    TcpRepr r;
    r.src_port = src_.value_or(src);
    r.dst_port = dst_.value_or(dst);
    r.control = control_;
    r.psh = psh_.value_or(false);
    r.seq = SeqNum(seq_.value_or(0));
    if (ack_) r.ack = SeqNum(*ack_);
    r.window = win_.value_or(65535);
    r.urgent = urg_;
    if (mss_) r.options.mss = *mss_;
    if (wscale_) r.options.wscale = *wscale_;
    r.options.sack_permitted = sack_ok_.value_or(false);
    if (ts_val_ || ts_ecr_)
        r.options.timestamps = wire::TcpTimestamps{ts_val_.value_or(0), ts_ecr_.value_or(0)};
    if (sacks_) {
        for (const auto& [l, rt] : *sacks_)
            (void)r.options.add_sack({SeqNum(l), SeqNum(rt)});
    }
    r.payload = Bytes(reinterpret_cast<const std::uint8_t*>(payload_.data()), payload_.size());
    return r;
}

std::string Seg::describe() const {
    std::ostringstream o;
    o << "Flags [" << flags_text(control_, psh_.value_or(false), ack_.has_value()) << "]";
    o << ", seq " << (seq_ ? std::to_string(*seq_) : "*");
    if (ack_) o << ", ack " << *ack_;
    if (no_ack_) o << ", no ack";
    o << ", win " << (win_ ? std::to_string(*win_) : "*");
    std::string opts;
    auto add = [&](const std::string& t) { opts += (opts.empty() ? "" : ",") + t; };
    if (mss_) add("mss " + std::to_string(*mss_));
    if (sack_ok_) add(*sack_ok_ ? "sackOK" : "no sackOK");
    if (ts_val_ || ts_ecr_) {
        add("TS val " + (ts_val_ ? std::to_string(*ts_val_) : std::string("*")) + " ecr " +
            (ts_ecr_ ? std::to_string(*ts_ecr_) : std::string("*")));
    }
    if (no_ts_) add("no TS");
    if (wscale_) add("wscale " + std::to_string(*wscale_));
    if (no_wscale_) add("no wscale");
    if (sacks_) {
        std::string b = "sack " + std::to_string(sacks_->size());
        for (const auto& [l, r] : *sacks_) {
            b += " {" + std::to_string(l) + ":" + std::to_string(r) + "}";
        }
        add(b);
    }
    if (!opts.empty()) o << ", options [" << opts << "]";
    o << ", length " << payload_.size();
    if (!payload_.empty()) o << " \"" << payload_.substr(0, 32) << "\"";
    return o.str();
}

std::string Seg::mismatch(const TcpRepr& got) const {
    std::ostringstream o;
    if (got.control != control_) o << " control;";
    if (psh_ && got.psh != *psh_) o << " psh;";
    if (seq_ && got.seq.raw() != *seq_) o << " seq;";
    if (ack_ && (!got.ack || got.ack->raw() != *ack_)) o << " ack;";
    if (no_ack_ && got.ack) o << " ack flag;";
    if (win_ && got.window != *win_) o << " window;";
    if (mss_ && got.options.mss != mss_) o << " mss;";
    if (wscale_ && got.options.wscale != wscale_) o << " wscale;";
    if (no_wscale_ && got.options.wscale) o << " wscale present;";
    if (sack_ok_ && got.options.sack_permitted != *sack_ok_) o << " sackOK;";
    if ((ts_val_ || ts_ecr_) && !got.options.timestamps) o << " TS missing;";
    if (got.options.timestamps) {
        if (ts_val_ && got.options.timestamps->tsval != *ts_val_) o << " TS val;";
        if (ts_ecr_ && got.options.timestamps->tsecr != *ts_ecr_) o << " TS ecr;";
        if (no_ts_) o << " TS present;";
    }
    if (sacks_) {
        bool same = sacks_->size() == got.options.sack_count;
        for (std::size_t i = 0; same && i < sacks_->size(); ++i) {
            same = got.options.sack_blocks[i].left.raw() == (*sacks_)[i].first &&
                   got.options.sack_blocks[i].right.raw() == (*sacks_)[i].second;
        }
        if (!same) o << " sack blocks;";
    }
    const std::string_view gp(reinterpret_cast<const char*>(got.payload.data()),
                              got.payload.size());
    if (gp != payload_) o << " payload;";
    return o.str();
}

Config Harness::default_config() {
    Config c;
    c.mss = 1460;
    c.send_buffer = 65536;
    c.recv_buffer = 65536;
    // The suites check RFC 1122 delayed ACKs segment by segment; Linux's quick-ack start
    // (Config::quick_acks) is tested on its own (DelayedAck.QuickAck*).
    c.quick_acks = 0;
    return c;
}

Harness::Harness(Config config) : config_(config) {}

void Harness::connect() {
    conn_.emplace(Connection::active_open(config_, kLocalPort, kRemotePort, SeqNum(kIss), now_));
    drain();
}

void Harness::accept(const Seg& syn) {
    conn_.emplace(
        Connection::passive_open(config_, syn.repr(kRemotePort, kLocalPort), SeqNum(kIss), now_));
    drain();
}

void Harness::deliver(const Seg& s) {
    drain();
    conn_->on_segment(s.repr(kRemotePort, kLocalPort), now_);
    drain();
}

std::optional<TcpRepr> Harness::transmit() {
    drain();
    auto r = conn_->poll_transmit(now_, MutBytes(space_));
    drain();
    return r;
}

::testing::AssertionResult Harness::expect(const Seg& s) {
    const auto got = transmit();
    if (!got) {
        return ::testing::AssertionFailure()
               << "at t=" << now_.as_micros() << "us in " << to_string(state()) << ": expected "
               << s.describe() << "\n  but nothing was sent";
    }
    if (got->src_port != kLocalPort || got->dst_port != kRemotePort) {
        return ::testing::AssertionFailure()
               << "wrong ports " << got->src_port << " > " << got->dst_port;
    }
    const std::string why = s.mismatch(*got);
    if (!why.empty()) {
        return ::testing::AssertionFailure()
               << "at t=" << now_.as_micros() << "us in " << to_string(state()) << ":\n  expected "
               << s.describe() << "\n  but sent " << describe(*got) << "\n  differs in:" << why;
    }
    return ::testing::AssertionSuccess();
}

::testing::AssertionResult Harness::expect_nothing() {
    const auto got = transmit();
    if (got) {
        return ::testing::AssertionFailure()
               << "at t=" << now_.as_micros() << "us in " << to_string(state())
               << ": expected nothing, but sent " << describe(*got);
    }
    return ::testing::AssertionSuccess();
}

std::size_t Harness::flush() {
    std::size_t n = 0;
    while (transmit()) {
        if (++n > 10000) break;
    }
    return n;
}

Result<std::size_t> Harness::send(std::string_view data) {
    auto r = conn_->send(Bytes(reinterpret_cast<const std::uint8_t*>(data.data()), data.size()));
    drain();
    return r;
}

std::string Harness::read() {
    std::string out;
    std::array<std::uint8_t, 4096> buf{};
    while (true) {
        auto r = conn_->recv(MutBytes(buf));
        if (!r || *r == 0) break;
        out.append(reinterpret_cast<const char*>(buf.data()), *r);
    }
    drain();
    return out;
}

::testing::AssertionResult Harness::advance_to_poll_at() {
    const Instant at = conn_->poll_at();
    if (at == Instant::never()) {
        return ::testing::AssertionFailure() << "poll_at() is never: no deadline armed";
    }
    if (at > now_) now_ = at;
    return ::testing::AssertionSuccess();
}

void Harness::drain() {
    if (!conn_) return;
    for (const Event& e : conn_->take_events()) {
        events_.push_back(e);
        if (e.kind == EventKind::StateChanged) {
            transitions_.push_back(std::string(to_string(e.from)) + " -> " +
                                   std::string(to_string(e.to)));
        }
    }
}

const std::vector<std::string>& Harness::transitions() {
    drain();
    return transitions_;
}

const std::vector<Event>& Harness::events() {
    drain();
    return events_;
}

bool Harness::saw(EventKind kind) {
    drain();
    for (const Event& e : events_) {
        if (e.kind == kind) return true;
    }
    return false;
}

std::optional<Errc> Harness::closed_error() {
    drain();
    for (const Event& e : events_) {
        if (e.kind == EventKind::Closed) return e.error;
    }
    return std::nullopt;
}

void Harness::establish_client(std::uint16_t peer_window) {
    connect();
    EXPECT_SENT(*this, seg().syn().seq(kIss).no_ack().mss(config_.mss));
    deliver(seg().syn().seq(kPeerIss).ack(kIss + 1).win(peer_window).mss(1460));
    EXPECT_SENT(*this, seg().seq(kIss + 1).ack(kPeerIss + 1));
    EXPECT_EQ(state(), State::Established);
}

void Harness::establish_client_with(Seg synack) {
    connect();
    EXPECT_TRUE(transmit().has_value());  // our SYN
    deliver(synack.syn().seq(kPeerIss).ack(kIss + 1));
    EXPECT_SENT(*this, seg().seq(kIss + 1).ack(kPeerIss + 1));
    EXPECT_EQ(state(), State::Established);
}

void Harness::establish_server_with(Seg syn, Seg third) {
    accept(syn.syn().seq(kPeerIss));
    EXPECT_SENT(*this, seg().syn().seq(kIss).ack(kPeerIss + 1).mss(config_.mss));
    deliver(third.seq(kPeerIss + 1).ack(kIss + 1));
    EXPECT_EQ(state(), State::Established);
}

void Harness::establish_server(std::uint16_t peer_window) {
    accept(seg().syn().seq(kPeerIss).win(peer_window).mss(1460));
    EXPECT_SENT(*this, seg().syn().seq(kIss).ack(kPeerIss + 1).mss(config_.mss));
    deliver(seg().seq(kPeerIss + 1).ack(kIss + 1).win(peer_window));
    EXPECT_EQ(state(), State::Established);
}

}  // namespace ustack::tcp::test
