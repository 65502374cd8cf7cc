//! The one driving loop: any [`Operation`] over any [`Driver`].
//!
//! A driver is what a runtime gives the protocol: it sends a request's bytes to a node and
//! streams back the reply's bytes (or the transport's failure), pays on chain, sleeps until an
//! instant, reads its clock and draws random bytes. Everything else is decided here, once, for
//! every transport: which calls carry the user's token ([`Method::sends_token`]), how reply
//! bytes are decoded and what an undecodable reply means (the node misbehaves:
//! [`Operation::handle_undecodable`]), which calls are cancelled (those the operation stopped
//! awaiting: dropping a call's stream is its cancellation), and when the operation is stuck.
//!
//! The tonic driver (`nilvm-transport-tonic`) uses the wall clock and tokio's timers; the
//! emulated cluster's driver (`nilvm-transport-mock`) uses virtual time, so the same app code
//! runs deterministically under simulation.
//!
//! [`drive`] polls every call of the operation itself: it needs no executor, no task spawning,
//! and works under any runtime that can poll a future.

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::future::{Future, poll_fn};
use core::pin::Pin;
use core::task::{Context, Poll};

use bytes::Bytes;
use futures_core::Stream;

use crate::auth::AuthError;
use crate::cluster::Cluster;
use crate::identity::NodeId;
use crate::operations::{
    Operation, OperationError, Output, PayerError, PaymentRequest, RequestId, Target, Transmit,
    UndecodableReply,
};
use crate::rpc::{Code, Method, Reply, Status};
use crate::time::Timestamp;

/// A future a driver hands out (boxed so that [`Driver`] stays object safe).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The answer to one request as a transport receives it: each message's bytes (one for a unary
/// call, any number for a server stream), or the failure that ended the call (the node's status,
/// or the transport's: unreachable, reset, ...). The stream ends after the last message.
pub type ReplyStream = Pin<Box<dyn Stream<Item = Result<Bytes, Status>> + Send>>;

/// A request ready for the wire.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct OutgoingCall {
    /// The operation's id for it (for logs and traces).
    pub id: RequestId,
    /// Where it goes.
    pub target: Target,
    /// The node's gRPC endpoint as the cluster announced it (`None` for the bootnode, whose
    /// address the driver was given, and for nodes the cluster does not list).
    pub endpoint: Option<Arc<str>>,
    /// Which RPC it is (its gRPC path: [`Method::path`]).
    pub method: Method,
    /// The encoded request message.
    pub body: Bytes,
    /// The encoded `SignedToken` for the `x-nillion-token-bin` header, when the call carries
    /// one.
    pub token: Option<Bytes>,
}

/// What a runtime provides to run operations: bytes and time, nothing else.
pub trait Driver: Send + Sync {
    /// Sends `call` to its target and streams back what comes (see [`ReplyStream`]). Dropping
    /// the stream cancels the call.
    fn call(&self, call: OutgoingCall) -> ReplyStream;

    /// Pays `payment` on chain; resolves with the transaction hash (hex) or the payer's error.
    fn pay(
        &self,
        payment: PaymentRequest,
    ) -> BoxFuture<'_, Result<alloc::string::String, PayerError>>;

    /// Resolves once [`Driver::now`] has reached `at`.
    fn sleep_until(&self, at: Timestamp) -> BoxFuture<'static, ()>;

    /// The driver's clock: the wall clock, or a simulation's virtual one.
    fn now(&self) -> Timestamp;

    /// Fills `bytes` with random bytes (OS entropy, or a simulation's seeded generator).
    fn fill_random(&self, bytes: &mut [u8]);

    /// Signatures known to be valid that clients of this driver may share: an emulated
    /// cluster's, whose leader remembers what it signs (see
    /// [`SignatureMemo`](crate::identity::SignatureMemo)). Real transports have none, and
    /// their clients check every quote and receipt in full.
    fn signature_memo(&self) -> Option<Arc<dyn crate::identity::SignatureMemo>> {
        None
    }
}

/// Where [`drive`] gets the auth tokens of the calls that carry one.
pub trait TokenSource: Send + Sync {
    /// The encoded `SignedToken` to send to `node` at `now`.
    fn token_for(&self, now: Timestamp, node: &NodeId) -> Result<Bytes, AuthError>;
}

/// Where the cluster's nodes are: each node's gRPC endpoint, as the cluster announced it.
#[derive(Clone, Debug, Default)]
pub struct Endpoints {
    by_node: BTreeMap<NodeId, Arc<str>>,
}

impl Endpoints {
    /// No node known yet: only the bootnode can be called (to discover the cluster).
    pub fn bootstrap() -> Self {
        Self::default()
    }

    /// Every member's and the leader's endpoint.
    pub fn of(cluster: &Cluster) -> Self {
        let by_node = cluster
            .members()
            .iter()
            .chain(core::iter::once(cluster.leader()))
            .map(|member| (member.node_id().clone(), Arc::from(member.grpc_endpoint())))
            .collect();
        Self { by_node }
    }

    /// Where `target` is.
    pub fn endpoint(&self, target: &Target) -> Option<Arc<str>> {
        match target {
            Target::Bootnode => None,
            Target::Node(node) => self.by_node.get(node).cloned(),
        }
    }
}

/// What [`drive`] needs besides the driver: where the nodes are and whose tokens to send.
#[derive(Clone, Copy)]
pub struct Session<'a> {
    /// The nodes' endpoints.
    pub endpoints: &'a Endpoints,
    /// The user's tokens; `None` sends none (only the bootstrap calls, which carry none).
    pub tokens: Option<&'a dyn TokenSource>,
}

impl core::fmt::Debug for Session<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Session")
            .field("endpoints", self.endpoints)
            .field("tokens", &self.tokens.is_some())
            .finish()
    }
}

/// A user's [`TokenCache`](crate::auth::TokenCache) behind a lock, as [`drive`] takes it:
/// operations running at once share the user's cached tokens (the client keeps one; drivers
/// of raw operations can too).
#[cfg(feature = "std")]
pub struct UserTokens(std::sync::Mutex<crate::auth::TokenCache>);

#[cfg(feature = "std")]
impl UserTokens {
    /// Shares `cache`.
    pub fn new(cache: crate::auth::TokenCache) -> Self {
        Self(std::sync::Mutex::new(cache))
    }
}

#[cfg(feature = "std")]
impl core::fmt::Debug for UserTokens {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("UserTokens")
    }
}

#[cfg(feature = "std")]
impl TokenSource for UserTokens {
    fn token_for(&self, now: Timestamp, node: &NodeId) -> Result<Bytes, AuthError> {
        // Never held across an await: the drive loop asks for a token, then sends. A panic
        // elsewhere while holding it leaves the cache usable.
        let mut cache = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        cache.token_for(now, node).map(Bytes::copy_from_slice)
    }
}

/// A call the operation awaits.
struct InFlight {
    id: RequestId,
    method: Method,
    replies: ReplyStream,
}

/// What woke the loop.
enum Event {
    Message(usize, Result<Bytes, Status>),
    Ended(usize),
    Paid(Result<alloc::string::String, PayerError>),
    Timer,
}

/// Runs `op` to its end over `driver`, attaching the session's tokens to the calls that carry
/// one. Calls run concurrently; a call the operation no longer awaits is dropped (cancelled).
pub async fn drive<O: Operation>(
    driver: &dyn Driver,
    session: Session<'_>,
    mut op: O,
) -> Result<O::Output, OperationError> {
    let mut calls: Vec<InFlight> = Vec::new();
    let mut payment: Option<BoxFuture<'_, Result<alloc::string::String, PayerError>>> = None;
    let mut timer: Option<(Timestamp, BoxFuture<'static, ()>)> = None;
    loop {
        while let Some(output) = op.poll_output() {
            match output {
                Output::Transmit(transmit) => match start_call(driver, session, transmit) {
                    Ok(call) => calls.push(call),
                    Err((id, status)) => op.handle_reply(driver.now(), id, Err(status)),
                },
                Output::Pay(request) => payment = Some(driver.pay(request)),
                Output::Done(result) => return result,
            }
        }
        calls.retain(|call| op.is_awaiting(call.id));
        let deadline = op.poll_timeout();
        if timer.as_ref().map(|(at, _)| *at) != deadline {
            timer = deadline.map(|at| (at, driver.sleep_until(at)));
        }
        if calls.is_empty() && payment.is_none() && timer.is_none() {
            return Err(OperationError::ApiMisuse(
                "the operation waits for nothing and has not finished",
            ));
        }
        let event = poll_fn(|cx| next_event(cx, &mut calls, &mut payment, &mut timer)).await;
        let now = driver.now();
        match event {
            Event::Message(index, message) => {
                if let Some(call) = calls.get(index) {
                    let (id, method) = (call.id, call.method);
                    // A unary call is over with its one message.
                    if !method.is_server_stream() {
                        calls.remove(index);
                    }
                    deliver(&mut op, now, id, method, message);
                }
            }
            Event::Ended(index) => {
                if index < calls.len() {
                    let call = calls.remove(index);
                    if call.method.is_server_stream() {
                        op.handle_stream_end(now, call.id);
                    } else {
                        // Unary calls leave with their message: this one had none.
                        let status = Status::new(Code::Unknown, "the call ended without a reply");
                        op.handle_reply(now, call.id, Err(status));
                    }
                }
            }
            Event::Paid(result) => {
                payment = None;
                op.handle_payment(now, result);
            }
            Event::Timer => {
                timer = None;
                op.handle_timeout(now);
            }
        }
    }
}

/// Encodes a transmit and starts its call, with a token when the method carries one.
fn start_call(
    driver: &dyn Driver,
    session: Session<'_>,
    transmit: Transmit,
) -> Result<InFlight, (RequestId, Status)> {
    let Transmit {
        id,
        target,
        request,
    } = transmit;
    let method = request.method();
    let token = match (&target, session.tokens) {
        (Target::Node(node), Some(tokens)) if method.sends_token() => {
            let token = tokens.token_for(driver.now(), node).map_err(|error| {
                let message = alloc::format!("cannot create an auth token: {error}");
                (id, Status::new(Code::Internal, message))
            })?;
            Some(token)
        }
        _ => None,
    };
    let body = Bytes::from(request.encode_to_vec());
    let replies = driver.call(OutgoingCall {
        id,
        endpoint: session.endpoints.endpoint(&target),
        target,
        method,
        body,
        token,
    });
    Ok(InFlight {
        id,
        method,
        replies,
    })
}

/// Decodes a message and hands it to the operation: bytes that are not a reply of the method
/// mean the node misbehaves.
fn deliver<O: Operation>(
    op: &mut O,
    now: Timestamp,
    id: RequestId,
    method: Method,
    message: Result<Bytes, Status>,
) {
    match message {
        Ok(bytes) => match Reply::decode(method, &bytes) {
            Ok(reply) => op.handle_reply(now, id, Ok(reply)),
            Err(error) => op.handle_undecodable(now, id, UndecodableReply { method, error }),
        },
        Err(status) => op.handle_reply(now, id, Err(status)),
    }
}

/// Polls the payment, every call, then the timer; the first ready one wins. Calls are polled
/// in the order they were started, so a deterministic driver gives a deterministic order.
fn next_event(
    cx: &mut Context<'_>,
    calls: &mut [InFlight],
    payment: &mut Option<BoxFuture<'_, Result<alloc::string::String, PayerError>>>,
    timer: &mut Option<(Timestamp, BoxFuture<'static, ()>)>,
) -> Poll<Event> {
    if let Some(paying) = payment.as_mut() {
        if let Poll::Ready(result) = paying.as_mut().poll(cx) {
            return Poll::Ready(Event::Paid(result));
        }
    }
    for (index, call) in calls.iter_mut().enumerate() {
        match call.replies.as_mut().poll_next(cx) {
            Poll::Ready(Some(message)) => return Poll::Ready(Event::Message(index, message)),
            Poll::Ready(None) => return Poll::Ready(Event::Ended(index)),
            Poll::Pending => {}
        }
    }
    if let Some((_, sleeping)) = timer.as_mut() {
        if sleeping.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Event::Timer);
        }
    }
    Poll::Pending
}

/// A driver's randomness as an RNG, for what needs one (masking, nonces): the OS's entropy on
/// a real runtime, the seed's under simulation. Cryptographically secure when the driver's
/// [`Driver::fill_random`] is.
pub struct DriverRng<'a>(pub &'a dyn Driver);

impl core::fmt::Debug for DriverRng<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("DriverRng")
    }
}

impl rand_core::TryRng for DriverRng<'_> {
    type Error = core::convert::Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        let mut bytes = [0u8; 4];
        self.0.fill_random(&mut bytes);
        Ok(u32::from_le_bytes(bytes))
    }

    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        let mut bytes = [0u8; 8];
        self.0.fill_random(&mut bytes);
        Ok(u64::from_le_bytes(bytes))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        self.0.fill_random(dst);
        Ok(())
    }
}

impl rand_core::TryCryptoRng for DriverRng<'_> {}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::String;
    use alloc::sync::Arc;
    use alloc::vec;
    use core::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;

    use crate::identity::UserKey;
    use crate::operations::delete_values::delete_values;
    use crate::operations::node_version::node_version;
    use crate::operations::testing::{nodes, start};
    use crate::operations::{Misbehaviour, RetryPolicy};
    use crate::rpc::Method;
    use crate::rpc::Reply;
    use crate::time::Duration;

    type Answer = fn(&OutgoingCall) -> Option<Vec<Result<Bytes, Status>>>;

    /// Answers at once (or never, for `None`); time jumps to every timer.
    struct ScriptDriver {
        now: Mutex<Timestamp>,
        answer: Answer,
        calls: Mutex<Vec<(Method, Target, bool)>>,
        dropped: Arc<AtomicUsize>,
    }

    impl ScriptDriver {
        fn new(answer: Answer) -> Self {
            Self {
                now: Mutex::new(start()),
                answer,
                calls: Mutex::new(Vec::new()),
                dropped: Arc::new(AtomicUsize::new(0)),
            }
        }
    }

    /// A stream that never answers and counts its drop (its cancellation).
    struct Silent(Arc<AtomicUsize>);

    impl Stream for Silent {
        type Item = Result<Bytes, Status>;
        fn poll_next(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Self::Item>> {
            Poll::Pending
        }
    }

    impl Drop for Silent {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// A stream over a fixed list of messages.
    struct Ready(alloc::collections::VecDeque<Result<Bytes, Status>>);

    impl Stream for Ready {
        type Item = Result<Bytes, Status>;
        fn poll_next(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Self::Item>> {
            Poll::Ready(self.0.pop_front())
        }
    }

    impl Driver for ScriptDriver {
        fn call(&self, call: OutgoingCall) -> ReplyStream {
            self.calls.lock().unwrap().push((
                call.method,
                call.target.clone(),
                call.token.is_some(),
            ));
            match (self.answer)(&call) {
                Some(messages) => Box::pin(Ready(messages.into())),
                None => Box::pin(Silent(self.dropped.clone())),
            }
        }
        fn pay(&self, _: PaymentRequest) -> BoxFuture<'_, Result<String, PayerError>> {
            Box::pin(async { Err(PayerError::message("no payer")) })
        }
        fn sleep_until(&self, at: Timestamp) -> BoxFuture<'static, ()> {
            let mut now = self.now.lock().unwrap();
            *now = (*now).max(at);
            Box::pin(async {})
        }
        fn now(&self) -> Timestamp {
            *self.now.lock().unwrap()
        }
        fn fill_random(&self, bytes: &mut [u8]) {
            bytes.fill(7);
        }
    }

    struct Tokens(crate::auth::TokenCache);

    impl TokenSource for Mutex<Tokens> {
        fn token_for(&self, now: Timestamp, node: &NodeId) -> Result<Bytes, AuthError> {
            let mut tokens = self.lock().unwrap();
            tokens.0.token_for(now, node).map(Bytes::copy_from_slice)
        }
    }

    fn block_on<F: Future>(future: F) -> F::Output {
        let mut future = core::pin::pin!(future);
        let mut cx = Context::from_waker(core::task::Waker::noop());
        for _ in 0..10_000 {
            if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
                return output;
            }
        }
        panic!("the drive loop did not finish");
    }

    fn tokens() -> Mutex<Tokens> {
        let key = UserKey::from_bytes(&[3; 32]).unwrap();
        Mutex::new(Tokens(crate::auth::TokenCache::new(key, [1; 32])))
    }

    fn endpoints() -> Endpoints {
        Endpoints::default()
    }

    fn deleted(_: &OutgoingCall) -> Option<Vec<Result<Bytes, Status>>> {
        Some(vec![Ok(Bytes::from(
            Reply::DeleteValues(()).encode_to_vec(),
        ))])
    }

    #[test]
    fn tokens_go_where_the_method_says_and_nowhere_else() {
        let driver = ScriptDriver::new(|call| match call.method {
            Method::NodeVersion => Some(vec![Ok(Bytes::from(
                Reply::NodeVersion(Default::default()).encode_to_vec(),
            ))]),
            _ => deleted(call),
        });
        let tokens = tokens();
        let endpoints = endpoints();
        let session = Session {
            endpoints: &endpoints,
            tokens: Some(&tokens),
        };
        let op = node_version(start(), Target::Bootnode, RetryPolicy::default());
        block_on(drive(&driver, session, op)).unwrap();
        let op = delete_values(
            start(),
            &nodes(3),
            uuid::Uuid::nil(),
            RetryPolicy::default(),
        );
        block_on(drive(&driver, session, op)).unwrap();
        let calls = driver.calls.lock().unwrap().clone();
        assert_eq!(calls.len(), 4);
        assert_eq!(calls[0], (Method::NodeVersion, Target::Bootnode, false));
        for (method, target, token) in &calls[1..] {
            assert_eq!(*method, Method::DeleteValues);
            assert!(matches!(target, Target::Node(_)));
            assert!(token, "DeleteValues carries the user's token");
        }
    }

    #[test]
    fn undecodable_bytes_fail_the_operation_naming_the_node() {
        let driver = ScriptDriver::new(|_| Some(vec![Ok(Bytes::from_static(&[0xff, 0xff]))]));
        let endpoints = endpoints();
        let session = Session {
            endpoints: &endpoints,
            tokens: None,
        };
        let op = node_version(start(), Target::Bootnode, RetryPolicy::default());
        let error = block_on(drive(&driver, session, op)).unwrap_err();
        assert!(
            matches!(
                &error,
                OperationError::Misbehaving {
                    node: Target::Bootnode,
                    reason: Misbehaviour::Undecodable(UndecodableReply {
                        method: Method::NodeVersion,
                        ..
                    }),
                }
            ),
            "{error:?}"
        );
        assert_eq!(driver.calls.lock().unwrap().len(), 1, "not retried");
    }

    #[test]
    fn a_call_that_timed_out_is_cancelled_and_the_retry_answered() {
        // The first attempt never answers; the retry does.
        static ATTEMPTS: AtomicUsize = AtomicUsize::new(0);
        let driver = ScriptDriver::new(|call| {
            if ATTEMPTS.fetch_add(1, Ordering::SeqCst) == 0 {
                None
            } else {
                deleted(call)
            }
        });
        let endpoints = endpoints();
        let session = Session {
            endpoints: &endpoints,
            tokens: None,
        };
        let policy = RetryPolicy {
            attempt_timeout: Duration::from_secs(5),
            ..RetryPolicy::default()
        };
        let op = delete_values(start(), &nodes(1), uuid::Uuid::nil(), policy);
        block_on(drive(&driver, session, op)).unwrap();
        assert_eq!(driver.dropped.load(Ordering::SeqCst), 1, "cancelled once");
        assert_eq!(driver.calls.lock().unwrap().len(), 2);
        assert!(driver.now() > start(), "time passed on the driver's clock");
    }

    #[test]
    fn the_endpoint_comes_from_the_cluster_and_the_bootnode_has_none() {
        let node = nodes(1).remove(0);
        let mut endpoints = Endpoints::default();
        endpoints
            .by_node
            .insert(node.clone(), Arc::from("http://node-1:14311"));
        assert_eq!(endpoints.endpoint(&Target::Bootnode), None);
        assert_eq!(
            endpoints.endpoint(&Target::Node(node)).as_deref(),
            Some("http://node-1:14311")
        );
    }
}
