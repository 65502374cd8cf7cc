"""Times the official Python SDK (nillion-client 0.2.0) against a running devnet.

Reads {"bootnode", "chain", "payer_key", "iterations", "blob_iterations", "concurrency",
"concurrent_pairs"} on stdin; prints the latencies (seconds) of store + retrieve of one secret
integer and of a 1 MiB blob, and the pairs per second with `concurrency` clients at once. All
clients pay from balances funded before the timers start.

With "mode": "cpu" it reads {"bootnode", "chain", "payer_key", "pairs"} instead and prints
{"cpu_seconds", "wall_seconds", "pairs"}: this process's own CPU time (user + system, all
threads) over `pairs` store + retrieve pairs of one secret integer, after start-up, connecting,
funding and one warm-up pair (the same method as our client process, `nilvm-bench
--client-process`).
"""

import asyncio
import json
import resource
import secrets
import statistics
import sys
import time

from nillion_client import Network, NilChainPayer, NilChainPrivateKey, PrivateKey, SecretBlob, SecretInteger, VmClient


async def funded_client(network, payer_key) -> VmClient:
    payer = NilChainPayer(network, wallet_private_key=NilChainPrivateKey(bytes.fromhex(payer_key)), gas_limit=10_000_000)
    client = await VmClient.create(PrivateKey(secrets.token_bytes(32)), network, payer)
    await client.add_funds(1_000_000_000)
    return client


async def pair(client, values) -> float:
    start = time.perf_counter()
    values_id = await client.store_values(values, ttl_days=1).invoke()
    back = await client.retrieve_values(values_id).invoke()
    elapsed = time.perf_counter() - start
    assert back == values
    return elapsed


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def cpu(network, request):
    client = await funded_client(network, request["payer_key"])
    await pair(client, {"x": SecretInteger(0)})
    cpu_start, wall_start = cpu_seconds(), time.perf_counter()
    for i in range(request["pairs"]):
        await pair(client, {"x": SecretInteger(i)})
    cpu_used, wall = cpu_seconds() - cpu_start, time.perf_counter() - wall_start
    print(json.dumps({"cpu_seconds": cpu_used, "wall_seconds": wall, "pairs": request["pairs"]}))


async def main():
    request = json.load(sys.stdin)
    network = Network.devnet(request["bootnode"], request["chain"])
    if request.get("mode") == "cpu":
        await cpu(network, request)
        return
    client = await funded_client(network, request["payer_key"])
    integer = [await pair(client, {"x": SecretInteger(i)}) for i in range(request["iterations"])]
    blob = [await pair(client, {"b": SecretBlob(bytearray(secrets.token_bytes(1 << 20)))}) for _ in range(request["blob_iterations"])]
    clients = [await funded_client(network, request["payer_key"]) for _ in range(request["concurrency"])]

    async def worker(c):
        for i in range(request["concurrent_pairs"]):
            await pair(c, {"x": SecretInteger(i)})

    start = time.perf_counter()
    await asyncio.gather(*(worker(c) for c in clients))
    throughput = request["concurrency"] * request["concurrent_pairs"] / (time.perf_counter() - start)
    print(json.dumps({"integer": integer, "blob": blob, "pairs_per_second": throughput}))


asyncio.run(main())
