#include "wire/tcp.h"

namespace ustack::wire {

template <typename B>
std::uint16_t compute_checksum(const TcpView<B>& view, const Checksum& pseudo_header) {
    const Bytes b = view.bytes();
    Checksum sum = pseudo_header;
    // RFC 9293 §3.1: "While computing the checksum, the checksum field itself is replaced
    // with zeros."
    sum.add(b.first(16)).add(b.subspan(18));
    return sum.finish();
}

template <typename B>
bool verify_checksum(const TcpView<B>& view, const Checksum& pseudo_header) {
    Checksum sum = pseudo_header;
    sum.add(view.bytes());
    // RFC 1071 §1: the receiver's sum over everything, checksum included, is all ones.
    return sum.folded() == 0xffff;
}

template std::uint16_t compute_checksum(const TcpView<Bytes>&, const Checksum&);
template std::uint16_t compute_checksum(const TcpView<MutBytes>&, const Checksum&);
template bool verify_checksum(const TcpView<Bytes>&, const Checksum&);
template bool verify_checksum(const TcpView<MutBytes>&, const Checksum&);

std::optional<TcpRepr> TcpRepr::parse(const TcpView<Bytes>& view, const Checksum& pseudo_header,
                                      bool verify) {
    // Built in place in the value returned, which every return gives back (emptied on failure),
    // so the segment is not copied on the way out: this runs for every segment received. It is
    // made engaged at once: GCC 12 zero-fills the whole storage of a default-constructed
    // optional of it (as its code shows), on top of the value's own initialisation at emplace().
    std::optional<TcpRepr> out(std::in_place);
    // RFC 9293 §3.1: the data offset counts the header in 32-bit words, at least 5; the
    // declared header must be present.
    if (!view.header_complete()) {
        out.reset();
        return out;
    }
    // RFC 9293 §3.1 MUST-3: the checksum MUST be checked on every received segment.
    if (verify && !verify_checksum(view, pseudo_header)) {
        out.reset();
        return out;
    }

    const TcpFlags f = view.flags();
    // RFC 9293 §3.10.7 handles RST before SYN and SYN before FIN, so in a segment with two of
    // them the later control can never take effect; no conforming sender emits such a
    // segment (it is a scanner / evasion signature). Deviation: RFC 9293 does not say to
    // drop them outright; we do, as Linux drops SYN+FIN and SYN+RST in LISTEN.
    if (f.syn() && (f.rst() || f.fin())) {
        out.reset();
        return out;
    }
    if (f.rst() && f.fin()) {
        out.reset();
        return out;
    }

    TcpRepr& r = *out;
    if (!TcpOptions::parse_into(view.options(), r.options)) {
        out.reset();
        return out;
    }
    r.src_port = view.src_port();
    r.dst_port = view.dst_port();
    r.control = f.syn()   ? TcpControl::Syn
                : f.fin() ? TcpControl::Fin
                : f.rst() ? TcpControl::Rst
                          : TcpControl::None;
    r.psh = f.psh();
    r.seq = view.seq();
    // RFC 9293 §3.1: the acknowledgment number is meaningful only when ACK is set.
    if (f.ack()) r.ack = view.ack();
    r.window = view.window();
    // RFC 9293 §3.1: the urgent pointer is only interpreted when URG is set.
    if (f.urg()) r.urgent = view.urgent();
    r.ece = f.ece();
    r.cwr = f.cwr();
    r.ae = f.ae();
    // RFC 9293 §3.1: reserved bits "must be ignored in received segments".
    // RFC 9293 §3.5.3 SHLD-2: an RST may carry data; RFC 7413: a SYN may carry data.
    r.payload = view.payload();
    return out;
}

TcpFlags TcpRepr::flags() const {
    TcpFlags f;
    f = f.with(TcpFlags::kSyn, control == TcpControl::Syn)
            .with(TcpFlags::kFin, control == TcpControl::Fin)
            .with(TcpFlags::kRst, control == TcpControl::Rst)
            .with(TcpFlags::kPsh, psh)
            .with(TcpFlags::kAck, ack.has_value())
            .with(TcpFlags::kUrg, urgent.has_value())
            .with(TcpFlags::kEce, ece)
            .with(TcpFlags::kCwr, cwr)
            .with(TcpFlags::kAe, ae);
    return f;
}

bool TcpRepr::emit(TcpView<MutBytes>& view, const Checksum& pseudo_header) const {
    const std::size_t options_len = options.buffer_len();
    if (options_len > kTcpMaxOptionsLen) return false;  // !options.fits()
    const std::size_t hlen = kTcpFixedHeaderLen + options_len;
    const MutBytes out = view.bytes();
    if (out.size() < hlen + payload.size()) return false;

    view.set_src_port(src_port);
    view.set_dst_port(dst_port);
    view.set_seq(seq);
    // RFC 9293 §3.1: without ACK the field is not meaningful; send zero.
    view.set_ack(ack.value_or(SeqNum(0)));
    view.set_data_offset(static_cast<std::uint8_t>(hlen / 4));
    view.set_flags(flags());  // reserved bits zero (RFC 9293 §3.1)
    view.set_window(window);
    view.set_checksum(0);
    view.set_urgent(urgent.value_or(0));
    if (!options.emit(out.subspan(kTcpFixedHeaderLen, hlen - kTcpFixedHeaderLen))) return false;

    // RFC 9293 §3.1: the checksum covers the pseudo-header, the header (its checksum field zero,
    // as written above) and the data, which is summed as it is copied, in one pass. Data that
    // already sits right after the header is neither copied nor, with payload_sum, read.
    Checksum sum = pseudo_header;
    sum.add(out.first(hlen));
    const MutBytes data = out.subspan(hlen, payload.size());
    if (payload.empty()) {
        // A SYN, FIN or pure ACK: no data to copy or sum.
    } else if (payload.data() != data.data()) {
        sum.add_copy(payload, data);
    } else if (payload_sum) {
        sum.add(*payload_sum);
    } else {
        sum.add(payload);
    }
    view.set_checksum(sum.finish());
    return true;
}

}  // namespace ustack::wire
