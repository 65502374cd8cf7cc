"""Cross-implementation masking with fresh random values, both directions, all three primes:
shares from the official SecretMasker are unmasked by our core (through the masking bridge) and
ours by it. Needs no devnet."""

import json
import os
import random
import secrets
import subprocess

import pytest

import nillion_client_core as core
from nillion_client.values import encrypted_nada_value_from_protobuf, encrypted_nada_value_to_protobuf
from nillion_client_proto.nillion.values.v1.value import Value

BRIDGE = os.environ.get("NILVM_MASKING_BRIDGE", "masking_bridge")
rng = random.SystemRandom()
# secp256k1's group order: private keys are below it.
SECP256K1_ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
MAKERS = {
    64: core.SecretMasker.new_64_bit_safe_prime,
    128: core.SecretMasker.new_128_bit_safe_prime,
    256: core.SecretMasker.new_256_bit_safe_prime,
}


def random_values(bits: int) -> dict:
    """Fresh values in the vectors' JSON form, inside the range of a `bits`-bit prime."""
    half = 2 ** (bits - 2)
    return {
        "si": {"type": "SecretInteger", "value": str(rng.randint(-half, half))},
        "sui": {"type": "SecretUnsignedInteger", "value": str(rng.randint(0, half))},
        "sb": {"type": "SecretBoolean", "value": rng.random() < 0.5},
        "i": {"type": "Integer", "value": str(rng.randint(-half, half))},
        "ui": {"type": "UnsignedInteger", "value": str(rng.randint(0, half))},
        "b": {"type": "Boolean", "value": rng.random() < 0.5},
        "blob": {"type": "SecretBlob", "value": secrets.token_hex(rng.randint(1, 200))},
        "key": {"type": "EcdsaPrivateKey", "value": f"{rng.randint(1, SECP256K1_ORDER - 1):064x}"},
        "digest": {"type": "EcdsaDigestMessage", "value": secrets.token_hex(32)},
        "array": {"type": "Array", "values": [{"type": "SecretInteger", "value": str(rng.randint(-99, 99))} for _ in range(3)]},
    }


def to_python(v: dict):
    kind = v["type"]
    if kind == "Array":
        return core.Array([to_python(x) for x in v["values"]])
    if kind in ("SecretBlob", "EcdsaPrivateKey", "EcdsaDigestMessage"):
        return getattr(core, kind)(bytearray(bytes.fromhex(v["value"])))
    if kind in ("SecretBoolean", "Boolean"):
        return getattr(core, kind)(v["value"])
    return getattr(core, kind)(int(v["value"]))


def bridge(request: dict) -> dict:
    done = subprocess.run([BRIDGE], input=json.dumps(request), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def parties(count: int) -> list:
    return [secrets.token_hex(20) for _ in range(count)]


@pytest.mark.parametrize("bits", [64, 128, 256])
@pytest.mark.parametrize("count,degree", [(3, 1), (5, 2)])
def test_official_shares_open_with_our_core(bits, count, degree):
    ids = parties(count)
    values = random_values(bits)
    masker = MAKERS[bits](degree, [core.PartyId.from_bytes(bytes.fromhex(p)) for p in ids])
    masked = masker.mask({name: to_python(v) for name, v in values.items()})
    shares = {}
    for party in ids:
        encrypted = masked[core.PartyId.from_bytes(bytes.fromhex(party))]
        shares[party] = {name: bytes(encrypted_nada_value_to_protobuf(value)).hex() for name, value in encrypted.items()}
    opened = bridge({"op": "unmask", "prime": bits, "degree": degree, "parties": ids, "shares": shares})
    assert opened["values"] == values


@pytest.mark.parametrize("bits", [64, 128, 256])
@pytest.mark.parametrize("count,degree", [(3, 1), (5, 2)])
def test_our_shares_open_with_the_official_masker(bits, count, degree):
    ids = parties(count)
    values = random_values(bits)
    masked = bridge({"op": "mask", "prime": bits, "degree": degree, "parties": ids, "values": values})["shares"]
    masker = MAKERS[bits](degree, [core.PartyId.from_bytes(bytes.fromhex(p)) for p in ids])
    jar = masker.build_jar()
    for party, encoded in masked.items():
        element = {name: encrypted_nada_value_from_protobuf(Value().parse(bytes.fromhex(b))) for name, b in encoded.items()}
        jar.add_element(core.PartyId.from_bytes(bytes.fromhex(party)), element)
    assert masker.unmask(jar) == {name: to_python(v) for name, v in values.items()}
