//! Clear values in the JSON form of the masking vectors (`testdata/vectors/README.md`):
//! `{"type": "SecretInteger", "value": "-5"}`, blobs and keys as hex, arrays as
//! `{"type": "Array", "values": [...]}`. The interop suite speaks it to the masking bridge.

use std::collections::BTreeMap;

use nilvm_core::values::{
    Array, ClearValue, EcdsaDigestMessage, EcdsaPrivateKey, EcdsaSignature, Integer, SecretBlob,
    SecretBoolean, SecretInteger, SecretUnsignedInteger, UnsignedInteger,
};
use serde_json::{Value as Json, json};

fn text<'a>(v: &'a Json, key: &str) -> Result<&'a str, String> {
    v[key]
        .as_str()
        .ok_or_else(|| format!("{v}: '{key}' is not a string"))
}

fn bytes(v: &Json, key: &str) -> Result<Vec<u8>, String> {
    hex::decode(text(v, key)?).map_err(|e| format!("{v}: '{key}' is not hex: {e}"))
}

fn flag(v: &Json) -> Result<bool, String> {
    v["value"]
        .as_bool()
        .ok_or_else(|| format!("{v}: 'value' is not a boolean"))
}

/// A clear value from its JSON form.
pub fn clear_from_json(v: &Json) -> Result<ClearValue, String> {
    let integer = |v: &Json| {
        text(v, "value")?
            .parse::<Integer>()
            .map_err(|e| e.to_string())
    };
    let unsigned = |v: &Json| {
        text(v, "value")?
            .parse::<UnsignedInteger>()
            .map_err(|e| e.to_string())
    };
    let value = match text(v, "type")? {
        "SecretInteger" => SecretInteger::new(integer(v)?).into(),
        "Integer" => integer(v)?.into(),
        "SecretUnsignedInteger" => SecretUnsignedInteger::new(unsigned(v)?).into(),
        "UnsignedInteger" => unsigned(v)?.into(),
        "SecretBoolean" => SecretBoolean::new(flag(v)?).into(),
        "Boolean" => ClearValue::Boolean(flag(v)?),
        "SecretBlob" => SecretBlob::new(bytes(v, "value")?).into(),
        "EcdsaPrivateKey" => EcdsaPrivateKey::from_be_bytes(&bytes(v, "value")?)
            .map_err(|e| e.to_string())?
            .into(),
        "EcdsaDigestMessage" => EcdsaDigestMessage::new(&bytes(v, "value")?)
            .map_err(|e| e.to_string())?
            .into(),
        "EcdsaSignature" => EcdsaSignature::from_be_bytes(&bytes(v, "r")?, &bytes(v, "s")?)
            .map_err(|e| e.to_string())?
            .into(),
        "Array" => {
            let items = v["values"]
                .as_array()
                .ok_or_else(|| format!("{v}: 'values' is not a list"))?;
            let values = items
                .iter()
                .map(clear_from_json)
                .collect::<Result<Vec<_>, _>>()?;
            Array::new(values).map_err(|e| e.to_string())?.into()
        }
        other => return Err(format!("unknown value type {other:?}")),
    };
    Ok(value)
}

/// The JSON form of a clear value.
pub fn clear_to_json(value: &ClearValue) -> Result<Json, String> {
    Ok(match value {
        ClearValue::SecretInteger(v) => {
            json!({"type": "SecretInteger", "value": v.value().to_string()})
        }
        ClearValue::Integer(v) => json!({"type": "Integer", "value": v.to_string()}),
        ClearValue::SecretUnsignedInteger(v) => {
            json!({"type": "SecretUnsignedInteger", "value": v.value().to_string()})
        }
        ClearValue::UnsignedInteger(v) => {
            json!({"type": "UnsignedInteger", "value": v.to_string()})
        }
        ClearValue::SecretBoolean(v) => json!({"type": "SecretBoolean", "value": v.value()}),
        ClearValue::Boolean(v) => json!({"type": "Boolean", "value": v}),
        ClearValue::SecretBlob(v) => {
            json!({"type": "SecretBlob", "value": hex::encode(v.as_bytes())})
        }
        ClearValue::EcdsaPrivateKey(k) => {
            json!({"type": "EcdsaPrivateKey", "value": hex::encode(k.to_be_bytes())})
        }
        ClearValue::EcdsaDigestMessage(d) => {
            json!({"type": "EcdsaDigestMessage", "value": hex::encode(d.as_bytes())})
        }
        ClearValue::EcdsaSignature(s) => {
            json!({"type": "EcdsaSignature", "r": hex::encode(s.r_be_bytes()), "s": hex::encode(s.s_be_bytes())})
        }
        ClearValue::Array(a) => {
            let values = a
                .values()
                .iter()
                .map(clear_to_json)
                .collect::<Result<Vec<_>, _>>()?;
            json!({"type": "Array", "values": values})
        }
        other => return Err(format!("no JSON form for {:?}", other.value_type())),
    })
}

/// Named values from a JSON object.
pub fn clear_map_from_json(v: &Json) -> Result<BTreeMap<String, ClearValue>, String> {
    let object = v
        .as_object()
        .ok_or_else(|| format!("{v}: expected an object of values"))?;
    object
        .iter()
        .map(|(name, value)| Ok((name.clone(), clear_from_json(value)?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_vector_value_round_trips() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../testdata/vectors/masking_u256.json"
        );
        let file: Json = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let mut count = 0;
        for case in file["cases"].as_array().unwrap() {
            for value in case["clear"].as_object().unwrap().values() {
                let clear = clear_from_json(value).unwrap();
                assert_eq!(
                    clear_from_json(&clear_to_json(&clear).unwrap()).unwrap(),
                    clear
                );
                count += 1;
            }
        }
        assert!(count > 50);
    }
}
