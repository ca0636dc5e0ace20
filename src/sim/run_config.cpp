#include "sim/run_config.h"

#include <algorithm>

#include <fmt/format.h>

namespace ustack::sim {

namespace {

constexpr std::size_t kFrameBytes = 1500;
constexpr std::size_t kMinBuffer = 256 * 1024;
// The largest receive window RFC 7323 §2.3 allows (shift 14): 2^30 bytes less a little.
constexpr std::size_t kMaxBuffer = std::size_t{1} << 30;

// A fraction as the CLI reads it back exactly.
std::string fraction(double p) {
    return fmt::format("{}", p);
}

}  // namespace

std::string_view to_string(Workload w) {
    switch (w) {
        case Workload::Bulk:
            return "bulk";
        case Workload::Echo:
            return "echo";
        case Workload::RequestResponse:
            return "rr";
    }
    return "";
}

std::uint64_t LinkParams::bdp_bytes() const {
    const auto us = static_cast<std::uint64_t>(rtt().as_micros());
    return rate_bps / 8 * us / 1'000'000 + (rate_bps % 8) * us / 8'000'000;
}

std::size_t LinkParams::queue() const {
    if (queue_frames != 0) return queue_frames;
    return std::max<std::size_t>(16, static_cast<std::size_t>(bdp_bytes() / kFrameBytes));
}

tcp::Config RunConfig::tcp_config() const {
    tcp::Config c;
    c.congestion = cc;
    c.sack = sack;
    c.hystart = hystart;
    c.tail_loss_probe = tail_loss_probe;
    std::size_t buffer = buffer_bytes;
    if (buffer == 0) {
        const std::uint64_t need = 2 * (link.bdp_bytes() + link.queue() * kFrameBytes);
        buffer = static_cast<std::size_t>(std::clamp<std::uint64_t>(need, kMinBuffer, kMaxBuffer));
    }
    c.send_buffer = buffer;
    c.recv_buffer = std::min<std::size_t>(buffer, kMinBuffer);
    c.recv_buffer_max = buffer;
    return c;
}

WorldConfig RunConfig::world_config(TapPoint tap) const {
    WorldConfig w;
    w.seed = seed;
    dev::LinkConfig l;
    l.delay = link.one_way_delay;
    l.rate_bps = link.rate_bps;
    l.queue_frames = link.queue();
    l.jitter = link.jitter;
    // Slots hold every frame between transmit() and the far end's receive(): the queue plus
    // what is propagating (at most rate x delay of full frames; twice that for smaller ones),
    // with room to spare. Frames dropped for want of a slot would be losses nobody asked for.
    const std::uint64_t propagating =
        link.rate_bps == 0
            ? 0
            : link.rate_bps / 8 * static_cast<std::uint64_t>(link.one_way_delay.as_micros()) /
                  1'000'000 / kFrameBytes;
    l.slots = static_cast<std::size_t>(2 * propagating) + link.queue() + 4096;
    w.link = dev::SimLinkConfig::symmetric(l);
    dev::FaultConfig f;
    f.drop = link.loss;
    f.reorder = link.reorder;
    f.duplicate = link.duplicate;
    f.corrupt = link.corrupt;
    w.faults_to_client = f;
    w.faults_to_server = f;
    w.tcp = tcp_config();
    w.tap = tap;
    // An infinite-rate, zero-delay link moves a whole window at one instant.
    w.max_steps_per_instant = 10'000'000;
    return w;
}

std::string RunConfig::command_line() const {
    std::string s = fmt::format("ustack sim --workload {} --seed {}", to_string(workload), seed);
    s += fmt::format(" --rate {} --delay {}us", link.rate_bps, link.one_way_delay.as_micros());
    if (link.queue_frames != 0) s += fmt::format(" --queue {}", link.queue_frames);
    if (link.loss > 0) s += " --loss " + fraction(link.loss);
    if (link.reorder > 0) s += " --reorder " + fraction(link.reorder);
    if (link.duplicate > 0) s += " --dup " + fraction(link.duplicate);
    if (link.corrupt > 0) s += " --corrupt " + fraction(link.corrupt);
    s += cc == tcp::CongestionControl::Cubic ? " --cc cubic" : " --cc newreno";
    if (!sack) s += " --no-sack";
    if (hystart != tcp::Config{}.hystart) s += hystart ? " --hystart" : " --no-hystart";
    if (!tail_loss_probe) s += " --no-tlp";
    switch (workload) {
        case Workload::Bulk:
            if (duration > Duration::zero())
                s += fmt::format(" --duration {}us", duration.as_micros());
            else
                s += fmt::format(" --bytes {}", bytes);
            if (flows != 1) s += fmt::format(" --flows {}", flows);
            if (stagger > Duration::zero())
                s += fmt::format(" --stagger {}us", stagger.as_micros());
            break;
        case Workload::Echo:
            s += fmt::format(" --bytes {}", bytes);
            break;
        case Workload::RequestResponse:
            s += fmt::format(" --request {} --response {} --count {}", request_bytes,
                             response_bytes, count);
            break;
    }
    if (buffer_bytes != 0) s += fmt::format(" --buffer {}", buffer_bytes);
    return s;
}

}  // namespace ustack::sim
