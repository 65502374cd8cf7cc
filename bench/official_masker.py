"""Times the official masker (nillion-client-core 0.2.0) on the runner's workloads.

Reads {"workloads": [{"prime": bits, "parties": n, "degree": t, "kind": "integers"|"blob",
"count": k, "runs": r}]} on stdin; prints, per workload, the median seconds of mask and unmask.
Values and jars are built before the timer starts; only the masker's calls are timed.
"""

import json
import secrets
import statistics
import sys
import time

import nillion_client_core as core

MAKERS = {
    64: core.SecretMasker.new_64_bit_safe_prime,
    128: core.SecretMasker.new_128_bit_safe_prime,
    256: core.SecretMasker.new_256_bit_safe_prime,
}


def values_for(kind: str, count: int) -> dict:
    if kind == "integers":
        return {f"v{i:05}": core.SecretInteger(secrets.randbelow(2**31) - 2**30) for i in range(count)}
    return {"blob": core.SecretBlob(bytearray(secrets.token_bytes(count)))}


def measure(workload: dict) -> dict:
    parties = [core.PartyId.from_bytes(secrets.token_bytes(20)) for _ in range(workload["parties"])]
    masker = MAKERS[workload["prime"]](workload["degree"], parties)
    values = values_for(workload["kind"], workload["count"])
    mask_times, unmask_times = [], []
    for _ in range(workload["runs"]):
        start = time.perf_counter()
        masked = masker.mask(values)
        mask_times.append(time.perf_counter() - start)
        jar = masker.build_jar()
        for party in parties:
            jar.add_element(party, masked[party])
        start = time.perf_counter()
        opened = masker.unmask(jar)
        unmask_times.append(time.perf_counter() - start)
        assert len(opened) == len(values)
    return {"mask": statistics.median(mask_times), "unmask": statistics.median(unmask_times)}


def main():
    request = json.load(sys.stdin)
    print(json.dumps([measure(w) for w in request["workloads"]]))


if __name__ == "__main__":
    main()
