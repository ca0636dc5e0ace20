#include "sim/echo_scenario.h"

#include <array>
#include <string>
#include <utility>

#include "stack/event.h"
#include "stack/stack.h"

namespace ustack::sim {

std::string_view to_string(Variant v) {
    switch (v) {
        case Variant::ThreePacketClose:
            return "three-packet-close";
        case Variant::FourWayClose:
            return "four-way-close";
        case Variant::Refused:
            return "refused";
        case Variant::Abort:
            return "abort";
        case Variant::HalfClose:
            return "half-close";
        case Variant::SimultaneousOpen:
            return "simultaneous-open";
        case Variant::SimultaneousClose:
            return "simultaneous-close";
    }
    return "unknown";
}

namespace {

constexpr std::uint16_t kSimultaneousOpenClientPort = 3000;
// How long the simultaneous close waits after the echo, so that every ACK owed has gone out.
constexpr Duration kQuietBeforeSimultaneousClose = Duration::millis(100);
constexpr Duration kFourWayServerCloseDelay = Duration::seconds(1);
constexpr Duration kHalfCloseMessageInterval = Duration::millis(100);
constexpr int kHalfCloseExtraMessages = 2;

Bytes as_bytes(std::string_view s) {
    return Bytes(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
}

std::string endpoint_text(const stack::Endpoint& ep) {
    return ep.address.to_string() + "." + std::to_string(ep.port);
}

WorldConfig world_config(const ScenarioOptions& o) {
    WorldConfig c;
    c.seed = o.seed;
    dev::LinkConfig link;
    link.delay = o.delay;
    c.link = dev::SimLinkConfig::symmetric(link);
    c.faults_to_client.drop = o.loss;
    c.faults_to_server.drop = o.loss;
    c.tcp = o.tcp;
    c.ipv6 = o.ipv6;
    c.tap = o.tap;
    return c;
}

// One run: the World, the two applications and what they saw.
class EchoRun {
  public:
    EchoRun(const ScenarioOptions& options, dev::FrameSink* sink, Timeline* timeline)
        : o_(options),
          timeline_(timeline),
          world_(world_config(options), sink),
          client_(world_.client()),
          server_(world_.server()) {
        if (timeline_ != nullptr) {
            timeline_->attach(world_.client());
            timeline_->attach(world_.server());
        }
        for (App* app : {&client_, &server_}) {
            app->host.add_event_handler([app](const stack::Event& e, Instant) {
                if (e.kind != stack::EventKind::StateChanged || e.conn() == nullptr) return;
                app->final_state = e.to;
                if (e.to == tcp::State::TimeWait) app->reached_time_wait = true;
            });
        }
        world_.client().add_event_handler(
            [this](const stack::Event& e, Instant) { on_client_event(e); });
        world_.server().add_event_handler(
            [this](const stack::Event& e, Instant) { on_server_event(e); });
    }

    ScenarioResult run() {
        start();
        ScenarioResult r;
        r.finished = world_.run_until_quiet(o_.limit);
        r.end = world_.now();
        r.client = side_result(client_, world_.faults_at_client());
        r.server = side_result(server_, world_.faults_at_server());
        return r;
    }

  private:
    struct App {
        explicit App(Host& h) : host(h) {}
        Host& host;
        std::optional<stack::ConnId> conn;
        bool released = false;  // close() or abort() gave the handle back
        bool eof = false;       // read() returned 0
        bool closing = false;   // the application decided to close (maybe later)
        std::string received;
        std::uint64_t sent = 0;
        std::optional<Errc> error;
        tcp::State final_state = tcp::State::Closed;
        bool reached_time_wait = false;
    };

    stack::Stack& stack(App& a) { return a.host.stack(); }

    void call(App& a, std::string text) {
        if (timeline_ != nullptr) timeline_->call(a.host, world_.now(), std::move(text));
    }

    stack::Endpoint server_endpoint() const { return {world_.server_address(), o_.port}; }
    stack::Endpoint client_fixed_endpoint() const {
        return {world_.client_address(), kSimultaneousOpenClientPort};
    }

    void start() {
        const Instant now = world_.now();
        stack::ConnectOptions client_options;
        if (o_.variant == Variant::Abort) {
            tcp::Config c = o_.tcp;
            c.linger = tcp::Linger{true, 0};
            client_options.config = c;
        }
        if (o_.variant == Variant::SimultaneousOpen) {
            client_options.local = client_fixed_endpoint();
            stack::ConnectOptions server_options;
            server_options.local = server_endpoint();
            call(client_, "connect(" + endpoint_text(server_endpoint()) + ") from port " +
                              std::to_string(kSimultaneousOpenClientPort));
            call(server_, "connect(" + endpoint_text(client_fixed_endpoint()) + ") from port " +
                              std::to_string(o_.port));
            connect(client_, server_endpoint(), client_options, now);
            connect(server_, client_fixed_endpoint(), server_options, now);
            return;
        }
        if (o_.variant != Variant::Refused) {
            const auto l = stack(server_).listen(server_endpoint(), 8);
            call(server_, "listen(" + endpoint_text(server_endpoint()) + ")" +
                              (l ? "" : std::string(": ") + std::string(to_string(l.error()))));
            if (l) listener_ = *l;
        }
        if (o_.variant == Variant::Abort) call(client_, "setsockopt(SO_LINGER, {on, 0})");
        call(client_, "connect(" + endpoint_text(server_endpoint()) + ")");
        connect(client_, server_endpoint(), client_options, now);
    }

    void connect(App& a, const stack::Endpoint& remote, const stack::ConnectOptions& options,
                 Instant now) {
        const auto c = stack(a).connect(remote, now, options);
        if (!c) {
            a.error = c.error();
            call(a, "connect(): " + std::string(to_string(c.error())));
            return;
        }
        a.conn = *c;
    }

    void write(App& a, std::string_view data) {
        if (!a.conn || a.released) return;
        const auto n = stack(a).send(*a.conn, as_bytes(data));
        if (n) {
            a.sent += *n;
            call(a, "write(" + quote(data) + ") = " + std::to_string(*n));
        } else {
            call(a, "write(" + quote(data) + "): " + std::string(to_string(n.error())));
        }
    }

    // Reads everything there is; calls on_data for each piece. Sets eof at the end of stream.
    template <class F>
    void read_all(App& a, F&& on_data) {
        std::array<std::uint8_t, 2048> buf{};
        while (a.conn && !a.released && !a.eof) {
            const auto n = stack(a).recv(*a.conn, buf);
            if (!n) {
                if (n.error() != Errc::WouldBlock)
                    call(a, "read(): " + std::string(to_string(n.error())));
                return;
            }
            if (*n == 0) {
                a.eof = true;
                call(a, "read() = 0, end of stream");
                return;
            }
            const std::string_view piece(reinterpret_cast<const char*>(buf.data()), *n);
            a.received.append(piece);
            call(a, "read() = " + quote(piece));
            on_data(piece);
        }
    }

    void close(App& a, std::string what = "close()") {
        if (!a.conn || a.released) return;
        a.released = true;
        a.closing = true;
        const auto r = stack(a).close(*a.conn);
        call(a, r ? what : what + ": " + std::string(to_string(r.error())));
    }

    // The connection ended (orderly or not): report an error, give the handle back.
    void on_closed(App& a, const stack::Event& e) {
        if (e.error) {
            a.error = e.error;
            const bool connecting =
                a.final_state == tcp::State::Closed && !a.received.size() && a.sent == 0;
            call(a, std::string(connecting ? "connect(): " : "error: ") +
                        std::string(to_string(*e.error)));
        }
        close(a);
    }

    bool mine(const App& a, const stack::Event& e) const {
        return a.conn && e.conn() != nullptr && *e.conn() == *a.conn;
    }

    void on_client_event(const stack::Event& e) {
        if (!mine(client_, e)) return;
        switch (e.kind) {
            case stack::EventKind::Connected:
                write(client_, o_.message);
                if (o_.variant == Variant::HalfClose) {
                    const auto r = stack(client_).shutdown(*client_.conn);
                    call(client_, r ? std::string("shutdown(SHUT_WR)")
                                    : "shutdown(SHUT_WR): " + std::string(to_string(r.error())));
                }
                break;
            case stack::EventKind::Readable:
            case stack::EventKind::PeerFin:
                read_all(client_, [](std::string_view) {});
                client_read_done();
                break;
            case stack::EventKind::Closed:
                on_closed(client_, e);
                break;
            default:
                break;
        }
    }

    void client_read_done() {
        if (client_.closing || client_.released) return;
        if (client_.eof) {  // half-close (or the server closed first): done reading
            close(client_);
            return;
        }
        if (o_.variant == Variant::HalfClose || client_.received != "server: " + o_.message) return;
        switch (o_.variant) {
            case Variant::Abort:
                close(client_, "close() with SO_LINGER {on, 0}: abort");
                break;
            case Variant::SimultaneousClose:
                client_.closing = true;
                world_.loop().call_at(world_.now() + kQuietBeforeSimultaneousClose,
                                      [this](Instant) {
                                          close(client_);
                                          close(server_);
                                      });
                break;
            default:
                close(client_);
                break;
        }
    }

    void on_server_event(const stack::Event& e) {
        if (e.kind == stack::EventKind::Acceptable && listener_ && e.listener() != nullptr &&
            *e.listener() == *listener_ && !server_.conn) {
            const auto c = stack(server_).accept(*listener_);
            if (!c) return;
            server_.conn = *c;
            const auto peer = stack(server_).remote_endpoint(*c);
            call(server_, "accept() = " + (peer ? endpoint_text(*peer) : std::string("?")));
            // Data (or a FIN) may have come with the handshake's last segment.
            server_read();
            return;
        }
        if (!mine(server_, e)) return;
        switch (e.kind) {
            case stack::EventKind::Readable:
            case stack::EventKind::PeerFin:
                server_read();
                break;
            case stack::EventKind::Closed:
                on_closed(server_, e);
                break;
            default:
                break;
        }
    }

    void server_read() {
        read_all(server_,
                 [&](std::string_view piece) { write(server_, "server: " + std::string(piece)); });
        if (!server_.eof || server_.closing) return;
        server_.closing = true;
        const Instant now = world_.now();
        switch (o_.variant) {
            case Variant::FourWayClose:
                world_.loop().call_at(now + kFourWayServerCloseDelay,
                                      [this](Instant) { close(server_); });
                break;
            case Variant::HalfClose:
                for (int i = 1; i <= kHalfCloseExtraMessages; ++i) {
                    world_.loop().call_at(now + kHalfCloseMessageInterval * i, [this, i](Instant) {
                        write(server_, "server: more " + std::to_string(i));
                    });
                }
                world_.loop().call_at(
                    now + kHalfCloseMessageInterval * (kHalfCloseExtraMessages + 1),
                    [this](Instant) { close(server_); });
                break;
            case Variant::SimultaneousClose:
                break;  // the shared timer closes both sides
            default:
                close(server_);
                break;
        }
    }

    SideResult side_result(const App& a, const dev::FaultInjector& faults) const {
        SideResult s;
        s.received = a.received;
        s.sent = a.sent;
        s.transitions = a.host.transitions();
        s.final_state = a.final_state;
        s.reached_time_wait = a.reached_time_wait;
        s.error = a.error;
        s.counters = a.host.stack().counters();
        s.faults = faults.counters();
        return s;
    }

    ScenarioOptions o_;
    Timeline* timeline_;
    World world_;
    App client_;
    App server_;
    std::optional<stack::ListenerId> listener_;
};

}  // namespace

ScenarioResult run_echo_scenario(const ScenarioOptions& options, dev::FrameSink* sink,
                                 Timeline* timeline) {
    EchoRun run(options, sink, timeline);
    return run.run();
}

}  // namespace ustack::sim
