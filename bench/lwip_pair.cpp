#include "lwip_pair.h"

extern "C" {
#include <lwip/init.h>
#include <lwip/ip4.h>
#include <lwip/timeouts.h>
}

namespace {

// lwIP's clock. Debian's liblwip calls sys_now() through its PLT, so this definition (exported by
// the bench binary, see bench/CMakeLists.txt) replaces the library's wall clock with virtual time.
std::uint32_t g_now_ms = 0;

// lwip_init() sets up lwIP's globals once per process; a second call would reset live pcb lists.
bool g_lwip_initialised = false;

// lwIP's TCP timer tick (TCP_TMR_INTERVAL, 250 ms): the step advance() moves the clock in.
constexpr std::uint32_t kTickMs = 250;

}  // namespace

extern "C" u32_t sys_now(void) {
    return g_now_ms;
}

namespace ustack::bench {

bool LwipPair::Pipe::push(pbuf* p) {
    if (count == kSlots) {
        ++dropped;
        return false;
    }
    ring[(head + count) % kSlots] = p;
    ++count;
    ++frames;
    return true;
}

pbuf* LwipPair::Pipe::pop() {
    if (count == 0) return nullptr;
    pbuf* p = ring[head];
    head = (head + 1) % kSlots;
    --count;
    return p;
}

LwipPair::LwipPair() {
    if (!g_lwip_initialised) {
        lwip_init();  // no tcpip thread: the raw API is driven from this thread only
        g_lwip_initialised = true;
    }
    ip4_addr_t c;
    ip4_addr_t s;
    ip4_addr_t host_mask;
    IP4_ADDR(&c, 10, 0, 0, 1);
    IP4_ADDR(&s, 10, 0, 0, 2);
    IP4_ADDR(&host_mask, 255, 255, 255, 255);
    ip_addr_copy_from_ip4(client_ip_, c);
    ip_addr_copy_from_ip4(server_ip_, s);
    netif_add(&client_, &c, &host_mask, &s, this, &LwipPair::init_netif, ip4_input);
    netif_add(&server_, &s, &host_mask, &c, this, &LwipPair::init_netif, ip4_input);
    to_server_.to = &server_;
    to_client_.to = &client_;
    netif_set_up(&client_);
    netif_set_up(&server_);
    netif_set_link_up(&client_);
    netif_set_link_up(&server_);
}

LwipPair::~LwipPair() {
    netif_remove(&client_);
    netif_remove(&server_);
    while (pbuf* p = to_server_.pop())
        pbuf_free(p);
    while (pbuf* p = to_client_.pop())
        pbuf_free(p);
}

err_t LwipPair::init_netif(netif* nif) {
    nif->name[0] = 'b';
    nif->name[1] = 'n';
    nif->mtu = 1500;
    nif->flags = 0;  // point-to-point: no broadcast, no ARP
    nif->output = &LwipPair::output;
#if LWIP_IPV6
    nif->output_ip6 = &LwipPair::output_ip6;
#endif
    return ERR_OK;
}

err_t LwipPair::output(netif* nif, pbuf* p, const ip4_addr_t*) {
    auto* self = static_cast<LwipPair*>(nif->state);
    Pipe& pipe = nif == &self->client_ ? self->to_server_ : self->to_client_;
    pbuf* frame = pbuf_alloc(PBUF_RAW, p->tot_len, PBUF_RAM);
    if (frame == nullptr) return ERR_MEM;
    if (pbuf_copy(frame, p) != ERR_OK || !pipe.push(frame)) {
        pbuf_free(frame);
        return ERR_OK;  // a full link drops, as a device queue would
    }
    return ERR_OK;
}

err_t LwipPair::output_ip6(netif*, pbuf*, const ip6_addr_t*) {
    return ERR_OK;  // the bench is IPv4 only: anything lwIP sends over IPv6 is dropped
}

bool LwipPair::deliver_one(Pipe& pipe) {
    pbuf* p = pipe.pop();
    if (p == nullptr) return false;
    if (pipe.to->input(p, pipe.to) != ERR_OK) pbuf_free(p);
    return true;
}

bool LwipPair::run_until(const std::function<bool()>& done, std::uint32_t limit_ms) {
    const std::uint32_t start = g_now_ms;
    sys_check_timeouts();
    while (!done()) {
        const bool a = deliver_one(to_server_);
        const bool b = deliver_one(to_client_);
        if (a || b) continue;
        const std::uint32_t wait = sys_timeouts_sleeptime();
        if (wait == SYS_TIMEOUTS_SLEEPTIME_INFINITE) return false;
        if (g_now_ms - start + wait > limit_ms) return false;
        g_now_ms += wait;
        sys_check_timeouts();
    }
    return true;
}

void LwipPair::drain() {
    for (;;) {
        const bool a = deliver_one(to_server_);
        const bool b = deliver_one(to_client_);
        if (!a && !b) return;
    }
}

void LwipPair::advance(std::uint32_t ms) {
    for (std::uint32_t moved = 0; moved < ms; moved += kTickMs) {
        g_now_ms += kTickMs;
        sys_check_timeouts();
        drain();
    }
}

}  // namespace ustack::bench
