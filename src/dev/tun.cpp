#include "dev/tun.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/ipv6.h>
#include <net/if.h>  // glibc's struct ifreq, as the rest of the program (one definition under LTO)
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>

namespace ustack::dev {

namespace {

constexpr const char* kTunPath = "/dev/net/tun";

TunError error_from_errno(int err, std::string operation) {
    TunError e;
    e.sys_errno = err;
    e.operation = std::move(operation);
    switch (err) {
        case EPERM:
        case EACCES:
            e.kind = TunError::Kind::PermissionDenied;
            break;
        case EBUSY:
            e.kind = TunError::Kind::Busy;
            break;
        case ENODEV:
        case ENXIO:
            e.kind = TunError::Kind::NoSuchDevice;
            break;
        default:
            e.kind = TunError::Kind::System;
            break;
    }
    return e;
}

TunError invalid_name(const std::string& name) {
    TunError e;
    e.kind = TunError::Kind::InvalidName;
    e.operation = "interface name '" + name + "'";
    return e;
}

// A short-lived datagram socket for interface ioctls (they need a socket of some family).
class IoctlSocket {
  public:
    explicit IoctlSocket(int family) : fd_(::socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0)) {}
    ~IoctlSocket() {
        if (fd_ >= 0) ::close(fd_);
    }
    IoctlSocket(const IoctlSocket&) = delete;
    IoctlSocket& operator=(const IoctlSocket&) = delete;
    int fd() const { return fd_; }

  private:
    int fd_;
};

bool fill_ifreq_name(ifreq& ifr, const std::string& name) {
    if (name.empty() || name.size() >= IFNAMSIZ) return false;
    std::memset(&ifr, 0, sizeof ifr);
    std::memcpy(ifr.ifr_name, name.data(), name.size());
    return true;
}

TunResult<void> simple_ioctl(const std::string& ifname, unsigned long request, ifreq& ifr,
                             const char* what) {
    IoctlSocket sock(AF_INET);
    if (sock.fd() < 0) return tl::unexpected(error_from_errno(errno, "socket(AF_INET)"));
    if (::ioctl(sock.fd(), request, &ifr) < 0)
        return tl::unexpected(error_from_errno(errno, std::string(what) + " " + ifname));
    return {};
}

}  // namespace

std::string TunError::message() const {
    std::string m = operation.empty() ? std::string("tun") : operation;
    m += ": ";
    switch (kind) {
        case Kind::NoTunDevice:
            m += "/dev/net/tun is missing (load the tun module: modprobe tun; in a container, "
                 "pass the device through)";
            break;
        case Kind::PermissionDenied:
            m += "permission denied (CAP_NET_ADMIN is needed: run as root, or "
                 "setcap cap_net_admin+ep on the binary, or create the device beforehand with "
                 "'ip tuntap add dev NAME mode tun user USER')";
            break;
        case Kind::Busy:
            m += "device busy (another process has this TUN device open, or the name belongs "
                 "to an interface that is not a TUN device)";
            break;
        case Kind::InvalidName:
            m += "invalid interface name (1 to 15 characters)";
            break;
        case Kind::NoSuchDevice:
            m += "no such interface";
            break;
        case Kind::System:
            m += std::strerror(sys_errno);
            break;
    }
    return m;
}

namespace {

// Opens /dev/net/tun and attaches it to (or creates) the interface `name` with `flags`; the
// descriptor and the name the kernel gave.
TunResult<std::pair<int, std::string>> attach(const std::string& name, short flags) {
    const int fd = ::open(kTunPath, O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        const int err = errno;
        TunError e = error_from_errno(err, std::string("open ") + kTunPath);
        if (err == ENOENT || err == ENODEV || err == ENXIO) e.kind = TunError::Kind::NoTunDevice;
        return tl::unexpected(e);
    }
    ifreq ifr{};
    ifr.ifr_flags = flags;
    if (!name.empty()) std::memcpy(ifr.ifr_name, name.data(), name.size());
    if (::ioctl(fd, TUNSETIFF, &ifr) < 0) {
        const int err = errno;
        ::close(fd);
        TunError e = error_from_errno(err, "TUNSETIFF " + name);
        // EINVAL: the name exists and is a TAP device or another kind of interface.
        if (err == EINVAL) e.kind = TunError::Kind::Busy;
        return tl::unexpected(e);
    }
    return std::pair{fd, std::string(ifr.ifr_name, ::strnlen(ifr.ifr_name, IFNAMSIZ))};
}

// Switches the offloads on for a descriptor attached with IFF_VNET_HDR: our header is the
// 10-byte struct virtio_net_hdr, and the kernel may send us TCP with the checksum left partial
// (TUN_F_CSUM) and TSO packets of IPv4 and IPv6 (TUN_F_TSO4, TUN_F_TSO6; the kernel takes TSO
// only together with CSUM). False when the kernel refuses either.
bool enable_offloads(int fd) {
    int hdr_len = static_cast<int>(VirtioNetHdr::kLen);
    if (::ioctl(fd, TUNSETVNETHDRSZ, &hdr_len) < 0) return false;
    const unsigned offloads = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6;
    return ::ioctl(fd, TUNSETOFFLOAD, offloads) == 0;
}

}  // namespace

TunResult<Tun> Tun::open(const TunConfig& config) {
    if (config.name.size() >= IFNAMSIZ) return tl::unexpected(invalid_name(config.name));
    // A bare IP packet per read/write: no 4-byte packet-information prefix (IFF_NO_PI).
    const short plain = IFF_TUN | IFF_NO_PI;
    std::optional<std::pair<int, std::string>> attached;
    bool vnet = false;
    if (config.offload) {
        auto a = attach(config.name, static_cast<short>(plain | IFF_VNET_HDR));
        if (!a) return tl::unexpected(a.error());
        vnet = enable_offloads(a->first);
        if (vnet)
            attached = std::move(*a);
        else
            ::close(a->first);  // an old kernel: attach again without the header
    }
    if (!attached) {
        auto a = attach(config.name, plain);
        if (!a) return tl::unexpected(a.error());
        attached = std::move(*a);
    }
    auto [fd, name] = std::move(*attached);
    const auto mtu = link_mtu(name);
    if (!mtu) {
        ::close(fd);
        return tl::unexpected(mtu.error());
    }
    return Tun(fd, std::move(name), config, *mtu, vnet);
}

Tun::Tun(int fd, std::string name, const TunConfig& config, std::size_t mtu, bool vnet)
    : fd_(fd),
      name_(std::move(name)),
      mtu_(mtu),
      max_frame_len_(std::max<std::size_t>(config.max_frame_len, 1280)),
      vnet_(vnet),
      slot_len_(max_frame_len_ + (vnet ? VirtioNetHdr::kLen : 0)),
      storage_(std::max<std::size_t>(config.batch_frames, 1) * slot_len_),
      lengths_(std::max<std::size_t>(config.batch_frames, 1)),
      trusted_(lengths_.size()) {}

Tun::Tun(Tun&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      name_(std::move(other.name_)),
      mtu_(other.mtu_),
      max_frame_len_(other.max_frame_len_),
      vnet_(other.vnet_),
      slot_len_(other.slot_len_),
      storage_(std::move(other.storage_)),
      lengths_(std::move(other.lengths_)),
      trusted_(std::move(other.trusted_)),
      last_trusted_(other.last_trusted_),
      gso_(std::move(other.gso_)),
      next_(std::exchange(other.next_, 0)),
      count_(std::exchange(other.count_, 0)),
      last_now_(other.last_now_),
      counters_(other.counters_) {}

Tun& Tun::operator=(Tun&& other) noexcept {
    if (this == &other) return *this;
    close_fd();
    fd_ = std::exchange(other.fd_, -1);
    name_ = std::move(other.name_);
    mtu_ = other.mtu_;
    max_frame_len_ = other.max_frame_len_;
    vnet_ = other.vnet_;
    slot_len_ = other.slot_len_;
    storage_ = std::move(other.storage_);
    lengths_ = std::move(other.lengths_);
    trusted_ = std::move(other.trusted_);
    last_trusted_ = other.last_trusted_;
    gso_ = std::move(other.gso_);
    next_ = std::exchange(other.next_, 0);
    count_ = std::exchange(other.count_, 0);
    last_now_ = other.last_now_;
    counters_ = other.counters_;
    return *this;
}

Tun::~Tun() {
    close_fd();
}

void Tun::close_fd() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

DeviceCaps Tun::caps() const {
    DeviceCaps c;
    c.mtu = mtu_;
    c.medium = Medium::Ip;
    return c;
}

TunResult<std::size_t> Tun::refresh_mtu() {
    auto mtu = link_mtu(name_);
    if (mtu) mtu_ = *mtu;
    return mtu;
}

TunResult<void> Tun::set_mtu(std::size_t mtu) {
    auto r = set_link_mtu(name_, mtu);
    if (r) mtu_ = mtu;
    return r;
}

std::size_t Tun::fill(Instant now) {
    next_ = 0;
    count_ = 0;
    if (fd_ < 0) return 0;
    const std::size_t hdr = vnet_ ? VirtioNetHdr::kLen : 0;
    while (count_ < lengths_.size()) {
        std::uint8_t* slot = storage_.data() + count_ * slot_len_;
        const ssize_t n = ::read(fd_, slot, slot_len_);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                ++counters_.empty_reads;
            else
                ++counters_.read_errors;
            break;
        }
        ++counters_.reads;
        // Nothing to hand out: a zero-length read (or a bare header) is not a frame.
        if (static_cast<std::size_t>(n) <= hdr) continue;
        bool trusted = false;
        if (vnet_) {
            const auto h = VirtioNetHdr::parse(Bytes(slot, hdr));
            trusted = h->checksum_trusted();
            if ((h->gso_type & ~VirtioNetHdr::kGsoEcn) != VirtioNetHdr::kGsoNone)
                ++counters_.gso_frames_in;
        }
        const std::size_t len = static_cast<std::size_t>(n) - hdr;
        trusted_[count_] = trusted ? 1 : 0;
        lengths_[count_++] = len;
        ++counters_.frames_in;
        counters_.bytes_in += len;
    }
    last_now_ = now;
    return count_;
}

std::optional<Bytes> Tun::receive(Instant now) {
    last_now_ = now;
    if (next_ >= count_ && fill(now) == 0) return std::nullopt;
    const std::size_t i = next_++;
    last_trusted_ = trusted_[i] != 0;
    const std::size_t hdr = vnet_ ? VirtioNetHdr::kLen : 0;
    return Bytes(storage_.data() + i * slot_len_ + hdr, lengths_[i]);
}

Instant Tun::poll_at() const {
    return next_ < count_ ? last_now_ : Instant::never();
}

bool Tun::write_iov(const iovec* iov, int count, std::size_t total, std::size_t segments) {
    for (;;) {
        const ssize_t n = ::writev(fd_, iov, count);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 || static_cast<std::size_t>(n) != total) {
            // EAGAIN: the kernel's queue for the device is full; the frame is dropped, as a NIC
            // with a full ring drops, and TCP's retransmission recovers.
            counters_.tx_dropped += segments;
            return false;
        }
        break;
    }
    ++counters_.writes;
    counters_.frames_out += segments;
    counters_.bytes_out += total - (vnet_ ? VirtioNetHdr::kLen : 0);
    return true;
}

bool Tun::write_single(Bytes frame) {
    auto* data = const_cast<std::uint8_t*>(frame.data());
    if (!vnet_) {
        const iovec iov{data, frame.size()};
        return write_iov(&iov, 1, frame.size(), 1);
    }
    // An all-zero header: no offload asked for, the frame's checksums are complete.
    std::array<std::uint8_t, VirtioNetHdr::kLen> hdr{};
    const std::array<iovec, 2> iov{iovec{hdr.data(), hdr.size()}, iovec{data, frame.size()}};
    return write_iov(iov.data(), 2, hdr.size() + frame.size(), 1);
}

bool Tun::write_pending() {
    if (gso_.empty()) return true;
    const std::size_t segments = gso_.segments();
    if (segments > 1) ++counters_.gso_writes;
    const Bytes packet = gso_.packet();
    const iovec iov{const_cast<std::uint8_t*>(packet.data()), packet.size()};
    const bool ok = write_iov(&iov, 1, packet.size(), segments);
    gso_.clear();
    return ok;
}

void Tun::flush(Instant) {
    if (fd_ >= 0) write_pending();
}

bool Tun::transmit(Bytes frame, Instant) {
    if (fd_ < 0 || frame.empty()) return false;
    if (frame.size() > max_frame_len_) {
        ++counters_.tx_oversize;
        return false;
    }
    if (!vnet_) return write_single(frame);
    switch (gso_.offer(frame)) {
        case GsoVerdict::Joined:
            return true;
        case GsoVerdict::Closed:
            return write_pending();
        case GsoVerdict::Mismatch:
            // The run ends before this frame, which starts the next one.
            write_pending();
            return gso_.offer(frame) == GsoVerdict::Closed ? write_pending() : true;
        case GsoVerdict::Ineligible:
            break;
    }
    // Order is kept: what is held back goes first.
    write_pending();
    return write_single(frame);
}

// ---- kernel-side configuration

TunResult<std::size_t> Tun::link_mtu(const std::string& ifname) {
    ifreq ifr{};
    if (!fill_ifreq_name(ifr, ifname)) return tl::unexpected(invalid_name(ifname));
    auto r = simple_ioctl(ifname, SIOCGIFMTU, ifr, "SIOCGIFMTU");
    if (!r) return tl::unexpected(r.error());
    return static_cast<std::size_t>(ifr.ifr_mtu);
}

TunResult<void> Tun::set_link_mtu(const std::string& ifname, std::size_t mtu) {
    ifreq ifr{};
    if (!fill_ifreq_name(ifr, ifname)) return tl::unexpected(invalid_name(ifname));
    ifr.ifr_mtu = static_cast<int>(mtu);
    return simple_ioctl(ifname, SIOCSIFMTU, ifr, "SIOCSIFMTU");
}

TunResult<void> Tun::set_link_up(const std::string& ifname, bool up) {
    ifreq ifr{};
    if (!fill_ifreq_name(ifr, ifname)) return tl::unexpected(invalid_name(ifname));
    if (auto r = simple_ioctl(ifname, SIOCGIFFLAGS, ifr, "SIOCGIFFLAGS"); !r) return r;
    if (up)
        ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP);
    else
        ifr.ifr_flags = static_cast<short>(ifr.ifr_flags & ~IFF_UP);
    return simple_ioctl(ifname, SIOCSIFFLAGS, ifr, "SIOCSIFFLAGS");
}

TunResult<void> Tun::add_kernel_address_v4(const std::string& ifname, std::string_view address,
                                           std::uint8_t prefix_len) {
    ifreq ifr{};
    if (!fill_ifreq_name(ifr, ifname)) return tl::unexpected(invalid_name(ifname));
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    const std::string text(address);
    if (prefix_len > 32 || ::inet_pton(AF_INET, text.c_str(), &sin.sin_addr) != 1) {
        TunError e;
        e.kind = TunError::Kind::System;
        e.sys_errno = EINVAL;
        e.operation = "IPv4 address '" + text + "/" + std::to_string(prefix_len) + "'";
        return tl::unexpected(e);
    }
    std::memcpy(&ifr.ifr_addr, &sin, sizeof sin);
    if (auto r = simple_ioctl(ifname, SIOCSIFADDR, ifr, "SIOCSIFADDR"); !r) return r;
    sockaddr_in mask{};
    mask.sin_family = AF_INET;
    mask.sin_addr.s_addr = prefix_len == 0 ? 0 : htonl(~std::uint32_t{0} << (32 - prefix_len));
    std::memcpy(&ifr.ifr_netmask, &mask, sizeof mask);
    return simple_ioctl(ifname, SIOCSIFNETMASK, ifr, "SIOCSIFNETMASK");
}

TunResult<void> Tun::add_kernel_address_v6(const std::string& ifname, std::string_view address,
                                           std::uint8_t prefix_len) {
    ifreq ifr{};
    if (!fill_ifreq_name(ifr, ifname)) return tl::unexpected(invalid_name(ifname));
    const std::string text(address);
    in6_ifreq req{};
    if (prefix_len > 128 || ::inet_pton(AF_INET6, text.c_str(), &req.ifr6_addr) != 1) {
        TunError e;
        e.kind = TunError::Kind::System;
        e.sys_errno = EINVAL;
        e.operation = "IPv6 address '" + text + "/" + std::to_string(prefix_len) + "'";
        return tl::unexpected(e);
    }
    req.ifr6_prefixlen = prefix_len;
    IoctlSocket sock(AF_INET6);
    if (sock.fd() < 0) return tl::unexpected(error_from_errno(errno, "socket(AF_INET6)"));
    if (::ioctl(sock.fd(), SIOCGIFINDEX, &ifr) < 0)
        return tl::unexpected(error_from_errno(errno, "SIOCGIFINDEX " + ifname));
    req.ifr6_ifindex = ifr.ifr_ifindex;
    if (::ioctl(sock.fd(), SIOCSIFADDR, &req) < 0)
        return tl::unexpected(error_from_errno(errno, "SIOCSIFADDR (IPv6) " + ifname));
    return {};
}

bool Tun::kernel_address_v6_ready(const std::string& ifname, std::string_view address) {
    in6_addr want{};
    if (::inet_pton(AF_INET6, std::string(address).c_str(), &want) != 1) return false;
    std::FILE* f = std::fopen("/proc/net/if_inet6", "r");
    if (f == nullptr) return true;  // no IPv6 in this kernel: nothing to wait for
    // Lines of "address(32 hex) ifindex prefix_len scope flags name"; IFA_F_TENTATIVE = 0x40.
    char hex[33];
    unsigned index = 0, prefix_len = 0, scope = 0, flags = 0;
    char name[IFNAMSIZ + 1];
    bool ready = false;
    while (std::fscanf(f, "%32s %x %x %x %x %16s", hex, &index, &prefix_len, &scope, &flags,
                       name) == 6) {
        in6_addr have{};
        for (int i = 0; i < 16; ++i) {
            const char byte[3] = {hex[2 * i], hex[2 * i + 1], '\0'};
            have.s6_addr[i] = static_cast<std::uint8_t>(std::strtoul(byte, nullptr, 16));
        }
        if (ifname == name && std::memcmp(&have, &want, sizeof want) == 0 && (flags & 0x40) == 0)
            ready = true;
    }
    std::fclose(f);
    return ready;
}

}  // namespace ustack::dev
