#include "sock/tcp_stream.h"

#include <utility>

#include "sock/blocking.h"

namespace ustack::sock {

Result<TcpStream> TcpStream::connect(Reactor& reactor, const stack::Endpoint& remote,
                                     const SocketOptions& options) {
    stack::Stack& stack = reactor.stack();
    rt::Loop& loop = reactor.loop();
    const auto conn = stack.connect(remote, loop.now(), connect_options(stack, options));
    if (!conn) return fail(conn.error());
    TcpStream stream(reactor, *conn, options);
    // The TCB enforces connect_timeout itself; the wait's own limit is the same instant, and
    // deadlines at exactly the limit are served, so the TCB's TimedOut is seen first.
    const auto waited = wait_until(
        loop,
        [&] {
            const auto st = stack.state(*conn);
            return !st || (*st != tcp::State::SynSent && *st != tcp::State::SynReceived);
        },
        deadline_after(loop, options.connect_timeout));
    if (!waited) {
        (void)stack.abort(*conn);
        stream.reactor_ = nullptr;
        return fail(waited.error());
    }
    const tcp::Connection* c = stack.connection(*conn);
    if (c == nullptr || c->state() == tcp::State::Closed) {
        const Errc e = (c != nullptr && c->error()) ? *c->error() : Errc::NotConnected;
        return fail(e);  // the stream's destructor releases the handle
    }
    return stream;
}

TcpStream::TcpStream(Reactor& reactor, stack::ConnId conn, const SocketOptions& options)
    : reactor_(&reactor), conn_(conn), options_(options) {}

TcpStream::TcpStream(TcpStream&& other) noexcept
    : reactor_(std::exchange(other.reactor_, nullptr)),
      conn_(std::exchange(other.conn_, stack::ConnId{})),
      options_(other.options_) {}

TcpStream& TcpStream::operator=(TcpStream&& other) noexcept {
    if (this != &other) {
        release();
        reactor_ = std::exchange(other.reactor_, nullptr);
        conn_ = std::exchange(other.conn_, stack::ConnId{});
        options_ = other.options_;
    }
    return *this;
}

TcpStream::~TcpStream() {
    release();
}

void TcpStream::release() {
    if (reactor_ == nullptr) return;
    (void)reactor_->stack().close(conn_);
    reactor_ = nullptr;
    conn_ = stack::ConnId{};
}

Result<std::size_t> TcpStream::read(MutBytes out) {
    if (reactor_ == nullptr) return fail(Errc::BadHandle);
    stack::Stack& stack = reactor_->stack();
    const Instant deadline = deadline_after(reactor_->loop(), options_.read_timeout);
    for (;;) {
        const auto n = stack.recv(conn_, out);
        if (n || n.error() != Errc::WouldBlock || out.empty()) return n;
        const auto waited = wait_until(
            reactor_->loop(),
            [&] {
                const tcp::Connection* c = stack.connection(conn_);
                return c == nullptr || c->recv_queue() > 0 || c->peer_fin() ||
                       c->state() == tcp::State::Closed;
            },
            deadline);
        if (!waited) return fail(waited.error());
    }
}

Result<std::size_t> TcpStream::read_exact(MutBytes out) {
    std::size_t done = 0;
    while (done < out.size()) {
        const auto n = read(out.subspan(done));
        if (!n) return n;
        if (*n == 0) break;  // end of stream
        done += *n;
    }
    return done;
}

Result<std::size_t> TcpStream::write(Bytes data) {
    if (reactor_ == nullptr) return fail(Errc::BadHandle);
    stack::Stack& stack = reactor_->stack();
    const Instant deadline = deadline_after(reactor_->loop(), options_.write_timeout);
    std::size_t done = 0;
    while (done < data.size()) {
        const auto n = stack.send(conn_, data.subspan(done));
        if (n) {
            done += *n;
            continue;
        }
        if (n.error() != Errc::WouldBlock) return fail(n.error());
        const auto waited = wait_until(
            reactor_->loop(),
            [&] {
                const tcp::Connection* c = stack.connection(conn_);
                return c == nullptr || c->send_space() > 0 || c->state() == tcp::State::Closed;
            },
            deadline);
        if (!waited) return fail(waited.error());
    }
    return done;
}

Result<void> TcpStream::shutdown() {
    if (reactor_ == nullptr) return fail(Errc::BadHandle);
    return reactor_->stack().shutdown(conn_);
}

Result<void> TcpStream::close() {
    if (reactor_ == nullptr) return fail(Errc::BadHandle);
    Reactor& reactor = *reactor_;
    stack::Stack& stack = reactor.stack();
    const stack::ConnId conn = conn_;
    const tcp::Connection* before = stack.connection(conn);
    const tcp::Linger linger = before == nullptr ? tcp::Linger{} : before->config().linger;
    release();
    if (!linger.on || linger.seconds == 0) return {};
    // SO_LINGER {on, N}: wait until every byte and the FIN are acknowledged (FIN-WAIT-2,
    // TIME-WAIT, or CLOSED after LAST-ACK), or N seconds.
    std::optional<Errc> error;
    const auto waited = wait_until(
        reactor.loop(),
        [&] {
            const tcp::Connection* c = stack.connection(conn);
            if (c == nullptr) return true;  // reaped: closed and done
            error = c->error();
            const tcp::State st = c->state();
            return st == tcp::State::FinWait2 || st == tcp::State::TimeWait ||
                   st == tcp::State::Closed;
        },
        deadline_after(reactor.loop(), Duration::seconds(linger.seconds)));
    if (!waited) return fail(waited.error());
    if (error) return fail(*error);
    return {};
}

Result<stack::Endpoint> TcpStream::local_endpoint() const {
    if (reactor_ == nullptr) return fail(Errc::BadHandle);
    return reactor_->stack().local_endpoint(conn_);
}

Result<stack::Endpoint> TcpStream::peer_endpoint() const {
    if (reactor_ == nullptr) return fail(Errc::BadHandle);
    return reactor_->stack().remote_endpoint(conn_);
}

Result<tcp::State> TcpStream::state() const {
    if (reactor_ == nullptr) return fail(Errc::BadHandle);
    return reactor_->stack().state(conn_);
}

Result<void> TcpStream::set_no_delay(bool on) {
    if (reactor_ == nullptr) return fail(Errc::BadHandle);
    tcp::Connection* c = reactor_->stack().connection(conn_);
    if (c == nullptr) return fail(Errc::BadHandle);
    c->set_no_delay(on);
    return {};
}

}  // namespace ustack::sock
