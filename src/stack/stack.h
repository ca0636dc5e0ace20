// Stack: interfaces and routes, IPv4 (RFC 791/1122) and IPv6 (RFC 8200) in and out with fragment
// reassembly and echo-reply fragmentation, ICMP echo (RFC 792, RFC 4443 §4), ICMP errors for TCP
// (RFC 5927, RFC 1191, RFC 8201), TCP demux by 4-tuple and listeners (RFC 9293 §3.10), the
// no-connection reset (RFC 9293 §3.10.7.1), ISNs (RFC 6528) and ephemeral ports (RFC 6056 §3.3.3).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

#include "base/bytes.h"
#include "base/errc.h"
#include "base/pollable.h"
#include "base/rng.h"
#include "base/siphash.h"
#include "base/time.h"
#include "dev/device.h"
#include "stack/counters.h"
#include "stack/deadline_heap.h"
#include "stack/demux_table.h"
#include "stack/event.h"
#include "stack/fifo.h"
#include "stack/handles.h"
#include "stack/icmp_errors.h"
#include "stack/reassembly.h"
#include "tcp/config.h"
#include "tcp/connection.h"
#include "tcp/isn.h"
#include "tcp/state.h"
#include "wire/ip_address.h"
#include "wire/tcp.h"

namespace ustack::stack {

// One interface: its addresses (each with its on-link prefix) and optional default gateways.
// Routes: every address's prefix is on-link through this interface; a gateway makes this interface
// the default route of its family. On a point-to-point IP link (SimLink, TUN) there is no
// next-hop resolution: every route simply sends on the interface.
struct InterfaceConfig {
    std::vector<InterfaceAddress> addresses;
    std::optional<wire::Ipv4Address> gateway_v4;
    std::optional<wire::Ipv6Address> gateway_v6;
    std::size_t mtu = 0;  // 0: the device's caps().mtu
};

struct StackConfig {
    std::uint64_t seed = 1;  // the Stack's Rng: ISN secret, port offsets, hash keys
    tcp::Config tcp;         // every connection's config; the Stack sets the MSS from the MTU
    // RFC 6056 §2.1: the IANA dynamic range 49152-65535 (Linux uses 32768-60999).
    std::uint16_t ephemeral_first = 49152;
    std::uint16_t ephemeral_last = 65535;
    std::uint8_t hop_limit = 64;  // IPv4 TTL and IPv6 Hop Limit of what the Stack sends
    // Fragment reassembly limits (time, memory) for each family.
    ReassemblyConfig reassembly_v4 = ReassemblyConfig::ipv4();
    ReassemblyConfig reassembly_v6 = ReassemblyConfig::ipv6();
    // RFC 1191 §3: "A host MUST never reduce its estimate of the Path MTU below 68 octets".
    // (Linux's floor, net.ipv4.route.min_pmtu, is 552.) IPv6 never goes below 1280 (RFC 8201 §4).
    std::size_t min_path_mtu_v4 = 68;
};

struct ListenOptions {
    // Like SO_REUSEADDR: bind even though connections (say in TIME-WAIT) use the port, or a
    // wildcard listener already holds it (the specific one then wins lookups). Two listeners on
    // exactly the same address and port are never allowed.
    bool reuse_address = false;
    std::optional<tcp::Config> config;  // for accepted connections; default StackConfig::tcp
};

struct ConnectOptions {
    // Local address (unspecified: the source address of the route) and port (0: ephemeral).
    std::optional<Endpoint> local;
    std::optional<tcp::Config> config;  // default StackConfig::tcp
};

// A Stack is a Pollable: a loop calls poll(now) when poll_at() is due. poll() drains every
// device, demultiplexes what arrived, lets every connection transmit, reaps finished connections
// and queues Events; the socket layer takes them with drain_events() after poll() returns. No
// callback runs inside poll(). Deterministic for a given StackConfig::seed and input.
//
// Handles: a ConnId stays valid from connect()/accept() until the user has called close() or
// abort() *and* the connection has reached CLOSED (after TIME-WAIT, say); then the Stack frees
// the slot and the id is stale (BadHandle). Connections the user never received (still in a
// listener's queues) are freed as soon as they reach CLOSED.
class Stack final : public Pollable {
  public:
    explicit Stack(const StackConfig& config);
    Stack(const Stack&) = delete;
    Stack& operator=(const Stack&) = delete;

    // The device must outlive the Stack. Errors: InvalidArgument (no address, a prefix too
    // long, or an Ethernet device: ARP and NDP are not implemented yet, only raw IP links).
    Result<InterfaceId> add_interface(dev::Device& device, const InterfaceConfig& config);

    // Passive open on `local` (unspecified address: every address of that family). At most
    // `backlog` connections wait (handshaking plus completed-but-not-accepted); SYNs beyond are
    // dropped and counted. Errors: AddressInUse, AddressNotAvailable (not our address),
    // InvalidArgument (port 0, backlog 0).
    Result<ListenerId> listen(const Endpoint& local, std::size_t backlog,
                              const ListenOptions& options = {});
    // The oldest completed connection, or WouldBlock. BadHandle for a stale listener.
    Result<ConnId> accept(ListenerId listener);
    // The address and port a listener was opened on.
    Result<Endpoint> listener_endpoint(ListenerId listener) const;
    // Stops listening; connections not yet accepted are aborted (RST).
    Result<void> close_listener(ListenerId listener);

    // Active open: a SYN goes out at the next poll(). Errors: InvalidArgument (port 0,
    // unspecified or multicast remote), HostUnreachable (no route), AddressNotAvailable (local
    // address not ours, or no ephemeral port left), AddressInUse (the chosen local port already has
    // this 4-tuple).
    Result<ConnId> connect(const Endpoint& remote, Instant now, const ConnectOptions& options = {});

    // The user verbs, forwarded to the connection (see tcp::Connection for their errors).
    // BadHandle for a stale id, and for send/recv/shutdown/close/abort once close() or abort()
    // released the handle; state(), the endpoints and connection() answer until the slot is
    // freed, so a closed connection can be watched through TIME-WAIT.
    Result<std::size_t> send(ConnId id, Bytes data);
    Result<std::size_t> recv(ConnId id, MutBytes out);
    Result<void> shutdown(ConnId id);  // the write side: FIN after queued data
    Result<void> close(ConnId id);     // both sides; releases the handle
    Result<void> abort(ConnId id);     // RST; releases the handle
    Result<tcp::State> state(ConnId id) const;
    Result<Endpoint> local_endpoint(ConnId id) const;
    Result<Endpoint> remote_endpoint(ConnId id) const;
    // A look at a connection (buffer levels, RTT, set_no_delay); nullptr when stale. The pointer
    // is valid until the next call to connect(), poll() or close_listener(). The non-const one
    // counts as a verb: the next poll() looks at the connection's deadline and events again.
    const tcp::Connection* connection(ConnId id) const;
    tcp::Connection* connection(ConnId id);
    // RFC 1122 §4.2.3.9: the last soft ICMP error reported for the connection (host or net
    // unreachable, time exceeded, ...; also a hard one that arrived in a synchronized state), or
    // nullopt. Soft errors never close a connection; the user may look at them when it times out.
    Result<std::optional<Errc>> soft_error(ConnId id) const;
    // The path MTU the connection's segments are sized for: the interface MTU until an ICMP
    // "fragmentation needed" (RFC 1191) or "Packet Too Big" (RFC 8201) lowered it.
    Result<std::size_t> path_mtu(ConnId id) const;

    // Pollable. poll_at() is never late. After a verb that cancelled or postponed one of a
    // connection's timers it may be early until the next poll(), which then finds nothing due
    // and puts the deadline right.
    Instant poll_at() const override;
    void poll(Instant now) override;

    // Moves the queued events, oldest first, to the end of `out`; returns how many.
    std::size_t drain_events(std::vector<Event>& out);
    // Calls f(const Event&) for each queued event, oldest first. f may call the Stack's verbs;
    // events those verbs queue wait for the next drain (a nested drain returns 0).
    template <class F>
    std::size_t drain_events(F&& f) {
        if (draining_) return 0;
        draining_ = true;
        drained_.clear();
        drained_.swap(events_);
        for (const Event& e : drained_)
            f(e);
        draining_ = false;
        return drained_.size();
    }

    bool has_events() const { return !events_.empty(); }
    // The configuration the Stack was made with (the socket layer starts options from .tcp).
    const StackConfig& config() const { return config_; }

    const StackCounters& counters() const { return counters_; }
    std::size_t connection_count() const { return live_connections_; }
    // Calls f(ConnId) for every connection the Stack holds, in slot order: those handed to the
    // user, those it closed that are still finishing (LAST-ACK, FIN-WAIT-2, TIME-WAIT, ...) and
    // those still in a listener's queues (what `ss -tan` lists). f may look (state(), the
    // endpoints, connection()) but not call the verbs.
    template <class F>
    void for_each_connection(F&& f) const {
        for (std::uint32_t i = 0; i < slots_.size(); ++i)
            if (slots_[i].conn) f(ConnId{i, slots_[i].generation});
    }
    // What `ss -tln` shows of a listener: its address, the backlog it was given and how full its
    // queues are (handshakes in SYN-RECEIVED, completed connections waiting for accept()).
    struct ListenerView {
        ListenerId id;
        Endpoint local;
        std::size_t backlog = 0;
        std::size_t syn_queue = 0;
        std::size_t accept_queue = 0;
    };
    // Calls f(const ListenerView&) for every open listener, in slot order. f may only look.
    template <class F>
    void for_each_listener(F&& f) const {
        for (std::uint32_t i = 0; i < listeners_.size(); ++i) {
            const ListenerSlot& l = listeners_[i];
            if (l.live)
                f(ListenerView{ListenerId{i, l.generation}, l.local, l.backlog, l.syn_queue.size(),
                               l.accept_queue.size()});
        }
    }
    std::size_t interface_count() const { return interfaces_.size(); }

  private:
    struct Interface {
        dev::Device* device = nullptr;
        std::vector<InterfaceAddress> addresses;
        std::optional<wire::Ipv4Address> gateway_v4;
        std::optional<wire::Ipv6Address> gateway_v6;
        std::size_t mtu = 0;
    };
    // Where a packet to some destination leaves, and from which source address.
    struct Route {
        std::uint32_t iface = 0;
        wire::IpAddress source;
    };
    struct EndpointHash {
        SipHashKey key;
        std::size_t operator()(const Endpoint& e) const;
    };
    struct ConnSlot {
        std::uint32_t generation = 1;         // bumped when the slot is freed
        std::optional<Errc> soft_error;       // the last soft ICMP error; reset with the slot
        std::size_t path_mtu = 0;             // <= the interface MTU; lowered only by ICMP
        std::optional<tcp::Connection> conn;  // engaged <=> the slot is live
        FourTuple tuple;
        std::uint64_t tuple_hash = 0;  // demux_.hash(tuple), kept for reap's erase
        std::uint32_t iface = 0;
        std::optional<ListenerId> listener;  // set while in a listener's SYN or accept queue
        bool user_owned = false;             // handed out, and not yet closed or aborted
        // Input, output or a user verb since the last poll: may have events, and its deadline
        // may have moved. Set <=> the index is in dirty_ (its entry in timers_, if any, is then
        // the deadline before the touch: at worst early, and put right by the next poll).
        bool touched = false;
    };
    struct ListenerSlot {
        std::uint32_t generation = 1;
        bool live = false;
        Endpoint local;
        std::size_t backlog = 0;
        bool reuse_address = false;
        std::optional<tcp::Config> config;
        std::vector<ConnId> syn_queue;  // SYN-RECEIVED, handshake not complete
        Fifo<ConnId> accept_queue;      // ESTABLISHED (or later), waiting for accept()
    };

    // Ingress.
    void receive_frame(std::uint32_t iface, Bytes frame, Instant now);
    void receive_ipv4(std::uint32_t iface, Bytes packet, Instant now);
    void receive_ipv6(std::uint32_t iface, Bytes packet, Instant now);
    void receive_tcp(std::uint32_t iface, const wire::IpAddress& src, const wire::IpAddress& dst,
                     Bytes segment, Instant now);
    void receive_icmpv4(std::uint32_t iface, const wire::Ipv4Address& src,
                        const wire::Ipv4Address& dst, Bytes message, Instant now);
    void receive_icmpv6(std::uint32_t iface, const wire::Ipv6Address& src,
                        const wire::Ipv6Address& dst, Bytes message, Instant now);
    // `tuple_hash` is demux_.hash() of the SYN's 4-tuple (the failed lookup computed it).
    void accept_syn(std::uint32_t iface, std::uint32_t listener, const wire::IpAddress& src,
                    const wire::IpAddress& dst, const wire::TcpRepr& syn, std::uint64_t tuple_hash,
                    Instant now);
    // Hands an IPv4 datagram's (or a reassembled one's) payload to its protocol.
    void deliver_ipv4(std::uint32_t iface, const wire::Ipv4Address& src,
                      const wire::Ipv4Address& dst, wire::IpProtocol protocol, Bytes payload,
                      Instant now);
    // Walks the extension headers from `next` over `rest` (after the fixed header, or a
    // reassembled fragmentable part) and hands the upper layer over. `packet` is the whole packet
    // as received (for the fragment quote); `rest_offset` is where `rest` starts in it.
    void deliver_ipv6(std::uint32_t iface, const wire::Ipv6Address& src,
                      const wire::Ipv6Address& dst, wire::IpProtocol next, Bytes rest, Bytes packet,
                      bool reassembled, Instant now);
    // RFC 5927: an ICMP error about one of our TCP segments.
    void icmp_error_to_tcp(const IcmpError& error);
    // RFC 1122 §3.3.2, RFC 8200 §4.5: ICMP Time Exceeded (fragment reassembly) for a datagram
    // that timed out, quoting its first fragment.
    void send_reassembly_time_exceeded(std::uint32_t iface, const ExpiredDatagram& d, Instant now);

    // Egress.
    void transmit_connection(std::uint32_t index, Instant now);
    // Emits `seg` from src to dst on `iface`. The payload may already sit at the payload offset
    // of the transmit buffer (poll_transmit put it there); otherwise it is copied there.
    bool emit_tcp(std::uint32_t iface, const wire::IpAddress& src, const wire::IpAddress& dst,
                  const wire::TcpRepr& seg, Instant now);
    // Writes the IP header at tx_buf_[ip_start] for the `payload_len` bytes of `proto` that follow
    // it, and transmits that frame.
    bool emit_ip(std::uint32_t iface, const wire::IpAddress& src, const wire::IpAddress& dst,
                 wire::IpProtocol proto, std::size_t ip_start, std::size_t payload_len,
                 Instant now);
    // Sends `payload` (an upper-layer message of ours, e.g. a large echo reply) in as many
    // fragments as the interface MTU needs: RFC 791 §3.2 for IPv4, RFC 8200 §4.5 for IPv6.
    bool emit_fragmented(std::uint32_t iface, const wire::IpAddress& src,
                         const wire::IpAddress& dst, wire::IpProtocol proto, Bytes payload,
                         Instant now);
    // The offset in tx_buf_ where a TCP payload starts: room for any IP and TCP header before.
    static constexpr std::size_t kPayloadOffset = 40 + wire::kTcpMaxHeaderLen;

    // Routing and addresses.
    // The route to dst; the last answer is kept (last_route_) for the next lookup of the same
    // destination, as a connection churn to one peer asks again and again.
    std::optional<Route> route(const wire::IpAddress& dst);
    std::optional<Route> find_route(const wire::IpAddress& dst) const;
    bool is_local_address(const wire::IpAddress& a) const;
    static std::size_t mss_for(std::size_t mtu, bool v6);

    // Ports and listeners.
    // RFC 6056 §3.3.3: a free port for local -> remote; sets tuple_hash to demux_.hash() of the
    // 4-tuple it picked.
    std::optional<std::uint16_t> pick_ephemeral_port(const wire::IpAddress& local,
                                                     const Endpoint& remote,
                                                     std::uint64_t& tuple_hash);
    bool port_in_use(const wire::IpAddress& local, std::uint16_t port) const;
    std::optional<std::uint32_t> find_listener(const wire::IpAddress& dst,
                                               std::uint16_t port) const;

    // Slots.
    ConnSlot* slot(ConnId id);
    const ConnSlot* slot(ConnId id) const;
    ListenerSlot* listener_slot(ListenerId id);
    const ListenerSlot* listener_slot(ListenerId id) const;
    std::uint32_t allocate_slot();
    void free_slot(std::uint32_t index);
    // The spare rings for the connection being opened (nullptr when there are none), and their
    // release once it has taken what fits.
    tcp::Rings* spare();
    void spare_taken();
    // demux_[tuple] = index, for the slot's tuple; h = demux_.hash(tuple).
    void learn_tuple(std::uint32_t index, std::uint64_t h);
    void collect_events(std::uint32_t index);
    void reap(std::uint32_t index);
    // Marks slot `index` touched: the next poll() visits it, and poll_at() asks it for its
    // deadline instead of timers_.
    void touch(std::uint32_t index);

    StackConfig config_;
    Rng rng_;
    tcp::IsnGenerator isn_;
    SipHashKey port_key_;  // RFC 6056 §3.3.3 F(): the offset's secret
    std::uint32_t next_ephemeral_ = 0;
    std::uint16_t next_ip_id_ = 0;  // RFC 6864: IPv4 ID, a counter (our datagrams are atomic)

    std::vector<Interface> interfaces_;
    // route()'s last lookup: a destination and its route; cleared when an interface is added.
    struct RouteHit {
        wire::IpAddress dst;
        Route route;
    };
    std::optional<RouteHit> last_route_;
    std::vector<ConnSlot> slots_;
    std::vector<std::uint32_t> free_slots_;
    // The deadline (poll_at()) of every live slot as of its last visit; a touched slot's is
    // asked for afresh. So poll() and poll_at() cost O(touched + due), not O(slots).
    DeadlineHeap timers_;
    std::vector<std::uint32_t> dirty_;  // the touched slots, each once
    std::vector<std::uint32_t> visit_;  // poll()'s scratch: touched and due slots, in slot order
    // Rings of freed connections (at most kSpareRings sets, of the default sizes) that the next
    // connections opened take over, so opening one does not allocate them once warm.
    std::vector<tcp::Rings> spare_rings_;
    std::size_t live_connections_ = 0;
    DemuxTable demux_;
    // The last 4-tuple demux_ found or learned and its slot; always an entry of demux_ (reap
    // clears it).
    struct DemuxHit {
        FourTuple tuple;
        std::uint32_t index = 0;
    };
    std::optional<DemuxHit> last_demux_;
    std::vector<ListenerSlot> listeners_;
    std::unordered_map<Endpoint, std::uint32_t, EndpointHash> listener_map_;

    std::vector<std::uint8_t> tx_buf_;  // one frame, reused for everything the Stack sends
    // An upper-layer message larger than the MTU (echo replies to reassembled requests), built
    // here before emit_fragmented() cuts it; grows to the largest such message, then is reused.
    std::vector<std::uint8_t> big_buf_;
    Reassembler reassembly_v4_;
    Reassembler reassembly_v6_;
    std::vector<Event> events_;
    std::vector<Event> drained_;
    bool draining_ = false;
    Instant last_now_;  // the latest poll()'s now
    // Whether the frame being processed needs no checksum verification (the device's
    // last_frame_checksum_trusted(); false for a reassembled datagram).
    bool rx_trusted_ = false;
    StackCounters counters_;
};

}  // namespace ustack::stack
