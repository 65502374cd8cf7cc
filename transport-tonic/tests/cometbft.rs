//! The chain stub's CometBFT JSON-RPC and cosmos REST, called the way cosmjs's
//! `StargateClient` / `SigningStargateClient` call them (status, abci_query for account and
//! balance, broadcast_tx_sync, tx, tx_search, block), over a plain HTTP/1.1 connection, and
//! `Simulate` (the gas estimate of cosmjs's `"auto"` fee) over gRPC, abci_query and REST.
#![cfg(feature = "devnet")]
#![allow(clippy::unwrap_used, clippy::panic)]

use std::time::Duration;

use base64::Engine as _;
use nilvm_core::identity::UserKey;
use nilvm_core::payments::chain_tx::{TxParams, nillion_address, pay_for_tx};
use nilvm_proto::Message;
use nilvm_proto::cosmos::auth::v1beta1::{BaseAccount, QueryAccountRequest, QueryAccountResponse};
use nilvm_proto::cosmos::bank::v1beta1::{QueryBalanceRequest, QueryBalanceResponse};
use nilvm_proto::cosmos::tx::signing::v1beta1::SignMode;
use nilvm_proto::cosmos::tx::v1beta1::service_client::ServiceClient;
use nilvm_proto::cosmos::tx::v1beta1::{
    AuthInfo, Fee, ModeInfo, SimulateRequest, SimulateResponse, Tx, TxBody, TxRaw, mode_info,
};
use nilvm_transport_tonic::server::devnet::{Devnet, DevnetConfig, FUNDING_UNIL};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

const NO_HANG: Duration = Duration::from_secs(60);
const ACCOUNT: &str = "/cosmos.auth.v1beta1.Query/Account";
const BALANCE: &str = "/cosmos.bank.v1beta1.Query/Balance";
const SIMULATE: &str = "/cosmos.tx.v1beta1.Service/Simulate";

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn unb64(text: &str) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .unwrap()
}

/// One HTTP/1.1 exchange on a fresh connection: status and JSON body.
async fn http(endpoint: &str, method: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
    let addr = endpoint
        .trim_start_matches("http://")
        .replace("localhost", "127.0.0.1");
    let body = body.map(Value::to_string).unwrap_or_default();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    tokio::time::timeout(NO_HANG, stream.read_to_end(&mut raw))
        .await
        .expect("answered")
        .unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
    let status = head[9..12].parse().unwrap();
    let mut payload = raw[split + 4..].to_vec();
    if head.contains("transfer-encoding: chunked") {
        payload = dechunk(&payload);
    }
    (status, serde_json::from_slice(&payload).unwrap())
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let end = data.windows(2).position(|w| w == b"\r\n").unwrap();
        let size =
            usize::from_str_radix(std::str::from_utf8(&data[..end]).unwrap().trim(), 16).unwrap();
        data = &data[end + 2..];
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&data[..size]);
        data = &data[size + 2..];
    }
}

async fn rpc(endpoint: &str, method: &str, params: Value) -> Value {
    let call = json!({"jsonrpc": "2.0", "id": 7, "method": method, "params": params});
    let (status, answer) = http(endpoint, "POST", "/", Some(&call)).await;
    assert_eq!(status, 200);
    assert_eq!(answer["id"], 7);
    answer
}

async fn abci_query(endpoint: &str, path: &str, data: Vec<u8>) -> Value {
    let params = json!({"path": path, "data": hex::encode(data), "prove": false});
    rpc(endpoint, "abci_query", params).await["result"]["response"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cosmjs_calls_status_account_balance_broadcast_and_tx_lookups() {
    let devnet = Devnet::start(DevnetConfig::free_ports()).await.unwrap();
    let endpoint = devnet.chain_rpc_endpoint();
    // The files name the ports really bound.
    assert!(devnet.network_file(None).contains(&endpoint));
    let env = devnet.env_file();
    assert!(env.contains(&format!(
        "NILLION_NILCHAIN_JSON_RPC={}\n",
        devnet.chain_json_rpc_endpoint()
    )));
    assert!(env.contains(&format!(
        "NILLION_NILCHAIN_REST_API={}\n",
        devnet.chain_rest_endpoint()
    )));

    // connect: `status` (the URI form curl uses, and JSON-RPC) names the chain and version.
    let (code, status) = http(&endpoint, "GET", "/status", None).await;
    assert_eq!(code, 200);
    assert_eq!(
        status["result"]["node_info"]["network"],
        "nillion-chain-devnet"
    );
    assert!(
        status["result"]["node_info"]["version"]
            .as_str()
            .unwrap()
            .starts_with("0.38.")
    );
    let status = rpc(&devnet.chain_json_rpc_endpoint(), "status", json!({})).await;
    let height: i64 = status["result"]["sync_info"]["latest_block_height"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();

    // getAccount / getSequence.
    let key = Devnet::funded_keys()[2].clone();
    let address = nillion_address(&key.public_key()).unwrap();
    let account_request = |address: &str| {
        QueryAccountRequest {
            address: address.into(),
        }
        .encode_to_vec()
    };
    let response = abci_query(
        &endpoint,
        "/cosmos.auth.v1beta1.Query/Account",
        account_request(&address),
    )
    .await;
    assert_eq!(response["code"], 0);
    let any = QueryAccountResponse::decode(unb64(response["value"].as_str().unwrap()).as_slice())
        .unwrap()
        .account
        .unwrap();
    assert_eq!(any.type_url, "/cosmos.auth.v1beta1.BaseAccount");
    let account = BaseAccount::decode(any.value.as_slice()).unwrap();
    assert_eq!(account.sequence, 0);
    // An unknown account: the text cosmjs turns into "no account".
    let response = abci_query(
        &endpoint,
        "/cosmos.auth.v1beta1.Query/Account",
        account_request("nillion1unknown"),
    )
    .await;
    assert_ne!(response["code"], 0);
    assert!(
        response["log"]
            .as_str()
            .unwrap()
            .starts_with("rpc error: code = NotFound desc = ")
    );

    // getBalance.
    let balance_request = QueryBalanceRequest {
        address: address.clone(),
        denom: "unil".into(),
    }
    .encode_to_vec();
    let response = abci_query(
        &endpoint,
        "/cosmos.bank.v1beta1.Query/Balance",
        balance_request,
    )
    .await;
    let balance =
        QueryBalanceResponse::decode(unb64(response["value"].as_str().unwrap()).as_slice())
            .unwrap()
            .balance
            .unwrap();
    assert_eq!(balance.amount, FUNDING_UNIL.to_string());

    // broadcastTx (sync), then getTx: `tx` by hash and `tx_search` by hash, then `block`.
    let params = TxParams::devnet(account.account_number, account.sequence);
    let tx = pay_for_tx(&key, &params, &[9; 32], 1_000).unwrap();
    let sent = rpc(
        &endpoint,
        "broadcast_tx_sync",
        json!({"tx": b64(&tx.tx_bytes)}),
    )
    .await;
    assert_eq!(sent["result"]["code"], 0, "{sent}");
    let hash = sent["result"]["hash"].as_str().unwrap().to_owned();
    let found = rpc(
        &endpoint,
        "tx",
        json!({"hash": b64(&hex::decode(&hash).unwrap()), "prove": false}),
    )
    .await;
    assert_eq!(found["result"]["hash"], hash.as_str());
    assert_eq!(found["result"]["tx_result"]["code"], 0);
    assert_eq!(found["result"]["tx"], b64(&tx.tx_bytes).as_str());
    let tx_height: i64 = found["result"]["height"].as_str().unwrap().parse().unwrap();
    assert!(tx_height > height);
    let searched = rpc(
        &endpoint,
        "tx_search",
        json!({"query": format!("tx.hash='{hash}'"), "prove": false, "page": "1", "per_page": "1"}),
    )
    .await;
    assert_eq!(searched["result"]["total_count"], "1");
    let missing = rpc(&endpoint, "tx", json!({"hash": b64(&[0; 32])})).await;
    assert!(
        missing["error"]["data"]
            .as_str()
            .unwrap()
            .contains("not found")
    );
    let block = rpc(&endpoint, "block", json!({"height": tx_height.to_string()})).await;
    assert_eq!(
        block["result"]["block"]["header"]["chain_id"],
        "nillion-chain-devnet"
    );
    assert_eq!(
        block["result"]["block"]["data"]["txs"][0],
        b64(&tx.tx_bytes).as_str()
    );

    // The same state over REST.
    let rest = devnet.chain_rest_endpoint();
    let (code, body) = http(
        &rest,
        "GET",
        &format!("/cosmos/auth/v1beta1/accounts/{address}"),
        None,
    )
    .await;
    assert_eq!(code, 200);
    assert_eq!(body["account"]["sequence"], "1");
    let (_, body) = http(
        &rest,
        "GET",
        &format!("/cosmos/bank/v1beta1/balances/{address}"),
        None,
    )
    .await;
    assert_eq!(
        body["balances"][0]["amount"],
        (FUNDING_UNIL - 1_000).to_string()
    );
    let (code, body) = http(
        &rest,
        "GET",
        &format!("/cosmos/tx/v1beta1/txs/{hash}"),
        None,
    )
    .await;
    assert_eq!(code, 200);
    assert_eq!(body["tx_response"]["txhash"], hash.as_str());
    let (code, _) = http(
        &rest,
        "GET",
        "/cosmos/auth/v1beta1/accounts/nillion1none",
        None,
    )
    .await;
    assert_eq!(code, 404);
    devnet.stop().await;
}

/// The transaction as cosmjs's `simulate` builds it: empty fee, mode unspecified, one empty
/// signature.
fn unsigned(tx_bytes: &[u8]) -> Vec<u8> {
    let mut raw = TxRaw::decode(tx_bytes).unwrap();
    let mut auth = AuthInfo::decode(raw.auth_info_bytes.as_slice()).unwrap();
    auth.fee = Some(Fee::default());
    auth.signer_infos[0].mode_info = Some(ModeInfo {
        sum: Some(mode_info::Sum::Single(mode_info::Single {
            mode: SignMode::Unspecified as i32,
        })),
    });
    raw.auth_info_bytes = auth.encode_to_vec();
    raw.signatures = vec![Vec::new()];
    raw.encode_to_vec()
}

async fn grpc_simulate(
    client: &mut ServiceClient<tonic::transport::Channel>,
    request: SimulateRequest,
) -> Result<SimulateResponse, tonic::Status> {
    tokio::time::timeout(NO_HANG, client.simulate(request))
        .await
        .expect("answered")
        .map(tonic::Response::into_inner)
}

fn simulate_request(tx_bytes: Vec<u8>) -> SimulateRequest {
    SimulateRequest { tx: None, tx_bytes }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simulate_over_grpc_abci_query_and_rest_checks_and_changes_nothing() {
    let devnet = Devnet::start(DevnetConfig::free_ports()).await.unwrap();
    let endpoint = devnet.chain_rpc_endpoint();
    let key = Devnet::funded_keys()[3].clone();
    let address = nillion_address(&key.public_key()).unwrap();
    let account = |address: String| QueryAccountRequest { address }.encode_to_vec();
    let response = abci_query(&endpoint, ACCOUNT, account(address.clone())).await;
    let any = QueryAccountResponse::decode(unb64(response["value"].as_str().unwrap()).as_slice())
        .unwrap()
        .account
        .unwrap();
    let number = BaseAccount::decode(any.value.as_slice())
        .unwrap()
        .account_number;
    let signed = pay_for_tx(&key, &TxParams::devnet(number, 0), &[4; 32], 1_000).unwrap();
    let tx_bytes = unsigned(&signed.tx_bytes);

    // gRPC: gas info and the MsgPayFor response; the deprecated `tx` field gives the same.
    let channel = tonic::transport::Channel::from_shared(devnet.chain_grpc_endpoint())
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut grpc = ServiceClient::new(channel);
    let answer = grpc_simulate(&mut grpc, simulate_request(tx_bytes.clone()))
        .await
        .unwrap();
    let gas = answer.gas_info.unwrap();
    assert!(gas.gas_used > 10 * tx_bytes.len() as u64, "{gas:?}");
    let result = answer.result.unwrap();
    assert_eq!(
        result.msg_responses[0].type_url,
        "/nillion.meta.v1.MsgPayForResponse"
    );
    let raw = TxRaw::decode(tx_bytes.as_slice()).unwrap();
    let tx = Tx {
        body: Some(TxBody::decode(raw.body_bytes.as_slice()).unwrap()),
        auth_info: Some(AuthInfo::decode(raw.auth_info_bytes.as_slice()).unwrap()),
        signatures: raw.signatures.clone(),
    };
    let deprecated = SimulateRequest {
        tx: Some(tx),
        tx_bytes: Vec::new(),
    };
    assert_eq!(
        grpc_simulate(&mut grpc, deprecated).await.unwrap().gas_info,
        Some(gas)
    );
    let empty = grpc_simulate(&mut grpc, simulate_request(Vec::new()))
        .await
        .unwrap_err();
    assert_eq!(empty.code(), tonic::Code::InvalidArgument);

    // Refusals: the chain's text, gRPC UNKNOWN.
    let refused = |tx_bytes: Vec<u8>| simulate_request(tx_bytes);
    let wrong_sequence = pay_for_tx(&key, &TxParams::devnet(number, 5), &[4; 32], 1).unwrap();
    let status = grpc_simulate(&mut grpc, refused(unsigned(&wrong_sequence.tx_bytes)))
        .await
        .unwrap_err();
    assert_eq!(status.code(), tonic::Code::Unknown);
    assert!(
        status.message().starts_with(
            "account sequence mismatch, expected 0, got 5: incorrect account sequence with gas used: '"
        ),
        "{status:?}"
    );
    let stranger = UserKey::from_bytes(&[0x42; 32]).unwrap();
    let stranger_address = nillion_address(&stranger.public_key()).unwrap();
    let unknown = pay_for_tx(&stranger, &TxParams::devnet(0, 0), &[4; 32], 1).unwrap();
    let status = grpc_simulate(&mut grpc, refused(unsigned(&unknown.tx_bytes)))
        .await
        .unwrap_err();
    assert_eq!(status.code(), tonic::Code::Unknown);
    assert!(
        status
            .message()
            .starts_with(&format!("account {stranger_address} not found")),
        "{status:?}"
    );
    let status = grpc_simulate(&mut grpc, refused(vec![0xff, 0x01]))
        .await
        .unwrap_err();
    assert_eq!(status.code(), tonic::Code::Unknown);
    assert!(status.message().starts_with("tx parse error"), "{status:?}");

    // abci_query, as cosmjs calls it: the same answer; refusals are code 6 with the text.
    let query = simulate_request(tx_bytes.clone()).encode_to_vec();
    let response = abci_query(&endpoint, SIMULATE, query).await;
    assert_eq!(response["code"], 0, "{response}");
    let answer =
        SimulateResponse::decode(unb64(response["value"].as_str().unwrap()).as_slice()).unwrap();
    assert_eq!(answer.gas_info, Some(gas));
    let query = simulate_request(unsigned(&wrong_sequence.tx_bytes)).encode_to_vec();
    let response = abci_query(&endpoint, SIMULATE, query).await;
    assert_eq!(response["code"], 6);
    assert!(
        response["log"]
            .as_str()
            .unwrap()
            .starts_with("rpc error: code = Unknown desc = account sequence mismatch"),
        "{response}"
    );
    let query = simulate_request(unsigned(&unknown.tx_bytes)).encode_to_vec();
    let response = abci_query(&endpoint, SIMULATE, query).await;
    assert_eq!(response["code"], 6);

    // REST.
    let rest = devnet.chain_rest_endpoint();
    let path = "/cosmos/tx/v1beta1/simulate";
    let body = json!({"tx_bytes": b64(&tx_bytes)});
    let (code, answer) = http(&rest, "POST", path, Some(&body)).await;
    assert_eq!(code, 200, "{answer}");
    assert_eq!(answer["gas_info"]["gas_used"], gas.gas_used.to_string());
    let body = json!({"tx_bytes": b64(&unsigned(&wrong_sequence.tx_bytes))});
    let (code, answer) = http(&rest, "POST", path, Some(&body)).await;
    assert_eq!((code, answer["code"].as_u64()), (500, Some(2)), "{answer}");

    // Nothing changed: sequence 0, full balance, and the signed transaction still goes through.
    let response = abci_query(&endpoint, ACCOUNT, account(address.clone())).await;
    let any = QueryAccountResponse::decode(unb64(response["value"].as_str().unwrap()).as_slice())
        .unwrap()
        .account
        .unwrap();
    assert_eq!(
        BaseAccount::decode(any.value.as_slice()).unwrap().sequence,
        0
    );
    let balance = QueryBalanceRequest {
        address: address.clone(),
        denom: "unil".into(),
    };
    let response = abci_query(&endpoint, BALANCE, balance.encode_to_vec()).await;
    let balance =
        QueryBalanceResponse::decode(unb64(response["value"].as_str().unwrap()).as_slice())
            .unwrap()
            .balance
            .unwrap();
    assert_eq!(balance.amount, FUNDING_UNIL.to_string());
    let sent = rpc(
        &endpoint,
        "broadcast_tx_sync",
        json!({"tx": b64(&signed.tx_bytes)}),
    )
    .await;
    assert_eq!(sent["result"]["code"], 0, "{sent}");
    // The unsigned transaction simulates but is refused on delivery.
    let sent = rpc(
        &endpoint,
        "broadcast_tx_sync",
        json!({"tx": b64(&tx_bytes)}),
    )
    .await;
    assert_eq!(sent["result"]["code"], 4, "{sent}");
    devnet.stop().await;
}
