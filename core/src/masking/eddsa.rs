//! EdDSA (Ed25519) additive key shares, the same scheme as ECDSA over the Ed25519 group.

use alloc::vec::Vec;

use curve25519_dalek::Scalar;
use curve25519_dalek::edwards::EdwardsPoint;

use super::source::RandomnessSource;
use crate::values::{EddsaPrivateKey, EddsaPrivateKeyShare, ed_base_mul};

/// Trusted-dealer additive n-out-of-n split of `key` (n ≥ 2); share i goes to rank i.
pub(crate) fn split_key<S: RandomnessSource + ?Sized>(
    key: &EddsaPrivateKey,
    n: usize,
    source: &mut S,
) -> Vec<EddsaPrivateKeyShare> {
    let mut xs = Vec::with_capacity(n);
    let mut sum = Scalar::ZERO;
    for _ in 1..n {
        let s = source.ed25519_scalar();
        sum += s;
        xs.push(s);
    }
    xs.push(key.scalar() - sum);
    let public_shares: Vec<EdwardsPoint> = xs.iter().map(ed_base_mul).collect();
    let shared = ed_base_mul(key.scalar());
    xs.iter()
        .enumerate()
        .map(|(i, x)| {
            EddsaPrivateKeyShare::new_trusted(i as u32, *x, shared, public_shares.clone())
        })
        .collect()
}
