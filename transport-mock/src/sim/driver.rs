//! [`EmulatedDriver`]: core's [`Driver`] over the emulated network, for one user. Calls,
//! payments and timers become events of the shared network; the clock is virtual and the
//! random bytes come from the seed.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_core::Stream;
use nilvm_core::drive::{BoxFuture, Driver, OutgoingCall, ReplyStream};
use nilvm_core::identity::{SignatureMemo, UserId, UserKey, VerifiedSignatures};
use nilvm_core::operations::{PayerError, PaymentRequest};
use nilvm_core::rpc::Status;
use nilvm_core::time::Timestamp;

use crate::cluster::Cluster;
use crate::driver::Client;
use crate::emulator::Network;
use crate::lock;

/// One user's way onto the emulated network: pass it to core's `drive` (or to a client
/// generic over [`Driver`]), and run the futures in the [`crate::Simulation`] that made it.
/// Payments are signed with the user's chain key.
#[derive(Clone)]
pub struct EmulatedDriver {
    net: Arc<Mutex<Network>>,
    client: Client,
    strays: Arc<AtomicU64>,
    /// The emulated cluster's signature memo, shared with the client (one process).
    signatures: Arc<VerifiedSignatures>,
}

impl std::fmt::Debug for EmulatedDriver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmulatedDriver")
            .field("user_id", &self.client.user_id())
            .finish_non_exhaustive()
    }
}

impl EmulatedDriver {
    pub(crate) fn new(net: Arc<Mutex<Network>>, cluster: &Cluster, client: Client) -> Self {
        Self {
            net,
            client,
            strays: Arc::default(),
            signatures: cluster.signatures(),
        }
    }

    /// The user.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The user's key (what a client signs its tokens with).
    pub fn user_key(&self) -> &UserKey {
        self.client.key()
    }

    /// The user's id.
    pub fn user_id(&self) -> UserId {
        self.client.user_id()
    }

    /// Replies that arrived for calls of this driver (and its clones) nobody read any more:
    /// duplicates, and late replies of cancelled calls.
    pub fn stray_replies(&self) -> u64 {
        self.strays.load(Ordering::Relaxed)
    }
}

impl Driver for EmulatedDriver {
    fn call(&self, call: OutgoingCall) -> ReplyStream {
        let id = lock(&self.net).send(call, Arc::clone(&self.strays));
        Box::pin(Replies {
            net: Arc::clone(&self.net),
            call: id,
        })
    }

    fn pay(&self, payment: PaymentRequest) -> BoxFuture<'_, Result<String, PayerError>> {
        let id = lock(&self.net).submit_payment(self.client.clone(), payment);
        Box::pin(Paying {
            net: Arc::clone(&self.net),
            id,
            done: false,
        })
    }

    fn sleep_until(&self, at: Timestamp) -> BoxFuture<'static, ()> {
        Box::pin(Sleep::new(Arc::clone(&self.net), at))
    }

    fn now(&self) -> Timestamp {
        lock(&self.net).now()
    }

    fn fill_random(&self, bytes: &mut [u8]) {
        lock(&self.net).fill_random(bytes);
    }

    fn signature_memo(&self) -> Option<Arc<dyn SignatureMemo>> {
        Some(self.signatures.clone())
    }
}

/// What comes back for one call; dropping it cancels the call.
struct Replies {
    net: Arc<Mutex<Network>>,
    call: u64,
}

impl Stream for Replies {
    type Item = Result<Bytes, Status>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        lock(&self.net).calls.poll(self.call, cx.waker())
    }
}

impl Drop for Replies {
    fn drop(&mut self) {
        lock(&self.net).calls.cancel(self.call);
    }
}

/// A submitted payment's outcome.
struct Paying {
    net: Arc<Mutex<Network>>,
    id: u64,
    done: bool,
}

impl Future for Paying {
    type Output = Result<String, PayerError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let poll = lock(&self.net).poll_payment(self.id, cx.waker());
        self.done = poll.is_ready();
        poll
    }
}

impl Drop for Paying {
    fn drop(&mut self) {
        if !self.done {
            lock(&self.net).forget_payment(self.id);
        }
    }
}

/// A virtual-time sleep.
pub(super) struct Sleep {
    net: Arc<Mutex<Network>>,
    at: Timestamp,
    timer: Option<u64>,
}

impl Sleep {
    pub(super) fn new(net: Arc<Mutex<Network>>, at: Timestamp) -> Self {
        Self {
            net,
            at,
            timer: None,
        }
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        lock(&this.net).poll_timer(&mut this.timer, this.at, cx.waker())
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        if let Some(id) = self.timer.take() {
            lock(&self.net).cancel_timer(id);
        }
    }
}
