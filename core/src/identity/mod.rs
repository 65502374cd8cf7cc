//! Who is who: user keys, public keys, [`UserId`] and [`NodeId`].
//!
//! Users and nodes both hold secp256k1 keys. Signatures everywhere in the protocol (auth tokens,
//! quotes, receipts, chain transactions) are ECDSA over SHA-256 of the bytes, serialized as 64
//! bytes `r ‖ s` with a low `s`; see [`UserKey::sign`] and [`PublicKey::verify`].

mod key;
mod memo;
mod node_id;
mod user_id;

pub use key::{PublicKey, SIGNATURE_LENGTH, Signature, UserKey};
#[cfg(feature = "std")]
pub use memo::VerifiedSignatures;
pub use memo::{MemoEntry, SharedVerifier, SignatureMemo, Verifier, verify_with_encoded_key};

#[cfg(test)]
pub(crate) use key::tests::high_s as key_tests_high_s;
pub use node_id::NodeId;
pub use user_id::UserId;

/// Errors of the identity layer: malformed keys, ids and signatures.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdentityError {
    /// A secret key was not 32 bytes, not hex, or not a valid secp256k1 scalar.
    #[error("invalid secret key")]
    InvalidSecretKey,
    /// A public key was not a valid 33-byte compressed secp256k1 point.
    #[error("invalid public key")]
    InvalidPublicKey,
    /// A public key of a type we cannot verify (Ed25519).
    #[error("unsupported public key type {0}")]
    UnsupportedKeyType(i32),
    /// A signature was not 64 bytes.
    #[error("invalid signature length: {0} bytes, expected 64")]
    InvalidSignatureLength(usize),
    /// A signature had a high `s`; the nodes only accept low-s signatures.
    #[error("signature is not low-s normalized")]
    HighS,
    /// The signature does not match the message and key.
    #[error("invalid signature")]
    InvalidSignature,
    /// Signing failed (never expected with a valid key).
    #[error("signing failed")]
    SigningFailed,
    /// A user id was not 20 bytes.
    #[error("invalid user id length")]
    InvalidUserIdLength(usize),
    /// A user id was not valid hex.
    #[error("invalid user id: not hex")]
    InvalidUserIdHex,
    /// A node id was empty.
    #[error("empty node id")]
    EmptyNodeId,
    /// A node id was not valid hex.
    #[error("invalid node id: not hex")]
    InvalidNodeIdHex,
}

/// SHA-256 of `bytes`.
pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(bytes);
    let mut out = [0u8; 32];
    out.copy_from_slice(&digest);
    out
}

/// The last 20 bytes of SHA-256 of a public key: the derivation of both user and node ids.
pub(crate) fn id_from_public_key_bytes(public_key: &[u8]) -> [u8; 20] {
    let digest = sha256(public_key);
    let mut out = [0u8; 20];
    out.copy_from_slice(&digest[12..]);
    out
}
