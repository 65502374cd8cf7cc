#!/usr/bin/env bash
# Writes seed inputs for the fuzz targets from the project's test data into DIR/<target>/
# (default fuzz/seeds/, not committed: the committed corpora are fuzz/corpus/). run-all.sh and
# grow-corpus.sh call it and hand the seeds to libFuzzer as a read-only extra corpus. Needs python3.
set -euo pipefail
cd "$(dirname "$0")"
root=..
out="${1:-seeds}"
for t in proto_value values_raw unmask payments auth_token cluster nada_program operations node_requests; do
  mkdir -p "$out/$t"
done
cp "$root"/testdata/programs/*.nada.bin "$out/nada_program/"
python3 - "$root/testdata/vectors" "$out" <<'PY'
import hashlib, json, os, struct, sys
vectors, out = sys.argv[1], sys.argv[2]

def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)

def field(number, payload):
    return varint(number << 3 | 2) + varint(len(payload)) + payload

def write(target, data):
    name = hashlib.sha1(data).hexdigest()
    with open(os.path.join(out, target, name), "wb") as f:
        f.write(data)

primes = {"u64": 0, "u128": 1, "u256": 2}
for file in sorted(os.listdir(vectors)):
    if not file.endswith(".json"):
        continue
    doc = json.load(open(os.path.join(vectors, file)))
    for case in doc.get("cases", []):
        per_party = case.get("value_proto_hex")
        if not isinstance(per_party, dict):
            continue
        frames = b""
        for party, values in per_party.items():
            if not isinstance(values, dict):
                continue
            reply = b""
            for name, hexvalue in values.items():
                try:
                    value = bytes.fromhex(hexvalue)
                except (TypeError, ValueError):
                    continue
                named = field(1, name.encode()) + field(2, value)
                write("proto_value", named)
                reply += field(2, named)
            frames += struct.pack("<H", len(reply)) + reply
        degree = int(case.get("polynomial_degree", 1) or 0)
        header = bytes([primes.get(case.get("prime"), 2) | (degree << 2) & 0xFF])
        write("values_raw", header + frames)
PY
for t in "$out"/*; do printf '%s: %s files\n' "$t" "$(ls "$t" | wc -l)"; done
