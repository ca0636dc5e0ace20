#include "base/checksum.h"

#include <algorithm>
#include <array>
#include <vector>

#include <gtest/gtest.h>

namespace ustack {
namespace {

// A plain 16-bit reference sum, written the slow way, to check the word-at-a-time loop against.
std::uint16_t reference_checksum(Bytes b) {
    std::uint64_t sum = 0;
    for (std::size_t i = 0; i + 1 < b.size(); i += 2)
        sum += (b[i] << 8) | b[i + 1];
    if (b.size() % 2) sum += b.back() << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<std::uint16_t>(~sum);
}

TEST(Checksum, Rfc1071Example) {
    // RFC 1071 §3: the bytes 00 01 f2 03 f4 f5 f6 f7 sum to 0xddf2.
    const std::array<std::uint8_t, 8> b{0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
    EXPECT_EQ(Checksum{}.add(b).folded(), 0xddf2);
    EXPECT_EQ(internet_checksum(b), 0x220d);
}

TEST(Checksum, MatchesReferenceForEveryLengthAndOddTail) {
    std::vector<std::uint8_t> data(301);
    for (std::size_t i = 0; i < data.size(); ++i)
        data[i] = static_cast<std::uint8_t>(i * 37 + 11);
    for (std::size_t n = 0; n <= data.size(); ++n) {
        Bytes b{data.data(), n};
        ASSERT_EQ(internet_checksum(b), reference_checksum(b)) << "length " << n;
    }
}

TEST(Checksum, MatchesReferenceOnMaximumSizeAllOnesAndUnalignedStarts) {
    // All-ones words carry on every add: the wide machine-order loop must not lose any.
    std::vector<std::uint8_t> ones(65535 + 8, 0xff);
    for (std::size_t start = 0; start < 8; ++start) {
        Bytes b{ones.data() + start, 65535};
        ASSERT_EQ(internet_checksum(b), reference_checksum(b)) << "start " << start;
    }
    std::vector<std::uint8_t> data(9000);
    for (std::size_t i = 0; i < data.size(); ++i)
        data[i] = static_cast<std::uint8_t>(i * 131 + 7);
    for (std::size_t start = 0; start < 8; ++start) {
        Bytes b{data.data() + start, data.size() - start};
        ASSERT_EQ(internet_checksum(b), reference_checksum(b)) << "start " << start;
    }
}

// Bytes that make every word different, so a word summed twice, skipped or put in the wrong half
// changes the result.
std::vector<std::uint8_t> varied(std::size_t n) {
    std::vector<std::uint8_t> data(n);
    for (std::size_t i = 0; i < n; ++i)
        data[i] = static_cast<std::uint8_t>(i * 37 + 11 + (i >> 8));
    return data;
}

TEST(Checksum, MatchesReferenceForEveryLengthAtEveryAlignment) {
    // Lengths across the 16-byte vector steps, the 64-byte loop step and the scalar tail, from
    // every start address modulo the vector size.
    const std::vector<std::uint8_t> data = varied(600);
    for (std::size_t start = 0; start < 16; ++start) {
        for (std::size_t n = 0; n + start <= 560; ++n) {
            Bytes b{data.data() + start, n};
            ASSERT_EQ(internet_checksum(b), reference_checksum(b))
                << "start " << start << " length " << n;
        }
    }
}

TEST(Checksum, ShortPiecesOfAllOnesMatchReference) {
    // Headers (up to 64 bytes) take a scalar path of their own: all-ones words carry on every
    // add there too, at every length and start.
    const std::vector<std::uint8_t> ones(80, 0xff);
    for (std::size_t start = 0; start < 8; ++start) {
        for (std::size_t n = 0; n <= 70; ++n) {
            Bytes b{ones.data() + start, n};
            ASSERT_EQ(internet_checksum(b), reference_checksum(b))
                << "start " << start << " length " << n;
        }
    }
}

TEST(Checksum, FoldsLargeRunningSumsExactly) {
    // Many whole-word adds (pseudo-header fields) build a sum far above 32 bits before it is
    // folded; the fold must carry every bit round as the slow loop does.
    for (std::uint32_t step : {0xffffffffu, 0xfffe0001u, 0x12345678u, 0x0000ffffu}) {
        Checksum c;
        std::uint64_t slow = 0;
        for (std::uint32_t i = 0; i < 70000; ++i) {
            const std::uint32_t v = step - i * 2654435761u;
            c.add32(v);
            slow += (v >> 16) + (v & 0xffff);
        }
        while (slow >> 16)
            slow = (slow & 0xffff) + (slow >> 16);
        EXPECT_EQ(c.folded(), slow) << std::hex << step;
    }
    // 65538 x 0xffff + 1 = 0x1'0000'ffff: folding it takes three end-around carries (0x1ffff,
    // then 0x10000, then 1), where stopping after two would give 0.
    Checksum c;
    for (int i = 0; i < 65538; ++i)
        c.add16(0xffff);
    c.add16(1);
    EXPECT_EQ(c.folded(), 1);
}

TEST(Checksum, LongerThanOneAccumulationBlock) {
    // The lanes are added up per 64 KiB block: all-ones words across several blocks, and a length
    // that leaves a partial block and an odd tail.
    const std::vector<std::uint8_t> ones(200001, 0xff);
    for (std::size_t n : {65536u, 65552u, 131072u, 200001u}) {
        Bytes b{ones.data(), n};
        ASSERT_EQ(internet_checksum(b), reference_checksum(b)) << "length " << n;
    }
    const std::vector<std::uint8_t> data = varied(200001);
    for (std::size_t n : {65535u, 65536u, 65537u, 131089u, 200001u}) {
        Bytes b{data.data() + 1, n - 1};
        ASSERT_EQ(internet_checksum(b), reference_checksum(b)) << "length " << n - 1;
    }
}

TEST(Checksum, WordsAtTheSignBoundaryMatchReference) {
    // The x86 loop flips each word's top bit and sums the words as signed values: words on either
    // side of 0x8000, and the extremes, in long runs (several blocks) and mixed, at every start
    // modulo 32 and with odd lengths, summed alone and while copied.
    const std::array<std::array<std::uint8_t, 4>, 5> patterns{{{0x7f, 0xff, 0x80, 0x00},
                                                               {0x80, 0x00, 0x80, 0x00},
                                                               {0x7f, 0xff, 0x7f, 0xff},
                                                               {0xff, 0xff, 0x00, 0x00},
                                                               {0x80, 0x01, 0xff, 0xfe}}};
    for (const auto& pattern : patterns) {
        std::vector<std::uint8_t> data(140000);
        for (std::size_t i = 0; i < data.size(); ++i)
            data[i] = pattern[i % 4];
        for (std::size_t start = 0; start < 32; start += 3) {
            for (std::size_t n : {31u, 32u, 33u, 127u, 128u, 129u, 1448u, 65537u, 139000u}) {
                const Bytes b{data.data() + start, n};
                ASSERT_EQ(internet_checksum(b), reference_checksum(b))
                    << "start " << start << " length " << n;
                std::vector<std::uint8_t> out(n);
                ASSERT_EQ(Checksum{}.add_copy(b, out).finish(), reference_checksum(b))
                    << "copy, start " << start << " length " << n;
                ASSERT_TRUE(std::equal(b.begin(), b.end(), out.begin()));
            }
        }
    }
}

TEST(Checksum, AddCopyOfLongAllOnesAtOddAlignments) {
    // All-ones words give every lane its largest value: summed while copied, over several
    // accumulation blocks, from odd starts to a destination at another offset.
    const std::vector<std::uint8_t> ones(200064, 0xff);
    for (std::size_t start : {0u, 1u, 3u, 17u, 31u}) {
        for (std::size_t n : {65535u, 65536u, 131073u, 200001u}) {
            const Bytes from{ones.data() + start, n};
            std::vector<std::uint8_t> out(n + 5, 0);
            const MutBytes to{out.data() + 5, n};
            ASSERT_EQ(Checksum{}.add_copy(from, to).finish(), reference_checksum(from))
                << "start " << start << " length " << n;
            ASSERT_TRUE(
                std::all_of(to.begin(), to.end(), [](std::uint8_t x) { return x == 0xff; }));
        }
    }
}

TEST(Checksum, NonzeroWordsThatCancelFoldToAllOnesNeverZero) {
    // One's-complement arithmetic has two zeros: a sum of nonzero words that cancels is 0xffff
    // (its checksum field 0x0000), and only a sum of nothing but zero words is 0.
    const std::array<std::uint8_t, 4> cancel{0x00, 0x01, 0xff, 0xfe};
    EXPECT_EQ(Checksum{}.add(cancel).folded(), 0xffff);
    const std::vector<std::uint8_t> ones(1500, 0xff);
    EXPECT_EQ(Checksum{}.add(ones).folded(), 0xffff);
    const std::vector<std::uint8_t> zeros(1500, 0);
    EXPECT_EQ(Checksum{}.add(zeros).folded(), 0);
    EXPECT_EQ(Checksum{}.folded(), 0);
    // The same at an odd offset (the byte-swapped half of the sum).
    const std::array<std::uint8_t, 1> one_zero{0};
    EXPECT_EQ(Checksum{}.add(one_zero).add(cancel).folded(), 0xffff);
}

TEST(Checksum, PiecesOfAnyLengthSumAsTheWhole) {
    // RFC 1071 §2(B): a piece that starts at an odd offset is summed byte-swapped. Cutting the
    // bytes in two or three anywhere, odd lengths included, gives the sum of the whole.
    const std::vector<std::uint8_t> data = varied(97);
    const Bytes all{data.data(), data.size()};
    const std::uint16_t whole = reference_checksum(all);
    for (std::size_t cut = 0; cut <= all.size(); ++cut) {
        ASSERT_EQ(Checksum{}.add(all.first(cut)).add(all.subspan(cut)).finish(), whole)
            << "cut " << cut;
        for (std::size_t cut2 = cut; cut2 <= all.size(); cut2 += 7) {
            const Checksum c = Checksum{}
                                   .add(all.first(cut))
                                   .add(all.subspan(cut, cut2 - cut))
                                   .add(all.subspan(cut2));
            ASSERT_EQ(c.finish(), whole) << "cuts " << cut << " " << cut2;
        }
    }
}

TEST(Checksum, AddingARunningSumContinuesWhereTheFirstEnded) {
    // A payload summed on its own (e.g. while copied) joins the header's sum; either part may
    // have an odd length.
    const std::vector<std::uint8_t> data = varied(81);
    const Bytes all{data.data(), data.size()};
    for (std::size_t cut = 0; cut <= all.size(); ++cut) {
        Checksum head;
        head.add(all.first(cut));
        Checksum tail;
        tail.add(all.subspan(cut));
        ASSERT_EQ(head.add(tail).finish(), reference_checksum(all)) << "cut " << cut;
    }
}

TEST(Checksum, AddCopyCopiesExactlyTheBytesAndSumsThem) {
    const std::vector<std::uint8_t> data = varied(1600);
    for (std::size_t start = 0; start < 16; ++start) {
        for (std::size_t n : {0u, 1u, 2u, 3u, 15u, 16u, 17u, 63u, 64u, 65u, 1447u, 1448u, 1460u}) {
            const Bytes from{data.data() + start, n};
            // The destination is offset differently from the source, with guard bytes after it.
            std::vector<std::uint8_t> out(n + 3 + 8, 0xa5);
            const MutBytes to{out.data() + 3, n + 8};
            const std::uint16_t sum = Checksum{}.add_copy(from, to).finish();
            ASSERT_EQ(sum, reference_checksum(from)) << "start " << start << " length " << n;
            ASSERT_TRUE(std::equal(from.begin(), from.end(), to.begin()))
                << "start " << start << " length " << n;
            for (std::size_t i = 0; i < 3; ++i)
                ASSERT_EQ(out[i], 0xa5) << "before, length " << n;
            for (std::size_t i = 3 + n; i < out.size(); ++i)
                ASSERT_EQ(out[i], 0xa5) << "after, length " << n;
        }
    }
}

TEST(Checksum, Ipv4HeaderVerifiesToZero) {
    // A real IPv4 header (checksum 0xb861); summing it with the checksum in place gives 0.
    const std::array<std::uint8_t, 20> h{0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40,
                                         0x00, 0x40, 0x11, 0xb8, 0x61, 0xc0, 0xa8,
                                         0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
    EXPECT_EQ(internet_checksum(h), 0);
    auto zeroed = h;
    zeroed[10] = zeroed[11] = 0;
    EXPECT_EQ(internet_checksum(zeroed), 0xb861);
}

TEST(Checksum, PseudoHeaderV4AddsAddressesProtocolAndLength) {
    const std::array<std::uint8_t, 4> src{10, 0, 0, 1}, dst{10, 0, 0, 2};
    auto c = pseudo_header_v4(src, dst, 6, 20);
    // 0x0a00 + 0x0001 + 0x0a00 + 0x0002 + 0x0006 + 0x0014
    EXPECT_EQ(c.folded(), 0x0a00 + 0x0001 + 0x0a00 + 0x0002 + 0x0006 + 0x0014);
    // The addresses as values give the same sum (the Stack's per-segment form).
    EXPECT_EQ(pseudo_header_v4(0x0a000001u, 0x0a000002u, 6, 20).folded(), c.folded());
}

TEST(Checksum, PseudoHeaderV6UsesThirtyTwoBitLength) {
    std::array<std::uint8_t, 16> src{}, dst{};
    src[15] = 1;
    dst[15] = 2;
    auto c = pseudo_header_v6(src, dst, 58, 0x12345);
    EXPECT_EQ(c.folded(), 1 + 2 + 0x0001 + 0x2345 + 58);
}

TEST(Checksum, IncrementalUpdateMatchesRecompute) {
    // RFC 1624: updating one field must give what a full recompute gives.
    std::array<std::uint8_t, 20> h{0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                                   0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
    std::uint16_t ck = internet_checksum(h);
    for (std::uint16_t ttl_proto : {0x3f11, 0x0111, 0xff06, 0x0000}) {
        std::uint16_t old = load_be16(&h[8]);
        ck = checksum_update16(ck, old, ttl_proto);
        store_be16(&h[8], ttl_proto);
        EXPECT_EQ(ck, internet_checksum(h));
    }
    std::uint32_t old_src = load_be32(&h[12]);
    ck = checksum_update32(ck, old_src, 0x0a000001);
    store_be32(&h[12], 0x0a000001);
    EXPECT_EQ(ck, internet_checksum(h));
}

}  // namespace
}  // namespace ustack
