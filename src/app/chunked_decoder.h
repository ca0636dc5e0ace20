// ChunkedDecoder: the HTTP/1.1 chunked transfer coding (RFC 9112 §7.1), decoded incrementally
// from whatever pieces the connection delivers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "base/bytes.h"

namespace ustack::app {

class ChunkedDecoder {
  public:
    // Decodes from `in`, handing chunk data to `sink` in order. Returns the bytes of `in` it
    // consumed: all of them unless the message ended inside `in` (the rest belongs to what
    // follows). Chunk extensions and trailer fields are skipped. After an error (error() is
    // non-empty) nothing more is consumed.
    std::size_t feed(Bytes in, const std::function<void(Bytes)>& sink);
    bool done() const { return state_ == State::Done; }
    const std::string& error() const { return error_; }

  private:
    enum class State : std::uint8_t {
        Size,
        Extension,
        SizeLf,
        Data,
        DataCr,
        DataLf,
        Trailer,
        Done,
        Error
    };
    void fail(const char* why);

    State state_ = State::Size;
    std::uint64_t remaining_ = 0;  // data bytes left in the current chunk (Size: the size so far)
    int size_digits_ = 0;
    std::size_t trailer_line_ = 0;  // bytes of the current trailer line (0: at its start)
    std::size_t trailer_bytes_ = 0;
    std::string error_;
};

}  // namespace ustack::app
