// ChunkedDecoder: a byte-at-a-time state machine for sizes and line ends; data passes in runs.
#include "app/chunked_decoder.h"

#include <algorithm>

namespace ustack::app {
namespace {

constexpr std::size_t kMaxTrailerBytes = 16 * 1024;

int hex_value(std::uint8_t c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

void ChunkedDecoder::fail(const char* why) {
    state_ = State::Error;
    error_ = why;
}

std::size_t ChunkedDecoder::feed(Bytes in, const std::function<void(Bytes)>& sink) {
    std::size_t i = 0;
    while (i < in.size()) {
        const std::uint8_t c = in[i];
        switch (state_) {
            case State::Done:
            case State::Error:
                return i;
            case State::Size: {
                // RFC 9112 §7.1: chunk-size = 1*HEXDIG, then optional extensions, then CRLF.
                const int v = hex_value(c);
                if (v >= 0) {
                    if (size_digits_ == 15) {
                        fail("chunk size too large");
                        return i;
                    }
                    remaining_ = remaining_ * 16 + static_cast<std::uint64_t>(v);
                    ++size_digits_;
                } else if (size_digits_ == 0) {
                    fail("chunk size expected");
                    return i;
                } else if (c == ';' || c == ' ' || c == '\t') {
                    state_ = State::Extension;
                } else if (c == '\r') {
                    state_ = State::SizeLf;
                } else if (c == '\n') {
                    state_ = remaining_ == 0 ? State::Trailer : State::Data;
                } else {
                    fail("invalid chunk size");
                    return i;
                }
                ++i;
                break;
            }
            case State::Extension:
                if (c == '\n') state_ = remaining_ == 0 ? State::Trailer : State::Data;
                ++i;
                break;
            case State::SizeLf:
                if (c != '\n') {
                    fail("CR without LF after chunk size");
                    return i;
                }
                state_ = remaining_ == 0 ? State::Trailer : State::Data;
                ++i;
                break;
            case State::Data: {
                const std::size_t n =
                    static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, in.size() - i));
                sink(in.subspan(i, n));
                remaining_ -= n;
                i += n;
                if (remaining_ == 0) state_ = State::DataCr;
                break;
            }
            case State::DataCr:
                if (c == '\r') {
                    state_ = State::DataLf;
                } else if (c == '\n') {
                    size_digits_ = 0;
                    state_ = State::Size;
                } else {
                    fail("chunk data longer than its size");
                    return i;
                }
                ++i;
                break;
            case State::DataLf:
                if (c != '\n') {
                    fail("CR without LF after chunk data");
                    return i;
                }
                size_digits_ = 0;
                state_ = State::Size;
                ++i;
                break;
            case State::Trailer:
                // Trailer fields, each a line, end with an empty line.
                ++i;
                if (++trailer_bytes_ > kMaxTrailerBytes) {
                    fail("trailer section too large");
                    return i;
                }
                if (c == '\n') {
                    if (trailer_line_ == 0) {
                        state_ = State::Done;
                        return i;
                    }
                    trailer_line_ = 0;
                } else if (c != '\r') {
                    ++trailer_line_;
                }
                break;
        }
    }
    return i;
}

}  // namespace ustack::app
