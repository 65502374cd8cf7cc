//! The nilchain stub's cosmos gRPC surface: the three calls cosmpy's payment flow makes
//! (`Account`, `BroadcastTx`, `GetTx`), the bank `Balance` query
//! (docs/payments-and-devnet.md §1), and `Simulate`, which cosmjs calls to estimate gas.

use std::convert::Infallible;
use std::task::{Context, Poll};

use bytes::Bytes;
use nilvm_core::payments::chain_tx::DENOM;
use nilvm_core::rpc::Status;
use nilvm_proto::Message;
use nilvm_proto::cosmos::auth::v1beta1::{QueryAccountRequest, QueryAccountResponse};
use nilvm_proto::cosmos::bank::v1beta1::{QueryBalanceRequest, QueryBalanceResponse};
use nilvm_proto::cosmos::base::v1beta1::Coin;
use nilvm_proto::cosmos::tx::v1beta1::{
    BroadcastTxRequest, BroadcastTxResponse, GetTxRequest, GetTxResponse, SimulateRequest,
};
use nilvm_proto::well_known::Any;
use nilvm_transport_mock::Chain;
use tonic::body::Body;
use tonic::codegen::Service;
use tonic::server::UnaryService;

use super::{BoxFuture, SharedBackend, grpc, malformed, off_reactor};
use crate::payer::BASE_ACCOUNT_TYPE_URL;
use crate::status::to_tonic;

/// `cosmos.auth.v1beta1.Query/Account`.
pub const ACCOUNT_PATH: &str = "/cosmos.auth.v1beta1.Query/Account";
/// `cosmos.tx.v1beta1.Service/BroadcastTx`.
pub const BROADCAST_TX_PATH: &str = "/cosmos.tx.v1beta1.Service/BroadcastTx";
/// `cosmos.tx.v1beta1.Service/GetTx`.
pub const GET_TX_PATH: &str = "/cosmos.tx.v1beta1.Service/GetTx";
/// `cosmos.tx.v1beta1.Service/Simulate`.
pub const SIMULATE_PATH: &str = "/cosmos.tx.v1beta1.Service/Simulate";
/// `cosmos.bank.v1beta1.Query/Balance`.
pub const BALANCE_PATH: &str = "/cosmos.bank.v1beta1.Query/Balance";

/// Gives access to the chain stub inside a shared backend.
pub trait HasChain: Send + Sync + 'static {
    /// Runs `f` on the chain, locked for the duration, and keeps what it changed (an error
    /// when the change could not be persisted).
    fn with_chain<R>(&self, f: impl FnOnce(&mut Chain) -> R) -> Result<R, Status>;
}

/// Answers one cosmos call on `chain`, by method path.
pub fn handle_chain_call(
    chain: &mut Chain,
    path: &str,
    body: &[u8],
) -> Result<Vec<u8>, tonic::Status> {
    match path {
        ACCOUNT_PATH => {
            let request = QueryAccountRequest::decode(body).map_err(malformed)?;
            let account = chain.base_account(&request.address).ok_or_else(|| {
                tonic::Status::not_found(format!("account {} not found", request.address))
            })?;
            Ok(QueryAccountResponse {
                account: Some(Any {
                    type_url: BASE_ACCOUNT_TYPE_URL.into(),
                    value: account.encode_to_vec(),
                }),
            }
            .encode_to_vec())
        }
        BROADCAST_TX_PATH => {
            let request = BroadcastTxRequest::decode(body).map_err(malformed)?;
            let response = chain.broadcast(&request.tx_bytes);
            Ok(BroadcastTxResponse {
                tx_response: Some(response),
            }
            .encode_to_vec())
        }
        SIMULATE_PATH => {
            let request = SimulateRequest::decode(body).map_err(malformed)?;
            simulate(chain, request).map(|response| response.encode_to_vec())
        }
        GET_TX_PATH => {
            let request = GetTxRequest::decode(body).map_err(malformed)?;
            // A real chain says NOT_FOUND "tx not found: <hash>"; cosmpy polls on "not found".
            let record = chain.tx(&request.hash).ok_or_else(|| {
                tonic::Status::not_found(format!("tx not found: {}", request.hash))
            })?;
            Ok(GetTxResponse {
                tx: None,
                tx_response: Some(record.tx_response()),
            }
            .encode_to_vec())
        }
        BALANCE_PATH => {
            let request = QueryBalanceRequest::decode(body).map_err(malformed)?;
            let amount = if request.denom == DENOM {
                chain
                    .account(&request.address)
                    .map(|a| a.balance)
                    .unwrap_or(0)
            } else {
                0
            };
            Ok(QueryBalanceResponse {
                balance: Some(Coin {
                    denom: request.denom,
                    amount: amount.to_string(),
                }),
            }
            .encode_to_vec())
        }
        _ => Err(tonic::Status::unimplemented(format!(
            "unknown method {path}"
        ))),
    }
}

/// Simulates the request's transaction: `tx_bytes`, or else the deprecated `tx` (what cosmpy
/// sends), encoded. Refusals are UNKNOWN with the chain's text, as a Cosmos node answers.
pub fn simulate(
    chain: &Chain,
    request: SimulateRequest,
) -> Result<nilvm_proto::cosmos::tx::v1beta1::SimulateResponse, tonic::Status> {
    let tx_bytes = match (request.tx_bytes.is_empty(), request.tx) {
        (false, _) => request.tx_bytes,
        (true, Some(tx)) => tx.encode_to_vec(),
        (true, None) => {
            return Err(tonic::Status::invalid_argument(
                "empty txBytes is not allowed",
            ));
        }
    };
    chain
        .simulate(&tx_bytes)
        .map(|simulation| simulation.response())
        .map_err(|error| tonic::Status::unknown(error.to_string()))
}

/// A service over the chain of a shared backend: the struct, `Clone` without a `B: Clone`
/// bound (the backend is shared through an `Arc`), a `Debug` that shows no state, and `new`.
macro_rules! chain_service {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        pub struct $name<B: $crate::server::chain::HasChain> {
            backend: $crate::server::SharedBackend<B>,
        }

        impl<B: $crate::server::chain::HasChain> Clone for $name<B> {
            fn clone(&self) -> Self {
                Self {
                    backend: self.backend.clone(),
                }
            }
        }

        impl<B: $crate::server::chain::HasChain> std::fmt::Debug for $name<B> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($name)).finish_non_exhaustive()
            }
        }

        impl<B: $crate::server::chain::HasChain> $name<B> {
            /// The service of `backend`'s chain.
            pub fn new(backend: $crate::server::SharedBackend<B>) -> Self {
                Self { backend }
            }
        }
    };
}
pub(crate) use chain_service;

chain_service! {
    /// The chain's catch-all gRPC service.
    ChainService
}

struct ChainCall<B: HasChain> {
    backend: SharedBackend<B>,
    path: String,
}

impl<B: HasChain> UnaryService<Bytes> for ChainCall<B> {
    type Response = Bytes;
    type Future = BoxFuture<Result<tonic::Response<Bytes>, tonic::Status>>;

    fn call(&mut self, request: tonic::Request<Bytes>) -> Self::Future {
        let backend = self.backend.clone();
        let path = std::mem::take(&mut self.path);
        Box::pin(async move {
            off_reactor(move || {
                backend
                    .with_chain(|chain| handle_chain_call(chain, &path, request.get_ref()))
                    .map_err(|status| to_tonic(&status))?
                    .map(|bytes| tonic::Response::new(Bytes::from(bytes)))
            })
            .await?
        })
    }
}

impl<B: HasChain> Service<http::Request<Body>> for ChainService<B> {
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = BoxFuture<Result<http::Response<Body>, Infallible>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<Body>) -> Self::Future {
        let call = ChainCall {
            backend: self.backend.clone(),
            path: request.uri().path().to_owned(),
        };
        Box::pin(async move { Ok(grpc().unary(call, request).await) })
    }
}
