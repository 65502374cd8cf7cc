//! Where the masker's randomness comes from.

use k256::elliptic_curve::PrimeField as _;
use rand_core::CryptoRng;

use crate::field::PrimeField;

/// The random numbers a masker draws, in a fixed order: for each leaf (scalar, array element,
/// blob chunk) the coefficients a1..at of its polynomial; for each additive split (ECDSA or
/// EdDSA key, ECDSA signature) the shares of the first n − 1 parties in index order.
///
/// [`RngSource`] is the implementation for real use. Implementing it yourself makes masking
/// deterministic (test vectors, simulations); the values must be uniform and secret in any
/// real deployment.
pub trait RandomnessSource {
    /// A polynomial coefficient, uniform in `[0, p)`.
    fn coefficient<F: PrimeField>(&mut self) -> F;
    /// A non-zero secp256k1 scalar.
    fn secp256k1_scalar(&mut self) -> k256::Scalar;
    /// A non-zero Ed25519 scalar.
    fn ed25519_scalar(&mut self) -> curve25519_dalek::Scalar;
}

/// A [`RandomnessSource`] drawing from a cryptographic RNG.
#[derive(Debug)]
pub struct RngSource<'a, R: CryptoRng + ?Sized>(pub &'a mut R);

impl<R: CryptoRng + ?Sized> RandomnessSource for RngSource<'_, R> {
    fn coefficient<F: PrimeField>(&mut self) -> F {
        F::random(self.0)
    }

    fn secp256k1_scalar(&mut self) -> k256::Scalar {
        loop {
            let mut bytes = [0u8; 32];
            self.0.fill_bytes(&mut bytes);
            let candidate: Option<k256::Scalar> = k256::Scalar::from_repr(bytes.into()).into();
            if let Some(s) = candidate.filter(|s| !bool::from(s.is_zero())) {
                return s;
            }
        }
    }

    fn ed25519_scalar(&mut self) -> curve25519_dalek::Scalar {
        loop {
            let mut bytes = [0u8; 64];
            self.0.fill_bytes(&mut bytes);
            let s = curve25519_dalek::Scalar::from_bytes_mod_order_wide(&bytes);
            if s != curve25519_dalek::Scalar::ZERO {
                return s;
            }
        }
    }
}
