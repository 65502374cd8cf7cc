//! Clients and drivers: who runs an operation, and how it is waited for.
//!
//! - Blocking: [`Emulator::run`](crate::Emulator::run) steps the emulator until the operation
//!   is done.
//! - Async: [`SharedEmulator::run`] returns a future that steps the shared emulator each time it
//!   is polled and wakes itself, so it works under any executor (tokio, async-std, a hand-made
//!   `block_on`) without the crate depending on one. Many tasks can run operations on one
//!   shared emulator at once; they all advance the same virtual clock.

use std::future::poll_fn;
use std::marker::PhantomData;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::Poll;

use nilvm_core::auth::TokenCache;
use nilvm_core::identity::{UserId, UserKey};
use nilvm_core::operations::{Operation, OperationError};

use crate::Emulator;

/// A user of the emulated cluster: the key that signs its auth tokens and the chain key that
/// pays on chain.
#[derive(Clone)]
pub struct Client {
    key: UserKey,
    chain_key: UserKey,
    nonce_seed: [u8; 32],
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("user_id", &self.user_id())
            .finish_non_exhaustive()
    }
}

fn derive_key(seed: &[u8; 32], label: &[u8]) -> UserKey {
    let mut counter = 0u32;
    loop {
        let mut input = Vec::with_capacity(40);
        input.extend_from_slice(seed);
        input.extend_from_slice(label);
        input.extend_from_slice(&counter.to_le_bytes());
        if let Ok(key) = UserKey::from_bytes(&crate::sha256(&input)) {
            return key;
        }
        // A SHA-256 output that is not a valid scalar: astronomically rare; try the next one.
        counter = counter.wrapping_add(1);
    }
}

impl Client {
    /// A client whose keys are derived from `seed`.
    pub fn from_seed(seed: [u8; 32]) -> Self {
        Self {
            key: derive_key(&seed, b"user"),
            chain_key: derive_key(&seed, b"chain"),
            nonce_seed: crate::sha256(&seed),
        }
    }

    /// A client with given keys.
    pub fn new(key: UserKey, chain_key: UserKey, nonce_seed: [u8; 32]) -> Self {
        Self {
            key,
            chain_key,
            nonce_seed,
        }
    }

    /// The user id nodes see.
    pub fn user_id(&self) -> UserId {
        self.key.user_id()
    }

    /// The key that signs auth tokens.
    pub fn key(&self) -> &UserKey {
        &self.key
    }

    /// The key that signs chain payments.
    pub fn chain_key(&self) -> &UserKey {
        &self.chain_key
    }

    /// A token cache whose nonces derive from the client seed and `op` (the operation that
    /// first needed it).
    pub(crate) fn token_cache(&self, op: u64) -> TokenCache {
        let mut input = self.nonce_seed.to_vec();
        input.extend_from_slice(&op.to_le_bytes());
        TokenCache::new(self.key.clone(), crate::sha256(&input))
    }
}

/// An operation running in an [`Emulator`]; `T` is its output.
#[derive(Debug)]
#[must_use]
pub struct OpHandle<T> {
    id: u64,
    output: PhantomData<fn() -> T>,
}

impl<T> OpHandle<T> {
    pub(crate) fn new(id: u64) -> Self {
        Self {
            id,
            output: PhantomData,
        }
    }

    pub(crate) fn id(&self) -> u64 {
        self.id
    }
}

/// An emulator shared between tasks, for the async driver.
#[derive(Clone, Debug)]
pub struct SharedEmulator {
    inner: Arc<Mutex<Emulator>>,
}

impl SharedEmulator {
    /// Shares `emulator`.
    pub fn new(emulator: Emulator) -> Self {
        Self {
            inner: Arc::new(Mutex::new(emulator)),
        }
    }

    /// Locks the emulator (to create clients, inspect the cluster, move the clock).
    pub fn lock(&self) -> MutexGuard<'_, Emulator> {
        // A panic elsewhere while holding the lock leaves the emulator usable for inspection.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `op` for `client`; resolves when it is done. Each poll processes one event of the
    /// shared emulator, then yields to the executor.
    pub async fn run<O>(&self, client: &Client, op: O) -> Result<O::Output, OperationError>
    where
        O: Operation + Send + 'static,
        O::Output: Send + 'static,
    {
        let handle = self.lock().spawn(client, op);
        poll_fn(|cx| {
            let mut emulator = self.lock();
            if let Some(result) = emulator.take(&handle) {
                emulator.forget(OpHandle::<O::Output>::new(handle.id()));
                return Poll::Ready(result);
            }
            if !emulator.step() && !emulator.is_done(&handle) {
                return Poll::Ready(Err(OperationError::ApiMisuse(
                    "the operation stalled: no output, no timeout, nothing in flight",
                )));
            }
            cx.waker().wake_by_ref();
            Poll::Pending
        })
        .await
    }
}
