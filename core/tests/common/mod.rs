//! Shared helpers for the vector tests: JSON → clear values, party sets, jars.
#![allow(dead_code, clippy::unwrap_used, clippy::panic)]

use std::collections::BTreeMap;

use nilvm_core::field::{Prime, PrimeField, U256};
use nilvm_core::masking::{PartyId, PartyJar, RandomnessSource, SecretMasker};
use nilvm_core::values::proto::{value_from_proto, value_to_proto};
use nilvm_core::values::{
    Array, ClearValue, EcdsaDigestMessage, EcdsaPrivateKey, EcdsaSignature, EncryptedValue,
    Integer, SecretBlob, SecretBoolean, SecretInteger, SecretUnsignedInteger, UnsignedInteger,
    ValueError,
};
use nilvm_proto::Message as _;
use nilvm_proto::nillion::values::v1::value as pb;
use serde_json::Value as Json;

pub fn load(name: &str) -> Json {
    let path = format!("{}/../testdata/vectors/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap()
}

pub fn prime(name: &str) -> Prime {
    match name {
        "u64" => Prime::U64,
        "u128" => Prime::U128,
        "u256" => Prime::U256,
        other => panic!("unknown prime {other}"),
    }
}

pub fn party(hex_id: &str) -> PartyId {
    PartyId::new(hex::decode(hex_id).unwrap())
}

/// The party ids of a case, in insertion order.
pub fn parties(file: &Json, case: &Json) -> Vec<PartyId> {
    if let Some(list) = case["input"]["parties"]
        .as_array()
        .or(case["parties"].as_array())
    {
        return list.iter().map(|p| party(p.as_str().unwrap())).collect();
    }
    let set = case["party_set"]
        .as_str()
        .or(case["input"]["party_set"].as_str())
        .unwrap();
    file["party_sets"][set]["insertion_order"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| party(p.as_str().unwrap()))
        .collect()
}

pub fn masker(file: &Json, case: &Json) -> SecretMasker {
    let input = if case.get("input").is_some() {
        &case["input"]
    } else {
        case
    };
    SecretMasker::new(
        prime(input["prime"].as_str().unwrap()),
        input["polynomial_degree"].as_u64().unwrap(),
        parties(file, case),
    )
    .unwrap()
}

/// A clear value from its JSON description.
pub fn clear(v: &Json) -> Result<ClearValue, ValueError> {
    let s = |k: &str| v[k].as_str().unwrap_or_default().to_string();
    let bytes = |k: &str| hex::decode(v[k].as_str().unwrap_or_default()).unwrap();
    Ok(match v["type"].as_str().unwrap() {
        "SecretInteger" => SecretInteger::new(s("value").parse::<Integer>()?).into(),
        "Integer" => s("value").parse::<Integer>()?.into(),
        "SecretUnsignedInteger" => {
            SecretUnsignedInteger::new(s("value").parse::<UnsignedInteger>()?).into()
        }
        "UnsignedInteger" => s("value").parse::<UnsignedInteger>()?.into(),
        "SecretBoolean" => SecretBoolean::new(v["value"].as_bool().unwrap()).into(),
        "Boolean" => ClearValue::Boolean(v["value"].as_bool().unwrap()),
        "SecretBlob" => SecretBlob::new(bytes("value")).into(),
        "EcdsaPrivateKey" => EcdsaPrivateKey::from_be_bytes(&bytes("value"))?.into(),
        "EcdsaDigestMessage" => EcdsaDigestMessage::new(&bytes("value"))?.into(),
        "EcdsaSignature" => EcdsaSignature::from_be_bytes(&bytes("r"), &bytes("s"))?.into(),
        "Array" => {
            if let Some(n) = v["nesting"].as_u64() {
                let mut value = clear(&v["leaf"])?;
                for _ in 0..n {
                    value = Array::new(vec![value])?.into();
                }
                value
            } else {
                let values = v["values"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(clear)
                    .collect::<Result<Vec<_>, _>>()?;
                Array::new(values)?.into()
            }
        }
        other => panic!("unknown clear type {other}"),
    })
}

pub fn clear_map(v: &Json) -> Result<BTreeMap<String, ClearValue>, ValueError> {
    v.as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| Ok((k.clone(), clear(v)?)))
        .collect()
}

/// party → name → encrypted value, decoded from `value_proto_hex` through prost and our
/// protobuf conversion.
pub fn encrypted_from_proto_hex(
    v: &Json,
    prime: Prime,
) -> BTreeMap<PartyId, BTreeMap<String, EncryptedValue>> {
    let mut out = BTreeMap::new();
    for (p, names) in v.as_object().unwrap() {
        let mut values = BTreeMap::new();
        for (name, hex_value) in names.as_object().unwrap() {
            let bytes = hex::decode(hex_value.as_str().unwrap()).unwrap();
            let proto = pb::Value::decode(bytes.as_slice()).unwrap();
            let value = value_from_proto(&proto, prime).unwrap();
            // Our encoder writes the same bytes back.
            assert_eq!(
                hex::encode(value_to_proto(&value).unwrap().encode_to_vec()),
                hex_value.as_str().unwrap(),
                "re-encoding {p}/{name}"
            );
            values.insert(name.clone(), value);
        }
        out.insert(party(p), values);
    }
    out
}

/// Converts a wire value in the JSON "kind" notation to protobuf.
pub fn wire_to_proto(v: &Json) -> pb::Value {
    use pb::value::Value as K;
    let bytes = |k: &str| hex::decode(v[k].as_str().unwrap_or_default()).unwrap();
    let kind = match v["kind"].as_str().unwrap() {
        "public_integer" => K::PublicInteger(pb::PublicInteger {
            value: bytes("value"),
        }),
        "public_unsigned_integer" => K::PublicUnsignedInteger(pb::PublicInteger {
            value: bytes("value"),
        }),
        "public_boolean" => K::PublicBoolean(pb::PublicInteger {
            value: bytes("value"),
        }),
        "shamir_share_integer" => K::ShamirShareInteger(pb::ShamirShare {
            value: bytes("value"),
        }),
        "shamir_share_unsigned_integer" => K::ShamirShareUnsignedInteger(pb::ShamirShare {
            value: bytes("value"),
        }),
        "shamir_share_boolean" => K::ShamirShareBoolean(pb::ShamirShare {
            value: bytes("value"),
        }),
        "shamir_shares_blob" => K::ShamirSharesBlob(pb::ShamirSharesBlob {
            shares: v["shares"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| pb::ShamirShare {
                    value: hex::decode(s.as_str().unwrap()).unwrap(),
                })
                .collect(),
            original_size: v["original_size"].as_u64().unwrap_or(0),
        }),
        "array" => K::Array(pb::Array {
            values: v["values"]
                .as_array()
                .unwrap()
                .iter()
                .map(wire_to_proto)
                .collect(),
            inner_type: Some(wire_type_to_proto(&v["inner_type"])),
        }),
        "ecdsa_private_key_share" => K::EcdsaPrivateKeyShare(pb::EcdsaPrivateKeyShare {
            i: v["i"].as_u64().unwrap_or(0) as u32,
            x: bytes("x"),
            shared_public_key: bytes("shared_public_key"),
            public_shares: v["public_shares"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| hex::decode(s.as_str().unwrap()).unwrap())
                .collect(),
        }),
        "ecdsa_signature_share" => K::EcdsaSignatureShare(pb::EcdsaSignatureShare {
            r: bytes("r"),
            sigma: bytes("sigma"),
        }),
        "ecdsa_message_digest" => K::EcdsaMessageDigest(pb::EcdsaMessageDigest {
            digest: bytes("digest"),
        }),
        other => panic!("unknown wire kind {other}"),
    };
    pb::Value { value: Some(kind) }
}

pub fn wire_type_to_proto(t: &Json) -> pb::ValueType {
    use pb::value_type::ValueType as T;
    let kind = match t["kind"].as_str().unwrap() {
        "public_integer" => T::PublicInteger(()),
        "public_unsigned_integer" => T::PublicUnsignedInteger(()),
        "public_boolean" => T::PublicBoolean(()),
        "shamir_share_integer" => T::ShamirShareInteger(()),
        "shamir_share_unsigned_integer" => T::ShamirShareUnsignedInteger(()),
        "shamir_share_boolean" => T::ShamirShareBoolean(()),
        "ecdsa_private_key_share" => T::EcdsaPrivateKeyShare(()),
        "ecdsa_message_digest" => T::EcdsaMessageDigest(()),
        "ecdsa_signature_share" => T::EcdsaSignatureShare(()),
        "array" => T::Array(Box::new(pb::ArrayType {
            inner_type: Some(Box::new(wire_type_to_proto(&t["inner_type"]))),
            size: t["size"].as_u64().unwrap_or(0),
        })),
        other => panic!("unknown wire type {other}"),
    };
    pb::ValueType {
        value_type: Some(kind),
    }
}

pub fn jar_of(
    encrypted: &BTreeMap<PartyId, BTreeMap<String, EncryptedValue>>,
    only: &[PartyId],
) -> PartyJar {
    let mut jar = PartyJar::new();
    for (p, values) in encrypted {
        if only.contains(p) {
            jar.add(p.clone(), values.clone()).unwrap();
        }
    }
    jar
}

/// Randomness from recorded coefficients and additive shares.
#[derive(Default)]
pub struct Recorded {
    pub coefficients: std::collections::VecDeque<U256>,
    pub secp256k1: std::collections::VecDeque<k256::Scalar>,
}

impl Recorded {
    /// The randomness a case of `deterministic_shares.json` recorded, for `parties` parties:
    /// each polynomial's coefficients after the secret, then the first `parties - 1` additive
    /// (and sigma) shares.
    pub fn of_case(case: &Json, parties: usize) -> Self {
        let mut source = Self::default();
        for poly in case["polynomials"].as_array().into_iter().flatten() {
            for c in poly["coefficients"].as_array().unwrap().iter().skip(1) {
                source
                    .coefficients
                    .push_back(U256::from_str_radix_vartime(c.as_str().unwrap(), 10).unwrap());
            }
        }
        for key in ["additive_shares_hex_be", "sigma_shares_hex_be"] {
            for s in case[key].as_array().into_iter().flatten().take(parties - 1) {
                let bytes: [u8; 32] = hex::decode(s.as_str().unwrap())
                    .unwrap()
                    .try_into()
                    .unwrap();
                source.secp256k1.push_back(
                    <k256::Scalar as k256::elliptic_curve::PrimeField>::from_repr(bytes.into())
                        .unwrap(),
                );
            }
        }
        source
    }
}

impl RandomnessSource for Recorded {
    fn coefficient<F: PrimeField>(&mut self) -> F {
        let v = self
            .coefficients
            .pop_front()
            .expect("ran out of recorded coefficients");
        F::from_u256(&v).expect("coefficient below p")
    }
    fn secp256k1_scalar(&mut self) -> k256::Scalar {
        self.secp256k1
            .pop_front()
            .expect("ran out of recorded scalars")
    }
    fn ed25519_scalar(&mut self) -> curve25519_dalek::Scalar {
        panic!("no EdDSA in the vectors")
    }
}

/// party → name → encrypted value, from the JSON wire notation of `encrypted`; where the case
/// has `value_proto_hex`, also checks that our encoder writes exactly those bytes.
pub fn encrypted_of(
    case: &Json,
    prime: Prime,
) -> BTreeMap<PartyId, BTreeMap<String, EncryptedValue>> {
    let mut out = BTreeMap::new();
    for (p, names) in case["encrypted"].as_object().unwrap() {
        let mut values = BTreeMap::new();
        for (name, wire) in names.as_object().unwrap() {
            let value = value_from_proto(&wire_to_proto(wire), prime).unwrap();
            if let Some(hex_value) = case["value_proto_hex"][p][name].as_str() {
                let ours = hex::encode(value_to_proto(&value).unwrap().encode_to_vec());
                assert_eq!(ours, hex_value, "{} {p} {name}", case["id"]);
            }
            values.insert(name.clone(), value);
        }
        out.insert(party(p), values);
    }
    out
}

/// What a masker made of one recorded case: each party's values as hex of their wire bytes,
/// by name, and what unmasking them gave back.
pub struct MaskedCase {
    pub hex: BTreeMap<PartyId, BTreeMap<String, String>>,
    pub unmasked: BTreeMap<String, ClearValue>,
}

/// Every recorded case of `deterministic_shares.json` (84), masked and unmasked by `run` with
/// the case's recorded randomness: checks all of it was used, that every party's value has the
/// recorded bytes, and that unmasking gives back the clear values.
pub fn check_recorded_shares(
    run: impl Fn(&SecretMasker, &BTreeMap<String, ClearValue>, &mut Recorded) -> MaskedCase,
) {
    let file = load("deterministic_shares.json");
    let mut checked = 0;
    for case in file["cases"].as_array().unwrap() {
        let id = case["id"].as_str().unwrap();
        let masker = masker(&file, case);
        let clear = clear_map(&case["clear"]).unwrap();
        let mut source = Recorded::of_case(case, masker.parties().len());
        let masked = run(&masker, &clear, &mut source);
        assert!(
            source.coefficients.is_empty() && source.secp256k1.is_empty(),
            "{id}: all randomness used"
        );
        let expected = case["value_proto_hex"].as_object().unwrap();
        assert_eq!(masked.hex.len(), expected.len(), "{id}");
        for (p, names) in expected {
            for (name, hex_value) in names.as_object().unwrap() {
                assert_eq!(
                    masked.hex[&party(p)][name.as_str()],
                    hex_value.as_str().unwrap(),
                    "{id} {p} {name}"
                );
            }
        }
        assert_eq!(masked.unmasked, clear, "{id}");
        checked += 1;
    }
    assert_eq!(checked, 84);
}
