//! secp256k1 (ECDSA) values: private keys, digests, signatures, public keys.

use core::fmt;

use k256::elliptic_curve::PrimeField as _;
use k256::elliptic_curve::group::GroupEncoding as _;
use k256::{AffinePoint, ProjectivePoint, PublicKey, Scalar};

use super::ValueError;

/// A scalar from 32 big-endian bytes; `None` if ≥ n.
pub(crate) fn scalar_from_be(bytes: &[u8; 32]) -> Option<Scalar> {
    Option::from(Scalar::from_repr((*bytes).into()))
}

/// A scalar from up to 32 little-endian bytes (shorter is zero-extended, docs/masking.md §8);
/// `None` if longer or ≥ n.
pub(crate) fn scalar_from_le(bytes: &[u8]) -> Option<Scalar> {
    if bytes.len() > 32 {
        return None;
    }
    let mut be = [0u8; 32];
    for (d, b) in be.iter_mut().rev().zip(bytes) {
        *d = *b;
    }
    scalar_from_be(&be)
}

/// 32 big-endian bytes.
pub(crate) fn scalar_to_be(s: &Scalar) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(&s.to_repr());
    out
}

/// 32 little-endian bytes.
pub(crate) fn scalar_to_le(s: &Scalar) -> [u8; 32] {
    let mut out = scalar_to_be(s);
    out.reverse();
    out
}

/// A point from SEC1 bytes, compressed (33) or uncompressed (65); not the identity.
pub(crate) fn point_from_sec1(bytes: &[u8]) -> Option<AffinePoint> {
    PublicKey::from_sec1_bytes(bytes)
        .ok()
        .map(|pk| *pk.as_affine())
}

/// 33-byte compressed SEC1.
pub(crate) fn point_to_compressed(p: &ProjectivePoint) -> [u8; 33] {
    let affine: AffinePoint = p.to_affine();
    let bytes = affine.to_bytes();
    let mut out = [0u8; 33];
    out.copy_from_slice(&bytes);
    out
}

/// A secp256k1 private key: a scalar in [1, n−1], given as 32 big-endian bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct EcdsaPrivateKey(Scalar);

impl EcdsaPrivateKey {
    /// From 32 big-endian bytes.
    ///
    /// # Errors
    /// [`ValueError::WrongLength`] unless 32 bytes; [`ValueError::InvalidScalar`] for zero or ≥ n.
    pub fn from_be_bytes(bytes: &[u8]) -> Result<Self, ValueError> {
        let array: [u8; 32] = bytes.try_into().map_err(|_| ValueError::WrongLength {
            what: "ECDSA private key",
            expected: 32,
            actual: bytes.len(),
        })?;
        let s = scalar_from_be(&array).ok_or(ValueError::InvalidScalar {
            what: "ECDSA private key",
        })?;
        Self::from_scalar(s)
    }

    /// From a scalar.
    ///
    /// # Errors
    /// [`ValueError::InvalidScalar`] for zero.
    pub fn from_scalar(s: Scalar) -> Result<Self, ValueError> {
        if bool::from(s.is_zero()) {
            return Err(ValueError::InvalidScalar {
                what: "ECDSA private key",
            });
        }
        Ok(EcdsaPrivateKey(s))
    }

    /// 32 big-endian bytes.
    pub fn to_be_bytes(&self) -> [u8; 32] {
        scalar_to_be(&self.0)
    }

    /// The secret scalar.
    pub fn scalar(&self) -> &Scalar {
        &self.0
    }

    /// The public key sk·G.
    pub fn public_key(&self) -> EcdsaPublicKey {
        EcdsaPublicKey(point_to_compressed(&(ProjectivePoint::GENERATOR * self.0)))
    }
}

impl fmt::Debug for EcdsaPrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EcdsaPrivateKey(<redacted>)")
    }
}

/// A 32-byte message digest to be signed with ECDSA (public).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct EcdsaDigestMessage([u8; 32]);

impl EcdsaDigestMessage {
    /// From exactly 32 bytes.
    ///
    /// # Errors
    /// [`ValueError::WrongLength`] for another length.
    pub fn new(bytes: &[u8]) -> Result<Self, ValueError> {
        bytes
            .try_into()
            .map(EcdsaDigestMessage)
            .map_err(|_| ValueError::WrongLength {
                what: "message digest",
                expected: 32,
                actual: bytes.len(),
            })
    }
    /// The digest.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

/// An ECDSA signature (r, s), both in [1, n−1].
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct EcdsaSignature {
    r: Scalar,
    s: Scalar,
}

impl EcdsaSignature {
    /// From 32-byte big-endian r and s.
    ///
    /// # Errors
    /// [`ValueError::WrongLength`] or [`ValueError::InvalidScalar`] (zero or ≥ n).
    pub fn from_be_bytes(r: &[u8], s: &[u8]) -> Result<Self, ValueError> {
        let parse = |bytes: &[u8], what: &'static str| -> Result<Scalar, ValueError> {
            let array: [u8; 32] = bytes.try_into().map_err(|_| ValueError::WrongLength {
                what,
                expected: 32,
                actual: bytes.len(),
            })?;
            scalar_from_be(&array)
                .filter(|v| !bool::from(v.is_zero()))
                .ok_or(ValueError::InvalidScalar { what })
        };
        Ok(EcdsaSignature {
            r: parse(r, "signature r")?,
            s: parse(s, "signature s")?,
        })
    }

    /// From scalars.
    ///
    /// # Errors
    /// [`ValueError::InvalidScalar`] if either is zero.
    pub fn from_scalars(r: Scalar, s: Scalar) -> Result<Self, ValueError> {
        if bool::from(r.is_zero()) || bool::from(s.is_zero()) {
            return Err(ValueError::InvalidScalar { what: "signature" });
        }
        Ok(EcdsaSignature { r, s })
    }

    /// r, 32 bytes big-endian.
    pub fn r_be_bytes(&self) -> [u8; 32] {
        scalar_to_be(&self.r)
    }
    /// s, 32 bytes big-endian.
    pub fn s_be_bytes(&self) -> [u8; 32] {
        scalar_to_be(&self.s)
    }
    /// r.
    pub fn r(&self) -> &Scalar {
        &self.r
    }
    /// s.
    pub fn s(&self) -> &Scalar {
        &self.s
    }
}

impl fmt::Debug for EcdsaSignature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EcdsaSignature")
            .field("r", &HexBytes(&self.r_be_bytes()))
            .field("s", &HexBytes(&self.s_be_bytes()))
            .finish()
    }
}

/// A compressed secp256k1 public key (33 bytes; only the length is checked, as the nodes do).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct EcdsaPublicKey([u8; 33]);

impl EcdsaPublicKey {
    /// From exactly 33 bytes.
    ///
    /// # Errors
    /// [`ValueError::WrongLength`] for another length.
    pub fn new(bytes: &[u8]) -> Result<Self, ValueError> {
        bytes
            .try_into()
            .map(EcdsaPublicKey)
            .map_err(|_| ValueError::WrongLength {
                what: "ECDSA public key",
                expected: 33,
                actual: bytes.len(),
            })
    }
    /// The bytes.
    pub fn as_bytes(&self) -> &[u8; 33] {
        &self.0
    }
}

impl fmt::Debug for EcdsaPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EcdsaPublicKey({:?})", HexBytes(&self.0))
    }
}

/// Formats bytes as lowercase hex.
pub(crate) struct HexBytes<'a>(pub(crate) &'a [u8]);

impl fmt::Debug for HexBytes<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}
