//! Conversion between encrypted values and the `nilvm-proto` messages
//! (`nillion.values.v1.value`, docs/masking.md §12).
//!
//! Encoding always writes canonical forms: fixed-width little-endian field elements, 32-byte
//! little-endian scalars, compressed points. Decoding is as lenient as the nodes where the fact
//! sheet says they are (field elements ≥ p are reduced; ECDSA scalars may be shorter than 32
//! bytes; uncompressed points are accepted), and strict everywhere else (exact field width,
//! key-share consistency, homogeneous non-empty arrays, type depth ≤ 100).

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use nilvm_proto::nillion::values::v1::value as pb;
use pb::value::Value as Kind;
use pb::value_type::ValueType as TypeKind;

use super::{
    BlobShares, EcdsaDigestMessage, EcdsaPrivateKeyShare, EcdsaPublicKey, EcdsaSignatureShare,
    EddsaMessage, EddsaPrivateKeyShare, EddsaPublicKey, EddsaSignature, EncryptedArray,
    EncryptedValue, EncryptedValueType, MAX_TYPE_DEPTH, StoreId, ValueError, ed_point_from_bytes,
    ed_scalar_from_le, point_from_sec1, point_to_compressed, scalar_from_le, scalar_to_le,
};
use crate::field::{FieldElement, Prime};

fn invalid(reason: impl Into<String>) -> ValueError {
    ValueError::InvalidProto {
        reason: reason.into(),
    }
}

/// Encodes one encrypted value.
///
/// # Errors
/// [`ValueError::BlobInCompound`] for a blob nested in an array or tuple (no wire type).
pub fn value_to_proto(value: &EncryptedValue) -> Result<pb::Value, ValueError> {
    encode(value, true)
}

fn encode(value: &EncryptedValue, top: bool) -> Result<pb::Value, ValueError> {
    let public = |e: &FieldElement| pb::PublicInteger {
        value: e.to_le_bytes(),
    };
    let share = |e: &FieldElement| pb::ShamirShare {
        value: e.to_le_bytes(),
    };
    let kind = match value {
        EncryptedValue::PublicInteger(e) => Kind::PublicInteger(public(e)),
        EncryptedValue::PublicUnsignedInteger(e) => Kind::PublicUnsignedInteger(public(e)),
        EncryptedValue::PublicBoolean(e) => Kind::PublicBoolean(public(e)),
        EncryptedValue::ShamirShareInteger(e) => Kind::ShamirShareInteger(share(e)),
        EncryptedValue::ShamirShareUnsignedInteger(e) => Kind::ShamirShareUnsignedInteger(share(e)),
        EncryptedValue::ShamirShareBoolean(e) => Kind::ShamirShareBoolean(share(e)),
        EncryptedValue::ShamirSharesBlob(b) => {
            if !top {
                return Err(ValueError::BlobInCompound);
            }
            Kind::ShamirSharesBlob(pb::ShamirSharesBlob {
                shares: b.shares.iter().map(share).collect(),
                original_size: b.original_size,
            })
        }
        EncryptedValue::Array(a) => Kind::Array(pb::Array {
            values: a
                .values
                .iter()
                .map(|v| encode(v, false))
                .collect::<Result<_, _>>()?,
            inner_type: Some(value_type_to_proto(&a.inner_type)),
        }),
        EncryptedValue::Tuple(l, r) => Kind::Tuple(Box::new(pb::Tuple {
            left: Some(Box::new(encode(l, false)?)),
            right: Some(Box::new(encode(r, false)?)),
        })),
        EncryptedValue::EcdsaPrivateKeyShare(s) => {
            Kind::EcdsaPrivateKeyShare(pb::EcdsaPrivateKeyShare {
                i: s.index(),
                x: scalar_to_le(s.x()).to_vec(),
                shared_public_key: point_to_compressed(&(*s.shared_public_key()).into()).to_vec(),
                public_shares: s
                    .public_shares()
                    .iter()
                    .map(|p| point_to_compressed(&(*p).into()).to_vec())
                    .collect(),
            })
        }
        EncryptedValue::EcdsaSignatureShare(s) => {
            Kind::EcdsaSignatureShare(pb::EcdsaSignatureShare {
                r: scalar_to_le(&s.r).to_vec(),
                sigma: scalar_to_le(&s.sigma).to_vec(),
            })
        }
        EncryptedValue::EcdsaMessageDigest(d) => Kind::EcdsaMessageDigest(pb::EcdsaMessageDigest {
            digest: d.as_bytes().to_vec(),
        }),
        EncryptedValue::EcdsaPublicKey(k) => Kind::EcdsaPublicKey(pb::EcdsaPublicKey {
            public_key: k.as_bytes().to_vec(),
        }),
        EncryptedValue::StoreId(id) => Kind::StoreId(pb::StoreId {
            store_id: id.as_bytes().to_vec(),
        }),
        EncryptedValue::EddsaPrivateKeyShare(s) => {
            Kind::EddsaPrivateKeyShare(pb::EddsaPrivateKeyShare {
                i: s.index(),
                x: s.x().to_bytes().to_vec(),
                shared_public_key: s.shared_public_key().compress().to_bytes().to_vec(),
                public_shares: s
                    .public_shares()
                    .iter()
                    .map(|p| p.compress().to_bytes().to_vec())
                    .collect(),
            })
        }
        EncryptedValue::EddsaSignature(s) => Kind::EddsaSignature(pb::EddsaSignature {
            signature: s.as_bytes().to_vec(),
        }),
        EncryptedValue::EddsaMessage(m) => Kind::EddsaMessage(pb::EddsaMessage {
            message: m.as_bytes().to_vec(),
        }),
        EncryptedValue::EddsaPublicKey(k) => Kind::EddsaPublicKey(pb::EddsaPublicKey {
            public_key: k.as_bytes().to_vec(),
        }),
    };
    Ok(pb::Value { value: Some(kind) })
}

/// Encodes a value type.
pub fn value_type_to_proto(t: &EncryptedValueType) -> pb::ValueType {
    let kind = match t {
        EncryptedValueType::PublicInteger => TypeKind::PublicInteger(()),
        EncryptedValueType::PublicUnsignedInteger => TypeKind::PublicUnsignedInteger(()),
        EncryptedValueType::PublicBoolean => TypeKind::PublicBoolean(()),
        EncryptedValueType::ShamirShareInteger => TypeKind::ShamirShareInteger(()),
        EncryptedValueType::ShamirShareUnsignedInteger => TypeKind::ShamirShareUnsignedInteger(()),
        EncryptedValueType::ShamirShareBoolean => TypeKind::ShamirShareBoolean(()),
        EncryptedValueType::Array { inner, size } => TypeKind::Array(Box::new(pb::ArrayType {
            inner_type: Some(Box::new(value_type_to_proto(inner))),
            size: *size,
        })),
        EncryptedValueType::Tuple { left, right } => TypeKind::Tuple(Box::new(pb::TupleType {
            left: Some(Box::new(value_type_to_proto(left))),
            right: Some(Box::new(value_type_to_proto(right))),
        })),
        EncryptedValueType::EcdsaPrivateKeyShare => TypeKind::EcdsaPrivateKeyShare(()),
        EncryptedValueType::EcdsaMessageDigest => TypeKind::EcdsaMessageDigest(()),
        EncryptedValueType::EcdsaSignatureShare => TypeKind::EcdsaSignatureShare(()),
        EncryptedValueType::EcdsaPublicKey => TypeKind::EcdsaPublicKey(()),
        EncryptedValueType::StoreId => TypeKind::StoreId(()),
        EncryptedValueType::EddsaPrivateKeyShare => TypeKind::EddsaPrivateKeyShare(()),
        EncryptedValueType::EddsaSignature => TypeKind::EddsaSignature(()),
        EncryptedValueType::EddsaMessage => TypeKind::EddsaMessage(()),
        EncryptedValueType::EddsaPublicKey => TypeKind::EddsaPublicKey(()),
    };
    pb::ValueType {
        value_type: Some(kind),
    }
}

/// Decodes a value type.
///
/// # Errors
/// [`ValueError::InvalidProto`] for a missing oneof, [`ValueError::TooDeep`].
pub fn value_type_from_proto(t: &pb::ValueType) -> Result<EncryptedValueType, ValueError> {
    type_from_proto(t, 1)
}

fn type_from_proto(t: &pb::ValueType, depth: usize) -> Result<EncryptedValueType, ValueError> {
    if depth > MAX_TYPE_DEPTH {
        return Err(ValueError::TooDeep);
    }
    let kind = t
        .value_type
        .as_ref()
        .ok_or_else(|| invalid("value type not set"))?;
    Ok(match kind {
        TypeKind::PublicInteger(()) => EncryptedValueType::PublicInteger,
        TypeKind::PublicUnsignedInteger(()) => EncryptedValueType::PublicUnsignedInteger,
        TypeKind::PublicBoolean(()) => EncryptedValueType::PublicBoolean,
        TypeKind::ShamirShareInteger(()) => EncryptedValueType::ShamirShareInteger,
        TypeKind::ShamirShareUnsignedInteger(()) => EncryptedValueType::ShamirShareUnsignedInteger,
        TypeKind::ShamirShareBoolean(()) => EncryptedValueType::ShamirShareBoolean,
        TypeKind::Array(a) => EncryptedValueType::Array {
            inner: Box::new(type_from_proto(
                a.inner_type
                    .as_deref()
                    .ok_or_else(|| invalid("array type without inner type"))?,
                depth + 1,
            )?),
            size: a.size,
        },
        TypeKind::Tuple(tt) => EncryptedValueType::Tuple {
            left: Box::new(type_from_proto(
                tt.left
                    .as_deref()
                    .ok_or_else(|| invalid("tuple type without left"))?,
                depth + 1,
            )?),
            right: Box::new(type_from_proto(
                tt.right
                    .as_deref()
                    .ok_or_else(|| invalid("tuple type without right"))?,
                depth + 1,
            )?),
        },
        TypeKind::EcdsaPrivateKeyShare(()) => EncryptedValueType::EcdsaPrivateKeyShare,
        TypeKind::EcdsaMessageDigest(()) => EncryptedValueType::EcdsaMessageDigest,
        TypeKind::EcdsaSignatureShare(()) => EncryptedValueType::EcdsaSignatureShare,
        TypeKind::EcdsaPublicKey(()) => EncryptedValueType::EcdsaPublicKey,
        TypeKind::StoreId(()) => EncryptedValueType::StoreId,
        TypeKind::EddsaPrivateKeyShare(()) => EncryptedValueType::EddsaPrivateKeyShare,
        TypeKind::EddsaSignature(()) => EncryptedValueType::EddsaSignature,
        TypeKind::EddsaMessage(()) => EncryptedValueType::EddsaMessage,
        TypeKind::EddsaPublicKey(()) => EncryptedValueType::EddsaPublicKey,
    })
}

/// Decodes one value; field elements are read with the cluster's `prime`.
///
/// # Errors
/// [`ValueError`] describing the first problem found.
pub fn value_from_proto(value: &pb::Value, prime: Prime) -> Result<EncryptedValue, ValueError> {
    decode(value, prime, 1)
}

fn element(bytes: &[u8], prime: Prime) -> Result<FieldElement, ValueError> {
    FieldElement::from_le_bytes(bytes, prime).map_err(|_| ValueError::InvalidValueLength {
        expected: prime.share_bytes(),
        actual: bytes.len(),
    })
}

fn decode(value: &pb::Value, prime: Prime, depth: usize) -> Result<EncryptedValue, ValueError> {
    if depth > MAX_TYPE_DEPTH {
        return Err(ValueError::TooDeep);
    }
    let kind = value
        .value
        .as_ref()
        .ok_or_else(|| invalid("value not set"))?;
    Ok(match kind {
        Kind::PublicBoolean(p) => EncryptedValue::PublicBoolean(element(&p.value, prime)?),
        Kind::PublicInteger(p) => EncryptedValue::PublicInteger(element(&p.value, prime)?),
        Kind::PublicUnsignedInteger(p) => {
            EncryptedValue::PublicUnsignedInteger(element(&p.value, prime)?)
        }
        Kind::ShamirShareBoolean(s) => {
            EncryptedValue::ShamirShareBoolean(element(&s.value, prime)?)
        }
        Kind::ShamirShareInteger(s) => {
            EncryptedValue::ShamirShareInteger(element(&s.value, prime)?)
        }
        Kind::ShamirShareUnsignedInteger(s) => {
            EncryptedValue::ShamirShareUnsignedInteger(element(&s.value, prime)?)
        }
        Kind::Array(a) => {
            let inner_type = type_from_proto(
                a.inner_type
                    .as_ref()
                    .ok_or_else(|| invalid("array without inner type"))?,
                depth + 1,
            )?;
            if a.values.is_empty() {
                return Err(ValueError::EmptyArray);
            }
            let mut values = Vec::with_capacity(a.values.len());
            for (index, v) in a.values.iter().enumerate() {
                let decoded = decode(v, prime, depth + 1)?;
                match decoded.value_type() {
                    Some(t) if t == inner_type => values.push(decoded),
                    Some(_) => return Err(ValueError::MixedArray { index }),
                    None => return Err(ValueError::BlobInCompound),
                }
            }
            EncryptedValue::Array(EncryptedArray { inner_type, values })
        }
        Kind::Tuple(t) => {
            let side =
                |v: &Option<Box<pb::Value>>, what: &str| -> Result<EncryptedValue, ValueError> {
                    let v = v
                        .as_deref()
                        .ok_or_else(|| invalid(format!("tuple without {what}")))?;
                    let decoded = decode(v, prime, depth + 1)?;
                    if matches!(decoded, EncryptedValue::ShamirSharesBlob(_)) {
                        return Err(ValueError::BlobInCompound);
                    }
                    Ok(decoded)
                };
            EncryptedValue::Tuple(
                Box::new(side(&t.left, "left")?),
                Box::new(side(&t.right, "right")?),
            )
        }
        Kind::ShamirSharesBlob(b) => EncryptedValue::ShamirSharesBlob(BlobShares {
            shares: b
                .shares
                .iter()
                .map(|s| element(&s.value, prime))
                .collect::<Result<_, _>>()?,
            original_size: b.original_size,
        }),
        Kind::EcdsaPrivateKeyShare(s) => {
            let x = scalar_from_le(&s.x).ok_or(ValueError::InvalidScalar {
                what: "ECDSA key share x",
            })?;
            let (shared, public_shares) = share_points(
                &s.shared_public_key,
                &s.public_shares,
                point_from_sec1,
                "ECDSA key share point",
            )?;
            EncryptedValue::EcdsaPrivateKeyShare(EcdsaPrivateKeyShare::new(
                s.i,
                x,
                shared,
                public_shares,
            )?)
        }
        Kind::EcdsaSignatureShare(s) => {
            let r = scalar_from_le(&s.r).ok_or(ValueError::InvalidScalar {
                what: "signature r",
            })?;
            let sigma = scalar_from_le(&s.sigma).ok_or(ValueError::InvalidScalar {
                what: "signature sigma",
            })?;
            EncryptedValue::EcdsaSignatureShare(EcdsaSignatureShare { r, sigma })
        }
        Kind::EcdsaMessageDigest(d) => {
            EncryptedValue::EcdsaMessageDigest(EcdsaDigestMessage::new(&d.digest)?)
        }
        Kind::EcdsaPublicKey(k) => {
            EncryptedValue::EcdsaPublicKey(EcdsaPublicKey::new(&k.public_key)?)
        }
        Kind::StoreId(id) => EncryptedValue::StoreId(StoreId::new(&id.store_id)?),
        Kind::EddsaPrivateKeyShare(s) => {
            let x = ed_scalar_from_le(&s.x).ok_or(ValueError::InvalidScalar {
                what: "EdDSA key share x",
            })?;
            let (shared, public_shares) = share_points(
                &s.shared_public_key,
                &s.public_shares,
                ed_point_from_bytes,
                "EdDSA key share point",
            )?;
            EncryptedValue::EddsaPrivateKeyShare(EddsaPrivateKeyShare::new(
                s.i,
                x,
                shared,
                public_shares,
            )?)
        }
        Kind::EddsaSignature(s) => {
            EncryptedValue::EddsaSignature(EddsaSignature::new(&s.signature)?)
        }
        Kind::EddsaMessage(m) => EncryptedValue::EddsaMessage(EddsaMessage::new(m.message.clone())),
        Kind::EddsaPublicKey(k) => {
            EncryptedValue::EddsaPublicKey(EddsaPublicKey::new(&k.public_key)?)
        }
    })
}

/// A key share's shared public key and public shares, each decoded with `point`.
fn share_points<P>(
    shared: &[u8],
    public_shares: &[Vec<u8>],
    point: impl Fn(&[u8]) -> Option<P>,
    what: &'static str,
) -> Result<(P, Vec<P>), ValueError> {
    let decode = |bytes: &[u8]| point(bytes).ok_or(ValueError::InvalidPoint { what });
    let public_shares = public_shares
        .iter()
        .map(|p| decode(p))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((decode(shared)?, public_shares))
}

/// One party's values as the `NamedValue` list of a store-values or invoke-compute request.
///
/// # Errors
/// See [`value_to_proto`].
pub fn to_named_values(
    values: &BTreeMap<String, EncryptedValue>,
) -> Result<Vec<pb::NamedValue>, ValueError> {
    values
        .iter()
        .map(|(name, v)| {
            Ok(pb::NamedValue {
                name: name.clone(),
                value: Some(value_to_proto(v)?),
            })
        })
        .collect()
}

/// One party's values from the `NamedValue`s a node returned, with the cluster's `prime`.
///
/// # Errors
/// [`ValueError::InvalidProto`] for a missing value or a duplicate name, or any decoding error.
pub fn from_named_values(
    named: &[pb::NamedValue],
    prime: Prime,
) -> Result<BTreeMap<String, EncryptedValue>, ValueError> {
    let mut out = BTreeMap::new();
    for nv in named {
        let v = nv
            .value
            .as_ref()
            .ok_or_else(|| invalid(format!("named value '{}' has no value", nv.name)))?;
        let decoded = value_from_proto(v, prime)?;
        if out.insert(nv.name.clone(), decoded).is_some() {
            return Err(invalid(format!("duplicate name '{}'", nv.name)));
        }
    }
    Ok(out)
}
