// Tun: a Linux TUN device (IFF_TUN | IFF_NO_PI, non-blocking, with IFF_VNET_HDR offloads when the
// kernel has them) as a Device, plus ioctl helpers to bring the kernel's side of it up and give it
// addresses and an MTU.
#pragma once

#include <sys/uio.h>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tl/expected.hpp>
#include <vector>

#include "base/bytes.h"
#include "base/time.h"
#include "dev/device.h"
#include "dev/tun_gso.h"

namespace ustack::dev {

// Why opening or configuring a TUN device failed. Not an Errc: these are set-up errors the CLI
// prints as one clear message (message() names the device and what to do).
struct TunError {
    enum class Kind : std::uint8_t {
        NoTunDevice,       // /dev/net/tun is missing (no tun module, or a container without it)
        PermissionDenied,  // EPERM/EACCES: CAP_NET_ADMIN is lacking
        Busy,              // EBUSY: another process has the named device open
        InvalidName,       // empty where a name is needed, too long (IFNAMSIZ), or not a TUN
        NoSuchDevice,      // ENODEV: the named interface does not exist (configuration helpers)
        System,            // anything else; sys_errno says what
    };
    Kind kind = Kind::System;
    int sys_errno = 0;      // the errno of the failing call (0 when none)
    std::string operation;  // what failed: "open /dev/net/tun", "TUNSETIFF tun7", ...
    std::string message() const;
};

template <class T>
using TunResult = tl::expected<T, TunError>;

struct TunConfig {
    // Interface name; empty lets the kernel choose (tun0, tun1, ...). An existing TUN device of
    // that name is attached to (persistent devices made with `ip tuntap add`), else one is created.
    std::string name;
    // Frames read ahead per batch: receive() reads until EAGAIN or this many frames are buffered,
    // then hands them out one at a time with no further system call.
    std::size_t batch_frames = 64;
    // Largest frame the read buffers hold. 65535 covers any IP packet whatever the MTU becomes,
    // and the kernel's TSO packets (at most 64 KB).
    std::size_t max_frame_len = 65535;
    // The device's offloads: IFF_VNET_HDR with TUNSETOFFLOAD(TUN_F_CSUM | TUN_F_TSO4 |
    // TUN_F_TSO6). The kernel then hands us TCP packets of up to 64 KB whose checksum it left
    // unfinished, and we hand it runs of our segments joined into one packet it cuts again
    // (GsoCoalescer). Without kernel support (TUNSETOFFLOAD fails) the device opens plain.
    bool offload = true;
};

// Counters of the device's system calls and what they carried.
struct TunCounters {
    std::uint64_t reads = 0;        // read() calls that returned a frame
    std::uint64_t empty_reads = 0;  // read() calls that found nothing (EAGAIN)
    std::uint64_t frames_in = 0;
    std::uint64_t bytes_in = 0;
    std::uint64_t writes = 0;      // write() calls that sent a packet
    std::uint64_t frames_out = 0;  // frames given to transmit() that were written (joined or not)
    std::uint64_t bytes_out = 0;
    std::uint64_t tx_dropped = 0;   // frames whose write() failed (EAGAIN: the queue is full; EIO)
    std::uint64_t tx_oversize = 0;  // longer than max_frame_len: never written
    std::uint64_t read_errors = 0;  // read() failed with something other than EAGAIN
    // With offloads: packets read that the kernel left for us to treat as several segments
    // (gso_type TCPV4/TCPV6), and writes that carried several of our segments joined.
    std::uint64_t gso_frames_in = 0;
    std::uint64_t gso_writes = 0;
};

// One TUN device. receive() and transmit() are read() and write() of whole IP packets on the
// non-blocking descriptor; fd() is what a RealLoop waits on.
//
// A TUN file descriptor has no recvmmsg/sendmmsg, so every read or write is one system call (about
// 4 us here, most of it the kernel's per-packet path). With offloads (TunConfig::offload) a call
// carries up to 64 KB instead of one MTU:
// - receive: each read starts with a virtio-net header. A TSO packet is handed to the Stack whole
//   (its IP length covers all of it, as after Linux GRO); last_frame_checksum_trusted() is true
//   for NEEDS_CSUM (the TCP checksum field holds only the pseudo-header sum) and DATA_VALID.
// - transmit: TCP segments of one flow that continue each other are joined (GsoCoalescer) and
//   written as one packet when the run ends, the packet is full, or flush() comes at the end of
//   the Stack's poll; everything else is written at once, in order. The Stack still computes every
//   checksum, so captures above the device (Tap) show complete MSS-sized segments.
// transmit() returning true for a segment held back means accepted: a later write that fails is
// counted in tx_dropped, and TCP's retransmission recovers, as for a frame a NIC's ring dropped.
class Tun final : public Device {
  public:
    static TunResult<Tun> open(const TunConfig& config);

    Tun(Tun&& other) noexcept;
    Tun& operator=(Tun&& other) noexcept;
    Tun(const Tun&) = delete;
    Tun& operator=(const Tun&) = delete;
    ~Tun() override;

    // The interface name the kernel gave (the one asked for, or tunN).
    const std::string& name() const { return name_; }
    // Whether the offloads are on (asked for, and the kernel accepted TUNSETOFFLOAD).
    bool offload() const { return vnet_; }
    const TunCounters& counters() const { return counters_; }

    // The MTU read with SIOCGIFMTU at open() (or set by set_mtu()). The interface's MTU can be
    // changed behind our back (`ip link set mtu`); refresh_mtu() reads it again.
    DeviceCaps caps() const override;
    TunResult<std::size_t> refresh_mtu();

    std::optional<Bytes> receive(Instant now) override;
    bool transmit(Bytes frame, Instant now) override;
    // At or before now while read-ahead frames wait; never otherwise (the loop wakes on fd()).
    Instant poll_at() const override;
    int fd() const override { return fd_; }
    bool last_frame_checksum_trusted() const override { return last_trusted_; }
    // Writes the segments held back for joining, if any.
    void flush(Instant now) override;

    // Kernel-side configuration of this interface (needs CAP_NET_ADMIN in the device's network
    // namespace). The addresses are the *kernel's* addresses on the link, not the Stack's.
    TunResult<void> set_up(bool up = true) { return set_link_up(name_, up); }
    TunResult<void> set_mtu(std::size_t mtu);
    TunResult<void> add_address_v4(std::string_view address, std::uint8_t prefix_len) {
        return add_kernel_address_v4(name_, address, prefix_len);
    }
    TunResult<void> add_address_v6(std::string_view address, std::uint8_t prefix_len) {
        return add_kernel_address_v6(name_, address, prefix_len);
    }

    // The same for any interface by name (ioctl on an AF_INET / AF_INET6 datagram socket).
    static TunResult<void> set_link_up(const std::string& ifname, bool up);
    static TunResult<void> set_link_mtu(const std::string& ifname, std::size_t mtu);
    static TunResult<std::size_t> link_mtu(const std::string& ifname);
    static TunResult<void> add_kernel_address_v4(const std::string& ifname,
                                                 std::string_view address, std::uint8_t prefix_len);
    static TunResult<void> add_kernel_address_v6(const std::string& ifname,
                                                 std::string_view address, std::uint8_t prefix_len);
    // Whether the kernel has IPv6 `address` on `ifname` and it has left the tentative state
    // (RFC 4862 §5.4: until then the kernel neither sends from it nor accepts what is sent to
    // it; even with DAD off the kernel clears the flag a moment after the link comes up). True
    // when the kernel has no IPv6; false for an address it does not hold or cannot parse.
    static bool kernel_address_v6_ready(const std::string& ifname, std::string_view address);

  private:
    Tun(int fd, std::string name, const TunConfig& config, std::size_t mtu, bool vnet);
    void close_fd();
    // Reads until EAGAIN or the batch is full; returns the number of frames now buffered.
    std::size_t fill(Instant now);
    // One writev() of `total` bytes (with offloads: virtio-net header included); `segments` is
    // how many of the Stack's frames it carries.
    bool write_iov(const iovec* iov, int count, std::size_t total, std::size_t segments);
    // A frame that is not joined: with offloads, an all-zero virtio-net header goes before it.
    bool write_single(Bytes frame);
    bool write_pending();

    int fd_ = -1;
    std::string name_;
    std::size_t mtu_ = 1500;
    std::size_t max_frame_len_ = 65535;
    bool vnet_ = false;  // IFF_VNET_HDR: a VirtioNetHdr before every packet read or written
    // Read-ahead: batch slots of slot_len_ bytes (the virtio-net header, then up to
    // max_frame_len_); frames [next_, count_) are unread.
    std::size_t slot_len_ = 65535;
    std::vector<std::uint8_t> storage_;
    std::vector<std::size_t> lengths_;
    std::vector<std::uint8_t> trusted_;  // per slot: the header's checksum_trusted()
    bool last_trusted_ = false;
    GsoCoalescer gso_;
    std::size_t next_ = 0;
    std::size_t count_ = 0;
    Instant last_now_;  // the latest receive()'s now, for poll_at() while frames wait
    TunCounters counters_;
};

}  // namespace ustack::dev
