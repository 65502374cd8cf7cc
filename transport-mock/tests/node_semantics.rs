//! Node, leader and auth semantics, request by request (docs/wire-protocol.md §2, §5, §6).
#![allow(clippy::panic)] // test helpers fail by panicking

use nilvm_core::auth::create_token;
use nilvm_core::identity::{UserId, UserKey};
use nilvm_core::payments::quote_request;
use nilvm_core::permissions::Permissions;
use nilvm_core::rpc::{Code, Reply, Request, Status};
use nilvm_core::time::Duration;
use nilvm_proto::Message;
use nilvm_proto::nillion::compute::v1::retrieve::{
    RetrieveResultsRequest, retrieve_results_response::State,
};
use nilvm_proto::nillion::payments::v1::quote::{PriceQuoteRequest, price_quote_request};
use nilvm_proto::nillion::payments::v1::receipt::{PaymentReceiptRequest, SignedReceipt};
use nilvm_proto::nillion::values::v1::retrieve::RetrieveValuesRequest;
use nilvm_proto::nillion::values::v1::store::StoreValuesRequest;
use nilvm_proto::nillion::values::v1::value::{NamedValue, PublicInteger, Value, value};
use nilvm_transport_mock::{Cluster, ClusterConfig, Response};
use uuid::Uuid;

mod common;

use common::{NOW, unary};

fn cluster() -> Cluster {
    Cluster::new(ClusterConfig::default(), 1).expect("cluster")
}

fn user() -> UserId {
    UserKey::from_bytes(&[7; 32]).expect("key").user_id()
}

fn leader_index(cluster: &Cluster) -> usize {
    cluster.index_of(cluster.leader_id()).expect("leader")
}

/// A receipt for `request`, paid from a balance.
fn receipt(cluster: &mut Cluster, request: PriceQuoteRequest) -> SignedReceipt {
    common::paid_receipt(cluster, user(), request)
}

/// A receipt for storing one small value for a day ([`store_request`]).
fn store_receipt(cluster: &mut Cluster) -> SignedReceipt {
    receipt(
        cluster,
        quote_request::store_values(&Default::default(), 8, Some(1)),
    )
}

fn public_value(name: &str, v: u8) -> NamedValue {
    NamedValue {
        name: name.into(),
        value: Some(Value {
            value: Some(value::Value::PublicInteger(PublicInteger {
                value: {
                    let mut bytes = vec![0; 32];
                    bytes[0] = v;
                    bytes
                },
            })),
        }),
    }
}

fn store_request(receipt: SignedReceipt) -> Request {
    Request::StoreValues(StoreValuesRequest {
        signed_receipt: Some(receipt),
        permissions: Some(Permissions::defaults_for_user(user()).to_proto()),
        update_identifier: Vec::new(),
        values: vec![public_value("a", 1)],
    })
}

fn error(response: Result<Response, Status>) -> (Code, String) {
    let status = unary(response).expect_err("an error");
    (status.code, status.message)
}

#[test]
fn receipts_are_burned_per_node_before_any_other_check() {
    let mut cluster = cluster();
    let signed = store_receipt(&mut cluster);
    // Wrong operation on node 0: refused, and burned there.
    let retrieve = Request::RetrieveValues(RetrieveValuesRequest {
        signed_receipt: Some(signed.clone()),
    });
    assert_eq!(
        error(cluster.handle_as(0, NOW, Some(user()), retrieve)),
        (
            Code::InvalidArgument,
            "receipt is not for a 'retrieve values' operation".into()
        )
    );
    assert_eq!(
        error(cluster.handle_as(0, NOW, Some(user()), store_request(signed.clone()))),
        (Code::FailedPrecondition, "nonce already used".into())
    );
    // Every other node accepts it once, with the same values id.
    let mut ids = Vec::new();
    for node in 1..3 {
        match unary(cluster.handle_as(node, NOW, Some(user()), store_request(signed.clone()))) {
            Ok(Reply::StoreValues(r)) => ids.push(r.values_id),
            other => panic!("store on {node}: {other:?}"),
        }
        assert_eq!(
            error(cluster.handle_as(node, NOW, Some(user()), store_request(signed.clone()))),
            (Code::FailedPrecondition, "nonce already used".into())
        );
    }
    assert_eq!(ids[0], ids[1]);
}

#[test]
fn ttl_zero_is_expired_at_once_and_unknown_ids_are_not_found() {
    let mut cluster = cluster();
    let signed = receipt(
        &mut cluster,
        quote_request::store_values(&Default::default(), 8, Some(0)),
    );
    let Ok(Reply::StoreValues(stored)) =
        unary(cluster.handle_as(0, NOW, Some(user()), store_request(signed)))
    else {
        panic!("store")
    };
    let id = Uuid::from_slice(&stored.values_id).expect("uuid");
    let signed = receipt(&mut cluster, quote_request::retrieve_values(id));
    let retrieve = Request::RetrieveValues(RetrieveValuesRequest {
        signed_receipt: Some(signed),
    });
    assert_eq!(
        error(cluster.handle_as(0, NOW, Some(user()), retrieve)),
        (Code::NotFound, "entity expired".into())
    );
    let signed = receipt(
        &mut cluster,
        quote_request::retrieve_values(Uuid::from_bytes([9; 16])),
    );
    let retrieve = Request::RetrieveValues(RetrieveValuesRequest {
        signed_receipt: Some(signed),
    });
    assert_eq!(
        error(cluster.handle_as(0, NOW, Some(user()), retrieve)),
        (Code::NotFound, "value not found".into())
    );
}

#[test]
fn data_rpcs_need_a_user_and_payments_need_the_leader() {
    let mut cluster = cluster();
    let signed = receipt(
        &mut cluster,
        quote_request::store_values(&Default::default(), 8, None),
    );
    assert_eq!(
        error(cluster.handle_as(0, NOW, None, store_request(signed))),
        (Code::PermissionDenied, "permissions denied".into())
    );
    let other = (leader_index(&cluster) + 1) % 3;
    let quote = Request::PriceQuote(quote_request::pool_status());
    assert_eq!(
        error(cluster.handle_as(other, NOW, None, quote)).0,
        Code::Unimplemented
    );
}

#[test]
fn empty_balance_gives_the_fallback_signal() {
    let cluster = cluster();
    let leader = leader_index(&cluster);
    let Ok(Reply::PriceQuote(quote)) = unary(cluster.handle_as(
        leader,
        NOW,
        None,
        Request::PriceQuote(PriceQuoteRequest {
            operation: Some(price_quote_request::Operation::PoolStatus(())),
        }),
    )) else {
        panic!("quote")
    };
    let request = PaymentReceiptRequest {
        signed_quote: Some(quote),
        tx_hash: String::new(),
    };
    let status =
        unary(cluster.handle_as(leader, NOW, Some(user()), Request::PaymentReceipt(request)))
            .expect_err("no funds");
    assert_eq!(status.message, "not enough funds");
    assert!(status.is_insufficient_balance());
}

#[test]
fn tokens_are_verified_per_node() {
    let cluster = cluster();
    let key = UserKey::from_bytes(&[7; 32]).expect("key");
    let ids = cluster.node_ids();
    let expires = NOW.saturating_add(Duration::from_secs(60));
    let token = create_token(&key, &ids[0], [1; 32], expires)
        .expect("token")
        .encode_to_vec();
    let version = || Request::NodeVersion(());
    assert!(
        cluster
            .handle(NOW, &ids[0], Some(&token), version())
            .is_ok()
    );
    let status = unary(cluster.handle(NOW, &ids[1], Some(&token), version())).expect_err("target");
    assert_eq!(
        (status.code, status.message.as_str()),
        (Code::Unauthenticated, "invalid token target identity")
    );
    let late = expires.saturating_add(Duration::from_secs(1));
    let status = unary(cluster.handle(late, &ids[0], Some(&token), version())).expect_err("late");
    assert_eq!(status.message, "token is expired");
    let status =
        unary(cluster.handle(NOW, &ids[0], Some(&[0xff, 0xff]), version())).expect_err("junk");
    assert_eq!(status.code, Code::Unauthenticated);
}

#[test]
fn results_streams_start_waiting_then_report_unknown_ids() {
    let cluster = cluster();
    let request = Request::RetrieveResults(RetrieveResultsRequest {
        compute_id: vec![5; 16],
    });
    let Ok(Response::Results(mut stream)) = cluster.handle_as(0, NOW, Some(user()), request) else {
        panic!("a stream")
    };
    let poll = cluster.poll_results(NOW, &mut stream);
    assert!(matches!(
        poll.messages.as_slice(),
        [Reply::RetrieveResults(r)] if r.state == Some(State::WaitingComputation(()))
    ));
    let end = poll.end.expect("ended").expect_err("not found");
    assert_eq!(
        (end.code, end.message.as_str()),
        (Code::NotFound, "not found")
    );
    let bad = Request::RetrieveResults(RetrieveResultsRequest {
        compute_id: vec![1],
    });
    let Err(status) = cluster.handle_as(0, NOW, Some(user()), bad) else {
        panic!("refused before the stream")
    };
    assert_eq!(
        (status.code, status.message.as_str()),
        (Code::Internal, "invalid uuid")
    );
}

#[test]
fn altered_signatures_are_refused_everywhere_after_the_genuine_ones_were_checked() {
    let mut cluster = cluster();
    let signed = store_receipt(&mut cluster);
    // The genuine receipt is remembered by the cluster's memo once a node checked it.
    assert!(unary(cluster.handle_as(0, NOW, Some(user()), store_request(signed.clone()))).is_ok());
    let mut forged = signed.clone();
    forged.signature[5] ^= 1;
    let mut altered = signed;
    altered.receipt.push(0);
    for node in 0..3 {
        for bad in [&forged, &altered] {
            let (code, message) =
                error(cluster.handle_as(node, NOW, Some(user()), store_request(bad.clone())));
            assert_eq!(
                (code, message.as_str()),
                (Code::InvalidArgument, "invalid signature")
            );
        }
    }
    let key = UserKey::from_bytes(&[7; 32]).expect("key");
    let expires = NOW.saturating_add(Duration::from_secs(60));
    for id in cluster.node_ids() {
        let mut token = create_token(&key, &id, [1; 32], expires).expect("token");
        let genuine = token.encode_to_vec();
        assert!(
            cluster
                .handle(NOW, &id, Some(&genuine), Request::NodeVersion(()))
                .is_ok()
        );
        token.signature[7] ^= 1;
        let status = unary(cluster.handle(
            NOW,
            &id,
            Some(&token.encode_to_vec()),
            Request::NodeVersion(()),
        ))
        .expect_err("a forged token");
        assert_eq!(
            (status.code, status.message.as_str()),
            (Code::Unauthenticated, "invalid signature")
        );
    }
}
