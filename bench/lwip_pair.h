// LwipPair: the lwIP baseline's harness — two lwIP netifs in one process joined by a zero-delay,
// infinite-rate in-memory link, on a virtual millisecond clock (lwIP's sys_now), for the raw TCP
// API. Built on Debian's liblwip-dev exactly as packaged (its lwipopts.h and liblwip.so).
//
// lwIP is a process-wide singleton (its pcb lists, netif list and timers are C globals), so at most
// one LwipPair exists at a time and its clock is a global: both are lwIP's shape, confined to this
// bench binary; the ustack core keeps no global state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>

extern "C" {
#include <lwip/netif.h>
#include <lwip/pbuf.h>
}

namespace ustack::bench {

class LwipPair {
  public:
    // The client netif owns 10.0.0.1, the server netif 10.0.0.2, each /32 on a point-to-point
    // link (MTU 1500). TCP pcbs are bound to their netif with tcp_bind_netif, so lwIP sends through
    // our link rather than its internal loopback (both addresses belong to the one lwIP instance).
    LwipPair();
    ~LwipPair();
    LwipPair(const LwipPair&) = delete;
    LwipPair& operator=(const LwipPair&) = delete;

    netif* client_netif() { return &client_; }
    netif* server_netif() { return &server_; }
    const ip_addr_t& client_address() const { return client_ip_; }
    const ip_addr_t& server_address() const { return server_ip_; }

    // Delivers queued frames (alternating directions, FIFO each) until `done` holds. When the link
    // is idle and `done` does not hold, the virtual clock jumps to lwIP's next timeout and the
    // timers run (as SimLoop jumps to the next deadline). False if `limit_ms` of virtual time pass.
    bool run_until(const std::function<bool()>& done, std::uint32_t limit_ms);

    // Delivers queued frames until the link is idle; the clock does not move.
    void drain();

    // Moves the virtual clock forward by `ms` in steps of lwIP's timer tick, running its timers at
    // each (lwIP's cyclic timers do not catch up after a jump: TIME-WAIT ages one tick per call).
    void advance(std::uint32_t ms);

    // Frames put on the link client -> server and server -> client since construction.
    std::uint64_t frames_to_server() const { return to_server_.frames; }
    std::uint64_t frames_to_client() const { return to_client_.frames; }
    std::uint64_t frames_dropped() const { return to_server_.dropped + to_client_.dropped; }

  private:
    // One direction: a fixed ring of pbufs, each a one-piece copy of what lwIP sent (the copy a
    // device's DMA would make). Delivery hands the pbuf to the far netif's input.
    struct Pipe {
        static constexpr std::size_t kSlots = 4096;
        pbuf* ring[kSlots] = {};
        std::size_t head = 0;
        std::size_t count = 0;
        std::uint64_t frames = 0;
        std::uint64_t dropped = 0;
        netif* to = nullptr;

        bool push(pbuf* p);
        pbuf* pop();
    };

    static err_t init_netif(netif* nif);
    static err_t output(netif* nif, pbuf* p, const ip4_addr_t* next_hop);
    static err_t output_ip6(netif* nif, pbuf* p, const ip6_addr_t* next_hop);
    bool deliver_one(Pipe& pipe);

    netif client_{};
    netif server_{};
    ip_addr_t client_ip_{};
    ip_addr_t server_ip_{};
    Pipe to_server_;
    Pipe to_client_;
};

}  // namespace ustack::bench
