//! One lock per node: a request held up on one node does not hold another node.
#![cfg(feature = "devnet")]
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use bytes::Bytes;
use http::uri::PathAndQuery;
use nilvm_core::rpc::Method;
use nilvm_proto::Message;
use nilvm_proto::nillion::values::v1::store::StoreValuesRequest;
use nilvm_proto::nillion::values::v1::value::{EddsaMessage, NamedValue, Value, value};
use nilvm_transport_tonic::codec::BytesCodec;
use nilvm_transport_tonic::server::devnet::{Devnet, DevnetConfig};
use nilvm_transport_tonic::{TlsRoots, connect_lazy};

async fn raw_call(endpoint: &str, method: Method, body: Vec<u8>) -> Result<Bytes, tonic::Status> {
    let channel = connect_lazy(endpoint, &TlsRoots::default()).unwrap();
    let mut grpc = tonic::client::Grpc::new(channel)
        .max_encoding_message_size(16 << 20)
        .max_decoding_message_size(16 << 20);
    grpc.ready().await.unwrap();
    grpc.unary(
        tonic::Request::new(Bytes::from(body)),
        PathAndQuery::from_static(method.path()),
        BytesCodec,
    )
    .await
    .map(tonic::Response::into_inner)
}

/// A ~6 MiB `StoreValues` (one large value; no receipt, so the node refuses it once it runs).
fn large_store() -> Vec<u8> {
    StoreValuesRequest {
        values: vec![NamedValue {
            name: "blob".into(),
            value: Some(Value {
                value: Some(value::Value::EddsaMessage(EddsaMessage {
                    // Just under the nodes' 6 MiB message limit.
                    message: vec![7; (6 << 20) - 1024],
                })),
            }),
        }],
        ..StoreValuesRequest::default()
    }
    .encode_to_vec()
}

/// Guards the test against a deadlock (not a timing assertion: the calls answer at once).
const NO_HANG: Duration = Duration::from_secs(60);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
// Holding node A's lock across the other calls is the point: it stands for a slow request.
#[allow(clippy::await_holding_lock)]
async fn a_large_store_held_on_one_node_does_not_hold_another_node() {
    let devnet = Devnet::start(DevnetConfig::free_ports()).await.unwrap();
    let backend = devnet.backend();
    let [node_a, node_b, ..] = devnet.node_endpoints() else {
        panic!("three nodes");
    };
    let id_a = backend.cluster().node_ids()[0].clone();

    // Node A is busy: the test holds its lock, as a slow request would.
    let busy = backend.cluster().node(&id_a).unwrap();
    let (done_tx, mut done_rx) = tokio::sync::oneshot::channel();
    let endpoint_a = node_a.clone();
    let store = tokio::spawn(async move {
        let answer = raw_call(&endpoint_a, Method::StoreValues, large_store()).await;
        let _ = done_tx.send(());
        answer
    });

    // Node B answers while the store to node A waits for node A.
    let cluster = tokio::time::timeout(NO_HANG, raw_call(node_b, Method::Cluster, Vec::new()))
        .await
        .expect("node B answered while node A was busy")
        .unwrap();
    assert!(!cluster.is_empty());
    assert!(
        done_rx.try_recv().is_err(),
        "the store to node A cannot finish while node A is held"
    );

    // Node A free again: the store runs and gets the node's answer (no receipt).
    drop(busy);
    let refused = tokio::time::timeout(NO_HANG, store)
        .await
        .expect("the store finished once node A was free")
        .unwrap()
        .unwrap_err();
    assert_eq!(refused.code(), tonic::Code::PermissionDenied, "{refused:?}");
    devnet.stop().await;
}
