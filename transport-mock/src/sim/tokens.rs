//! The auth tokens of the simulation's own users (those [`crate::Emulator::spawn`] runs
//! operations for): one cache per user, shared by its operations, as a real client keeps one.
//! Which calls carry one is decided by core's driving loop, not here.

use std::sync::Mutex;

use bytes::Bytes;
use nilvm_core::auth::{AuthError, TokenCache};
use nilvm_core::drive::TokenSource;
use nilvm_core::identity::NodeId;
use nilvm_core::time::Timestamp;

use crate::lock;

/// A user's token cache behind a lock.
#[derive(Debug)]
pub(crate) struct UserTokens(Mutex<TokenCache>);

impl UserTokens {
    pub(crate) fn new(cache: TokenCache) -> Self {
        Self(Mutex::new(cache))
    }
}

impl TokenSource for UserTokens {
    fn token_for(&self, now: Timestamp, node: &NodeId) -> Result<Bytes, AuthError> {
        lock(&self.0)
            .token_for(now, node)
            .map(Bytes::copy_from_slice)
    }
}
