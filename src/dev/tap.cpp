#include "dev/tap.h"

namespace ustack::dev {

std::optional<Bytes> Tap::receive(Instant now) {
    std::optional<Bytes> frame = inner_.receive(now);
    if (frame) {
        ++frames_in_;
        sink_.on_frame(Direction::In, now, *frame);
    }
    return frame;
}

bool Tap::transmit(Bytes frame, Instant now) {
    ++frames_out_;
    sink_.on_frame(Direction::Out, now, frame);
    return inner_.transmit(frame, now);
}

}  // namespace ustack::dev
