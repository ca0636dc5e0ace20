#!/usr/bin/env python3
"""Kernel TCP server peer for the golden corpus.

usage: tcp_server.py ADDR PORT MODE [--conns N] [--close-delay S] [--rcvbuf N] [--stall S]
  echo      reply b"server: " + data to every read; close on EOF
  sink      read and discard until EOF, then close
  halfclose read until EOF, then send three chunks 0.1 s apart, then close
  slow      like sink, but sleep --stall seconds before the first read (zero window)
Serves --conns connections (concurrently, one thread each), then exits.
"""
import argparse, socket, threading, time

p = argparse.ArgumentParser()
p.add_argument("addr"); p.add_argument("port", type=int); p.add_argument("mode")
p.add_argument("--conns", type=int, default=1)
p.add_argument("--close-delay", type=float, default=0.0)
p.add_argument("--rcvbuf", type=int, default=0)
p.add_argument("--stall", type=float, default=0.0)
a = p.parse_args()

def serve(c):
    c.settimeout(60)
    if a.mode == "slow":
        time.sleep(a.stall)
    while True:
        try:
            data = c.recv(65536)
        except ConnectionResetError:  # the client aborted (rst_abort)
            c.close()
            return
        if not data:
            break
        if a.mode == "echo":
            c.sendall(b"server: " + data)
    if a.mode == "halfclose":
        for i in range(3):
            c.sendall(b"chunk %d after your FIN\n" % i)
            time.sleep(0.1)
    time.sleep(a.close_delay)
    c.close()

fam = socket.AF_INET6 if ":" in a.addr else socket.AF_INET
s = socket.socket(fam, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
if a.rcvbuf:  # set before listen so the SYN/ACK already advertises the small window
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, a.rcvbuf)
s.bind((a.addr, a.port))
s.listen(8)
s.settimeout(30)
threads = []
for _ in range(a.conns):
    c, _peer = s.accept()
    t = threading.Thread(target=serve, args=(c,))
    t.start()
    threads.append(t)
s.close()
for t in threads:
    t.join(60)
