#!/usr/bin/env bash
# Builds every fuzz target and runs each, one at a time, for SECONDS (default 20) with one
# worker (in-process, so a crash report lands in this output), starting from the committed,
# minimised corpora under corpus/<target>/ (grown with ./grow-corpus.sh) plus the seeds
# ./seed-corpus.sh writes from the test data into seeds/ (read only). New inputs found here are
# not kept (a copy of the corpus is fuzzed, so CI leaves the checkout clean). Stops at the first crash (cargo fuzz exits
# non-zero and leaves the input under fuzz/artifacts/<target>/). Needs `cargo +nightly fuzz`.
# Prints each target's executions per second.
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-20}"
shift || true
./seed-corpus.sh >/dev/null
cargo +nightly fuzz build -O -s none
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(cargo +nightly fuzz list)
fi
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
for t in "${targets[@]}"; do
  log="$(mktemp)"
  mkdir -p "$scratch/$t"
  if [ -d "corpus/$t" ]; then cp -r "corpus/$t/." "$scratch/$t/"; fi
  echo "--- $t (${seconds}s)"
  mkdir -p "seeds/$t"
  if ! cargo +nightly fuzz run -O -s none "$t" "$scratch/$t" "seeds/$t" -- \
      -max_total_time="$seconds" -workers=1 -rss_limit_mb=2048 -timeout=10 \
      -print_final_stats=1 >"$log" 2>&1; then
    tail -60 "$log"
    echo "fuzz target $t failed: the input is under fuzz/artifacts/$t/" >&2
    exit 1
  fi
  runs="$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')"
  rate="$(grep -o 'exec/s: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || echo '?')"
  echo "$t: $runs executions, ~$rate exec/s"
  rm -f "$log"
done
