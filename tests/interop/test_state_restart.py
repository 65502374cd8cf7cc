"""`nilvm devnet --state-directory` with the official SDK: stop the devnet, start it again on
the same directory, and values, permissions, programs, results and balances are all back.

This module runs its own devnet (free ports, its own config directory through XDG_CONFIG_HOME,
so the session devnet's files are untouched) and builds the SDK's Network from its env file.
"""

import os
import pathlib
import secrets
import signal
import subprocess
import tempfile
import time

import pytest

from nillion_client import (
    InputPartyBinding,
    Network,
    NilChainPayer,
    NilChainPrivateKey,
    OutputPartyBinding,
    Permissions,
    PrivateKey,
    SecretInteger,
    VmClient,
)

from conftest import GAS_LIMIT, program_bytes

START_TIMEOUT_SECONDS = 60


class StatefulDevnet:
    def __init__(self, work: pathlib.Path):
        self.state = work / "state"
        self.config = work / "config"
        self.log = work / "devnet.log"
        self.process = None

    def start(self) -> dict:
        binary = os.environ.get("NILVM_BIN")
        if not binary:
            pytest.skip("NILVM_BIN is not set: run the suite with tests/interop/run.sh")
        env = dict(os.environ, XDG_CONFIG_HOME=str(self.config))
        log = open(self.log, "a")
        self.process = subprocess.Popen(
            [binary, "devnet", "--free-ports", "--state-directory", str(self.state)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
        )
        env_file = self.config / "nillion" / "nillion-devnet.env"
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while "environment file written" not in self.log.read_text():
            assert self.process.poll() is None, self.log.read_text()
            assert time.monotonic() < deadline, "the devnet did not start"
            time.sleep(0.2)
        values = {}
        for line in env_file.read_text().splitlines():
            if line and not line.startswith("#"):
                key, _, value = line.partition("=")
                values[key] = value
        return values

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=30)
        self.process = None


@pytest.fixture
def stateful_devnet():
    with tempfile.TemporaryDirectory() as work:
        devnet = StatefulDevnet(pathlib.Path(work))
        try:
            yield devnet
        finally:
            if devnet.process and devnet.process.poll() is None:
                devnet.process.kill()
                devnet.process.wait()


async def connect(env: dict, key: PrivateKey, payer_index: int) -> VmClient:
    network = Network(
        chain_id=env["NILLION_NILCHAIN_CHAIN_ID"],
        chain_grpc_endpoint=env["NILLION_NILCHAIN_GRPC"],
        nilvm_grpc_endpoint=env["NILLION_GRPC_ENDPOINT"],
    )
    wallet = NilChainPrivateKey(bytes.fromhex(env[f"NILLION_NILCHAIN_PRIVATE_KEY_{payer_index}"]))
    payer = NilChainPayer(network, wallet_private_key=wallet, gas_limit=GAS_LIMIT)
    return await VmClient.create(key, network, payer)


async def test_a_restart_keeps_values_permissions_programs_results_and_balances(stateful_devnet):
    env = stateful_devnet.start()
    owner_key, reader_key = PrivateKey(secrets.token_bytes(32)), PrivateKey(secrets.token_bytes(32))
    owner = await connect(env, owner_key, 4)
    reader = await connect(env, reader_key, 5)

    await owner.add_funds(10_000_000)
    granted = Permissions.defaults_for_user(owner.user_id).allow_retrieve(reader.user_id)
    shared_id = await owner.store_values({"s": SecretInteger(41)}, ttl_days=1, permissions=granted).invoke()
    program_id = await owner.store_program("multi_party_sum", program_bytes("multi_party_sum")).invoke()
    permissions = Permissions.defaults_for_user(owner.user_id).allow_compute(owner.user_id, program_id)
    x_id = await owner.store_values({"x": SecretInteger(6)}, ttl_days=1, permissions=permissions).invoke()

    async def compute(y: int):
        return await owner.compute(
            program_id,
            input_bindings=[
                InputPartyBinding("Dealer1", owner.user_id),
                InputPartyBinding("Dealer2", owner.user_id),
            ],
            output_bindings=[OutputPartyBinding("Receiver", [owner.user_id])],
            values={"y": SecretInteger(y)},
            value_ids=[x_id],
        ).invoke()

    compute_id = await compute(7)
    results = await owner.retrieve_compute_results(compute_id).invoke()
    assert results == {"sum": SecretInteger(13), "product": SecretInteger(42)}
    balance = (await owner.balance()).balance
    owner.close()
    reader.close()
    stateful_devnet.stop()

    restarted = stateful_devnet.start()
    assert restarted["NILLION_GRPC_ENDPOINT"] == env["NILLION_GRPC_ENDPOINT"]
    assert restarted["NILLION_NILCHAIN_GRPC"] == env["NILLION_NILCHAIN_GRPC"]
    owner = await connect(restarted, owner_key, 4)
    reader = await connect(restarted, reader_key, 5)
    try:
        assert (await owner.balance()).balance == balance
        assert await reader.retrieve_values(shared_id).invoke() == {"s": SecretInteger(41)}
        kept = await owner.retrieve_permissions(shared_id).invoke()
        assert reader.user_id in kept.retrieve
        assert await owner.retrieve_compute_results(compute_id).invoke() == results
        # The program and the stored input are still there.
        again = await compute(8)
        assert await owner.retrieve_compute_results(again).invoke() == {
            "sum": SecretInteger(14),
            "product": SecretInteger(48),
        }
    finally:
        owner.close()
        reader.close()
        stateful_devnet.stop()
