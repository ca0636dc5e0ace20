// ChargenServer: a stream position per socket; the lines are a pure function of it.
#include "app/chargen_server.h"

#include <array>

namespace ustack::app {
namespace {

constexpr std::size_t kPrintable = 95;  // ' ' (32) .. '~' (126)
constexpr std::size_t kLineChars = 72;
constexpr std::size_t kBatch = 16 * 1024;

}  // namespace

void fill_chargen(std::uint64_t offset, MutBytes out) {
    for (std::size_t i = 0; i < out.size(); ++i) {
        const std::uint64_t pos = offset + i;
        const std::uint64_t line = (pos / kChargenLineLen) % kPrintable;
        const std::uint64_t col = pos % kChargenLineLen;
        if (col < kLineChars)
            out[i] = static_cast<std::uint8_t>(' ' + (line + col) % kPrintable);
        else
            out[i] = col == kLineChars ? '\r' : '\n';
    }
}

Result<sock::ServerId> ChargenServer::listen(const stack::Endpoint& local) {
    sock::ServerHandlers h;
    h.on_connection = [this](sock::ServerId, sock::SocketId s) {
        sent_[key(s)] = 0;
        // RFC 864: "Once a connection is established a stream of data is sent out the
        // connection (and any data received is thrown away)."
        pump(s);
    };
    h.socket.on_drain = [this](sock::SocketId s) { pump(s); };
    h.socket.on_close = [this](sock::SocketId s, bool) { sent_.erase(key(s)); };
    return shell_.listen(local, 128, std::move(h));
}

void ChargenServer::pump(sock::SocketId s) {
    const auto it = sent_.find(key(s));
    if (it == sent_.end()) return;
    std::array<std::uint8_t, kBatch> buf;
    for (;;) {
        fill_chargen(it->second, buf);
        const auto more = reactor_.write(s, buf);
        if (!more) return;  // the peer closed (BrokenPipe) or the socket is gone
        it->second += buf.size();
        shell_.count_out(buf.size());
        if (!*more) return;  // on_drain resumes
    }
}

}  // namespace ustack::app
