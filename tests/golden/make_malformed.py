#!/usr/bin/env python3
"""Writes hand-made malformed captures into DIR (default: tests/golden/malformed).

Each packet-level case is a small Ethernet (or raw-IP) pcap: a valid TCP/IPv4 packet, the
malformed one, then a valid one again, so a printer must show the damage and go on.
File-level cases break the pcap container itself. Deterministic: fixed timestamps.
"""
import os, struct, sys

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "malformed")
T0 = 1700000000  # 2023-11-14 22:13:20 UTC
ETH_HDR = bytes.fromhex("020000000201" "0200000002fe") + b"\x08\x00"

def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF

def ipv4(payload, ihl=5, total_len=None, proto=6, src="10.0.1.1", dst="10.0.2.1"):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, total_len or 20 + len(payload), 0x1234,
                      0x4000, 63, proto, 0, bytes(map(int, src.split("."))),
                      bytes(map(int, dst.split("."))))
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + payload

def tcp(flags, seq, ack, options=b"", payload=b"", doff=None, sport=40100, dport=3001,
        win=502):
    assert len(options) % 4 == 0
    off = doff if doff is not None else (20 + len(options)) // 4
    hdr = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, off << 4, flags, win, 0, 0)
    seg = hdr + options + payload
    pseudo = bytes([10, 0, 1, 1, 10, 0, 2, 1, 0, 6]) + struct.pack("!H", len(seg))
    return seg[:16] + struct.pack("!H", csum(pseudo + seg)) + seg[18:]

SYN, ACK, PSH, FIN = 0x02, 0x10, 0x08, 0x01
SYN_OPTS = (struct.pack("!BBH", 2, 4, 1460) + b"\x04\x02" +             # mss, sackOK
            struct.pack("!BBII", 8, 10, 123456, 0) + b"\x01" +          # TS, nop
            struct.pack("!BBB", 3, 3, 7))                                # wscale 7
TS_OPTS = b"\x01\x01" + struct.pack("!BBII", 8, 10, 123460, 654321)

def good_syn():
    return ipv4(tcp(SYN, 1000, 0, SYN_OPTS, win=64240))

def good_data(seq=1001):
    return ipv4(tcp(ACK | PSH, seq, 5001, TS_OPTS, b"hello"))

def pcap(name, frames, linktype=1, snaplen=262144):
    """frames: list of bytes, or (bytes, caplen) to cut a record to caplen."""
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, snaplen, linktype))
        for i, fr in enumerate(frames):
            data, caplen = (fr if isinstance(fr, tuple) else (fr, len(fr)))
            f.write(struct.pack("<IIII", T0, i * 1000, caplen, len(data)) + data[:caplen])

def eth(frames):
    return [(ETH_HDR + d[0], d[1] + 14) if isinstance(d, tuple) else ETH_HDR + d for d in frames]

def write_raw(name, data):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)

os.makedirs(OUT, exist_ok=True)
for old in os.listdir(OUT):
    os.remove(os.path.join(OUT, old))

# --- packet-level damage (Ethernet) ---
# TCP data offset 4 (< 5): header length 16 bytes.
pcap("tcp_doff_4.pcap", eth([good_syn(), ipv4(tcp(ACK | PSH, 1001, 5001, b"", b"hello", doff=4)),
                             good_data(1006)]))
# TCP data offset 15 (60 bytes) but only 20 bytes of header + 5 payload in the packet.
pcap("tcp_doff_past_end.pcap", eth([good_syn(), ipv4(tcp(ACK | PSH, 1001, 5001, b"", b"hello",
                                                         doff=15)), good_data(1006)]))
# Option whose length runs past the TCP header: mss (ok), then a TS option claiming 10 bytes
# with only 6 left in the header (header 28 bytes: 4 mss + nop,nop + 2 bytes of TS).
bad_opts = struct.pack("!BBH", 2, 4, 1460) + b"\x01\x01" + b"\x08\x0a"
pcap("tcp_opt_overrun.pcap", eth([good_syn(), ipv4(tcp(SYN, 1000, 0, bad_opts, win=64240)),
                                  good_data()]))
# Option with length 0 (and 1): tcpdump's option loop must not spin.
pcap("tcp_opt_len0.pcap", eth([good_syn(),
                               ipv4(tcp(ACK, 1001, 5001, b"\x01\x01\x08\x00" + b"\0" * 8)),
                               ipv4(tcp(ACK, 1001, 5001, b"\x01\x01\x1e\x01" + b"\0" * 8)),
                               good_data()]))
# Snaplen cut in the middle of the TS option (file snaplen 64, like tcpdump -s 64): a SYN and a
# data segment cut inside TS, then a bare ACK that fits.
syn = ETH_HDR + good_syn()
data = ETH_HDR + good_data()
pcap("tcp_opt_cut_snaplen.pcap", [(syn, 64), (data, 64), ETH_HDR + ipv4(tcp(ACK, 1006, 5001))],
     snaplen=64)
# Records whose caplen (74, 71) exceeds the file header's snaplen (64): libpcap cuts them to
# the snaplen while reading, so tcpdump shows them as if captured with -s 64.
pcap("caplen_over_snaplen.pcap", [syn, data], snaplen=64)
# IPv4 IHL 4 (16 bytes): invalid header length.
pcap("ipv4_ihl_4.pcap", eth([good_syn(), ipv4(tcp(ACK | PSH, 1001, 5001, TS_OPTS, b"hello"),
                                              ihl=4), good_data()]))
# IPv4 total length 1000 while the frame (caplen == len) has only 62 bytes of IP.
pcap("ipv4_totlen_big.pcap", eth([good_syn(), ipv4(tcp(ACK | PSH, 1001, 5001, TS_OPTS,
                                                       b"hello"), total_len=1000),
                                  good_data()]))
# IPv4 total length 30, smaller than the IP+TCP header: the TCP header is cut by the IP length.
pcap("ipv4_totlen_small.pcap", eth([good_syn(), ipv4(tcp(ACK | PSH, 1001, 5001, TS_OPTS,
                                                         b"hello"), total_len=30),
                                    good_data()]))
# Raw-IP link type: the same IHL-4 and data offset 4 damage without an Ethernet header.
pcap("raw_ihl_4_doff_4.pcap", [good_syn(), ipv4(tcp(ACK, 1001, 5001), ihl=4),
                               ipv4(tcp(ACK, 1001, 5001, doff=4)), good_data()], linktype=101)
# A frame shorter than an Ethernet header.
pcap("eth_short.pcap", [ETH_HDR + good_syn(), ETH_HDR[:10], ETH_HDR + good_data()])

# --- file-level damage ---
write_raw("empty.pcap", b"")
write_raw("garbage.pcap", b"This is not a capture file, just some text.\n" * 4)
hdr = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1)
write_raw("trunc_file_header.pcap", hdr[:10])
rec = lambda i, data, caplen=None, orig=None: struct.pack(
    "<IIII", T0, i * 1000, len(data) if caplen is None else caplen,
    len(data) if orig is None else orig) + data
# One good record, then a record whose header claims 100 bytes with only 30 present.
write_raw("trunc_record.pcap", hdr + rec(0, syn) + rec(1, (ETH_HDR + good_data())[:30], 100, 100))
# One good record, then 8 bytes of a 16-byte record header.
write_raw("trunc_record_header.pcap", hdr + rec(0, syn) + rec(1, b"")[:8])
# One good record, then a record claiming caplen 0x7fffffff (beyond any snaplen).
write_raw("huge_caplen.pcap", hdr + rec(0, syn) + rec(1, b"x" * 16, 0x7FFFFFFF, 0x7FFFFFFF))
print("malformed captures written to", OUT)
