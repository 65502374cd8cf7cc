//! Ed25519 (EdDSA) values and the store id.
//!
//! The clear form of an [`EddsaPrivateKey`] is the signing *scalar* (32 bytes little-endian,
//! canonical, non-zero), the value the nodes split additively — not an RFC 8032 seed.

use alloc::vec::Vec;
use core::fmt;

use curve25519_dalek::constants::ED25519_BASEPOINT_POINT;
use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::scalar::Scalar;

use super::ValueError;
use super::ecdsa::HexBytes;

/// A canonical Ed25519 scalar from exactly 32 little-endian bytes.
pub(crate) fn ed_scalar_from_le(bytes: &[u8]) -> Option<Scalar> {
    let array: [u8; 32] = bytes.try_into().ok()?;
    Option::from(Scalar::from_canonical_bytes(array))
}

/// A point from its 32-byte compressed form.
pub(crate) fn ed_point_from_bytes(bytes: &[u8]) -> Option<EdwardsPoint> {
    let array: [u8; 32] = bytes.try_into().ok()?;
    CompressedEdwardsY(array).decompress()
}

/// s·B.
pub(crate) fn ed_base_mul(s: &Scalar) -> EdwardsPoint {
    ED25519_BASEPOINT_POINT * s
}

/// An Ed25519 signing scalar in [1, ℓ−1].
#[derive(Clone, PartialEq, Eq)]
pub struct EddsaPrivateKey(Scalar);

impl EddsaPrivateKey {
    /// From 32 little-endian bytes.
    ///
    /// # Errors
    /// [`ValueError::WrongLength`]; [`ValueError::InvalidScalar`] for zero or ≥ ℓ.
    pub fn from_le_bytes(bytes: &[u8]) -> Result<Self, ValueError> {
        if bytes.len() != 32 {
            return Err(ValueError::WrongLength {
                what: "EdDSA private key",
                expected: 32,
                actual: bytes.len(),
            });
        }
        let s = ed_scalar_from_le(bytes).ok_or(ValueError::InvalidScalar {
            what: "EdDSA private key",
        })?;
        Self::from_scalar(s)
    }

    /// From a scalar.
    ///
    /// # Errors
    /// [`ValueError::InvalidScalar`] for zero.
    pub fn from_scalar(s: Scalar) -> Result<Self, ValueError> {
        if s == Scalar::ZERO {
            return Err(ValueError::InvalidScalar {
                what: "EdDSA private key",
            });
        }
        Ok(EddsaPrivateKey(s))
    }

    /// 32 little-endian bytes.
    pub fn to_le_bytes(&self) -> [u8; 32] {
        self.0.to_bytes()
    }

    /// The secret scalar.
    pub fn scalar(&self) -> &Scalar {
        &self.0
    }

    /// The public key sk·B.
    pub fn public_key(&self) -> EddsaPublicKey {
        EddsaPublicKey(ed_base_mul(&self.0).compress().to_bytes())
    }
}

impl fmt::Debug for EddsaPrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EddsaPrivateKey(<redacted>)")
    }
}

/// A message to sign with EdDSA (public, any length).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct EddsaMessage(Vec<u8>);

impl EddsaMessage {
    /// Wraps the bytes.
    pub fn new(bytes: Vec<u8>) -> Self {
        EddsaMessage(bytes)
    }
    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for EddsaMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EddsaMessage({:?})", HexBytes(&self.0))
    }
}

macro_rules! fixed_bytes {
    ($name:ident, $len:expr, $what:expr, $doc:expr) => {
        #[doc = $doc]
        #[derive(Clone, Copy, PartialEq, Eq, Hash)]
        pub struct $name([u8; $len]);

        impl $name {
            #[doc = concat!("From exactly ", stringify!($len), " bytes.")]
            ///
            /// # Errors
            /// [`ValueError::WrongLength`] for another length.
            pub fn new(bytes: &[u8]) -> Result<Self, ValueError> {
                bytes
                    .try_into()
                    .map($name)
                    .map_err(|_| ValueError::WrongLength {
                        what: $what,
                        expected: $len,
                        actual: bytes.len(),
                    })
            }
            /// The bytes.
            pub fn as_bytes(&self) -> &[u8; $len] {
                &self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({:?})"), HexBytes(&self.0))
            }
        }
    };
}

fixed_bytes!(
    EddsaSignature,
    64,
    "EdDSA signature",
    "An Ed25519 signature, R ‖ z (64 bytes, public)."
);
fixed_bytes!(
    EddsaPublicKey,
    32,
    "EdDSA public key",
    "An Ed25519 public key (32-byte compressed point; only the length is checked)."
);
fixed_bytes!(
    StoreId,
    16,
    "store id",
    "The 16-byte id of a stored set of values (public)."
);
