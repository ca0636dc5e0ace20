#include "capture/pcap_writer.h"

#include <pcap/pcap.h>

#include <algorithm>

#include <fmt/format.h>

namespace ustack::capture {
namespace {

void close_handle(pcap* p) {
    if (p != nullptr) pcap_close(p);
}
void close_dumper(pcap_dumper* d) {
    if (d != nullptr) pcap_dump_close(d);
}

// The DLT value libpcap expects for a LINKTYPE; they differ only for raw IP.
int dlt_for(LinkType link) {
    return link == LinkType::Raw ? DLT_RAW : static_cast<int>(link);
}

}  // namespace

PcapWriter::PcapWriter(pcap* dead, pcap_dumper* dumper, std::string path, TimePrecision precision,
                       std::uint32_t snaplen)
    : dead_(dead, close_handle),
      dumper_(dumper, close_dumper),
      path_(std::move(path)),
      precision_(precision),
      snaplen_(snaplen) {}

PcapWriter::PcapWriter(PcapWriter&&) noexcept = default;
PcapWriter& PcapWriter::operator=(PcapWriter&&) noexcept = default;
PcapWriter::~PcapWriter() {
    dumper_.reset();  // the dumper must close before the handle it came from
}

tl::expected<PcapWriter, std::string> PcapWriter::create(const std::string& path, LinkType link,
                                                         TimePrecision precision,
                                                         std::uint32_t snaplen) {
    pcap* dead = pcap_open_dead_with_tstamp_precision(dlt_for(link), static_cast<int>(snaplen),
                                                      precision == TimePrecision::Nano
                                                          ? PCAP_TSTAMP_PRECISION_NANO
                                                          : PCAP_TSTAMP_PRECISION_MICRO);
    if (dead == nullptr) return tl::unexpected(fmt::format("{}: cannot set up libpcap", path));
    pcap_dumper* dumper = pcap_dump_open(dead, path.c_str());
    if (dumper == nullptr) {
        std::string why = pcap_geterr(dead);
        pcap_close(dead);
        return tl::unexpected(why.rfind(path, 0) == 0 ? why : fmt::format("{}: {}", path, why));
    }
    return PcapWriter(dead, dumper, path, precision, snaplen);
}

void PcapWriter::write(const Timestamp& ts, Bytes frame, std::uint32_t origlen) {
    pcap_pkthdr header{};
    header.ts.tv_sec = static_cast<time_t>(ts.sec);
    header.ts.tv_usec =
        static_cast<suseconds_t>(precision_ == TimePrecision::Nano ? ts.nsec : ts.nsec / 1000);
    header.caplen = static_cast<bpf_u_int32>(std::min<std::size_t>(frame.size(), snaplen_));
    header.len = std::max<std::uint32_t>(origlen, header.caplen);
    pcap_dump(reinterpret_cast<u_char*>(dumper_.get()), &header, frame.data());
}

tl::expected<void, std::string> PcapWriter::flush() {
    if (pcap_dump_flush(dumper_.get()) != 0)
        return tl::unexpected(fmt::format("{}: write failed", path_));
    return {};
}

}  // namespace ustack::capture
