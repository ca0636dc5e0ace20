#include "sock/socket_options.h"

namespace ustack::sock {

tcp::Config apply_options(const SocketOptions& options, tcp::Config base) {
    if (options.no_delay) base.no_delay = *options.no_delay;
    if (options.keepalive) base.keepalive = *options.keepalive;
    if (options.linger) base.linger = *options.linger;
    if (options.send_buffer) base.send_buffer = *options.send_buffer;
    if (options.recv_buffer) base.recv_buffer = *options.recv_buffer;
    if (options.connect_timeout > Duration::zero()) base.connect_timeout = options.connect_timeout;
    if (options.user_timeout > Duration::zero()) base.user_timeout = options.user_timeout;
    return base;
}

stack::ConnectOptions connect_options(const stack::Stack& stack, const SocketOptions& options) {
    stack::ConnectOptions o;
    o.local = options.local;
    o.config = apply_options(options, stack.config().tcp);
    return o;
}

stack::ListenOptions listen_options(const stack::Stack& stack, const SocketOptions& options) {
    stack::ListenOptions o;
    o.reuse_address = options.reuse_addr;
    o.config = apply_options(options, stack.config().tcp);
    return o;
}

}  // namespace ustack::sock
