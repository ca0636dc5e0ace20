// Reads pcap and pcapng capture files through libpcap, with an optional libpcap filter.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include <tl/expected.hpp>

#include "capture/record.h"

struct pcap;
struct bpf_program;

namespace ustack::capture {

// A capture file opened for reading. Errors are one-line messages that name the file (and the
// packet number, for a broken record) so a command can print them as they are.
class PcapReader {
  public:
    static tl::expected<PcapReader, std::string> open(const std::string& path);

    PcapReader(PcapReader&&) noexcept;
    PcapReader& operator=(PcapReader&&) noexcept;
    ~PcapReader();

    LinkType link_type() const { return link_type_; }
    // libpcap's name and description of the link type ("EN10MB", "Ethernet").
    std::string link_type_name() const;
    std::string link_type_description() const;
    std::uint32_t snaplen() const;
    const std::string& path() const { return path_; }

    // Compiles a filter expression in libpcap's language, as tcpdump does. Only records that
    // match are returned by next() afterwards.
    tl::expected<void, std::string> set_filter(const std::string& expression);

    // The next (matching) record; nullopt at the end of the file. Record::data stays valid until
    // the next call. A record cut short by the end of the file is an error.
    tl::expected<std::optional<Record>, std::string> next();

  private:
    PcapReader(pcap* handle, std::string path);

    std::unique_ptr<pcap, void (*)(pcap*)> handle_;
    std::unique_ptr<bpf_program, void (*)(bpf_program*)> filter_;
    std::string path_;
    LinkType link_type_ = LinkType::Ethernet;
    std::uint64_t number_ = 0;  // records read so far, matching or not
};

}  // namespace ustack::capture
