"""Differential runs against the official implementation (`nillion_client_core`): many random
cases per run, each compared exactly.

- masking, both directions: random values masked by the official SecretMasker and opened by our
  core (through the masking bridge), and masked by us and opened by the official one, for all
  three primes and several party counts and degrees;
- value encoding byte for byte: the encoded protobuf of public values from our masker equals the
  official `encrypted_nada_value_to_protobuf` of the official masker's output;
- program metadata: programs from our Nada generator (`program_gen`) measured by our core and by
  the official `extract_program_metadata`.

NILVM_DIFF_CASES sets the number of values (and programs) per direction: 300 by default (the short
mode CI runs), e.g. NILVM_DIFF_CASES=10000 for a long run. NILVM_DIFF_SEED fixes the random
values (printed on failure). Needs no devnet.
"""

import json
import os
import random
import subprocess

import pytest

import nillion_client_core as core
from nillion_client.values import encrypted_nada_value_from_protobuf, encrypted_nada_value_to_protobuf
from nillion_client_proto.nillion.values.v1.value import Value

from test_masking import MAKERS, SECP256K1_ORDER, bridge, to_python

CASES = int(os.environ.get("NILVM_DIFF_CASES", "300"))
SEED = int(os.environ.get("NILVM_DIFF_SEED", str(random.SystemRandom().randrange(2**32))))
PROGRAM_GEN = os.path.join(os.path.dirname(os.environ.get("NILVM_MASKING_BRIDGE", "")), "program_gen")
# Values per bridge call: one masker call covers a batch.
BATCH = 50
# (ECDSA keys need two parties in both implementations.)
SETUPS = [(64, 3, 1), (128, 4, 1), (256, 5, 2), (64, 2, 0), (256, 2, 1)]
PUBLIC = ("Integer", "UnsignedInteger", "Boolean", "EcdsaDigestMessage")


def magnitude(r: random.Random, half: int) -> int:
    """Small, wide or at the edge of the field's range."""
    return r.choice([0, 1, half, half - 1, r.randint(0, 1000), r.randint(0, half)])


def random_value(r: random.Random, bits: int, public_only: bool = False) -> dict:
    half = 2 ** (bits - 2)
    kinds = list(PUBLIC) if public_only else [
        "SecretInteger", "SecretUnsignedInteger", "SecretBoolean", "Integer", "UnsignedInteger",
        "Boolean", "SecretBlob", "EcdsaPrivateKey", "EcdsaDigestMessage", "Array",
    ]
    kind = r.choice(kinds)
    if kind in ("SecretInteger", "Integer"):
        return {"type": kind, "value": str(magnitude(r, half) * r.choice([1, -1]))}
    if kind in ("SecretUnsignedInteger", "UnsignedInteger"):
        return {"type": kind, "value": str(magnitude(r, half))}
    if kind in ("SecretBoolean", "Boolean"):
        return {"type": kind, "value": r.random() < 0.5}
    if kind == "SecretBlob":
        return {"type": kind, "value": r.randbytes(r.randint(1, 100)).hex()}
    if kind == "EcdsaPrivateKey":
        return {"type": kind, "value": f"{r.randint(1, SECP256K1_ORDER - 1):064x}"}
    if kind == "EcdsaDigestMessage":
        return {"type": kind, "value": r.randbytes(32).hex()}
    size = r.randint(1, 4)
    return {"type": "Array", "values": [
        {"type": "SecretInteger", "value": str(r.randint(-half, half))} for _ in range(size)
    ]}


def batches(public_only: bool = False):
    """(bits, count, degree, party ids, values) batches covering CASES values in all."""
    r = random.Random(SEED)
    done = 0
    while done < CASES:
        bits, count, degree = SETUPS[(done // BATCH) % len(SETUPS)]
        n = min(BATCH, CASES - done)
        ids = [r.randbytes(20).hex() for _ in range(count)]
        values = {f"v{i}": random_value(r, bits, public_only) for i in range(n)}
        yield bits, count, degree, ids, values
        done += n


def official_masker(bits: int, degree: int, ids: list):
    return MAKERS[bits](degree, [core.PartyId.from_bytes(bytes.fromhex(p)) for p in ids])


def test_official_shares_open_with_our_core():
    total = 0
    for bits, _, degree, ids, values in batches():
        masked = official_masker(bits, degree, ids).mask({k: to_python(v) for k, v in values.items()})
        shares = {
            party: {
                name: bytes(encrypted_nada_value_to_protobuf(value)).hex()
                for name, value in masked[core.PartyId.from_bytes(bytes.fromhex(party))].items()
            }
            for party in ids
        }
        opened = bridge({"op": "unmask", "prime": bits, "degree": degree, "parties": ids, "shares": shares})
        assert opened["values"] == values, f"seed {SEED}, prime {bits}"
        total += len(values)
    print(f"differential: {total} official-masked values opened by our core (seed {SEED})")


def test_our_shares_open_with_the_official_masker():
    total = 0
    for bits, _, degree, ids, values in batches():
        masked = bridge({"op": "mask", "prime": bits, "degree": degree, "parties": ids, "values": values})["shares"]
        masker = official_masker(bits, degree, ids)
        jar = masker.build_jar()
        for party, encoded in masked.items():
            element = {
                name: encrypted_nada_value_from_protobuf(Value().parse(bytes.fromhex(b)))
                for name, b in encoded.items()
            }
            jar.add_element(core.PartyId.from_bytes(bytes.fromhex(party)), element)
        assert masker.unmask(jar) == {k: to_python(v) for k, v in values.items()}, f"seed {SEED}, prime {bits}"
        total += len(values)
    print(f"differential: {total} values masked by us opened by the official masker (seed {SEED})")


def test_public_value_encoding_is_byte_for_byte_the_official_one():
    total = 0
    for bits, _, degree, ids, values in batches(public_only=True):
        ours = bridge({"op": "mask", "prime": bits, "degree": degree, "parties": ids, "values": values})["shares"]
        masked = official_masker(bits, degree, ids).mask({k: to_python(v) for k, v in values.items()})
        for party in ids:
            theirs = masked[core.PartyId.from_bytes(bytes.fromhex(party))]
            for name, value in theirs.items():
                expected = bytes(encrypted_nada_value_to_protobuf(value)).hex()
                assert ours[party][name] == expected, f"seed {SEED}, {values[name]}"
                total += 1
    print(f"differential: {total} public value encodings identical (seed {SEED})")


def test_program_metadata_matches_extract_program_metadata():
    if not os.path.exists(PROGRAM_GEN):
        pytest.fail(f"{PROGRAM_GEN} not found: run the suite with tests/interop/run.sh")
    done = subprocess.run([PROGRAM_GEN, str(SEED), str(CASES)], capture_output=True, text=True, check=True)
    lines = done.stdout.splitlines()
    assert len(lines) == CASES
    for line in lines:
        case = json.loads(line)
        program = bytes.fromhex(case["bytes"])
        assert "metadata" in case, f"our core refused a generated program: {case['error']}"
        official = core.extract_program_metadata(program)
        theirs = {
            "memory_size": official.memory_size,
            "total_instructions": official.total_instructions,
            "instructions": dict(official.instructions),
            "requirements": dict(official.preprocessing_requirements.runtime_elements),
        }
        assert case["metadata"] == theirs, f"seed {SEED}, program {case['bytes']}"
    print(f"differential: {len(lines)} generated programs, identical metadata (seed {SEED})")
