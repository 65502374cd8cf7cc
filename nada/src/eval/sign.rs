//! ECDSA and EdDSA signing in the clear (docs/nada.md §7.1, §8.6).
//!
//! The nodes sign with threshold protocols whose signatures are randomized; only validity can
//! be compared. These produce signatures that verify the same way, with the randomness
//! passed in.

use curve25519_dalek::constants::ED25519_BASEPOINT_POINT;
use curve25519_dalek::scalar::Scalar as EdScalar;
use k256::ecdsa::SigningKey;
use k256::ecdsa::signature::hazmat::RandomizedPrehashSigner;
use nilvm_core::values::{
    EcdsaDigestMessage, EcdsaPrivateKey, EcdsaSignature, EddsaMessage, EddsaPrivateKey,
    EddsaSignature,
};
use rand_core::CryptoRng;
use sha2::{Digest, Sha512};

/// secp256k1 ECDSA over the 32-byte digest taken as a big-endian integer reduced mod n (no
/// hashing), with a random nonce, low-s. `None` only if the key is unusable.
pub(crate) fn ecdsa_sign<R: CryptoRng + ?Sized>(
    key: &EcdsaPrivateKey,
    digest: &EcdsaDigestMessage,
    rng: &mut R,
) -> Option<EcdsaSignature> {
    let secret: k256::NonZeroScalar = Option::from(k256::NonZeroScalar::new(*key.scalar()))?;
    let signing_key = SigningKey::from(secret);
    // k256 mixes the random bytes into an RFC 6979 nonce: randomized, never repeated.
    let signature: k256::ecdsa::Signature = signing_key
        .sign_prehash_with_rng(rng, digest.as_bytes())
        .ok()?;
    let signature = signature.normalize_s();
    let (r, s) = signature.split_scalars();
    EcdsaSignature::from_scalars(*r, *s).ok()
}

/// Ed25519 (RFC 8032 verification equation, message not prehashed) with the raw signing
/// scalar `a` and a random nonce `r`: R = r·B, k = SHA-512(R ‖ A ‖ M) mod ℓ, S = r + k·a.
pub(crate) fn eddsa_sign<R: CryptoRng + ?Sized>(
    key: &EddsaPrivateKey,
    message: &EddsaMessage,
    rng: &mut R,
) -> Option<EddsaSignature> {
    let a = key.scalar();
    let public = key.public_key();
    let mut wide = [0u8; 64];
    rng.fill_bytes(&mut wide);
    let r = EdScalar::from_bytes_mod_order_wide(&wide);
    let big_r = (ED25519_BASEPOINT_POINT * r).compress();
    let hash = Sha512::new()
        .chain_update(big_r.as_bytes())
        .chain_update(public.as_bytes())
        .chain_update(message.as_bytes())
        .finalize();
    let mut k_bytes = [0u8; 64];
    k_bytes.copy_from_slice(hash.as_slice());
    let k = EdScalar::from_bytes_mod_order_wide(&k_bytes);
    let s = r + k * a;
    let mut signature = [0u8; 64];
    signature[..32].copy_from_slice(big_r.as_bytes());
    signature[32..].copy_from_slice(s.as_bytes());
    EddsaSignature::new(&signature).ok()
}
