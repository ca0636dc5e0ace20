#!/usr/bin/env bash
# Speed of `ustack print -nn` against `tcpdump -nn -r` on the same capture of >= 1 million real
# packets (built from the golden corpus by make_big_capture.py), both writing to /dev/null.
# Each command runs RUNS times; the best time of each is compared. Prints the ratio
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
import subprocess, sys, time
runs, packets, ustack, big = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
def best(cmd):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - start)
    return min(times)
t_tcpdump = best(["tcpdump", "-nn", "-r", big])
t_ustack = best([ustack, "print", "-nn", big])
print(f"packets               {packets}")
print(f"tcpdump -nn -r        {t_tcpdump:.3f} s  ({packets / t_tcpdump:,.0f} packets/s)")
print(f"ustack print -nn      {t_ustack:.3f} s  ({packets / t_ustack:,.0f} packets/s)")
print(f"ratio ustack/tcpdump  {t_ustack / t_tcpdump:.3f}  (goal <= 1.0)")
PY
