// PcapSink: a FrameSink that writes every frame a Tap hands it to a pcap file (raw IP link type,
// microsecond timestamps from virtual time), so Wireshark, tcpdump and `ustack print` can read it.
#pragma once

#include <cstdint>
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
    // Creates (truncates) `path`; the error names the file.
    static tl::expected<PcapSink, std::string> create(const std::string& path);

    PcapSink(PcapSink&&) noexcept = default;
    PcapSink& operator=(PcapSink&&) noexcept = default;

    void on_frame(dev::Direction direction, Instant at, Bytes frame) override;
    // Pushes buffered packets to the file (the writer also flushes when destroyed).
    tl::expected<void, std::string> flush() { return writer_.flush(); }

    std::uint64_t frames() const { return frames_; }
    const std::string& path() const { return path_; }

  private:
    PcapSink(capture::PcapWriter writer, std::string path)
        : writer_(std::move(writer)), path_(std::move(path)) {}

    capture::PcapWriter writer_;
    std::string path_;
    std::uint64_t frames_ = 0;
};

}  // namespace ustack::sim
