//! Serving nilVM nodes over real gRPC.
//!
//! The node semantics live elsewhere (the emulated cluster of `nilvm-transport-mock`); this
//! module only moves bytes: one catch-all tonic service per node decodes each request by its
//! method path into a `core` [`Request`], authenticates the `x-nillion-token-bin` header as the
//! nodes do (docs/wire-protocol.md §2.4), hands both to a [`Backend`], and sends back the reply,
//! the reply stream, or the node's status with its `grpc-status-details-bin` details.
//!
//! `devnet::Devnet` (feature `devnet`) runs the emulated cluster behind it.

#[cfg(feature = "devnet")]
pub mod chain;
#[cfg(feature = "devnet")]
pub mod cometbft;
pub mod connections;
#[cfg(feature = "devnet")]
pub mod devnet;
#[cfg(feature = "devnet")]
pub mod rest;
pub mod web;

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use nilvm_core::auth::MAX_ENCODED_TOKEN_LENGTH;
use nilvm_core::auth::TOKEN_HEADER;
use nilvm_core::rpc::{Code, Method, Reply, Request, Status};
use nilvm_core::time::Timestamp;
use tokio::sync::{mpsc, oneshot};
use tokio_stream::wrappers::UnboundedReceiverStream;
use tonic::body::Body;
use tonic::codegen::Service;
use tonic::server::{Grpc, ServerStreamingService, UnaryService};

use self::connections::{Connections, Incoming};
use crate::clock::Clock;
use crate::codec::{BytesCodec, MAX_MESSAGE_SIZE};
use crate::status::to_tonic;

/// The plain-text fallback of the token header (grpc-web), checked after the binary one.
pub const TOKEN_TEXT_HEADER: &str = "x-nillion-token";

/// What a node answers.
#[derive(Debug)]
#[non_exhaustive]
pub enum Answer<S> {
    /// One reply.
    Unary(Reply),
    /// A reply stream, advanced with [`Backend::poll_stream`].
    Stream(S),
}

/// One step of a reply stream.
#[derive(Debug, Default)]
pub struct StreamStep {
    /// Messages to send now, in order.
    pub messages: Vec<Reply>,
    /// The end of the stream: `Ok` closes it, `Err` ends it with a status.
    pub end: Option<Result<(), Status>>,
    /// When to poll again, if the stream is still open.
    pub next_poll: Option<Timestamp>,
}

/// Node semantics behind the gRPC services: requests in, replies or statuses out.
///
/// Shared by every node's service and called from many requests at once: a backend locks what
/// a request needs (one node's state, say), so a slow request to one node does not hold the
/// others. Calls run on tokio's blocking pool, never on the reactor's threads.
pub trait Backend: Send + Sync + 'static {
    /// An open reply stream.
    type Stream: Send + 'static;

    /// Answers `request` addressed to node `node` (its index) at `now`. `token` is the decoded
    /// `SignedToken` from the auth header, if the request carried one; the backend verifies it
    /// for this node (unauthenticated requests are allowed; handlers that need a user refuse).
    fn handle(
        &self,
        now: Timestamp,
        node: usize,
        token: Option<&[u8]>,
        request: Request,
    ) -> Result<Answer<Self::Stream>, Status>;

    /// Advances a reply stream at `now`.
    fn poll_stream(&self, now: Timestamp, stream: &mut Self::Stream) -> StreamStep;
}

/// A backend shared by every node's service.
pub type SharedBackend<B> = Arc<B>;

/// Runs `work` on tokio's blocking pool: backends lock and compute, which must not stall the
/// threads that drive every other connection.
async fn off_reactor<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, tonic::Status> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| tonic::Status::internal(format!("request handler failed: {e}")))
}

/// The auth token of a request, decoded, or the node's UNAUTHENTICATED answer.
pub fn request_token(metadata: &tonic::metadata::MetadataMap) -> Result<Option<Vec<u8>>, Status> {
    use base64::Engine as _;
    let unauthenticated = |message: &str| Status::new(Code::Unauthenticated, message);
    if let Some(value) = metadata.get_bin(TOKEN_HEADER) {
        if value.as_encoded_bytes().len() > MAX_ENCODED_TOKEN_LENGTH {
            return Err(unauthenticated("token exceeds max length (512)"));
        }
        return value
            .to_bytes()
            .map(|b| Some(b.to_vec()))
            .map_err(|_| unauthenticated("invalid base64 encoded token"));
    }
    if let Some(value) = metadata.get(TOKEN_TEXT_HEADER) {
        let text = value.as_encoded_bytes();
        if text.len() > MAX_ENCODED_TOKEN_LENGTH {
            return Err(unauthenticated("token exceeds max length (512)"));
        }
        let engine = base64::engine::GeneralPurpose::new(
            &base64::alphabet::STANDARD,
            base64::engine::GeneralPurposeConfig::new()
                .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
        );
        return engine
            .decode(text)
            .map(Some)
            .map_err(|_| unauthenticated("invalid base64 encoded token"));
    }
    Ok(None)
}

/// A decoding failure as tonic's prost codec reports it on a real node.
fn malformed(error: impl std::fmt::Display) -> tonic::Status {
    tonic::Status::internal(error.to_string())
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// One node's catch-all gRPC service.
pub struct NodeService<B: Backend> {
    backend: SharedBackend<B>,
    node: usize,
    clock: Clock,
}

impl<B: Backend> Clone for NodeService<B> {
    fn clone(&self) -> Self {
        Self {
            backend: self.backend.clone(),
            node: self.node,
            clock: self.clock.clone(),
        }
    }
}

impl<B: Backend> std::fmt::Debug for NodeService<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NodeService")
            .field("node", &self.node)
            .finish()
    }
}

impl<B: Backend> NodeService<B> {
    /// The service of node `node`, on the wall clock.
    pub fn new(backend: SharedBackend<B>, node: usize) -> Self {
        Self {
            backend,
            node,
            clock: Clock::system(),
        }
    }

    /// The same service reading `clock` (a test's, to make things expire).
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }
}

/// A request's message and auth token, or the node's answer to a malformed one.
fn decode(
    method: Method,
    request: &tonic::Request<Bytes>,
) -> Result<(Request, Option<Vec<u8>>), tonic::Status> {
    let decoded = Request::decode(method, request.get_ref()).map_err(malformed)?;
    let token = request_token(request.metadata()).map_err(|s| to_tonic(&s))?;
    Ok((decoded, token))
}

struct Unary<B: Backend> {
    service: NodeService<B>,
    method: Method,
}

impl<B: Backend> UnaryService<Bytes> for Unary<B> {
    type Response = Bytes;
    type Future = BoxFuture<Result<tonic::Response<Bytes>, tonic::Status>>;

    fn call(&mut self, request: tonic::Request<Bytes>) -> Self::Future {
        let backend = self.service.backend.clone();
        let node = self.service.node;
        let method = self.method;
        let clock = self.service.clock.clone();
        Box::pin(async move {
            off_reactor(move || {
                let (req, token) = decode(method, &request)?;
                match backend.handle(clock.now(), node, token.as_deref(), req) {
                    Ok(Answer::Unary(reply)) => {
                        Ok(tonic::Response::new(Bytes::from(reply.encode_to_vec())))
                    }
                    Ok(Answer::Stream(_)) => Err(tonic::Status::internal("unexpected stream")),
                    Err(status) => Err(to_tonic(&status)),
                }
            })
            .await?
        })
    }
}

struct Streaming<B: Backend> {
    service: NodeService<B>,
    method: Method,
}

type ReplyStream = UnboundedReceiverStream<Result<Bytes, tonic::Status>>;

impl<B: Backend> ServerStreamingService<Bytes> for Streaming<B> {
    type Response = Bytes;
    type ResponseStream = ReplyStream;
    type Future = BoxFuture<Result<tonic::Response<ReplyStream>, tonic::Status>>;

    fn call(&mut self, request: tonic::Request<Bytes>) -> Self::Future {
        let backend = self.service.backend.clone();
        let node = self.service.node;
        let method = self.method;
        let clock = self.service.clock.clone();
        Box::pin(async move {
            let handler = backend.clone();
            let request_clock = clock.clone();
            let stream = off_reactor(move || {
                let (req, token) = decode(method, &request)?;
                match handler.handle(request_clock.now(), node, token.as_deref(), req) {
                    Ok(Answer::Stream(stream)) => Ok(stream),
                    Ok(Answer::Unary(reply)) => Err(tonic::Status::internal(format!(
                        "unexpected unary {:?} reply",
                        reply.method()
                    ))),
                    Err(status) => Err(to_tonic(&status)),
                }
            })
            .await??;
            let (tx, rx) = mpsc::unbounded_channel();
            tokio::spawn(pump_stream(backend, stream, tx, clock));
            Ok(tonic::Response::new(UnboundedReceiverStream::new(rx)))
        })
    }
}

/// Polls a reply stream until it ends or the client goes away.
async fn pump_stream<B: Backend>(
    backend: SharedBackend<B>,
    mut stream: B::Stream,
    tx: mpsc::UnboundedSender<Result<Bytes, tonic::Status>>,
    clock: Clock,
) {
    loop {
        let now = clock.now();
        let polling = backend.clone();
        let polled = off_reactor(move || {
            let step = polling.poll_stream(now, &mut stream);
            (step, stream)
        })
        .await;
        let step = match polled {
            Ok((step, polled_stream)) => {
                stream = polled_stream;
                step
            }
            Err(status) => {
                let _ = tx.send(Err(status));
                return;
            }
        };
        for message in step.messages {
            if tx.send(Ok(Bytes::from(message.encode_to_vec()))).is_err() {
                return;
            }
        }
        match step.end {
            Some(Ok(())) => return,
            Some(Err(status)) => {
                let _ = tx.send(Err(to_tonic(&status)));
                return;
            }
            None => {}
        }
        let wait = step
            .next_poll
            .and_then(|at| at.duration_since(clock.now()))
            .unwrap_or(Duration::from_millis(100))
            .clamp(Duration::from_millis(10), Duration::from_secs(1));
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = tx.closed() => return,
        }
    }
}

fn grpc() -> Grpc<BytesCodec> {
    Grpc::new(BytesCodec)
        .max_decoding_message_size(MAX_MESSAGE_SIZE)
        .max_encoding_message_size(MAX_MESSAGE_SIZE)
}

impl<B: Backend> Service<http::Request<Body>> for NodeService<B> {
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = BoxFuture<Result<http::Response<Body>, Infallible>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<Body>) -> Self::Future {
        let method = Method::from_path(request.uri().path());
        let service = self.clone();
        Box::pin(async move {
            let response = match method {
                Some(method) if method.is_server_stream() => {
                    grpc()
                        .server_streaming(Streaming { service, method }, request)
                        .await
                }
                Some(method) => grpc().unary(Unary { service, method }, request).await,
                None => tonic::Status::unimplemented("").into_http(),
            };
            Ok(response)
        })
    }
}

/// How long [`ServerHandle::stop`] lets open calls finish before it closes their connections.
pub const STOP_GRACE: Duration = Duration::from_secs(5);

/// How long a stop waits for the connections it closed by force to wind down.
const FORCED_STOP_WAIT: Duration = Duration::from_secs(2);

/// A running gRPC server; stops when [`ServerHandle::stop`] is called or it is dropped.
#[derive(Debug)]
pub struct ServerHandle {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<Result<(), tonic::transport::Error>>>,
    connections: Connections,
}

impl ServerHandle {
    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// How many accepted connections are open now.
    pub fn open_connections(&self) -> usize {
        self.connections.open()
    }

    /// Stops accepting, lets calls in flight finish for up to [`STOP_GRACE`], then closes the
    /// connections still open, and waits for the server to end.
    pub async fn stop(self) -> Result<(), tonic::transport::Error> {
        self.stop_within(STOP_GRACE).await
    }

    /// [`ServerHandle::stop`] with another grace period.
    pub async fn stop_within(mut self, grace: Duration) -> Result<(), tonic::transport::Error> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let Some(mut task) = self.task.take() else {
            return Ok(());
        };
        if let Ok(ended) = tokio::time::timeout(grace, &mut task).await {
            return ended.unwrap_or(Ok(()));
        }
        let closed = self.connections.close_all();
        tracing::warn!(
            addr = %self.addr,
            closed,
            "connections still open after the stop grace period; closed them"
        );
        match tokio::time::timeout(FORCED_STOP_WAIT, &mut task).await {
            Ok(ended) => ended.unwrap_or(Ok(())),
            Err(_) => {
                // A connection task that ignores its closed socket: give up on it.
                task.abort();
                Ok(())
            }
        }
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// A server's TLS certificate chain and private key (PEM). The key never appears in `Debug`.
#[derive(Clone)]
pub struct TlsIdentity {
    /// The certificate chain, leaf first (PEM).
    pub certificate_pem: Vec<u8>,
    /// The private key (PEM).
    pub key_pem: Vec<u8>,
}

impl std::fmt::Debug for TlsIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsIdentity")
            .field("certificate_pem_len", &self.certificate_pem.len())
            .finish_non_exhaustive()
    }
}

/// Serves `service` on an already bound listener (bind port 0 for a free port), in cleartext:
/// gRPC over HTTP/2 (h2c) and gRPC-Web over HTTP/1.1 or HTTP/2, with open CORS ([`web`]).
pub fn serve<S>(listener: tokio::net::TcpListener, service: S) -> std::io::Result<ServerHandle>
where
    S: Service<http::Request<Body>, Response = http::Response<Body>, Error = Infallible>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    serve_with_tls(listener, service, None)
}

/// Serves a plain HTTP `service` (JSON over HTTP/1.1 or HTTP/2, no gRPC-Web translation) on
/// an already bound listener, with open CORS: the chain stub's CometBFT RPC and REST.
pub fn serve_http<S>(listener: tokio::net::TcpListener, service: S) -> std::io::Result<ServerHandle>
where
    S: Service<http::Request<Body>, Response = http::Response<Body>, Error = Infallible>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    spawn_server(listener, web::Cors::new(service), None)
}

/// Serves `service` on an already bound listener, over TLS when `tls` is given; gRPC and
/// gRPC-Web as in [`serve`].
pub fn serve_with_tls<S>(
    listener: tokio::net::TcpListener,
    service: S,
    tls: Option<&TlsIdentity>,
) -> std::io::Result<ServerHandle>
where
    S: Service<http::Request<Body>, Response = http::Response<Body>, Error = Infallible>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    spawn_server(listener, web::web(service), tls)
}

fn spawn_server<S>(
    listener: tokio::net::TcpListener,
    service: S,
    tls: Option<&TlsIdentity>,
) -> std::io::Result<ServerHandle>
where
    S: Service<http::Request<Body>, Response = http::Response<Body>, Error = Infallible>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    let addr = listener.local_addr()?;
    let connections = Connections::default();
    let incoming = Incoming::new(listener, connections.clone());
    let (stop, stopped) = oneshot::channel::<()>();
    let mut builder = tonic::transport::Server::builder().accept_http1(true);
    if let Some(tls) = tls {
        let identity = tonic::transport::Identity::from_pem(&tls.certificate_pem, &tls.key_pem);
        builder = builder
            .tls_config(tonic::transport::ServerTlsConfig::new().identity(identity))
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
    }
    let task = tokio::spawn(
        builder.serve_with_incoming_shutdown(service, incoming, async move {
            let _ = stopped.await;
        }),
    );
    Ok(ServerHandle {
        addr,
        stop: Some(stop),
        task: Some(task),
        connections,
    })
}
