//! Our client against our devnet over loopback gRPC: values, permissions, payments (the
//! NilChain payer on the chain stub, the balance and its fallback), and the server's refusals.
#![cfg(feature = "devnet")]
#![allow(clippy::unwrap_used, clippy::panic)]

use std::collections::BTreeMap;

use bytes::Bytes;
use http::uri::PathAndQuery;
use nilvm_core::auth::{TOKEN_HEADER, create_token};
use nilvm_core::identity::{NodeId, UserKey};
use nilvm_core::payments::chain_tx::nillion_address;
use nilvm_core::permissions::{Permissions, PermissionsDelta};
use nilvm_core::rpc::{Code, Method, Request};
use nilvm_core::time::{Duration, Timestamp};
use nilvm_core::values::{ClearValue, SecretInteger};
use nilvm_proto::nillion::values::v1::delete::DeleteValuesRequest;
use nilvm_transport_tonic::clock::Clock;
use nilvm_transport_tonic::codec::BytesCodec;
use nilvm_transport_tonic::server::devnet::{Devnet, DevnetConfig, FUNDING_UNIL};
use nilvm_transport_tonic::{
    ClientError, GrpcDriver, Network, NilChainPayer, NoPayer, PayError, Payer, TlsRoots, VmClient,
    connect, connect_lazy,
};

fn wall_clock() -> nilvm_core::time::Timestamp {
    Clock::system().now()
}

fn secret(v: i64) -> ClearValue {
    ClearValue::SecretInteger(SecretInteger::from(v))
}

fn values(pairs: &[(&str, i64)]) -> BTreeMap<String, ClearValue> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_string(), secret(*v)))
        .collect()
}

/// A fresh user with a fresh chain key holding `unil`.
async fn client(devnet: &Devnet, seed: u8, unil: u64) -> VmClient<GrpcDriver> {
    let chain_key = UserKey::from_bytes(&[seed.wrapping_add(100); 32]).unwrap();
    devnet.fund(&nillion_address(&chain_key.public_key()).unwrap(), unil);
    let payer = NilChainPayer::for_network(&devnet.network(), chain_key).unwrap();
    let key = UserKey::from_bytes(&[seed; 32]).unwrap();
    connect(key, &devnet.network(), payer).await.unwrap()
}

fn chain_sequence(devnet: &Devnet, seed: u8) -> u64 {
    let chain_key = UserKey::from_bytes(&[seed.wrapping_add(100); 32]).unwrap();
    let address = nillion_address(&chain_key.public_key()).unwrap();
    devnet
        .backend()
        .cluster()
        .chain()
        .account(&address)
        .map(|a| a.sequence)
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn from_config_then_store_retrieve_delete_not_found() {
    let devnet = Devnet::start(DevnetConfig::free_ports()).await.unwrap();
    let dir = std::env::temp_dir().join(format!("nilvm-devnet-{}", std::process::id()));
    let (yaml, env) = devnet.write_config_files(&dir).unwrap();
    let env_text = std::fs::read_to_string(&env).unwrap();
    assert!(env_text.starts_with("# Nillion devnet parameters\nNILLION_CLUSTER_ID="));
    assert!(env_text.contains(&format!("NILLION_GRPC_ENDPOINT={}\n", devnet.bootnode())));
    assert!(env_text.ends_with(
        "NILLION_NILCHAIN_PRIVATE_KEY_9=ef4b944d4fdb0077057925fe2dde365dfa2c83cf320463b14589feccd1b2b938\n"
    ));
    let network = Network::from_config_file(&yaml).unwrap();
    assert_eq!(network.bootnode, devnet.bootnode());
    // The network file's key is funded devnet key 0.
    let payer = NilChainPayer::from_network_key(&network).unwrap();
    assert_eq!(payer.balance().await.unwrap(), FUNDING_UNIL);
    let client = connect(UserKey::from_bytes(&[1; 32]).unwrap(), &network, payer)
        .await
        .unwrap();

    let stored = values(&[("a", 3), ("b", -4)]);
    let id = client
        .store_values(stored.clone(), Some(1), None)
        .await
        .unwrap();
    assert_eq!(client.retrieve_values(id).await.unwrap(), stored);
    client.delete_values(id).await.unwrap();
    let error = client.retrieve_values(id).await.unwrap_err();
    assert!(error.is_not_found(), "{error}");
    assert_eq!(error.status().unwrap().message, "value not found");
    client.close();
    devnet.stop().await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn permissions_and_other_users_values() {
    let devnet = Devnet::start(DevnetConfig::free_ports()).await.unwrap();
    let owner = client(&devnet, 2, FUNDING_UNIL).await;
    let other = client(&devnet, 3, FUNDING_UNIL).await;
    let id = owner
        .store_values(values(&[("x", 5)]), None, None)
        .await
        .unwrap();

    let error = other.retrieve_values(id).await.unwrap_err();
    assert!(error.is_permission_denied(), "{error}");
    assert_eq!(
        error.status().unwrap().message,
        "user does not have permissions for action"
    );
    let error = other.delete_values(id).await.unwrap_err();
    assert!(error.is_permission_denied(), "{error}");

    let delta = PermissionsDelta::new().grant_retrieve(other.user_id());
    owner.update_permissions(id, delta).await.unwrap();
    let permissions = owner.retrieve_permissions(id).await.unwrap();
    assert!(permissions.is_retrieve_allowed(&other.user_id()));
    assert_eq!(
        other.retrieve_values(id).await.unwrap(),
        values(&[("x", 5)])
    );

    owner
        .overwrite_permissions(id, &Permissions::defaults_for_user(owner.user_id()))
        .await
        .unwrap();
    assert!(
        other
            .retrieve_values(id)
            .await
            .unwrap_err()
            .is_permission_denied()
    );
    devnet.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn balance_fallback_add_funds_and_paying_from_balance() {
    let devnet = Devnet::start(DevnetConfig::free_ports()).await.unwrap();
    let client = client(&devnet, 4, FUNDING_UNIL).await;
    assert_eq!(client.balance().await.unwrap().balance, 0);
    let config = client.payments_config().await.unwrap();
    assert_eq!(config.minimum_add_funds_payment, 10_000);

    // Empty balance: the leader says "not enough funds" and the client pays on chain.
    client.pool_status().await.unwrap();
    assert_eq!(chain_sequence(&devnet, 4), 1);

    client.add_funds(2_000_000, None).await.unwrap();
    assert_eq!(chain_sequence(&devnet, 4), 2);
    assert_eq!(client.balance().await.unwrap().balance, 200);

    // Paid from the balance: no transaction.
    client.pool_status().await.unwrap();
    assert_eq!(chain_sequence(&devnet, 4), 2);
    assert_eq!(client.balance().await.unwrap().balance, 100);

    // Below the minimum: refused before paying.
    let error = client.add_funds(1, None).await.unwrap_err();
    assert!(matches!(error, ClientError::InvalidInput(_)), "{error}");
    assert_eq!(chain_sequence(&devnet, 4), 2);
    devnet.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_payer_mirrors_the_chain_errors() {
    let devnet = Devnet::start(DevnetConfig::free_ports()).await.unwrap();
    let network = devnet.network();
    // Unknown account.
    let stranger =
        NilChainPayer::for_network(&network, UserKey::from_bytes(&[9; 32]).unwrap()).unwrap();
    let error = stranger.pay(1, &[1; 32]).await.unwrap_err();
    assert!(matches!(error, PayError::AccountNotFound { .. }), "{error}");
    // Not enough funds: the chain refuses the broadcast.
    let poor_key = UserKey::from_bytes(&[10; 32]).unwrap();
    devnet.fund(&nillion_address(&poor_key.public_key()).unwrap(), 5);
    let poor = NilChainPayer::for_network(&network, poor_key).unwrap();
    let error = poor.pay(1_000, &[1; 32]).await.unwrap_err();
    assert!(
        matches!(error, PayError::Broadcast { code: 5, .. }),
        "{error}"
    );
    // A good payment returns the chain's uppercase hash, committed.
    let rich = NilChainPayer::for_network(&network, Devnet::funded_keys()[1].clone()).unwrap();
    let hash = rich.pay(1_000, &[1; 32]).await.unwrap();
    assert_eq!(hash, hash.to_ascii_uppercase());
    assert_eq!(rich.balance().await.unwrap(), FUNDING_UNIL - 1_000);
    // A client without a payer cannot fall back to the chain.
    let broke = connect(UserKey::from_bytes(&[11; 32]).unwrap(), &network, NoPayer)
        .await
        .unwrap();
    let error = broke.pool_status().await.unwrap_err();
    assert!(
        error.to_string().contains("payments are disabled"),
        "{error}"
    );
    devnet.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replayed_receipt_is_refused() {
    let devnet = Devnet::start(DevnetConfig::free_ports()).await.unwrap();
    let client = client(&devnet, 5, FUNDING_UNIL).await;
    let id = client
        .store_values(values(&[("x", 1)]), None, None)
        .await
        .unwrap();
    let quote = client
        .request_quote(&client.retrieve_values_call(id))
        .await
        .unwrap();
    let receipt = client.payment_receipt(quote).await.unwrap();
    let got = client
        .invoke_retrieve_values(client.retrieve_values_call(id), receipt.clone())
        .await
        .unwrap();
    assert_eq!(got, values(&[("x", 1)]));
    let error = client
        .invoke_retrieve_values(client.retrieve_values_call(id), receipt)
        .await
        .unwrap_err();
    let status = error.status().unwrap();
    assert_eq!(status.code, Code::FailedPrecondition, "{error}");
    assert_eq!(status.message, "nonce already used");
    devnet.stop().await;
}

/// Sends one raw request to a node, with the token bytes given.
async fn raw_call(
    endpoint: &str,
    method: Method,
    body: Vec<u8>,
    token: Option<Vec<u8>>,
) -> Result<Bytes, tonic::Status> {
    let channel = connect_lazy(endpoint, &TlsRoots::default()).unwrap();
    let mut grpc = tonic::client::Grpc::new(channel);
    grpc.ready().await.unwrap();
    let mut request = tonic::Request::new(Bytes::from(body));
    if let Some(token) = token {
        request.metadata_mut().insert_bin(
            tonic::metadata::MetadataKey::from_static(TOKEN_HEADER),
            tonic::metadata::BinaryMetadataValue::from_bytes(&token),
        );
    }
    grpc.unary(
        request,
        PathAndQuery::from_static(method.path()),
        BytesCodec,
    )
    .await
    .map(tonic::Response::into_inner)
}

fn token(key: &UserKey, node: &NodeId, expires_at: Timestamp) -> Vec<u8> {
    use nilvm_proto::Message;
    create_token(key, node, [7; 32], expires_at)
        .unwrap()
        .encode_to_vec()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_requests_and_bad_tokens_are_refused_with_the_nodes_texts() {
    let devnet = Devnet::start(DevnetConfig::free_ports()).await.unwrap();
    let endpoint = devnet.bootnode().to_owned();
    let node: NodeId = devnet.backend().cluster().bootnode().clone();
    let key = UserKey::from_bytes(&[12; 32]).unwrap();
    let later = wall_clock().saturating_add(Duration::from_secs(60));
    let delete =
        |id: Vec<u8>| Request::DeleteValues(DeleteValuesRequest { values_id: id }).encode_to_vec();

    // Bytes that are not a DeleteValuesRequest: tonic's decoding failure.
    let status = raw_call(
        &endpoint,
        Method::DeleteValues,
        vec![0xff, 0xff],
        Some(token(&key, &node, later)),
    )
    .await
    .unwrap_err();
    assert_eq!(status.code(), tonic::Code::Internal, "{status:?}");
    // A well-formed request with a bad id.
    let status = raw_call(
        &endpoint,
        Method::DeleteValues,
        delete(vec![1, 2, 3]),
        Some(token(&key, &node, later)),
    )
    .await
    .unwrap_err();
    assert_eq!(
        (status.code(), status.message()),
        (tonic::Code::InvalidArgument, "invalid id")
    );
    // No token at all: the handler needs a user.
    let status = raw_call(&endpoint, Method::DeleteValues, delete(vec![1; 16]), None)
        .await
        .unwrap_err();
    assert_eq!(
        (status.code(), status.message()),
        (tonic::Code::PermissionDenied, "permissions denied")
    );
    // Expired.
    let past = wall_clock().checked_sub(Duration::from_secs(5)).unwrap();
    let status = raw_call(
        &endpoint,
        Method::DeleteValues,
        delete(vec![1; 16]),
        Some(token(&key, &node, past)),
    )
    .await
    .unwrap_err();
    assert_eq!(
        (status.code(), status.message()),
        (tonic::Code::Unauthenticated, "token is expired")
    );
    // Forged: the signature does not match the token.
    let mut forged = create_token(&key, &node, [7; 32], later).unwrap();
    forged.serialized_token[0] ^= 1;
    let forged = nilvm_proto::Message::encode_to_vec(&forged);
    let status = raw_call(
        &endpoint,
        Method::DeleteValues,
        delete(vec![1; 16]),
        Some(forged),
    )
    .await
    .unwrap_err();
    assert_eq!(status.code(), tonic::Code::Unauthenticated, "{status:?}");
    assert_eq!(status.message(), "invalid signature");
    // Meant for another node.
    let other: NodeId = devnet.backend().cluster().leader_id().clone();
    let status = raw_call(
        &endpoint,
        Method::DeleteValues,
        delete(vec![1; 16]),
        Some(token(&key, &other, later)),
    )
    .await
    .unwrap_err();
    assert_eq!(
        (status.code(), status.message()),
        (
            tonic::Code::Unauthenticated,
            "invalid token target identity"
        )
    );
    // Too long.
    let status = raw_call(
        &endpoint,
        Method::DeleteValues,
        delete(vec![1; 16]),
        Some(vec![0; 400]),
    )
    .await
    .unwrap_err();
    assert_eq!(
        (status.code(), status.message()),
        (
            tonic::Code::Unauthenticated,
            "token exceeds max length (512)"
        )
    );
    // A leader-only service on a plain member, and an unknown method.
    let member = devnet
        .node_endpoints()
        .iter()
        .find(|e| {
            let backend = devnet.backend();
            let cluster = backend.cluster();
            cluster.info().leader().grpc_endpoint() != e.as_str()
        })
        .unwrap()
        .clone();
    let status = raw_call(&member, Method::PaymentsConfig, Vec::new(), None)
        .await
        .unwrap_err();
    assert_eq!(status.code(), tonic::Code::Unimplemented, "{status:?}");
    devnet.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_balance_signal_keeps_its_details_over_grpc() {
    use nilvm_core::operations::payment_receipt::payment_receipt;
    use nilvm_core::payments::PaymentMode;
    let devnet = Devnet::start(DevnetConfig::free_ports()).await.unwrap();
    let client = client(&devnet, 6, FUNDING_UNIL).await;
    let quote = client
        .request_quote(&client.pool_status_call())
        .await
        .unwrap();
    let context = client.context();
    let op = payment_receipt(
        wall_clock(),
        &context.leader,
        &context.leader_key,
        quote,
        PaymentMode::BalanceOnly,
        Default::default(),
    );
    let error = client.run(op).await.unwrap_err();
    assert!(error.to_string().contains("not enough funds"), "{error}");
    devnet.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn store_program_compute_and_retrieve_results() {
    use nilvm_client::ComputeInput;
    const PROGRAM: &[u8] = include_bytes!("../../testdata/programs/multi_party_sum.nada.bin");
    let devnet = Devnet::start(DevnetConfig::free_ports()).await.unwrap();
    let client = client(&devnet, 7, FUNDING_UNIL).await;
    let me = client.user_id();
    let program_id = client
        .store_program("multi_party_sum", PROGRAM.to_vec())
        .await
        .unwrap();
    assert!(
        program_id
            .to_string()
            .starts_with(&format!("{me}/multi_party_sum/sha256/")),
        "{program_id}"
    );
    let x_id = client
        .store_values(
            values(&[("x", 20)]),
            None,
            Some(Permissions::defaults_for_user(me).allow_compute(me, program_id.to_string())),
        )
        .await
        .unwrap();
    let compute_id = client
        .compute(ComputeInput {
            program_id,
            value_ids: vec![x_id],
            input_bindings: vec![("Dealer1".into(), me), ("Dealer2".into(), me)],
            output_bindings: vec![("Receiver".into(), vec![me])],
            values: values(&[("y", 3)]),
        })
        .await
        .unwrap();
    let outputs = client.retrieve_compute_results(compute_id).await.unwrap();
    assert_eq!(outputs, values(&[("sum", 23), ("product", 60)]));
    // Bytes that are no program are refused before paying.
    let error = client
        .store_program("junk", vec![1, 2, 3])
        .await
        .unwrap_err();
    assert!(matches!(error, ClientError::Lowering(_)), "{error}");
    devnet.stop().await;
}
