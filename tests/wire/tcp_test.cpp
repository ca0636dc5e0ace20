// TCP header: TcpFlags, TcpView (both checking levels), checksums and TcpRepr (RFC 9293 §3.1).
#include "wire/tcp.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

#include "base/checksum.h"

namespace ustack::wire {
namespace {

using Buf = std::vector<std::uint8_t>;

constexpr std::uint8_t kHostA[] = {10, 0, 1, 1};
constexpr std::uint8_t kHostB[] = {10, 0, 2, 1};

// Real Linux segments from tests/golden/captures/hello_echo.pcap (TCP bytes only).
// 10.0.1.1.57606 > 10.0.2.1.3001: Flags [S], cksum 0x6714, seq 144334948, win 64240,
// options [mss 1460,sackOK,TS val 950354067 ecr 0,nop,wscale 10], length 0
constexpr std::uint8_t kLinuxSyn[] = {0xe1, 0x06, 0x0b, 0xb9, 0x08, 0x9a, 0x60, 0x64, 0x00, 0x00,
                                      0x00, 0x00, 0xa0, 0x02, 0xfa, 0xf0, 0x67, 0x14, 0x00, 0x00,
                                      0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0x38, 0xa5,
                                      0x40, 0x93, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x0a};
// 10.0.1.1.57606 > 10.0.2.1.3001: Flags [P.], cksum 0x4938, seq 1:6, ack 1, win 63,
// options [nop,nop,TS val 950354067 ecr 4218131015], length 5 ("hello")
constexpr std::uint8_t kLinuxData[] = {0xe1, 0x06, 0x0b, 0xb9, 0x08, 0x9a, 0x60, 0x65, 0xcd, 0x30,
                                       0xa8, 0x89, 0x80, 0x18, 0x00, 0x3f, 0x49, 0x38, 0x00, 0x00,
                                       0x01, 0x01, 0x08, 0x0a, 0x38, 0xa5, 0x40, 0x93, 0xfb, 0x6b,
                                       0x92, 0x47, 0x68, 0x65, 0x6c, 0x6c, 0x6f};
// 10.0.2.1.3001 > 10.0.1.1.57606: Flags [.], cksum 0x165e (checked by tcpdump -vv), win 64,
// options [nop,nop,TS val 4218131100 ecr 950354100,nop,nop,sack 2 {..}{..}], length 0
constexpr std::uint8_t kSackAck[] = {
    0x0b, 0xb9, 0xe1, 0x06, 0xcd, 0x30, 0xa8, 0x89, 0x08, 0x9a, 0x60, 0x6a, 0xd0,
    0x10, 0x00, 0x40, 0x16, 0x5e, 0x00, 0x00, 0x01, 0x01, 0x08, 0x0a, 0xfb, 0x6b,
    0x92, 0x9c, 0x38, 0xa5, 0x40, 0xb4, 0x01, 0x01, 0x05, 0x12, 0xcd, 0x30, 0xb0,
    0x00, 0xcd, 0x30, 0xb5, 0xa8, 0xcd, 0x30, 0xc0, 0x00, 0xcd, 0x30, 0xc5, 0xa8};
// tests/golden/captures/ipv6.pcap: fd00:2::1.40008 > fd00:1::1.47958: Flags [S.],
// cksum 0xcd40, seq 2537487031, ack 3032504886, win 64260, options [mss 1440,sackOK,TS val
// 2742644932 ecr 3873542664,nop,wscale 10]
constexpr std::uint8_t kV6SynAck[] = {0x9c, 0x48, 0xbb, 0x56, 0x97, 0x3e, 0xfa, 0xb7, 0xb4, 0xc0,
                                      0x5a, 0x36, 0xa0, 0x12, 0xfb, 0x04, 0xcd, 0x40, 0x00, 0x00,
                                      0x02, 0x04, 0x05, 0xa0, 0x04, 0x02, 0x08, 0x0a, 0xa3, 0x79,
                                      0x70, 0xc4, 0xe6, 0xe1, 0x92, 0x08, 0x01, 0x03, 0x03, 0x0a};
constexpr std::uint8_t kV6Host1[] = {0xfd, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
constexpr std::uint8_t kV6Host2[] = {0xfd, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};

Checksum pseudo_ab(std::size_t len) {
    return pseudo_header_v4(kHostA, kHostB, kIpProtoTcp, len);
}
Checksum pseudo_ba(std::size_t len) {
    return pseudo_header_v4(kHostB, kHostA, kIpProtoTcp, len);
}

Buf copy_of(Bytes b) {
    return Buf(b.begin(), b.end());
}

TcpView<Bytes> view_of(Bytes b) {
    auto v = TcpView<Bytes>::checked(b);
    EXPECT_TRUE(v);
    return *v;
}

std::optional<TcpRepr> parse_ab(Bytes b) {
    auto v = TcpView<Bytes>::checked_fixed_header(b);
    if (!v) return std::nullopt;
    return TcpRepr::parse(*v, pseudo_ab(b.size()), true);
}

// Emits into a buffer pre-filled with 0xa5 so that unwritten bytes would show.
Buf emit_repr(const TcpRepr& r, const Checksum& pseudo) {
    Buf out(r.buffer_len(), 0xa5);
    auto v = TcpView<MutBytes>::checked_fixed_header(out);
    EXPECT_TRUE(v);
    EXPECT_TRUE(r.emit(*v, pseudo));
    return out;
}

void expect_same(const TcpRepr& a, const TcpRepr& b) {
    EXPECT_EQ(a.src_port, b.src_port);
    EXPECT_EQ(a.dst_port, b.dst_port);
    EXPECT_EQ(a.control, b.control);
    EXPECT_EQ(a.psh, b.psh);
    EXPECT_EQ(a.seq, b.seq);
    EXPECT_EQ(a.ack, b.ack);
    EXPECT_EQ(a.window, b.window);
    EXPECT_EQ(a.urgent, b.urgent);
    EXPECT_EQ(a.ece, b.ece);
    EXPECT_EQ(a.cwr, b.cwr);
    EXPECT_EQ(a.ae, b.ae);
    EXPECT_EQ(a.options, b.options);
    EXPECT_TRUE(std::equal(a.payload.begin(), a.payload.end(), b.payload.begin(), b.payload.end()));
}

// --- TcpFlags --------------------------------------------------------------------------------

TEST(TcpRepr, StaysSmall) {
    // Every segment received is parsed into a TcpRepr and every segment sent is built as one:
    // its fields are ordered so that none pads another (see tcp.h). 144 bytes before.
    if constexpr (sizeof(void*) == 8) {
        EXPECT_LE(sizeof(TcpOptions), 52u);
        EXPECT_LE(sizeof(TcpRepr), 120u);
    }
}

TEST(TcpFlags, BitsSitWhereRfc9293AndRfc9768PutThem) {
    const TcpFlags f(0x0fff);
    EXPECT_TRUE(f.fin() && f.syn() && f.rst() && f.psh() && f.ack() && f.urg());
    EXPECT_TRUE(f.ece() && f.cwr() && f.ae());
    EXPECT_EQ(f.reserved(), 7);
    EXPECT_EQ(TcpFlags(0x100).bits(), TcpFlags::kAe);
    EXPECT_TRUE(TcpFlags(0x100).ae());
    EXPECT_FALSE(TcpFlags(0x100).cwr());
    EXPECT_TRUE(TcpFlags(0x080).cwr());
    EXPECT_TRUE(TcpFlags(0x040).ece());
    EXPECT_TRUE(TcpFlags(0x020).urg());
    EXPECT_EQ(TcpFlags(0x0200).reserved(), 1);
    EXPECT_EQ(TcpFlags(0xf012).bits(), 0x012);  // the data offset nibble is not a flag
}

TEST(TcpFlags, WithSetsAndClearsBits) {
    const TcpFlags f = TcpFlags().with(TcpFlags::kSyn).with(TcpFlags::kAck);
    EXPECT_EQ(f.bits(), 0x012);
    EXPECT_EQ(f.with(TcpFlags::kSyn, false).bits(), 0x010);
    EXPECT_EQ((TcpFlags(TcpFlags::kFin) | TcpFlags(TcpFlags::kAck)).bits(), 0x011);
}

// --- TcpView ---------------------------------------------------------------------------------

TEST(TcpView, RejectsFewerThanTwentyBytesAtBothLevels) {
    for (std::size_t n = 0; n < 20; ++n) {
        const Bytes b = Bytes(kLinuxSyn).first(n);
        EXPECT_FALSE(TcpView<Bytes>::checked_fixed_header(b)) << n;
        EXPECT_FALSE(TcpView<Bytes>::checked(b)) << n;
    }
}

TEST(TcpView, ReadsLinuxSynFields) {
    const auto v = view_of(kLinuxSyn);
    EXPECT_EQ(v.src_port(), 57606);
    EXPECT_EQ(v.dst_port(), 3001);
    EXPECT_EQ(v.seq(), SeqNum(144334948));
    EXPECT_EQ(v.ack(), SeqNum(0));
    EXPECT_EQ(v.data_offset(), 10);
    EXPECT_EQ(v.header_len(), 40u);
    EXPECT_EQ(v.options_len(), 20u);
    EXPECT_EQ(v.flags(), TcpFlags(TcpFlags::kSyn));
    EXPECT_EQ(v.window(), 64240);
    EXPECT_EQ(v.checksum(), 0x6714);
    EXPECT_EQ(v.urgent(), 0);
    EXPECT_EQ(v.options().size(), 20u);
    EXPECT_EQ(v.options().data(), kLinuxSyn + 20);
    EXPECT_TRUE(v.payload().empty());
    EXPECT_TRUE(v.header_complete());
}

TEST(TcpView, PayloadFollowsOptions) {
    const auto v = view_of(kLinuxData);
    EXPECT_EQ(v.header_len(), 32u);
    EXPECT_EQ(v.flags(), TcpFlags(TcpFlags::kPsh | TcpFlags::kAck));
    ASSERT_EQ(v.payload().size(), 5u);
    EXPECT_EQ(v.payload()[0], 'h');
    EXPECT_EQ(v.payload().data(), kLinuxData + 32);
}

TEST(TcpView, DataOffsetBelowFiveOnlyPassesFixedHeaderCheck) {
    Buf seg = copy_of(kLinuxData);
    seg[12] = 0x40 | (seg[12] & 0x0f);  // data offset 4: "bad hdr length 16 - too short, < 20"
    EXPECT_FALSE(TcpView<Bytes>::checked(seg));
    auto v = TcpView<Bytes>::checked_fixed_header(seg);
    ASSERT_TRUE(v);
    EXPECT_EQ(v->header_len(), 16u);
    EXPECT_FALSE(v->header_complete());
    EXPECT_EQ(v->options_len(), 0u);
    EXPECT_TRUE(v->options().empty());
    EXPECT_EQ(v->payload().size(), seg.size() - 20);
    EXPECT_EQ(v->window(), 63);  // raw fields still readable

    seg[12] = 0x00;
    v = TcpView<Bytes>::checked_fixed_header(seg);
    ASSERT_TRUE(v);
    EXPECT_EQ(v->header_len(), 0u);
    EXPECT_TRUE(v->options().empty());
}

TEST(TcpView, DataOffsetPastTheBytesOnlyPassesFixedHeaderCheck) {
    // Snaplen cut the SYN inside its options: 28 of 40 header bytes captured.
    const Bytes cut = Bytes(kLinuxSyn).first(28);
    EXPECT_FALSE(TcpView<Bytes>::checked(cut));
    auto v = TcpView<Bytes>::checked_fixed_header(cut);
    ASSERT_TRUE(v);
    EXPECT_EQ(v->header_len(), 40u);  // declared
    EXPECT_EQ(v->options_len(), 20u);
    EXPECT_EQ(v->options().size(), 8u);  // captured
    EXPECT_TRUE(v->payload().empty());
    EXPECT_FALSE(v->header_complete());

    TcpOptionWalker w(v->options(), v->options_len());
    int n = 0;
    while (w.next())
        ++n;
    EXPECT_EQ(n, 2);
    EXPECT_EQ(w.error(), TcpOptionError::Truncated);
}

TEST(TcpView, MaximumDataOffsetIsSixtyBytes) {
    Buf seg(60, 0x01);  // all NOPs in the options area
    seg[12] = 0xf0;
    auto v = TcpView<Bytes>::checked(seg);
    ASSERT_TRUE(v);
    EXPECT_EQ(v->header_len(), 60u);
    EXPECT_EQ(v->options().size(), 40u);
    EXPECT_FALSE(TcpView<Bytes>::checked(Bytes(seg).first(59)));
}

TEST(TcpView, AeIsTheLowBitOfByteTwelve) {
    Buf seg = copy_of(kLinuxData);
    seg[12] |= 0x01;
    const auto v = view_of(seg);
    EXPECT_TRUE(v.flags().ae());
    EXPECT_EQ(v.data_offset(), 8);
    seg[12] = 0x8e;  // reserved bits
    EXPECT_EQ(view_of(seg).flags().reserved(), 7);
    EXPECT_FALSE(view_of(seg).flags().ae());
}

template <typename V>
concept HasSetters = requires(V v) {
    v.set_window(std::uint16_t{1});
};
static_assert(HasSetters<TcpView<MutBytes>>);
static_assert(!HasSetters<TcpView<Bytes>>);

TEST(TcpView, SettersWriteFieldsAndKeepTheirNeighbours) {
    Buf seg = copy_of(kLinuxData);
    auto v = TcpView<MutBytes>::checked(seg);
    ASSERT_TRUE(v);
    v->set_src_port(1);
    v->set_dst_port(0xfffe);
    v->set_seq(SeqNum(0x01020304));
    v->set_ack(SeqNum(0xa0b0c0d0));
    v->set_window(0x1234);
    v->set_checksum(0xbeef);
    v->set_urgent(0x0102);
    v->set_flags(TcpFlags(TcpFlags::kAe | TcpFlags::kFin));
    EXPECT_EQ(v->data_offset(), 8);  // set_flags kept the data offset
    v->set_data_offset(5);
    EXPECT_EQ(v->flags(), TcpFlags(TcpFlags::kAe | TcpFlags::kFin));  // and the reverse
    const Buf want = {0x00, 0x01, 0xff, 0xfe, 0x01, 0x02, 0x03, 0x04, 0xa0, 0xb0,
                      0xc0, 0xd0, 0x51, 0x01, 0x12, 0x34, 0xbe, 0xef, 0x01, 0x02};
    EXPECT_EQ(Buf(seg.begin(), seg.begin() + 20), want);
    EXPECT_EQ(v->payload().size(), seg.size() - 20);  // options are now payload
}

// --- Checksums -------------------------------------------------------------------------------

TEST(TcpChecksum, VerifiesRealSegments) {
    EXPECT_TRUE(verify_checksum(view_of(kLinuxSyn), pseudo_ab(sizeof kLinuxSyn)));
    EXPECT_TRUE(verify_checksum(view_of(kLinuxData), pseudo_ab(sizeof kLinuxData)));
    EXPECT_TRUE(verify_checksum(view_of(kSackAck), pseudo_ba(sizeof kSackAck)));
    EXPECT_EQ(compute_checksum(view_of(kLinuxSyn), pseudo_ab(sizeof kLinuxSyn)), 0x6714);
    EXPECT_EQ(compute_checksum(view_of(kLinuxData), pseudo_ab(sizeof kLinuxData)), 0x4938);
}

TEST(TcpChecksum, VerifiesIpv6PseudoHeader) {
    const auto ph = pseudo_header_v6(kV6Host2, kV6Host1, kIpProtoTcp, sizeof kV6SynAck);
    EXPECT_TRUE(verify_checksum(view_of(kV6SynAck), ph));
    EXPECT_EQ(compute_checksum(view_of(kV6SynAck), ph), 0xcd40);
    const auto swapped = pseudo_header_v6(kV6Host1, kV6Host1, kIpProtoTcp, sizeof kV6SynAck);
    EXPECT_FALSE(verify_checksum(view_of(kV6SynAck), swapped));
}

TEST(TcpChecksum, DetectsCorruptionAndGivesTheRightValue) {
    Buf seg = copy_of(kLinuxData);
    seg[34] ^= 0x20;  // "heLlo"
    const auto v = view_of(seg);
    EXPECT_FALSE(verify_checksum(v, pseudo_ab(seg.size())));
    const std::uint16_t should_be = compute_checksum(v, pseudo_ab(seg.size()));
    EXPECT_NE(should_be, 0x4938);  // tcpdump: cksum 0x4938 (incorrect -> should_be)
    store_be16(seg.data() + 16, should_be);
    EXPECT_TRUE(verify_checksum(view_of(seg), pseudo_ab(seg.size())));
}

TEST(TcpChecksum, WrongPseudoHeaderFails) {
    EXPECT_FALSE(verify_checksum(view_of(kLinuxSyn), pseudo_ba(sizeof kLinuxSyn + 1)));
    EXPECT_FALSE(verify_checksum(view_of(kLinuxSyn), pseudo_ab(sizeof kLinuxSyn + 2)));
}

TEST(TcpChecksum, AcceptsBothZerosOfOnesComplement) {
    // Make the sum without the checksum all ones, so the right field value is 0x0000; a
    // sender may also write its other representation, 0xffff.
    Buf seg = copy_of(kLinuxSyn);
    store_be16(seg.data() + 18, 0);  // urgent pointer as the free word
    const std::uint16_t c = compute_checksum(view_of(seg), pseudo_ab(seg.size()));
    store_be16(seg.data() + 18, c);
    ASSERT_EQ(compute_checksum(view_of(seg), pseudo_ab(seg.size())), 0x0000);
    store_be16(seg.data() + 16, 0x0000);
    EXPECT_TRUE(verify_checksum(view_of(seg), pseudo_ab(seg.size())));
    store_be16(seg.data() + 16, 0xffff);
    EXPECT_TRUE(verify_checksum(view_of(seg), pseudo_ab(seg.size())));
}

// --- TcpRepr::parse --------------------------------------------------------------------------

TEST(TcpRepr, ParsesLinuxSyn) {
    auto r = parse_ab(kLinuxSyn);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->src_port, 57606);
    EXPECT_EQ(r->dst_port, 3001);
    EXPECT_EQ(r->control, TcpControl::Syn);
    EXPECT_FALSE(r->psh);
    EXPECT_EQ(r->seq, SeqNum(144334948));
    EXPECT_FALSE(r->ack);
    EXPECT_EQ(r->window, 64240);
    EXPECT_FALSE(r->urgent);
    EXPECT_FALSE(r->ece || r->cwr || r->ae);
    EXPECT_EQ(r->options.mss, 1460);
    EXPECT_EQ(r->options.wscale, 10);
    EXPECT_TRUE(r->options.sack_permitted);
    EXPECT_EQ(r->options.timestamps, (TcpTimestamps{950354067, 0}));
    EXPECT_TRUE(r->payload.empty());
    EXPECT_EQ(r->segment_len(), 1u);
}

TEST(TcpRepr, ParsesDataSegment) {
    auto r = parse_ab(kLinuxData);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->control, TcpControl::None);
    EXPECT_TRUE(r->psh);
    EXPECT_EQ(r->seq, SeqNum(144334949));
    EXPECT_EQ(r->ack, SeqNum(3442518153));
    EXPECT_EQ(r->window, 63);
    EXPECT_EQ(r->options.timestamps, (TcpTimestamps{950354067, 4218131015}));
    ASSERT_EQ(r->payload.size(), 5u);
    EXPECT_EQ(r->payload.data(), kLinuxData + 32);
    EXPECT_EQ(r->segment_len(), 5u);
}

TEST(TcpRepr, ParsesSackSegment) {
    auto v = TcpView<Bytes>::checked(kSackAck);
    ASSERT_TRUE(v);
    auto r = TcpRepr::parse(*v, pseudo_ba(sizeof kSackAck), true);
    ASSERT_TRUE(r);
    ASSERT_EQ(r->options.sacks().size(), 2u);
    EXPECT_EQ(r->options.sacks()[1], (SackBlock{SeqNum(0xcd30c000), SeqNum(0xcd30c5a8)}));
    EXPECT_EQ(r->segment_len(), 0u);
}

TEST(TcpRepr, RejectsBadChecksumOnlyWhenVerifying) {
    Buf seg = copy_of(kLinuxData);
    seg[16] ^= 0x01;
    const auto v = view_of(seg);
    EXPECT_FALSE(TcpRepr::parse(v, pseudo_ab(seg.size()), true));
    EXPECT_TRUE(TcpRepr::parse(v, pseudo_ab(seg.size()), false));
    EXPECT_TRUE(TcpRepr::parse(v, Checksum{}, false));
}

// Sets the flag bits and fixes the checksum, so only the flags can make parse fail.
Buf with_flags(Bytes original, std::uint16_t flags) {
    Buf seg = copy_of(original);
    auto v = TcpView<MutBytes>::checked(seg);
    v->set_flags(TcpFlags(flags));
    v->set_checksum(compute_checksum(*v, pseudo_ab(seg.size())));
    return seg;
}

TEST(TcpRepr, RejectsSynWithRst) {
    EXPECT_TRUE(parse_ab(with_flags(kLinuxSyn, TcpFlags::kSyn | TcpFlags::kAck)));
    EXPECT_FALSE(parse_ab(with_flags(kLinuxSyn, TcpFlags::kSyn | TcpFlags::kRst)));
}

TEST(TcpRepr, RejectsSynWithFin) {
    EXPECT_FALSE(parse_ab(with_flags(kLinuxSyn, TcpFlags::kSyn | TcpFlags::kFin)));
    EXPECT_FALSE(parse_ab(with_flags(kLinuxSyn, TcpFlags::kSyn | TcpFlags::kFin | TcpFlags::kAck)));
}

TEST(TcpRepr, RejectsRstWithFin) {
    EXPECT_TRUE(parse_ab(with_flags(kLinuxData, TcpFlags::kFin | TcpFlags::kAck)));
    EXPECT_FALSE(parse_ab(with_flags(kLinuxData, TcpFlags::kRst | TcpFlags::kFin)));
}

TEST(TcpRepr, MapsEachControlFlag) {
    auto fin = parse_ab(with_flags(kLinuxData, TcpFlags::kFin | TcpFlags::kAck));
    ASSERT_TRUE(fin);
    EXPECT_EQ(fin->control, TcpControl::Fin);
    EXPECT_EQ(fin->segment_len(), 6u);
    // RFC 9293 §3.5.3 SHLD-2: an RST may carry data.
    auto rst = parse_ab(with_flags(kLinuxData, TcpFlags::kRst));
    ASSERT_TRUE(rst);
    EXPECT_EQ(rst->control, TcpControl::Rst);
    EXPECT_FALSE(rst->ack);
    EXPECT_EQ(rst->payload.size(), 5u);
}

TEST(TcpRepr, ReadsEceCwrAeAndUrgent) {
    auto r = parse_ab(with_flags(kLinuxData, TcpFlags::kAck | TcpFlags::kEce | TcpFlags::kCwr |
                                                 TcpFlags::kAe | TcpFlags::kUrg));
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->ece);
    EXPECT_TRUE(r->cwr);
    EXPECT_TRUE(r->ae);
    EXPECT_EQ(r->urgent, 0);
}

TEST(TcpRepr, IgnoresReservedBits) {
    auto r = parse_ab(with_flags(kLinuxData, TcpFlags::kReserved | TcpFlags::kAck));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->flags(), TcpFlags(TcpFlags::kAck));
}

TEST(TcpRepr, IgnoresAckFieldWithoutAckAndUrgentWithoutUrg) {
    Buf seg = copy_of(kLinuxSyn);
    store_be32(seg.data() + 8, 0x11223344);
    store_be16(seg.data() + 18, 0x5566);
    auto v = TcpView<MutBytes>::checked(seg);
    v->set_checksum(compute_checksum(*v, pseudo_ab(seg.size())));
    auto r = parse_ab(seg);
    ASSERT_TRUE(r);
    EXPECT_FALSE(r->ack);
    EXPECT_FALSE(r->urgent);
}

TEST(TcpRepr, RejectsDataOffsetBelowFive) {
    Buf seg = copy_of(kLinuxData);
    seg[12] = 0x48;
    auto v = TcpView<Bytes>::checked_fixed_header(seg);
    ASSERT_TRUE(v);
    EXPECT_FALSE(TcpRepr::parse(*v, Checksum{}, false));
}

TEST(TcpRepr, RejectsHeaderPastTheBytes) {
    auto v = TcpView<Bytes>::checked_fixed_header(Bytes(kLinuxSyn).first(39));
    ASSERT_TRUE(v);
    EXPECT_FALSE(TcpRepr::parse(*v, Checksum{}, false));
}

TEST(TcpRepr, RejectsMalformedOptions) {
    Buf seg = copy_of(kLinuxSyn);
    seg[21] = 0;  // MSS option length 0
    EXPECT_FALSE(TcpRepr::parse(view_of(seg), Checksum{}, false));
    seg[21] = 5;  // MSS option length 5
    EXPECT_FALSE(TcpRepr::parse(view_of(seg), Checksum{}, false));
    seg[21] = 4;
    seg[37] = 0x04;  // WS option length 4 runs past the area
    EXPECT_FALSE(TcpRepr::parse(view_of(seg), Checksum{}, false));
    seg[37] = 0x03;
    EXPECT_TRUE(TcpRepr::parse(view_of(seg), Checksum{}, false));
}

// --- TcpRepr::emit ---------------------------------------------------------------------------

TcpRepr linux_syn_repr() {
    TcpRepr r;
    r.src_port = 57606;
    r.dst_port = 3001;
    r.control = TcpControl::Syn;
    r.seq = SeqNum(144334948);
    r.window = 64240;
    r.options.mss = 1460;
    r.options.sack_permitted = true;
    r.options.timestamps = TcpTimestamps{950354067, 0};
    r.options.wscale = 10;
    return r;
}

TEST(TcpRepr, EmitsLinuxSynByteForByte) {
    const TcpRepr r = linux_syn_repr();
    EXPECT_EQ(r.header_len(), 40u);
    EXPECT_EQ(r.buffer_len(), sizeof kLinuxSyn);
    EXPECT_EQ(emit_repr(r, pseudo_ab(r.buffer_len())), copy_of(kLinuxSyn));
}

TEST(TcpRepr, EmitsDataSegmentByteForByte) {
    static constexpr std::uint8_t kHello[] = {'h', 'e', 'l', 'l', 'o'};
    TcpRepr r;
    r.src_port = 57606;
    r.dst_port = 3001;
    r.psh = true;
    r.seq = SeqNum(144334949);
    r.ack = SeqNum(3442518153);
    r.window = 63;
    r.options.timestamps = TcpTimestamps{950354067, 4218131015};
    r.payload = kHello;
    EXPECT_EQ(emit_repr(r, pseudo_ab(r.buffer_len())), copy_of(kLinuxData));
}

TEST(TcpRepr, EmitsSackSegmentByteForByte) {
    auto r = TcpRepr::parse(view_of(kSackAck), Checksum{}, false);
    ASSERT_TRUE(r);
    EXPECT_EQ(emit_repr(*r, pseudo_ba(r->buffer_len())), copy_of(kSackAck));
}

TEST(TcpRepr, EmitZeroesReservedBitsAckAndUrgentWhenAbsent) {
    TcpRepr r = linux_syn_repr();
    r.options = {};
    const Buf out = emit_repr(r, pseudo_ab(20));
    ASSERT_EQ(out.size(), 20u);
    EXPECT_EQ(load_be32(out.data() + 8), 0u);
    EXPECT_EQ(out[12], 0x50);
    EXPECT_EQ(out[13], 0x02);
    EXPECT_EQ(load_be16(out.data() + 18), 0u);
}

TEST(TcpRepr, EmitRefusesShortBuffer) {
    const TcpRepr r = linux_syn_repr();
    Buf out(r.buffer_len() - 1);
    auto v = TcpView<MutBytes>::checked_fixed_header(out);
    ASSERT_TRUE(v);
    EXPECT_FALSE(r.emit(*v, pseudo_ab(r.buffer_len())));
}

TEST(TcpRepr, EmitRefusesOptionsThatDoNotFit) {
    TcpRepr r = linux_syn_repr();
    for (std::uint32_t i = 0; i < 4; ++i)
        r.options.add_sack({SeqNum(i), SeqNum(i + 1)});
    Buf out(128);
    auto v = TcpView<MutBytes>::checked_fixed_header(out);
    ASSERT_TRUE(v);
    EXPECT_FALSE(r.emit(*v, pseudo_ab(r.buffer_len())));
}

TEST(TcpRepr, EmitIntoLargerBufferChecksumsOnlyTheSegment) {
    const TcpRepr r = linux_syn_repr();
    Buf out(r.buffer_len() + 7, 0x77);
    auto v = TcpView<MutBytes>::checked_fixed_header(out);
    ASSERT_TRUE(v);
    ASSERT_TRUE(r.emit(*v, pseudo_ab(r.buffer_len())));
    EXPECT_EQ(Buf(out.begin(), out.begin() + 40), copy_of(kLinuxSyn));
    EXPECT_EQ(out[40], 0x77);
}

// The Linux data segment's fields, payload aside (kLinuxData carries "hello").
TcpRepr linux_data_header() {
    TcpRepr r;
    r.src_port = 57606;
    r.dst_port = 3001;
    r.psh = true;
    r.seq = SeqNum(144334949);
    r.ack = SeqNum(3442518153);
    r.window = 63;
    r.options.timestamps = TcpTimestamps{950354067, 4218131015};
    return r;
}

TEST(TcpRepr, EmitAroundPayloadInPlaceGivesTheSameSegment) {
    // The IP layer builds the header in front of data already copied into the frame: emit()
    // leaves it where it is and sums it (or takes payload_sum, the sum taken by that copy).
    const TcpRepr head = linux_data_header();
    for (const bool with_sum : {false, true}) {
        Buf out(head.header_len(), 0xa5);
        const char hello[] = "hello";
        out.insert(out.end(), hello, hello + 5);
        TcpRepr r = head;
        r.payload = Bytes(out).subspan(head.header_len());
        if (with_sum) r.payload_sum = Checksum{}.add(r.payload);
        auto v = TcpView<MutBytes>::checked_fixed_header(out);
        ASSERT_TRUE(v);
        ASSERT_TRUE(r.emit(*v, pseudo_ab(r.buffer_len())));
        EXPECT_EQ(out, copy_of(kLinuxData)) << "with payload_sum " << with_sum;
    }
}

TEST(TcpRepr, EmitInPlaceTakesPayloadSumWithoutReadingThePayload) {
    // payload_sum stands for the payload's bytes: a sum of other bytes gives their checksum.
    const TcpRepr head = linux_data_header();
    Buf out(head.header_len(), 0xa5);
    const char other[] = "jello";
    out.insert(out.end(), other, other + 5);
    TcpRepr r = head;
    r.payload = Bytes(out).subspan(head.header_len());
    static constexpr std::uint8_t kHello[] = {'h', 'e', 'l', 'l', 'o'};
    r.payload_sum = Checksum{}.add(kHello);
    auto v = TcpView<MutBytes>::checked_fixed_header(out);
    ASSERT_TRUE(v);
    ASSERT_TRUE(r.emit(*v, pseudo_ab(r.buffer_len())));
    EXPECT_EQ(load_be16(out.data() + 16), load_be16(kLinuxData + 16));
}

TEST(TcpRepr, SegmentLenCountsSynAndFin) {
    static constexpr std::uint8_t kData[3] = {1, 2, 3};
    TcpRepr r;
    r.payload = kData;
    EXPECT_EQ(r.segment_len(), 3u);
    r.control = TcpControl::Syn;
    EXPECT_EQ(r.segment_len(), 4u);
    r.control = TcpControl::Fin;
    EXPECT_EQ(r.segment_len(), 4u);
    r.control = TcpControl::Rst;
    EXPECT_EQ(r.segment_len(), 3u);
}

TEST(TcpRepr, RoundTripsEveryFieldThroughEmitAndParse) {
    static constexpr std::uint8_t kOdd[7] = {9, 8, 7, 6, 5, 4, 3};
    TcpRepr r;
    r.src_port = 0xfffe;
    r.dst_port = 1;
    r.control = TcpControl::Fin;
    r.psh = true;
    r.seq = SeqNum(0xfffffffe);
    r.ack = SeqNum(0x80000000);
    r.window = 0xffff;
    r.urgent = 3;
    r.ece = true;
    r.cwr = true;
    r.ae = true;
    r.options.timestamps = TcpTimestamps{1, 2};
    r.options.add_sack({SeqNum(10), SeqNum(20)});
    r.payload = kOdd;
    const auto ph = pseudo_header_v6(kV6Host1, kV6Host2, kIpProtoTcp, r.buffer_len());
    const Buf out = emit_repr(r, ph);
    Buf copy = out;
    auto mut = TcpView<MutBytes>::checked(copy);
    ASSERT_TRUE(mut);
    EXPECT_TRUE(verify_checksum(mut->as_const(), ph));
    EXPECT_EQ(mut->as_const().bytes().data(), copy.data());
    auto v = TcpView<Bytes>::checked(out);
    ASSERT_TRUE(v);
    EXPECT_TRUE(verify_checksum(*v, ph));
    auto back = TcpRepr::parse(*v, ph, true);
    ASSERT_TRUE(back);
    expect_same(*back, r);
}

}  // namespace
}  // namespace ustack::wire
