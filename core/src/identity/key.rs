//! secp256k1 keys and the protocol's signature format.

use core::fmt;

use k256::ecdsa::signature::hazmat::{PrehashSigner, PrehashVerifier};
use k256::ecdsa::{SigningKey, VerifyingKey};
use k256::elliptic_curve::Generate;
use nilvm_proto::nillion::auth::v1::public_key as proto;
use rand_core::CryptoRng;

use super::{IdentityError, NodeId, UserId, sha256};

/// Length of a serialized signature: `r ‖ s`, 32 bytes each, big-endian.
pub const SIGNATURE_LENGTH: usize = 64;

/// Length of a compressed SEC1 secp256k1 public key.
const PUBLIC_KEY_LENGTH: usize = 33;

/// A secp256k1 private key: a user's identity, or a node's authentication and payment signing
/// key (the leader signs quotes and receipts with it), or a nilchain account key.
///
/// `Debug` shows the user id, never the secret.
///
/// ```
/// use nilvm_core::identity::UserKey;
///
/// let key = UserKey::from_hex(
///     "9a975f567428d054f2bf3092812e6c42f901ce07d9711bc77ee2cd81101f42c5",
/// ).unwrap();
/// let signature = key.sign(b"hello").unwrap();
/// key.public_key().verify(b"hello", signature.as_bytes()).unwrap();
/// assert!(!format!("{key:?}").contains("9a975f56"));
/// ```
#[derive(Clone)]
pub struct UserKey {
    inner: SigningKey,
}

impl UserKey {
    /// A key from its 32 secret bytes (a big-endian scalar).
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<Self, IdentityError> {
        Self::from_slice(bytes)
    }

    /// A key from a byte slice, which must be exactly 32 bytes.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, IdentityError> {
        if bytes.len() != 32 {
            return Err(IdentityError::InvalidSecretKey);
        }
        let inner = SigningKey::from_slice(bytes).map_err(|_| IdentityError::InvalidSecretKey)?;
        Ok(UserKey { inner })
    }

    /// A key from 64 hex characters (either case), as in `NILLION_NILCHAIN_PRIVATE_KEY_n`.
    pub fn from_hex(hex_key: &str) -> Result<Self, IdentityError> {
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(hex_key.trim(), &mut bytes)
            .map_err(|_| IdentityError::InvalidSecretKey)?;
        Self::from_bytes(&bytes)
    }

    /// A fresh random key.
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        UserKey {
            inner: SigningKey::generate_from_rng(rng),
        }
    }

    /// The 32 secret bytes. Handle with care: this is the key.
    pub fn to_secret_bytes(&self) -> [u8; 32] {
        let mut out = [0u8; 32];
        out.copy_from_slice(&self.inner.to_bytes());
        out
    }

    /// The public key.
    pub fn public_key(&self) -> PublicKey {
        PublicKey {
            inner: *self.inner.verifying_key(),
        }
    }

    /// The user id of this key.
    pub fn user_id(&self) -> UserId {
        self.public_key().user_id()
    }

    /// The node id of this key, when it is a node's authentication key.
    pub fn node_id(&self) -> NodeId {
        self.public_key().node_id()
    }

    /// Signs `message`: ECDSA over SHA-256(`message`) with an RFC 6979 nonce, low-s.
    pub fn sign(&self, message: &[u8]) -> Result<Signature, IdentityError> {
        let digest = sha256(message);
        let signature: k256::ecdsa::Signature = self
            .inner
            .sign_prehash(&digest)
            .map_err(|_| IdentityError::SigningFailed)?;
        // k256 normalizes `s` when signing; normalizing again is free insurance.
        let signature = signature.normalize_s();
        let mut bytes = [0u8; SIGNATURE_LENGTH];
        bytes.copy_from_slice(&signature.to_bytes());
        Ok(Signature(bytes))
    }
}

impl fmt::Debug for UserKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserKey")
            .field("user_id", &self.user_id())
            .finish_non_exhaustive()
    }
}

/// A 64-byte `r ‖ s` ECDSA signature.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Signature([u8; SIGNATURE_LENGTH]);

impl Signature {
    /// Wraps 64 bytes.
    pub const fn from_bytes(bytes: [u8; SIGNATURE_LENGTH]) -> Self {
        Signature(bytes)
    }

    /// The 64 bytes.
    pub const fn as_bytes(&self) -> &[u8; SIGNATURE_LENGTH] {
        &self.0
    }

    /// The 64 bytes, owned.
    pub fn to_vec(&self) -> alloc::vec::Vec<u8> {
        self.0.to_vec()
    }
}

impl TryFrom<&[u8]> for Signature {
    type Error = IdentityError;

    fn try_from(value: &[u8]) -> Result<Self, Self::Error> {
        let bytes: [u8; SIGNATURE_LENGTH] = value
            .try_into()
            .map_err(|_| IdentityError::InvalidSignatureLength(value.len()))?;
        Ok(Signature(bytes))
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signature({})", hex::encode(self.0))
    }
}

/// A secp256k1 public key, carried as a 33-byte compressed SEC1 point.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PublicKey {
    inner: VerifyingKey,
}

impl PublicKey {
    /// A key from its 33-byte compressed encoding. Other lengths (including the 65-byte
    /// uncompressed form) are rejected, as the nodes do.
    pub fn from_sec1_bytes(bytes: &[u8]) -> Result<Self, IdentityError> {
        // Only the compressed tags: other 33-byte forms (the SEC1 "compact" tag 0x05) would
        // re-encode to different bytes and so to a different user id.
        if bytes.len() != PUBLIC_KEY_LENGTH || !matches!(bytes.first(), Some(0x02 | 0x03)) {
            return Err(IdentityError::InvalidPublicKey);
        }
        let inner =
            VerifyingKey::from_sec1_bytes(bytes).map_err(|_| IdentityError::InvalidPublicKey)?;
        Ok(PublicKey { inner })
    }

    /// The 33-byte compressed encoding.
    pub fn to_bytes(&self) -> [u8; PUBLIC_KEY_LENGTH] {
        let point = self.inner.to_sec1_point(true);
        let mut out = [0u8; PUBLIC_KEY_LENGTH];
        // A compressed point is always 33 bytes; `copy_from_slice` cannot fail here.
        if point.as_bytes().len() == PUBLIC_KEY_LENGTH {
            out.copy_from_slice(point.as_bytes());
        }
        out
    }

    /// The user id of this key: the last 20 bytes of SHA-256 of the compressed key.
    pub fn user_id(&self) -> UserId {
        UserId::from_public_key_bytes(&self.to_bytes())
    }

    /// The node id of this key (same derivation as [`PublicKey::user_id`]).
    pub fn node_id(&self) -> NodeId {
        NodeId::from_public_key_bytes(&self.to_bytes())
    }

    /// Verifies a 64-byte `r ‖ s` signature over SHA-256(`message`). High-s signatures are
    /// rejected, as the nodes do.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), IdentityError> {
        let signature = Signature::try_from(signature)?;
        let signature = k256::ecdsa::Signature::from_slice(signature.as_bytes())
            .map_err(|_| IdentityError::InvalidSignature)?;
        if signature.normalize_s() != signature {
            return Err(IdentityError::HighS);
        }
        self.inner
            .verify_prehash(&sha256(message), &signature)
            .map_err(|_| IdentityError::InvalidSignature)
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", hex::encode(self.to_bytes()))
    }
}

impl From<&PublicKey> for proto::PublicKey {
    fn from(value: &PublicKey) -> Self {
        proto::PublicKey {
            key_type: proto::PublicKeyType::Secp256k1 as i32,
            contents: value.to_bytes().to_vec(),
        }
    }
}

impl From<PublicKey> for proto::PublicKey {
    fn from(value: PublicKey) -> Self {
        (&value).into()
    }
}

impl TryFrom<&proto::PublicKey> for PublicKey {
    type Error = IdentityError;

    fn try_from(value: &proto::PublicKey) -> Result<Self, Self::Error> {
        if value.key_type != proto::PublicKeyType::Secp256k1 as i32 {
            return Err(IdentityError::UnsupportedKeyType(value.key_type));
        }
        PublicKey::from_sec1_bytes(&value.contents)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    const DEVNET_KEY_0: &str = "9a975f567428d054f2bf3092812e6c42f901ce07d9711bc77ee2cd81101f42c5";

    #[test]
    fn key_from_hex_bytes_and_public_key() {
        let key = UserKey::from_hex(DEVNET_KEY_0).unwrap();
        assert_eq!(
            hex::encode(key.public_key().to_bytes()),
            "028304127a8f8d3e568f2fe088fe3c4670bf54e8c3150e98b9627e4e959c1537db"
        );
        assert_eq!(hex::encode(key.to_secret_bytes()), DEVNET_KEY_0);
        let upper = UserKey::from_hex(&DEVNET_KEY_0.to_uppercase()).unwrap();
        assert_eq!(upper.public_key(), key.public_key());
        let again = UserKey::from_bytes(&key.to_secret_bytes()).unwrap();
        assert_eq!(again.public_key(), key.public_key());
    }

    #[test]
    fn bad_secret_keys_are_rejected() {
        assert_eq!(
            UserKey::from_slice(&[1u8; 31]).unwrap_err(),
            IdentityError::InvalidSecretKey
        );
        assert!(UserKey::from_slice(&[1u8; 33]).is_err());
        assert!(UserKey::from_bytes(&[0u8; 32]).is_err());
        assert!(UserKey::from_bytes(&[0xff; 32]).is_err());
        assert!(UserKey::from_hex("zz").is_err());
        assert!(UserKey::from_hex(&DEVNET_KEY_0[..62]).is_err());
    }

    #[test]
    fn generated_keys_differ_and_debug_hides_secret() {
        use rand::SeedableRng;
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let a = UserKey::generate(&mut rng);
        let b = UserKey::generate(&mut rng);
        assert_ne!(a.public_key(), b.public_key());
        let debug = format!("{a:?}");
        assert!(debug.contains(&a.user_id().to_string()));
        assert!(!debug.contains(&hex::encode(a.to_secret_bytes())));
    }

    #[test]
    fn sign_verify_and_reject_tampering() {
        let key = UserKey::from_hex(DEVNET_KEY_0).unwrap();
        let sig = key.sign(b"message").unwrap();
        let public = key.public_key();
        public.verify(b"message", sig.as_bytes()).unwrap();
        assert_eq!(
            public.verify(b"other", sig.as_bytes()),
            Err(IdentityError::InvalidSignature)
        );
        assert_eq!(
            public.verify(b"message", &sig.as_bytes()[..63]),
            Err(IdentityError::InvalidSignatureLength(63))
        );
        assert_eq!(
            public.verify(b"message", &[0u8; 64]),
            Err(IdentityError::InvalidSignature)
        );
        let other = UserKey::from_bytes(&[7u8; 32]).unwrap().public_key();
        assert_eq!(
            other.verify(b"message", sig.as_bytes()),
            Err(IdentityError::InvalidSignature)
        );
    }

    #[test]
    fn high_s_is_rejected() {
        let key = UserKey::from_hex(DEVNET_KEY_0).unwrap();
        let sig = key.sign(b"message").unwrap();
        let high = high_s(sig.as_bytes());
        assert_eq!(
            key.public_key().verify(b"message", &high),
            Err(IdentityError::HighS)
        );
    }

    /// The same signature with `s` replaced by `n - s`.
    pub(crate) fn high_s(signature: &[u8; 64]) -> [u8; 64] {
        let sig = k256::ecdsa::Signature::from_slice(signature).unwrap();
        let (r, s) = sig.split_scalars();
        let neg_s = -*s;
        let mut out = [0u8; 64];
        out[..32].copy_from_slice(&r.to_bytes());
        out[32..].copy_from_slice(&neg_s.to_bytes());
        out
    }

    #[test]
    fn public_key_lengths_and_proto() {
        let key = UserKey::from_hex(DEVNET_KEY_0).unwrap().public_key();
        let proto: proto::PublicKey = key.into();
        assert_eq!(proto.key_type, 1);
        assert_eq!(PublicKey::try_from(&proto), Ok(key));
        let uncompressed = key.inner.to_sec1_point(false);
        assert_eq!(
            PublicKey::from_sec1_bytes(uncompressed.as_bytes()),
            Err(IdentityError::InvalidPublicKey)
        );
        assert_eq!(
            PublicKey::from_sec1_bytes(&[2u8; 32]),
            Err(IdentityError::InvalidPublicKey)
        );
        let ed = proto::PublicKey {
            key_type: 0,
            contents: alloc::vec![0; 32],
        };
        assert_eq!(
            PublicKey::try_from(&ed),
            Err(IdentityError::UnsupportedKeyType(0))
        );
        let mut bad = proto.clone();
        bad.contents[0] = 5;
        assert_eq!(
            PublicKey::try_from(&bad),
            Err(IdentityError::InvalidPublicKey)
        );
    }
}
