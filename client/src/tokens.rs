//! The user's auth tokens, shared by every operation of one client.

use std::sync::{Mutex, PoisonError};

use bytes::Bytes;
use nilvm_core::auth::{AuthError, TokenCache};
use nilvm_core::drive::TokenSource;
use nilvm_core::identity::NodeId;
use nilvm_core::time::Timestamp;

/// A user's [`TokenCache`] behind a lock, as [`drive`](nilvm_core::drive::drive) takes it:
/// operations running at once share the cached tokens. [`VmClient`](crate::VmClient) keeps
/// one; drivers of raw core operations can too.
pub struct UserTokens(Mutex<TokenCache>);

impl std::fmt::Debug for UserTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("UserTokens")
    }
}

impl UserTokens {
    /// Shares `cache`.
    pub fn new(cache: TokenCache) -> Self {
        Self(Mutex::new(cache))
    }
}

impl TokenSource for UserTokens {
    fn token_for(&self, now: Timestamp, node: &NodeId) -> Result<Bytes, AuthError> {
        // Never held across an await: the drive loop asks for a token, then sends.
        let mut cache = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        cache.token_for(now, node).map(Bytes::copy_from_slice)
    }
}
