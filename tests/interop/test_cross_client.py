"""Cross-client: what our client stores (through the `nilvm` binary), the official SDK reads, and
the reverse; with the same user key on both sides, and between two users with permissions and
a computation. Fresh random values each run.

run.sh exports NILVM_BIN (the `nilvm` binary) and a HOME where the devnet wrote its network
file, which `nilvm` reads as `--network devnet` (its default). `nilvm` pays with that file's
nilchain key (key 0); the SDK clients here pay with keys 6 and 7, used by no other module.
"""

import base64
import json
import os
import random
import secrets
import subprocess
from uuid import UUID

import pytest

from nillion_client import (
    Array,
    Boolean,
    InputPartyBinding,
    Integer,
    OutputPartyBinding,
    Permissions,
    PermissionsDelta,
    PrivateKey,
    SecretBlob,
    SecretBoolean,
    SecretInteger,
    SecretUnsignedInteger,
    UnsignedInteger,
    UserId,
)
from nillion_client.client import PaymentMode
from nillion_client.permissions import PermissionCommand

from conftest import PROGRAMS, make_client, program_bytes

rng = random.SystemRandom()


def nilvm_bin() -> str:
    path = os.environ.get("NILVM_BIN")
    if not path:
        pytest.exit("NILVM_BIN is not set: run the suite with tests/interop/run.sh", returncode=2)
    return path


def nilvm(*args: str, key: str | None, expect: int = 0):
    """Runs `nilvm --output-format json ARGS` as the user of `key` (hex; None: the identity the
    arguments name); returns its JSON output, or the finished process when a failure is
    expected."""
    env = dict(os.environ)
    env.pop("NILVM_KEY_HEX", None)
    if key is not None:
        env["NILVM_KEY_HEX"] = key
    proc = subprocess.run(
        [nilvm_bin(), "--output-format", "json", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == expect, (
        f"`nilvm {' '.join(args)}` exited {proc.returncode}, expected {expect}\n"
        f"stdout: {proc.stdout}\nstderr: {proc.stderr}"
    )
    return json.loads(proc.stdout) if expect == 0 else proc


def from_json(value: dict):
    """A value as `nilvm` prints it ({"type", "value"}) as the SDK's type."""
    kind, inner = value["type"], value["value"]
    if kind == "Array":
        return Array([from_json(element) for element in inner])
    if kind == "SecretBlob":
        return SecretBlob(bytearray(base64.b64decode(inner)))
    constructors = {
        "SecretInteger": lambda v: SecretInteger(int(v)),
        "SecretUnsignedInteger": lambda v: SecretUnsignedInteger(int(v)),
        "Integer": lambda v: Integer(int(v)),
        "UnsignedInteger": lambda v: UnsignedInteger(int(v)),
        "SecretBoolean": SecretBoolean,
        "Boolean": Boolean,
    }
    return constructors[kind](inner)


def fresh_values() -> tuple[dict, list[str]]:
    """Fresh random values, as SDK values and as the `nilvm` flags that give the same."""
    si, sui = rng.randint(-(2**63), 2**63), rng.randint(0, 2**64)
    i, ui = rng.randint(-(2**40), 2**40), rng.randint(0, 2**40)
    sbool, boolean = rng.random() < 0.5, rng.random() < 0.5
    blob = secrets.token_bytes(rng.randint(1, 300))
    array = [rng.randint(-1000, 1000) for _ in range(4)]
    values = {
        "secret_int": SecretInteger(si),
        "secret_uint": SecretUnsignedInteger(sui),
        "public_int": Integer(i),
        "public_uint": UnsignedInteger(ui),
        "secret_bool": SecretBoolean(sbool),
        "public_bool": Boolean(boolean),
        "blob": SecretBlob(bytearray(blob)),
        "array_secret": Array([SecretInteger(v) for v in array]),
    }
    flags = [
        "--secret-integer", f"secret_int={si}",
        "--secret-unsigned-integer", f"secret_uint={sui}",
        "--integer", f"public_int={i}",
        "--unsigned-integer", f"public_uint={ui}",
        "--secret-boolean", f"secret_bool={str(sbool).lower()}",
        "--boolean", f"public_bool={str(boolean).lower()}",
        "--secret-blob", f"blob={base64.b64encode(blob).decode()}",
        "--array-secret-integer", f"array_secret={','.join(map(str, array))}",
    ]
    return values, flags


def program_path(name: str) -> str:
    preprocessed = PROGRAMS / f"{name}.preprocessed.nada.bin"
    return str(preprocessed if preprocessed.exists() else PROGRAMS / f"{name}.nada.bin")


@pytest.fixture(scope="module")
def shared_key() -> str:
    """One user key both clients act as."""
    return secrets.token_bytes(32).hex()


@pytest.fixture(scope="module")
async def sdk_same_user(network, devnet_env, shared_key):
    client = await make_client(
        network, devnet_env, 6, key=PrivateKey(bytes.fromhex(shared_key)), mode=PaymentMode.PAY_PER_OPERATION
    )
    yield client
    client.close()


@pytest.fixture(scope="module")
async def sdk_other_user(network, devnet_env):
    client = await make_client(network, devnet_env, 7, mode=PaymentMode.PAY_PER_OPERATION)
    yield client
    client.close()


async def test_the_same_key_is_the_same_user(sdk_same_user, shared_key):
    ids = nilvm("inspect-ids", key=shared_key)
    assert ids["user_id"] == str(sdk_same_user.user_id)
    # The same key as an identity file, in the official CLI's format.
    name = f"shared-{secrets.token_hex(4)}"
    added = nilvm("identities", "add", name, "--private-key-hex", shared_key, key=None)
    assert added["user_id"] == str(sdk_same_user.user_id)
    try:
        values, flags = fresh_values()
        stored = nilvm("--identity", name, "store-values", *flags, key=None)
        assert await sdk_same_user.retrieve_values(UUID(stored["values_id"])).invoke() == values
    finally:
        nilvm("identities", "remove", name, key=None)


async def test_values_stored_by_nilvm_are_retrieved_by_the_official_sdk(sdk_same_user, shared_key):
    values, flags = fresh_values()
    stored = nilvm("store-values", *flags, "--ttl-days", "1", key=shared_key)
    assert await sdk_same_user.retrieve_values(UUID(stored["values_id"])).invoke() == values


async def test_values_stored_by_the_official_sdk_are_retrieved_by_nilvm(sdk_same_user, shared_key):
    values, _ = fresh_values()
    values_id = await sdk_same_user.store_values(values, ttl_days=1).invoke()
    retrieved = nilvm("retrieve-values", str(values_id), key=shared_key)
    assert {name: from_json(value) for name, value in retrieved.items()} == values


async def test_updates_and_deletes_cross_clients(sdk_same_user, shared_key):
    values_id = await sdk_same_user.store_values({"x": SecretInteger(1)}, ttl_days=1).invoke()
    nilvm("store-values", "--update-values-id", str(values_id), "--si", "x=2", "--integer", "y=3", key=shared_key)
    assert await sdk_same_user.retrieve_values(values_id).invoke() == {"x": SecretInteger(2), "y": Integer(3)}
    nilvm("delete-values", str(values_id), key=shared_key)
    with pytest.raises(Exception) as error:
        await sdk_same_user.retrieve_values(values_id).invoke()
    assert "not found" in str(error.value)

    values_id = await sdk_same_user.store_values({"z": SecretInteger(4)}, ttl_days=1).invoke()
    await sdk_same_user.delete_values(values_id).invoke()
    proc = nilvm("retrieve-values", str(values_id), key=shared_key, expect=5)
    assert "not found" in proc.stderr.lower()


async def test_permissions_between_a_nilvm_user_and_an_sdk_user(sdk_other_user):
    nilvm_key = secrets.token_bytes(32).hex()
    nilvm_user = nilvm("inspect-ids", key=nilvm_key)["user_id"]
    sdk_user = str(sdk_other_user.user_id)

    # nilvm stores and lets the SDK user read; the SDK user reads, and cannot delete.
    values, flags = fresh_values()
    stored = nilvm("store-values", *flags, "--allow-retrieve", sdk_user, key=nilvm_key)
    values_id = UUID(stored["values_id"])
    assert await sdk_other_user.retrieve_values(values_id).invoke() == values
    permissions = await sdk_other_user.retrieve_permissions(values_id).invoke()
    assert str(permissions.owner) == nilvm_user
    with pytest.raises(Exception) as error:
        await sdk_other_user.delete_values(values_id).invoke()
    assert "permission" in str(error.value).lower()
    # nilvm revokes; the SDK user is denied.
    nilvm("update-permissions", "--values-id", str(values_id), "--revoke-retrieve", sdk_user, key=nilvm_key)
    with pytest.raises(Exception) as error:
        await sdk_other_user.retrieve_values(values_id).invoke()
    assert "permission" in str(error.value).lower()

    # The SDK user stores and grants nilvm's user; nilvm reads them and their permissions.
    values, _ = fresh_values()
    nilvm_user_id = UserId.parse(nilvm_user)
    granted = Permissions.defaults_for_user(sdk_other_user.user_id).allow_retrieve(nilvm_user_id)
    values_id = await sdk_other_user.store_values(values, ttl_days=1, permissions=granted).invoke()
    retrieved = nilvm("retrieve-values", str(values_id), key=nilvm_key)
    assert {name: from_json(value) for name, value in retrieved.items()} == values
    permissions = nilvm("retrieve-permissions", str(values_id), key=nilvm_key)
    assert permissions["owner"] == sdk_user
    assert sorted(permissions["retrieve"]) == sorted([sdk_user, nilvm_user])
    # The SDK user revokes; nilvm is denied with its exit code.
    delta = PermissionsDelta(retrieve=PermissionCommand(revoke={nilvm_user_id}))
    await sdk_other_user.update_permissions(values_id, delta).invoke()
    nilvm("retrieve-values", str(values_id), key=nilvm_key, expect=6)


async def test_compute_with_values_and_programs_from_both_clients(sdk_other_user):
    nilvm_key = secrets.token_bytes(32).hex()
    nilvm_user = nilvm("inspect-ids", key=nilvm_key)["user_id"]
    sdk_user = str(sdk_other_user.user_id)
    nilvm_user_id = UserId.parse(nilvm_user)

    # The SDK stores the program and x; nilvm computes with y and receives the outputs.
    program_id = await sdk_other_user.store_program("multi_party_sum", program_bytes("multi_party_sum")).invoke()
    x, y = rng.randint(-1000, 1000), rng.randint(-1000, 1000)
    permissions = Permissions.defaults_for_user(sdk_other_user.user_id).allow_compute(nilvm_user_id, program_id)
    values_id = await sdk_other_user.store_values({"x": SecretInteger(x)}, ttl_days=1, permissions=permissions).invoke()
    computed = nilvm(
        "compute", str(program_id),
        "--value-id", str(values_id),
        "--input-binding", f"Dealer1={sdk_user}",
        "--input-binding", f"Dealer2={nilvm_user}",
        "--output-binding", f"Receiver={nilvm_user},{sdk_user}",
        "--si", f"y={y}",
        key=nilvm_key,
    )
    expected = {"sum": SecretInteger(x + y), "product": SecretInteger(x * y)}
    assert {name: from_json(value) for name, value in computed["outputs"].items()} == expected
    # The other receiver gets the same outputs through the SDK.
    assert await sdk_other_user.retrieve_compute_results(UUID(computed["compute_id"])).invoke() == expected

    # nilvm stores the program and x; the SDK computes with y.
    program_id = nilvm("store-program", program_path("multi_party_sum"), "multi_party_sum", key=nilvm_key)["program_id"]
    assert program_id.startswith(f"{nilvm_user}/multi_party_sum/sha256/")
    x, y = rng.randint(-1000, 1000), rng.randint(-1000, 1000)
    stored = nilvm(
        "store-values", "--si", f"x={x}", "--program-id", program_id, "--authorize-user-execution", sdk_user,
        key=nilvm_key,
    )
    compute_id = await sdk_other_user.compute(
        program_id,
        input_bindings=[
            InputPartyBinding("Dealer1", nilvm_user_id),
            InputPartyBinding("Dealer2", sdk_other_user.user_id),
        ],
        output_bindings=[OutputPartyBinding("Receiver", [sdk_other_user.user_id])],
        values={"y": SecretInteger(y)},
        value_ids=[UUID(stored["values_id"])],
    ).invoke()
    results = await sdk_other_user.retrieve_compute_results(compute_id).invoke()
    assert results == {"sum": SecretInteger(x + y), "product": SecretInteger(x * y)}
