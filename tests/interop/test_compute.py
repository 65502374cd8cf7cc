"""Programs and compute: one party; three parties with a stored value and an output-only party."""

import hashlib
import random

from nillion_client import InputPartyBinding, OutputPartyBinding, Permissions, SecretInteger

from conftest import program_bytes

rng = random.SystemRandom()


async def test_store_program_and_compute_one_party(client):
    program = program_bytes("add_simple")
    program_id = await client.store_program("add_simple", program).invoke()
    assert program_id == f"{client.user_id}/add_simple/sha256/{hashlib.sha256(program).hexdigest()}"
    a, b = rng.randint(-(10**9), 10**9), rng.randint(-(10**9), 10**9)
    compute_id = await client.compute(
        program_id,
        input_bindings=[InputPartyBinding("Alice", client.user_id)],
        output_bindings=[OutputPartyBinding("Alice", [client.user_id])],
        values={"a": SecretInteger(a), "b": SecretInteger(b)},
    ).invoke()
    assert await client.retrieve_compute_results(compute_id).invoke() == {"total": SecretInteger(a + b)}


async def test_three_parties_with_a_stored_value_and_an_output_only_party(client, other_client, funded_client):
    # multi_party_sum: x from Dealer1, y from Dealer2; sum and product go to Receiver.
    program_id = await client.store_program("multi_party_sum", program_bytes("multi_party_sum")).invoke()
    x, y = rng.randint(-1000, 1000), rng.randint(-1000, 1000)

    # Dealer1 stores x ahead of time and lets the invoker compute with it.
    permissions = Permissions.defaults_for_user(other_client.user_id).allow_compute(client.user_id, program_id)
    values_id = await other_client.store_values({"x": SecretInteger(x)}, ttl_days=1, permissions=permissions).invoke()

    compute_id = await client.compute(
        program_id,
        input_bindings=[
            InputPartyBinding("Dealer1", other_client.user_id),
            InputPartyBinding("Dealer2", client.user_id),
        ],
        output_bindings=[OutputPartyBinding("Receiver", [funded_client.user_id])],
        values={"y": SecretInteger(y)},
        value_ids=[values_id],
    ).invoke()
    results = await funded_client.retrieve_compute_results(compute_id).invoke()
    assert results == {"sum": SecretInteger(x + y), "product": SecretInteger(x * y)}


async def test_compute_without_permission_on_a_stored_value_is_denied(client, other_client):
    program_id = await client.store_program("multi_party_sum", program_bytes("multi_party_sum")).invoke()
    values_id = await other_client.store_values({"x": SecretInteger(1)}, ttl_days=1).invoke()
    try:
        compute_id = await client.compute(
            program_id,
            input_bindings=[
                InputPartyBinding("Dealer1", other_client.user_id),
                InputPartyBinding("Dealer2", client.user_id),
            ],
            output_bindings=[OutputPartyBinding("Receiver", [client.user_id])],
            values={"y": SecretInteger(2)},
            value_ids=[values_id],
        ).invoke()
        await client.retrieve_compute_results(compute_id).invoke()
    except Exception as error:
        assert "permission" in str(error).lower()
    else:
        raise AssertionError("computing with another user's value without permission succeeded")
