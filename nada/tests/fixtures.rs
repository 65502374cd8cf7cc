//! Every test case of every program fixture (testdata/programs/*.json), on both MIR forms.
//!
//! Exact outputs must match; `one_of` outputs must stay in the set and, over many seeds, take
//! every allowed value; signatures must verify with independent verifiers (k256 for ECDSA,
//! ed25519-dalek for EdDSA); `expected_error` cases must fail with that message.
#![allow(clippy::unwrap_used, clippy::panic, clippy::expect_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::{
    binaries, case_inputs, case_inputs_by_party, clear, fixture_names, load_json, prime_of,
};
use nilvm_core::values::ClearValue;
use nilvm_nada::{EvalConfig, Outputs, Program, evaluate, evaluate_by_party};
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::Value as Json;

/// Seeds per case: randomized cases get many, deterministic ones a few (to show the result does
/// not depend on the generator).
const RANDOM_SEEDS: u64 = 200;
const FIXED_SEEDS: u64 = 3;

fn is_randomized(case: &Json) -> bool {
    case["expected_outputs"]
        .as_array()
        .unwrap()
        .iter()
        .any(|o| o["value"].is_null())
}

#[test]
fn every_fixture_case_passes() {
    let mut cases_run = 0;
    for name in fixture_names() {
        let json = load_json(&name);
        let config = EvalConfig::new(prime_of(&json));
        for (file, bytes) in binaries(&name) {
            let program = Program::decode(&bytes).unwrap_or_else(|e| panic!("{file}: {e}"));
            for case in json["test_cases"].as_array().unwrap() {
                let case_name = format!("{file} / {}", case["name"].as_str().unwrap());
                let seeds = if is_randomized(case) {
                    RANDOM_SEEDS
                } else {
                    FIXED_SEEDS
                };
                let mut seen: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
                for seed in 0..seeds {
                    let mut rng = StdRng::seed_from_u64(seed);
                    let result = if seed % 2 == 0 {
                        evaluate_by_party(&program, &case_inputs_by_party(case), &config, &mut rng)
                    } else {
                        evaluate(&program, &case_inputs(case), &config, &mut rng)
                    };
                    if let Some(expected) = case["expected_error"].as_str() {
                        let err = result.expect_err(&case_name);
                        assert!(
                            err.to_string().contains(expected),
                            "{case_name}: error '{err}' lacks '{expected}'"
                        );
                        continue;
                    }
                    let outputs = result.unwrap_or_else(|e| panic!("{case_name}: {e}"));
                    check_outputs(&case_name, case, &outputs, &mut seen);
                }
                // Every allowed value of a probabilistic output shows up over the seeds.
                for expected in case["expected_outputs"].as_array().unwrap() {
                    if let Some(one_of) = expected["one_of"].as_array() {
                        let out = expected["name"].as_str().unwrap();
                        let allowed: BTreeSet<String> = one_of
                            .iter()
                            .map(|v| v.as_str().unwrap().to_string())
                            .collect();
                        assert_eq!(seen[out], allowed, "{case_name}: {out}");
                    }
                }
                cases_run += 1;
            }
        }
    }
    assert!(cases_run >= 35, "only {cases_run} cases ran");
}

fn check_outputs(
    case_name: &str,
    case: &Json,
    outputs: &Outputs,
    seen: &mut BTreeMap<String, BTreeSet<String>>,
) {
    let expected_outputs = case["expected_outputs"].as_array().unwrap();
    assert_eq!(
        outputs.values().len(),
        expected_outputs.len(),
        "{case_name}"
    );
    for expected in expected_outputs {
        let out = expected["name"].as_str().unwrap();
        let ty = expected["type"].as_str().unwrap();
        let party = expected["party"].as_str().unwrap();
        let got = outputs
            .for_party(party)
            .find(|o| o.name == out)
            .unwrap_or_else(|| panic!("{case_name}: no output {out} for {party}"));
        if !expected["value"].is_null() {
            assert_eq!(
                got.value,
                clear(ty, &expected["value"]),
                "{case_name}: {out}"
            );
        } else if let Some(one_of) = expected["one_of"].as_array() {
            let text = scalar_text(&got.value);
            assert!(
                one_of.iter().any(|v| v.as_str() == Some(text.as_str())),
                "{case_name}: {out} = {text}, not one of {one_of:?}"
            );
            seen.entry(out.to_string()).or_default().insert(text);
        } else {
            assert!(expected["property"].is_string(), "{case_name}: {out}");
            check_signature(case_name, case, outputs, &got.value);
        }
    }
}

fn scalar_text(value: &ClearValue) -> String {
    match value {
        ClearValue::SecretInteger(v) => v.value().to_string(),
        ClearValue::Integer(v) => v.to_string(),
        ClearValue::SecretUnsignedInteger(v) => v.value().to_string(),
        ClearValue::UnsignedInteger(v) => v.to_string(),
        other => panic!("not a scalar: {other:?}"),
    }
}

fn input<'a>(case: &'a Json, ty: &str) -> &'a Json {
    case["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["type"] == ty)
        .unwrap()
}

fn check_signature(case_name: &str, case: &Json, outputs: &Outputs, value: &ClearValue) {
    match value {
        ClearValue::EcdsaSignature(signature) => {
            use k256::ecdsa::signature::hazmat::PrehashVerifier;
            let key =
                hex::decode(input(case, "EcdsaPrivateKey")["value"].as_str().unwrap()).unwrap();
            let digest =
                hex::decode(input(case, "EcdsaDigestMessage")["value"].as_str().unwrap()).unwrap();
            let signing_key = k256::ecdsa::SigningKey::from_slice(&key).unwrap();
            let verifying_key = signing_key.verifying_key();
            let sig = k256::ecdsa::Signature::from_scalars(
                signature.r_be_bytes(),
                signature.s_be_bytes(),
            )
            .unwrap();
            verifying_key
                .verify_prehash(&digest, &sig)
                .unwrap_or_else(|e| panic!("{case_name}: ECDSA signature does not verify: {e}"));
            assert_eq!(sig.normalize_s(), sig, "{case_name}: s is not low");
        }
        ClearValue::EddsaSignature(signature) => {
            let message =
                hex::decode(input(case, "EddsaMessage")["value"].as_str().unwrap()).unwrap();
            let public = outputs
                .values()
                .iter()
                .find_map(|o| match &o.value {
                    ClearValue::EddsaPublicKey(k) => Some(*k.as_bytes()),
                    _ => None,
                })
                .expect("the EdDSA fixture outputs the public key");
            let key = ed25519_dalek::VerifyingKey::from_bytes(&public).unwrap();
            let sig = ed25519_dalek::Signature::from_bytes(signature.as_bytes());
            key.verify_strict(&message, &sig)
                .unwrap_or_else(|e| panic!("{case_name}: EdDSA signature does not verify: {e}"));
        }
        other => panic!("{case_name}: unexpected randomized output {other:?}"),
    }
}

/// Signatures differ between seeds (randomized, like the network's), and the same seed gives
/// the same signature (reproducible tests).
#[test]
fn signatures_are_randomized_but_reproducible() {
    for name in ["ecdsa_sign", "builtin_teddsa_sign"] {
        let json = load_json(name);
        let config = EvalConfig::new(prime_of(&json));
        let (_, bytes) = &binaries(name)[0];
        let program = Program::decode(bytes).unwrap();
        let case = &json["test_cases"][0];
        let run = |seed| {
            let mut rng = StdRng::seed_from_u64(seed);
            evaluate(&program, &case_inputs(case), &config, &mut rng).unwrap()
        };
        assert_eq!(run(1), run(1), "{name}");
        assert_ne!(run(1), run(2), "{name}");
    }
}

/// `trunc_pr` on 13 with m = 2: the carry is set with probability 1/4 (docs/nada.md §7.1).
#[test]
fn trunc_pr_carry_probability() {
    let json = load_json("random_trunc");
    let (_, bytes) = &binaries("random_trunc")[0];
    let program = Program::decode(bytes).unwrap();
    let config = EvalConfig::new(prime_of(&json));
    let case = &json["test_cases"][0];
    let mut rng = StdRng::seed_from_u64(7);
    let runs = 4000;
    let mut threes = 0;
    for _ in 0..runs {
        let outputs = evaluate(&program, &case_inputs(case), &config, &mut rng).unwrap();
        if scalar_text(outputs.get("a_trunc_pr_2").unwrap()) == "3" {
            threes += 1;
        }
    }
    // Expected 1000; 6 standard deviations (~27 each) either side.
    assert!((840..=1160).contains(&threes), "{threes} of {runs}");
}
