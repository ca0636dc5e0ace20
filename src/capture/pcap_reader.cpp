#include "capture/pcap_reader.h"

#include <pcap/pcap.h>

#include <fmt/format.h>

namespace ustack::capture {
namespace {

void close_handle(pcap* p) {
    if (p != nullptr) pcap_close(p);
}

void free_filter(bpf_program* prog) {
    if (prog == nullptr) return;
    pcap_freecode(prog);
    delete prog;
}

// libpcap hands back DLT_ values; the files (and our LinkType) use LINKTYPE_ values. They differ
// only for raw IP, whose DLT value is platform-specific.
LinkType link_type_from_dlt(int dlt) {
#ifdef DLT_RAW
    if (dlt == DLT_RAW) return LinkType::Raw;
#endif
    if (dlt == 12 || dlt == 14) return LinkType::Raw;
    return static_cast<LinkType>(dlt);
}

// libpcap's messages for an unreadable file header, made plainer for a user.
std::string describe_open_error(const std::string& path, const std::string& libpcap_text) {
    if (libpcap_text.find("unknown file format") != std::string::npos)
        return fmt::format("{}: not a capture file (neither pcap nor pcapng)", path);
    if (libpcap_text.find("truncated dump file") != std::string::npos ||
        libpcap_text.find("truncated pcapng dump file") != std::string::npos)
        return fmt::format("{}: truncated file header ({})", path, libpcap_text);
    if (libpcap_text.rfind(path, 0) == 0) return libpcap_text;  // "path: No such file..."
    return fmt::format("{}: {}", path, libpcap_text);
}

}  // namespace

PcapReader::PcapReader(pcap* handle, std::string path)
    : handle_(handle, close_handle), filter_(nullptr, free_filter), path_(std::move(path)) {
    link_type_ = link_type_from_dlt(pcap_datalink(handle));
}

PcapReader::PcapReader(PcapReader&&) noexcept = default;
PcapReader& PcapReader::operator=(PcapReader&&) noexcept = default;
PcapReader::~PcapReader() = default;

tl::expected<PcapReader, std::string> PcapReader::open(const std::string& path) {
    char errbuf[PCAP_ERRBUF_SIZE] = {};
    // Nanosecond precision keeps everything the file holds; printing decides how much to show.
    pcap* handle =
        pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_NANO, errbuf);
    if (handle == nullptr) return tl::unexpected(describe_open_error(path, errbuf));
    return PcapReader(handle, path);
}

std::string PcapReader::link_type_name() const {
    const char* name = pcap_datalink_val_to_name(pcap_datalink(handle_.get()));
    return name != nullptr ? name : fmt::format("{}", pcap_datalink(handle_.get()));
}

std::string PcapReader::link_type_description() const {
    const char* text = pcap_datalink_val_to_description(pcap_datalink(handle_.get()));
    return text != nullptr ? text : fmt::format("DLT {}", pcap_datalink(handle_.get()));
}

std::uint32_t PcapReader::snaplen() const {
    return static_cast<std::uint32_t>(pcap_snapshot(handle_.get()));
}

tl::expected<void, std::string> PcapReader::set_filter(const std::string& expression) {
    auto prog =
        std::unique_ptr<bpf_program, void (*)(bpf_program*)>(new bpf_program{}, free_filter);
    if (pcap_compile(handle_.get(), prog.get(), expression.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) {
        return tl::unexpected(
            fmt::format("bad filter expression '{}': {}", expression, pcap_geterr(handle_.get())));
    }
    filter_ = std::move(prog);
    return {};
}

tl::expected<std::optional<Record>, std::string> PcapReader::next() {
    for (;;) {
        pcap_pkthdr* header = nullptr;
        const u_char* data = nullptr;
        int rc = pcap_next_ex(handle_.get(), &header, &data);
        if (rc == PCAP_ERROR_BREAK) return std::nullopt;  // end of file
        if (rc != 1) {
            return tl::unexpected(
                fmt::format("{}: packet {}: {}", path_, number_ + 1, pcap_geterr(handle_.get())));
        }
        ++number_;
        if (filter_ && pcap_offline_filter(filter_.get(), header, data) == 0) continue;
        Record r;
        r.number = number_;
        r.ts.sec = header->ts.tv_sec;
        r.ts.nsec = static_cast<std::uint32_t>(header->ts.tv_usec);  // nanoseconds, see open()
        r.caplen = header->caplen;
        r.origlen = header->len;
        r.data = Bytes{data, header->caplen};
        return r;
    }
}

}  // namespace ustack::capture
