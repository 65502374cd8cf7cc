#!/usr/bin/env bash
# The interop suite: the official Python SDK (nillion-client 0.2.0 from PyPI, unchanged) against
# our devnet, our masker against the official one, and our client (the `nilvm` binary) and the
# official SDK reading each other's values, and cosmjs (npm, when Node.js is present) against
# the chain stub's CometBFT JSON-RPC. Creates its own venv, starts
# `nilvm devnet` with a temporary HOME, runs pytest, and stops the devnet whatever happens.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="${NILVM_INTEROP_VENV:-$root/target/interop-venv}"

if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"

cargo build --quiet --manifest-path "$root/Cargo.toml" -p nilvm-cli -p nilvm-tests --bins
bin="${CARGO_TARGET_DIR:-$root/target}/debug"

work="$(mktemp -d)"
devnet_pid=""
cleanup() {
  if [ -n "$devnet_pid" ] && kill -0 "$devnet_pid" 2>/dev/null; then
    kill -TERM "$devnet_pid" 2>/dev/null || true
    wait "$devnet_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# A temporary HOME: the devnet writes its env and network files there, the SDK reads them.
export HOME="$work/home"
unset XDG_CONFIG_HOME
mkdir -p "$HOME"
"$bin/nilvm" devnet --free-ports >"$work/devnet.log" 2>&1 &
devnet_pid=$!
for _ in $(seq 1 120); do
  grep -q "environment file written" "$work/devnet.log" && break
  kill -0 "$devnet_pid" 2>/dev/null || break
  sleep 0.5
done
if ! grep -q "environment file written" "$work/devnet.log"; then
  echo "interop: the devnet did not start; its log:" >&2
  cat "$work/devnet.log" >&2
  exit 1
fi

export NILVM_DEVNET_ENV="$HOME/.config/nillion/nillion-devnet.env"
export NILVM_MASKING_BRIDGE="$bin/masking_bridge"
# The `nilvm` binary, for the cross-client scenarios; it reads the devnet's files under HOME.
export NILVM_BIN="$bin/nilvm"
status=0
# cosmjs (Node.js, from the npm registry) against the chain stub's CometBFT JSON-RPC.
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
  npm_dir="${NILVM_INTEROP_NPM:-$root/target/interop-npm}"
  mkdir -p "$npm_dir"
  cp "$here/cosmjs/package.json" "$npm_dir/package.json"
  (cd "$npm_dir" && npm install --silent --no-audit --no-fund)
  NODE_PATH="$npm_dir/node_modules" node "$here/cosmjs/check.cjs" "$NILVM_DEVNET_ENV" || status=$?
else
  echo "SKIPPED: the cosmjs check (no Node.js/npm)"
fi
(cd "$here" && "$venv/bin/python" -m pytest -p no:cacheprovider "$@") || status=$?
if [ "$status" -ne 0 ]; then
  echo "interop: scenarios failed (pytest exit $status); the devnet's log:" >&2
  tail -n 200 "$work/devnet.log" >&2
fi
exit "$status"
