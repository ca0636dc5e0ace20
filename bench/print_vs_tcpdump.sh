#!/usr/bin/env bash
# Speed of `ustack print -nn` against `tcpdump -nn -r` on the same capture of >= 1 million real
# packets (built from the golden corpus by make_big_capture.py), both writing to /dev/null.
# Each command runs RUNS times, interleaved; the best CPU time (user + system) of each is compared
# (wall time is shown too). Prints the ratio
# ustack / tcpdump: below 1.0 means ustack is faster.
# Usage: bench/print_vs_tcpdump.sh [PACKETS] [RUNS]   (run `make` first; `make bench` does both)
set -euo pipefail
cd "$(dirname "$0")/.."
packets=${1:-1000000}
runs=${2:-3}
ustack=./build/ustack
[ -x "$ustack" ] || { echo "build/ustack is missing: run make first" >&2; exit 1; }
command -v tcpdump >/dev/null || { echo "tcpdump is missing: apt-get install tcpdump" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
big=$work/big.pcap
inputs=(tests/golden/captures/transfer_loss.pcap tests/golden/captures/interleaved.pcap
        tests/golden/captures/hello_echo.pcap tests/golden/captures/transfer_5mb.pcap)
for f in "${inputs[@]}"; do [ -f "$f" ] || { echo "missing $f (tests/golden)" >&2; exit 1; }; done
python3 bench/make_big_capture.py "$big" "$packets" "${inputs[@]}"

# Same output, or the comparison means nothing.
if ! cmp -s <(TZ=UTC "$ustack" print -nn "$big" 2>/dev/null) <(TZ=UTC tcpdump -nn -r "$big" 2>/dev/null); then
  echo "warning: outputs differ on the benchmark capture" >&2
fi
echo "timing $runs runs of each (best of)..."
TZ=UTC python3 - "$runs" "$packets" "$ustack" "$big" <<'PY'
import os, subprocess, sys, time
runs, packets, ustack, big = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
# One run: wall time and CPU time (user + system) of the child. CPU time is what the ratio uses:
# it does not count time the process waited for a core on a busy machine.
def run(cmd):
    start = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(p.pid, 0)
    if status != 0:
        sys.exit(f"{cmd[0]} failed with status {status}")
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime
tools = {"tcpdump": ["tcpdump", "-nn", "-r", big], "ustack": [ustack, "print", "-nn", big]}
best = {name: (float("inf"), float("inf")) for name in tools}
for _ in range(runs):  # interleaved, so a change in machine load hits both alike
    for name, cmd in tools.items():
        wall, cpu = run(cmd)
        best[name] = (min(best[name][0], wall), min(best[name][1], cpu))
(tw, tc), (uw, uc) = best["tcpdump"], best["ustack"]
print(f"packets               {packets}")
print(f"tcpdump -nn -r        {tc:.3f} s CPU, {tw:.3f} s wall  ({packets / tc:,.0f} packets/s)")
print(f"ustack print -nn      {uc:.3f} s CPU, {uw:.3f} s wall  ({packets / uc:,.0f} packets/s)")
print(f"ratio ustack/tcpdump  {uc / tc:.3f} CPU, {uw / tw:.3f} wall  (goal <= 1.0)")
PY
