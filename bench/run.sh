#!/usr/bin/env bash
# The benchmark runner with the official implementation beside ours: creates a venv with the
# official SDK (nillion-client 0.2.0 from PyPI) and runs `nilvm-bench` in release mode.
# Arguments are passed to the runner (e.g. --runs 5 --e2e-iterations 200).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="${NILVM_BENCH_VENV:-$root/target/bench-venv}"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check -r "$root/tests/interop/requirements.txt"
cargo run --quiet --release --manifest-path "$root/Cargo.toml" -p nilvm-bench -- --python "$venv/bin/python" "$@"
