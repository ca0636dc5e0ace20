// Reassembler: IPv4/IPv6 fragment reassembly (RFC 791 §3.2, RFC 815, RFC 8200 §4.5, RFC 5722).
#include "stack/reassembly.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <numeric>
#include <vector>

namespace ustack::stack {
namespace {

const wire::Ipv4Address kSrc{192, 0, 2, 1};
const wire::Ipv4Address kDst{192, 0, 2, 2};
const Instant kT0 = Instant::from_micros(1'000'000);

std::vector<std::uint8_t> pattern(std::size_t n) {
    std::vector<std::uint8_t> v(n);
    for (std::size_t i = 0; i < n; ++i)
        v[i] = static_cast<std::uint8_t>(i * 7 + i / 251);
    return v;
}

FragmentKey key(std::uint32_t id = 0x1234) {
    return FragmentKey{kSrc, kDst, id, 1};
}

// The fragment of `whole` covering [begin, end), MF set unless it reaches the end.
Fragment piece(const std::vector<std::uint8_t>& whole, std::size_t begin, std::size_t end,
               std::uint32_t id = 0x1234) {
    Fragment f;
    f.key = key(id);
    f.offset = static_cast<std::uint32_t>(begin);
    f.more = end < whole.size();
    f.data = Bytes(whole).subspan(begin, end - begin);
    f.max_end = 65535 - 20;
    f.protocol = 1;
    if (begin == 0) f.quote = f.data.first(std::min<std::size_t>(8, f.data.size()));
    return f;
}

std::vector<std::uint8_t> bytes_of(Bytes b) {
    return {b.begin(), b.end()};
}

TEST(Reassembly, InOrderFragmentsMakeTheDatagram) {
    Reassembler r(ReassemblyConfig::ipv4());
    const auto whole = pattern(4000);
    EXPECT_EQ(r.add(piece(whole, 0, 1480), kT0).verdict, FragmentVerdict::Incomplete);
    EXPECT_EQ(r.add(piece(whole, 1480, 2960), kT0).verdict, FragmentVerdict::Incomplete);
    EXPECT_EQ(r.datagrams(), 1u);
    const AddResult done = r.add(piece(whole, 2960, 4000), kT0);
    ASSERT_EQ(done.verdict, FragmentVerdict::Complete);
    EXPECT_EQ(done.protocol, 1);
    EXPECT_EQ(bytes_of(done.payload), whole);
    EXPECT_EQ(r.datagrams(), 0u);
    EXPECT_EQ(r.memory_used(), 0u);
    EXPECT_EQ(r.counters().reassembled, 1u);
    EXPECT_EQ(r.poll_at(), Instant::never());
}

TEST(Reassembly, ReverseOrderFragmentsMakeTheDatagram) {
    Reassembler r(ReassemblyConfig::ipv4());
    const auto whole = pattern(4000);
    EXPECT_EQ(r.add(piece(whole, 2960, 4000), kT0).verdict, FragmentVerdict::Incomplete);
    EXPECT_EQ(r.add(piece(whole, 1480, 2960), kT0).verdict, FragmentVerdict::Incomplete);
    const AddResult done = r.add(piece(whole, 0, 1480), kT0);
    ASSERT_EQ(done.verdict, FragmentVerdict::Complete);
    EXPECT_EQ(bytes_of(done.payload), whole);
}

TEST(Reassembly, ShuffledSmallFragmentsFillTheHoles) {
    // RFC 815: any arrival order; 8-byte fragments, odd offsets in units of 8.
    Reassembler r(ReassemblyConfig::ipv4());
    const auto whole = pattern(8 * 37 + 5);
    std::vector<std::size_t> order(38);
    std::iota(order.begin(), order.end(), 0);
    for (std::size_t i = 0; i < order.size(); ++i)
        std::swap(order[i], order[(i * 17 + 5) % order.size()]);
    AddResult last;
    for (std::size_t n = 0; n < order.size(); ++n) {
        const std::size_t b = order[n] * 8;
        const std::size_t e = std::min(b + 8, whole.size());
        last = r.add(piece(whole, b, e), kT0);
        if (n + 1 < order.size()) {
            EXPECT_EQ(last.verdict, FragmentVerdict::Incomplete) << n;
        }
    }
    ASSERT_EQ(last.verdict, FragmentVerdict::Complete);
    EXPECT_EQ(bytes_of(last.payload), whole);
}

TEST(Reassembly, ExactDuplicateIsIgnoredAndTheDatagramCompletes) {
    // RFC 5722 errata 3089: duplicates are dropped, the datagram kept.
    Reassembler r(ReassemblyConfig::ipv4());
    const auto whole = pattern(3000);
    EXPECT_EQ(r.add(piece(whole, 0, 1496), kT0).verdict, FragmentVerdict::Incomplete);
    EXPECT_EQ(r.add(piece(whole, 0, 1496), kT0).verdict, FragmentVerdict::Duplicate);
    EXPECT_EQ(r.add(piece(whole, 8, 16), kT0).verdict, FragmentVerdict::Duplicate);
    const AddResult done = r.add(piece(whole, 1496, 3000), kT0);
    ASSERT_EQ(done.verdict, FragmentVerdict::Complete);
    EXPECT_EQ(bytes_of(done.payload), whole);
    EXPECT_EQ(r.counters().duplicates, 2u);
}

TEST(Reassembly, OverlappingFragmentDiscardsTheWholeDatagram) {
    // RFC 5722 §4: "the entire datagram (and any constituent fragments, including those not yet
    // received) MUST be silently discarded".
    Reassembler r(ReassemblyConfig::ipv6());
    const auto whole = pattern(3000);
    EXPECT_EQ(r.add(piece(whole, 0, 1496), kT0).verdict, FragmentVerdict::Incomplete);
    EXPECT_EQ(r.add(piece(whole, 1488, 2000), kT0).verdict, FragmentVerdict::Overlap);
    // The rest, even though it would now complete a datagram, is discarded.
    EXPECT_EQ(r.add(piece(whole, 1496, 3000), kT0).verdict, FragmentVerdict::Discarded);
    EXPECT_EQ(r.add(piece(whole, 0, 1496), kT0).verdict, FragmentVerdict::Discarded);
    EXPECT_EQ(r.counters().overlaps, 1u);
    EXPECT_EQ(r.counters().reassembled, 0u);
    // The discarded datagram holds no data while it waits out its deadline.
    EXPECT_LT(r.memory_used(), 1024u);
    int expired = 0;
    r.expire(kT0 + Duration::seconds(60), [&](const ExpiredDatagram&) { ++expired; });
    EXPECT_EQ(expired, 0);  // no Time Exceeded for a discarded datagram
    EXPECT_EQ(r.datagrams(), 0u);
}

TEST(Reassembly, FragmentOverlappingTheNextRangeIsAnOverlap) {
    Reassembler r(ReassemblyConfig::ipv4());
    const auto whole = pattern(4000);
    EXPECT_EQ(r.add(piece(whole, 0, 800), kT0).verdict, FragmentVerdict::Incomplete);
    EXPECT_EQ(r.add(piece(whole, 1600, 2400), kT0).verdict, FragmentVerdict::Incomplete);
    // Starts where the first range ends, runs into the second.
    EXPECT_EQ(r.add(piece(whole, 800, 1608), kT0).verdict, FragmentVerdict::Overlap);
}

TEST(Reassembly, FragmentSpanningTwoRangesIsAnOverlap) {
    Reassembler r(ReassemblyConfig::ipv4());
    const auto whole = pattern(4000);
    r.add(piece(whole, 0, 800), kT0);
    r.add(piece(whole, 1600, 2400), kT0);
    EXPECT_EQ(r.add(piece(whole, 0, 2400), kT0).verdict, FragmentVerdict::Overlap);
}

TEST(Reassembly, MissingPieceTimesOutWithTimeExceededQuote) {
    // RFC 1122 §3.3.2 / RFC 792: give up at the timeout; quote the first fragment.
    Reassembler r(ReassemblyConfig::ipv4());
    const auto whole = pattern(3000);
    r.add(piece(whole, 0, 1000), kT0);
    r.add(piece(whole, 2000, 3000), kT0 + Duration::seconds(5));
    // The timer runs from the first fragment (Linux ipfrag_time: 30 s).
    EXPECT_EQ(r.poll_at(), kT0 + Duration::seconds(30));
    std::vector<ExpiredDatagram> expired;
    std::vector<std::uint8_t> quote;
    r.expire(kT0 + Duration::seconds(30) - Duration::micros(1),
             [&](const ExpiredDatagram& d) { expired.push_back(d); });
    EXPECT_TRUE(expired.empty());
    r.expire(kT0 + Duration::seconds(30), [&](const ExpiredDatagram& d) {
        expired.push_back(d);
        quote = bytes_of(d.quote);
    });
    ASSERT_EQ(expired.size(), 1u);
    EXPECT_EQ(expired[0].key, key());
    EXPECT_EQ(quote, std::vector<std::uint8_t>(whole.begin(), whole.begin() + 8));
    EXPECT_EQ(r.datagrams(), 0u);
    EXPECT_EQ(r.memory_used(), 0u);
    EXPECT_EQ(r.counters().timed_out, 1u);
    // The late piece starts a new datagram (which can never complete).
    EXPECT_EQ(r.add(piece(whole, 1000, 2000), kT0 + Duration::seconds(31)).verdict,
              FragmentVerdict::Incomplete);
}

TEST(Reassembly, TimeoutWithoutFirstFragmentHasNoQuote) {
    // RFC 8200 §4.5: Time Exceeded only "if the first fragment ... has been received".
    Reassembler r(ReassemblyConfig::ipv6());
    const auto whole = pattern(3000);
    r.add(piece(whole, 1000, 2000), kT0);
    EXPECT_EQ(r.poll_at(), kT0 + Duration::seconds(60));
    std::size_t quote_len = 99;
    r.expire(kT0 + Duration::seconds(60),
             [&](const ExpiredDatagram& d) { quote_len = d.quote.size(); });
    EXPECT_EQ(quote_len, 0u);
}

TEST(Reassembly, DatagramsAreKeptApartByKey) {
    Reassembler r(ReassemblyConfig::ipv4());
    const auto a = pattern(2000);
    std::vector<std::uint8_t> b(2000, 0xee);
    r.add(piece(a, 0, 1000, 1), kT0);
    r.add(piece(b, 0, 1000, 2), kT0);
    Fragment other_proto = piece(a, 1000, 2000, 1);
    other_proto.key.protocol = 6;  // same id, another protocol: another datagram (RFC 791)
    EXPECT_EQ(r.add(other_proto, kT0).verdict, FragmentVerdict::Incomplete);
    EXPECT_EQ(r.datagrams(), 3u);
    const AddResult db = r.add(piece(b, 1000, 2000, 2), kT0);
    ASSERT_EQ(db.verdict, FragmentVerdict::Complete);
    EXPECT_EQ(bytes_of(db.payload), b);
    const AddResult da = r.add(piece(a, 1000, 2000, 1), kT0);
    ASSERT_EQ(da.verdict, FragmentVerdict::Complete);
    EXPECT_EQ(bytes_of(da.payload), a);
}

TEST(Reassembly, NonFinalFragmentNotAMultipleOfEightIsInvalid) {
    // RFC 8200 §4.5: "not a multiple of 8 octets and the M flag ... is 1 ... must be discarded".
    Reassembler r(ReassemblyConfig::ipv6());
    const auto whole = pattern(100);
    EXPECT_EQ(r.add(piece(whole, 0, 13), kT0).verdict, FragmentVerdict::Invalid);
    EXPECT_EQ(r.datagrams(), 0u);
}

TEST(Reassembly, EmptyFragmentIsInvalid) {
    Reassembler r(ReassemblyConfig::ipv4());
    const auto whole = pattern(100);
    EXPECT_EQ(r.add(piece(whole, 40, 40), kT0).verdict, FragmentVerdict::Invalid);
}

TEST(Reassembly, FragmentEndingPast65535IsRejected) {
    // RFC 791 §3.1: total length is 16 bits; with a 20-byte header the data ends by 65515.
    Reassembler r(ReassemblyConfig::ipv4());
    std::vector<std::uint8_t> tail(100, 1);
    Fragment f;
    f.key = key();
    f.offset = 65512 - 96;  // ends at 65516
    f.more = false;
    f.data = Bytes(tail).first(100);
    f.max_end = 65535 - 20;
    EXPECT_EQ(r.add(f, kT0).verdict, FragmentVerdict::Invalid);
    f.data = Bytes(tail).first(99);  // ends at 65515: allowed
    EXPECT_EQ(r.add(f, kT0).verdict, FragmentVerdict::Incomplete);
}

TEST(Reassembly, DataBeyondTheLastFragmentsEndDiscardsTheDatagram) {
    Reassembler r(ReassemblyConfig::ipv4());
    const auto whole = pattern(3000);
    r.add(piece(whole, 2000, 3000), kT0);  // the end is 3000
    EXPECT_EQ(r.add(piece(pattern(4000), 2000, 3200), kT0).verdict, FragmentVerdict::Invalid);
    EXPECT_EQ(r.add(piece(whole, 0, 1000), kT0).verdict, FragmentVerdict::Discarded);
}

TEST(Reassembly, TwoLastFragmentsThatDisagreeDiscardTheDatagram) {
    Reassembler r(ReassemblyConfig::ipv4());
    const auto whole = pattern(3000);
    r.add(piece(whole, 2000, 3000), kT0);
    Fragment shorter = piece(whole, 2000, 2500);
    shorter.more = false;
    EXPECT_EQ(r.add(shorter, kT0).verdict, FragmentVerdict::Invalid);
    EXPECT_EQ(r.counters().invalid, 1u);
}

TEST(Reassembly, MemoryLimitEvictsTheOldestDatagram) {
    ReassemblyConfig c = ReassemblyConfig::ipv4();
    c.memory_limit = 5000;
    Reassembler r(c);
    const auto whole = pattern(4000);
    r.add(piece(whole, 0, 2000, 1), kT0);
    r.add(piece(whole, 0, 2000, 2), kT0 + Duration::micros(1));
    EXPECT_EQ(r.datagrams(), 2u);
    EXPECT_EQ(r.counters().evicted, 0u);
    // Datagram 2 grows past the limit: datagram 1, the oldest, goes.
    EXPECT_EQ(r.add(piece(whole, 2000, 3000, 2), kT0 + Duration::micros(2)).verdict,
              FragmentVerdict::Incomplete);
    EXPECT_EQ(r.datagrams(), 1u);
    EXPECT_EQ(r.counters().evicted, 1u);
    EXPECT_LE(r.memory_used(), c.memory_limit);
    // Datagram 1 starts over, and in turn pushes datagram 2 out.
    EXPECT_EQ(r.add(piece(whole, 2000, 4000, 1), kT0).verdict, FragmentVerdict::Incomplete);
    EXPECT_EQ(r.counters().evicted, 2u);
    EXPECT_EQ(r.add(piece(whole, 3000, 4000, 2), kT0).verdict, FragmentVerdict::Incomplete);
    EXPECT_EQ(r.counters().reassembled, 0u);
    EXPECT_LE(r.memory_used(), c.memory_limit);
}

TEST(Reassembly, DatagramLargerThanTheMemoryLimitIsRefused) {
    ReassemblyConfig c = ReassemblyConfig::ipv4();
    c.memory_limit = 2000;
    Reassembler r(c);
    const auto whole = pattern(8000);
    EXPECT_EQ(r.add(piece(whole, 0, 4000), kT0).verdict, FragmentVerdict::NoMemory);
    EXPECT_EQ(r.datagrams(), 0u);
    EXPECT_EQ(r.memory_used(), 0u);
}

TEST(Reassembly, DatagramCountLimitEvictsTheOldest) {
    ReassemblyConfig c = ReassemblyConfig::ipv4();
    c.max_datagrams = 2;
    Reassembler r(c);
    const auto whole = pattern(2000);
    r.add(piece(whole, 0, 1000, 1), kT0);
    r.add(piece(whole, 0, 1000, 2), kT0);
    r.add(piece(whole, 0, 1000, 3), kT0);
    EXPECT_EQ(r.datagrams(), 2u);
    EXPECT_EQ(r.counters().evicted, 1u);
    EXPECT_EQ(r.add(piece(whole, 1000, 2000, 3), kT0).verdict, FragmentVerdict::Complete);
    EXPECT_EQ(r.add(piece(whole, 1000, 2000, 2), kT0).verdict, FragmentVerdict::Complete);
    EXPECT_EQ(r.add(piece(whole, 1000, 2000, 1), kT0).verdict, FragmentVerdict::Incomplete);
}

TEST(Reassembly, ProtocolComesFromTheOffsetZeroFragment) {
    // RFC 8200 §4.5: "Only the value from the Offset zero fragment packet is used".
    Reassembler r(ReassemblyConfig::ipv6());
    const auto whole = pattern(2000);
    Fragment second = piece(whole, 1000, 2000);
    second.protocol = 17;
    Fragment first = piece(whole, 0, 1000);
    first.protocol = 58;
    r.add(second, kT0);
    const AddResult done = r.add(first, kT0);
    ASSERT_EQ(done.verdict, FragmentVerdict::Complete);
    EXPECT_EQ(done.protocol, 58);
}

}  // namespace
}  // namespace ustack::stack
