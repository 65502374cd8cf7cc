"""Programs built by `nilvm build` from the fixtures' sources, checked with the official tools.

- The official `extract_program_metadata` (nillion_client_core) accepts every program we build,
  and for the three fixtures that have the official preprocessor's output
  (`*.preprocessed.nada.bin`) it measures ours exactly as it measures theirs.
- The official SDK stores every built program on `nilvm devnet` and computes every fixture case
  with the fixture's expected outputs.

Excluded, with the reason: `builtin_teddsa_sign` uses EdDSA types, which nada-dsl 0.8.0 cannot
compile and nillion_client_core 0.2.0 cannot decode (it is lowered with `nilvm build --mir` and
only checked by our own tests). Cases whose values the Python SDK cannot express (tuples), and
programs that need preprocessing elements the Python SDK refuses to request (random values,
ECDSA auxiliary material: the Python SDK raises on them when it builds the quote) are left out.
"""

import json
import os
import pathlib
import subprocess
import sys

import pytest

from nillion_client import (
    Array,
    Boolean,
    InputPartyBinding,
    Integer,
    OutputPartyBinding,
    SecretBoolean,
    SecretInteger,
    SecretUnsignedInteger,
    UnsignedInteger,
)
from nillion_client_core import extract_program_metadata

from conftest import PROGRAMS

EXCLUDED = {"builtin_teddsa_sign"}
WITH_OFFICIAL = ["array_map_reduce", "boolean_logic", "compare_select"]
# Requirements the Python SDK raises on when it builds a compute quote.
UNREQUESTABLE = {"RandomInteger", "RandomBoolean", "EcdsaAuxInfo"}


def fixture_names():
    return sorted(p.stem for p in PROGRAMS.glob("*.json") if p.stem not in EXCLUDED)


def nilvm_bin() -> str:
    binary = os.environ.get("NILVM_BIN")
    if not binary:
        pytest.exit("NILVM_BIN is not set: run the suite with tests/interop/run.sh", returncode=2)
    return binary


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> pathlib.Path:
    """Every fixture source built with `nilvm build`, compiled by this interpreter's nada-dsl."""
    out = tmp_path_factory.mktemp("built")
    sources = [str(PROGRAMS / f"{name}.py") for name in fixture_names()]
    env = dict(os.environ, NILVM_PYTHON=sys.executable)
    result = subprocess.run(
        [nilvm_bin(), "build", *sources, "-o", str(out)], env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr
    return out


def fixture(name: str) -> dict:
    return json.loads((PROGRAMS / f"{name}.json").read_text())


def as_dict(value) -> dict:
    # The official binding gives JSON text, or a dict when there is nothing to count.
    return value if isinstance(value, dict) else json.loads(value)


def metadata_fields(program: bytes) -> dict:
    m = extract_program_metadata(program)
    return {
        "memory_size": m.memory_size,
        "total_instructions": m.total_instructions,
        "instructions": as_dict(m.instructions),
        "runtime_elements": as_dict(m.preprocessing_requirements.runtime_elements),
    }


def test_the_official_metadata_extraction_accepts_every_built_program(built):
    for name in fixture_names():
        ours = (built / f"{name}.nada.bin").read_bytes()
        measured = metadata_fields(ours)
        assert int(measured["total_instructions"]) > 0, name


def test_built_programs_measure_like_the_official_preprocessor_output(built):
    for name in WITH_OFFICIAL:
        ours = (built / f"{name}.nada.bin").read_bytes()
        theirs = (PROGRAMS / f"{name}.preprocessed.nada.bin").read_bytes()
        assert metadata_fields(ours) == metadata_fields(theirs), name


def sdk_value(ty: str, value):
    """The SDK value of a fixture value, or None when the SDK has no such value."""
    if ty.startswith("Array<") and ty.endswith(">"):
        items = [sdk_value(ty[6:-1], v) for v in value]
        return None if any(i is None for i in items) else Array(items)
    makers = {
        "SecretInteger": lambda v: SecretInteger(int(v)),
        "Integer": lambda v: Integer(int(v)),
        "SecretUnsignedInteger": lambda v: SecretUnsignedInteger(int(v)),
        "UnsignedInteger": lambda v: UnsignedInteger(int(v)),
        "SecretBoolean": lambda v: SecretBoolean(bool(v)),
        "Boolean": lambda v: Boolean(bool(v)),
    }
    maker = makers.get(ty)
    return None if maker is None else maker(value)


def sdk_can_store(program: bytes) -> bool:
    """The Python SDK raises on these requirements when it builds the StoreProgram quote."""
    needs = set(metadata_fields(program)["runtime_elements"].keys())
    return not (needs & UNREQUESTABLE)


async def test_the_official_sdk_stores_and_computes_every_built_program(client, built):
    computed = 0
    skipped = []
    for name in fixture_names():
        spec = fixture(name)
        program = (built / f"{name}.nada.bin").read_bytes()
        if not sdk_can_store(program):
            skipped.append(name)
            continue
        program_id = await client.store_program(name, program).invoke()
        assert program_id.startswith(f"{client.user_id}/{name}/sha256/"), program_id
        input_parties = sorted({i["party"] for i in spec["inputs"]})
        output_parties = sorted({o["party"] for o in spec["outputs"]})
        for case in spec["test_cases"]:
            label = f"{name} / {case['name']}"
            values = {i["name"]: sdk_value(i["type"], i["value"]) for i in case["inputs"]}
            if any(v is None for v in values.values()):
                continue
            expected = {}
            one_of = {}
            for out in case["expected_outputs"]:
                if out.get("one_of") is not None:
                    one_of[out["name"]] = {int(v) for v in out["one_of"]}
                elif out["value"] is not None:
                    expected[out["name"]] = sdk_value(out["type"], out["value"])
            if any(v is None for v in expected.values()):
                continue
            compute = client.compute(
                program_id,
                input_bindings=[InputPartyBinding(p, client.user_id) for p in input_parties],
                output_bindings=[OutputPartyBinding(p, [client.user_id]) for p in output_parties],
                values=values,
            )
            if case.get("expected_error"):
                with pytest.raises(Exception):
                    compute_id = await compute.invoke()
                    await client.retrieve_compute_results(compute_id).invoke()
                computed += 1
                continue
            compute_id = await compute.invoke()
            results = await client.retrieve_compute_results(compute_id).invoke()
            for out_name, value in expected.items():
                assert results[out_name] == value, f"{label}: {out_name}"
            for out_name, allowed in one_of.items():
                assert results[out_name].value in allowed, f"{label}: {out_name}"
            computed += 1
    assert computed >= 30, f"only {computed} cases computed"
    # Only the programs that draw random values or sign with ECDSA are out of the SDK's reach.
    assert set(skipped) <= {"random_trunc", "boolean_reveal", "ecdsa_sign", "builtin_tecdsa_sign"}, skipped
