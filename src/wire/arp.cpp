#include "wire/arp.h"

namespace ustack::wire {

std::optional<ArpRepr> ArpRepr::parse(const ArpView<Bytes>& view) {
    // RFC 826: "?Do I have the hardware type in ar$hrd? ... the protocol type in ar$pro?"
    if (!view.is_ethernet_ipv4()) return std::nullopt;
    const ArpOperation op = view.operation();
    if (op != ArpOperation::Request && op != ArpOperation::Reply) return std::nullopt;
    ArpRepr r;
    r.operation = op;
    r.sender_mac = view.sender_mac();
    r.sender_ip = view.sender_ip();
    r.target_mac = view.target_mac();
    r.target_ip = view.target_ip();
    return r;
}

void ArpRepr::emit(ArpView<MutBytes>& view) const {
    view.set_ethernet_ipv4(operation);
    view.set_sender(sender_mac, sender_ip);
    view.set_target(target_mac, target_ip);
}

}  // namespace ustack::wire
