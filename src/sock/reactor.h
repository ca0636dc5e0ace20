// Reactor: the event face of the stack in the style of Node's `net` module (servers, sockets,
// on_connect / on_data / on_end / on_error / on_close / on_drain callbacks).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "base/bytes.h"
#include "base/errc.h"
#include "base/pollable.h"
#include "base/time.h"
#include "rt/loop.h"
#include "sock/byte_queue.h"
#include "sock/handles.h"
#include "sock/socket_options.h"
#include "stack/event.h"
#include "stack/handles.h"
#include "stack/stack.h"
#include "tcp/state.h"

namespace ustack::sock {

// Callbacks of one socket; any may be empty. Each gets the socket's id first. They run from
// Reactor::poll() only (never from inside a verb or from the Stack), and may call any Reactor
// verb, including close() or destroy() of the socket itself and connect() of others.
struct SocketHandlers {
    // The handshake of a connect() completed.
    std::function<void(SocketId)> on_connect;
    // Bytes arrived, in order. The span is valid only during the call.
    std::function<void(SocketId, Bytes)> on_data;
    // The peer finished sending (its FIN), after every byte it sent was given to on_data.
    std::function<void(SocketId)> on_end;
    // The connection failed (ConnectionRefused, ConnectionReset, TimedOut, ...); on_close(true)
    // follows at once.
    std::function<void(SocketId, Errc)> on_error;
    // The last callback: the socket is gone and its id already stale. `had_error` says whether
    // on_error came just before.
    std::function<void(SocketId, bool had_error)> on_close;
    // The write queue emptied after write() returned false (writable again).
    std::function<void(SocketId)> on_drain;
    // Every RFC 9293 state change of the connection while the socket holds it (for traces).
    std::function<void(SocketId, tcp::State from, tcp::State to)> on_state;
};

// Callbacks of a server.
struct ServerHandlers {
    // Given to every accepted socket before on_connection runs (on_connection may replace them
    // with Reactor::set_handlers).
    SocketHandlers socket;
    // A connection was accepted; it is ESTABLISHED (or already past it) and data it brought is
    // delivered right after this returns.
    std::function<void(ServerId, SocketId)> on_connection;
};

struct ReactorConfig {
    // The largest chunk one on_data call carries (the Reactor's one read buffer).
    std::size_t read_chunk = 64 * 1024;
    // write() returns false once this many bytes wait in a socket's write queue (Node's
    // highWaterMark); on_drain follows when the queue is empty again.
    std::size_t high_water_mark = 64 * 1024;
    // The hard bound of a socket's write queue: a write() that would queue more fails with
    // NoBufferSpace and queues nothing.
    std::size_t max_write_queue = 16 * 1024 * 1024;
};

// The event face. A Reactor is a Pollable on `loop` (it adds itself; add the Stack to the loop
// first so the Reactor is polled after it in each step). Its poll() drains the Stack's events and
// runs the callbacks, so no user code runs inside Stack::poll() (DESIGN rule 2). poll_at() is
// "now" when the Stack has events or the Reactor owes callbacks, never otherwise.
//
// The Reactor is the consumer of its Stack's events: create exactly one per Stack. Connections it
// does not know (those of TcpStream / TcpListener, which are built on it) are left alone.
//
// Socket life: connect() or an accepted connection -> open; write() queues what the send ring
// cannot take and flushes on the Stack's Writable events; end() half-closes after the queued
// writes; close() closes after them (stops reading); destroy() resets at once. The socket ends when
// the connection does (both FINs exchanged, a reset or a timeout) or by close() / destroy(); then
// on_error (if it failed) and on_close run from the loop and the id goes stale.
class Reactor final : public Pollable {
  public:
    Reactor(rt::Loop& loop, stack::Stack& stack, const ReactorConfig& config = {});
    // Removes itself from the loop and aborts (RST) every connection it still holds, with no
    // callbacks. The Stack must still exist.
    ~Reactor() override;
    Reactor(const Reactor&) = delete;
    Reactor& operator=(const Reactor&) = delete;

    // ---- servers
    // Listens on `local` (unspecified address: every address of that family). Errors as
    // Stack::listen: AddressInUse (unless options.reuse_addr allows it), AddressNotAvailable,
    // InvalidArgument. Accepted connections get `options` (no_delay, buffers, keepalive, ...).
    Result<ServerId> listen(const stack::Endpoint& local, std::size_t backlog,
                            ServerHandlers handlers, const SocketOptions& options = {});
    // Stops listening; connections not yet accepted are reset. Accepted sockets stay open.
    // BadHandle for a stale id.
    Result<void> close_server(ServerId server);
    // The address and port the server listens on.
    Result<stack::Endpoint> server_endpoint(ServerId server) const;

    // ---- sockets
    // Opens a connection to `remote`; on_connect runs once it is ESTABLISHED. A refused, reset or
    // timed-out attempt ends in on_error then on_close(true). Synchronous errors as
    // Stack::connect (HostUnreachable, InvalidArgument, AddressInUse, ...).
    Result<SocketId> connect(const stack::Endpoint& remote, SocketHandlers handlers,
                             const SocketOptions& options = {});
    // Replaces the socket's handlers (safe from inside one of them). BadHandle when stale.
    Result<void> set_handlers(SocketId sock, SocketHandlers handlers);

    // Queues `data` for sending: the send ring takes what it can now, the rest waits in the
    // socket's write queue (also while still connecting). True: keep writing. False: the queue
    // reached ReactorConfig::high_water_mark; on_drain says when it is empty again. Errors:
    // BadHandle (stale), BrokenPipe (after end(), close() or destroy(), or once the socket
    // ended), NoBufferSpace (the queue would pass max_write_queue; nothing queued), or the
    // connection's error.
    Result<bool> write(SocketId sock, Bytes data);
    // Half-close: FIN once the queued writes are sent; data keeps arriving. Idempotent.
    Result<void> end(SocketId sock);
    // Orderly close: stop reading, send the queued writes, then close the connection (FIN; as
    // Linux, RST instead when received data was left unread). on_close(false) follows.
    Result<void> close(SocketId sock);
    // Abort: RST now, queued writes dropped. on_close(false) follows. BadHandle when stale.
    Result<void> destroy(SocketId sock);
    // Stops on_data (the receive ring fills and the peer's window closes: flow control).
    Result<void> pause(SocketId sock);
    // Resumes on_data; what arrived meanwhile is delivered from the next poll.
    Result<void> resume(SocketId sock);
    // TCP_NODELAY at run time.
    Result<void> set_no_delay(SocketId sock, bool on);

    // ---- observers
    // The connection's state (CLOSED once the socket has ended but on_close is still due).
    Result<tcp::State> state(SocketId sock) const;
    Result<stack::Endpoint> local_endpoint(SocketId sock) const;
    Result<stack::Endpoint> remote_endpoint(SocketId sock) const;
    // Bytes in the socket's write queue (not yet taken by the send ring).
    Result<std::size_t> buffered(SocketId sock) const;
    // The Stack's handle of the socket's connection (for looks through Stack::connection()).
    Result<stack::ConnId> conn_id(SocketId sock) const;
    // Sockets not yet closed (on_close not yet delivered).
    std::size_t socket_count() const { return live_sockets_; }
    // Called for every StateChanged event of the Stack, of every connection and listener,
    // including those no socket holds yet (a server's SYN-RECEIVED) and TcpStream's. Not to be
    // replaced from inside the trace callback itself.
    void set_trace(std::function<void(const stack::Event&)> trace) { trace_ = std::move(trace); }

    rt::Loop& loop() { return loop_; }
    stack::Stack& stack() { return stack_; }
    const ReactorConfig& config() const { return config_; }

    Instant poll_at() const override;
    void poll(Instant now) override;

  private:
    struct Socket {
        std::uint32_t generation = 1;  // bumped when the slot is freed; never 0
        bool live = false;             // the slot holds a socket (until on_close is delivered)
        stack::ConnId conn;            // the connection; valid while conn_open
        bool conn_open = false;        // we hold the Stack's handle (not yet closed/aborted)
        bool connected = false;        // ESTABLISHED was reached (writes may flow)
        bool paused = false;           // on_data held back by pause() (or by close())
        bool end_requested = false;    // end() or close() called: no more writes
        bool fin_sent = false;         // Stack::shutdown() done (end_requested, queue empty)
        bool close_requested = false;  // close() called: close the connection after the flush
        bool ended = false;            // on_end delivered
        bool allow_half_open = false;  // keep our side open after the peer's FIN
        bool need_drain = false;       // write() returned false; on_drain when the queue empties
        bool closed = false;           // finished: on_close pending; no other callback runs
        std::optional<Errc> error;     // why it closed (valid once closed)
        // Behind a pointer so a handler replaced while it runs keeps its address (see retired_).
        std::unique_ptr<SocketHandlers> handlers;  // non-null while live
        ByteQueue out;                             // bytes the send ring could not take yet
    };
    struct Server {
        std::uint32_t generation = 1;
        bool live = false;
        stack::ListenerId listener;
        std::unique_ptr<ServerHandlers> handlers;  // non-null while live
        SocketOptions options;
    };
    // Which socket (or server) a Stack handle belongs to; generation 0: none.
    struct Ref {
        std::uint32_t generation = 0;  // the Stack handle's generation
        std::uint32_t index = 0;       // the socket's or server's slot
    };

    Socket* find(SocketId id);
    const Socket* find(SocketId id) const;
    Server* find(ServerId id);
    const Server* find(ServerId id) const;
    SocketId id_of(std::uint32_t index) const;
    SocketId allocate_socket(stack::ConnId conn, SocketHandlers handlers, bool allow_half_open);
    void map_conn(stack::ConnId conn, std::uint32_t index);
    void unmap_conn(stack::ConnId conn);
    std::optional<SocketId> socket_of(stack::ConnId conn) const;

    void dispatch(const stack::Event& e);
    void on_acceptable(stack::ListenerId listener);
    // Delivers what the receive ring holds (on_data, then on_end at the end of the stream).
    void read(SocketId id);
    // Moves the write queue into the send ring; then the FIN, the close or on_drain as due.
    void flush(SocketId id);
    // After accept or resume: read, flush and notice an ending that happened meanwhile.
    void service(SocketId id);
    // The socket ends: release the Stack's handle (close or abort) and owe on_close.
    enum class Release : std::uint8_t { Close, Abort };
    void finish(SocketId id, std::optional<Errc> error, Release how);
    void deliver_closes();

    rt::Loop& loop_;
    stack::Stack& stack_;
    ReactorConfig config_;
    std::deque<Socket> sockets_;  // a deque: callbacks running from a slot survive growth
    std::vector<std::uint32_t> free_sockets_;
    std::size_t live_sockets_ = 0;
    std::deque<Server> servers_;
    std::vector<Ref> by_conn_;             // by ConnId::index
    std::vector<Ref> by_listener_;         // by ListenerId::index
    std::vector<stack::Event> events_;     // the batch being dispatched (reused)
    std::vector<SocketId> pending_close_;  // finished sockets owed on_error/on_close
    std::vector<SocketId> to_service_;     // resumed sockets to read from at the next poll
    // Handlers replaced or dropped while one of them may be running; freed when poll() ends.
    std::vector<std::unique_ptr<SocketHandlers>> retired_;
    std::vector<std::unique_ptr<ServerHandlers>> retired_servers_;
    std::vector<std::uint8_t> read_buf_;  // read_chunk bytes; on_data's span points here
    std::function<void(const stack::Event&)> trace_;
    bool polling_ = false;  // inside poll(): replaced handlers must outlive the callback
};

}  // namespace ustack::sock
