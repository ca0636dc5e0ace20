// FanOutSink: a FrameSink that hands every frame to several sinks in turn (one Tap feeding a pcap
// file and a live printer, so each frame is recorded once and seen by both).
#pragma once

#include <vector>

#include "base/bytes.h"
#include "base/time.h"
#include "dev/frame_sink.h"

namespace ustack::sim {

class FanOutSink final : public dev::FrameSink {
  public:
    FanOutSink() = default;
    // The sink must outlive this one. Frames go to sinks in the order they were added.
    void add(dev::FrameSink& sink) { sinks_.push_back(&sink); }

    void on_frame(dev::Direction direction, Instant at, Bytes frame) override {
        for (dev::FrameSink* s : sinks_)
            s->on_frame(direction, at, frame);
    }

  private:
    std::vector<dev::FrameSink*> sinks_;  // not owned; every entry non-null
};

}  // namespace ustack::sim
