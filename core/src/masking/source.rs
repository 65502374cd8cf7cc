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
    /// Fills `out` with coefficients: the same values, in the same order, as calling
    /// [`RandomnessSource::coefficient`] once per element (which is what the default does).
    /// The masker asks for many at once (a leaf's a1..at, a batch of blob chunks) so that a
    /// source can produce them in bulk.
    fn coefficients<F: PrimeField>(&mut self, out: &mut [F]) {
        for c in out {
            *c = self.coefficient();
        }
    }
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

    /// One `fill_bytes` for many coefficients. It consumes exactly the bytes that one
    /// [`PrimeField::random`] per coefficient would, in the same order (a rejected candidate's
    /// bytes are skipped just as a redraw would skip them), so an RNG whose output does not
    /// depend on how reads are split (block RNGs such as ChaCha, read in whole words) yields
    /// the same coefficients either way.
    fn coefficients<F: PrimeField>(&mut self, out: &mut [F]) {
        const BUFFER: usize = 1024;
        let width = F::PRIME.share_bytes();
        let mut buffer = [0u8; BUFFER];
        let mut rest = out;
        while !rest.is_empty() {
            let count = rest.len().min(BUFFER / width);
            // count · width ≤ BUFFER.
            #[allow(clippy::indexing_slicing)]
            let bytes = &mut buffer[..count * width];
            self.0.fill_bytes(bytes);
            // At most `count` ≤ rest.len() candidates: there is always a slot.
            let mut slots = core::mem::take(&mut rest).iter_mut();
            for candidate in bytes.chunks_exact(width) {
                // p is within 2^-30 of 2^bits: a rejection is rare.
                if let Some(v) = F::from_le_bytes_canonical(candidate) {
                    if let Some(slot) = slots.next() {
                        *slot = v;
                    }
                }
            }
            rest = slots.into_slice();
        }
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
