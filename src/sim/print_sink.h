// PrintSink: a FrameSink that turns every frame a Tap hands it into tcpdump's text through
// capture::LinePrinter (relative sequence numbers, -n/-nn, -v, ... as PrintOptions say).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/time.h"
#include "capture/line_printer.h"
#include "capture/print_options.h"
#include "dev/frame_sink.h"

namespace ustack::sim {

// Frames must be bare IP packets (LINKTYPE_RAW), as a SimLink with Medium::Ip carries them.
// The timestamps the printer sees are the virtual time (see to_timestamp); PrintOptions::time
// decides how they are shown (TimeFormat::None leaves them to the caller).
class PrintSink final : public dev::FrameSink {
  public:
    // Receives each packet's text without its final newline (more than one line with -v).
    using LineCallback =
        std::function<void(dev::Direction direction, Instant at, std::string_view text)>;

    // Keeps the text in lines().
    explicit PrintSink(const capture::PrintOptions& options);
    // Hands the text to `callback` instead.
    PrintSink(const capture::PrintOptions& options, LineCallback callback);

    void on_frame(dev::Direction direction, Instant at, Bytes frame) override;

    // Every packet's text, oldest first, when no callback was given.
    const std::vector<std::string>& lines() const { return lines_; }
    std::uint64_t frames() const { return frames_; }

  private:
    capture::LinePrinter printer_;
    LineCallback callback_;
    std::vector<std::string> lines_;
    std::string text_;  // reused for every packet
    std::uint64_t frames_ = 0;
};

}  // namespace ustack::sim
