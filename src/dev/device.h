// Device: the interface every link-layer device (SimLink end, Tun, decorators) presents to a Stack.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "base/bytes.h"
#include "base/time.h"

namespace ustack::dev {

// What a frame starts with: a bare IP packet (TUN, point-to-point) or an Ethernet II header.
enum class Medium : std::uint8_t { Ip, Ethernet };

inline constexpr std::size_t kEthernetHeaderLen = 14;  // dst MAC, src MAC, EtherType

// Checksum work the device does so the stack need not (a TUN with virtio-net headers can;
// simulated devices do nothing, and a FaultInjector's corruption must then be caught).
struct ChecksumOffload {
    bool tx = false;  // the device fills in IPv4/TCP/ICMP checksums of frames it transmits
    bool rx = false;  // the device has verified the checksums of frames it delivers
};

struct DeviceCaps {
    // Largest IP packet, as on Linux: an Ethernet frame may be mtu + kEthernetHeaderLen long.
    std::size_t mtu = 1500;
    Medium medium = Medium::Ip;
    ChecksumOffload checksum;

    // Largest frame the device accepts or delivers, link header included.
    constexpr std::size_t max_frame_len() const {
        return mtu + (medium == Medium::Ethernet ? kEthernetHeaderLen : 0);
    }
};

// A link-layer device, driven by whoever owns it (normally a Stack, which folds the device's
// poll_at() into its own). No method reads a clock; time arrives as `now`.
// Decorators (Tap, FaultInjector) wrap a Device& and are Devices themselves.
class Device {
  public:
    virtual ~Device() = default;

    virtual DeviceCaps caps() const = 0;

    // The next frame that has arrived by `now`, or nullopt. The view stays valid until the next
    // receive() on this device, and nothing is allocated per frame.
    virtual std::optional<Bytes> receive(Instant now) = 0;

    // Hand a frame to the device (it is copied before return). False means the device dropped it
    // (queue full, too long): the frame is gone and the caller may count the drop.
    virtual bool transmit(Bytes frame, Instant now) = 0;

    // When receive() may next return a frame; at or before now when one is ready; never when idle.
    virtual Instant poll_at() const = 0;

    // A file descriptor a real loop waits on for readability; -1 for simulated devices.
    virtual int fd() const { return -1; }

    // Whether the checksums of the frame the last receive() returned need no verification. A
    // device that knows per frame (a TUN with virtio-net headers: the kernel made the packet, or
    // checked it) says so here; a TCP checksum field may then hold only a partial sum.
    virtual bool last_frame_checksum_trusted() const { return caps().checksum.rx; }

    // The end of a transmit burst: a device that holds frames back to send several in one go
    // (a TUN joining TCP segments for the kernel to cut again) sends what it holds. The Stack
    // calls it at the end of every poll(); decorators pass it on.
    virtual void flush(Instant /*now*/) {}

  protected:
    Device() = default;
    Device(const Device&) = default;
    Device& operator=(const Device&) = default;
};

}  // namespace ustack::dev
