"""Pool status, balance and add funds (credits), paying per operation and from the balance."""

from nillion_client import PreprocessingElement, SecretInteger
from nillion_client.client import PaymentMode

from conftest import make_client


async def test_pool_status_lists_compare(client):
    offsets = await client.pool_status().invoke()
    assert any(offset.element == PreprocessingElement.COMPARE for offset in offsets)


async def test_add_funds_credits_the_balance(network, devnet_env):
    client = await make_client(network, devnet_env, 4)
    try:
        assert (await client.balance()).balance == 0
        await client.add_funds(1_000_000)
        # 1 NIL buys credits_per_nil credits: 100 on the devnet.
        assert (await client.balance()).balance == 100
        await client.pool_status().invoke()
        assert (await client.balance()).balance < 100
    finally:
        client.close()


async def test_an_empty_balance_falls_back_to_paying_on_chain(network, devnet_env):
    client = await make_client(network, devnet_env, 5, mode=PaymentMode.FROM_BALANCE)
    try:
        assert (await client.balance()).balance == 0
        values_id = await client.store_values({"paid": SecretInteger(3)}, ttl_days=1).invoke()
        assert await client.retrieve_values(values_id).invoke() == {"paid": SecretInteger(3)}
        assert (await client.balance()).balance == 0
    finally:
        client.close()


async def test_paying_per_operation_goes_through_the_chain(client):
    values_id = await client.store_values({"per_op": SecretInteger(4)}, ttl_days=1).invoke()
    assert await client.retrieve_values(values_id).invoke() == {"per_op": SecretInteger(4)}
