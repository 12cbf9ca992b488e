#!/usr/bin/env bash
# Runs every fuzz target for FUZZ_SECONDS (default 600) each, FUZZ_JOBS (default 2) at a
# time, each from its seeds and its own corpus (kept in fuzz/corpus/<target>, not in git),
# and prints one line a target: runs, coverage and whether it stayed clean. Needs the
# nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`). Exits non-zero when a
# target found a crash (its input is saved under fuzz/artifacts/<target>/).
set -uo pipefail
cd "$(dirname "$0")"
SECONDS_EACH="${FUZZ_SECONDS:-600}"
JOBS="${FUZZ_JOBS:-2}"
TARGETS=(${FUZZ_TARGETS:-$(cargo +nightly fuzz list)})
mkdir -p logs
cargo +nightly fuzz build -s none || exit 1

run() {
  local t="$1"
  mkdir -p "corpus/$t"
  cargo +nightly fuzz run -s none "$t" "corpus/$t" "seeds/$t" -- \
    -max_total_time="$SECONDS_EACH" -print_final_stats=1 >"logs/$t.log" 2>&1
  echo $? >"logs/$t.rc"
}

for t in "${TARGETS[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do sleep 2; done
  run "$t" &
done
wait

failed=0
echo "| Target | Runs | Seconds | Coverage (edges) | Corpus | Result |"
echo "|---|---:|---:|---:|---:|---|"
for t in "${TARGETS[@]}"; do
  log="logs/$t.log"
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  secs=$(grep -o 'Done [0-9]* runs in [0-9]* second' "$log" | awk '{print $5}' | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | awk '{print $2}')
  corpus=$(find "corpus/$t" -type f | wc -l)
  if [ "$(cat "logs/$t.rc")" = 0 ]; then result=clean; else result="FAILED (see fuzz/logs/$t.log)"; failed=1; fi
  echo "| $t | ${runs:-?} | ${secs:-?} | ${cov:-?} | $corpus | $result |"
done
exit $failed
