// PcapSink: a FrameSink that writes every frame a Tap hands it to a pcap file (raw IP link type,
// microsecond timestamps from virtual time), so Wireshark, tcpdump and `ustack print` can read it,
// up to a size bound after which it stops writing.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <string>

#include <tl/expected.hpp>

#include "base/bytes.h"
#include "base/time.h"
#include "capture/pcap_writer.h"
#include "dev/frame_sink.h"

namespace ustack::sim {

// Frames must be bare IP packets (a SimLink or TUN with Medium::Ip): the file's link type is
// LINKTYPE_RAW. Both directions go to the one file, in the order the Tap saw them.
class PcapSink final : public dev::FrameSink {
  public:
    static constexpr std::uint64_t kUnbounded = std::numeric_limits<std::uint64_t>::max();

    // Creates (truncates) `path`; the error names the file. The file never grows past
    // `max_bytes` (its 24-byte header included): the first frame that would pass the bound, and
    // every frame after it, is counted in frames_dropped() instead, and `on_truncated` (if any)
    // runs once, at that frame.
    static tl::expected<PcapSink, std::string> create(
        const std::string& path, std::uint64_t max_bytes = kUnbounded,
        std::function<void(const PcapSink&)> on_truncated = {});

    PcapSink(PcapSink&&) noexcept = default;
    PcapSink& operator=(PcapSink&&) noexcept = default;

    void on_frame(dev::Direction direction, Instant at, Bytes frame) override;
    // Pushes buffered packets to the file (the writer also flushes when destroyed).
    tl::expected<void, std::string> flush() { return writer_.flush(); }

    // Frames written to the file, and frames the bound kept out of it.
    std::uint64_t frames() const { return frames_; }
    std::uint64_t frames_dropped() const { return dropped_; }
    bool truncated() const { return dropped_ > 0; }
    // The file's size so far (header and records), and its bound.
    std::uint64_t bytes() const { return bytes_; }
    std::uint64_t max_bytes() const { return max_bytes_; }
    const std::string& path() const { return path_; }

  private:
    PcapSink(capture::PcapWriter writer, std::string path, std::uint64_t max_bytes,
             std::function<void(const PcapSink&)> on_truncated);

    capture::PcapWriter writer_;
    std::string path_;
    std::uint64_t max_bytes_;
    std::function<void(const PcapSink&)> on_truncated_;
    std::uint64_t bytes_;
    std::uint64_t frames_ = 0;
    std::uint64_t dropped_ = 0;
};

}  // namespace ustack::sim
