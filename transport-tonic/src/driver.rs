//! [`GrpcDriver`]: the gRPC transport as a [`Driver`]: one lazily connected tonic channel per
//! endpoint, the auth token in its header, the wall clock (or a clock given for tests), tokio's
//! timers, OS entropy and a [`Payer`]. Everything else is the core's (`nilvm_core::drive`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use futures_util::stream;
use http::uri::PathAndQuery;
use nilvm_core::auth::TOKEN_HEADER;
use nilvm_core::drive::{BoxFuture, Driver, OutgoingCall, ReplyStream};
use nilvm_core::operations::{PayerError, PaymentRequest};
use nilvm_core::rpc::{Code, Status};
use nilvm_core::time::Timestamp;
use rand::Rng;
use tonic::codec::Streaming;
use tonic::metadata::{BinaryMetadataValue, MetadataKey};
use tonic::transport::Channel;
use tracing::Instrument;

use crate::channel::{ChannelError, TlsRoots, connect_lazy};
use crate::clock::Clock;
use crate::codec::{BytesCodec, MAX_MESSAGE_SIZE};
use crate::payer::{NoPayer, Payer};
use crate::status::from_tonic;

struct Inner {
    bootnode: Channel,
    tls: TlsRoots,
    /// The cluster's nodes, by the endpoint they announced; connected on first use.
    channels: Mutex<HashMap<Arc<str>, Channel>>,
    payer: Arc<dyn Payer>,
    clock: Clock,
}

/// The gRPC driver; cheap to clone (clones share channels). Create it within a tokio runtime.
#[derive(Clone)]
pub struct GrpcDriver {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for GrpcDriver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GrpcDriver")
            .field("payer", &self.inner.payer)
            .finish_non_exhaustive()
    }
}

impl GrpcDriver {
    /// A driver that bootstraps from `bootnode` and pays with `payer`.
    pub fn new(bootnode: &str, tls: TlsRoots, payer: Arc<dyn Payer>) -> Result<Self, ChannelError> {
        Ok(Self {
            inner: Arc::new(Inner {
                bootnode: connect_lazy(bootnode, &tls)?,
                tls,
                channels: Mutex::new(HashMap::new()),
                payer,
                clock: Clock::system(),
            }),
        })
    }

    /// A driver that never pays (free calls, or operations paid from a balance).
    pub fn without_payer(bootnode: &str, tls: TlsRoots) -> Result<Self, ChannelError> {
        Self::new(bootnode, tls, Arc::new(NoPayer))
    }

    /// The same driver reading `clock` instead of the wall clock (e.g. a test's
    /// [`AdvancingClock`](crate::clock::AdvancingClock), shared with the devnet).
    pub fn with_clock(self, clock: Clock) -> Self {
        let inner = &self.inner;
        Self {
            inner: Arc::new(Inner {
                bootnode: inner.bootnode.clone(),
                tls: inner.tls.clone(),
                channels: Mutex::new(HashMap::new()),
                payer: inner.payer.clone(),
                clock,
            }),
        }
    }

    /// The channel for a call: the bootnode's, or the announced endpoint's (connected once).
    fn channel(&self, endpoint: Option<&Arc<str>>) -> Result<Channel, Status> {
        let Some(endpoint) = endpoint else {
            return Ok(self.inner.bootnode.clone());
        };
        let mut channels = self
            .inner
            .channels
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(channel) = channels.get(endpoint) {
            return Ok(channel.clone());
        }
        let channel = connect_lazy(endpoint, &self.inner.tls).map_err(|e| {
            Status::new(
                Code::Unavailable,
                format!("the announced endpoint cannot be used: {e}"),
            )
        })?;
        channels.insert(endpoint.clone(), channel.clone());
        Ok(channel)
    }
}

impl Driver for GrpcDriver {
    fn call(&self, call: OutgoingCall) -> ReplyStream {
        match self.channel(call.endpoint.as_ref()) {
            Ok(channel) => replies(channel, call),
            Err(status) => Box::pin(stream::once(async { Err(status) })),
        }
    }

    fn pay(&self, payment: PaymentRequest) -> BoxFuture<'_, Result<String, PayerError>> {
        Box::pin(async move {
            tracing::debug!(amount_unil = payment.amount_unil, "paying on chain");
            let result = self
                .inner
                .payer
                .pay(payment.amount_unil, &payment.resource)
                .await;
            if let Err(error) = &result {
                tracing::debug!(%error, "payment failed");
            }
            result.map_err(PayerError::new)
        })
    }

    fn sleep_until(&self, at: Timestamp) -> BoxFuture<'static, ()> {
        let wait = at
            .duration_since(self.inner.clock.now())
            .unwrap_or(Duration::ZERO);
        Box::pin(tokio::time::sleep(wait))
    }

    fn now(&self) -> Timestamp {
        self.inner.clock.now()
    }

    fn fill_random(&self, bytes: &mut [u8]) {
        rand::rng().fill_bytes(bytes);
    }
}

/// Where a call's reply stream stands.
enum State {
    Start(Channel, OutgoingCall, tracing::Span),
    Streaming(Streaming<Bytes>),
    Done,
}

/// What a call answered first.
enum Answer {
    Unary(Bytes),
    Stream(Streaming<Bytes>),
}

/// The reply bytes of one call: one message (unary), each message then the end (stream), or
/// the failure. Dropping the stream drops the call: tonic resets its HTTP/2 stream.
fn replies(channel: Channel, call: OutgoingCall) -> ReplyStream {
    let span = tracing::debug_span!(
        "call",
        method = call.method.path(),
        target = %call.target,
        id = call.id.0
    );
    let stream = stream::unfold(State::Start(channel, call, span), |state| async move {
        match state {
            State::Start(channel, call, span) => match send(channel, call).instrument(span).await {
                Ok(Answer::Unary(bytes)) => Some((Ok(bytes), State::Done)),
                Ok(Answer::Stream(messages)) => next_message(messages).await,
                Err(status) => Some((Err(status), State::Done)),
            },
            State::Streaming(messages) => next_message(messages).await,
            State::Done => None,
        }
    });
    Box::pin(stream)
}

async fn next_message(mut messages: Streaming<Bytes>) -> Option<(Result<Bytes, Status>, State)> {
    match messages.message().await {
        Ok(Some(bytes)) => Some((Ok(bytes), State::Streaming(messages))),
        Ok(None) => None,
        Err(status) => Some((Err(from_tonic(&status)), State::Done)),
    }
}

/// Sends one request with its token header.
async fn send(channel: Channel, call: OutgoingCall) -> Result<Answer, Status> {
    let mut grpc = tonic::client::Grpc::new(channel)
        .max_decoding_message_size(MAX_MESSAGE_SIZE)
        .max_encoding_message_size(MAX_MESSAGE_SIZE);
    grpc.ready()
        .await
        .map_err(|e| Status::new(Code::Unavailable, format!("node unreachable: {e}")))?;
    let mut message = tonic::Request::new(call.body);
    if let Some(token) = &call.token {
        message.metadata_mut().insert_bin(
            MetadataKey::from_static(TOKEN_HEADER),
            BinaryMetadataValue::from_bytes(token),
        );
    }
    let path = PathAndQuery::from_static(call.method.path());
    if call.method.is_server_stream() {
        let response = grpc
            .server_streaming(message, path, BytesCodec)
            .await
            .map_err(|status| from_tonic(&status))?;
        Ok(Answer::Stream(response.into_inner()))
    } else {
        let response = grpc
            .unary(message, path, BytesCodec)
            .await
            .map_err(|status| from_tonic(&status))?;
        Ok(Answer::Unary(response.into_inner()))
    }
}
