#include "sim/print_sink.h"

#include <utility>

#include "capture/record.h"
#include "sim/timestamp.h"

namespace ustack::sim {

PrintSink::PrintSink(const capture::PrintOptions& options)
    : printer_(capture::LinkType::Raw, options) {}

PrintSink::PrintSink(const capture::PrintOptions& options, LineCallback callback)
    : printer_(capture::LinkType::Raw, options), callback_(std::move(callback)) {}

void PrintSink::on_frame(dev::Direction direction, Instant at, Bytes frame) {
    capture::Record record;
    record.number = ++frames_;
    record.ts = to_timestamp(at);
    record.caplen = static_cast<std::uint32_t>(frame.size());
    record.origlen = record.caplen;
    record.data = frame;
    text_.clear();
    printer_.print(record, text_);
    std::string_view text = text_;
    if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
    if (callback_) {
        callback_(direction, at, text);
    } else {
        lines_.emplace_back(text);
    }
}

}  // namespace ustack::sim
