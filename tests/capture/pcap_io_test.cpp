#include <array>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "capture/pcap_reader.h"
#include "capture/pcap_writer.h"

namespace ustack::capture {
namespace {

namespace fs = std::filesystem;

std::string temp_path(const std::string& name) {
    return (fs::path(testing::TempDir()) / ("ustack_pcap_io_" + name)).string();
}

void write_file(const std::string& path, const std::vector<std::uint8_t>& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
}

std::vector<std::uint8_t> read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

// A minimal IPv4/UDP datagram from 10.0.0.1:1000 to 10.0.0.2:2000 (checksums zero).
const std::vector<std::uint8_t> kUdpPacket{
    0x45, 0x00, 0x00, 0x1d, 0x00, 0x01, 0x00, 0x00, 0x40, 0x11, 0x00, 0x00, 0x0a, 0x00, 0x00,
    0x01, 0x0a, 0x00, 0x00, 0x02, 0x03, 0xe8, 0x07, 0xd0, 0x00, 0x09, 0x00, 0x00, 0x68};

std::string write_two_packets(const std::string& name, TimePrecision precision) {
    auto path = temp_path(name);
    auto writer = PcapWriter::create(path, LinkType::Raw, precision);
    EXPECT_TRUE(writer) << writer.error();
    writer->write({1700000000, 123456789}, kUdpPacket);
    std::vector<std::uint8_t> other = kUdpPacket;
    other[23] = 0xd1;  // destination port 2001
    writer->write({1700000001, 999}, other, 1500);
    EXPECT_TRUE(writer->flush());
    return path;
}

TEST(PcapIo, RoundTripsRawIpWithNanosecondStamps) {
    auto path = write_two_packets("nano.pcap", TimePrecision::Nano);
    auto reader = PcapReader::open(path);
    ASSERT_TRUE(reader) << reader.error();
    EXPECT_EQ(reader->link_type(), LinkType::Raw);
    EXPECT_EQ(reader->link_type_name(), "RAW");
    EXPECT_EQ(reader->snaplen(), PcapWriter::kDefaultSnaplen);
    auto first = reader->next();
    ASSERT_TRUE(first && *first);
    EXPECT_EQ((*first)->number, 1u);
    EXPECT_EQ((*first)->ts.sec, 1700000000);
    EXPECT_EQ((*first)->ts.nsec, 123456789u);
    EXPECT_EQ(std::vector<std::uint8_t>((*first)->data.begin(), (*first)->data.end()), kUdpPacket);
    auto second = reader->next();
    ASSERT_TRUE(second && *second);
    EXPECT_EQ((*second)->number, 2u);
    EXPECT_EQ((*second)->caplen, kUdpPacket.size());
    EXPECT_EQ((*second)->origlen, 1500u);
    auto end = reader->next();
    ASSERT_TRUE(end);
    EXPECT_FALSE(*end);
}

TEST(PcapIo, MicrosecondFilesReadBackAsWholeMicroseconds) {
    auto path = write_two_packets("micro.pcap", TimePrecision::Micro);
    auto reader = PcapReader::open(path);
    ASSERT_TRUE(reader) << reader.error();
    auto first = reader->next();
    ASSERT_TRUE(first && *first);
    EXPECT_EQ((*first)->ts.nsec, 123456000u);  // the writer keeps microseconds only
}

TEST(PcapIo, WritesEthernetLinkType) {
    auto path = temp_path("ether.pcap");
    {
        auto writer = PcapWriter::create(path, LinkType::Ethernet, TimePrecision::Micro);
        ASSERT_TRUE(writer);
    }
    auto reader = PcapReader::open(path);
    ASSERT_TRUE(reader) << reader.error();
    EXPECT_EQ(reader->link_type(), LinkType::Ethernet);
    EXPECT_EQ(reader->link_type_description(), "Ethernet");
}

TEST(PcapIo, FilterKeepsOnlyMatchingRecordsAndTheirNumbers) {
    auto path = write_two_packets("filter.pcap", TimePrecision::Micro);
    auto reader = PcapReader::open(path);
    ASSERT_TRUE(reader);
    ASSERT_TRUE(reader->set_filter("udp dst port 2001"));
    auto r = reader->next();
    ASSERT_TRUE(r && *r);
    EXPECT_EQ((*r)->number, 2u);
    auto end = reader->next();
    ASSERT_TRUE(end);
    EXPECT_FALSE(*end);
}

TEST(PcapIo, BadFilterExpressionIsAnError) {
    auto path = write_two_packets("badfilter.pcap", TimePrecision::Micro);
    auto reader = PcapReader::open(path);
    ASSERT_TRUE(reader);
    auto result = reader->set_filter("port port");
    ASSERT_FALSE(result);
    EXPECT_NE(result.error().find("bad filter expression 'port port'"), std::string::npos);
}

TEST(PcapIo, MissingFileNamesTheFile) {
    auto result = PcapReader::open("/nonexistent/dir/x.pcap");
    ASSERT_FALSE(result);
    EXPECT_NE(result.error().find("/nonexistent/dir/x.pcap"), std::string::npos);
    EXPECT_NE(result.error().find("No such file"), std::string::npos);
}

TEST(PcapIo, ZeroLengthFileIsATruncatedHeader) {
    auto path = temp_path("empty.pcap");
    write_file(path, {});
    auto result = PcapReader::open(path);
    ASSERT_FALSE(result);
    EXPECT_NE(result.error().find(path), std::string::npos);
    EXPECT_NE(result.error().find("truncated file header"), std::string::npos) << result.error();
}

TEST(PcapIo, GarbageIsNotACaptureFile) {
    auto path = temp_path("garbage.pcap");
    write_file(path, std::vector<std::uint8_t>(100, 0x41));
    auto result = PcapReader::open(path);
    ASSERT_FALSE(result);
    EXPECT_NE(result.error().find("not a capture file"), std::string::npos) << result.error();
}

TEST(PcapIo, TruncatedFileHeaderIsAnError) {
    auto good = read_file(write_two_packets("full.pcap", TimePrecision::Micro));
    auto path = temp_path("shortheader.pcap");
    write_file(path, {good.begin(), good.begin() + 10});
    auto result = PcapReader::open(path);
    ASSERT_FALSE(result);
    EXPECT_NE(result.error().find("truncated file header"), std::string::npos) << result.error();
}

TEST(PcapIo, TruncatedRecordNamesFileAndPacketNumber) {
    auto good = read_file(write_two_packets("full2.pcap", TimePrecision::Micro));
    auto path = temp_path("shortrecord.pcap");
    write_file(path, {good.begin(), good.end() - 5});  // cut the second packet's bytes
    auto reader = PcapReader::open(path);
    ASSERT_TRUE(reader) << reader.error();
    auto first = reader->next();
    ASSERT_TRUE(first && *first);
    auto second = reader->next();
    ASSERT_FALSE(second);
    EXPECT_NE(second.error().find(path + ": packet 2:"), std::string::npos) << second.error();
    EXPECT_NE(second.error().find("truncated"), std::string::npos) << second.error();
}

TEST(PcapIo, CreateInMissingDirectoryIsAnError) {
    auto result =
        PcapWriter::create("/nonexistent/dir/out.pcap", LinkType::Raw, TimePrecision::Micro);
    ASSERT_FALSE(result);
    EXPECT_NE(result.error().find("/nonexistent/dir/out.pcap"), std::string::npos);
}

}  // namespace
}  // namespace ustack::capture
