//! The official vectors: unmasking official shares, classify and payload size, and the
//! deterministic masker reproducing recorded shares byte for byte.
#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use std::collections::BTreeMap;

use common::*;
use nilvm_core::masking::{PartyId, UnmaskingError};
use nilvm_core::values::proto::value_to_proto;
use nilvm_core::values::{classify, payload_size};
use nilvm_proto::Message as _;

fn masking_file(file_name: &str) {
    let file = load(file_name);
    let mut checked = 0;
    for case in file["cases"].as_array().unwrap() {
        let id = case["id"].as_str().unwrap();
        let masker = masker(&file, case);
        let prime = masker.prime();
        let clear = clear_map(&case["clear"]).unwrap();
        let encrypted = encrypted_of(case, prime);
        if case["value_proto_hex"].is_object() {
            // The protobuf bytes decode through prost to the same values.
            assert_eq!(
                encrypted_from_proto_hex(&case["value_proto_hex"], prime),
                encrypted,
                "{id}"
            );
        }
        if id.ends_with("secret_blob.empty") {
            // The official masker silently drops an empty blob; we refuse to mask it.
            assert!(masker.mask(&clear, &mut rand::rng()).is_err(), "{id}");
        }

        // classify and payload size.
        let c = classify(clear.values(), prime);
        if case["classify"].is_object() {
            assert_eq!(
                c.shares,
                case["classify"]["shares"].as_u64().unwrap(),
                "{id} shares"
            );
            assert_eq!(
                c.public,
                case["classify"]["public"].as_u64().unwrap(),
                "{id} public"
            );
            assert_eq!(
                c.ecdsa_private_key_shares,
                case["classify"]["ecdsa_private_key_shares"]
                    .as_u64()
                    .unwrap(),
                "{id} ecdsa"
            );
        }
        for (p, size) in case["payload_size_by_party"]
            .as_object()
            .into_iter()
            .flatten()
        {
            let values = &encrypted[&party(p)];
            assert_eq!(
                payload_size(values).unwrap(),
                size.as_u64().unwrap(),
                "{id} payload {p}"
            );
        }

        for u in case["unmask"].as_array().unwrap() {
            let label = u["label"].as_str().unwrap();
            let parties: Vec<PartyId> = u["parties"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| party(p.as_str().unwrap()))
                .collect();
            let jar = jar_of(&encrypted, &parties);
            let ours = masker.unmask(&jar);
            let official_ok =
                u.get("result").is_some() && u["matches_clear"].as_bool().unwrap_or(false);
            if official_ok {
                let expected = clear_map(&u["result"]).unwrap();
                assert_eq!(ours.as_ref().ok(), Some(&expected), "{id} / {label}");
                if !id.ends_with("secret_blob.empty") && !id.ends_with("high_s") {
                    assert_eq!(expected, clear, "{id} / {label}: result is the clear input");
                }
            } else {
                // The official code errs or silently returns a wrong value: we must err.
                let err = ours.expect_err(&format!("{id} / {label} must be rejected"));
                if id.contains("tampered_share") {
                    let t = masker.polynomial_degree();
                    match err {
                        UnmaskingError::InconsistentShares { suspect, .. } => {
                            // Redundancy of 2+ extra shares names the culprit.
                            if parties.len() >= t + 3 {
                                assert!(suspect.is_some(), "{id}: suspect named");
                            }
                        }
                        other => panic!("{id}: unexpected {other}"),
                    }
                }
            }
            checked += 1;
        }
    }
    assert!(checked > 0);
}

#[test]
fn masking_u64() {
    masking_file("masking_u64.json");
}

#[test]
fn masking_u128() {
    masking_file("masking_u128.json");
}

#[test]
fn masking_u256() {
    masking_file("masking_u256.json");
}

/// The tampered share is the one whose value the vector changed; check we name exactly it.
#[test]
fn tampered_share_names_the_right_party() {
    for file_name in ["masking_u64.json", "masking_u128.json", "masking_u256.json"] {
        let file = load(file_name);
        for case in file["cases"].as_array().unwrap() {
            let id = case["id"].as_str().unwrap();
            if !id.contains("tampered_share") || case["polynomial_degree"].as_u64() != Some(2) {
                continue;
            }
            let masker = masker(&file, case);
            let encrypted = encrypted_of(case, masker.prime());
            let all: Vec<PartyId> = encrypted.keys().cloned().collect();
            let err = masker.unmask(&jar_of(&encrypted, &all)).unwrap_err();
            let UnmaskingError::InconsistentShares {
                suspect: Some(suspect),
                ..
            } = err
            else {
                panic!("{id}: {err}")
            };
            // Without the suspect, the remaining shares give the clear value.
            let rest: Vec<PartyId> = all.into_iter().filter(|p| *p != suspect).collect();
            let recovered = masker.unmask(&jar_of(&encrypted, &rest)).unwrap();
            assert_eq!(recovered, clear_map(&case["clear"]).unwrap(), "{id}");
        }
    }
}

#[test]
fn deterministic_shares_byte_for_byte() {
    check_recorded_shares(|masker, clear, source| {
        let masked = masker.mask_with_source(clear, source).unwrap();
        let hex = masked
            .iter()
            .map(|(p, values)| {
                let values = values
                    .iter()
                    .map(|(name, v)| {
                        let bytes = value_to_proto(v).unwrap().encode_to_vec();
                        (name.clone(), hex::encode(bytes))
                    })
                    .collect();
                (p.clone(), values)
            })
            .collect();
        // And the official shares unmask to the clear value with our unmasker.
        let unmasked = masker.unmask(&masked.into()).unwrap();
        MaskedCase { hex, unmasked }
    });
}

#[test]
fn empty_mask_gives_one_empty_map_per_party() {
    let file = load("deterministic_shares.json");
    let case = &file["cases"][0];
    let masker = masker(&file, case);
    let masked = masker.mask(&BTreeMap::new(), &mut rand::rng()).unwrap();
    assert_eq!(masked.len(), masker.parties().len());
    assert!(masked.values().all(BTreeMap::is_empty));
}
