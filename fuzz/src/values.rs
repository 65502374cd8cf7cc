//! Clear values from fuzz input.

use std::collections::BTreeMap;

use arbitrary::Arbitrary;
use k256::elliptic_curve::scalar::IsHigh as _;
use nilvm_core::field::Prime;
use nilvm_core::values::{
    Array, ClearValue, EcdsaDigestMessage, EcdsaPrivateKey, EcdsaSignature, EddsaMessage,
    EddsaPrivateKey, EddsaSignature, Integer, SecretBlob, SecretBoolean, SecretInteger,
    SecretUnsignedInteger, StoreId, Tuple, UnsignedInteger,
};

/// A prime chosen by the fuzzer.
#[derive(Arbitrary, Clone, Copy, Debug)]
pub enum ArbPrime {
    /// 64-bit.
    U64,
    /// 128-bit.
    U128,
    /// 256-bit.
    U256,
}

impl From<ArbPrime> for Prime {
    fn from(p: ArbPrime) -> Prime {
        match p {
            ArbPrime::U64 => Prime::U64,
            ArbPrime::U128 => Prime::U128,
            ArbPrime::U256 => Prime::U256,
        }
    }
}

/// A scalar leaf: the element kinds arrays may hold.
#[derive(Arbitrary, Clone, Debug)]
pub enum ArbLeaf {
    /// Public integer.
    Integer(i64),
    /// Public unsigned.
    UnsignedInteger(u64),
    /// Public boolean.
    Boolean(bool),
    /// Secret integer (wide, so it may not fit small primes).
    SecretInteger(i128),
    /// Secret unsigned.
    SecretUnsignedInteger(u128),
    /// Secret boolean.
    SecretBoolean(bool),
}

impl ArbLeaf {
    fn kind(&self) -> u8 {
        match self {
            ArbLeaf::Integer(_) => 0,
            ArbLeaf::UnsignedInteger(_) => 1,
            ArbLeaf::Boolean(_) => 2,
            ArbLeaf::SecretInteger(_) => 3,
            ArbLeaf::SecretUnsignedInteger(_) => 4,
            ArbLeaf::SecretBoolean(_) => 5,
        }
    }

    fn clear(&self) -> ClearValue {
        match *self {
            ArbLeaf::Integer(v) => ClearValue::Integer(Integer::from(v)),
            ArbLeaf::UnsignedInteger(v) => ClearValue::UnsignedInteger(UnsignedInteger::from(v)),
            ArbLeaf::Boolean(v) => ClearValue::Boolean(v),
            ArbLeaf::SecretInteger(v) => ClearValue::SecretInteger(SecretInteger::new(v.into())),
            ArbLeaf::SecretUnsignedInteger(v) => {
                ClearValue::SecretUnsignedInteger(SecretUnsignedInteger::new(v.into()))
            }
            ArbLeaf::SecretBoolean(v) => ClearValue::SecretBoolean(SecretBoolean::new(v)),
        }
    }
}

/// Any clear value.
#[derive(Arbitrary, Clone, Debug)]
pub enum ArbValue {
    /// A scalar.
    Leaf(ArbLeaf),
    /// Secret bytes (kept short: chunks multiply the work).
    SecretBlob(Vec<u8>),
    /// An array of leaves of the first leaf's kind.
    Array(Vec<ArbLeaf>),
    /// A pair.
    Tuple(Box<ArbValue>, Box<ArbValue>),
    /// secp256k1 private key bytes.
    EcdsaPrivateKey([u8; 32]),
    /// Digest.
    EcdsaDigestMessage([u8; 32]),
    /// Signature r, s.
    EcdsaSignature([u8; 32], [u8; 32]),
    /// The public key of a private key from these bytes.
    EcdsaPublicKey([u8; 32]),
    /// Store id.
    StoreId([u8; 16]),
    /// Ed25519 scalar bytes.
    EddsaPrivateKey([u8; 32]),
    /// EdDSA message.
    EddsaMessage(Vec<u8>),
    /// EdDSA signature.
    EddsaSignature([u8; 64]),
    /// The public key of a private key from these bytes.
    EddsaPublicKey([u8; 32]),
}

impl ArbValue {
    /// The clear value, if the input makes one (invalid keys and mixed arrays do not).
    pub fn clear(&self, depth: usize) -> Option<ClearValue> {
        Some(match self {
            ArbValue::Leaf(leaf) => leaf.clear(),
            ArbValue::SecretBlob(bytes) => {
                ClearValue::SecretBlob(SecretBlob::new(bytes.iter().copied().take(256).collect()))
            }
            ArbValue::Array(leaves) => {
                let kind = leaves.first()?.kind();
                let values = leaves
                    .iter()
                    .filter(|l| l.kind() == kind)
                    .take(16)
                    .map(ArbLeaf::clear)
                    .collect();
                ClearValue::Array(Array::new(values).ok()?)
            }
            ArbValue::Tuple(left, right) => {
                if depth >= 3 {
                    return None;
                }
                ClearValue::Tuple(Tuple::new(left.clear(depth + 1)?, right.clear(depth + 1)?).ok()?)
            }
            ArbValue::EcdsaPrivateKey(b) => {
                ClearValue::EcdsaPrivateKey(EcdsaPrivateKey::from_be_bytes(b).ok()?)
            }
            ArbValue::EcdsaDigestMessage(b) => {
                ClearValue::EcdsaDigestMessage(EcdsaDigestMessage::new(b).ok()?)
            }
            ArbValue::EcdsaSignature(r, s) => {
                // Unmasking gives signatures in low-s form (masking.md): start from one.
                let signature = EcdsaSignature::from_be_bytes(r, s).ok()?;
                let s = *signature.s();
                let s = if bool::from(s.is_high()) { -s } else { s };
                ClearValue::EcdsaSignature(EcdsaSignature::from_scalars(*signature.r(), s).ok()?)
            }
            ArbValue::EcdsaPublicKey(b) => {
                ClearValue::EcdsaPublicKey(EcdsaPrivateKey::from_be_bytes(b).ok()?.public_key())
            }
            ArbValue::StoreId(b) => ClearValue::StoreId(StoreId::new(b).ok()?),
            ArbValue::EddsaPrivateKey(b) => {
                ClearValue::EddsaPrivateKey(EddsaPrivateKey::from_le_bytes(b).ok()?)
            }
            ArbValue::EddsaMessage(b) => ClearValue::EddsaMessage(EddsaMessage::new(b.clone())),
            ArbValue::EddsaSignature(b) => {
                ClearValue::EddsaSignature(EddsaSignature::new(b).ok()?)
            }
            ArbValue::EddsaPublicKey(b) => {
                ClearValue::EddsaPublicKey(EddsaPrivateKey::from_le_bytes(b).ok()?.public_key())
            }
        })
    }
}

/// Named clear values (names from a small alphabet so parties' maps overlap).
pub fn named(values: &[(u8, ArbValue)]) -> BTreeMap<String, ClearValue> {
    values
        .iter()
        .take(8)
        .filter_map(|(name, v)| Some((format!("v{}", name % 16), v.clear(0)?)))
        .collect()
}

/// Whether recovering `value` uses additive (n-of-n) sharing: ECDSA and EdDSA keys and
/// signatures. One corrupted additive share cannot be told from an honest one.
pub fn uses_additive_sharing(value: &ClearValue) -> bool {
    match value {
        ClearValue::EcdsaPrivateKey(_)
        | ClearValue::EcdsaSignature(_)
        | ClearValue::EddsaPrivateKey(_) => true,
        ClearValue::Array(a) => a.values().iter().any(uses_additive_sharing),
        ClearValue::Tuple(t) => uses_additive_sharing(t.left()) || uses_additive_sharing(t.right()),
        _ => false,
    }
}
