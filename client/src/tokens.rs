//! The user's auth tokens, shared by every operation of one client.

use std::sync::{Mutex, PoisonError};

use bytes::Bytes;
use nilvm_core::auth::{AuthError, TokenCache};
use nilvm_core::drive::TokenSource;
use nilvm_core::identity::NodeId;
use nilvm_core::time::Timestamp;

/// A [`TokenCache`] behind a lock: operations running at once share the cached tokens.
pub(crate) struct SharedTokens(Mutex<TokenCache>);

impl SharedTokens {
    pub(crate) fn new(cache: TokenCache) -> Self {
        Self(Mutex::new(cache))
    }
}

impl TokenSource for SharedTokens {
    fn token_for(&self, now: Timestamp, node: &NodeId) -> Result<Bytes, AuthError> {
        // Never held across an await: the drive loop asks for a token, then sends.
        let mut cache = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        cache.token_for(now, node).map(Bytes::copy_from_slice)
    }
}
