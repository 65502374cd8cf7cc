//! The chain stub's CometBFT JSON-RPC: what cosmjs's `StargateClient` and
//! `SigningStargateClient` call (`status`, `abci_query` for accounts and balances,
//! `broadcast_tx_sync|async|commit`, `tx`, `tx_search`, `block`, `abci_info`, `health`), over
//! HTTP POST (JSON-RPC 2.0) and the URI form (`GET /status`).
//!
//! `abci_query` runs the cosmos gRPC query named by its path on the same chain the gRPC
//! service serves ([`handle_chain_call`]); errors read like a cosmos node's
//! (`rpc error: code = NotFound desc = ...`, which cosmjs recognises for unknown accounts).

use std::convert::Infallible;
use std::task::{Context, Poll};

use base64::Engine as _;
use bytes::Bytes;
use http_body_util::BodyExt as _;
use nilvm_proto::cosmos::base::abci::v1beta1::TxResponse;
use nilvm_transport_mock::Chain;
use nilvm_transport_mock::chain::TxRecord;
use serde_json::{Value, json};
use tonic::body::Body;
use tonic::codegen::Service;

use super::chain::{HasChain, chain_service, handle_chain_call};
use super::{BoxFuture, off_reactor};

/// The CometBFT version the stub reports (cosmjs picks its Comet 0.38 client for it).
pub const COMET_VERSION: &str = "0.38.12";

/// The largest request body read (a transaction is far smaller).
const MAX_BODY: usize = 8 << 20;

const ZERO_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";
const PROPOSER: &str = "0000000000000000000000000000000000000000";

/// A JSON-RPC error: code, message and the data CometBFT puts the detail in.
#[derive(Debug)]
pub struct RpcError {
    code: i64,
    message: &'static str,
    data: String,
}

impl RpcError {
    fn invalid_params(data: impl Into<String>) -> Self {
        Self {
            code: -32602,
            message: "Invalid params",
            data: data.into(),
        }
    }

    fn internal(data: impl Into<String>) -> Self {
        Self {
            code: -32603,
            message: "Internal error",
            data: data.into(),
        }
    }
}

chain_service! {
    /// The CometBFT RPC service of a shared backend.
    CometService
}

/// A JSON answer with `status`.
pub(crate) fn json_response(status: http::StatusCode, value: &Value) -> http::Response<Body> {
    let mut response = http::Response::new(Body::new(http_body_util::Full::new(Bytes::from(
        value.to_string(),
    ))));
    *response.status_mut() = status;
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    response
}

/// The request body, at most [`MAX_BODY`] bytes.
pub(crate) async fn read_body(body: Body) -> Result<Bytes, String> {
    let limited = http_body_util::Limited::new(body, MAX_BODY);
    limited
        .collect()
        .await
        .map(|collected| collected.to_bytes())
        .map_err(|e| format!("cannot read the request body: {e}"))
}

impl<B: HasChain> Service<http::Request<Body>> for CometService<B> {
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
            let (id, method, params) = if parts.method == http::Method::GET {
                let method = parts.uri.path().trim_start_matches('/').to_owned();
                (
                    json!(-1),
                    method,
                    uri_params(parts.uri.query().unwrap_or("")),
                )
            } else {
                match read_body(body).await.and_then(|b| parse_call(&b)) {
                    Ok(call) => call,
                    Err(data) => {
                        let error = json!({"code": -32700, "message": "Parse error", "data": data});
                        let body = json!({"jsonrpc": "2.0", "id": -1, "error": error});
                        return Ok(json_response(http::StatusCode::OK, &body));
                    }
                }
            };
            let answer = off_reactor(move || {
                backend
                    .with_chain(|chain| dispatch(chain, &method, &params))
                    .unwrap_or_else(|status| Err(RpcError::internal(status.message)))
            })
            .await
            .unwrap_or_else(|status| Err(RpcError::internal(status.message().to_owned())));
            let body = match answer {
                Ok(result) => json!({"jsonrpc": "2.0", "id": id, "result": result}),
                Err(e) => json!({"jsonrpc": "2.0", "id": id, "error": {
                    "code": e.code, "message": e.message, "data": e.data,
                }}),
            };
            Ok(json_response(http::StatusCode::OK, &body))
        })
    }
}

/// `(id, method, params)` of a JSON-RPC 2.0 request.
fn parse_call(body: &[u8]) -> Result<(Value, String, Value), String> {
    let call: Value = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    let method = call
        .get("method")
        .and_then(Value::as_str)
        .ok_or("no method")?
        .to_owned();
    let id = call.get("id").cloned().unwrap_or(json!(-1));
    let params = call.get("params").cloned().unwrap_or(json!({}));
    Ok((id, method, params))
}

/// URI-form parameters (`?path="/x"&data=0x0a...`): quotes stripped, `0x` hex kept as hex.
fn uri_params(query: &str) -> Value {
    let mut params = serde_json::Map::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let value = value.trim_matches('"');
        let value = value.strip_prefix("0x").unwrap_or(value);
        params.insert(key.to_owned(), json!(value));
    }
    Value::Object(params)
}

fn param<'a>(params: &'a Value, name: &str) -> Option<&'a str> {
    params.get(name).and_then(Value::as_str)
}

/// Answers one JSON-RPC method on `chain`.
pub fn dispatch(chain: &mut Chain, method: &str, params: &Value) -> Result<Value, RpcError> {
    match method {
        "status" => Ok(status(chain)),
        "health" => Ok(json!({})),
        "abci_info" => Ok(json!({"response": {
            "data": "nilchain-stub",
            "version": COMET_VERSION,
            "last_block_height": chain.height().to_string(),
            "last_block_app_hash": "",
        }})),
        "abci_query" => abci_query(chain, params),
        "broadcast_tx_sync" | "broadcast_tx_async" => {
            let response = broadcast(chain, params)?;
            Ok(json!({
                "code": response.code,
                "data": "",
                "log": response.raw_log,
                "codespace": response.codespace,
                "hash": response.txhash,
            }))
        }
        "broadcast_tx_commit" => {
            let response = broadcast(chain, params)?;
            let result = json!({
                "code": response.code, "data": "", "log": response.raw_log, "info": "",
                "gas_wanted": "0", "gas_used": "0", "events": [], "codespace": response.codespace,
            });
            Ok(json!({
                "check_tx": result,
                "tx_result": result,
                "hash": response.txhash,
                "height": chain.tx(&response.txhash).map_or(0, |r| r.height).to_string(),
            }))
        }
        "tx" => {
            let hash = param(params, "hash").ok_or_else(|| RpcError::invalid_params("no hash"))?;
            let hash = hash_hex(hash);
            let record = chain
                .tx(&hash)
                .ok_or_else(|| RpcError::internal(format!("tx ({hash}) not found")))?;
            Ok(tx_json(record))
        }
        "tx_search" => {
            let query =
                param(params, "query").ok_or_else(|| RpcError::invalid_params("no query"))?;
            let txs: Vec<Value> = searched_hash(query)
                .and_then(|hash| chain.tx(&hash))
                .map(tx_json)
                .into_iter()
                .collect();
            Ok(json!({"total_count": txs.len().to_string(), "txs": txs}))
        }
        "block" => {
            let latest = chain.height();
            let height = param(params, "height")
                .and_then(|h| h.parse::<i64>().ok())
                .or_else(|| params.get("height").and_then(Value::as_i64))
                .unwrap_or(latest);
            if height < 1 || height > latest {
                return Err(RpcError::internal(format!(
                    "height {height} must be less than or equal to the current blockchain height {latest}"
                )));
            }
            Ok(block(chain, height))
        }
        _ => Err(RpcError {
            code: -32601,
            message: "Method not found",
            data: String::new(),
        }),
    }
}

fn status(chain: &Chain) -> Value {
    let height = chain.height().to_string();
    json!({
        "node_info": {
            "protocol_version": {"p2p": "8", "block": "11", "app": "0"},
            "id": PROPOSER,
            "listen_addr": "tcp://0.0.0.0:26656",
            "network": chain.chain_id(),
            "version": COMET_VERSION,
            "channels": "40202122233038606100",
            "moniker": "nilvm-devnet",
            "other": {"tx_index": "on", "rpc_address": "tcp://0.0.0.0:26657"},
        },
        "sync_info": {
            "latest_block_hash": ZERO_HASH,
            "latest_app_hash": ZERO_HASH,
            "latest_block_height": height,
            "latest_block_time": now_rfc3339(),
            "earliest_block_hash": ZERO_HASH,
            "earliest_app_hash": ZERO_HASH,
            "earliest_block_height": "1",
            "earliest_block_time": now_rfc3339(),
            "catching_up": false,
        },
        "validator_info": {
            "address": PROPOSER,
            "pub_key": {
                "type": "tendermint/PubKeyEd25519",
                "value": base64::engine::general_purpose::STANDARD.encode([0u8; 32]),
            },
            "voting_power": "0",
        },
    })
}

/// The ABCI code and gRPC code name of a refused query, as a cosmos node reports them.
fn query_error(status: &tonic::Status) -> (u32, &'static str) {
    match status.code() {
        tonic::Code::NotFound => (22, "NotFound"),
        tonic::Code::InvalidArgument => (1, "InvalidArgument"),
        tonic::Code::Unimplemented => (6, "Unimplemented"),
        // A refused simulation: the SDK wraps it as an unknown request (6).
        tonic::Code::Unknown => (6, "Unknown"),
        _ => (1, "Internal"),
    }
}

fn abci_query(chain: &mut Chain, params: &Value) -> Result<Value, RpcError> {
    let path = param(params, "path").ok_or_else(|| RpcError::invalid_params("no path"))?;
    let data = hex::decode(param(params, "data").unwrap_or(""))
        .map_err(|e| RpcError::invalid_params(format!("data is not hex: {e}")))?;
    let height = chain.height().to_string();
    let response = match handle_chain_call(chain, path, &data) {
        Ok(value) => json!({
            "code": 0, "log": "", "info": "", "index": "0", "key": null,
            "value": base64::engine::general_purpose::STANDARD.encode(value),
            "proofOps": null, "height": height, "codespace": "",
        }),
        Err(status) => {
            let (code, name) = query_error(&status);
            json!({
                "code": code,
                "log": format!("rpc error: code = {name} desc = {}", status.message()),
                "info": "", "index": "0", "key": null, "value": null, "proofOps": null,
                "height": height, "codespace": "sdk",
            })
        }
    };
    Ok(json!({ "response": response }))
}

fn broadcast(chain: &mut Chain, params: &Value) -> Result<TxResponse, RpcError> {
    let tx = param(params, "tx").ok_or_else(|| RpcError::invalid_params("no tx"))?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(tx)
        .map_err(|e| RpcError::invalid_params(format!("tx is not base64: {e}")))?;
    Ok(chain.broadcast(&bytes))
}

/// A hash given as hex (the URI form) or base64 (JSON-RPC), as uppercase hex.
fn hash_hex(hash: &str) -> String {
    if hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return hash.to_ascii_uppercase();
    }
    base64::engine::general_purpose::STANDARD
        .decode(hash)
        .map(hex::encode_upper)
        .unwrap_or_else(|_| hash.to_ascii_uppercase())
}

/// The hash of a `tx.hash='...'` search.
fn searched_hash(query: &str) -> Option<String> {
    let rest = query.trim().strip_prefix("tx.hash")?.trim_start();
    let value = rest
        .strip_prefix('=')?
        .trim()
        .trim_matches(|c| c == '\'' || c == '"');
    Some(value.to_ascii_uppercase())
}

fn tx_json(record: &TxRecord) -> Value {
    json!({
        "hash": record.hash,
        "height": record.height.to_string(),
        "index": 0,
        "tx_result": {
            "code": 0, "data": "", "log": "", "info": "", "gas_wanted": "0", "gas_used": "0",
            "events": [], "codespace": "",
        },
        "tx": base64::engine::general_purpose::STANDARD.encode(&record.tx_bytes),
    })
}

fn block(chain: &Chain, height: i64) -> Value {
    let txs: Vec<String> = chain
        .txs()
        .filter(|r| r.height == height)
        .map(|r| base64::engine::general_purpose::STANDARD.encode(&r.tx_bytes))
        .collect();
    let block_id = json!({"hash": ZERO_HASH, "parts": {"total": 1, "hash": ZERO_HASH}});
    json!({
        "block_id": block_id,
        "block": {
            "header": {
                "version": {"block": "11", "app": "0"},
                "chain_id": chain.chain_id(),
                "height": height.to_string(),
                "time": now_rfc3339(),
                "last_block_id": block_id,
                "last_commit_hash": ZERO_HASH,
                "data_hash": ZERO_HASH,
                "validators_hash": ZERO_HASH,
                "next_validators_hash": ZERO_HASH,
                "consensus_hash": ZERO_HASH,
                "app_hash": ZERO_HASH,
                "last_results_hash": ZERO_HASH,
                "evidence_hash": ZERO_HASH,
                "proposer_address": PROPOSER,
            },
            "data": {"txs": txs},
            "evidence": {"evidence": []},
            "last_commit": {
                "height": (height - 1).max(0).to_string(),
                "round": 0,
                "block_id": block_id,
                "signatures": [],
            },
        },
    })
}

/// The wall clock as RFC 3339 (UTC, seconds): block times are for display only.
pub(crate) fn now_rfc3339() -> String {
    crate::clock::Clock::system().now().rfc3339().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn searches_and_hashes_are_read_in_every_form() {
        assert_eq!(searched_hash("tx.hash='ab12'").as_deref(), Some("AB12"));
        assert_eq!(searched_hash("tx.height=3"), None);
        let hex = "AB".repeat(32);
        assert_eq!(hash_hex(&hex.to_ascii_lowercase()), hex);
        let b64 = base64::engine::general_purpose::STANDARD.encode([0xab; 32]);
        assert_eq!(hash_hex(&b64), hex);
    }
}
