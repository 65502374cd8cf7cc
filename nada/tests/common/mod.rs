//! Shared helpers: fixture loading and JSON ↔ clear value conversion.
#![allow(dead_code, clippy::unwrap_used, clippy::panic, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::PathBuf;

use nilvm_core::field::Prime;
use nilvm_core::values::{
    Array, ClearValue, EcdsaDigestMessage, EcdsaPrivateKey, EddsaMessage, EddsaPrivateKey,
    EddsaPublicKey, Integer, SecretBoolean, SecretInteger, SecretUnsignedInteger, Tuple,
    UnsignedInteger,
};
use serde_json::Value as Json;

pub fn programs_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../testdata/programs")
}

/// Names of every fixture (files `NAME.json`).
pub fn fixture_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(programs_dir())
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().into_string().unwrap();
            name.strip_suffix(".json").map(str::to_string)
        })
        .collect();
    names.sort();
    names
}

pub fn load_json(name: &str) -> Json {
    serde_json::from_slice(&std::fs::read(programs_dir().join(format!("{name}.json"))).unwrap())
        .unwrap()
}

/// The program files of a fixture: the compiler output and, if present, the preprocessed form.
pub fn binaries(name: &str) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for file in [
        format!("{name}.nada.bin"),
        format!("{name}.preprocessed.nada.bin"),
    ] {
        if let Ok(bytes) = std::fs::read(programs_dir().join(&file)) {
            out.push((file, bytes));
        }
    }
    out
}

pub fn prime_of(json: &Json) -> Prime {
    match json["prime"]["bits"].as_u64() {
        Some(64) => Prime::U64,
        Some(128) => Prime::U128,
        _ => Prime::U256,
    }
}

/// A fixture value of the given type name.
pub fn clear(ty: &str, value: &Json) -> ClearValue {
    if let Some(inner) = ty.strip_prefix("Array<").and_then(|t| t.strip_suffix('>')) {
        let values = value
            .as_array()
            .unwrap()
            .iter()
            .map(|v| clear(inner, v))
            .collect();
        return ClearValue::Array(Array::new(values).unwrap());
    }
    if let Some(inner) = ty.strip_prefix("Tuple<").and_then(|t| t.strip_suffix('>')) {
        let (left, right) = split_top_level(inner);
        let pair = value.as_array().unwrap();
        return ClearValue::Tuple(
            Tuple::new(clear(left, &pair[0]), clear(right, &pair[1])).unwrap(),
        );
    }
    let text = || value.as_str().unwrap_or_else(|| panic!("{ty}: {value}"));
    let bytes = || hex::decode(text()).unwrap();
    match ty {
        "Integer" => ClearValue::Integer(text().parse::<Integer>().unwrap()),
        "SecretInteger" => {
            ClearValue::SecretInteger(SecretInteger::new(text().parse::<Integer>().unwrap()))
        }
        "UnsignedInteger" => {
            ClearValue::UnsignedInteger(text().parse::<UnsignedInteger>().unwrap())
        }
        "SecretUnsignedInteger" => ClearValue::SecretUnsignedInteger(SecretUnsignedInteger::new(
            text().parse::<UnsignedInteger>().unwrap(),
        )),
        "Boolean" => ClearValue::Boolean(value.as_bool().unwrap()),
        "SecretBoolean" => ClearValue::SecretBoolean(SecretBoolean::new(value.as_bool().unwrap())),
        "EcdsaPrivateKey" => {
            ClearValue::EcdsaPrivateKey(EcdsaPrivateKey::from_be_bytes(&bytes()).unwrap())
        }
        "EcdsaDigestMessage" => {
            ClearValue::EcdsaDigestMessage(EcdsaDigestMessage::new(&bytes()).unwrap())
        }
        "EddsaPrivateKey" => {
            // The fixtures give the scalar big-endian; the value type holds it little-endian.
            let mut le = bytes();
            le.reverse();
            ClearValue::EddsaPrivateKey(EddsaPrivateKey::from_le_bytes(&le).unwrap())
        }
        "EddsaMessage" => ClearValue::EddsaMessage(EddsaMessage::new(bytes())),
        "EddsaPublicKey" => ClearValue::EddsaPublicKey(EddsaPublicKey::new(&bytes()).unwrap()),
        other => panic!("unknown fixture type {other}"),
    }
}

/// Splits "A, B" at the comma that is not inside angle brackets.
fn split_top_level(types: &str) -> (&str, &str) {
    let mut depth = 0;
    for (i, c) in types.char_indices() {
        match c {
            '<' => depth += 1,
            '>' => depth -= 1,
            ',' if depth == 0 => return (types[..i].trim(), types[i + 1..].trim()),
            _ => {}
        }
    }
    panic!("not a pair of types: {types}")
}

/// The inputs of a test case, name → value.
pub fn case_inputs(case: &Json) -> BTreeMap<String, ClearValue> {
    case["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["name"].as_str().unwrap().to_string(),
                clear(i["type"].as_str().unwrap(), &i["value"]),
            )
        })
        .collect()
}

/// The inputs of a test case grouped by party.
pub fn case_inputs_by_party(case: &Json) -> BTreeMap<String, BTreeMap<String, ClearValue>> {
    let mut out: BTreeMap<String, BTreeMap<String, ClearValue>> = BTreeMap::new();
    for i in case["inputs"].as_array().unwrap() {
        out.entry(i["party"].as_str().unwrap().to_string())
            .or_default()
            .insert(
                i["name"].as_str().unwrap().to_string(),
                clear(i["type"].as_str().unwrap(), &i["value"]),
            );
    }
    out
}
