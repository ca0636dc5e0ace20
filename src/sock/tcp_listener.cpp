#include "sock/tcp_listener.h"

#include <optional>
#include <utility>

#include "sock/blocking.h"

namespace ustack::sock {

Result<TcpListener> TcpListener::bind(Reactor& reactor, const stack::Endpoint& local,
                                      const SocketOptions& options, std::size_t backlog) {
    stack::Stack& stack = reactor.stack();
    const auto id = stack.listen(local, backlog, listen_options(stack, options));
    if (!id) return fail(id.error());
    return TcpListener(reactor, *id, options);
}

TcpListener::TcpListener(Reactor& reactor, stack::ListenerId id, const SocketOptions& options)
    : reactor_(&reactor), id_(id), options_(options) {}

TcpListener::TcpListener(TcpListener&& other) noexcept
    : reactor_(std::exchange(other.reactor_, nullptr)),
      id_(std::exchange(other.id_, stack::ListenerId{})),
      options_(other.options_) {}

TcpListener& TcpListener::operator=(TcpListener&& other) noexcept {
    if (this != &other) {
        release();
        reactor_ = std::exchange(other.reactor_, nullptr);
        id_ = std::exchange(other.id_, stack::ListenerId{});
        options_ = other.options_;
    }
    return *this;
}

TcpListener::~TcpListener() {
    release();
}

void TcpListener::release() {
    if (reactor_ == nullptr) return;
    (void)reactor_->stack().close_listener(id_);
    reactor_ = nullptr;
    id_ = stack::ListenerId{};
}

Result<TcpStream> TcpListener::accept() {
    if (reactor_ == nullptr) return fail(Errc::BadHandle);
    stack::Stack& stack = reactor_->stack();
    std::optional<stack::ConnId> got;
    std::optional<Errc> error;
    const auto waited = wait_until(
        reactor_->loop(),
        [&] {
            const auto a = stack.accept(id_);
            if (a) {
                got = *a;
            } else if (a.error() != Errc::WouldBlock) {
                error = a.error();
            }
            return got.has_value() || error.has_value();
        },
        deadline_after(reactor_->loop(), options_.read_timeout));
    // A connection taken by the very check that ended a failed wait is still ours.
    if (got) return TcpStream(*reactor_, *got, options_);
    if (error) return fail(*error);
    return fail(waited ? Errc::WouldBlock : waited.error());
}

Result<stack::Endpoint> TcpListener::local_endpoint() const {
    if (reactor_ == nullptr) return fail(Errc::BadHandle);
    return reactor_->stack().listener_endpoint(id_);
}

Result<void> TcpListener::close() {
    if (reactor_ == nullptr) return fail(Errc::BadHandle);
    release();
    return {};
}

}  // namespace ustack::sock
