"""Shared fixtures: the devnet that run.sh started, and clients of the official SDK.

run.sh starts `nilvm devnet` with a temporary HOME and exports NILVM_DEVNET_ENV with the path of
the environment file it wrote (the official `nillion-devnet.env` format).
"""

import os
import pathlib
import secrets

import pytest

from nillion_client import Network, NilChainPayer, NilChainPrivateKey, PrivateKey, VmClient
from nillion_client.client import PaymentMode

HERE = pathlib.Path(__file__).resolve().parent
PROGRAMS = HERE.parent.parent / "testdata" / "programs"
# Each payer key is used by one test module at a time: cosmos sequences collide otherwise.
GAS_LIMIT = 10_000_000


def read_env_file() -> dict:
    path = os.environ.get("NILVM_DEVNET_ENV")
    if not path:
        pytest.exit("NILVM_DEVNET_ENV is not set: run the suite with tests/interop/run.sh", returncode=2)
    values = {}
    for line in pathlib.Path(path).read_text().splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key] = value
    return values


@pytest.fixture(scope="session")
def devnet_env() -> dict:
    return read_env_file()


@pytest.fixture(scope="session")
def network(devnet_env) -> Network:
    # The same file the official devnet writes, read the way the SDK's users do.
    return Network.from_config("devnet")


def chain_key(devnet_env, index: int) -> NilChainPrivateKey:
    return NilChainPrivateKey(bytes.fromhex(devnet_env[f"NILLION_NILCHAIN_PRIVATE_KEY_{index}"]))


async def make_client(network, devnet_env, payer_index: int, key: PrivateKey | None = None, mode=None) -> VmClient:
    payer = NilChainPayer(network, wallet_private_key=chain_key(devnet_env, payer_index), gas_limit=GAS_LIMIT)
    key = key or PrivateKey(secrets.token_bytes(32))
    if mode is None:
        return await VmClient.create(key, network, payer)
    return await VmClient.create(key, network, payer, payment_mode=mode)


@pytest.fixture(scope="session")
async def client(network, devnet_env) -> VmClient:
    """A client that pays per operation on the chain stub, with its own fresh identity."""
    client = await make_client(network, devnet_env, 1, mode=PaymentMode.PAY_PER_OPERATION)
    yield client
    client.close()


@pytest.fixture(scope="session")
async def other_client(network, devnet_env) -> VmClient:
    """A second user, for permission tests."""
    client = await make_client(network, devnet_env, 2, mode=PaymentMode.PAY_PER_OPERATION)
    yield client
    client.close()


@pytest.fixture(scope="session")
async def funded_client(network, devnet_env) -> VmClient:
    """A client paying from its balance, funded once."""
    client = await make_client(network, devnet_env, 3)
    await client.add_funds(10_000_000)
    yield client
    client.close()


def program_bytes(name: str) -> bytes:
    preprocessed = PROGRAMS / f"{name}.preprocessed.nada.bin"
    path = preprocessed if preprocessed.exists() else PROGRAMS / f"{name}.nada.bin"
    return path.read_bytes()
