// Stack: ingress (parse, verify, demux), egress (route, IP header, checksum), listeners, ports.
#include "stack/stack.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "base/checksum.h"
#include "tcp/reset.h"
#include "wire/icmpv4.h"
#include "wire/icmpv6.h"
#include "wire/ipv4.h"
#include "wire/ipv6.h"

namespace ustack::stack {

namespace {

constexpr std::size_t kIpv4HeaderLen = wire::Ipv4Repr::buffer_len();
constexpr std::size_t kIpv6HeaderLen = wire::Ipv6Repr::buffer_len();
// poll_transmit() calls per connection per poll(), a guard against a connection that never
// stops producing (a bug); the rest waits for the next poll.
constexpr std::size_t kMaxSegmentsPerPoll = 4096;
// Sets of send and receive rings a Stack keeps from freed connections for the next ones: a
// server's churn of short connections reuses them; at the default 64 KiB + 64 KiB, 2 MiB at most.
constexpr std::size_t kSpareRings = 16;
// RFC 8200 §5: every IPv6 link carries 1280-byte packets; 1280 - 40 - 20 is the MSS to assume
// when the peer sends none (the IPv6 counterpart of RFC 9293 §3.7.1's 536).
constexpr std::uint16_t kIpv6DefaultPeerMss = 1220;

wire::IpAddress unspecified_like(const wire::IpAddress& a) {
    if (a.is_v6()) return wire::Ipv6Address{};
    return wire::Ipv4Address{};
}

bool same_family(const wire::IpAddress& a, const wire::IpAddress& b) {
    return a.is_v4() == b.is_v4();
}

// Whether the first prefix_len bits of a and b agree (same family assumed).
bool prefix_matches(const wire::IpAddress& a, const wire::IpAddress& b, std::size_t prefix_len) {
    const Bytes x = a.bytes();
    const Bytes y = b.bytes();
    const std::size_t full = prefix_len / 8;
    if (full > x.size()) return false;
    if (!std::equal(x.begin(), x.begin() + static_cast<std::ptrdiff_t>(full), y.begin()))
        return false;
    const std::size_t bits = prefix_len % 8;
    if (bits == 0) return true;
    const auto mask = static_cast<std::uint8_t>(0xff << (8 - bits));
    return (x[full] & mask) == (y[full] & mask);
}

// (Inline: every TCP segment sent or received takes one.)
[[gnu::always_inline]] inline Checksum pseudo_header(const wire::IpAddress& src,
                                                     const wire::IpAddress& dst,
                                                     wire::IpProtocol proto, std::size_t length) {
    const auto p = static_cast<std::uint8_t>(proto);
    const auto len = static_cast<std::uint32_t>(length);
    if (src.is_v6()) return pseudo_header_v6(src.bytes(), dst.bytes(), p, len);
    return pseudo_header_v4(src.v4()->to_u32(), dst.v4()->to_u32(), p, len);
}

EventKind to_stack_kind(tcp::EventKind k) {
    switch (k) {
        case tcp::EventKind::StateChanged:
            return EventKind::StateChanged;
        case tcp::EventKind::Connected:
            return EventKind::Connected;
        case tcp::EventKind::Readable:
            return EventKind::Readable;
        case tcp::EventKind::Writable:
            return EventKind::Writable;
        case tcp::EventKind::PeerFin:
            return EventKind::PeerFin;
        case tcp::EventKind::Closed:
            return EventKind::Closed;
    }
    return EventKind::StateChanged;
}

SipHashKey key_from(Rng& rng) {
    SipHashKey k;
    k.k0 = rng.next_u64();
    k.k1 = rng.next_u64();
    return k;
}

}  // namespace

std::size_t Stack::EndpointHash::operator()(const Endpoint& e) const {
    // The port and the family share a word with an IPv4 address; IPv6 takes two more.
    const std::array<std::uint64_t, 2> a = load_le_words16(e.address.bytes());
    const std::uint64_t tail = std::uint64_t{e.port} | (e.address.is_v6() ? 1ull << 16 : 0);
    if (e.address.is_v4()) {
        const std::array<std::uint64_t, 1> w{(a[0] << 32) | tail};
        return static_cast<std::size_t>(siphash13_words(key, w));
    }
    const std::array<std::uint64_t, 3> w{a[0], a[1], tail};
    return static_cast<std::size_t>(siphash13_words(key, w));
}

// The Rng is drawn in a fixed order (ISN secret, port secret, hash keys, first port step), so a
// seed fixes every secret.
Stack::Stack(const StackConfig& config)
    : config_(config),
      rng_(config.seed),
      isn_(rng_),
      port_key_(key_from(rng_)),
      demux_(key_from(rng_)),
      listener_map_(16, EndpointHash{key_from(rng_)}),
      reassembly_v4_(config.reassembly_v4),
      reassembly_v6_(config.reassembly_v6) {
    spare_rings_.reserve(kSpareRings);
    next_ephemeral_ = rng_.next_u32();
    if (config_.ephemeral_last < config_.ephemeral_first)
        std::swap(config_.ephemeral_first, config_.ephemeral_last);
    if (config_.ephemeral_first == 0) config_.ephemeral_first = 1;
    events_.reserve(64);
    drained_.reserve(64);
}

// ---- interfaces and routes

Result<InterfaceId> Stack::add_interface(dev::Device& device, const InterfaceConfig& config) {
    const dev::DeviceCaps caps = device.caps();
    // Not yet: an Ethernet device needs ARP (RFC 826) and NDP (RFC 4861) to reach a next hop.
    if (caps.medium != dev::Medium::Ip) return fail(Errc::InvalidArgument);
    if (config.addresses.empty()) return fail(Errc::InvalidArgument);
    for (const InterfaceAddress& a : config.addresses) {
        if (a.prefix_len > a.address.bytes().size() * 8) return fail(Errc::InvalidArgument);
        if (a.address.is_unspecified() || a.address.is_multicast())
            return fail(Errc::InvalidArgument);
    }
    const std::size_t mtu = config.mtu != 0 ? std::min(config.mtu, caps.mtu) : caps.mtu;
    // RFC 791: every IPv4 host takes 576-byte datagrams, RFC 8200 §5: IPv6 needs 1280; we need at
    // least room for an IP header and a TCP header.
    if (mtu < kIpv6HeaderLen + wire::kTcpMaxHeaderLen) return fail(Errc::InvalidArgument);

    Interface iface;
    iface.device = &device;
    iface.addresses = config.addresses;
    iface.gateway_v4 = config.gateway_v4;
    iface.gateway_v6 = config.gateway_v6;
    iface.mtu = mtu;
    interfaces_.push_back(std::move(iface));
    last_route_.reset();  // a longer prefix may now match
    // One transmit buffer for every frame: headroom for the largest IP and TCP headers before
    // the payload offset, and a whole MTU after it.
    tx_buf_.resize(std::max(tx_buf_.size(), kPayloadOffset + mtu));
    return InterfaceId{static_cast<std::uint32_t>(interfaces_.size() - 1)};
}

std::optional<Stack::Route> Stack::route(const wire::IpAddress& dst) {
    if (last_route_ && last_route_->dst == dst) return last_route_->route;
    const std::optional<Route> r = find_route(dst);
    if (r) last_route_ = RouteHit{dst, *r};
    return r;
}

std::optional<Stack::Route> Stack::find_route(const wire::IpAddress& dst) const {
    // Longest matching on-link prefix first (RFC 1812 §5.2.4.3 longest match), then a default
    // gateway of the family. The source address is the matching interface address (RFC 1122
    // §3.3.4.3 / RFC 6724: on the same prefix).
    std::optional<Route> best;
    int best_len = -1;
    for (std::uint32_t i = 0; i < interfaces_.size(); ++i) {
        for (const InterfaceAddress& a : interfaces_[i].addresses) {
            if (!same_family(a.address, dst)) continue;
            if (prefix_matches(a.address, dst, a.prefix_len) && a.prefix_len > best_len) {
                best = Route{i, a.address};
                best_len = a.prefix_len;
            }
        }
    }
    if (best) return best;
    for (std::uint32_t i = 0; i < interfaces_.size(); ++i) {
        const Interface& f = interfaces_[i];
        const bool gw = dst.is_v4() ? f.gateway_v4.has_value() : f.gateway_v6.has_value();
        if (!gw) continue;
        for (const InterfaceAddress& a : f.addresses) {
            if (same_family(a.address, dst)) return Route{i, a.address};
        }
    }
    return std::nullopt;
}

bool Stack::is_local_address(const wire::IpAddress& a) const {
    for (const Interface& f : interfaces_) {
        for (const InterfaceAddress& x : f.addresses) {
            if (x.address == a) return true;
        }
    }
    return false;
}

std::size_t Stack::mss_for(std::size_t mtu, bool v6) {
    // RFC 9293 §3.7.1: MSS = MTU minus the fixed IP and TCP headers (1500 -> 1460 for IPv4,
    // 1440 for IPv6, RFC 8200 §8.3).
    const std::size_t hdr = (v6 ? kIpv6HeaderLen : kIpv4HeaderLen) + wire::kTcpFixedHeaderLen;
    return std::min<std::size_t>(mtu - hdr, 0xffff);
}

// ---- slots

Stack::ConnSlot* Stack::slot(ConnId id) {
    if (id.index >= slots_.size()) return nullptr;
    ConnSlot& s = slots_[id.index];
    if (s.generation != id.generation || !s.conn) return nullptr;
    return &s;
}

const Stack::ConnSlot* Stack::slot(ConnId id) const {
    if (id.index >= slots_.size()) return nullptr;
    const ConnSlot& s = slots_[id.index];
    if (s.generation != id.generation || !s.conn) return nullptr;
    return &s;
}

Stack::ListenerSlot* Stack::listener_slot(ListenerId id) {
    if (id.index >= listeners_.size()) return nullptr;
    ListenerSlot& l = listeners_[id.index];
    if (l.generation != id.generation || !l.live) return nullptr;
    return &l;
}

const Stack::ListenerSlot* Stack::listener_slot(ListenerId id) const {
    if (id.index >= listeners_.size()) return nullptr;
    const ListenerSlot& l = listeners_[id.index];
    if (l.generation != id.generation || !l.live) return nullptr;
    return &l;
}

std::uint32_t Stack::allocate_slot() {
    ++live_connections_;
    ++counters_.tcp_connections_opened;
    if (!free_slots_.empty()) {
        const std::uint32_t i = free_slots_.back();
        free_slots_.pop_back();
        return i;
    }
    slots_.emplace_back();
    return static_cast<std::uint32_t>(slots_.size() - 1);
}

void Stack::free_slot(std::uint32_t index) {
    ConnSlot& s = slots_[index];
    if (s.conn && spare_rings_.size() < kSpareRings) {
        // Rings of other sizes (a listener's own Config, a receive ring grown by auto-tuning)
        // are freed with the connection.
        tcp::Rings rings = s.conn->release_rings();
        if (rings.tx.capacity() == config_.tcp.send_buffer &&
            rings.rx.capacity() == config_.tcp.recv_buffer) {
            spare_rings_.push_back(std::move(rings));
        }
    }
    s.conn.reset();
    s.listener.reset();
    s.soft_error.reset();
    s.path_mtu = 0;
    s.user_owned = false;
    s.touched = false;
    timers_.remove(index);
    // A new generation makes every outstanding ConnId for this slot stale; 0 is never used.
    if (++s.generation == 0) s.generation = 1;
    free_slots_.push_back(index);
    --live_connections_;
}

tcp::Rings* Stack::spare() {
    return spare_rings_.empty() ? nullptr : &spare_rings_.back();
}

void Stack::spare_taken() {
    // What the new connection did not take over (a ring of another size) is freed.
    if (!spare_rings_.empty()) spare_rings_.pop_back();
}

void Stack::learn_tuple(std::uint32_t index, std::uint64_t h) {
    ConnSlot& s = slots_[index];
    s.tuple_hash = h;
    demux_.insert(s.tuple, h, index);
    // The new connection's peer answers next (the SYN-ACK, the handshake's ACK): its segment
    // finds the slot without hashing.
    last_demux_ = DemuxHit{s.tuple, index};
}

void Stack::touch(std::uint32_t index) {
    ConnSlot& s = slots_[index];
    if (s.touched) return;
    s.touched = true;
    // Its entry in timers_ stays: moving it now would be undone by the next poll, which visits
    // the slot and sets its deadline anyway. Until then the entry can only be early (a spare
    // wake-up that finds nothing due), never late: poll_at() asks the connection itself.
    dirty_.push_back(index);
}

void Stack::reap(std::uint32_t index) {
    ConnSlot& s = slots_[index];
    const ConnId id{index, s.generation};
    demux_.erase(s.tuple, s.tuple_hash);
    if (last_demux_ && last_demux_->index == index) last_demux_.reset();
    if (s.listener) {
        if (ListenerSlot* l = listener_slot(*s.listener)) {
            std::erase(l->syn_queue, id);
            l->accept_queue.remove(id);
        }
    }
    free_slot(index);
    ++counters_.tcp_connections_reaped;
}

// ---- listeners

std::optional<std::uint32_t> Stack::find_listener(const wire::IpAddress& dst,
                                                  std::uint16_t port) const {
    if (listener_map_.empty()) return std::nullopt;  // (a client's Stack: no hashing)
    // A listener on the specific address wins over the wildcard one.
    if (auto it = listener_map_.find(Endpoint{dst, port}); it != listener_map_.end())
        return it->second;
    if (auto it = listener_map_.find(Endpoint{unspecified_like(dst), port});
        it != listener_map_.end())
        return it->second;
    return std::nullopt;
}

bool Stack::port_in_use(const wire::IpAddress& local, std::uint16_t port) const {
    for (const ConnSlot& s : slots_) {
        if (!s.conn || s.tuple.local_port != port || !same_family(s.tuple.local, local)) continue;
        if (local.is_unspecified() || s.tuple.local == local) return true;
    }
    return false;
}

Result<ListenerId> Stack::listen(const Endpoint& local, std::size_t backlog,
                                 const ListenOptions& options) {
    if (local.port == 0 || backlog == 0) return fail(Errc::InvalidArgument);
    if (local.address.is_multicast()) return fail(Errc::InvalidArgument);
    if (!local.address.is_unspecified() && !is_local_address(local.address))
        return fail(Errc::AddressNotAvailable);
    if (listener_map_.contains(local)) return fail(Errc::AddressInUse);
    for (const ListenerSlot& l : listeners_) {
        if (!l.live || l.local.port != local.port) continue;
        if (!same_family(l.local.address, local.address)) continue;
        // A wildcard and a specific listener on one port overlap: only with reuse_address.
        if (!options.reuse_address) return fail(Errc::AddressInUse);
    }
    if (!options.reuse_address && port_in_use(local.address, local.port))
        return fail(Errc::AddressInUse);

    std::uint32_t index = 0;
    while (index < listeners_.size() && listeners_[index].live)
        ++index;
    if (index == listeners_.size()) listeners_.emplace_back();
    ListenerSlot& l = listeners_[index];
    l.live = true;
    l.local = local;
    l.backlog = backlog;
    l.reuse_address = options.reuse_address;
    l.config = options.config;
    l.syn_queue.clear();
    l.accept_queue.clear();
    listener_map_.emplace(local, index);
    const ListenerId id{index, l.generation};
    events_.push_back(
        Event{id, EventKind::StateChanged, tcp::State::Closed, tcp::State::Listen, std::nullopt});
    return id;
}

Result<ConnId> Stack::accept(ListenerId listener) {
    ListenerSlot* l = listener_slot(listener);
    if (l == nullptr) return fail(Errc::BadHandle);
    while (!l->accept_queue.empty()) {
        const ConnId id = l->accept_queue.front();
        l->accept_queue.pop_front();
        ConnSlot* s = slot(id);
        if (s == nullptr) continue;
        s->listener.reset();
        s->user_owned = true;
        return id;
    }
    return fail(Errc::WouldBlock);
}

Result<Endpoint> Stack::listener_endpoint(ListenerId listener) const {
    const ListenerSlot* l = listener_slot(listener);
    if (l == nullptr) return fail(Errc::BadHandle);
    return l->local;
}

Result<void> Stack::close_listener(ListenerId listener) {
    ListenerSlot* l = listener_slot(listener);
    if (l == nullptr) return fail(Errc::BadHandle);
    // Connections nobody accepted go with the listener (RST), as on Linux.
    auto drop = [&](ConnId id) {
        if (ConnSlot* s = slot(id)) {
            s->listener.reset();
            touch(id.index);
            (void)s->conn->abort();
        }
    };
    for (const ConnId id : l->syn_queue)
        drop(id);
    for (const ConnId id : l->accept_queue)
        drop(id);
    l->syn_queue.clear();
    l->accept_queue.clear();
    listener_map_.erase(l->local);
    l->live = false;
    if (++l->generation == 0) l->generation = 1;
    events_.push_back(Event{listener, EventKind::StateChanged, tcp::State::Listen,
                            tcp::State::Closed, std::nullopt});
    return {};
}

// ---- active open

std::optional<std::uint16_t> Stack::pick_ephemeral_port(const wire::IpAddress& local,
                                                        const Endpoint& remote,
                                                        std::uint64_t& tuple_hash) {
    // RFC 6056 §3.3.3 (Algorithm 3, "Simple Hash-Based Port Selection"):
    //   offset = F(local_IP, remote_IP, remote_port, secret_key)
    //   port = min_ephemeral + (next_ephemeral + offset) % num_ephemeral; next_ephemeral++
    // so each destination walks its own sequence and ports are hard to guess from outside.
    // F's input in whole words (no byte buffer): the two addresses (IPv4 ones share a word), then
    // the remote port and both families.
    const std::array<std::uint64_t, 2> l = load_le_words16(local.bytes());
    const std::array<std::uint64_t, 2> r = load_le_words16(remote.address.bytes());
    const std::uint64_t tail = std::uint64_t{remote.port} | (local.is_v6() ? 1ull << 16 : 0) |
                               (remote.address.is_v6() ? 1ull << 17 : 0);
    std::uint64_t offset = 0;
    if (local.is_v4() && remote.address.is_v4()) {
        const std::array<std::uint64_t, 2> w{l[0] | (r[0] << 32), tail};
        offset = siphash24_words(port_key_, w);
    } else {
        const std::array<std::uint64_t, 5> w{l[0], l[1], r[0], r[1], tail};
        offset = siphash24_words(port_key_, w);
    }
    const std::uint32_t num = std::uint32_t{config_.ephemeral_last} - config_.ephemeral_first + 1;
    for (std::uint32_t count = 0; count < num; ++count) {
        const auto port =
            static_cast<std::uint16_t>(config_.ephemeral_first + (next_ephemeral_ + offset) % num);
        ++next_ephemeral_;
        // RFC 6056 §3.3.3 check_suitable_port: the 4-tuple is free and no listener holds it.
        const FourTuple t{local, port, remote.address, remote.port};
        const std::uint64_t h = demux_.hash(t);
        if (demux_.find(t, h)) continue;
        if (find_listener(local, port)) continue;
        tuple_hash = h;
        return port;
    }
    return std::nullopt;
}

Result<ConnId> Stack::connect(const Endpoint& remote, Instant now, const ConnectOptions& options) {
    if (remote.port == 0 || remote.address.is_unspecified() || remote.address.is_multicast())
        return fail(Errc::InvalidArgument);
    if (remote.address.is_v4() && remote.address.v4()->is_broadcast())
        return fail(Errc::InvalidArgument);
    const std::optional<Route> r = route(remote.address);
    if (!r) return fail(Errc::HostUnreachable);

    wire::IpAddress local_addr = r->source;
    std::uint16_t local_port = 0;
    if (options.local) {
        if (!same_family(options.local->address, remote.address))
            return fail(Errc::InvalidArgument);
        if (!options.local->address.is_unspecified()) {
            if (!is_local_address(options.local->address)) return fail(Errc::AddressNotAvailable);
            local_addr = options.local->address;
        }
        local_port = options.local->port;
    }
    // The demux hash of the new 4-tuple, computed once: by the port choice or the in-use check.
    std::uint64_t tuple_hash = 0;
    if (local_port == 0) {
        const auto port = pick_ephemeral_port(local_addr, remote, tuple_hash);
        if (!port) return fail(Errc::AddressNotAvailable);  // EADDRNOTAVAIL, as Linux
        local_port = *port;
    } else {
        const FourTuple t{local_addr, local_port, remote.address, remote.port};
        tuple_hash = demux_.hash(t);
        if (demux_.find(t, tuple_hash)) return fail(Errc::AddressInUse);
    }

    tcp::Config cfg = options.config.value_or(config_.tcp);
    const bool v6 = remote.address.is_v6();
    cfg.mss = static_cast<std::uint16_t>(
        std::min<std::size_t>(cfg.mss, mss_for(interfaces_[r->iface].mtu, v6)));
    if (v6) cfg.default_peer_mss = kIpv6DefaultPeerMss;
    // RFC 6528 §3: ISN = M + F(localip, localport, remoteip, remoteport, secretkey).
    const wire::SeqNum iss =
        isn_.generate(local_addr.bytes(), local_port, remote.address.bytes(), remote.port, now);

    const std::uint32_t index = allocate_slot();
    ConnSlot& s = slots_[index];
    // Built in place in the slot (no temporary moved in and destroyed).
    s.conn.emplace(tcp::ActiveOpen{}, cfg, local_port, remote.port, iss, now, spare());
    spare_taken();
    s.tuple = FourTuple{local_addr, local_port, remote.address, remote.port};
    s.iface = r->iface;
    s.path_mtu = interfaces_[r->iface].mtu;
    s.listener.reset();
    s.user_owned = true;
    touch(index);
    learn_tuple(index, tuple_hash);
    return ConnId{index, s.generation};
}

// ---- user verbs

Result<std::size_t> Stack::send(ConnId id, Bytes data) {
    ConnSlot* s = slot(id);
    if (s == nullptr || !s->user_owned) return fail(Errc::BadHandle);
    touch(id.index);
    return s->conn->send(data);
}

Result<std::size_t> Stack::recv(ConnId id, MutBytes out) {
    ConnSlot* s = slot(id);
    if (s == nullptr || !s->user_owned) return fail(Errc::BadHandle);
    touch(id.index);
    return s->conn->recv(out);
}

Result<void> Stack::shutdown(ConnId id) {
    ConnSlot* s = slot(id);
    if (s == nullptr || !s->user_owned) return fail(Errc::BadHandle);
    touch(id.index);
    return s->conn->shutdown_write();
}

Result<void> Stack::close(ConnId id) {
    ConnSlot* s = slot(id);
    if (s == nullptr || !s->user_owned) return fail(Errc::BadHandle);
    s->user_owned = false;  // the Stack finishes the close and frees the slot at CLOSED
    touch(id.index);
    const Result<void> r = s->conn->close();
    // Closing a connection that already ended (reset, timed out) only releases the handle.
    if (!r && s->conn->state() == tcp::State::Closed) return {};
    return r;
}

Result<void> Stack::abort(ConnId id) {
    ConnSlot* s = slot(id);
    if (s == nullptr || !s->user_owned) return fail(Errc::BadHandle);
    s->user_owned = false;
    touch(id.index);
    const Result<void> r = s->conn->abort();
    if (!r && s->conn->state() == tcp::State::Closed) return {};
    return r;
}

Result<tcp::State> Stack::state(ConnId id) const {
    const ConnSlot* s = slot(id);
    if (s == nullptr) return fail(Errc::BadHandle);
    return s->conn->state();
}

Result<Endpoint> Stack::local_endpoint(ConnId id) const {
    const ConnSlot* s = slot(id);
    if (s == nullptr) return fail(Errc::BadHandle);
    return Endpoint{s->tuple.local, s->tuple.local_port};
}

Result<Endpoint> Stack::remote_endpoint(ConnId id) const {
    const ConnSlot* s = slot(id);
    if (s == nullptr) return fail(Errc::BadHandle);
    return Endpoint{s->tuple.remote, s->tuple.remote_port};
}

const tcp::Connection* Stack::connection(ConnId id) const {
    const ConnSlot* s = slot(id);
    return s == nullptr ? nullptr : &*s->conn;
}

tcp::Connection* Stack::connection(ConnId id) {
    ConnSlot* s = slot(id);
    if (s == nullptr) return nullptr;
    touch(id.index);  // the caller may change it (set_no_delay, ...)
    return &*s->conn;
}

Result<std::optional<Errc>> Stack::soft_error(ConnId id) const {
    const ConnSlot* s = slot(id);
    if (s == nullptr) return fail(Errc::BadHandle);
    return s->soft_error;
}

Result<std::size_t> Stack::path_mtu(ConnId id) const {
    const ConnSlot* s = slot(id);
    if (s == nullptr) return fail(Errc::BadHandle);
    return s->path_mtu;
}

// ---- the loop's face

Instant Stack::poll_at() const {
    // (Mostly no datagram is in reassembly: nothing to ask.)
    Instant at = Instant::never();
    if (reassembly_v4_.datagrams() != 0) at = reassembly_v4_.poll_at();
    if (reassembly_v6_.datagrams() != 0) at = std::min(at, reassembly_v6_.poll_at());
    for (const Interface& f : interfaces_)
        at = std::min(at, f.device->poll_at());
    // An untouched connection's deadline is the one poll() recorded after its last visit (nothing
    // has changed it since); a touched one is asked.
    at = std::min(at, timers_.earliest());
    for (const std::uint32_t i : dirty_) {
        const ConnSlot& s = slots_[i];
        if (!s.conn) continue;
        // A finished connection the Stack may free: poll once more to reap it.
        if (s.conn->finished() && !s.user_owned) return last_now_;
        at = std::min(at, s.conn->poll_at());
    }
    return at;
}

namespace {

// Slot indices in ascending order, each once. Mostly one or two (the connection a segment
// arrived for, the one a verb touched): an insertion sort then, no call into std::sort. (A
// touched slot whose old deadline is due comes twice: once touched, once due.)
void sort_slots(std::vector<std::uint32_t>& slots) {
    if (slots.size() <= 1) return;
    if (slots.size() <= 16) {
        for (std::size_t k = 1; k < slots.size(); ++k) {
            const std::uint32_t v = slots[k];
            std::size_t j = k;
            for (; j > 0 && slots[j - 1] > v; --j)
                slots[j] = slots[j - 1];
            slots[j] = v;
        }
    } else {
        std::sort(slots.begin(), slots.end());
    }
    slots.erase(std::unique(slots.begin(), slots.end()), slots.end());
}

}  // namespace

void Stack::poll(Instant now) {
    last_now_ = now;
    for (std::uint32_t i = 0; i < interfaces_.size(); ++i) {
        dev::Device& device = *interfaces_[i].device;
        while (const std::optional<Bytes> frame = device.receive(now)) {
            ++counters_.frames_in;
            rx_trusted_ = device.last_frame_checksum_trusted();
            receive_frame(i, *frame, now);
        }
    }
    // RFC 1122 §3.3.2 / RFC 8200 §4.5: give up datagrams not reassembled in time.
    auto expired = [&](const ExpiredDatagram& d) {
        ++counters_.ip_reassembly_timeouts;
        if (const auto r = route(d.key.src)) send_reassembly_time_exceeded(r->iface, d, now);
    };
    // (Most polls have no datagram in reassembly: nothing to walk.)
    if (reassembly_v4_.datagrams() != 0) reassembly_v4_.expire(now, expired);
    if (reassembly_v6_.datagrams() != 0) reassembly_v6_.expire(now, expired);
    // Only touched and due connections can have anything to do; they are visited in slot order,
    // as a walk over every slot would visit them (so the order of what they send is the same).
    visit_.clear();
    visit_.swap(dirty_);
    timers_.take_due(now, visit_);
    sort_slots(visit_);
    for (const std::uint32_t i : visit_) {
        ConnSlot& s = slots_[i];
        if (!s.conn) continue;
        Instant at = s.conn->poll_at();
        if (at <= now) {
            s.touched = true;  // poll_transmit runs the timers, which may change the state
            transmit_connection(i, now);
            at = s.conn->poll_at();
        }
        if (s.touched) {
            s.touched = false;
            collect_events(i);
        }
        if (s.conn->finished() && !s.user_owned) {
            reap(i);
            continue;
        }
        timers_.set(i, at);
    }
    // The end of the transmit burst: a device holding segments back to join them sends them.
    for (const Interface& f : interfaces_)
        f.device->flush(now);
}

std::size_t Stack::drain_events(std::vector<Event>& out) {
    const std::size_t n = events_.size();
    out.insert(out.end(), events_.begin(), events_.end());
    events_.clear();
    return n;
}

void Stack::collect_events(std::uint32_t index) {
    ConnSlot& s = slots_[index];
    const ConnId id{index, s.generation};
    // Read in place (the queue is a few hundred bytes; most polls add nothing to it).
    const tcp::Events& events = s.conn->events();
    for (const tcp::Event& e : events) {
        // Written in place field by field: an Event built on the stack and copied in is read
        // back wider than it was written, which stalls store forwarding on every event.
        Event& out = events_.emplace_back();
        out.source = id;
        out.kind = to_stack_kind(e.kind);
        out.from = e.from;
        out.to = e.to;
        out.error = e.error;
        if (e.kind != tcp::EventKind::Connected || !s.listener) continue;
        // The handshake of a listener's connection completed: SYN queue -> accept queue.
        ListenerSlot* l = listener_slot(*s.listener);
        if (l == nullptr) continue;
        const auto it = std::find(l->syn_queue.begin(), l->syn_queue.end(), id);
        if (it == l->syn_queue.end()) continue;
        l->syn_queue.erase(it);
        l->accept_queue.push_back(id);
        events_.push_back(Event{*s.listener, EventKind::Acceptable, tcp::State::Listen,
                                tcp::State::Listen, std::nullopt});
    }
    s.conn->clear_events();
}

// ---- ingress

void Stack::receive_frame(std::uint32_t iface, Bytes frame, Instant now) {
    if (frame.empty()) {
        ++counters_.ip_malformed;
        return;
    }
    switch (frame[0] >> 4) {
        case 4:
            receive_ipv4(iface, frame, now);
            return;
        case 6:
            receive_ipv6(iface, frame, now);
            return;
        default:
            ++counters_.ip_malformed;
            return;
    }
}

void Stack::receive_ipv4(std::uint32_t iface, Bytes packet, Instant now) {
    const auto view = wire::Ipv4View<Bytes>::checked(packet);
    if (!view) {
        ++counters_.ip_malformed;
        return;
    }
    // RFC 1122 §3.2.1.2: "A host MUST verify the IP header checksum on every received datagram
    // and silently discard every datagram that has a bad checksum."
    if (!rx_trusted_ && !view->verify_checksum()) {
        ++counters_.ip_bad_checksum;
        return;
    }
    const auto ip = wire::Ipv4Repr::parse(*view, wire::Ipv4Repr::ChecksumCheck::Skip);
    if (!ip) {
        ++counters_.ip_malformed;
        return;
    }
    // RFC 1122 §3.2.1.3: a source that is broadcast or multicast is discarded.
    if (ip->src.is_broadcast() || ip->src.is_multicast()) {
        ++counters_.ip_malformed;
        return;
    }
    if (!is_local_address(ip->dst)) {
        ++counters_.ip_not_for_us;
        return;
    }
    const Bytes payload = view->payload().first(ip->payload_len);
    // RFC 791 §3.2: a fragment (MF set or a non-zero offset) waits for the rest of its datagram.
    // The common case (not a fragment) goes straight on: no copy, no allocation.
    if (ip->more_fragments || ip->fragment_offset != 0) {
        ++counters_.ip_fragments_in;
        Fragment f;
        // RFC 791 §3.2: fragments belong together by source, destination, protocol and ID.
        f.key = FragmentKey{ip->src, ip->dst, ip->identification,
                            static_cast<std::uint8_t>(ip->protocol)};
        f.offset = ip->fragment_offset;
        f.more = ip->more_fragments;
        f.data = payload;
        // RFC 791 §3.1: the reassembled datagram, header included, fits in 65535 octets.
        f.max_end = static_cast<std::uint32_t>(65535 - view->header_len());
        f.protocol = static_cast<std::uint8_t>(ip->protocol);
        // RFC 792 (Time Exceeded): quote "the internet header plus the first 64 bits".
        if (f.offset == 0)
            f.quote =
                packet.first(std::min<std::size_t>(view->total_length(), view->header_len() + 8));
        const AddResult r = reassembly_v4_.add(f, now);
        if (r.verdict == FragmentVerdict::Complete) {
            ++counters_.ip_reassembled;
            rx_trusted_ = false;  // a datagram of several frames: its checksum is verified
            deliver_ipv4(iface, ip->src, ip->dst, wire::IpProtocol{r.protocol}, r.payload, now);
        } else if (r.verdict != FragmentVerdict::Incomplete) {
            ++counters_.ip_fragments_dropped;
        }
        return;
    }
    deliver_ipv4(iface, ip->src, ip->dst, ip->protocol, payload, now);
}

void Stack::deliver_ipv4(std::uint32_t iface, const wire::Ipv4Address& src,
                         const wire::Ipv4Address& dst, wire::IpProtocol protocol, Bytes payload,
                         Instant now) {
    ++counters_.ip_in;
    switch (protocol) {
        case wire::IpProtocol::Tcp:
            receive_tcp(iface, src, dst, payload, now);
            return;
        case wire::IpProtocol::Icmp:
            receive_icmpv4(iface, src, dst, payload, now);
            return;
        default:
            ++counters_.ip_unknown_protocol;
            return;
    }
}

void Stack::receive_ipv6(std::uint32_t iface, Bytes packet, Instant now) {
    const auto view = wire::Ipv6View<Bytes>::checked(packet);
    if (!view) {
        ++counters_.ip_malformed;
        return;
    }
    const auto ip = wire::Ipv6Repr::parse(*view);
    if (!ip) {
        ++counters_.ip_malformed;
        return;
    }
    // RFC 4291 §2.7: a multicast address must not be a source.
    if (ip->src.is_multicast()) {
        ++counters_.ip_malformed;
        return;
    }
    if (!is_local_address(ip->dst)) {
        ++counters_.ip_not_for_us;
        return;
    }
    deliver_ipv6(iface, ip->src, ip->dst, view->next_header(), view->payload(),
                 packet.first(kIpv6HeaderLen + ip->payload_len), false, now);
}

void Stack::deliver_ipv6(std::uint32_t iface, const wire::Ipv6Address& src,
                         const wire::Ipv6Address& dst, wire::IpProtocol next, Bytes rest,
                         Bytes packet, bool reassembled, Instant now) {
    // RFC 8200 §4: step over the extension headers to the upper layer.
    wire::Ipv6ExtHeaderWalker walker(next, rest);
    while (const auto h = walker.next()) {
        if (h->type != wire::IpProtocol::Ipv6Frag) continue;
        const auto frag = wire::Ipv6FragmentRepr::parse(*h);
        // A Fragment header inside a reassembled packet (or an atomic fragment) is nonsense.
        if (!frag || reassembled) {
            ++counters_.ip_malformed;
            return;
        }
        const Bytes data = walker.upper_payload();  // the fragment's data after its header
        // RFC 8200 §4.5 / RFC 6946 §4: an "atomic fragment" (offset 0, M 0) is a whole packet;
        // it is processed at once and never mixed with a reassembly of the same ID.
        if (frag->fragment_offset == 0 && !frag->more_fragments) {
            deliver_ipv6(iface, src, dst, frag->next_header, data, Bytes{}, true, now);
            return;
        }
        ++counters_.ip_fragments_in;
        // RFC 8200 §4.5 (RFC 7112): the first fragment carries every header up to the upper
        // layer's; if it does not, "that fragment should be discarded".
        if (frag->fragment_offset == 0) {
            wire::Ipv6ExtHeaderWalker chain(frag->next_header, data);
            const auto status = chain.finish();
            if (status != wire::Ipv6ExtHeaderWalker::Status::UpperLayer &&
                status != wire::Ipv6ExtHeaderWalker::Status::NoNextHeader) {
                ++counters_.ip_fragments_dropped;
                return;
            }
        }
        // Extension headers before the Fragment header: the unfragmentable part.
        const std::size_t unfragmentable = walker.offset() - wire::Ipv6FragmentRepr::buffer_len();
        Fragment f;
        // RFC 8200 §4.5: fragments belong together by source, destination and Identification.
        f.key = FragmentKey{src, dst, frag->identification, 0};
        f.offset = frag->fragment_offset;
        f.more = frag->more_fragments;
        f.data = data;
        // RFC 8200 §4.5: the reassembled Payload Length may not exceed 65535.
        f.max_end =
            static_cast<std::uint32_t>(65535 - std::min<std::size_t>(unfragmentable, 65535));
        f.protocol = static_cast<std::uint8_t>(frag->next_header);
        if (f.offset == 0) f.quote = packet;  // the Reassembler keeps what ICMPv6 may quote
        const AddResult r = reassembly_v6_.add(f, now);
        if (r.verdict == FragmentVerdict::Complete) {
            ++counters_.ip_reassembled;
            rx_trusted_ = false;  // a packet of several frames: its checksum is verified
            // RFC 8200 §4.5: the reassembled packet's Next Header is the first fragment's.
            deliver_ipv6(iface, src, dst, wire::IpProtocol{r.protocol}, r.payload, Bytes{}, true,
                         now);
        } else if (r.verdict != FragmentVerdict::Incomplete) {
            ++counters_.ip_fragments_dropped;
        }
        return;
    }
    switch (walker.status()) {
        case wire::Ipv6ExtHeaderWalker::Status::UpperLayer:
            break;
        case wire::Ipv6ExtHeaderWalker::Status::NoNextHeader:
            ++counters_.ip_in;
            return;
        default:
            ++counters_.ip_malformed;
            return;
    }
    ++counters_.ip_in;
    switch (walker.upper_protocol()) {
        case wire::IpProtocol::Tcp:
            receive_tcp(iface, src, dst, walker.upper_payload(), now);
            return;
        case wire::IpProtocol::Icmpv6:
            receive_icmpv6(iface, src, dst, walker.upper_payload(), now);
            return;
        default:
            ++counters_.ip_unknown_protocol;
            return;
    }
}

void Stack::receive_tcp(std::uint32_t iface, const wire::IpAddress& src, const wire::IpAddress& dst,
                        Bytes segment, Instant now) {
    const auto view = wire::TcpView<Bytes>::checked(segment);
    if (!view) {
        ++counters_.tcp_malformed;
        return;
    }
    // RFC 9293 §3.1 (MUST-3): "the checksum ... MUST be checked"; a bad one is dropped silently.
    // It is checked before the segment counts for anything, but the header is read first: a
    // connection that takes the text straight onto its receive ring (header prediction) has it
    // copied there here, summed on the way, so the bytes are read once. The header's part of the
    // sum (with the pseudo-header's) is taken now, the text's later.
    const Checksum pseudo = pseudo_header(src, dst, wire::IpProtocol::Tcp, segment.size());
    const std::size_t hlen = view->header_len();
    Checksum header_sum = pseudo;
    if (!rx_trusted_) header_sum.add(segment.first(hlen));
    const auto checksum_ok = [&] {
        if (rx_trusted_) return true;
        Checksum sum = header_sum;
        return sum.add(segment.subspan(hlen)).folded() == 0xffff;  // RFC 1071 §1: all ones
    };
    const auto seg = wire::TcpRepr::parse(*view, pseudo, false);
    // RFC 9293 §3.10.7.2: a port of zero is not a valid port; nothing is answered.
    if (!seg || seg->src_port == 0 || seg->dst_port == 0) {
        if (!checksum_ok()) {
            ++counters_.tcp_bad_checksum;
        } else {
            ++counters_.tcp_malformed;
        }
        return;
    }

    // Demux: an existing connection by its 4-tuple (O(1), keyed hash) ...
    // A flow's segments come in runs, so the last hit is tried before the hash.
    const FourTuple tuple{dst, seg->dst_port, src, seg->src_port};
    std::optional<std::uint32_t> index;
    std::uint64_t tuple_hash = 0;
    if (last_demux_ && last_demux_->tuple == tuple) {
        index = last_demux_->index;
    } else {
        tuple_hash = demux_.hash(tuple);
        index = demux_.find(tuple, tuple_hash);
        if (index) last_demux_ = DemuxHit{tuple, *index};
    }
    if (index) {
        tcp::Connection& conn = *slots_[*index].conn;
        bool on_ring = false;
        if (!rx_trusted_) {
            Checksum sum = header_sum;
            const auto space = conn.predicted_payload_space(*seg);
            if (!space.empty()) {
                // Nothing there is the connection's until on_segment takes it: a bad checksum
                // leaves the ring as it was.
                const Bytes payload = seg->payload;
                sum.add_copy(payload.first(space.first.size()), space.first);
                if (!space.second.empty()) {  // the ring wraps inside the text
                    sum.add_copy(payload.subspan(space.first.size()), space.second);
                }
                on_ring = true;
            } else {
                sum.add(seg->payload);
            }
            if (sum.folded() != 0xffff) {
                ++counters_.tcp_bad_checksum;
                return;
            }
        }
        ++counters_.tcp_segments_in;
        touch(*index);
        conn.on_segment(*seg, now, on_ring);
        return;
    }
    if (!checksum_ok()) {
        ++counters_.tcp_bad_checksum;
        return;
    }
    ++counters_.tcp_segments_in;
    // ... else a listener (specific address before wildcard) ...
    std::optional<wire::TcpRepr> reply;
    if (const auto listener = find_listener(dst, seg->dst_port)) {
        // RFC 9293 §3.10.7.2: "third, check for a SYN" (after RST and ACK).
        if (seg->control == wire::TcpControl::Syn && !seg->ack) {
            accept_syn(iface, *listener, src, dst, *seg, tuple_hash, now);
            return;
        }
        reply = tcp::reset_reply(*seg, tcp::NoConnection::Listen);
    } else {
        // ... else nobody: RFC 9293 §3.10.7.1.
        reply = tcp::reset_reply(*seg, tcp::NoConnection::Closed);
    }
    if (!reply) {
        ++counters_.tcp_dropped_no_connection;
        return;
    }
    ++counters_.tcp_no_listener_resets;
    emit_tcp(iface, dst, src, *reply, now);
}

void Stack::accept_syn(std::uint32_t iface, std::uint32_t listener, const wire::IpAddress& src,
                       const wire::IpAddress& dst, const wire::TcpRepr& syn,
                       std::uint64_t tuple_hash, Instant now) {
    ListenerSlot& l = listeners_[listener];
    // The backlog bounds the connections that wait for accept(): handshaking plus completed.
    // Deviation: like Linux without SYN cookies, a SYN beyond it is dropped without a reply (the
    // peer's SYN retransmission retries) rather than reset.
    if (l.syn_queue.size() + l.accept_queue.size() >= l.backlog) {
        ++counters_.tcp_syn_dropped_backlog;
        return;
    }
    tcp::Config cfg = l.config.value_or(config_.tcp);
    const bool v6 = dst.is_v6();
    cfg.mss = static_cast<std::uint16_t>(
        std::min<std::size_t>(cfg.mss, mss_for(interfaces_[iface].mtu, v6)));
    if (v6) cfg.default_peer_mss = kIpv6DefaultPeerMss;
    // RFC 6528 §3: the ISN from the 4-tuple and the clock.
    const wire::SeqNum iss =
        isn_.generate(dst.bytes(), syn.dst_port, src.bytes(), syn.src_port, now);

    const std::uint32_t index = allocate_slot();
    ConnSlot& s = slots_[index];
    s.conn.emplace(tcp::PassiveOpen{}, cfg, syn, iss, now, spare());
    spare_taken();
    s.tuple = FourTuple{dst, syn.dst_port, src, syn.src_port};
    s.iface = iface;
    s.path_mtu = interfaces_[iface].mtu;
    s.listener = ListenerId{listener, l.generation};
    s.user_owned = false;
    touch(index);
    learn_tuple(index, tuple_hash);
    l.syn_queue.push_back(ConnId{index, s.generation});
}

void Stack::receive_icmpv4(std::uint32_t iface, const wire::Ipv4Address& src,
                           const wire::Ipv4Address& dst, Bytes message, Instant now) {
    ++counters_.icmp_in;
    const auto view = wire::Icmpv4View<Bytes>::checked(message);
    if (!view) {
        ++counters_.icmp_malformed;
        return;
    }
    if (!rx_trusted_ && !view->verify_checksum()) {
        ++counters_.icmp_bad_checksum;
        return;
    }
    if (wire::is_icmpv4_error(view->type())) {
        ++counters_.icmp_errors_in;
        // RFC 5927 / RFC 1122 §4.2.3.9: an error about one of our TCP segments.
        if (const auto e = classify_icmpv4_error(*view)) icmp_error_to_tcp(*e);
        return;
    }
    if (view->type() != wire::Icmpv4Type::EchoRequest) return;
    const auto icmp = wire::Icmpv4Repr::parse(*view, wire::Icmpv4Repr::ChecksumCheck::Skip);
    if (!icmp) {
        ++counters_.icmp_malformed;
        return;
    }
    // RFC 1122 §3.2.2.6: "Every host MUST implement an ICMP Echo server function that receives
    // Echo Requests and sends corresponding Echo Replies"; the data is returned unchanged and the
    // reply's source is the request's specific destination.
    const wire::Icmpv4Repr reply =
        wire::Icmpv4Repr::echo_reply(icmp->identifier, icmp->sequence_number, icmp->data);
    if (kIpv4HeaderLen + reply.buffer_len() > interfaces_[iface].mtu) {
        // A reply larger than the link (the request came in fragments): build it whole, then
        // fragment it (RFC 791 §3.2). RFC 1122 §3.2.2.6: "data received in the ICMP Echo
        // Request MUST be entirely included in the Echo Reply".
        if (big_buf_.size() < reply.buffer_len()) big_buf_.resize(reply.buffer_len());
        auto big =
            wire::Icmpv4View<MutBytes>::unchecked(MutBytes(big_buf_).first(reply.buffer_len()));
        reply.emit(big);
        if (emit_fragmented(iface, dst, src, wire::IpProtocol::Icmp,
                            Bytes(big_buf_).first(reply.buffer_len()), now))
            ++counters_.icmp_echo_replies;
        return;
    }
    auto out = wire::Icmpv4View<MutBytes>::unchecked(
        MutBytes(tx_buf_).subspan(kIpv4HeaderLen, reply.buffer_len()));
    reply.emit(out);
    if (emit_ip(iface, dst, src, wire::IpProtocol::Icmp, 0, reply.buffer_len(), now))
        ++counters_.icmp_echo_replies;
}

void Stack::receive_icmpv6(std::uint32_t iface, const wire::Ipv6Address& src,
                           const wire::Ipv6Address& dst, Bytes message, Instant now) {
    ++counters_.icmp_in;
    const auto view = wire::Icmpv6View<Bytes>::checked(message);
    if (!view) {
        ++counters_.icmp_malformed;
        return;
    }
    const Checksum pseudo =
        pseudo_header_v6(src.bytes(), dst.bytes(), 58, static_cast<std::uint32_t>(message.size()));
    // RFC 4443 §2.3: a message with a bad checksum is discarded.
    if (!rx_trusted_ && !view->verify_checksum(pseudo)) {
        ++counters_.icmp_bad_checksum;
        return;
    }
    if (wire::is_icmpv6_error(view->type())) {
        ++counters_.icmp_errors_in;
        // RFC 5927, RFC 8201: an error about one of our TCP segments.
        if (const auto e = classify_icmpv6_error(*view)) icmp_error_to_tcp(*e);
        return;
    }
    if (view->type() != wire::Icmpv6Type::EchoRequest) return;  // NDP: not on a TUN link
    const auto icmp = wire::Icmpv6Repr::parse(*view, pseudo, wire::Icmpv6Repr::ChecksumCheck::Skip);
    if (!icmp) {
        ++counters_.icmp_malformed;
        return;
    }
    // RFC 4443 §4.2: "Every node MUST implement an ICMPv6 Echo responder function"; the reply
    // carries the identifier, sequence number and data of the request, from its (unicast)
    // destination address.
    wire::Icmpv6Repr reply;
    reply.type = wire::Icmpv6Type::EchoReply;
    reply.identifier = icmp->identifier;
    reply.sequence_number = icmp->sequence_number;
    reply.data = icmp->data;
    const std::size_t len = reply.buffer_len();
    if (kIpv6HeaderLen + len > interfaces_[iface].mtu) {
        // RFC 8200 §4.5: the source fragments what does not fit the path.
        if (big_buf_.size() < len) big_buf_.resize(len);
        auto big = wire::Icmpv6View<MutBytes>::unchecked(MutBytes(big_buf_).first(len));
        reply.emit(big,
                   pseudo_header_v6(dst.bytes(), src.bytes(), 58, static_cast<std::uint32_t>(len)));
        if (emit_fragmented(iface, dst, src, wire::IpProtocol::Icmpv6, Bytes(big_buf_).first(len),
                            now))
            ++counters_.icmp_echo_replies;
        return;
    }
    auto out =
        wire::Icmpv6View<MutBytes>::unchecked(MutBytes(tx_buf_).subspan(kIpv6HeaderLen, len));
    reply.emit(out,
               pseudo_header_v6(dst.bytes(), src.bytes(), 58, static_cast<std::uint32_t>(len)));
    if (emit_ip(iface, dst, src, wire::IpProtocol::Icmpv6, 0, len, now))
        ++counters_.icmp_echo_replies;
}

// ---- egress

void Stack::transmit_connection(std::uint32_t index, Instant now) {
    ConnSlot& s = slots_[index];
    const Interface& f = interfaces_[s.iface];
    const std::size_t ip_len = s.tuple.local.is_v6() ? kIpv6HeaderLen : kIpv4HeaderLen;
    // The payload goes straight into the frame: poll_transmit copies it to kPayloadOffset, where
    // emit_tcp builds the TCP and IP headers in front of it.
    const MutBytes space =
        MutBytes(tx_buf_).subspan(kPayloadOffset, f.mtu - ip_len - wire::kTcpFixedHeaderLen);
    for (std::size_t n = 0; n < kMaxSegmentsPerPoll; ++n) {
        const std::optional<wire::TcpRepr> seg = s.conn->poll_transmit(now, space);
        if (!seg) return;
        emit_tcp(s.iface, s.tuple.local, s.tuple.remote, *seg, now);
        // A segment without data (SYN, FIN, pure ACK, RST) mostly ends the burst. When its
        // connection then owes nothing and has no timer due (poll_at() > now), the next
        // poll_transmit(now) would return nullopt and change nothing (the timers and the idle
        // restart were run at this `now` by the call that produced this segment), so it is not
        // made; poll() reads the deadline just computed. After data the next call is made at
        // once (a bulk sender's next segment is planned once, not twice).
        if (seg->payload.empty() && s.conn->poll_at() > now) return;
    }
}

bool Stack::emit_tcp(std::uint32_t iface, const wire::IpAddress& src, const wire::IpAddress& dst,
                     const wire::TcpRepr& seg, Instant now) {
    const std::size_t ip_len = src.is_v6() ? kIpv6HeaderLen : kIpv4HeaderLen;
    const std::size_t hlen = seg.header_len();
    const std::size_t plen = seg.payload.size();
    if (hlen > wire::kTcpMaxHeaderLen || ip_len + hlen + plen > interfaces_[iface].mtu) {
        ++counters_.frames_tx_dropped;
        return false;
    }
    std::uint8_t* const payload_at = tx_buf_.data() + kPayloadOffset;
    // A data segment's payload is there already (poll_transmit copied it into the frame); only
    // other payloads are moved there, in a copy of the segment that points at them (rare: most
    // emits copy no segment).
    if (plen != 0 && seg.payload.data() != payload_at) {
        std::memmove(payload_at, seg.payload.data(), plen);
        wire::TcpRepr moved = seg;
        moved.payload = Bytes(payload_at, plen);
        return emit_tcp(iface, src, dst, moved, now);
    }

    // The header goes right before the payload. RFC 9293 §3.1: the checksum covers the
    // pseudo-header, the header and the data; emit() does not read the data again when
    // poll_transmit summed it while copying it out of the send ring.
    const std::size_t tcp_start = kPayloadOffset - hlen;
    auto view = wire::TcpView<MutBytes>::checked_fixed_header(
        MutBytes(tx_buf_).subspan(tcp_start, hlen + plen));
    if (!view || !seg.emit(*view, pseudo_header(src, dst, wire::IpProtocol::Tcp, hlen + plen))) {
        ++counters_.frames_tx_dropped;
        return false;
    }
    ++counters_.tcp_segments_out;
    return emit_ip(iface, src, dst, wire::IpProtocol::Tcp, tcp_start - ip_len, hlen + plen, now);
}

bool Stack::emit_ip(std::uint32_t iface, const wire::IpAddress& src, const wire::IpAddress& dst,
                    wire::IpProtocol proto, std::size_t ip_start, std::size_t payload_len,
                    Instant now) {
    std::size_t ip_len = 0;
    if (src.is_v4()) {
        wire::Ipv4Repr ip;
        ip.src = *src.v4();
        ip.dst = *dst.v4();
        ip.protocol = proto;
        ip.payload_len = payload_len;
        ip.ttl = config_.hop_limit;
        // RFC 6864 §4.1: an atomic datagram (DF set, not a fragment) may carry any ID; a counter.
        ip.identification = next_ip_id_++;
        ip.dont_fragment = true;
        auto view = wire::Ipv4View<MutBytes>::unchecked(
            MutBytes(tx_buf_).subspan(ip_start, kIpv4HeaderLen));
        ip.emit(view);
        ip_len = kIpv4HeaderLen;
    } else {
        wire::Ipv6Repr ip;
        ip.src = *src.v6();
        ip.dst = *dst.v6();
        ip.next_header = proto;
        ip.payload_len = payload_len;
        ip.hop_limit = config_.hop_limit;
        auto view = wire::Ipv6View<MutBytes>::unchecked(
            MutBytes(tx_buf_).subspan(ip_start, kIpv6HeaderLen));
        ip.emit(view);
        ip_len = kIpv6HeaderLen;
    }
    const Bytes frame = Bytes(tx_buf_).subspan(ip_start, ip_len + payload_len);
    if (!interfaces_[iface].device->transmit(frame, now)) {
        ++counters_.frames_tx_dropped;
        return false;
    }
    ++counters_.frames_out;
    return true;
}

bool Stack::emit_fragmented(std::uint32_t iface, const wire::IpAddress& src,
                            const wire::IpAddress& dst, wire::IpProtocol proto, Bytes payload,
                            Instant now) {
    const std::size_t mtu = interfaces_[iface].mtu;
    const bool v6 = src.is_v6();
    // Each fragment's data is a multiple of 8 octets except the last (RFC 791 §3.2 "the
    // fragmentation must occur on an 8 octet boundary"; RFC 8200 §4.5 likewise).
    const std::size_t header =
        v6 ? kIpv6HeaderLen + wire::Ipv6FragmentRepr::buffer_len() : kIpv4HeaderLen;
    const std::size_t chunk = (mtu - header) / 8 * 8;
    // RFC 791 §3.1: 65535 octets at most in all; RFC 8200 §4.5: the fragmentable part too.
    if (chunk == 0 || payload.size() + (v6 ? 0 : kIpv4HeaderLen) > 65535) {
        ++counters_.frames_tx_dropped;
        return false;
    }
    // RFC 6864 §4.2: a fragmented IPv4 datagram needs an ID unique for its (src, dst, protocol)
    // within the maximum datagram lifetime: the counter. RFC 7739 §5: an IPv6 Identification
    // should be unpredictable: the Stack's seeded Rng.
    const std::uint16_t id_v4 = next_ip_id_++;
    const std::uint32_t id_v6 = v6 ? rng_.next_u32() : 0;
    for (std::size_t offset = 0; offset < payload.size(); offset += chunk) {
        const std::size_t len = std::min(chunk, payload.size() - offset);
        const bool more = offset + len < payload.size();
        std::memcpy(tx_buf_.data() + header, payload.data() + offset, len);
        if (v6) {
            wire::Ipv6Repr ip;
            ip.src = *src.v6();
            ip.dst = *dst.v6();
            ip.next_header = wire::IpProtocol::Ipv6Frag;
            ip.payload_len = wire::Ipv6FragmentRepr::buffer_len() + len;
            ip.hop_limit = config_.hop_limit;
            auto view = wire::Ipv6View<MutBytes>::unchecked(MutBytes(tx_buf_));
            ip.emit(view);
            wire::Ipv6FragmentRepr fh;
            fh.next_header = proto;
            fh.fragment_offset = static_cast<std::uint32_t>(offset);
            fh.more_fragments = more;
            fh.identification = id_v6;
            fh.emit(
                MutBytes(tx_buf_).subspan(kIpv6HeaderLen, wire::Ipv6FragmentRepr::buffer_len()));
        } else {
            wire::Ipv4Repr ip;
            ip.src = *src.v4();
            ip.dst = *dst.v4();
            ip.protocol = proto;
            ip.payload_len = len;
            ip.ttl = config_.hop_limit;
            ip.identification = id_v4;
            // RFC 791 §3.2: every fragment but the last has MF set; DF is clear (we fragment).
            ip.dont_fragment = false;
            ip.more_fragments = more;
            ip.fragment_offset = static_cast<std::uint32_t>(offset);
            auto view = wire::Ipv4View<MutBytes>::unchecked(MutBytes(tx_buf_));
            ip.emit(view);
        }
        if (!interfaces_[iface].device->transmit(Bytes(tx_buf_).first(header + len), now)) {
            ++counters_.frames_tx_dropped;
            return false;
        }
        ++counters_.frames_out;
        ++counters_.ip_fragments_out;
    }
    return true;
}

// ---- ICMP errors and reassembly timeouts

void Stack::icmp_error_to_tcp(const IcmpError& e) {
    const QuotedTcp& q = e.quoted;
    // The quoted segment is one we sent: its source is our address and port.
    const auto found = demux_.find(FourTuple{q.src, q.src_port, q.dst, q.dst_port});
    if (!found) {
        ++counters_.icmp_errors_ignored;
        return;
    }
    const std::uint32_t index = *found;
    ConnSlot& s = slots_[index];
    tcp::Connection& c = *s.conn;
    // RFC 5927 §4.2: "TCP SHOULD check that the TCP sequence number contained in the payload of
    // the ICMP error message is within the range SND.UNA =< SEG.SEQ < SND.NXT" — a blind attacker
    // must then guess a sequence number in flight. Otherwise the message is discarded.
    if (q.seq < c.snd_una() || !(q.seq < c.snd_nxt())) {
        ++counters_.icmp_errors_ignored;
        return;
    }
    touch(index);
    switch (e.kind) {
        case IcmpErrorKind::PathMtu: {
            const bool v6 = q.src.is_v6();
            // RFC 8201 §4: "A node MUST NOT reduce its estimate of the Path MTU below the IPv6
            // minimum link MTU" (1280); RFC 1191 §3: never below 68 for IPv4.
            const std::size_t floor = v6 ? std::size_t{1280} : config_.min_path_mtu_v4;
            const std::size_t mtu = std::max<std::size_t>(e.mtu, floor);
            // RFC 1191 §3 / RFC 8201 §4: the message only ever lowers the estimate ("MUST NOT
            // increase its estimate of the Path MTU in response to the contents of a Packet Too
            // Big message").
            if (mtu >= s.path_mtu) {
                ++counters_.icmp_errors_ignored;
                return;
            }
            s.path_mtu = mtu;
            ++counters_.tcp_path_mtu_lowered;
            // RFC 1191 §6.2 / RFC 8201 §5.2: TCP sizes its segments for the new path MTU.
            c.set_path_mtu_mss(static_cast<std::uint16_t>(mss_for(mtu, v6)));
            return;
        }
        case IcmpErrorKind::Hard:
            // RFC 1122 §4.2.3.9: port and protocol unreachable are hard errors, "so TCP SHOULD
            // abort the connection". Deviation (RFC 5461 §4.1, Linux tcp_v4_err): only while
            // connecting; in synchronized states they are kept as soft errors, since a forged or
            // stale one would otherwise reset a working connection.
            if (c.state() == tcp::State::SynSent) {
                ++counters_.tcp_aborted_by_icmp;
                (void)c.abort(e.error);
                return;
            }
            [[fallthrough]];
        case IcmpErrorKind::Soft:
            // RFC 1122 §4.2.3.9: "TCP MUST NOT abort the connection" for a soft error, but
            // "SHOULD make the information available to the application".
            s.soft_error = e.error;
            ++counters_.tcp_soft_errors;
            return;
    }
}

void Stack::send_reassembly_time_exceeded(std::uint32_t iface, const ExpiredDatagram& d,
                                          Instant now) {
    // RFC 792 / RFC 8200 §4.5: only when the first fragment (offset 0) arrived.
    if (d.quote.empty()) return;
    const wire::IpAddress& to = d.key.src;
    const wire::IpAddress& from = d.key.dst;
    // RFC 1122 §3.2.2: no ICMP error about an ICMP error message.
    if (to.is_v4()) {
        const auto ip = wire::Ipv4View<Bytes>::checked(d.quote);
        if (!ip) return;
        if (ip->protocol() == wire::IpProtocol::Icmp) {
            const Bytes icmp = d.quote.subspan(ip->header_len());
            if (icmp.empty() || wire::is_icmpv4_error(wire::Icmpv4Type{icmp[0]})) return;
        }
        wire::Icmpv4Repr te;
        te.type = wire::Icmpv4Type::TimeExceeded;
        te.code = static_cast<std::uint8_t>(wire::Icmpv4TimeExceeded::FragmentReassembly);
        te.data = d.quote;
        const std::size_t len = te.buffer_len();
        if (kIpv4HeaderLen + len > interfaces_[iface].mtu) return;
        auto out =
            wire::Icmpv4View<MutBytes>::unchecked(MutBytes(tx_buf_).subspan(kIpv4HeaderLen, len));
        te.emit(out);
        if (emit_ip(iface, from, to, wire::IpProtocol::Icmp, 0, len, now))
            ++counters_.icmp_time_exceeded_out;
        return;
    }
    const auto ip = wire::Ipv6View<Bytes>::checked(d.quote);
    if (!ip) return;
    wire::Ipv6ExtHeaderWalker walker(ip->next_header(), d.quote.subspan(kIpv6HeaderLen));
    if (walker.finish() == wire::Ipv6ExtHeaderWalker::Status::UpperLayer &&
        walker.upper_protocol() == wire::IpProtocol::Icmpv6) {
        const Bytes icmp = walker.upper_payload();
        if (icmp.empty() || wire::is_icmpv6_error(wire::Icmpv6Type{icmp[0]})) return;
    }
    wire::Icmpv6Repr te;
    te.type = wire::Icmpv6Type::TimeExceeded;
    te.code = static_cast<std::uint8_t>(wire::Icmpv6TimeExceeded::FragmentReassembly);
    // RFC 4443 §3: as much of the invoking packet as fits in 1280 octets.
    te.data = d.quote.first(std::min<std::size_t>(d.quote.size(), 1280 - kIpv6HeaderLen - 8));
    const std::size_t len = te.buffer_len();
    if (kIpv6HeaderLen + len > interfaces_[iface].mtu) return;
    auto out =
        wire::Icmpv6View<MutBytes>::unchecked(MutBytes(tx_buf_).subspan(kIpv6HeaderLen, len));
    te.emit(out, pseudo_header_v6(from.bytes(), to.bytes(), 58, static_cast<std::uint32_t>(len)));
    if (emit_ip(iface, from, to, wire::IpProtocol::Icmpv6, 0, len, now))
        ++counters_.icmp_time_exceeded_out;
}

}  // namespace ustack::stack
