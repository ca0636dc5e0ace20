// Writes pcap capture files through libpcap: raw IP or Ethernet, microsecond or nanosecond stamps.
#pragma once

#include <memory>
#include <string>

#include <tl/expected.hpp>

#include "capture/record.h"

struct pcap;
struct pcap_dumper;

namespace ustack::capture {

enum class TimePrecision { Micro, Nano };

class PcapWriter {
  public:
    static constexpr std::uint32_t kDefaultSnaplen = 262144;  // as tcpdump

    static tl::expected<PcapWriter, std::string> create(const std::string& path, LinkType link,
                                                        TimePrecision precision,
                                                        std::uint32_t snaplen = kDefaultSnaplen);

    PcapWriter(PcapWriter&&) noexcept;
    PcapWriter& operator=(PcapWriter&&) noexcept;
    ~PcapWriter();

    // Appends one packet; bytes beyond the snapshot length are cut, origlen records the rest.
    void write(const Timestamp& ts, Bytes frame, std::uint32_t origlen);
    void write(const Timestamp& ts, Bytes frame) {
        write(ts, frame, static_cast<std::uint32_t>(frame.size()));
    }
    // Pushes buffered packets to the file; an error names the file.
    tl::expected<void, std::string> flush();

  private:
    PcapWriter(pcap* dead, pcap_dumper* dumper, std::string path, TimePrecision precision,
               std::uint32_t snaplen);

    std::unique_ptr<pcap, void (*)(pcap*)> dead_;
    std::unique_ptr<pcap_dumper, void (*)(pcap_dumper*)> dumper_;
    std::string path_;
    TimePrecision precision_;
    std::uint32_t snaplen_;
};

}  // namespace ustack::capture
