// TCP options: the checked walker and TcpOptions parse/emit (RFC 9293 §3.1, RFC 7323, RFC 2018).
#include "wire/tcp_options.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <vector>

namespace ustack::wire {
namespace {

namespace k = tcp_option_kind;
using Buf = std::vector<std::uint8_t>;

// Options of a Linux SYN (10.0.1.1.57606 > 10.0.2.1.3001, tests/golden/captures/hello_echo.pcap):
// mss 1460,sackOK,TS val 950354067 ecr 0,nop,wscale 10
constexpr std::uint8_t kLinuxSynOptions[] = {0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08,
                                             0x0a, 0x38, 0xa5, 0x40, 0x93, 0x00, 0x00,
                                             0x00, 0x00, 0x01, 0x03, 0x03, 0x0a};
// Options of a Linux data segment: nop,nop,TS val 950354067 ecr 4218131015
constexpr std::uint8_t kDataOptions[] = {0x01, 0x01, 0x08, 0x0a, 0x38, 0xa5,
                                         0x40, 0x93, 0xfb, 0x6b, 0x92, 0x47};
// nop,nop,TS val 4218131100 ecr 950354100,nop,nop,sack 2
// {0xcd30b000:0xcd30b5a8}{0xcd30c000:0xcd30c5a8}
constexpr std::uint8_t kSackOptions[] = {
    0x01, 0x01, 0x08, 0x0a, 0xfb, 0x6b, 0x92, 0x9c, 0x38, 0xa5, 0x40, 0xb4, 0x01, 0x01, 0x05, 0x12,
    0xcd, 0x30, 0xb0, 0x00, 0xcd, 0x30, 0xb5, 0xa8, 0xcd, 0x30, 0xc0, 0x00, 0xcd, 0x30, 0xc5, 0xa8};
// Windows-style SYN: mss 1460,nop,wscale 8,nop,nop,sackOK
constexpr std::uint8_t kWindowsSynOptions[] = {0x02, 0x04, 0x05, 0xb4, 0x01, 0x03,
                                               0x03, 0x08, 0x01, 0x01, 0x04, 0x02};

std::vector<TcpOption> walk_all(TcpOptionWalker& w) {
    std::vector<TcpOption> out;
    while (auto o = w.next())
        out.push_back(*o);
    return out;
}

Buf emit_to_vector(const TcpOptions& o) {
    Buf out(o.buffer_len(), 0xee);
    EXPECT_TRUE(o.emit(out));
    return out;
}

// --- Walker --------------------------------------------------------------------------------

TEST(TcpOptionWalker, YieldsLinuxSynOptionsInWireOrder) {
    TcpOptionWalker w(kLinuxSynOptions);
    auto opts = walk_all(w);
    ASSERT_EQ(opts.size(), 5u);
    EXPECT_EQ(w.error(), TcpOptionError::None);
    EXPECT_EQ(w.offset(), sizeof kLinuxSynOptions);
    const std::uint8_t kinds[] = {k::kMss, k::kSackPermitted, k::kTimestamps, k::kNop,
                                  k::kWindowScale};
    const std::uint8_t lengths[] = {4, 2, 10, 1, 3};
    const std::size_t offsets[] = {0, 4, 6, 16, 17};
    for (std::size_t i = 0; i < opts.size(); ++i) {
        EXPECT_EQ(opts[i].kind, kinds[i]) << i;
        EXPECT_EQ(opts[i].length, lengths[i]) << i;
        EXPECT_EQ(opts[i].offset, offsets[i]) << i;
        EXPECT_EQ(opts[i].data.size(), lengths[i] >= 2 ? lengths[i] - 2u : 0u) << i;
        EXPECT_TRUE(opts[i].length_ok()) << i;
    }
    EXPECT_EQ(load_be16(opts[0].data.data()), 1460);
    EXPECT_EQ(opts[4].data[0], 10);
    EXPECT_EQ(opts[2].data.data(), kLinuxSynOptions + 8);  // points into the area, no copy
}

TEST(TcpOptionWalker, EmptyAreaYieldsNothing) {
    TcpOptionWalker w(Bytes{});
    EXPECT_FALSE(w.next());
    EXPECT_EQ(w.error(), TcpOptionError::None);
    EXPECT_FALSE(w.saw_eol());
}

TEST(TcpOptionWalker, StopsAfterEolAndExposesPadding) {
    const std::uint8_t area[] = {0x03, 0x03, 0x07, 0x00, 0x02, 0x04, 0x05, 0xb4};
    TcpOptionWalker w(area);
    auto opts = walk_all(w);
    ASSERT_EQ(opts.size(), 2u);
    EXPECT_EQ(opts[1].kind, k::kEol);
    EXPECT_TRUE(w.saw_eol());
    EXPECT_EQ(w.error(), TcpOptionError::None);
    EXPECT_EQ(w.offset(), 4u);
    EXPECT_EQ(w.padding().size(), 4u);
    EXPECT_EQ(w.padding()[0], 0x02);
    EXPECT_FALSE(w.next());  // stays finished
}

TEST(TcpOptionWalker, ReportsMissingLengthByte) {
    const std::uint8_t area[] = {0x01, 0x02};  // NOP, then MSS kind as the last byte
    TcpOptionWalker w(area);
    auto opts = walk_all(w);
    ASSERT_EQ(opts.size(), 1u);
    EXPECT_EQ(w.error(), TcpOptionError::MissingLength);
    EXPECT_EQ(w.offset(), 1u);
}

TEST(TcpOptionWalker, ReportsLengthZeroAsTooSmall) {
    const std::uint8_t area[] = {0x01, 0x01, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00};
    TcpOptionWalker w(area);
    EXPECT_EQ(walk_all(w).size(), 2u);
    EXPECT_EQ(w.error(), TcpOptionError::LengthTooSmall);
    EXPECT_EQ(w.offset(), 2u);
}

TEST(TcpOptionWalker, ReportsLengthOneAsTooSmall) {
    const std::uint8_t area[] = {0x1e, 0x01, 0x00, 0x00};
    TcpOptionWalker w(area);
    EXPECT_TRUE(walk_all(w).empty());
    EXPECT_EQ(w.error(), TcpOptionError::LengthTooSmall);
    EXPECT_EQ(w.offset(), 0u);
}

TEST(TcpOptionWalker, ReportsLengthPastEndOfArea) {
    const std::uint8_t area[] = {0x02, 0x04, 0x05, 0xb4, 0x08, 0x0a, 0x00, 0x00};
    TcpOptionWalker w(area);
    EXPECT_EQ(walk_all(w).size(), 1u);
    EXPECT_EQ(w.error(), TcpOptionError::LengthPastEnd);
    EXPECT_EQ(w.offset(), 4u);
}

TEST(TcpOptionWalker, ReportsTruncatedWhenCaptureEndsInsideDeclaredArea) {
    // Declared 20 bytes (the SYN options) but only 12 captured: cut inside the TS option.
    TcpOptionWalker w(Bytes(kLinuxSynOptions).first(12), sizeof kLinuxSynOptions);
    EXPECT_EQ(walk_all(w).size(), 2u);
    EXPECT_EQ(w.error(), TcpOptionError::Truncated);
    EXPECT_EQ(w.offset(), 6u);
}

TEST(TcpOptionWalker, ReportsTruncatedWhenCaptureEndsBeforeLengthByte) {
    TcpOptionWalker w(Bytes(kLinuxSynOptions).first(7), sizeof kLinuxSynOptions);
    EXPECT_EQ(walk_all(w).size(), 2u);
    EXPECT_EQ(w.error(), TcpOptionError::Truncated);
    EXPECT_EQ(w.offset(), 6u);
}

TEST(TcpOptionWalker, ReportsTruncatedWhenCaptureEndsBetweenOptions) {
    TcpOptionWalker w(Bytes(kLinuxSynOptions).first(16), sizeof kLinuxSynOptions);
    EXPECT_EQ(walk_all(w).size(), 3u);
    EXPECT_EQ(w.error(), TcpOptionError::Truncated);
    EXPECT_EQ(w.offset(), 16u);
}

TEST(TcpOptionWalker, PastDeclaredAreaWinsOverTruncation) {
    // Length 10 at offset 0 of a 4-byte declared area, only 2 bytes captured: the option
    // could never fit, so it is invalid rather than merely cut.
    const std::uint8_t area[] = {0x08, 0x0a};
    TcpOptionWalker w(area, 4);
    EXPECT_FALSE(w.next());
    EXPECT_EQ(w.error(), TcpOptionError::LengthPastEnd);
}

TEST(TcpOptionWalker, IgnoresCapturedBytesBeyondDeclaredLength) {
    TcpOptionWalker w(kLinuxSynOptions, 4);
    auto opts = walk_all(w);
    ASSERT_EQ(opts.size(), 1u);
    EXPECT_EQ(opts[0].kind, k::kMss);
    EXPECT_EQ(w.error(), TcpOptionError::None);
}

TEST(TcpOptionWalker, KeepsUnknownKindsWithTheirBytes) {
    const std::uint8_t area[] = {0x1e, 0x0c, 0x00, 0x81, 0x01, 0x02,
                                 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,  // MPTCP
                                 0x22, 0x06, 0xaa, 0xbb, 0xcc, 0xdd,  // TFO cookie
                                 0xfe, 0x04, 0xf9, 0x89,              // exp, ExID
                                 0x01, 0x01};
    TcpOptionWalker w(area);
    auto opts = walk_all(w);
    ASSERT_EQ(opts.size(), 5u);
    EXPECT_EQ(w.error(), TcpOptionError::None);
    EXPECT_EQ(opts[0].kind, k::kMptcp);
    EXPECT_EQ(opts[0].data.size(), 10u);
    EXPECT_EQ(opts[0].data[0], 0x00);
    EXPECT_EQ(opts[0].data[9], 0x08);
    EXPECT_EQ(opts[1].kind, k::kFastOpen);
    EXPECT_EQ(opts[1].data.size(), 4u);
    EXPECT_EQ(opts[1].data[3], 0xdd);
    EXPECT_EQ(opts[2].kind, k::kExperimental2);
    EXPECT_EQ(load_be16(opts[2].data.data()), 0xf989);
    for (const auto& o : opts)
        EXPECT_TRUE(o.length_ok());
}

TEST(TcpOptionWalker, FlagsWrongLengthForKnownKindAndGoesOn) {
    const std::uint8_t area[] = {0x02, 0x03, 0x05, 0x01, 0x03, 0x03, 0x07, 0x00};
    TcpOptionWalker w(area);
    auto opts = walk_all(w);
    ASSERT_EQ(opts.size(), 4u);
    EXPECT_EQ(opts[0].kind, k::kMss);
    EXPECT_FALSE(opts[0].length_ok());
    EXPECT_EQ(opts[1].kind, k::kNop);
    EXPECT_TRUE(opts[2].length_ok());
    EXPECT_EQ(opts[3].kind, k::kEol);
}

TEST(TcpOptionLength, KnownKindsHaveTheirRfcLengths) {
    EXPECT_TRUE(tcp_option_length_ok(k::kMss, 4));
    EXPECT_FALSE(tcp_option_length_ok(k::kMss, 5));
    EXPECT_TRUE(tcp_option_length_ok(k::kWindowScale, 3));
    EXPECT_FALSE(tcp_option_length_ok(k::kWindowScale, 2));
    EXPECT_TRUE(tcp_option_length_ok(k::kSackPermitted, 2));
    EXPECT_FALSE(tcp_option_length_ok(k::kSackPermitted, 3));
    EXPECT_TRUE(tcp_option_length_ok(k::kTimestamps, 10));
    EXPECT_FALSE(tcp_option_length_ok(k::kTimestamps, 8));
    for (std::uint8_t len : {10, 18, 26, 34})
        EXPECT_TRUE(tcp_option_length_ok(k::kSack, len));
    for (std::uint8_t len : {2, 9, 12, 42})
        EXPECT_FALSE(tcp_option_length_ok(k::kSack, len));
    EXPECT_TRUE(tcp_option_length_ok(k::kMd5Signature, 18));
    EXPECT_FALSE(tcp_option_length_ok(k::kMd5Signature, 16));
    EXPECT_TRUE(tcp_option_length_ok(k::kUserTimeout, 4));
    EXPECT_TRUE(tcp_option_length_ok(k::kMptcp, 2));
    EXPECT_TRUE(tcp_option_length_ok(200, 40));
    EXPECT_FALSE(tcp_option_length_ok(200, 1));
    EXPECT_TRUE(tcp_option_length_ok(k::kNop, 1));
    EXPECT_FALSE(tcp_option_length_ok(k::kEol, 2));
}

// --- TcpOptions::parse -----------------------------------------------------------------------

TEST(TcpOptions, ParsesLinuxSyn) {
    auto o = TcpOptions::parse(kLinuxSynOptions);
    ASSERT_TRUE(o);
    EXPECT_EQ(o->mss, 1460);
    EXPECT_TRUE(o->sack_permitted);
    ASSERT_TRUE(o->timestamps);
    EXPECT_EQ(o->timestamps->tsval, 950354067u);
    EXPECT_EQ(o->timestamps->tsecr, 0u);
    EXPECT_EQ(o->wscale, 10);
    EXPECT_EQ(o->sack_count, 0);
}

TEST(TcpOptions, ParsesWindowsStyleSyn) {
    auto o = TcpOptions::parse(kWindowsSynOptions);
    ASSERT_TRUE(o);
    EXPECT_EQ(o->mss, 1460);
    EXPECT_EQ(o->wscale, 8);
    EXPECT_TRUE(o->sack_permitted);
    EXPECT_FALSE(o->timestamps);
}

TEST(TcpOptions, ParsesDataSegmentTimestamps) {
    auto o = TcpOptions::parse(kDataOptions);
    ASSERT_TRUE(o);
    EXPECT_FALSE(o->mss);
    EXPECT_FALSE(o->wscale);
    EXPECT_FALSE(o->sack_permitted);
    ASSERT_TRUE(o->timestamps);
    EXPECT_EQ(o->timestamps->tsval, 950354067u);
    EXPECT_EQ(o->timestamps->tsecr, 4218131015u);
}

TEST(TcpOptions, ParsesSackBlocks) {
    auto o = TcpOptions::parse(kSackOptions);
    ASSERT_TRUE(o);
    ASSERT_EQ(o->sacks().size(), 2u);
    EXPECT_EQ(o->sacks()[0], (SackBlock{SeqNum(0xcd30b000), SeqNum(0xcd30b5a8)}));
    EXPECT_EQ(o->sacks()[1], (SackBlock{SeqNum(0xcd30c000), SeqNum(0xcd30c5a8)}));
    ASSERT_TRUE(o->timestamps);
    EXPECT_EQ(o->timestamps->tsval, 4218131100u);
}

TEST(TcpOptions, ParsesFourSackBlocks) {
    Buf area = {0x01, 0x01, 0x05, 0x22};
    for (std::uint32_t i = 0; i < 8; ++i) {
        for (int b = 3; b >= 0; --b)
            area.push_back(static_cast<std::uint8_t>((i + 1) >> (8 * b)));
    }
    auto o = TcpOptions::parse(area);
    ASSERT_TRUE(o);
    ASSERT_EQ(o->sack_count, 4);
    EXPECT_EQ(o->sacks()[3], (SackBlock{SeqNum(7), SeqNum(8)}));
}

TEST(TcpOptions, EmptyAreaGivesEmptyOptions) {
    auto o = TcpOptions::parse(Bytes{});
    ASSERT_TRUE(o);
    EXPECT_EQ(*o, TcpOptions{});
}

TEST(TcpOptions, AcceptsEolAndPadding) {
    const std::uint8_t area[] = {0x02, 0x04, 0x02, 0x18, 0x00, 0x00, 0x00, 0x00};
    auto o = TcpOptions::parse(area);
    ASSERT_TRUE(o);
    EXPECT_EQ(o->mss, 536);
}

TEST(TcpOptions, RejectsLengthPastEndOfArea) {
    const std::uint8_t area[] = {0x01, 0x01, 0x08, 0x0a, 0x00, 0x00, 0x00, 0x01};
    EXPECT_FALSE(TcpOptions::parse(area));
}

TEST(TcpOptions, RejectsOptionLengthZero) {
    const std::uint8_t area[] = {0x1e, 0x00, 0x01, 0x01};
    EXPECT_FALSE(TcpOptions::parse(area));
}

TEST(TcpOptions, RejectsOptionLengthOne) {
    const std::uint8_t area[] = {0x02, 0x01, 0x01, 0x01};
    EXPECT_FALSE(TcpOptions::parse(area));
}

TEST(TcpOptions, RejectsMissingLengthByte) {
    const std::uint8_t area[] = {0x01, 0x01, 0x01, 0x03};
    EXPECT_FALSE(TcpOptions::parse(area));
}

TEST(TcpOptions, RejectsWrongLengthForKnownKind) {
    const Buf cases[] = {
        {0x02, 0x03, 0x05, 0x00},                    // MSS length 3
        {0x03, 0x04, 0x07, 0x00},                    // WS length 4
        {0x04, 0x03, 0x00, 0x00},                    // SACK-perm length 3
        {0x08, 0x08, 0, 0, 0, 0, 0, 0},              // TS length 8
        {0x05, 0x0c, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},  // SACK length 12
        {0x05, 0x02, 0x00, 0x00},                    // SACK with no block
    };
    for (const auto& area : cases)
        EXPECT_FALSE(TcpOptions::parse(area)) << int(area[0]);
}

TEST(TcpOptions, IgnoresUnknownKinds) {
    const std::uint8_t area[] = {0x22, 0x06, 0xaa, 0xbb, 0xcc, 0xdd, 0x02, 0x04,
                                 0x05, 0xb4, 0xfe, 0x04, 0xf9, 0x89, 0x01, 0x00};
    auto o = TcpOptions::parse(area);
    ASSERT_TRUE(o);
    TcpOptions want;
    want.mss = 1460;
    EXPECT_EQ(*o, want);
}

TEST(TcpOptions, LaterDuplicateReplacesEarlier) {
    const std::uint8_t area[] = {0x02, 0x04, 0x05, 0xb4, 0x02, 0x04, 0x02, 0x18};
    auto o = TcpOptions::parse(area);
    ASSERT_TRUE(o);
    EXPECT_EQ(o->mss, 536);
}

TEST(TcpOptions, KeepsWindowScaleAbove14Raw) {
    const std::uint8_t area[] = {0x01, 0x03, 0x03, 0x0f};
    auto o = TcpOptions::parse(area);
    ASSERT_TRUE(o);
    EXPECT_EQ(o->wscale, 15);  // RFC 7323 §2.3: the TCB uses 14, the wire value is kept
}

// --- TcpOptions::emit ------------------------------------------------------------------------

TcpOptions linux_syn_options() {
    TcpOptions o;
    o.mss = 1460;
    o.sack_permitted = true;
    o.timestamps = TcpTimestamps{950354067, 0};
    o.wscale = 10;
    return o;
}

TEST(TcpOptions, EmitsLinuxSynOrderByteForByte) {
    const TcpOptions o = linux_syn_options();
    EXPECT_EQ(o.buffer_len(), sizeof kLinuxSynOptions);
    EXPECT_EQ(emit_to_vector(o), Buf(std::begin(kLinuxSynOptions), std::end(kLinuxSynOptions)));
}

TEST(TcpOptions, EmitsNopNopTimestampsOnData) {
    TcpOptions o;
    o.timestamps = TcpTimestamps{950354067, 4218131015};
    EXPECT_EQ(emit_to_vector(o), Buf(std::begin(kDataOptions), std::end(kDataOptions)));
}

TEST(TcpOptions, EmitsNopNopSackBlocksAfterTimestamps) {
    TcpOptions o;
    o.timestamps = TcpTimestamps{4218131100, 950354100};
    ASSERT_TRUE(o.add_sack({SeqNum(0xcd30b000), SeqNum(0xcd30b5a8)}));
    ASSERT_TRUE(o.add_sack({SeqNum(0xcd30c000), SeqNum(0xcd30c5a8)}));
    EXPECT_EQ(emit_to_vector(o), Buf(std::begin(kSackOptions), std::end(kSackOptions)));
}

TEST(TcpOptions, EmitsNopNopSackPermittedWithoutTimestamps) {
    TcpOptions o;
    o.mss = 1460;
    o.sack_permitted = true;
    o.wscale = 7;
    const Buf want = {0x02, 0x04, 0x05, 0xb4, 0x01, 0x01, 0x04, 0x02, 0x01, 0x03, 0x03, 0x07};
    EXPECT_EQ(emit_to_vector(o), want);
}

TEST(TcpOptions, EmptyEmitsNothing) {
    TcpOptions o;
    EXPECT_EQ(o.buffer_len(), 0u);
    Buf out;
    EXPECT_TRUE(o.emit(out));
}

TEST(TcpOptions, FallsBackToPackedLayoutWhenLinuxLayoutTooLong) {
    // sackOK + wscale + 4 SACK blocks: 44 bytes in Linux's layout, 39 packed (+1 EOL).
    TcpOptions o;
    o.sack_permitted = true;
    o.wscale = 2;
    for (std::uint32_t i = 0; i < 4; ++i)
        ASSERT_TRUE(o.add_sack({SeqNum(i), SeqNum(i + 1)}));
    EXPECT_TRUE(o.fits());
    ASSERT_EQ(o.buffer_len(), 40u);
    const Buf out = emit_to_vector(o);
    EXPECT_EQ(out[0], k::kSackPermitted);
    EXPECT_EQ(out[2], k::kWindowScale);
    EXPECT_EQ(out[5], k::kSack);
    EXPECT_EQ(out[6], 34);
    EXPECT_EQ(out[39], k::kEol);
    auto back = TcpOptions::parse(out);
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, o);
}

TEST(TcpOptions, RefusesToEmitWhatCannotFit) {
    TcpOptions o = linux_syn_options();
    for (std::uint32_t i = 0; i < 4; ++i)
        ASSERT_TRUE(o.add_sack({SeqNum(i), SeqNum(i + 1)}));
    EXPECT_FALSE(o.fits());
    EXPECT_GT(o.buffer_len(), kTcpMaxOptionsLen);
    std::array<std::uint8_t, 64> out{};
    EXPECT_FALSE(o.emit(out));
}

TEST(TcpOptions, RefusesShortArea) {
    const TcpOptions o = linux_syn_options();
    std::array<std::uint8_t, 19> out{};
    EXPECT_FALSE(o.emit(out));
}

TEST(TcpOptions, AddSackStopsAtCapacity) {
    TcpOptions o;
    for (std::uint32_t i = 0; i < TcpOptions::kMaxSackBlocks; ++i) {
        EXPECT_TRUE(o.add_sack({SeqNum(i), SeqNum(i + 1)}));
    }
    EXPECT_FALSE(o.add_sack({SeqNum(9), SeqNum(10)}));
    EXPECT_EQ(o.sacks().size(), TcpOptions::kMaxSackBlocks);
}

TEST(TcpOptions, EqualityIgnoresUnusedSackSlots) {
    TcpOptions a;
    TcpOptions b;
    b.sack_blocks[2] = {SeqNum(1), SeqNum(2)};
    EXPECT_EQ(a, b);
    b.add_sack({SeqNum(1), SeqNum(2)});
    EXPECT_NE(a, b);
}

TEST(TcpOptions, RoundTripsEveryCombinationThatFits) {
    int checked = 0;
    for (int mask = 0; mask < 16; ++mask) {
        for (std::uint8_t sacks = 0; sacks <= TcpOptions::kMaxSackBlocks; ++sacks) {
            TcpOptions o;
            if (mask & 1) o.mss = 1200;
            if (mask & 2) o.wscale = 14;
            o.sack_permitted = (mask & 4) != 0;
            if (mask & 8) o.timestamps = TcpTimestamps{0xdeadbeef, 0x01020304};
            for (std::uint32_t i = 0; i < sacks; ++i) {
                o.add_sack({SeqNum(0xfffffff0 + i * 100), SeqNum(0xfffffff0 + i * 100 + 50)});
            }
            if (!o.fits()) continue;
            const Buf out = emit_to_vector(o);
            EXPECT_EQ(out.size() % 4, 0u);
            auto back = TcpOptions::parse(out);
            ASSERT_TRUE(back) << mask << " " << int(sacks);
            EXPECT_EQ(*back, o) << mask << " " << int(sacks);
            ++checked;
        }
    }
    EXPECT_GT(checked, 60);
}

}  // namespace
}  // namespace ustack::wire
