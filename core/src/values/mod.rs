//! Clear values (what a user stores or gets back) and encrypted values (what one node holds).
//!
//! Every type of the official Python SDK 0.2.0 has a clear counterpart here, plus the newer
//! wire types (EdDSA, [`EcdsaPublicKey`], [`StoreId`], [`Tuple`]). Constructors validate;
//! whether an integer fits a particular prime is checked when masking. Secret values never show
//! their content in `Debug`.

mod classify;
mod compound;
mod ecdsa;
mod eddsa;
mod encrypted;
mod error;
mod field;
mod integer;
pub mod proto;
mod secret;

use alloc::boxed::Box;

pub use self::classify::{Classification, classify, named_payload_size, payload_size};
pub use self::compound::{Array, MAX_TYPE_DEPTH, Tuple};
pub use self::ecdsa::{EcdsaDigestMessage, EcdsaPrivateKey, EcdsaPublicKey, EcdsaSignature};
pub(crate) use self::ecdsa::{point_from_sec1, point_to_compressed, scalar_from_le, scalar_to_le};
pub use self::eddsa::{EddsaMessage, EddsaPrivateKey, EddsaPublicKey, EddsaSignature, StoreId};
pub(crate) use self::eddsa::{ed_base_mul, ed_point_from_bytes, ed_scalar_from_le};
pub use self::encrypted::{
    BlobShares, EcdsaPrivateKeyShare, EcdsaSignatureShare, EddsaPrivateKeyShare, EncryptedArray,
    EncryptedValue, EncryptedValueType,
};
pub use self::error::ValueError;
pub use self::field::FieldInteger;
pub use self::integer::{Integer, UnsignedInteger};
pub use self::secret::{SecretBlob, SecretBoolean, SecretInteger, SecretUnsignedInteger};

/// A clear value of any type.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClearValue {
    /// Public signed integer.
    Integer(Integer),
    /// Public unsigned integer.
    UnsignedInteger(UnsignedInteger),
    /// Public boolean.
    Boolean(bool),
    /// Secret signed integer.
    SecretInteger(SecretInteger),
    /// Secret unsigned integer.
    SecretUnsignedInteger(SecretUnsignedInteger),
    /// Secret boolean.
    SecretBoolean(SecretBoolean),
    /// Secret bytes.
    SecretBlob(SecretBlob),
    /// Homogeneous array.
    Array(Array),
    /// Pair.
    Tuple(Tuple),
    /// secp256k1 private key (secret).
    EcdsaPrivateKey(EcdsaPrivateKey),
    /// 32-byte digest to sign (public).
    EcdsaDigestMessage(EcdsaDigestMessage),
    /// ECDSA signature (public once combined).
    EcdsaSignature(EcdsaSignature),
    /// Compressed secp256k1 public key (public).
    EcdsaPublicKey(EcdsaPublicKey),
    /// Store id (public).
    StoreId(StoreId),
    /// Ed25519 signing scalar (secret).
    EddsaPrivateKey(EddsaPrivateKey),
    /// Message to sign with EdDSA (public).
    EddsaMessage(EddsaMessage),
    /// Ed25519 signature (public).
    EddsaSignature(EddsaSignature),
    /// Ed25519 public key (public).
    EddsaPublicKey(EddsaPublicKey),
}

/// The type of a clear value. An array's type includes its size.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ValueType {
    /// [`ClearValue::Integer`].
    Integer,
    /// [`ClearValue::UnsignedInteger`].
    UnsignedInteger,
    /// [`ClearValue::Boolean`].
    Boolean,
    /// [`ClearValue::SecretInteger`].
    SecretInteger,
    /// [`ClearValue::SecretUnsignedInteger`].
    SecretUnsignedInteger,
    /// [`ClearValue::SecretBoolean`].
    SecretBoolean,
    /// [`ClearValue::SecretBlob`].
    SecretBlob,
    /// [`ClearValue::Array`].
    Array {
        /// Element type.
        inner: Box<ValueType>,
        /// Number of elements.
        size: usize,
    },
    /// [`ClearValue::Tuple`].
    Tuple {
        /// Left type.
        left: Box<ValueType>,
        /// Right type.
        right: Box<ValueType>,
    },
    /// [`ClearValue::EcdsaPrivateKey`].
    EcdsaPrivateKey,
    /// [`ClearValue::EcdsaDigestMessage`].
    EcdsaDigestMessage,
    /// [`ClearValue::EcdsaSignature`].
    EcdsaSignature,
    /// [`ClearValue::EcdsaPublicKey`].
    EcdsaPublicKey,
    /// [`ClearValue::StoreId`].
    StoreId,
    /// [`ClearValue::EddsaPrivateKey`].
    EddsaPrivateKey,
    /// [`ClearValue::EddsaMessage`].
    EddsaMessage,
    /// [`ClearValue::EddsaSignature`].
    EddsaSignature,
    /// [`ClearValue::EddsaPublicKey`].
    EddsaPublicKey,
}

impl ValueType {
    /// Nesting depth, the leaf counting as one.
    pub fn depth(&self) -> usize {
        match self {
            ValueType::Array { inner, .. } => 1 + inner.depth(),
            ValueType::Tuple { left, right } => 1 + left.depth().max(right.depth()),
            _ => 1,
        }
    }

    /// Whether a blob appears anywhere in the type.
    pub fn contains_blob(&self) -> bool {
        match self {
            ValueType::SecretBlob => true,
            ValueType::Array { inner, .. } => inner.contains_blob(),
            ValueType::Tuple { left, right } => left.contains_blob() || right.contains_blob(),
            _ => false,
        }
    }

    /// Whether values of this type are secret (shared among the nodes) at the top level.
    pub fn is_secret(&self) -> bool {
        matches!(
            self,
            ValueType::SecretInteger
                | ValueType::SecretUnsignedInteger
                | ValueType::SecretBoolean
                | ValueType::SecretBlob
                | ValueType::EcdsaPrivateKey
                | ValueType::EddsaPrivateKey
        )
    }
}

impl ClearValue {
    /// The value's type.
    pub fn value_type(&self) -> ValueType {
        match self {
            ClearValue::Integer(_) => ValueType::Integer,
            ClearValue::UnsignedInteger(_) => ValueType::UnsignedInteger,
            ClearValue::Boolean(_) => ValueType::Boolean,
            ClearValue::SecretInteger(_) => ValueType::SecretInteger,
            ClearValue::SecretUnsignedInteger(_) => ValueType::SecretUnsignedInteger,
            ClearValue::SecretBoolean(_) => ValueType::SecretBoolean,
            ClearValue::SecretBlob(_) => ValueType::SecretBlob,
            ClearValue::Array(a) => ValueType::Array {
                inner: Box::new(a.element_type().clone()),
                size: a.len(),
            },
            ClearValue::Tuple(t) => ValueType::Tuple {
                left: Box::new(t.left().value_type()),
                right: Box::new(t.right().value_type()),
            },
            ClearValue::EcdsaPrivateKey(_) => ValueType::EcdsaPrivateKey,
            ClearValue::EcdsaDigestMessage(_) => ValueType::EcdsaDigestMessage,
            ClearValue::EcdsaSignature(_) => ValueType::EcdsaSignature,
            ClearValue::EcdsaPublicKey(_) => ValueType::EcdsaPublicKey,
            ClearValue::StoreId(_) => ValueType::StoreId,
            ClearValue::EddsaPrivateKey(_) => ValueType::EddsaPrivateKey,
            ClearValue::EddsaMessage(_) => ValueType::EddsaMessage,
            ClearValue::EddsaSignature(_) => ValueType::EddsaSignature,
            ClearValue::EddsaPublicKey(_) => ValueType::EddsaPublicKey,
        }
    }

    /// Whether the value has type `t` (cheaper than comparing [`ClearValue::value_type`]).
    pub fn has_type(&self, t: &ValueType) -> bool {
        match (self, t) {
            (ClearValue::Array(a), ValueType::Array { inner, size }) => {
                a.len() == *size && a.element_type() == inner.as_ref()
            }
            (ClearValue::Tuple(v), ValueType::Tuple { left, right }) => {
                v.left().has_type(left) && v.right().has_type(right)
            }
            (ClearValue::Array(_), _) | (ClearValue::Tuple(_), _) => false,
            _ => self.value_type() == *t,
        }
    }
}

macro_rules! from_variant {
    ($($ty:ident),*) => {$(
        impl From<$ty> for ClearValue {
            fn from(v: $ty) -> Self {
                ClearValue::$ty(v)
            }
        }
    )*};
}
from_variant!(
    Integer,
    UnsignedInteger,
    SecretInteger,
    SecretUnsignedInteger,
    SecretBoolean,
    SecretBlob,
    Array,
    Tuple,
    EcdsaPrivateKey,
    EcdsaDigestMessage,
    EcdsaSignature,
    EcdsaPublicKey,
    StoreId,
    EddsaPrivateKey,
    EddsaMessage,
    EddsaSignature,
    EddsaPublicKey
);

impl From<bool> for ClearValue {
    fn from(v: bool) -> Self {
        ClearValue::Boolean(v)
    }
}
