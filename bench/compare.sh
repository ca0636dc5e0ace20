#!/usr/bin/env bash
# ustack against lwIP and against the Linux kernel's loopback, side by side in one run:
#  - stack_bench runs ustack's and lwIP's cases in one process (bulk 64 MiB at MTU 1500 over a
#    zero-delay in-memory link; handshake + close + TIME-WAIT per second), REPS repetitions of
#    each case in a shuffled order (a machine whose speed drifts during the run then slows both
#    sides alike, not whichever case ran last), the median of each counter (rates are per CPU
#    second, so a busy machine skews them less);
#  - iperf3 on the loopback of a network namespace this script creates and deletes (needs root;
#    skipped with a message otherwise), client and server pinned to one core as our bench is,
#    SECONDS seconds each, at lo's own MTU (65536) and at MTU 1500, then at MTU 1500 with lo's
#    segmentation offloads off (TSO, GSO, GRO; needs ethtool): with them on, lo carries TCP in
#    packets of up to 64 KiB whatever its MTU, so only the last run puts every 1448-byte
#    segment through the kernel's TCP/IP as ustack's and lwIP's benches put theirs.
# Prints the figures and the ratios ustack/lwIP (Gbit/s, segments/s, conn/s) and ustack/kernel.
# Usage: bench/compare.sh [BUILD_DIR] [SECONDS] [REPS]   (defaults: build 5 5)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
seconds=${2:-5}
reps=${3:-5}
bench=$build/stack_bench
[ -x "$bench" ] || { echo "$bench is missing: run make first" >&2; exit 1; }

work=$(mktemp -d)
ns=""
cleanup() {
  if [ -n "$ns" ]; then ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null || true; ip netns del "$ns" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "stack_bench: $reps repetitions of each case, interleaved (ustack and lwIP in one process)..."
"$bench" --benchmark_repetitions="$reps" --benchmark_enable_random_interleaving=true \
  --benchmark_report_aggregates_only=true \
  --benchmark_out="$work/bench.json" --benchmark_out_format=json >"$work/bench.log" 2>&1 ||
  { cat "$work/bench.log" >&2; exit 1; }

# Kernel loopback: one iperf3 run in the namespace; prints the receiver's Gbit/s.
iperf_lo() {  # $1 = MTU, $2 = a name for the run
  ip netns exec "$ns" ip link set lo mtu "$1"
  local out="$work/iperf_$1_$2.json"
  timeout $((seconds + 20)) ip netns exec "$ns" taskset -c 0 iperf3 -s -1 -p 5201 >/dev/null 2>&1 &
  local server=$!
  sleep 0.5
  local try
  for try in 1 2 3 4 5; do
    if timeout $((seconds + 10)) ip netns exec "$ns" taskset -c 0 \
        iperf3 -c 127.0.0.1 -p 5201 -t "$seconds" -J >"$out" 2>"$work/iperf.err"; then
      break
    fi
    sleep 0.5
  done
  wait "$server" 2>/dev/null || true
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"]/1e9)' "$out" 2>/dev/null ||
    { echo "iperf3 at MTU $1 failed: $(head -c 300 "$work/iperf.err" "$out")" >&2; echo ""; }
}

kernel_64k=""
kernel_1500=""
kernel_1500_plain=""
if [ "$(id -u)" -ne 0 ]; then
  echo "kernel loopback: skipped (iperf3 in a network namespace needs root)"
elif ! command -v iperf3 >/dev/null; then
  echo "kernel loopback: skipped (iperf3 is missing: apt-get install iperf3)"
else
  ns="ustack-bench-$$"
  ip netns add "$ns"
  ip netns exec "$ns" ip link set lo up
  echo "iperf3 on the loopback of namespace $ns, ${seconds}s at MTU 65536, then ${seconds}s at MTU 1500..."
  kernel_64k=$(iperf_lo 65536 offloads)
  kernel_1500=$(iperf_lo 1500 offloads)
  if ! command -v ethtool >/dev/null; then
    echo "kernel loopback without offloads: skipped (ethtool is missing: apt-get install ethtool)"
  elif ip netns exec "$ns" ethtool -K lo tso off gso off gro off >/dev/null 2>&1; then
    echo "iperf3 again at MTU 1500 with lo's TSO, GSO and GRO off, ${seconds}s..."
    kernel_1500_plain=$(iperf_lo 1500 plain)
  else
    echo "kernel loopback without offloads: skipped (ethtool -K lo failed)"
  fi
  ip netns del "$ns"
  ns=""
fi

python3 - "$work/bench.json" "$kernel_64k" "$kernel_1500" "$kernel_1500_plain" <<'PY'
import json, sys
data = json.load(open(sys.argv[1]))
med = {}
for b in data["benchmarks"]:
    if b.get("aggregate_name", "median") != "median" and b.get("run_type") == "aggregate":
        continue
    med[b.get("run_name", b["name"]).split("/")[0]] = b
def get(case, counter):
    b = med.get(case)
    return None if b is None or counter not in b else float(b[counter])
def fmt(v, unit, scale=1.0):
    return "n/a" if v is None else f"{v / scale:10.2f} {unit}"
def ratio(a, b):
    return "n/a" if a is None or not b else f"{a / b:6.2f}x"
ug, lg = get("BM_BulkTransfer", "Gbit"), get("BM_LwipBulkTransfer", "Gbit")
us, ls = get("BM_BulkTransfer", "segments"), get("BM_LwipBulkTransfer", "segments")
uc, lc = get("BM_HandshakeAndClose", "connections"), get("BM_LwipHandshakeAndClose", "connections")
ua = get("BM_BulkTransfer", "allocs_per_segment")
uac = get("BM_HandshakeAndClose", "allocs_per_connection")
k64 = float(sys.argv[2]) if sys.argv[2] else None
k15 = float(sys.argv[3]) if sys.argv[3] else None
k15p = float(sys.argv[4]) if sys.argv[4] else None
print()
print(f"{'':28}{'ustack':>16}{'lwIP':>16}{'ustack/lwIP':>14}")
print(f"{'bulk Gbit/s (MTU 1500)':28}{fmt(ug, ''):>16}{fmt(lg, ''):>16}{ratio(ug, lg):>14}")
print(f"{'bulk data segments/s':28}{fmt(us, 'k', 1e3):>16}{fmt(ls, 'k', 1e3):>16}{ratio(us, ls):>14}")
print(f"{'handshakes+closes/s':28}{fmt(uc, 'k', 1e3):>16}{fmt(lc, 'k', 1e3):>16}{ratio(uc, lc):>14}")
print(f"{'allocations/segment':28}{('n/a' if ua is None else f'{ua:.4f}'):>16}")
print(f"{'allocations/connection':28}{('n/a' if uac is None else f'{uac:.2f}'):>16}")
print()
if k64 is None:
    print("kernel loopback: not measured")
else:
    def num(v):
        return "n/a" if v is None else f"{v:.2f}"
    print(f"{'kernel iperf3 Gbit/s':28}{'lo MTU 65536':>16}{'lo MTU 1500':>16}{'1500, no TSO':>16}")
    print(f"{'':28}{num(k64):>16}{num(k15):>16}{num(k15p):>16}")
    print(f"{'ustack/kernel':28}{ratio(ug, k64):>16}{ratio(ug, k15):>16}{ratio(ug, k15p):>16}")
    print("(lo carries TCP in packets of up to 64 KiB in the first two runs (TSO, GSO, GRO);")
    print(" in the last, like ustack's and lwIP's benches, in 1448-byte segments)")
PY
