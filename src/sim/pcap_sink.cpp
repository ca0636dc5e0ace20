// PcapSink: each frame costs a 16-byte record header plus its captured bytes; the bound is
// checked before it is written.
#include "sim/pcap_sink.h"

#include <algorithm>
#include <utility>

#include "sim/timestamp.h"

namespace ustack::sim {
namespace {

// The pcap file header, and each record's header (pcap-savefile(5)).
constexpr std::uint64_t kFileHeaderBytes = 24;
constexpr std::uint64_t kRecordHeaderBytes = 16;

}  // namespace

tl::expected<PcapSink, std::string> PcapSink::create(
    const std::string& path, std::uint64_t max_bytes,
    std::function<void(const PcapSink&)> on_truncated) {
    auto writer =
        capture::PcapWriter::create(path, capture::LinkType::Raw, capture::TimePrecision::Micro);
    if (!writer) return tl::unexpected(writer.error());
    return PcapSink(std::move(*writer), path, max_bytes, std::move(on_truncated));
}

PcapSink::PcapSink(capture::PcapWriter writer, std::string path, std::uint64_t max_bytes,
                   std::function<void(const PcapSink&)> on_truncated)
    : writer_(std::move(writer)),
      path_(std::move(path)),
      max_bytes_(max_bytes),
      on_truncated_(std::move(on_truncated)),
      bytes_(kFileHeaderBytes) {}

void PcapSink::on_frame(dev::Direction, Instant at, Bytes frame) {
    const std::uint64_t record =
        kRecordHeaderBytes +
        std::min<std::uint64_t>(frame.size(), capture::PcapWriter::kDefaultSnaplen);
    if (dropped_ > 0 || bytes_ + record > max_bytes_) {
        if (dropped_++ == 0 && on_truncated_) on_truncated_(*this);
        return;
    }
    ++frames_;
    bytes_ += record;
    writer_.write(to_timestamp(at), frame);
}

}  // namespace ustack::sim
