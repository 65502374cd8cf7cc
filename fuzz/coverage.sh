#!/usr/bin/env bash
# Line coverage of the committed corpora: builds each target with coverage instrumentation
# (`cargo fuzz coverage` on one input), runs it once over its whole corpus in one process
# (one profile file, not one per input: those fill a disk), and prints the line coverage of
# the files the fuzzing docs state figures for. Needs llvm-profdata and llvm-cov of the
# nightly's LLVM version: `rustup component add llvm-tools-preview --toolchain nightly`, or a
# distribution's llvm-NN package with LLVM_BIN=/usr/lib/llvm-NN/bin.
set -euo pipefail
cd "$(dirname "$0")"
llvm="${LLVM_BIN:-$(rustc +nightly --print sysroot)/lib/rustlib/x86_64-unknown-linux-gnu/bin}"
bin=target/x86_64-unknown-linux-gnu/coverage/x86_64-unknown-linux-gnu/release
files='core/src/values/proto.rs|core/src/masking/(unmask|shamir|blob).rs|core/src/payments/(quote|receipt).rs|core/src/auth/verify.rs|transport-mock/src/(node|leader).rs'
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(values_raw value_structured unmask payments auth_token node_requests)
mkdir -p coverage
objects=()
for t in "${targets[@]}"; do
  one="$(mktemp -d)"
  cp "$(find "corpus/$t" -type f | head -1)" "$one/"
  cargo +nightly fuzz coverage -O -s none "$t" "$one" >/dev/null 2>&1
  rm -rf "$one" "coverage/$t/raw"
  LLVM_PROFILE_FILE="coverage/$t.profraw" "$bin/$t" -runs=0 -rss_limit_mb=2048 "corpus/$t" >/dev/null 2>&1
  "$llvm/llvm-profdata" merge -sparse "coverage/$t.profraw" -o "coverage/$t.profdata"
  rm -f "coverage/$t.profraw"
  echo "== $t"
  "$llvm/llvm-cov" report "$bin/$t" -instr-profile="coverage/$t.profdata" 2>/dev/null \
    | grep -E "$files" | awk '{match($1, /(core|transport-mock)\/src\/.*/); printf "  %-34s %5s lines, %5s missed, %s\n", substr($1, RSTART), $8, $9, $10}'
  objects+=(-object "$bin/$t")
done
"$llvm/llvm-profdata" merge -sparse coverage/*.profdata -o coverage/all.profdata
echo "== all of them"
"$llvm/llvm-cov" report "${objects[@]:1}" -instr-profile=coverage/all.profdata 2>/dev/null \
  | grep -E "$files" | awk '{match($1, /(core|transport-mock)\/src\/.*/); printf "  %-34s %5s lines, %5s missed, %s\n", substr($1, RSTART), $8, $9, $10}'
