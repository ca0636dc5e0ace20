// ConnectionTable: a row per connection of the Stack, from its look at each TCB.
#include "app/connection_table.h"

#include <unordered_map>

#include <fmt/format.h>

#include "stack/stack.h"

namespace ustack::app {
namespace {

std::string endpoint_text(const stack::Endpoint& e) {
    if (e.address.is_v6()) return fmt::format("[{}]:{}", e.address.to_string(), e.port);
    return fmt::format("{}:{}", e.address.to_string(), e.port);
}

std::string duration_text(Duration d) {
    return fmt::format("{:.1f}ms", static_cast<double>(d.as_micros()) / 1000.0);
}

}  // namespace

const char* ss_state_name(tcp::State s) {
    switch (s) {
        case tcp::State::Closed:
            return "CLOSED";
        case tcp::State::Listen:
            return "LISTEN";
        case tcp::State::SynSent:
            return "SYN-SENT";
        case tcp::State::SynReceived:
            return "SYN-RECV";
        case tcp::State::Established:
            return "ESTAB";
        case tcp::State::FinWait1:
            return "FIN-WAIT-1";
        case tcp::State::FinWait2:
            return "FIN-WAIT-2";
        case tcp::State::CloseWait:
            return "CLOSE-WAIT";
        case tcp::State::Closing:
            return "CLOSING";
        case tcp::State::LastAck:
            return "LAST-ACK";
        case tcp::State::TimeWait:
            return "TIME-WAIT";
    }
    return "UNKNOWN";
}

std::vector<ConnectionRow> collect_rows(sock::Reactor& reactor,
                                        std::span<const sock::SocketId> sockets) {
    // What each socket's connection still has in the Reactor's write queue.
    const auto key = [](stack::ConnId id) {
        return (std::uint64_t{id.index} << 32) | id.generation;
    };
    std::unordered_map<std::uint64_t, std::size_t> queued;
    for (const sock::SocketId s : sockets) {
        if (const auto conn = reactor.conn_id(s))
            queued[key(*conn)] = reactor.buffered(s).value_or(0);
    }
    const stack::Stack& st = reactor.stack();
    std::vector<ConnectionRow> rows;
    // Listeners first, as ss prints them: Recv-Q is the accept queue, Send-Q the backlog.
    st.for_each_listener([&](const stack::Stack::ListenerView& l) {
        ConnectionRow r;
        r.state = tcp::State::Listen;
        r.recv_q = l.accept_queue;
        r.send_q = l.backlog;
        r.local = l.local;
        r.peer.address = l.local.address.is_v6() ? wire::IpAddress(wire::Ipv6Address{})
                                                 : wire::IpAddress(wire::Ipv4Address{});
        rows.push_back(r);
    });
    st.for_each_connection([&](stack::ConnId id) {
        const tcp::Connection* c = st.connection(id);
        const auto local = st.local_endpoint(id);
        const auto peer = st.remote_endpoint(id);
        if (c == nullptr || !local || !peer) return;
        ConnectionRow r;
        r.state = c->state();
        r.recv_q = c->recv_queue();
        r.send_q = c->send_queue();
        if (const auto it = queued.find(key(id)); it != queued.end()) r.send_q += it->second;
        r.local = *local;
        r.peer = *peer;
        r.cwnd = c->cwnd();
        r.ssthresh = c->ssthresh();
        r.in_flight = c->bytes_in_flight();
        r.srtt = c->srtt();
        r.retransmits = c->retransmits();
        r.mss = c->send_mss();
        rows.push_back(r);
    });
    return rows;
}

std::string format_rows(const std::vector<ConnectionRow>& rows) {
    std::string out = fmt::format("{:<11} {:>8} {:>8} {:<46} {:<46} {}\n", "State", "Recv-Q",
                                  "Send-Q", "Local Address:Port", "Peer Address:Port", "Info");
    for (const ConnectionRow& r : rows) {
        if (r.state == tcp::State::Listen) {
            // No peer yet, and no TCB to describe: ss prints the peer as "0.0.0.0:*".
            const std::string peer = r.peer.address.is_v6() ? "[::]:*" : "0.0.0.0:*";
            out += fmt::format("{:<11} {:>8} {:>8} {:<46} {}\n", ss_state_name(r.state), r.recv_q,
                               r.send_q, endpoint_text(r.local), peer);
            continue;
        }
        out += fmt::format(
            "{:<11} {:>8} {:>8} {:<46} {:<46} cwnd:{} ssthresh:{} inflight:{} srtt:{} "
            "retrans:{} mss:{}\n",
            ss_state_name(r.state), r.recv_q, r.send_q, endpoint_text(r.local),
            endpoint_text(r.peer), r.cwnd,
            r.ssthresh == UINT32_MAX ? std::string("-") : fmt::format("{}", r.ssthresh),
            r.in_flight, duration_text(r.srtt), r.retransmits, r.mss);
    }
    return out;
}

}  // namespace ustack::app
