//! The client and the generic gRPC server against a small hand-written backend: discovery,
//! the auth header, status texts and details, parallel calls, retries, and TLS-free h2c.
#![cfg(feature = "server")]
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use nilvm_core::auth::verify_token;
use nilvm_core::cluster::{Cluster, ClusterMember, Prime};
use nilvm_core::identity::{NodeId, UserKey};
use nilvm_core::operations::RetryPolicy;
use nilvm_core::rpc::{Code, Reply, Request, Status};
use nilvm_core::time::{Duration, Timestamp};
use nilvm_proto::nillion::membership::v1::version::NodeVersion;
use nilvm_proto::nillion::payments::v1::config::PaymentsConfigResponse;
use nilvm_transport_tonic::server::{
    Answer, Backend, NodeService, ServerHandle, StreamStep, serve,
};
use nilvm_transport_tonic::{GrpcDriver, Network, NoPayer, VmClient, connect};

/// Three nodes; DeleteValues needs a valid token for the node and answers NOT_FOUND for the
/// nil id; node 2 can be told to answer UNAVAILABLE first.
struct Fake {
    cluster: Cluster,
    ids: Vec<NodeId>,
    flaky_left: Arc<AtomicU32>,
    deletes: Arc<AtomicU32>,
}

impl Backend for Fake {
    type Stream = ();

    fn handle(
        &self,
        now: Timestamp,
        node: usize,
        token: Option<&[u8]>,
        request: Request,
    ) -> Result<Answer<()>, Status> {
        let id = &self.ids[node];
        let user = match token {
            Some(token) => Some(
                verify_token(token, id, now)
                    .map_err(|e| Status::new(Code::Unauthenticated, e.to_string()))?
                    .user_id(),
            ),
            None => None,
        };
        if matches!(request, Request::Cluster(()) | Request::NodeVersion(())) && token.is_some() {
            return Err(Status::new(
                Code::Internal,
                "a token was sent to Membership",
            ));
        }
        match request {
            Request::Cluster(()) => Ok(Answer::Unary(Reply::Cluster(self.cluster.to_proto()))),
            Request::NodeVersion(()) => Ok(Answer::Unary(Reply::NodeVersion(NodeVersion {
                version: None,
                git_hash: "fake".into(),
            }))),
            Request::PaymentsConfig(()) => Ok(Answer::Unary(Reply::PaymentsConfig(
                PaymentsConfigResponse {
                    minimum_add_funds_payment: 10_000,
                    credits_per_nil: 100,
                },
            ))),
            Request::DeleteValues(request) => {
                if user.is_none() {
                    return Err(Status::new(Code::PermissionDenied, "permissions denied"));
                }
                self.deletes.fetch_add(1, Ordering::SeqCst);
                if node == 2
                    && self
                        .flaky_left
                        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                        .is_ok()
                {
                    return Err(Status::new(Code::Unavailable, "try again"));
                }
                if request.values_id == [0; 16] {
                    return Err(Status::new(Code::NotFound, "value not found"));
                }
                Ok(Answer::Unary(Reply::DeleteValues(())))
            }
            _ => Err(Status::new(Code::Unimplemented, "")),
        }
    }

    fn poll_stream(&self, _now: Timestamp, _stream: &mut ()) -> StreamStep {
        StreamStep {
            end: Some(Ok(())),
            ..StreamStep::default()
        }
    }
}

struct Setup {
    servers: Vec<ServerHandle>,
    network: Network,
    flaky_left: Arc<AtomicU32>,
    deletes: Arc<AtomicU32>,
}

async fn start() -> Setup {
    let mut listeners = Vec::new();
    for _ in 0..3 {
        listeners.push(tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap());
    }
    let keys: Vec<UserKey> = (1..=3u8)
        .map(|i| UserKey::from_bytes(&[i; 32]).unwrap())
        .collect();
    let members: Vec<ClusterMember> = keys
        .iter()
        .zip(&listeners)
        .map(|(key, l)| {
            ClusterMember::new(
                key.node_id(),
                format!("http://127.0.0.1:{}", l.local_addr().unwrap().port()),
                key.public_key(),
            )
        })
        .collect();
    let cluster = Cluster::new(members.clone(), members[1].clone(), Prime::U256, 1, 0).unwrap();
    let flaky_left = Arc::new(AtomicU32::new(0));
    let deletes = Arc::new(AtomicU32::new(0));
    let backend = Arc::new(Fake {
        ids: keys.iter().map(UserKey::node_id).collect(),
        cluster,
        flaky_left: flaky_left.clone(),
        deletes: deletes.clone(),
    });
    let network = Network::devnet_at(members[0].grpc_endpoint(), "http://127.0.0.1:1");
    let servers = listeners
        .into_iter()
        .enumerate()
        .map(|(i, l)| serve(l, NodeService::new(backend.clone(), i)).unwrap())
        .collect();
    Setup {
        servers,
        network,
        flaky_left,
        deletes,
    }
}

async fn stop(setup: Setup) {
    for server in setup.servers {
        server.stop().await.unwrap();
    }
}

fn user() -> UserKey {
    UserKey::from_bytes(&[42; 32]).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discovers_the_cluster_and_reads_the_leader_config() {
    let setup = start().await;
    let client = connect(user(), &setup.network.clone(), NoPayer)
        .await
        .unwrap();
    assert_eq!(client.cluster().members().len(), 3);
    let config = client.payments_config().await.unwrap();
    assert_eq!(config.minimum_add_funds_payment, 10_000);
    assert_eq!(client.node_version().await.unwrap().git_hash, "fake");
    client.close();
    stop(setup).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_refusals_keep_their_code_and_text_and_calls_carry_the_token() {
    let setup = start().await;
    let client = connect(user(), &setup.network.clone(), NoPayer)
        .await
        .unwrap();
    let error = client
        .delete_values(uuid::Uuid::nil().into())
        .await
        .unwrap_err();
    assert!(error.is_not_found(), "{error}");
    let status = error.status().unwrap();
    assert_eq!(status.message, "value not found");
    client.close();
    stop(setup).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transient_failures_are_retried_by_core() {
    let setup = start().await;
    setup.flaky_left.store(1, Ordering::SeqCst);
    let fast = RetryPolicy {
        delays: vec![Duration::from_millis(20)],
        ..RetryPolicy::default()
    };
    let driver =
        GrpcDriver::without_payer(&setup.network.bootnode, setup.network.tls.clone()).unwrap();
    let client = VmClient::builder(driver, user())
        .retry(fast)
        .build()
        .await
        .unwrap();
    client
        .delete_values(uuid::Uuid::from_u128(7).into())
        .await
        .unwrap();
    // 3 nodes + 1 retry of node 2.
    assert_eq!(setup.deletes.load(Ordering::SeqCst), 4);
    assert_eq!(setup.flaky_left.load(Ordering::SeqCst), 0);
    client.close();
    stop(setup).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_bootnode_is_a_clear_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let network = Network::devnet_at(format!("http://127.0.0.1:{port}"), "http://127.0.0.1:1");
    let driver = GrpcDriver::without_payer(&network.bootnode, network.tls.clone()).unwrap();
    let error = VmClient::builder(driver, user())
        .retry(RetryPolicy::no_retries())
        .build()
        .await
        .unwrap_err();
    let text = error.to_string();
    assert!(
        text.contains("bootnode") && text.contains("unreachable"),
        "{text}"
    );
}
