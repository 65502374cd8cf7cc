//! `invalid_inputs.json`: every input the official code rejects is rejected here too; accepted
//! quirks are either reproduced or (listed in `STRICTER`) deliberately rejected.
#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use std::collections::BTreeMap;

use common::*;
use nilvm_core::masking::{PartyId, PartyJar, SecretMasker};
use nilvm_core::values::proto::value_from_proto;
use serde_json::Value as Json;

/// Inputs the official code accepts (or handles nondeterministically) that we reject on
/// purpose, with the reason.
const STRICTER: &[(&str, &str)] = &[
    (
        "unmask.blob_extra_chunk_in_one_party",
        "parties disagree on the chunk count",
    ),
    (
        "unmask.blob_missing_chunk_in_one_party",
        "parties disagree on the chunk count",
    ),
    (
        "unmask.array_length_mismatch",
        "parties disagree on the array length",
    ),
    (
        "unmask.ecdsa_signature_r_differs",
        "signature shares must share r",
    ),
    (
        "quirk.share_kinds_mixed",
        "parties disagree on the value kind",
    ),
    (
        "quirk.blob_chunk_high_byte_dropped",
        "a recovered chunk would lose a non-zero byte",
    ),
    (
        "quirk.blob_original_size_too_large",
        "chunk count does not match original_size",
    ),
    (
        "quirk.duplicate_party_ids_shift_abscissa",
        "duplicate party ids",
    ),
    (
        "quirk.missing_name_in_some_parties",
        "fewer than degree + 1 shares",
    ),
    // The reduction itself is accepted (see `share_not_reduced_is_reduced`), but these three
    // shares do not lie on one degree-1 polynomial.
    ("quirk.share_not_reduced", "inconsistent shares"),
];

fn stricter(id: &str) -> bool {
    STRICTER.iter().any(|(s, _)| *s == id)
}

fn masker_parties(file: &Json, e: &Json) -> Vec<PartyId> {
    match &e["input"]["parties"] {
        Json::String(s) => {
            let n: u16 = s.split(' ').next().unwrap().parse().unwrap();
            (0..n)
                .map(|i| PartyId::new(i.to_be_bytes().to_vec()))
                .collect()
        }
        _ => parties(file, e),
    }
}

/// Runs one entry; `Ok(result)` if we accept it.
fn run(
    file: &Json,
    e: &Json,
) -> Result<Option<BTreeMap<String, nilvm_core::values::ClearValue>>, String> {
    let input = &e["input"];
    match e["stage"].as_str().unwrap() {
        "python_value_constructor" => clear(input).map(|_| None).map_err(|err| err.to_string()),
        "masker_construction" | "mask" | "protobuf_encoding" => {
            let masker = SecretMasker::new(
                prime(input["prime"].as_str().unwrap()),
                input["polynomial_degree"].as_u64().unwrap(),
                masker_parties(file, e),
            )
            .map_err(|err| err.to_string())?;
            if input["values"].is_object() {
                let values = clear_map(&input["values"]).map_err(|err| err.to_string())?;
                let masked = masker
                    .mask(&values, &mut rand::rng())
                    .map_err(|err| err.to_string())?;
                let jar = PartyJar::from(masked);
                return masker.unmask(&jar).map(Some).map_err(|err| err.to_string());
            }
            Ok(None)
        }
        "unmask" | "accepted_quirk" => {
            let masker = SecretMasker::new(
                prime(input["prime"].as_str().unwrap()),
                input["polynomial_degree"].as_u64().unwrap(),
                masker_parties(file, e),
            )
            .map_err(|err| err.to_string())?;
            let mut jar = PartyJar::new();
            for entry in input["jar"].as_array().unwrap() {
                let p = party(entry[0].as_str().unwrap());
                let mut values = BTreeMap::new();
                for (name, wire) in entry[1].as_object().unwrap() {
                    let v = value_from_proto(&wire_to_proto(wire), masker.prime())
                        .map_err(|err| err.to_string())?;
                    values.insert(name.clone(), v);
                }
                jar.add(p, values).map_err(|err| err.to_string())?;
            }
            masker.unmask(&jar).map(Some).map_err(|err| err.to_string())
        }
        other => panic!("unknown stage {other}"),
    }
}

#[test]
fn invalid_inputs() {
    let file = load("invalid_inputs.json");
    let mut rejected = 0;
    for e in file["entries"].as_array().unwrap() {
        let id = e["id"].as_str().unwrap();
        let outcome = run(&file, e);
        match e["outcome"].as_str().unwrap() {
            "rejected" | "nondeterministic" => {
                let err = outcome.expect_err(&format!("{id} must be rejected"));
                assert!(!err.is_empty(), "{id}: clear error");
                rejected += 1;
            }
            "accepted" if stricter(id) => {
                outcome.expect_err(&format!("{id}: we deliberately reject this"));
            }
            "accepted" => {
                let ours = outcome.unwrap_or_else(|err| panic!("{id} must be accepted: {err}"));
                if let (Some(ours), Some(expected)) = (ours, e.get("result")) {
                    if e["stage"] != "masker_construction" {
                        assert_eq!(ours, clear_map(expected).unwrap(), "{id}");
                    }
                }
            }
            other => panic!("unknown outcome {other}"),
        }
    }
    assert!(rejected > 50, "{rejected}");
}

#[test]
fn error_messages_are_clear() {
    let file = load("invalid_inputs.json");
    let find = |id: &str| {
        file["entries"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["id"] == id)
            .unwrap()
            .clone()
    };
    let msg = |id: &str| run(&file, &find(id)).unwrap_err();
    assert!(msg("mask.u64.secret_integer.max_plus_one").contains("overflow"));
    assert!(msg("unmask.share_7_bytes").contains("invalid value length"));
    assert!(msg("unmask.unknown_party").contains("9999999999999999999999999999999999999999"));
    assert!(msg("unmask.duplicate_party").contains("already provided"));
    assert!(msg("masker.255_parties").contains("too many parties"));
    assert!(msg("masker.no_parties").contains("polynomial degree too high"));
    assert!(msg("ctor.array.nesting_100_arrays").contains("maximum recursion depth"));
}

#[test]
fn share_not_reduced_is_reduced() {
    use nilvm_core::field::{FieldElement, Prime};
    let e = FieldElement::from_le_bytes(&[0xff; 8], Prime::U64).unwrap();
    // 2^64 - 1 - p
    assert_eq!(
        e.to_unsigned().to_u64(),
        Some(u64::MAX - 18446744072637906947)
    );
}
