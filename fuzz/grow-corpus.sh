#!/usr/bin/env bash
# Grows and minimises the committed corpora under fuzz/corpus/<target>/: runs each target
# SECONDS (default 60) from its corpus with one worker, then `cargo fuzz cmin` keeps the
# smallest set of inputs with the same coverage. Commit the result; CI's brief run
# (run-all.sh) starts from it. Inputs are capped at MAX_LEN bytes (default 4096) so the corpora
# stay small. Needs `cargo +nightly fuzz`.
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-60}"
shift || true
max_len="${MAX_LEN:-4096}"
./seed-corpus.sh >/dev/null
cargo +nightly fuzz build -O -s none
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(cargo +nightly fuzz list)
fi
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t" "seeds/$t"
  # seeds/ is read only for libFuzzer: what it adds from there lands in corpus/ and cmin keeps it
  # only where it adds coverage.
  cargo +nightly fuzz run -O -s none "$t" "corpus/$t" "seeds/$t" -- -max_total_time="$seconds" \
    -workers=1 -max_len="$max_len" -rss_limit_mb=2048 -timeout=10 >/dev/null 2>&1 || {
    echo "fuzz target $t failed: the input is under fuzz/artifacts/$t/" >&2
    exit 1
  }
  cargo +nightly fuzz cmin -O -s none "$t" "corpus/$t" -- -max_len="$max_len" \
    -rss_limit_mb=2048 -timeout=10 >/dev/null 2>&1
  printf '%s: %s inputs, %s\n' "$t" "$(ls "corpus/$t" | wc -l)" "$(du -sh "corpus/$t" | cut -f1)"
done
