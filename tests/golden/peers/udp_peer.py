#!/usr/bin/env python3
"""Kernel UDP peer for the golden corpus.

usage: udp_peer.py echo ADDR PORT COUNT     answer COUNT datagrams with b"echo: " + data
       udp_peer.py send ADDR PORT MSG [WAIT] send one datagram, wait up to WAIT s for a reply
"""
import socket, sys

mode, addr, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
if mode == "echo":
    s.bind((addr, port))
    s.settimeout(30)
    for _ in range(int(sys.argv[4])):
        data, peer = s.recvfrom(2048)
        s.sendto(b"echo: " + data, peer)
else:
    s.settimeout(float(sys.argv[5]) if len(sys.argv) > 5 else 1.0)
    s.sendto(sys.argv[4].encode(), (addr, port))
    try:
        print(s.recv(2048))
    except OSError as e:  # timeout, or ECONNREFUSED after an ICMP port unreachable
        print("no reply:", e)
