//! Encrypted values: what one node holds for one named value.

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::fmt;

use curve25519_dalek::edwards::EdwardsPoint;
use k256::{AffinePoint, ProjectivePoint, Scalar};

use super::{
    EcdsaDigestMessage, EcdsaPublicKey, EddsaMessage, EddsaPublicKey, EddsaSignature, StoreId,
    ValueError, ed_base_mul,
};
use crate::field::{FieldElement, Prime};

/// One party's view of a value: a share, or the public value itself.
///
/// `Debug` hides share contents (with polynomial degree 0 a share *is* the secret).
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum EncryptedValue {
    /// A public signed integer, encoded as a field element.
    PublicInteger(FieldElement),
    /// A public unsigned integer.
    PublicUnsignedInteger(FieldElement),
    /// A public boolean (any non-zero element decodes as true).
    PublicBoolean(FieldElement),
    /// A Shamir share of a signed integer.
    ShamirShareInteger(FieldElement),
    /// A Shamir share of an unsigned integer.
    ShamirShareUnsignedInteger(FieldElement),
    /// A Shamir share of a boolean.
    ShamirShareBoolean(FieldElement),
    /// Shares of a blob's chunks.
    ShamirSharesBlob(BlobShares),
    /// An array.
    Array(EncryptedArray),
    /// A pair.
    Tuple(Box<EncryptedValue>, Box<EncryptedValue>),
    /// An additive share of an ECDSA private key.
    EcdsaPrivateKeyShare(EcdsaPrivateKeyShare),
    /// An additive share of an ECDSA signature.
    EcdsaSignatureShare(EcdsaSignatureShare),
    /// A public digest.
    EcdsaMessageDigest(EcdsaDigestMessage),
    /// A public ECDSA key.
    EcdsaPublicKey(EcdsaPublicKey),
    /// A public store id.
    StoreId(StoreId),
    /// An additive share of an EdDSA private key.
    EddsaPrivateKeyShare(EddsaPrivateKeyShare),
    /// A public EdDSA signature.
    EddsaSignature(EddsaSignature),
    /// A public EdDSA message.
    EddsaMessage(EddsaMessage),
    /// A public EdDSA key.
    EddsaPublicKey(EddsaPublicKey),
}

/// The type of an encrypted value (the protobuf `ValueType`; it has no blob variant).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EncryptedValueType {
    /// Public signed integer.
    PublicInteger,
    /// Public unsigned integer.
    PublicUnsignedInteger,
    /// Public boolean.
    PublicBoolean,
    /// Share of a signed integer.
    ShamirShareInteger,
    /// Share of an unsigned integer.
    ShamirShareUnsignedInteger,
    /// Share of a boolean.
    ShamirShareBoolean,
    /// Array.
    Array {
        /// Element type.
        inner: Box<EncryptedValueType>,
        /// Number of elements.
        size: u64,
    },
    /// Tuple.
    Tuple {
        /// Left type.
        left: Box<EncryptedValueType>,
        /// Right type.
        right: Box<EncryptedValueType>,
    },
    /// ECDSA key share.
    EcdsaPrivateKeyShare,
    /// ECDSA digest.
    EcdsaMessageDigest,
    /// ECDSA signature share.
    EcdsaSignatureShare,
    /// ECDSA public key.
    EcdsaPublicKey,
    /// Store id.
    StoreId,
    /// EdDSA key share.
    EddsaPrivateKeyShare,
    /// EdDSA signature.
    EddsaSignature,
    /// EdDSA message.
    EddsaMessage,
    /// EdDSA public key.
    EddsaPublicKey,
}

impl EncryptedValue {
    /// The value's type; `None` for a blob or anything containing one (no wire type exists).
    pub fn value_type(&self) -> Option<EncryptedValueType> {
        Some(match self {
            EncryptedValue::PublicInteger(_) => EncryptedValueType::PublicInteger,
            EncryptedValue::PublicUnsignedInteger(_) => EncryptedValueType::PublicUnsignedInteger,
            EncryptedValue::PublicBoolean(_) => EncryptedValueType::PublicBoolean,
            EncryptedValue::ShamirShareInteger(_) => EncryptedValueType::ShamirShareInteger,
            EncryptedValue::ShamirShareUnsignedInteger(_) => {
                EncryptedValueType::ShamirShareUnsignedInteger
            }
            EncryptedValue::ShamirShareBoolean(_) => EncryptedValueType::ShamirShareBoolean,
            EncryptedValue::ShamirSharesBlob(_) => return None,
            EncryptedValue::Array(a) => EncryptedValueType::Array {
                inner: Box::new(a.inner_type.clone()),
                size: a.values.len() as u64,
            },
            EncryptedValue::Tuple(l, r) => EncryptedValueType::Tuple {
                left: Box::new(l.value_type()?),
                right: Box::new(r.value_type()?),
            },
            EncryptedValue::EcdsaPrivateKeyShare(_) => EncryptedValueType::EcdsaPrivateKeyShare,
            EncryptedValue::EcdsaSignatureShare(_) => EncryptedValueType::EcdsaSignatureShare,
            EncryptedValue::EcdsaMessageDigest(_) => EncryptedValueType::EcdsaMessageDigest,
            EncryptedValue::EcdsaPublicKey(_) => EncryptedValueType::EcdsaPublicKey,
            EncryptedValue::StoreId(_) => EncryptedValueType::StoreId,
            EncryptedValue::EddsaPrivateKeyShare(_) => EncryptedValueType::EddsaPrivateKeyShare,
            EncryptedValue::EddsaSignature(_) => EncryptedValueType::EddsaSignature,
            EncryptedValue::EddsaMessage(_) => EncryptedValueType::EddsaMessage,
            EncryptedValue::EddsaPublicKey(_) => EncryptedValueType::EddsaPublicKey,
        })
    }

    /// A short name of the value's kind (the protobuf oneof field name), for error messages.
    pub fn kind(&self) -> &'static str {
        match self {
            EncryptedValue::PublicInteger(_) => "public_integer",
            EncryptedValue::PublicUnsignedInteger(_) => "public_unsigned_integer",
            EncryptedValue::PublicBoolean(_) => "public_boolean",
            EncryptedValue::ShamirShareInteger(_) => "shamir_share_integer",
            EncryptedValue::ShamirShareUnsignedInteger(_) => "shamir_share_unsigned_integer",
            EncryptedValue::ShamirShareBoolean(_) => "shamir_share_boolean",
            EncryptedValue::ShamirSharesBlob(_) => "shamir_shares_blob",
            EncryptedValue::Array(_) => "array",
            EncryptedValue::Tuple(..) => "tuple",
            EncryptedValue::EcdsaPrivateKeyShare(_) => "ecdsa_private_key_share",
            EncryptedValue::EcdsaSignatureShare(_) => "ecdsa_signature_share",
            EncryptedValue::EcdsaMessageDigest(_) => "ecdsa_message_digest",
            EncryptedValue::EcdsaPublicKey(_) => "ecdsa_public_key",
            EncryptedValue::StoreId(_) => "store_id",
            EncryptedValue::EddsaPrivateKeyShare(_) => "eddsa_private_key_share",
            EncryptedValue::EddsaSignature(_) => "eddsa_signature",
            EncryptedValue::EddsaMessage(_) => "eddsa_message",
            EncryptedValue::EddsaPublicKey(_) => "eddsa_public_key",
        }
    }

    /// The prime of the field elements inside, if any (the first one found).
    pub fn prime(&self) -> Option<Prime> {
        match self {
            EncryptedValue::PublicInteger(e)
            | EncryptedValue::PublicUnsignedInteger(e)
            | EncryptedValue::PublicBoolean(e)
            | EncryptedValue::ShamirShareInteger(e)
            | EncryptedValue::ShamirShareUnsignedInteger(e)
            | EncryptedValue::ShamirShareBoolean(e) => Some(e.prime()),
            EncryptedValue::ShamirSharesBlob(b) => b.shares.first().map(FieldElement::prime),
            EncryptedValue::Array(a) => a.values.iter().find_map(EncryptedValue::prime),
            EncryptedValue::Tuple(l, r) => l.prime().or_else(|| r.prime()),
            _ => None,
        }
    }
}

impl fmt::Debug for EncryptedValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EncryptedValue::PublicInteger(e)
            | EncryptedValue::PublicUnsignedInteger(e)
            | EncryptedValue::PublicBoolean(e) => write!(f, "{}({:?})", self.kind(), e),
            EncryptedValue::ShamirSharesBlob(b) => b.fmt(f),
            EncryptedValue::Array(a) => a.fmt(f),
            EncryptedValue::Tuple(l, r) => f.debug_tuple("tuple").field(l).field(r).finish(),
            EncryptedValue::EcdsaPrivateKeyShare(s) => s.fmt(f),
            EncryptedValue::EcdsaSignatureShare(s) => s.fmt(f),
            EncryptedValue::EcdsaMessageDigest(v) => v.fmt(f),
            EncryptedValue::EcdsaPublicKey(v) => v.fmt(f),
            EncryptedValue::StoreId(v) => v.fmt(f),
            EncryptedValue::EddsaPrivateKeyShare(s) => s.fmt(f),
            EncryptedValue::EddsaSignature(v) => v.fmt(f),
            EncryptedValue::EddsaMessage(v) => v.fmt(f),
            EncryptedValue::EddsaPublicKey(v) => v.fmt(f),
            _ => write!(f, "{}(<redacted>)", self.kind()),
        }
    }
}

/// One party's shares of a blob: one share per chunk, plus the clear length.
#[derive(Clone, PartialEq, Eq)]
pub struct BlobShares {
    /// Share of chunk k at index k.
    pub shares: Vec<FieldElement>,
    /// Length of the clear blob in bytes.
    pub original_size: u64,
}

impl fmt::Debug for BlobShares {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "shamir_shares_blob(<{} redacted shares>, original_size: {})",
            self.shares.len(),
            self.original_size
        )
    }
}

/// An encrypted array: its declared element type and the elements.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EncryptedArray {
    /// The type of every element.
    pub inner_type: EncryptedValueType,
    /// The elements.
    pub values: Vec<EncryptedValue>,
}

/// One party's additive share of a secp256k1 key (docs/masking.md §8), validated on construction:
/// `index < public_shares.len()`, `public_shares[index] == x·G`, and the public shares sum to
/// the shared public key.
#[derive(Clone, PartialEq, Eq)]
// Boxed: inline, the points made every `EncryptedValue` (the enum) over 200 bytes.
pub struct EcdsaPrivateKeyShare(Box<KeyShareParts<Scalar, AffinePoint>>);

impl EcdsaPrivateKeyShare {
    /// Builds and validates a share.
    ///
    /// # Errors
    /// [`ValueError::InvalidKeyShare`] when a check fails.
    pub fn new(
        index: u32,
        x: Scalar,
        shared_public_key: AffinePoint,
        public_shares: Vec<AffinePoint>,
    ) -> Result<Self, ValueError> {
        let own = public_shares
            .get(index as usize)
            .ok_or(ValueError::InvalidKeyShare {
                reason: "index out of range of the public shares",
            })?;
        if ProjectivePoint::from(*own) != ProjectivePoint::GENERATOR * x {
            return Err(ValueError::InvalidKeyShare {
                reason: "x·G does not match the party's public share",
            });
        }
        let sum = public_shares
            .iter()
            .fold(ProjectivePoint::IDENTITY, |acc, p| acc + p);
        if sum != ProjectivePoint::from(shared_public_key) {
            return Err(ValueError::InvalidKeyShare {
                reason: "public shares do not sum to the shared public key",
            });
        }
        Ok(EcdsaPrivateKeyShare(Box::new(KeyShareParts {
            index,
            x,
            shared_public_key,
            public_shares,
        })))
    }

    /// Without checks, for shares this crate just computed.
    pub(crate) fn new_trusted(
        index: u32,
        x: Scalar,
        shared_public_key: AffinePoint,
        public_shares: Vec<AffinePoint>,
    ) -> Self {
        EcdsaPrivateKeyShare(Box::new(KeyShareParts {
            index,
            x,
            shared_public_key,
            public_shares,
        }))
    }

    /// The party's index (its rank in sorted party order).
    pub fn index(&self) -> u32 {
        self.0.index
    }
    /// The secret scalar share.
    pub fn x(&self) -> &Scalar {
        &self.0.x
    }
    /// The key's public point.
    pub fn shared_public_key(&self) -> &AffinePoint {
        &self.0.shared_public_key
    }
    /// Every party's x·G, in index order.
    pub fn public_shares(&self) -> &[AffinePoint] {
        &self.0.public_shares
    }
}

impl fmt::Debug for EcdsaPrivateKeyShare {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EcdsaPrivateKeyShare")
            .field("i", &self.0.index)
            .field("x", &"<redacted>")
            .field("parties", &self.0.public_shares.len())
            .finish()
    }
}

/// The fields of an additive key share.
#[derive(Clone, PartialEq, Eq)]
struct KeyShareParts<S, P> {
    index: u32,
    x: S,
    shared_public_key: P,
    public_shares: Vec<P>,
}

/// One party's share of an ECDSA signature: the common r and an additive share of s.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct EcdsaSignatureShare {
    /// r (the same for every party).
    pub r: Scalar,
    /// This party's additive share of s.
    pub sigma: Scalar,
}

impl fmt::Debug for EcdsaSignatureShare {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EcdsaSignatureShare(<redacted>)")
    }
}

/// One party's additive share of an Ed25519 signing scalar; same shape and checks as
/// [`EcdsaPrivateKeyShare`].
#[derive(Clone, PartialEq, Eq)]
// Boxed: inline, the points made every `EncryptedValue` (the enum) over 200 bytes.
pub struct EddsaPrivateKeyShare(Box<KeyShareParts<curve25519_dalek::Scalar, EdwardsPoint>>);

impl EddsaPrivateKeyShare {
    /// Builds and validates a share.
    ///
    /// # Errors
    /// [`ValueError::InvalidKeyShare`] when a check fails.
    pub fn new(
        index: u32,
        x: curve25519_dalek::Scalar,
        shared_public_key: EdwardsPoint,
        public_shares: Vec<EdwardsPoint>,
    ) -> Result<Self, ValueError> {
        let own = public_shares
            .get(index as usize)
            .ok_or(ValueError::InvalidKeyShare {
                reason: "index out of range of the public shares",
            })?;
        if *own != ed_base_mul(&x) {
            return Err(ValueError::InvalidKeyShare {
                reason: "x·B does not match the party's public share",
            });
        }
        let sum: EdwardsPoint = public_shares.iter().sum();
        if sum != shared_public_key {
            return Err(ValueError::InvalidKeyShare {
                reason: "public shares do not sum to the shared public key",
            });
        }
        Ok(EddsaPrivateKeyShare(Box::new(KeyShareParts {
            index,
            x,
            shared_public_key,
            public_shares,
        })))
    }

    /// Without checks, for shares this crate just computed.
    pub(crate) fn new_trusted(
        index: u32,
        x: curve25519_dalek::Scalar,
        shared_public_key: EdwardsPoint,
        public_shares: Vec<EdwardsPoint>,
    ) -> Self {
        EddsaPrivateKeyShare(Box::new(KeyShareParts {
            index,
            x,
            shared_public_key,
            public_shares,
        }))
    }

    /// The party's index.
    pub fn index(&self) -> u32 {
        self.0.index
    }
    /// The secret scalar share.
    pub fn x(&self) -> &curve25519_dalek::Scalar {
        &self.0.x
    }
    /// The key's public point.
    pub fn shared_public_key(&self) -> &EdwardsPoint {
        &self.0.shared_public_key
    }
    /// Every party's x·B, in index order.
    pub fn public_shares(&self) -> &[EdwardsPoint] {
        &self.0.public_shares
    }
}

impl fmt::Debug for EddsaPrivateKeyShare {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EddsaPrivateKeyShare")
            .field("i", &self.0.index)
            .field("x", &"<redacted>")
            .field("parties", &self.0.public_shares.len())
            .finish()
    }
}
