//! Creating, caching and renewing tokens (client side).

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use nilvm_proto::Message;
use nilvm_proto::nillion::auth::v1::token::{SignedToken, Token};
use rand_core::CryptoRng;

use super::AuthError;
use crate::identity::{NodeId, UserId, UserKey, sha256};
use crate::time::{Duration, Timestamp};

/// Length of a token nonce; the nodes reject any other length.
pub const TOKEN_NONCE_LENGTH: usize = 32;

/// Creates a signed token for `target`, valid until `expires_at`.
///
/// The signature is ECDSA over SHA-256 of the encoded `Token`, 64 bytes `r ‖ s`, low-s; the
/// public key is the 33-byte compressed key. Send `encode_to_vec()` of the result.
pub fn create_token(
    key: &UserKey,
    target: &NodeId,
    nonce: [u8; TOKEN_NONCE_LENGTH],
    expires_at: Timestamp,
) -> Result<SignedToken, AuthError> {
    let token = Token {
        nonce: nonce.to_vec(),
        target_identity: Some(target.into()),
        expires_at: Some(expires_at.into()),
    };
    let serialized_token = token.encode_to_vec();
    let signature = key
        .sign(&serialized_token)
        .map_err(|_| AuthError::SigningFailed)?;
    Ok(SignedToken {
        serialized_token,
        public_key: Some(key.public_key().into()),
        signature: signature.to_vec(),
    })
}

/// How long tokens live and when they are renewed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TokenConfig {
    /// Lifetime of a new token (`expires_at = now + lifetime`).
    pub lifetime: Duration,
    /// Age after which a cached token is replaced; must not exceed `lifetime`.
    pub renew_after: Duration,
}

impl Default for TokenConfig {
    /// 60 s tokens renewed after 48 s (80 %), as the official Rust client does.
    fn default() -> Self {
        TokenConfig {
            lifetime: Duration::from_secs(60),
            renew_after: Duration::from_secs(48),
        }
    }
}

#[derive(Clone)]
struct CachedToken {
    encoded: Vec<u8>,
    issued_at: Timestamp,
    renew_at: Timestamp,
}

/// A per-node token cache: hands out the encoded token for a node, creating or renewing it
/// when needed.
///
/// Tokens carry a fresh nonce each time. Nonces are derived from a seed given at construction
/// (SHA-256 of the seed and a counter), so the cache needs no RNG per call and a seeded test
/// run is reproducible. The nonce is not a secret: nodes do not track it.
///
/// ```
/// use nilvm_core::auth::TokenCache;
/// use nilvm_core::identity::{NodeId, UserKey};
/// use nilvm_core::time::{Duration, Timestamp};
///
/// let key = UserKey::from_bytes(&[1; 32]).unwrap();
/// let mut tokens = TokenCache::new(key, [7; 32]);
/// let node = NodeId::new(vec![0xaa; 20]).unwrap();
/// let now = Timestamp::from_unix_seconds(1_700_000_000);
/// let first = tokens.token_for(now, &node).unwrap().to_vec();
/// // Reused within the renewal window, replaced after it.
/// assert_eq!(tokens.token_for(now.checked_add(Duration::from_secs(10)).unwrap(), &node).unwrap(), first);
/// assert_ne!(tokens.token_for(now.checked_add(Duration::from_secs(50)).unwrap(), &node).unwrap(), first);
/// ```
pub struct TokenCache {
    key: UserKey,
    config: TokenConfig,
    nonce_seed: [u8; 32],
    counter: u64,
    tokens: BTreeMap<NodeId, CachedToken>,
}

impl TokenCache {
    /// A cache with the default lifetime (60 s, renewed after 48 s).
    pub fn new(key: UserKey, nonce_seed: [u8; 32]) -> Self {
        TokenCache {
            key,
            config: TokenConfig::default(),
            nonce_seed,
            counter: 0,
            tokens: BTreeMap::new(),
        }
    }

    /// A cache whose nonce seed is drawn from `rng`.
    pub fn from_rng<R: CryptoRng + ?Sized>(key: UserKey, rng: &mut R) -> Self {
        let mut seed = [0u8; 32];
        rng.fill_bytes(&mut seed);
        Self::new(key, seed)
    }

    /// A cache with a custom lifetime and renewal age.
    pub fn with_config(
        key: UserKey,
        nonce_seed: [u8; 32],
        config: TokenConfig,
    ) -> Result<Self, AuthError> {
        if config.lifetime.is_zero() {
            return Err(AuthError::InvalidConfig("lifetime must be positive"));
        }
        if config.renew_after > config.lifetime {
            return Err(AuthError::InvalidConfig(
                "renew_after must not exceed lifetime",
            ));
        }
        let mut cache = Self::new(key, nonce_seed);
        cache.config = config;
        Ok(cache)
    }

    /// The user these tokens authenticate.
    pub fn user_id(&self) -> UserId {
        self.key.user_id()
    }

    /// The encoded `SignedToken` to send to `node` at `now`: the cached one if it is younger
    /// than `renew_after`, otherwise a new one (which replaces it).
    pub fn token_for(&mut self, now: Timestamp, node: &NodeId) -> Result<&[u8], AuthError> {
        let fresh = self
            .tokens
            .get(node)
            .is_some_and(|cached| cached.issued_at <= now && now < cached.renew_at);
        if !fresh {
            let token = self.issue(now, node)?;
            self.tokens.insert(node.clone(), token);
        }
        match self.tokens.get(node) {
            Some(cached) => Ok(&cached.encoded),
            // Inserted just above when missing.
            None => Err(AuthError::SigningFailed),
        }
    }

    /// When the cached token for `node` is due for renewal, if one is cached.
    pub fn renewal_due(&self, node: &NodeId) -> Option<Timestamp> {
        self.tokens.get(node).map(|cached| cached.renew_at)
    }

    /// Drops the cached token for `node` (e.g. after the node answered UNAUTHENTICATED).
    pub fn forget(&mut self, node: &NodeId) {
        self.tokens.remove(node);
    }

    fn issue(&mut self, now: Timestamp, node: &NodeId) -> Result<CachedToken, AuthError> {
        let expires_at = now
            .checked_add(self.config.lifetime)
            .ok_or(AuthError::ExpiryOverflow)?;
        let renew_at = now.saturating_add(self.config.renew_after);
        let nonce = self.next_nonce();
        let token = create_token(&self.key, node, nonce, expires_at)?;
        Ok(CachedToken {
            encoded: token.encode_to_vec(),
            issued_at: now,
            renew_at,
        })
    }

    fn next_nonce(&mut self) -> [u8; TOKEN_NONCE_LENGTH] {
        let mut input = [0u8; 40];
        input[..32].copy_from_slice(&self.nonce_seed);
        input[32..].copy_from_slice(&self.counter.to_le_bytes());
        self.counter = self.counter.wrapping_add(1);
        sha256(&input)
    }
}

impl core::fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TokenCache")
            .field("user_id", &self.user_id())
            .field("config", &self.config)
            .field("cached_nodes", &self.tokens.len())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::verify_token;

    fn node(byte: u8) -> NodeId {
        NodeId::new(alloc::vec![byte; 20]).unwrap()
    }

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_unix_seconds(seconds)
    }

    /// Checks a token with k256 and sha2 directly, without any of our identity code.
    #[test]
    fn token_verifies_with_an_independent_k256_check() {
        use k256::ecdsa::signature::Verifier;
        use k256::ecdsa::{Signature, VerifyingKey};
        use sha2::Digest;

        let secret = [0x42u8; 32];
        let key = UserKey::from_bytes(&secret).unwrap();
        let target = node(0x11);
        let token = create_token(&key, &target, [9; 32], at(1_000)).unwrap();

        let signed = SignedToken::decode(token.encode_to_vec().as_slice()).unwrap();
        let public_key = signed.public_key.unwrap();
        assert_eq!(public_key.key_type, 1);
        assert_eq!(public_key.contents.len(), 33);
        let expected_public = k256::ecdsa::SigningKey::from_slice(&secret)
            .unwrap()
            .verifying_key()
            .to_sec1_point(true);
        assert_eq!(public_key.contents, expected_public.as_bytes());

        let verifying = VerifyingKey::from_sec1_bytes(&public_key.contents).unwrap();
        let signature = Signature::from_slice(&signed.signature).unwrap();
        assert_eq!(signature.normalize_s(), signature, "low-s");
        // k256's `Verifier` hashes with SHA-256, as the nodes do.
        verifying
            .verify(&signed.serialized_token, &signature)
            .unwrap();

        let inner = Token::decode(signed.serialized_token.as_slice()).unwrap();
        assert_eq!(inner.nonce, [9; 32]);
        assert_eq!(inner.target_identity.unwrap().contents, [0x11; 20]);
        let expires = inner.expires_at.unwrap();
        assert_eq!((expires.seconds, expires.nanos), (1_000, 0));

        let digest = sha2::Sha256::digest(&public_key.contents);
        let verified = verify_token(&token.encode_to_vec(), &target, at(999)).unwrap();
        assert_eq!(verified.user_id().as_bytes(), &digest[12..]);
        assert_eq!(verified.user_id(), key.user_id());
    }

    #[test]
    fn cache_reuses_then_renews_per_node() {
        let key = UserKey::from_bytes(&[1; 32]).unwrap();
        let mut cache = TokenCache::new(key, [0; 32]);
        let (a, b) = (node(1), node(2));
        let t_a = cache.token_for(at(100), &a).unwrap().to_vec();
        let t_b = cache.token_for(at(100), &b).unwrap().to_vec();
        assert_ne!(t_a, t_b);
        assert_eq!(cache.renewal_due(&a), Some(at(148)));
        assert_eq!(cache.token_for(at(147), &a).unwrap(), t_a.as_slice());
        let renewed = cache.token_for(at(148), &a).unwrap().to_vec();
        assert_ne!(renewed, t_a);
        // The renewed token is valid for the full lifetime from renewal.
        let verified = verify_token(&renewed, &a, at(208)).unwrap();
        assert_eq!(verified.expires_at(), at(208));
        // A clock that went backwards gets a new token rather than one issued in the future.
        assert_ne!(cache.token_for(at(50), &a).unwrap(), renewed.as_slice());
        cache.forget(&b);
        assert_eq!(cache.renewal_due(&b), None);
    }

    #[test]
    fn nonces_are_unique_and_seeded() {
        let key = UserKey::from_bytes(&[1; 32]).unwrap();
        let mut one = TokenCache::new(key.clone(), [5; 32]);
        let mut two = TokenCache::new(key, [5; 32]);
        let n = node(3);
        let first = one.token_for(at(0), &n).unwrap().to_vec();
        assert_eq!(two.token_for(at(0), &n).unwrap(), first.as_slice());
        let second = one.token_for(at(100), &n).unwrap().to_vec();
        let nonce = |bytes: &[u8]| {
            let signed = SignedToken::decode(bytes).unwrap();
            Token::decode(signed.serialized_token.as_slice())
                .unwrap()
                .nonce
        };
        assert_ne!(nonce(&first), nonce(&second));
    }

    #[test]
    fn config_is_validated_and_overflow_reported() {
        let key = UserKey::from_bytes(&[1; 32]).unwrap();
        let zero = TokenConfig {
            lifetime: Duration::ZERO,
            renew_after: Duration::ZERO,
        };
        assert!(matches!(
            TokenCache::with_config(key.clone(), [0; 32], zero),
            Err(AuthError::InvalidConfig(_))
        ));
        let late = TokenConfig {
            lifetime: Duration::from_secs(10),
            renew_after: Duration::from_secs(11),
        };
        assert!(TokenCache::with_config(key.clone(), [0; 32], late).is_err());
        let short = TokenConfig {
            lifetime: Duration::from_secs(10),
            renew_after: Duration::from_secs(1),
        };
        let mut cache = TokenCache::with_config(key, [0; 32], short).unwrap();
        assert_eq!(
            cache.token_for(at(i64::MAX), &node(1)).unwrap_err(),
            AuthError::ExpiryOverflow
        );
        cache.token_for(at(0), &node(1)).unwrap();
        assert_eq!(cache.renewal_due(&node(1)), Some(at(1)));
        assert!(format!("{cache:?}").contains("cached_nodes: 1"));
    }
}
