"""Values: every type SDK 0.2.0 has, top level and nested in arrays; update; delete."""

import random
import secrets

import pytest

from nillion_client import (
    Array,
    Boolean,
    EcdsaDigestMessage,
    EcdsaPrivateKey,
    Integer,
    SecretBlob,
    SecretBoolean,
    SecretInteger,
    SecretUnsignedInteger,
    UnsignedInteger,
)

rng = random.SystemRandom()


def fresh_values() -> dict:
    """Fresh random values of every type, so each run checks new shares."""
    return {
        "secret_int": SecretInteger(rng.randint(-(2**63), 2**63)),
        "secret_uint": SecretUnsignedInteger(rng.randint(0, 2**64)),
        "secret_bool": SecretBoolean(rng.random() < 0.5),
        "public_int": Integer(rng.randint(-(2**40), 2**40)),
        "public_uint": UnsignedInteger(rng.randint(0, 2**40)),
        "public_bool": Boolean(rng.random() < 0.5),
        "blob": SecretBlob(bytearray(secrets.token_bytes(rng.randint(1, 300)))),
        "ecdsa_key": EcdsaPrivateKey(bytearray(secrets.token_bytes(31) + b"\x01")),
        "digest": EcdsaDigestMessage(bytearray(secrets.token_bytes(32))),
        "array_secret": Array([SecretInteger(rng.randint(-1000, 1000)) for _ in range(4)]),
        "array_public_uint": Array([UnsignedInteger(rng.randint(0, 1000)) for _ in range(3)]),
        "nested": Array([Array([SecretUnsignedInteger(rng.randint(0, 99)) for _ in range(2)]) for _ in range(2)]),
    }


async def test_store_and_retrieve_every_type(client):
    values = fresh_values()
    values_id = await client.store_values(values, ttl_days=1).invoke()
    retrieved = await client.retrieve_values(values_id).invoke()
    assert retrieved == values


async def test_update_replaces_the_values(client):
    values_id = await client.store_values({"x": SecretInteger(1)}, ttl_days=1).invoke()
    replacement = {"x": SecretInteger(2), "y": Integer(3)}
    updated = await client.store_values(replacement, ttl_days=1, update_identifier=values_id).invoke()
    assert updated == values_id
    assert await client.retrieve_values(values_id).invoke() == replacement


async def test_delete_then_not_found(client):
    values_id = await client.store_values({"gone": SecretInteger(7)}, ttl_days=1).invoke()
    await client.delete_values(values_id).invoke()
    with pytest.raises(Exception) as error:
        await client.retrieve_values(values_id).invoke()
    assert "not found" in str(error.value)
    with pytest.raises(Exception) as error:
        await client.delete_values(values_id).invoke()
    assert "not found" in str(error.value)
