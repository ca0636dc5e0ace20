// ChargenServer: the Character Generator Protocol (RFC 864) on the Reactor — sends the
// rotating 72-character lines until the peer closes, and discards what it receives.
#pragma once

#include <cstdint>
#include <unordered_map>

#include "app/server_shell.h"
#include "app/server_stats.h"
#include "app/socket_set.h"
#include "base/bytes.h"
#include "base/errc.h"
#include "sock/reactor.h"
#include "stack/handles.h"

namespace ustack::app {

// RFC 864's suggested pattern: line k (from 0) holds the 72 printable ASCII characters starting
// at character (k mod 95) of ' '..'~' (wrapping), then CR LF; the stream repeats every 95 lines
// (7030 bytes). Fills `out` with the stream's bytes at [offset, offset + out.size()).
void fill_chargen(std::uint64_t offset, MutBytes out);
inline constexpr std::size_t kChargenLineLen = 74;  // 72 characters + CR LF

class ChargenServer {
  public:
    explicit ChargenServer(sock::Reactor& reactor) : reactor_(reactor), shell_(reactor) {}
    ChargenServer(const ChargenServer&) = delete;
    ChargenServer& operator=(const ChargenServer&) = delete;

    Result<sock::ServerId> listen(const stack::Endpoint& local);

    const ServerStats& stats() const { return shell_.stats(); }
    const SocketSet& sockets() const { return shell_.sockets(); }

  private:
    static std::uint64_t key(sock::SocketId s) {
        return (std::uint64_t{s.index} << 32) | s.generation;
    }
    // Writes the next lines until the Reactor's write queue reaches its high-water mark.
    void pump(sock::SocketId s);

    sock::Reactor& reactor_;
    ServerShell shell_;
    std::unordered_map<std::uint64_t, std::uint64_t> sent_;  // socket -> stream offset
};

}  // namespace ustack::app
