// PingClient: ICMP Echo (RFC 792) and ICMPv6 Echo (RFC 4443 §4.1) requests from our addresses,
// as a Device decorator between a device and the Stack: it sends requests on the device and
// takes the matching replies out of what the device delivers; every other frame passes through.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "base/bytes.h"
#include "base/time.h"
#include "dev/device.h"
#include "wire/ip_address.h"

namespace ustack::app {

struct EchoReply {
    wire::IpAddress from;
    std::uint16_t sequence = 0;
    std::size_t data_len = 0;  // ICMP data bytes (ping's "bytes": this + 8)
    std::uint8_t ttl = 0;      // IPv4 TTL or IPv6 Hop Limit of the reply
    bool data_intact = false;  // the data is the request's data
    Instant at;
};

// Only unfragmented replies are recognised (requests are limited to the device MTU).
// The request data is fill_pattern(sequence * 8) — deterministic, so replies are checked.
class PingClient final : public dev::Device {
  public:
    PingClient(dev::Device& inner, std::uint16_t identifier);

    // Sends one request from `src` to `dst` (same family). False when it does not fit the MTU,
    // the families differ, or the device refused it.
    bool send_request(const wire::IpAddress& src, const wire::IpAddress& dst,
                      std::uint16_t sequence, std::size_t data_len, Instant now);
    // The replies seen since the last call, in arrival order.
    std::vector<EchoReply> take_replies();
    std::uint16_t identifier() const { return identifier_; }

    dev::DeviceCaps caps() const override { return inner_.caps(); }
    std::optional<Bytes> receive(Instant now) override;
    bool transmit(Bytes frame, Instant now) override { return inner_.transmit(frame, now); }
    Instant poll_at() const override { return inner_.poll_at(); }
    int fd() const override { return inner_.fd(); }
    bool last_frame_checksum_trusted() const override {
        return inner_.last_frame_checksum_trusted();
    }
    void flush(Instant now) override { inner_.flush(now); }

  private:
    // An echo reply to our identifier: recorded, and true (the frame is consumed).
    bool take(Bytes frame, Instant now);
    bool matches(std::uint16_t sequence, Bytes data);

    dev::Device& inner_;
    std::uint16_t identifier_;
    std::vector<std::uint8_t> frame_;
    std::vector<std::uint8_t> expect_;
    std::vector<EchoReply> replies_;
};

}  // namespace ustack::app
