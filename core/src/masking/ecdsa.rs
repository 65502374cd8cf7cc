//! ECDSA (secp256k1) additive key shares and signature shares (docs/masking.md §8, §10).

use alloc::vec::Vec;

use k256::elliptic_curve::scalar::IsHigh as _;
use k256::{AffinePoint, ProjectivePoint, Scalar};

use super::source::RandomnessSource;
use crate::values::{EcdsaPrivateKey, EcdsaPrivateKeyShare, EcdsaSignature, EcdsaSignatureShare};

/// n − 1 random scalars, then the last so that the sum is `total`.
fn additive<S: RandomnessSource + ?Sized>(total: &Scalar, n: usize, source: &mut S) -> Vec<Scalar> {
    let mut shares = Vec::with_capacity(n);
    let mut sum = Scalar::ZERO;
    for _ in 1..n {
        let s = source.secp256k1_scalar();
        sum += s;
        shares.push(s);
    }
    shares.push(*total - sum);
    shares
}

/// Trusted-dealer additive n-out-of-n split of `key` (n ≥ 2); share i goes to rank i.
pub(crate) fn split_key<S: RandomnessSource + ?Sized>(
    key: &EcdsaPrivateKey,
    n: usize,
    source: &mut S,
) -> Vec<EcdsaPrivateKeyShare> {
    let xs = additive(key.scalar(), n, source);
    let public_shares: Vec<AffinePoint> = xs
        .iter()
        .map(|x| (ProjectivePoint::GENERATOR * x).to_affine())
        .collect();
    let shared = (ProjectivePoint::GENERATOR * key.scalar()).to_affine();
    xs.iter()
        .enumerate()
        .map(|(i, x)| {
            EcdsaPrivateKeyShare::new_trusted(i as u32, *x, shared, public_shares.clone())
        })
        .collect()
}

/// Additive split of s; every party gets the same r.
pub(crate) fn split_signature<S: RandomnessSource + ?Sized>(
    signature: &EcdsaSignature,
    n: usize,
    source: &mut S,
) -> Vec<EcdsaSignatureShare> {
    additive(signature.s(), n, source)
        .into_iter()
        .map(|sigma| EcdsaSignatureShare {
            r: *signature.r(),
            sigma,
        })
        .collect()
}

/// s = Σ sigma, normalised to low-s (min(s, n − s)); `None` if the sum is zero.
pub(crate) fn combine_sigma<'a>(sigmas: impl Iterator<Item = &'a Scalar>) -> Option<Scalar> {
    let s = sigmas.fold(Scalar::ZERO, |acc, x| acc + x);
    if bool::from(s.is_zero()) {
        return None;
    }
    Some(if bool::from(s.is_high()) { -s } else { s })
}
