#!/usr/bin/env python3
"""Builds a large pcap for the printer benchmark out of real captures.

Copies the records of the input captures (all must share one link type) again and again until
COUNT packets are written. Each copy is shifted in time and gets its own TCP/UDP port pair
(checksums fixed up incrementally, RFC 1624), so the output holds many distinct flows, as a busy
link would.

usage: make_big_capture.py OUT COUNT IN.pcap [IN.pcap ...]
"""
import struct
import sys

MAGIC_US, MAGIC_NS = 0xA1B2C3D4, 0xA1B23C4D


def read_pcap(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack_from("<I", data, 0)[0]
    if magic not in (MAGIC_US, MAGIC_NS):
        sys.exit(f"{path}: not a little-endian pcap file (pcapng is not supported here)")
    linktype = struct.unpack_from("<I", data, 20)[0]
    records, pos = [], 24
    while pos + 16 <= len(data):
        sec, frac, caplen, origlen = struct.unpack_from("<IIII", data, pos)
        usec = frac // 1000 if magic == MAGIC_NS else frac
        records.append((sec, usec, data[pos + 16:pos + 16 + caplen], origlen))
        pos += 16 + caplen
    return linktype, records


def ip_offset(linktype, frame):
    if linktype == 1:  # Ethernet, maybe VLAN-tagged
        off, ethertype = 14, struct.unpack_from(">H", frame, 12)[0]
        while ethertype in (0x8100, 0x88A8) and len(frame) >= off + 4:
            ethertype = struct.unpack_from(">H", frame, off + 2)[0]
            off += 4
        return off if ethertype in (0x0800, 0x86DD) else None
    if linktype in (101, 228, 229):
        return 0
    if linktype == 276:  # Linux SLL2
        return 20
    if linktype == 113:  # Linux SLL
        return 16
    return None


def fold(x):
    while x >> 16:
        x = (x & 0xFFFF) + (x >> 16)
    return x


def repoint_ports(frame, linktype, delta):
    """Adds delta to both ports of a TCP or UDP packet and fixes its checksum (RFC 1624)."""
    off = ip_offset(linktype, frame)
    if off is None or len(frame) < off + 1:
        return frame
    version = frame[off] >> 4
    if version == 4 and len(frame) >= off + 20:
        proto, l4 = frame[off + 9], off + (frame[off] & 0x0F) * 4
        if struct.unpack_from(">H", frame, off + 6)[0] & 0x1FFF:
            return frame  # a later fragment has no ports
    elif version == 6 and len(frame) >= off + 40:
        proto, l4 = frame[off + 6], off + 40
    else:
        return frame
    ck_at = {6: 16, 17: 6}.get(proto)
    if ck_at is None or len(frame) < l4 + ck_at + 2:
        return frame
    out = bytearray(frame)
    ck = struct.unpack_from(">H", out, l4 + ck_at)[0]
    for at in (l4, l4 + 2):
        old = struct.unpack_from(">H", out, at)[0]
        new = (old + delta) & 0xFFFF
        struct.pack_into(">H", out, at, new)
        if not (proto == 17 and ck == 0):
            ck = (~fold((~ck & 0xFFFF) + (~old & 0xFFFF) + new)) & 0xFFFF
    struct.pack_into(">H", out, l4 + ck_at, ck)
    return bytes(out)


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    out_path, count, inputs = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    linktype, records = None, []
    for path in inputs:
        lt, recs = read_pcap(path)
        if linktype is not None and lt != linktype:
            sys.exit(f"{path}: link type {lt} differs from {linktype}")
        linktype = lt
        records += recs
    if not records:
        sys.exit("the inputs hold no packets")
    first = records[0][0] + records[0][1] / 1e6
    span = records[-1][0] + records[-1][1] / 1e6 - first + 1.0
    written, copy = 0, 0
    with open(out_path, "wb") as f:
        f.write(struct.pack("<IHHiIII", MAGIC_US, 2, 4, 0, 0, 262144, linktype))
        while written < count:
            shift = copy * span
            for sec, usec, frame, origlen in records:
                if written == count:
                    break
                t = sec + usec / 1e6 + shift
                s, u = int(t), int(round((t - int(t)) * 1e6)) % 1000000
                frame = repoint_ports(frame, linktype, copy * 7)
                f.write(struct.pack("<IIII", s, u, len(frame), origlen) + frame)
                written += 1
            copy += 1
    print(f"{out_path}: {written} packets from {len(records)} real ones, {copy} copies")


if __name__ == "__main__":
    main()
