#include "sim/timeline.h"

#include <cstdio>
#include <utility>

#include "stack/event.h"
#include "tcp/state.h"

namespace ustack::sim {

namespace {

constexpr std::size_t kTimeColumn = 16;  // "HH:MM:SS.ffffff "
constexpr std::size_t kHostColumn = 8;   // "client  "
constexpr Duration kGapWorthANote = Duration::millis(500);

// "60", "1.5", "0.04": seconds without trailing zeros.
std::string seconds_text(Duration d) {
    const std::int64_t us = d.as_micros();
    if (us % 1'000'000 == 0) return std::to_string(us / 1'000'000);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6f", static_cast<double>(us) / 1e6);
    std::string s = buf;
    while (!s.empty() && s.back() == '0')
        s.pop_back();
    return s;
}

void pad_to(std::string& line, std::size_t column) {
    if (line.size() < column) line.append(column - line.size(), ' ');
}

}  // namespace

std::string format_virtual_time(Instant at) {
    const std::int64_t us = at.as_micros() < 0 ? 0 : at.as_micros();
    const std::int64_t s = us / 1'000'000;
    char buf[48];
    std::snprintf(buf, sizeof buf, "%02lld:%02lld:%02lld.%06lld", static_cast<long long>(s / 3600),
                  static_cast<long long>(s / 60 % 60), static_cast<long long>(s % 60),
                  static_cast<long long>(us % 1'000'000));
    return buf;
}

std::string quote(std::string_view data, std::size_t max_chars) {
    std::string out = "\"";
    std::size_t shown = 0;
    for (const char c : data) {
        if (shown == max_chars) {
            out += "\"...";
            return out;
        }
        ++shown;
        const auto u = static_cast<unsigned char>(c);
        switch (c) {
            case '\n':
                out += "\\n";
                continue;
            case '\r':
                out += "\\r";
                continue;
            case '\t':
                out += "\\t";
                continue;
            case '"':
                out += "\\\"";
                continue;
            case '\\':
                out += "\\\\";
                continue;
            default:
                break;
        }
        if (u >= 0x20 && u < 0x7f) {
            out += c;
        } else {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", u);
            out += buf;
        }
    }
    out += '"';
    return out;
}

void Timeline::attach(Host& host) {
    host.add_poll_hook([this](Instant) { begin_poll(); });
    host.add_event_handler([this, &host](const stack::Event& e, Instant now) {
        if (e.kind != stack::EventKind::StateChanged || e.conn() == nullptr) return;
        state(host, now,
              std::string(tcp::to_string(e.from)) + " -> " + std::string(tcp::to_string(e.to)));
    });
}

void Timeline::begin_poll() {
    poll_begin_ = entries_.size();
    insert_at_ = poll_begin_;
}

void Timeline::packet(dev::Direction direction, Instant at, std::string_view text) {
    entries_.push_back(Entry{at, EntryKind::Packet, {}, direction, std::string(text)});
    // A frame received in this poll came before any state change the poll reports.
    if (direction == dev::Direction::In) insert_at_ = entries_.size();
}

void Timeline::state(const Host& host, Instant at, std::string text) {
    if (insert_at_ < poll_begin_ || insert_at_ > entries_.size()) insert_at_ = entries_.size();
    const auto pos = entries_.begin() + static_cast<std::ptrdiff_t>(insert_at_);
    entries_.insert(pos,
                    Entry{at, EntryKind::State, host.name(), dev::Direction::In, std::move(text)});
    ++insert_at_;
}

void Timeline::call(const Host& host, Instant at, std::string text) {
    entries_.push_back(
        Entry{at, EntryKind::Call, host.name(), dev::Direction::In, std::move(text)});
}

void Timeline::note(Instant at, std::string text) {
    entries_.push_back(Entry{at, EntryKind::Note, {}, dev::Direction::In, std::move(text)});
}

std::size_t Timeline::packet_count() const {
    std::size_t n = 0;
    for (const Entry& e : entries_)
        n += e.kind == EntryKind::Packet ? 1 : 0;
    return n;
}

std::string Timeline::render() const {
    std::string out;
    std::string line;
    auto indented = [&](std::string_view host, std::string_view text) {
        line.assign(kTimeColumn, ' ');
        if (!host.empty()) {
            line += host;
            pad_to(line, kTimeColumn + kHostColumn);
        }
        line += text;
        out += line;
        out += '\n';
    };
    for (std::size_t i = 0; i < entries_.size(); ++i) {
        const Entry& e = entries_[i];
        if (i > 0 && e.at - entries_[i - 1].at >= kGapWorthANote) {
            std::string note;
            if (e.kind == EntryKind::State && e.text == "TIME-WAIT -> CLOSED") {
                // The host's last entry into TIME-WAIT says how long it lasted.
                for (std::size_t j = i; j-- > 0;) {
                    const Entry& tw = entries_[j];
                    if (tw.kind == EntryKind::State && tw.host == e.host &&
                        tw.text.ends_with("-> TIME-WAIT")) {
                        // (Appends, not "(" + string: g++ 12 -O3 warns falsely on that.)
                        note = "(";
                        note += seconds_text(e.at - tw.at);
                        note += " s of TIME-WAIT pass in virtual time)";
                        break;
                    }
                }
            }
            if (note.empty()) {
                note = "(virtual time jumps ";
                note += seconds_text(e.at - entries_[i - 1].at);
                note += " s)";
            }
            indented({}, note);
        }
        switch (e.kind) {
            case EntryKind::Packet:
                out += format_virtual_time(e.at);
                out += ' ';
                out += e.text;
                out += '\n';
                break;
            case EntryKind::State:
            case EntryKind::Call:
                indented(e.host, e.text);
                break;
            case EntryKind::Note:
                indented({}, e.text);
                break;
        }
    }
    return out;
}

}  // namespace ustack::sim
