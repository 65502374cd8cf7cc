//! The chain stub's cosmos REST (LCD) paths, the JSON twins of the gRPC queries: accounts,
//! balances, transactions (get, broadcast and simulate), node info and the latest block.

use std::convert::Infallible;
use std::task::{Context, Poll};

use base64::Engine as _;
use nilvm_core::payments::chain_tx::DENOM;
use nilvm_transport_mock::Chain;
use serde_json::{Value, json};
use tonic::body::Body;
use tonic::codegen::Service;

use super::chain::{HasChain, chain_service};
use super::cometbft::{COMET_VERSION, json_response, now_rfc3339, read_body};
use super::{BoxFuture, off_reactor};
use crate::payer::BASE_ACCOUNT_TYPE_URL;

chain_service! {
    /// The cosmos REST service of a shared backend.
    RestService
}

/// A REST answer: status and JSON body.
type Answer = (http::StatusCode, Value);

/// The cosmos gateway's error body.
fn error(status: http::StatusCode, code: u32, message: String) -> Answer {
    (
        status,
        json!({"code": code, "message": message, "details": []}),
    )
}

impl<B: HasChain> Service<http::Request<Body>> for RestService<B> {
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = BoxFuture<Result<http::Response<Body>, Infallible>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<Body>) -> Self::Future {
        let backend = self.backend.clone();
        Box::pin(async move {
            let (parts, body) = request.into_parts();
            let body = if parts.method == http::Method::POST {
                match read_body(body).await {
                    Ok(bytes) => Some(bytes),
                    Err(message) => {
                        let (status, value) = error(http::StatusCode::BAD_REQUEST, 3, message);
                        return Ok(json_response(status, &value));
                    }
                }
            } else {
                None
            };
            let path = parts.uri.path().to_owned();
            let query = parts.uri.query().unwrap_or("").to_owned();
            let (status, value) = off_reactor(move || {
                backend
                    .with_chain(|chain| route(chain, &path, &query, body.as_deref()))
                    .unwrap_or_else(|s| {
                        error(http::StatusCode::INTERNAL_SERVER_ERROR, 1, s.message)
                    })
            })
            .await
            .unwrap_or_else(|s| {
                error(
                    http::StatusCode::INTERNAL_SERVER_ERROR,
                    1,
                    s.message().to_owned(),
                )
            });
            Ok(json_response(status, &value))
        })
    }
}

fn query_param<'a>(query: &'a str, name: &str) -> Option<&'a str> {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// Answers one REST call on `chain`.
pub fn route(chain: &mut Chain, path: &str, query: &str, body: Option<&[u8]>) -> Answer {
    let ok = http::StatusCode::OK;
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    match (segments.as_slice(), body) {
        (["cosmos", "auth", "v1beta1", "accounts", address], None) => {
            match chain.account(address) {
                Some(account) => (
                    ok,
                    json!({"account": {
                        "@type": BASE_ACCOUNT_TYPE_URL,
                        "address": address,
                        "pub_key": null,
                        "account_number": account.number.to_string(),
                        "sequence": account.sequence.to_string(),
                    }}),
                ),
                None => error(
                    http::StatusCode::NOT_FOUND,
                    5,
                    format!("account {address} not found"),
                ),
            }
        }
        (["cosmos", "bank", "v1beta1", "balances", address], None) => {
            let amount = chain.account(address).map_or(0, |a| a.balance);
            let balances: Vec<Value> = (amount > 0)
                .then(|| json!({"denom": DENOM, "amount": amount.to_string()}))
                .into_iter()
                .collect();
            let total = balances.len().to_string();
            (
                ok,
                json!({"balances": balances, "pagination": {"next_key": null, "total": total}}),
            )
        }
        (["cosmos", "bank", "v1beta1", "balances", address, "by_denom"], None) => {
            let denom = query_param(query, "denom").unwrap_or(DENOM);
            let amount = match denom == DENOM {
                true => chain.account(address).map_or(0, |a| a.balance),
                false => 0,
            };
            (
                ok,
                json!({"balance": {"denom": denom, "amount": amount.to_string()}}),
            )
        }
        (["cosmos", "tx", "v1beta1", "txs", hash], None) => match chain.tx(hash) {
            Some(record) => (
                ok,
                json!({"tx": null, "tx_response": tx_response(&record.tx_response())}),
            ),
            None => error(
                http::StatusCode::NOT_FOUND,
                5,
                format!("tx not found: {hash}"),
            ),
        },
        (["cosmos", "tx", "v1beta1", "txs"], Some(body)) => broadcast(chain, body),
        (["cosmos", "tx", "v1beta1", "simulate"], Some(body)) => simulate(chain, body),
        (["cosmos", "base", "tendermint", "v1beta1", "node_info"], None) => (
            ok,
            json!({
                "default_node_info": {
                    "network": chain.chain_id(),
                    "version": COMET_VERSION,
                    "moniker": "nilvm-devnet",
                },
                "application_version": {"name": "nilchain-stub", "app_name": "nilchaind"},
            }),
        ),
        (
            [
                "cosmos",
                "base",
                "tendermint",
                "v1beta1",
                "blocks",
                "latest",
            ],
            None,
        ) => (
            ok,
            json!({"block": {"header": {
                "chain_id": chain.chain_id(),
                "height": chain.height().to_string(),
                "time": now_rfc3339(),
            }}}),
        ),
        _ => error(
            http::StatusCode::NOT_IMPLEMENTED,
            12,
            format!("Not Implemented: {path}"),
        ),
    }
}

/// The `tx_bytes` (base64) of a JSON request body.
fn request_tx_bytes(body: &[u8]) -> Result<Vec<u8>, Answer> {
    let bad = |message: String| error(http::StatusCode::BAD_REQUEST, 3, message);
    let request: Value =
        serde_json::from_slice(body).map_err(|e| bad(format!("invalid JSON: {e}")))?;
    let tx = request
        .get("tx_bytes")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("tx_bytes is required".into()))?;
    base64::engine::general_purpose::STANDARD
        .decode(tx)
        .map_err(|e| bad(format!("tx_bytes is not base64: {e}")))
}

fn broadcast(chain: &mut Chain, body: &[u8]) -> Answer {
    match request_tx_bytes(body) {
        Ok(bytes) => {
            let response = chain.broadcast(&bytes);
            (
                http::StatusCode::OK,
                json!({"tx_response": tx_response(&response)}),
            )
        }
        Err(answer) => answer,
    }
}

/// The gateway's JSON of a `SimulateResponse`; a refusal is gRPC UNKNOWN (2), HTTP 500.
fn simulate(chain: &Chain, body: &[u8]) -> Answer {
    let tx_bytes = match request_tx_bytes(body) {
        Ok(bytes) => bytes,
        Err(answer) => return answer,
    };
    match chain.simulate(&tx_bytes) {
        Ok(simulation) => {
            let response = simulation.response();
            let gas = response.gas_info.unwrap_or_default();
            let result = response.result.unwrap_or_default();
            let b64 = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
            let events: Vec<Value> = result
                .events
                .iter()
                .map(|event| {
                    let attributes: Vec<Value> = event
                        .attributes
                        .iter()
                        .map(|a| json!({"key": String::from_utf8_lossy(&a.key), "value": String::from_utf8_lossy(&a.value), "index": a.index}))
                        .collect();
                    json!({"type": event.r#type, "attributes": attributes})
                })
                .collect();
            let msg_responses: Vec<Value> = result
                .msg_responses
                .iter()
                .map(|any| json!({"@type": any.type_url}))
                .collect();
            (
                http::StatusCode::OK,
                json!({
                    "gas_info": {
                        "gas_wanted": gas.gas_wanted.to_string(),
                        "gas_used": gas.gas_used.to_string(),
                    },
                    "result": {
                        "data": b64(&result.data),
                        "log": result.log,
                        "events": events,
                        "msg_responses": msg_responses,
                    },
                }),
            )
        }
        Err(refused) => error(
            http::StatusCode::INTERNAL_SERVER_ERROR,
            2,
            refused.to_string(),
        ),
    }
}

fn tx_response(response: &nilvm_proto::cosmos::base::abci::v1beta1::TxResponse) -> Value {
    json!({
        "height": response.height.to_string(),
        "txhash": response.txhash,
        "codespace": response.codespace,
        "code": response.code,
        "data": response.data,
        "raw_log": response.raw_log,
        "logs": [],
        "info": response.info,
        "gas_wanted": response.gas_wanted.to_string(),
        "gas_used": response.gas_used.to_string(),
        "tx": null,
        "timestamp": response.timestamp,
        "events": [],
    })
}
