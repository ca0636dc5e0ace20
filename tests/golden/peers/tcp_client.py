#!/usr/bin/env python3
"""Kernel TCP client peer for the golden corpus.

usage: tcp_client.py ADDR PORT MODE [--bytes N] [--msgs N] [--gap S] [--idle S] [--sport P]
  hello     send "hello", read the echo, close (three-packet close when the server closes at once)
  abort     send "hello", read the echo, close with SO_LINGER {1,0} -> RST
  refused   connect to a port with no listener; expect ECONNREFUSED
  halfclose send "request", shutdown(SHUT_WR), read until EOF, close
  send      send --bytes bytes, shutdown(SHUT_WR), read until EOF, close
  chat      send --msgs messages --gap seconds apart, reading each echo, then close
  keepalive SO_KEEPALIVE, TCP_KEEPIDLE=1, TCP_KEEPINTVL=1; hello, idle --idle seconds, close
"""
import argparse, socket, struct, sys, time

p = argparse.ArgumentParser()
p.add_argument("addr"); p.add_argument("port", type=int); p.add_argument("mode")
p.add_argument("--bytes", type=int, default=0)
p.add_argument("--msgs", type=int, default=3)
p.add_argument("--gap", type=float, default=0.2)
p.add_argument("--idle", type=float, default=3.5)
p.add_argument("--sport", type=int, default=0)
p.add_argument("--tag", default="")
a = p.parse_args()

fam = socket.AF_INET6 if ":" in a.addr else socket.AF_INET
s = socket.socket(fam, socket.SOCK_STREAM)
s.settimeout(60)
if a.sport:
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("::" if fam == socket.AF_INET6 else "0.0.0.0", a.sport))
if a.mode == "keepalive":
    s.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, 1)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, 1)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT, 10)

if a.mode == "refused":
    try:
        s.connect((a.addr, a.port))
    except ConnectionRefusedError:
        print("refused, as expected")
        sys.exit(0)
    sys.exit("connected?!")

s.connect((a.addr, a.port))

def read_to_eof():
    n = 0
    while True:
        d = s.recv(65536)
        if not d:
            return n
        n += len(d)

if a.mode in ("hello", "abort", "keepalive"):
    s.sendall(b"hello")
    s.recv(100)
    if a.mode == "keepalive":
        time.sleep(a.idle)
    if a.mode == "abort":
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
elif a.mode == "halfclose":
    s.sendall(b"request")
    s.shutdown(socket.SHUT_WR)
    read_to_eof()
    s.close()
elif a.mode == "send":
    chunk = bytes(range(256)) * 256
    left = a.bytes
    while left > 0:
        n = s.send(chunk[:min(left, len(chunk))])
        left -= n
    s.shutdown(socket.SHUT_WR)
    read_to_eof()
    s.close()
elif a.mode == "chat":
    for i in range(a.msgs):
        s.sendall(b"%smsg %d" % (a.tag.encode(), i))
        s.recv(100)
        time.sleep(a.gap)
    s.close()
else:
    sys.exit("unknown mode " + a.mode)
