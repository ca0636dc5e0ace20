#!/usr/bin/env bash
# Runs every libFuzzer target in BUILD_DIR/fuzz for SECONDS each and prints the exec counts.
# Usage: tests/fuzz/run.sh BUILD_DIR SECONDS
set -euo pipefail
build=${1:?usage: run.sh BUILD_DIR SECONDS}
seconds=${2:?usage: run.sh BUILD_DIR SECONDS}
here=$(cd "$(dirname "$0")" && pwd)
status=0
for target in "$build"/fuzz/fuzz_*; do
  name=$(basename "$target")
  corpus="$build/fuzz-corpus/$name"
  mkdir -p "$corpus"
  seeds=()
  [ -d "$here/seeds/$name" ] && seeds+=("$here/seeds/$name")
  log="$build/fuzz-corpus/$name.log"
  echo "== $name: ${seconds}s"
  if "$target" -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="$build/" \
      "$corpus" "${seeds[@]}" >"$log" 2>&1; then
    execs=$(grep -m1 'stat::number_of_executed_units' "$log" | awk '{print $2}')
    echo "   no finding, ${execs:-?} executions"
  else
    echo "   FINDING: see $log"
    tail -20 "$log"
    status=1
  fi
done
exit $status
