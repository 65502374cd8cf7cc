//! `request_quote`: ask the leader what an operation costs, and check what it signed.
//!
//! The official clients trust the quote blindly; we check that the leader signed it, that it
//! quotes exactly what we asked, that it has not expired, and (optionally) that it costs no
//! more than the caller allows ([`validate_quote`]).
//!
//! # Repeated requests
//!
//! A quote request changes nothing on the leader (each answer is a new quote with a new
//! nonce), so retries are safe; a late quote reply is dropped by its request id.

use alloc::vec::Vec;

use nilvm_proto::nillion::payments::v1::quote::PriceQuoteRequest;

use crate::identity::{NodeId, SharedVerifier};
use crate::payments::quote::{MaxFee, Quote, validate_quote};
use crate::rpc::{Method, Reply, Request};
use crate::time::Timestamp;

use super::fanout::{Free, NodeCall};
use super::{OperationError, PaymentFailure, RetryPolicy, Target};

/// A quote request, checking the reply.
#[derive(Debug)]
pub struct RequestQuoteCall {
    leader: NodeId,
    leader_key: SharedVerifier,
    request: PriceQuoteRequest,
    max_fee: Option<MaxFee>,
    now: Timestamp,
}

/// Asks the leader for a quote for `request`.
pub fn request_quote(
    now: Timestamp,
    leader: &NodeId,
    leader_key: impl Into<SharedVerifier>,
    request: PriceQuoteRequest,
    max_fee: Option<MaxFee>,
    policy: RetryPolicy,
) -> Free<RequestQuoteCall> {
    let call = RequestQuoteCall {
        leader: leader.clone(),
        leader_key: leader_key.into(),
        request,
        max_fee,
        now,
    };
    Free::start(now, call, policy)
}

impl NodeCall for RequestQuoteCall {
    type NodeReply = Quote;
    type Output = Quote;

    fn requests(&mut self) -> Vec<(Target, Request)> {
        alloc::vec![(
            Target::Node(self.leader.clone()),
            Request::PriceQuote(self.request.clone())
        )]
    }

    fn parse(&mut self, node: &Target, reply: Reply) -> Result<Option<Quote>, OperationError> {
        let Reply::PriceQuote(signed) = reply else {
            return Err(OperationError::unexpected_reply(
                node,
                Method::PriceQuote,
                reply.method(),
            ));
        };
        validate_quote(
            &signed,
            &self.leader_key,
            &self.request,
            self.now,
            self.max_fee.as_ref(),
        )
        .map(Some)
        .map_err(|error| {
            OperationError::Payment(PaymentFailure::Quote {
                node: node.clone(),
                error,
            })
        })
    }

    fn finish(self, mut replies: Vec<(Target, Quote)>) -> Result<Quote, OperationError> {
        replies
            .pop()
            .map(|(_, quote)| quote)
            .ok_or(OperationError::ApiMisuse("no quote"))
    }
}
