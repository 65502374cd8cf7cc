//! `pool_status`: the leader's preprocessing pool (paid).
//!
//! # Repeated requests
//!
//! The leader burns the receipt on first sight and answers a repeat with "nonce already
//! used"; the call waits for the processed attempt's reply until its deadline, then fails
//! with [`OperationError::ReplyLost`] naming the leader
//! (the status was lost with the reply).

use alloc::vec::Vec;

use nilvm_proto::nillion::leader_queries::v1::pool_status::{
    PoolStatusRequest, PoolStatusResponse,
};
use nilvm_proto::nillion::payments::v1::quote::PriceQuoteRequest;
use nilvm_proto::nillion::payments::v1::receipt::SignedReceipt;

use crate::identity::NodeId;
use crate::payments::quote_request;
use crate::rpc::{Method, Reply, Request};
use crate::time::Timestamp;

use super::fanout::NodeCall;
use super::{OperationContext, OperationError, Paid, PaidCall, Target};

/// The available preprocessing elements, and whether generation is running.
pub type PoolStatus = PoolStatusResponse;

/// Asks the leader for its pool status.
#[derive(Debug)]
pub struct PoolStatusCall {
    leader: NodeId,
    receipt: Option<SignedReceipt>,
}

impl PoolStatusCall {
    /// Prepares asking the leader.
    pub fn new(context: &OperationContext) -> Self {
        Self {
            leader: context.leader.clone(),
            receipt: None,
        }
    }
}

/// Starts asking for the pool status: quote, payment, receipt, then the leader.
pub fn pool_status(now: Timestamp, context: &OperationContext) -> Paid<PoolStatusCall> {
    Paid::start(now, context, PoolStatusCall::new(context))
}

impl PaidCall for PoolStatusCall {
    fn quote_request(&self) -> PriceQuoteRequest {
        quote_request::pool_status()
    }

    fn set_receipt(&mut self, receipt: SignedReceipt) {
        self.receipt = Some(receipt);
    }
}

impl NodeCall for PoolStatusCall {
    type NodeReply = PoolStatus;
    type Output = PoolStatus;

    fn requests(&mut self) -> Vec<(Target, Request)> {
        let request = PoolStatusRequest {
            signed_receipt: self.receipt.clone(),
        };
        alloc::vec![(
            Target::Node(self.leader.clone()),
            Request::PoolStatus(request)
        )]
    }

    fn parse(&mut self, node: &Target, reply: Reply) -> Result<Option<PoolStatus>, OperationError> {
        match reply {
            Reply::PoolStatus(status) => Ok(Some(status)),
            other => Err(OperationError::unexpected_reply(
                node,
                Method::PoolStatus,
                other.method(),
            )),
        }
    }

    fn finish(self, mut replies: Vec<(Target, PoolStatus)>) -> Result<PoolStatus, OperationError> {
        replies
            .pop()
            .map(|(_, status)| status)
            .ok_or(OperationError::ApiMisuse("the leader did not reply"))
    }
}
