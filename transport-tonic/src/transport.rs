//! The generic gRPC transport: channels to the nodes, the auth header, and [`Transport::drive`],
//! which runs any `core` operation to its end.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::uri::PathAndQuery;
use nilvm_core::auth::{TOKEN_HEADER, TokenCache};
use nilvm_core::cluster::Cluster;
use nilvm_core::identity::NodeId;
use nilvm_core::operations::{Operation, OperationError, Output, RequestId, Target, Transmit};
use nilvm_core::rpc::{Code, Method, Reply, Request, Status};
use nilvm_core::time::Timestamp;
use tokio::sync::mpsc;
use tokio::task::{AbortHandle, JoinSet};
use tonic::metadata::{BinaryMetadataValue, MetadataKey};
use tonic::transport::Channel;
use tracing::Instrument;

use crate::channel::{TlsRoots, connect_lazy};
use crate::codec::{BytesCodec, MAX_MESSAGE_SIZE};
use crate::error::ClientError;
use crate::payer::Payer;
use crate::status::from_tonic;

/// The wall clock as `core` sees it. Tokens carry it, and nodes check expiry against theirs.
pub fn wall_clock() -> Timestamp {
    let since_epoch = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default();
    let seconds = i64::try_from(since_epoch.as_secs()).unwrap_or(i64::MAX);
    Timestamp::new(seconds, since_epoch.subsec_nanos()).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// The call tasks of one operation, by request id, so the driver can abort the calls the
/// operation stopped waiting for (a timed-out attempt is cancelled on the wire: its HTTP/2
/// stream is reset, and its late reply cannot reach the operation).
#[derive(Default)]
struct InFlight {
    tasks: JoinSet<()>,
    handles: HashMap<RequestId, AbortHandle>,
}

impl InFlight {
    fn spawn<F>(&mut self, id: RequestId, task: F)
    where
        F: std::future::Future<Output = ()> + Send + 'static,
    {
        let handle = self.tasks.spawn(task);
        self.handles.insert(id, handle);
    }

    /// Aborts every call `awaited` says no, and forgets calls that ended.
    fn cancel_unawaited(&mut self, awaited: impl Fn(RequestId) -> bool) {
        self.handles.retain(|id, handle| {
            if handle.is_finished() {
                return false;
            }
            if awaited(*id) {
                return true;
            }
            tracing::debug!(
                id = id.0,
                "cancelling a call the operation no longer awaits"
            );
            handle.abort();
            false
        });
        while self.tasks.try_join_next().is_some() {}
    }

    fn is_empty(&self) -> bool {
        self.tasks.is_empty()
    }
}

/// What a call task reports back to the driver.
enum Event {
    Reply(RequestId, Result<Reply, Status>),
    StreamEnd(RequestId),
}

struct Inner {
    bootnode: Channel,
    nodes: HashMap<NodeId, Channel>,
    tokens: Option<Mutex<TokenCache>>,
}

/// Channels to a bootnode and (once known) to every node of its cluster, and the user's
/// tokens. Cheap to clone.
#[derive(Clone)]
pub struct Transport {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport")
            .field("nodes", &self.inner.nodes.len())
            .finish_non_exhaustive()
    }
}

impl Transport {
    /// A transport that knows only the bootnode (enough to discover the cluster). Must be
    /// called within a tokio runtime.
    pub fn bootstrap(bootnode: &str, tls: &TlsRoots) -> Result<Self, ClientError> {
        Ok(Self {
            inner: Arc::new(Inner {
                bootnode: connect_lazy(bootnode, tls)?,
                nodes: HashMap::new(),
                tokens: None,
            }),
        })
    }

    /// A transport to every member and the leader of `cluster`. The leader shares its
    /// member's channel when it is a member.
    pub fn for_cluster(
        &self,
        cluster: &Cluster,
        tls: &TlsRoots,
        tokens: TokenCache,
    ) -> Result<Self, ClientError> {
        let mut nodes = HashMap::new();
        let leader = cluster.leader();
        for member in cluster.members().iter().chain(std::iter::once(leader)) {
            if !nodes.contains_key(member.node_id()) {
                nodes.insert(
                    member.node_id().clone(),
                    connect_lazy(member.grpc_endpoint(), tls)?,
                );
            }
        }
        Ok(Self {
            inner: Arc::new(Inner {
                bootnode: self.inner.bootnode.clone(),
                nodes,
                tokens: Some(Mutex::new(tokens)),
            }),
        })
    }

    fn channel(&self, target: &Target) -> Option<Channel> {
        match target {
            Target::Bootnode => Some(self.inner.bootnode.clone()),
            Target::Node(node) => self.inner.nodes.get(node).cloned(),
        }
    }

    fn token(
        &self,
        now: Timestamp,
        target: &Target,
        method: Method,
    ) -> Result<Option<Vec<u8>>, Status> {
        let Target::Node(node) = target else {
            return Ok(None);
        };
        if !method.sends_token() {
            return Ok(None);
        }
        let Some(tokens) = &self.inner.tokens else {
            return Ok(None);
        };
        // Never held across an await.
        let mut tokens = tokens.lock().unwrap_or_else(PoisonError::into_inner);
        tokens
            .token_for(now, node)
            .map(|t| Some(t.to_vec()))
            .map_err(|e| Status::new(Code::Internal, format!("cannot create an auth token: {e}")))
    }

    /// Runs `op` to its end: sends every request it asks for (in parallel, each on its node's
    /// channel), feeds back replies and transport failures, fires its timeouts on the wall
    /// clock, and pays with `payer` when asked. Retries and back-off are `core`'s decisions.
    pub async fn drive<O>(&self, mut op: O, payer: &dyn Payer) -> Result<O::Output, OperationError>
    where
        O: Operation,
    {
        let (events_tx, mut events) = mpsc::unbounded_channel();
        // Dropping the set (on return) aborts calls still in flight.
        let mut calls = InFlight::default();
        loop {
            while let Some(output) = op.poll_output() {
                match output {
                    Output::Transmit(transmit) => {
                        self.spawn_call(&mut calls, transmit, events_tx.clone());
                    }
                    Output::Pay(payment) => {
                        tracing::debug!(amount_unil = payment.amount_unil, "paying on chain");
                        let result = payer
                            .pay(payment.amount_unil, &payment.resource)
                            .await
                            .map_err(nilvm_core::operations::PayerError::new);
                        if let Err(error) = &result {
                            tracing::debug!(%error, "payment failed");
                        }
                        op.handle_payment(wall_clock(), result);
                    }
                    Output::Done(result) => return result,
                }
            }
            calls.cancel_unawaited(|id| op.is_awaiting(id));
            let deadline = op.poll_timeout();
            if deadline.is_none() && calls.is_empty() && events.is_empty() {
                return Err(OperationError::ApiMisuse(
                    "the operation waits for nothing and has not finished",
                ));
            }
            let sleep = match deadline {
                Some(at) => at.duration_since(wall_clock()).unwrap_or(Duration::ZERO),
                // Nothing timed: calls are in flight; wake up now and then to reap them.
                None => Duration::from_secs(1),
            };
            tokio::select! {
                event = events.recv() => match event {
                    Some(Event::Reply(id, reply)) => op.handle_reply(wall_clock(), id, reply),
                    Some(Event::StreamEnd(id)) => op.handle_stream_end(wall_clock(), id),
                    // We hold a sender, so the channel never closes.
                    None => {}
                },
                () = tokio::time::sleep(sleep) => {
                    if deadline.is_some() {
                        op.handle_timeout(wall_clock());
                    }
                }
            }
        }
    }

    fn spawn_call(
        &self,
        calls: &mut InFlight,
        transmit: Transmit,
        events: mpsc::UnboundedSender<Event>,
    ) {
        let Transmit {
            id,
            target,
            request,
        } = transmit;
        let method = request.method();
        let span = tracing::debug_span!("call", method = method.path(), %target, id = id.0);
        let channel = self.channel(&target);
        let token = self.token(wall_clock(), &target, method);
        calls.spawn(
            id,
            async move {
                let Some(channel) = channel else {
                    let status = Status::new(Code::Internal, format!("no channel to {target}"));
                    let _ = events.send(Event::Reply(id, Err(status)));
                    return;
                };
                let token = match token {
                    Ok(token) => token,
                    Err(status) => {
                        let _ = events.send(Event::Reply(id, Err(status)));
                        return;
                    }
                };
                call(channel, id, request, token, &events).await;
            }
            .instrument(span),
        );
    }
}

/// Sends one request and reports its reply (or each message of a reply stream).
async fn call(
    channel: Channel,
    id: RequestId,
    request: Request,
    token: Option<Vec<u8>>,
    events: &mpsc::UnboundedSender<Event>,
) {
    let method = request.method();
    let mut grpc = tonic::client::Grpc::new(channel)
        .max_decoding_message_size(MAX_MESSAGE_SIZE)
        .max_encoding_message_size(MAX_MESSAGE_SIZE);
    if let Err(e) = grpc.ready().await {
        let status = Status::new(Code::Unavailable, format!("node unreachable: {e}"));
        let _ = events.send(Event::Reply(id, Err(status)));
        return;
    }
    let mut message = tonic::Request::new(Bytes::from(request.encode_to_vec()));
    if let Some(token) = token {
        message.metadata_mut().insert_bin(
            MetadataKey::from_static(TOKEN_HEADER),
            BinaryMetadataValue::from_bytes(&token),
        );
    }
    let path = PathAndQuery::from_static(method.path());
    let decode = |bytes: Bytes| {
        Reply::decode(method, &bytes)
            .map_err(|e| Status::new(Code::Internal, format!("malformed {method:?} reply: {e}")))
    };
    if method.is_server_stream() {
        let mut stream = match grpc.server_streaming(message, path, BytesCodec).await {
            Ok(response) => response.into_inner(),
            Err(status) => {
                let _ = events.send(Event::Reply(id, Err(from_tonic(&status))));
                return;
            }
        };
        loop {
            match stream.message().await {
                Ok(Some(bytes)) => {
                    if events.send(Event::Reply(id, decode(bytes))).is_err() {
                        return;
                    }
                }
                Ok(None) => {
                    let _ = events.send(Event::StreamEnd(id));
                    return;
                }
                Err(status) => {
                    let _ = events.send(Event::Reply(id, Err(from_tonic(&status))));
                    return;
                }
            }
        }
    } else {
        let reply = match grpc.unary(message, path, BytesCodec).await {
            Ok(response) => decode(response.into_inner()),
            Err(status) => Err(from_tonic(&status)),
        };
        let _ = events.send(Event::Reply(id, reply));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reports its id when dropped: an aborted task drops its future.
    struct DropGuard(u64, mpsc::UnboundedSender<u64>);

    impl Drop for DropGuard {
        fn drop(&mut self) {
            let _ = self.1.send(self.0);
        }
    }

    async fn next_dropped(dropped: &mut mpsc::UnboundedReceiver<u64>) -> Option<u64> {
        // A bound so that a broken abort fails the test instead of hanging it.
        tokio::time::timeout(Duration::from_secs(10), dropped.recv())
            .await
            .ok()
            .flatten()
    }

    #[tokio::test]
    async fn calls_the_operation_stopped_awaiting_are_aborted() {
        let mut calls = InFlight::default();
        let (dropped_tx, mut dropped) = mpsc::unbounded_channel();
        for id in 0..3 {
            let guard = DropGuard(id, dropped_tx.clone());
            calls.spawn(RequestId(id), async move {
                let _guard = guard;
                // A call that never gets its reply.
                std::future::pending::<()>().await;
            });
        }
        drop(dropped_tx);
        // The operation timed out request 1 and still waits for 0 and 2.
        calls.cancel_unawaited(|id| id != RequestId(1));
        assert_eq!(next_dropped(&mut dropped).await, Some(1));
        assert!(dropped.try_recv().is_err(), "the awaited calls still run");
        let mut left: Vec<RequestId> = calls.handles.keys().copied().collect();
        left.sort();
        assert_eq!(left, [RequestId(0), RequestId(2)]);
        // The operation is over: nothing is awaited any more.
        calls.cancel_unawaited(|_| false);
        let mut rest = [
            next_dropped(&mut dropped).await,
            next_dropped(&mut dropped).await,
        ];
        rest.sort();
        assert_eq!(rest, [Some(0), Some(2)]);
        assert!(calls.handles.is_empty());
    }
}
