//! Every protobuf `Value` the official SDK produced for the masking vectors decodes into our
//! `Value` type and re-encodes to the very same bytes.

#![allow(clippy::unwrap_used, clippy::panic)] // test helpers outside #[test] functions

use std::path::PathBuf;

use nilvm_proto::Message;
use nilvm_proto::nillion::values::v1::value::Value;

fn vectors_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../testdata/vectors")
}

/// Calls `check` on every `(case id, party, name, bytes)` of one vector file.
fn for_each_value_proto(file: &str, mut check: impl FnMut(&str, &[u8])) -> usize {
    let path = vectors_dir().join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut count = 0;
    for case in json["cases"].as_array().expect("`cases` is an array") {
        let id = case["id"].as_str().unwrap_or("?");
        let Some(parties) = case["value_proto_hex"].as_object() else {
            continue;
        };
        for (party, values) in parties {
            for (name, hex_bytes) in values.as_object().expect("party -> name -> hex") {
                let bytes = hex::decode(hex_bytes.as_str().unwrap()).unwrap();
                check(&format!("{id} party {party} value {name}"), &bytes);
                count += 1;
            }
        }
    }
    count
}

fn assert_round_trip(label: &str, bytes: &[u8]) {
    let value = Value::decode(bytes).unwrap_or_else(|e| panic!("{label}: decode failed: {e}"));
    assert!(value.value.is_some(), "{label}: decoded to an empty Value");
    assert_eq!(value.encode_to_vec(), bytes, "{label}: re-encoding differs");
}

#[test]
fn official_value_bytes_round_trip_byte_for_byte() {
    let files = [
        "masking_u64.json",
        "masking_u128.json",
        "masking_u256.json",
        "deterministic_shares.json",
    ];
    for file in files {
        let count = for_each_value_proto(file, assert_round_trip);
        assert!(count > 100, "{file}: only {count} encoded values found");
    }
}
