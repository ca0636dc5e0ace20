// Reassembler: IP fragment reassembly for IPv4 (RFC 791 §3.2, RFC 1122 §3.3.2, RFC 815) and IPv6
// (RFC 8200 §4.5, RFC 5722 overlapping fragments), with a time limit and a memory limit.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "base/bytes.h"
#include "base/time.h"
#include "wire/ip_address.h"

namespace ustack::stack {

// Which datagram a fragment belongs to. RFC 791 §3.2: "the identification field is used to
// distinguish the fragments of one datagram from those of another ... source, destination,
// protocol, and identifier". RFC 8200 §4.5: source, destination and the 32-bit Identification
// (protocol is 0 for IPv6: the Next Header of later fragments may differ).
struct FragmentKey {
    wire::IpAddress src;
    wire::IpAddress dst;
    std::uint32_t identification = 0;
    std::uint8_t protocol = 0;
    bool operator==(const FragmentKey&) const = default;
};

struct ReassemblyConfig {
    // Deviation: RFC 1122 §3.3.2 recommends a reassembly timeout of 60-120 s (RFC 791's example
    // is 15 s); we follow Linux's ipfrag_time of 30 s for IPv4. IPv6 uses RFC 8200 §4.5's 60 s.
    Duration timeout = Duration::seconds(30);
    // Bytes held across all datagrams being reassembled (Linux ipfrag_high_thresh: 4 MB). A
    // fragment that would pass it evicts the oldest datagrams first.
    std::size_t memory_limit = 4 * 1024 * 1024;
    // Datagrams in reassembly at once; a new one beyond evicts the oldest.
    std::size_t max_datagrams = 256;

    static ReassemblyConfig ipv4() { return ReassemblyConfig{}; }
    static ReassemblyConfig ipv6() {
        ReassemblyConfig c;
        c.timeout = Duration::seconds(60);  // RFC 8200 §4.5: "within 60 seconds"
        return c;
    }
};

// One fragment as the Stack parsed it.
struct Fragment {
    FragmentKey key;
    std::uint32_t offset = 0;  // of this fragment's data in the fragmentable part, in bytes
    bool more = false;         // the MF / M flag
    Bytes data;                // the fragment's data (after the IP or Fragment header)
    // The largest end (offset + length) the reassembled data may reach: 65535 minus the IPv4
    // header (RFC 791 §3.1 total length), or 65535 minus the IPv6 extension headers before the
    // Fragment header (RFC 8200 §4.5 payload length).
    std::uint32_t max_end = 65535;
    // Offset 0 only: the upper-layer protocol (IPv6: the Next Header of the offset-0 Fragment
    // header, RFC 8200 §4.5 "only the value from the Offset zero fragment packet is used"), and
    // the start of the packet to quote in an ICMP Time Exceeded if reassembly times out.
    std::uint8_t protocol = 0;
    Bytes quote;
};

enum class FragmentVerdict : std::uint8_t {
    Incomplete,  // kept; the datagram waits for more
    Complete,    // the datagram is whole: AddResult::payload
    Duplicate,   // all of its bytes were already there (RFC 5722 errata 3089: ignored, datagram
                 // kept)
    Overlap,     // overlaps received data: the whole datagram is discarded (RFC 5722)
    Invalid,     // empty, a non-final fragment not a multiple of 8, past max_end, or inconsistent
                 // with the datagram's known end: this fragment (and, when inconsistent, the
                 // datagram) is discarded
    Discarded,   // its datagram was discarded earlier and the fragment is dropped too
    NoMemory,    // the datagram does not fit the memory limit even alone: discarded
};

struct AddResult {
    FragmentVerdict verdict = FragmentVerdict::Incomplete;
    std::uint8_t protocol = 0;  // Complete: the upper-layer protocol
    // Complete: the reassembled data (the fragmentable part). Valid until the next add() or
    // expire() on this Reassembler.
    Bytes payload;
};

struct ReassemblyCounters {
    std::uint64_t fragments = 0;    // add() calls
    std::uint64_t reassembled = 0;  // datagrams completed
    std::uint64_t duplicates = 0;   // fragments ignored as duplicates
    std::uint64_t overlaps = 0;     // datagrams discarded for overlapping fragments
    std::uint64_t invalid = 0;      // fragments rejected as Invalid
    std::uint64_t discarded = 0;    // fragments of an already discarded datagram
    std::uint64_t timed_out = 0;    // datagrams that did not complete in time
    std::uint64_t evicted = 0;      // datagrams dropped for the memory or count limit
};

// A datagram given up at its deadline. quote is empty unless its offset-0 fragment arrived
// (RFC 792 / RFC 8200 §4.5: only then is ICMP Time Exceeded, code 1, sent).
struct ExpiredDatagram {
    FragmentKey key;
    Bytes quote;
};

// Received ranges are kept as a sorted list of disjoint byte ranges (RFC 815's holes are its
// complement); a datagram is complete when one range covers [0, end) and the last fragment set
// the end. Memory is allocated when a datagram starts and as it grows, never for a packet that
// is not a fragment (the Stack does not call here for those).
class Reassembler {
  public:
    explicit Reassembler(const ReassemblyConfig& config) : config_(config) {}

    AddResult add(const Fragment& fragment, Instant now);

    // Drops every datagram whose deadline is at or before now, calling
    // on_expired(const ExpiredDatagram&) for each (the quote is valid during the call).
    template <class F>
    void expire(Instant now, F&& on_expired) {
        for (std::size_t i = 0; i < entries_.size();) {
            if (entries_[i].deadline > now) {
                ++i;
                continue;
            }
            if (!entries_[i].dead) {
                ++counters_.timed_out;
                on_expired(ExpiredDatagram{entries_[i].key, Bytes(entries_[i].quote)});
            }
            remove(i);
        }
    }

    // The earliest deadline of a datagram in reassembly; never when none.
    Instant poll_at() const;

    std::size_t datagrams() const { return entries_.size(); }
    std::size_t memory_used() const { return memory_; }
    const ReassemblyCounters& counters() const { return counters_; }
    const ReassemblyConfig& config() const { return config_; }

  private:
    struct Range {
        std::uint32_t begin = 0;
        std::uint32_t end = 0;
    };
    struct Entry {
        FragmentKey key;
        std::uint64_t serial = 0;         // creation order: the oldest is evicted first
        Instant deadline;                 // first fragment's arrival + timeout
        bool dead = false;                // discarded; later fragments are dropped until deadline
        bool end_known = false;           // the last fragment (MF = 0) arrived
        std::uint32_t end = 0;            // valid iff end_known: the datagram's data length
        std::uint8_t protocol = 0;        // from the offset-0 fragment
        std::vector<Range> ranges;        // received, sorted, disjoint, not touching
        std::vector<std::uint8_t> data;   // data[r.begin, r.end) holds each received range
        std::vector<std::uint8_t> quote;  // offset-0 fragment's start, for ICMP Time Exceeded
        std::size_t charged = 0;          // bytes counted in memory_ for this entry
    };

    Entry* find(const FragmentKey& key);
    Entry& create(const FragmentKey& key, Instant now);
    // Discards the datagram's data but keeps the entry (dead) so later fragments are dropped.
    void kill(Entry& e);
    void remove(std::size_t index);
    void charge(Entry& e);
    // Evicts the oldest entries other than `keep`'s until memory fits; false if it cannot.
    // Entries move (pointers into entries_ are invalidated).
    bool make_room(const FragmentKey& keep);

    ReassemblyConfig config_;
    std::vector<Entry> entries_;
    std::uint64_t next_serial_ = 0;
    std::size_t memory_ = 0;
    std::vector<std::uint8_t> completed_;  // the last completed datagram's data
    ReassemblyCounters counters_;
};

}  // namespace ustack::stack
