// RingBuffer: the send and receive buffers.
#include "tcp/ring_buffer.h"

#include <gtest/gtest.h>

#include <numeric>
#include <string>
#include <vector>

namespace ustack::tcp {
namespace {

Bytes bytes_of(const std::string& s) {
    return Bytes(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
}

std::string str(Bytes b) {
    return std::string(b.begin(), b.end());
}

std::string str(const SpanPair<Bytes>& p) {
    return str(p.first) + str(p.second);
}

std::string drain(RingBuffer& r) {
    std::vector<std::uint8_t> out(r.size());
    const std::size_t n = r.dequeue(out);
    return std::string(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(n));
}

TEST(RingBuffer, EnqueueThenDequeueRoundTrips) {
    RingBuffer r(16);
    EXPECT_EQ(r.capacity(), 16u);
    EXPECT_EQ(r.enqueue(bytes_of("hello")), 5u);
    EXPECT_EQ(r.size(), 5u);
    EXPECT_EQ(r.free(), 11u);
    EXPECT_EQ(drain(r), "hello");
    EXPECT_TRUE(r.empty());
}

TEST(RingBuffer, EnqueueStopsWhenFull) {
    RingBuffer r(8);
    EXPECT_EQ(r.enqueue(bytes_of("0123456789")), 8u);
    EXPECT_TRUE(r.full());
    EXPECT_EQ(r.enqueue(bytes_of("x")), 0u);
    EXPECT_EQ(drain(r), "01234567");
}

TEST(RingBuffer, WrapsAroundTheEndOfStorage) {
    RingBuffer r(8);
    ASSERT_EQ(r.enqueue(bytes_of("abcdef")), 6u);
    EXPECT_EQ(r.consume(5), 5u);
    // Front at index 5: "f" then 7 more bytes wrap to the start of storage.
    EXPECT_EQ(r.enqueue(bytes_of("ghijklm")), 7u);
    EXPECT_TRUE(r.full());
    EXPECT_EQ(drain(r), "fghijklm");
}

TEST(RingBuffer, PeekAcrossTheWrapGivesTwoSpans) {
    RingBuffer r(8);
    ASSERT_EQ(r.enqueue(bytes_of("xxxxxx")), 6u);
    r.consume(6);
    ASSERT_EQ(r.enqueue(bytes_of("ABCDEFG")), 7u);  // stored at 6,7 then 0..4
    const auto all = r.peek(0, 100);
    EXPECT_EQ(str(all.first), "AB");
    EXPECT_EQ(str(all.second), "CDEFG");
    EXPECT_EQ(all.size(), 7u);
    const auto mid = r.peek(1, 3);
    EXPECT_EQ(str(mid.first), "B");
    EXPECT_EQ(str(mid.second), "CD");
    const auto after_wrap = r.peek(3, 2);
    EXPECT_EQ(str(after_wrap.first), "DE");
    EXPECT_TRUE(after_wrap.second.empty());
    // Peeking does not consume.
    EXPECT_EQ(r.size(), 7u);
}

TEST(RingBuffer, PeekIsClampedToCommittedBytes) {
    RingBuffer r(8);
    r.enqueue(bytes_of("abc"));
    EXPECT_EQ(str(r.peek(1, 10)), "bc");
    EXPECT_TRUE(r.peek(3, 1).empty());
    EXPECT_TRUE(r.peek(50, 1).empty());
}

TEST(RingBuffer, WriteAtBeyondTheEdgeIsInvisibleUntilCommitted) {
    RingBuffer r(16);
    r.enqueue(bytes_of("abc"));
    // Out of order: 3 bytes after a 2-byte hole.
    EXPECT_EQ(r.write_at(2, bytes_of("fgh")), 3u);
    EXPECT_EQ(r.size(), 3u);
    EXPECT_EQ(str(r.peek(0, 100)), "abc");
    // The hole arrives; now 5 bytes are contiguous.
    EXPECT_EQ(r.write_at(0, bytes_of("de")), 2u);
    EXPECT_EQ(r.commit(5), 5u);
    EXPECT_EQ(drain(r), "abcdefgh");
}

TEST(RingBuffer, WriteAtAcrossTheWrapThenCommit) {
    RingBuffer r(8);
    r.enqueue(bytes_of("123456"));
    r.consume(5);                                   // front at index 5, "6" committed
    EXPECT_EQ(r.write_at(1, bytes_of("89A")), 3u);  // indices 7, 0, 1
    EXPECT_EQ(r.write_at(0, bytes_of("7")), 1u);    // index 6
    EXPECT_EQ(r.commit(4), 4u);
    const auto p = r.peek(0, 8);
    EXPECT_EQ(str(p.first), "678");
    EXPECT_EQ(str(p.second), "9A");
}

TEST(RingBuffer, WriteAtDropsWhatDoesNotFit) {
    RingBuffer r(8);
    r.enqueue(bytes_of("abcd"));
    EXPECT_EQ(r.write_at(2, bytes_of("xyzw")), 2u);
    EXPECT_EQ(r.write_at(4, bytes_of("q")), 0u);
    EXPECT_EQ(r.commit(100), 4u);
    EXPECT_TRUE(r.full());
}

TEST(RingBuffer, OutOfOrderDataSurvivesTheReaderEmptyingTheRing) {
    RingBuffer r(8);
    r.enqueue(bytes_of("abc"));
    r.write_at(2, bytes_of("Z"));
    EXPECT_EQ(drain(r), "abc");
    r.write_at(0, bytes_of("XY"));
    r.commit(3);
    EXPECT_EQ(drain(r), "XYZ");
}

TEST(RingBuffer, ConsumeAndCommitClamp) {
    RingBuffer r(4);
    r.enqueue(bytes_of("ab"));
    EXPECT_EQ(r.consume(10), 2u);
    EXPECT_TRUE(r.empty());
    EXPECT_EQ(r.commit(10), 4u);
    EXPECT_EQ(r.free(), 0u);
}

TEST(RingBuffer, FreeSpansCanBeFilledInPlace) {
    RingBuffer r(8);
    r.enqueue(bytes_of("abcdef"));
    r.consume(4);  // "ef" at 4,5; free space starts at index 6 and wraps
    const auto spans = r.free_spans(0, 5);
    ASSERT_EQ(spans.first.size(), 2u);
    ASSERT_EQ(spans.second.size(), 3u);
    const std::string src = "ghijk";
    std::copy(src.begin(), src.begin() + 2, spans.first.begin());
    std::copy(src.begin() + 2, src.end(), spans.second.begin());
    r.commit(5);
    EXPECT_EQ(drain(r), "efghijk");
}

TEST(RingBuffer, ResizeUpwardKeepsCommittedAndOutOfOrderBytes) {
    RingBuffer r(8);
    r.enqueue(bytes_of("xxxxx"));
    r.consume(5);
    r.enqueue(bytes_of("abcd"));    // wraps: 5,6,7,0
    r.write_at(1, bytes_of("fg"));  // 2, 3 (after the hole at index 1)
    EXPECT_TRUE(r.resize(32));
    EXPECT_EQ(r.capacity(), 32u);
    EXPECT_EQ(r.free(), 28u);
    r.write_at(0, bytes_of("e"));
    r.commit(3);
    EXPECT_EQ(r.enqueue(bytes_of("h")), 1u);
    EXPECT_EQ(drain(r), "abcdefgh");
}

// The storage comes with the first write: a ring grown before it (auto-tuning of a connection
// that has received nothing yet) holds the new capacity from its first byte, and one cleared or
// read before any write has nothing to show.
TEST(RingBuffer, ResizedBeforeTheFirstWriteHoldsTheNewCapacity) {
    RingBuffer r(4);
    EXPECT_TRUE(r.empty());
    EXPECT_TRUE(r.peek(0, 4).first.empty());
    std::vector<std::uint8_t> out(4);
    EXPECT_EQ(r.dequeue(out), 0u);
    r.clear();
    EXPECT_TRUE(r.free_spans(0, 0).first.empty());
    ASSERT_TRUE(r.resize(10));
    EXPECT_EQ(r.capacity(), 10u);
    EXPECT_EQ(r.free(), 10u);
    EXPECT_EQ(r.enqueue(bytes_of("0123456789abc")), 10u);
    EXPECT_EQ(drain(r), "0123456789");
    EXPECT_EQ(r.write_at(2, bytes_of("xy")), 2u);
    EXPECT_EQ(r.enqueue(bytes_of("ab")), 2u);
    EXPECT_EQ(r.commit(2), 2u);
    EXPECT_EQ(drain(r), "abxy");
}

TEST(RingBuffer, ResizeRefusesToShrink) {
    RingBuffer r(16);
    r.enqueue(bytes_of("abc"));
    EXPECT_FALSE(r.resize(8));
    EXPECT_EQ(r.capacity(), 16u);
    EXPECT_EQ(drain(r), "abc");
}

TEST(RingBuffer, ZeroCapacityAcceptsNothing) {
    RingBuffer r;
    EXPECT_EQ(r.enqueue(bytes_of("a")), 0u);
    EXPECT_EQ(r.write_at(0, bytes_of("a")), 0u);
    EXPECT_TRUE(r.peek(0, 1).empty());
    EXPECT_TRUE(r.resize(4));
    EXPECT_EQ(r.enqueue(bytes_of("abcde")), 4u);
}

TEST(RingBuffer, ManyWrapsKeepByteOrder) {
    RingBuffer r(7);  // not a power of two
    std::vector<std::uint8_t> in(1000);
    std::iota(in.begin(), in.end(), std::uint8_t{0});
    std::vector<std::uint8_t> out;
    std::size_t pos = 0;
    std::uint8_t buf[5];
    while (out.size() < in.size()) {
        pos += r.enqueue(Bytes(in).subspan(pos, std::min<std::size_t>(3, in.size() - pos)));
        const std::size_t n = r.dequeue(MutBytes(buf, 2));
        out.insert(out.end(), buf, buf + n);
    }
    EXPECT_EQ(out, in);
}

TEST(RingBuffer, MoveTakesTheBytesAndLeavesAnEmptyRing) {
    RingBuffer a(8);
    EXPECT_EQ(a.enqueue(bytes_of("abc")), 3u);
    RingBuffer b = std::move(a);
    EXPECT_EQ(b.capacity(), 8u);
    EXPECT_EQ(drain(b), "abc");
    EXPECT_EQ(a.capacity(), 0u);  // NOLINT(bugprone-use-after-move): the moved-from state is API
    EXPECT_EQ(a.free(), 0u);
    EXPECT_EQ(a.enqueue(bytes_of("x")), 0u);
    EXPECT_TRUE(a.peek(0, 1).empty());
}

}  // namespace
}  // namespace ustack::tcp
