#!/usr/bin/env bash
# TUN throughput: kernel -> our stack (nc into `ustack serve --discard`), our stack -> kernel
# (curl from `ustack serve --http`), each with the TUN offloads (the default: virtio-net header,
# TSO, checksum offload) and without (--no-offload), and kernel -> kernel over a veth pair
# (nc -> nc), all in one run on this machine, in throw-away network namespaces. Prints Gbit/s and
# each ratio to veth.
# Needs root. Usage: bench/tun_throughput.sh [BUILD_DIR]   (env SIZE_MB, default 2048)
set -euo pipefail
BUILD=${1:-build}
USTACK=$BUILD/ustack
SIZE_MB=${SIZE_MB:-2048}
BYTES=$((SIZE_MB * 1024 * 1024))
NS=ustbench$$
NSA=ustbencha$$
NSB=ustbenchb$$
[ "$(id -u)" = 0 ] || { echo "tun_throughput.sh: needs root (network namespaces, TUN)" >&2; exit 1; }
[ -x "$USTACK" ] || { echo "tun_throughput.sh: no $USTACK (make release first)" >&2; exit 1; }
SERVE_PID=
cleanup() {
    [ -n "$SERVE_PID" ] && kill "$SERVE_PID" 2>/dev/null && wait "$SERVE_PID" 2>/dev/null || true
    ip netns del "$NS" 2>/dev/null || true
    ip netns del "$NSA" 2>/dev/null || true
    ip netns del "$NSB" 2>/dev/null || true
}
trap cleanup EXIT
now() { date +%s.%N; }
gbps() { python3 -c "import sys; print(f'{$1 * 8 / ($3 - $2) / 1e9:.2f}')"; }

# --- our stack on a TUN: measure MODE [serve options...] sets K2U_MODE and U2K_MODE
measure() {
    local mode=$1
    shift
    ip netns add "$NS"
    ip netns exec "$NS" ip link set lo up
    ip netns exec "$NS" "$USTACK" serve --dev ust0 --create --addr 10.7.0.2/24 --discard 9 \
        --http 80 --control "/tmp/$NS.sock" --seed 1 "$@" 2>/dev/null &
    SERVE_PID=$!
    for _ in $(seq 100); do ip netns exec "$NS" ip addr show ust0 2>/dev/null | grep -q 10.7.0.1 && break; sleep 0.05; done
    sleep 0.2

    local t0 t1 got
    t0=$(now)
    head -c "$BYTES" /dev/zero | ip netns exec "$NS" nc -N 10.7.0.2 9
    t1=$(now)
    printf -v "K2U_$mode" '%s' "$(gbps "$BYTES" "$t0" "$t1")"

    t0=$(now)
    got=$(ip netns exec "$NS" curl -s -o /dev/null -w '%{size_download}' "http://10.7.0.2/bytes/$BYTES")
    t1=$(now)
    [ "$got" = "$BYTES" ] || { echo "download got $got of $BYTES bytes ($mode)" >&2; exit 1; }
    printf -v "U2K_$mode" '%s' "$(gbps "$BYTES" "$t0" "$t1")"
    kill -INT "$SERVE_PID"; wait "$SERVE_PID" 2>/dev/null || true; SERVE_PID=
    ip netns del "$NS"
}
measure OFF --no-offload
measure ON

# --- kernel -> kernel over veth
ip netns add "$NSA"; ip netns add "$NSB"
ip link add vb0 netns "$NSA" type veth peer name vb1 netns "$NSB"
ip netns exec "$NSA" ip addr add 10.9.0.1/24 dev vb0; ip netns exec "$NSA" ip link set vb0 up
ip netns exec "$NSB" ip addr add 10.9.0.2/24 dev vb1; ip netns exec "$NSB" ip link set vb1 up
ip netns exec "$NSB" sh -c 'nc -l 10.9.0.2 5001 > /dev/null' &
LPID=$!
sleep 0.3
t0=$(now)
head -c "$BYTES" /dev/zero | ip netns exec "$NSA" nc -N 10.9.0.2 5001
wait "$LPID"
t1=$(now)
VETH=$(gbps "$BYTES" "$t0" "$t1")

ratio() { python3 -c "print(f'{$1/$2:.2f}')"; }
echo "transfer size: $SIZE_MB MiB; MTU 1500 on TUN and veth"
echo "kernel -> ustack (TUN, nc -> discard), offload:     $K2U_ON Gbit/s  ($(ratio "$K2U_ON" "$VETH") of veth)"
echo "kernel -> ustack (TUN, nc -> discard), no offload:  $K2U_OFF Gbit/s  ($(ratio "$K2U_OFF" "$VETH") of veth)"
echo "ustack -> kernel (TUN, http -> curl), offload:      $U2K_ON Gbit/s  ($(ratio "$U2K_ON" "$VETH") of veth)"
echo "ustack -> kernel (TUN, http -> curl), no offload:   $U2K_OFF Gbit/s  ($(ratio "$U2K_OFF" "$VETH") of veth)"
echo "kernel -> kernel (veth, nc -> nc):                  $VETH Gbit/s"
