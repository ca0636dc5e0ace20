#include "sim/runner.h"

#include <algorithm>
#include <limits>
#include <memory>
#include <utility>

#include "sim/bulk_transfer.h"
#include "sim/request_response.h"
#include "sim/world.h"
#include "stack/event.h"

namespace ustack::sim {

namespace {

constexpr std::uint16_t kFirstPort = 5001;
constexpr Duration kSlice = Duration::millis(100);

bool ended(tcp::State s) {
    return s == tcp::State::Closed || s == tcp::State::TimeWait;
}

// The last state of every connection a Stack reported, from its StateChanged events (a
// connection the Stack has reaped keeps the state it ended in), and whether it was ever
// ESTABLISHED.
class StateTracker {
  public:
    void on_event(const stack::Event& e) {
        if (e.kind != stack::EventKind::StateChanged || e.conn() == nullptr) return;
        Entry* entry = find(*e.conn());
        if (entry == nullptr) entry = &states_.emplace_back(Entry{*e.conn(), e.to, false});
        entry->state = e.to;
        if (e.to == tcp::State::Established) entry->connected = true;
    }
    std::optional<tcp::State> of(std::optional<stack::ConnId> id) const {
        const Entry* entry = id ? find(*id) : nullptr;
        return entry != nullptr ? std::optional(entry->state) : std::nullopt;
    }
    bool connected(std::optional<stack::ConnId> id) const {
        const Entry* entry = id ? find(*id) : nullptr;
        return entry != nullptr && entry->connected;
    }
    bool all_ended() const {
        return std::all_of(states_.begin(), states_.end(),
                           [](const Entry& e) { return ended(e.state); });
    }

  private:
    struct Entry {
        stack::ConnId id;
        tcp::State state;
        bool connected;
    };
    const Entry* find(stack::ConnId id) const {
        for (const Entry& e : states_)
            if (e.id == id) return &e;
        return nullptr;
    }
    Entry* find(stack::ConnId id) { return const_cast<Entry*>(std::as_const(*this).find(id)); }

    std::vector<Entry> states_;
};

std::uint64_t pattern_seed(std::uint64_t run_seed, std::size_t flow) {
    return run_seed * 1000003 + flow + 1;
}

}  // namespace

double FlowResult::goodput_bps() const {
    if (!completed || *completed <= started) return 0.0;
    return static_cast<double>(received) * 8.0 / (*completed - started).as_seconds();
}

std::optional<double> FlowResult::goodput_after_slow_start_bps() const {
    if (!completed || !slow_start_end || *completed <= *slow_start_end) return std::nullopt;
    return static_cast<double>(received - delivered_at_slow_start_end) * 8.0 /
           (*completed - *slow_start_end).as_seconds();
}

bool FlowResult::closed_cleanly() const {
    return client_state && server_state && ended(*client_state) && ended(*server_state) &&
           !client_error && !server_error;
}

bool RunResult::all_byte_identical() const {
    return started && !flows.empty() &&
           std::all_of(flows.begin(), flows.end(),
                       [](const FlowResult& f) { return f.byte_identical; });
}

bool RunResult::all_closed_cleanly() const {
    return started && !flows.empty() &&
           std::all_of(flows.begin(), flows.end(),
                       [](const FlowResult& f) { return f.closed_cleanly(); });
}

RunResult run(const RunConfig& config, dev::FrameSink* sink, TimeSeries* csv, Duration csv_interval,
              const ProgressFn& progress) {
    World world(config.world_config(sink != nullptr ? TapPoint::ClientWire : TapPoint::None), sink);
    StateTracker client_states;
    StateTracker server_states;
    world.client().add_event_handler(
        [&](const stack::Event& e, Instant) { client_states.on_event(e); });
    world.server().add_event_handler(
        [&](const stack::Event& e, Instant) { server_states.on_event(e); });

    const bool bulk = config.workload == Workload::Bulk;
    const std::size_t n = bulk ? std::max<std::uint32_t>(1, config.flows) : 1;
    const Instant t0 = world.now();
    // The pipe is full at one bandwidth-delay product (a cwnd this big ends slow start for
    // goodput purposes even with no loss; 0 with an infinite rate: only loss ends it).
    std::vector<FlowProbe> probes(n, FlowProbe(config.link.bdp_bytes()));
    std::vector<std::unique_ptr<BulkTransfer>> bulks;
    std::unique_ptr<RequestResponse> rr;
    std::vector<Instant> started(n, t0);
    std::vector<std::optional<Instant>> completed(n);
    bool start_ok = true;
    std::vector<std::uint64_t> at_half(n, 0);
    std::vector<std::uint64_t> at_end(n, 0);

    if (bulk) {
        for (std::size_t i = 0; i < n; ++i) {
            BulkConfig bc;
            // With a duration the stream is endless until stop() ends it.
            bc.bytes = config.duration > Duration::zero()
                           ? std::numeric_limits<std::uint64_t>::max() / 2
                           : config.bytes;
            bc.port = static_cast<std::uint16_t>(kFirstPort + i);
            bc.pattern_seed = pattern_seed(config.seed, i);
            if (config.duration > Duration::zero()) bc.queue_cwnds = 4;
            bulks.push_back(std::make_unique<BulkTransfer>(world, bc));
        }
        // After the BulkTransfers' own handlers: the end of stream is seen as it is read.
        world.server().add_event_handler([&](const stack::Event&, Instant now) {
            for (std::size_t i = 0; i < n; ++i)
                if (!completed[i] && bulks[i]->server_eof()) completed[i] = now;
        });
        for (std::size_t i = 0; i < n; ++i) {
            const Instant at = t0 + config.stagger * static_cast<std::int64_t>(i);
            started[i] = at;
            if (at == t0) {
                start_ok = bulks[i]->start() && start_ok;
            } else {
                world.loop().call_at(at,
                                     [&, i](Instant) { start_ok = bulks[i]->start() && start_ok; });
            }
        }
        if (config.duration > Duration::zero()) {
            world.loop().call_at(t0 + config.duration / 2, [&](Instant) {
                for (std::size_t i = 0; i < n; ++i)
                    at_half[i] = bulks[i]->received();
            });
            world.loop().call_at(t0 + config.duration, [&](Instant) {
                for (std::size_t i = 0; i < n; ++i) {
                    at_end[i] = bulks[i]->received();
                    bulks[i]->stop();
                }
            });
        }
    } else {
        RequestResponseConfig rc;
        rc.echo = config.workload == Workload::Echo;
        rc.request_bytes = rc.echo ? config.bytes : config.request_bytes;
        rc.response_bytes = config.response_bytes;
        rc.count = rc.echo ? 1 : config.count;
        rc.pattern_seed = pattern_seed(config.seed, 0);
        rr = std::make_unique<RequestResponse>(world, rc);
        world.client().add_event_handler([&](const stack::Event&, Instant) {
            if (!completed[0] && rr->completed_at()) completed[0] = rr->completed_at();
        });
        start_ok = rr->start();
    }

    auto sent = [&](std::size_t i) { return bulk ? bulks[i]->sent() : rr->client_sent(); };
    auto delivered = [&](std::size_t i) {
        return bulk ? bulks[i]->received() : rr->server_received();
    };
    auto client_conn = [&](std::size_t i) {
        return bulk ? bulks[i]->client_connection() : rr->client_connection();
    };
    auto server_conn = [&](std::size_t i) {
        return bulk ? bulks[i]->server_connection() : rr->server_connection();
    };
    auto observe = [&](Instant now) {
        if (bulk && config.duration > Duration::zero())
            for (auto& b : bulks)
                b->pump();
        for (std::size_t i = 0; i < n; ++i)
            if (const auto c = client_conn(i))
                probes[i].observe(world.client().stack(), *c, now, sent(i), delivered(i));
    };
    world.client().add_poll_hook(observe);
    observe(t0);
    if (csv != nullptr)
        csv->start(
            world.loop(), csv_interval, [&](std::size_t i) { return &probes[i]; }, n);

    auto all_done = [&] {
        if (!start_ok) return true;
        if (bulk) {
            for (const auto& b : bulks)
                if (!b->done()) return false;
        } else if (!rr->done()) {
            return false;
        }
        return client_states.all_ended() && server_states.all_ended();
    };

    const Instant limit = t0 + config.limit;
    // The last thing the run itself schedules (a flow's start, the end of the duration); after it,
    // two idle stacks mean nothing more can happen (a CSV sampler's timer changes nothing).
    const Instant last_scheduled = bulk ? std::max(started.back(), t0 + config.duration) : t0;
    auto idle = [&] {
        return world.now() >= last_scheduled &&
               world.client().stack().poll_at() == Instant::never() &&
               world.server().stack().poll_at() == Instant::never();
    };
    bool finished = false;
    bool stalled = false;
    while (!finished && world.now() < limit) {
        const Instant slice_end = std::min(limit, world.now() + kSlice);
        finished = world.run_until(all_done, slice_end - world.now());
        if (!finished && world.loop().stop_reason() != rt::StopReason::Limit) break;
        if (progress) progress(world.now(), config);
        if (!finished && idle()) {
            stalled = true;
            break;
        }
    }
    observe(world.now());
    if (csv != nullptr) {
        for (std::size_t i = 0; i < n; ++i)
            if (probes[i].seen()) csv->sample(world.now(), i, probes[i].last());
    }

    RunResult r;
    r.started = start_ok;
    r.finished = finished && start_ok;
    r.stalled = stalled;
    r.end = world.now();
    r.client_to_server = world.link().counters_a_to_b();
    r.server_to_client = world.link().counters_b_to_a();
    r.faults_at_client = world.faults_at_client().counters();
    r.faults_at_server = world.faults_at_server().counters();
    r.loop_steps = world.loop().steps();
    if (bulk && config.duration > Duration::zero())
        r.second_half = config.duration - config.duration / 2;
    for (std::size_t i = 0; i < n; ++i) {
        FlowResult f;
        f.started = started[i];
        f.completed = completed[i];
        f.sent = sent(i);
        f.last = probes[i].last();
        f.longest_rto_chain = probes[i].longest_rto_chain();
        f.slow_start_end = probes[i].slow_start_end();
        f.delivered_at_slow_start_end = probes[i].delivered_at_slow_start_end();
        f.delivered_second_half = at_end[i] - std::min(at_end[i], at_half[i]);
        f.client_state = client_states.of(client_conn(i));
        f.client_connected = client_states.connected(client_conn(i));
        f.server_state = server_states.of(server_conn(i));
        if (bulk) {
            const BulkTransfer& b = *bulks[i];
            f.expected = config.duration > Duration::zero() ? b.sent() : config.bytes;
            f.received = b.received();
            f.byte_identical = b.server_eof() && b.sent() == f.expected &&
                               b.received() == f.expected && !b.first_mismatch();
            f.mismatch = b.first_mismatch().has_value();
            f.client_error = b.client_error();
            f.server_error = b.server_error();
        } else {
            f.expected = rr->expected_at_server() + rr->expected_at_client();
            f.received = rr->server_received() + rr->client_received();
            f.byte_identical = rr->data_intact() &&
                               rr->server_received() == rr->expected_at_server() &&
                               rr->client_received() == rr->expected_at_client();
            f.mismatch = !rr->data_intact();
            f.client_error = rr->client_error();
            f.server_error = rr->server_error();
            r.transactions = rr->transactions();
            r.latencies = rr->latencies();
        }
        r.flows.push_back(f);
    }
    return r;
}

}  // namespace ustack::sim
