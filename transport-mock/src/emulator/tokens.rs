//! Token attachment: one token cache per user, shared by its operations, as a real client keeps
//! one (a token is signed once per node and reused until it is due for renewal). Which calls
//! carry a token is core's rule, [`Method::sends_token`].

use std::collections::BTreeMap;

use nilvm_core::auth::TokenCache;
use nilvm_core::identity::{NodeId, UserId};
use nilvm_core::rpc::Method;
use nilvm_core::time::Timestamp;

use crate::driver::Client;

/// The token caches, by user.
#[derive(Default)]
pub(super) struct Tokens {
    caches: BTreeMap<UserId, TokenCache>,
}

impl Tokens {
    /// Gives `client` a cache if it has none yet (its first operation, `op`, seeds it).
    pub(super) fn register(&mut self, client: &Client, op: u64) {
        self.caches
            .entry(client.user_id())
            .or_insert_with(|| client.token_cache(op));
    }

    /// The token `user`'s call of `method` to `node` carries, if any.
    pub(super) fn attach(
        &mut self,
        now: Timestamp,
        user: UserId,
        method: Method,
        node: &NodeId,
    ) -> Option<Vec<u8>> {
        if !method.sends_token() {
            return None;
        }
        let cache = self.caches.get_mut(&user)?;
        cache.token_for(now, node).ok().map(<[u8]>::to_vec)
    }
}

impl super::Emulator {
    /// The token operation `op`'s call of `method` to `node` carries, if any.
    pub(super) fn token(&mut self, op: u64, method: Method, node: &NodeId) -> Option<Vec<u8>> {
        let user = self.ops.get(op)?.client.user_id();
        self.tokens.attach(self.now, user, method, node)
    }
}
