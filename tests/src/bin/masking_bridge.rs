//! Our masker behind a JSON pipe, for the interop suite to compare with the official one.
//!
//! One request on stdin, one answer on stdout:
//! - `{"op": "mask", "prime": 256, "degree": 1, "parties": [hex...], "values": {name: value}}`
//!   answers `{"shares": {party: {name: value_proto_hex}}}`;
//! - `{"op": "unmask", "prime": ..., "degree": ..., "parties": [...], "shares": {...}}` answers
//!   `{"values": {name: value}}`.
//!
//! Values are in the JSON form of the masking vectors. Errors go to stderr with exit code 1.

use std::collections::BTreeMap;
use std::io::Read;

use nilvm_core::field::Prime;
use nilvm_core::masking::{PartyId, PartyJar, SecretMasker};
use nilvm_core::values::proto::{value_from_proto, value_to_proto};
use nilvm_proto::Message;
use nilvm_proto::nillion::values::v1::value::Value;
use nilvm_tests::vector_json::{clear_map_from_json, clear_to_json};
use serde_json::{Map, Value as Json, json};

fn masker(request: &Json) -> Result<SecretMasker, String> {
    let bits = request["prime"]
        .as_u64()
        .ok_or("'prime' must be 64, 128 or 256")?;
    let prime = Prime::ALL
        .into_iter()
        .find(|p| u64::from(p.bits()) == bits)
        .ok_or("unknown prime")?;
    let degree = request["degree"]
        .as_u64()
        .ok_or("'degree' must be a number")?;
    let parties = request["parties"]
        .as_array()
        .ok_or("'parties' must be a list")?
        .iter()
        .map(|p| {
            p.as_str()
                .and_then(|p| hex::decode(p).ok())
                .map(PartyId::new)
                .ok_or("party ids must be hex")
        })
        .collect::<Result<Vec<_>, _>>()?;
    SecretMasker::new(prime, degree, parties).map_err(|e| e.to_string())
}

fn mask(request: &Json) -> Result<Json, String> {
    let masker = masker(request)?;
    let values = clear_map_from_json(&request["values"])?;
    let masked = masker
        .mask(&values, &mut rand::rng())
        .map_err(|e| e.to_string())?;
    let mut shares = Map::new();
    for (party, values) in masked {
        let mut encoded = Map::new();
        for (name, value) in values {
            let bytes = value_to_proto(&value)
                .map_err(|e| e.to_string())?
                .encode_to_vec();
            encoded.insert(name, json!(hex::encode(bytes)));
        }
        shares.insert(hex::encode(party.as_bytes()), Json::Object(encoded));
    }
    Ok(json!({"shares": shares}))
}

fn unmask(request: &Json) -> Result<Json, String> {
    let masker = masker(request)?;
    let mut jar = PartyJar::new();
    for (party, values) in request["shares"]
        .as_object()
        .ok_or("'shares' must be an object")?
    {
        let mut decoded = BTreeMap::new();
        for (name, bytes) in values
            .as_object()
            .ok_or("each party's shares must be an object")?
        {
            let bytes = bytes
                .as_str()
                .and_then(|b| hex::decode(b).ok())
                .ok_or("shares must be hex")?;
            let proto = Value::decode(bytes.as_slice()).map_err(|e| format!("{name}: {e}"))?;
            decoded.insert(
                name.clone(),
                value_from_proto(&proto, masker.prime()).map_err(|e| e.to_string())?,
            );
        }
        let id = hex::decode(party).map_err(|e| format!("party {party}: {e}"))?;
        jar.add(PartyId::new(id), decoded)
            .map_err(|e| e.to_string())?;
    }
    let values = masker.unmask(&jar).map_err(|e| e.to_string())?;
    let values = values
        .iter()
        .map(|(name, value)| Ok((name.clone(), clear_to_json(value)?)))
        .collect::<Result<Map<_, _>, String>>()?;
    Ok(json!({"values": values}))
}

fn main() -> std::process::ExitCode {
    let mut input = String::new();
    let answer = std::io::stdin()
        .read_to_string(&mut input)
        .map_err(|e| e.to_string())
        .and_then(|_| serde_json::from_str::<Json>(&input).map_err(|e| e.to_string()))
        .and_then(|request| match request["op"].as_str() {
            Some("mask") => mask(&request),
            Some("unmask") => unmask(&request),
            _ => Err("'op' must be \"mask\" or \"unmask\"".into()),
        });
    match answer {
        Ok(answer) => {
            println!("{answer}");
            std::process::ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("masking-bridge: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}
