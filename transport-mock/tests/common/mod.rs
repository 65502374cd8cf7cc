//! Helpers shared by the cluster-level tests: the unary answer of a request, and a receipt
//! paid from a balance.
#![allow(dead_code, clippy::panic)]

use nilvm_core::identity::UserId;
use nilvm_core::rpc::{Reply, Request, Status};
use nilvm_core::time::Timestamp;
use nilvm_proto::nillion::payments::v1::quote::PriceQuoteRequest;
use nilvm_proto::nillion::payments::v1::receipt::{PaymentReceiptRequest, SignedReceipt};
use nilvm_transport_mock::{Cluster, Response};

/// The tests' clock.
pub const NOW: Timestamp = Timestamp::from_unix_seconds(1_735_689_600);

/// A unary reply (a results stream is a test failure).
pub fn unary(response: Result<Response, Status>) -> Result<Reply, Status> {
    match response? {
        Response::Unary(reply) => Ok(reply),
        Response::Results(_) => panic!("unexpected stream"),
    }
}

/// A receipt for `request`, paid from `user`'s balance (set high enough first).
pub fn paid_receipt(
    cluster: &mut Cluster,
    user: UserId,
    request: PriceQuoteRequest,
) -> SignedReceipt {
    let leader = cluster.index_of(cluster.leader_id()).expect("leader");
    cluster.leader_mut().set_balance(NOW, user, 10_000);
    let Ok(Reply::PriceQuote(quote)) =
        unary(cluster.handle_as(leader, NOW, None, Request::PriceQuote(request)))
    else {
        panic!("quote")
    };
    let request = PaymentReceiptRequest {
        signed_quote: Some(quote),
        tx_hash: String::new(),
    };
    match unary(cluster.handle_as(leader, NOW, Some(user), Request::PaymentReceipt(request))) {
        Ok(Reply::PaymentReceipt(receipt)) => receipt,
        other => panic!("receipt: {other:?}"),
    }
}
