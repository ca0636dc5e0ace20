#include "sim/pcap_sink.h"

#include <utility>

#include "sim/timestamp.h"

namespace ustack::sim {

tl::expected<PcapSink, std::string> PcapSink::create(const std::string& path) {
    auto writer =
        capture::PcapWriter::create(path, capture::LinkType::Raw, capture::TimePrecision::Micro);
    if (!writer) return tl::unexpected(writer.error());
    return PcapSink(std::move(*writer), path);
}

void PcapSink::on_frame(dev::Direction, Instant at, Bytes frame) {
    ++frames_;
    writer_.write(to_timestamp(at), frame);
}

}  // namespace ustack::sim
