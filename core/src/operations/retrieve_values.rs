//! `retrieve_values`: fetch every member's shares and put the values back together (paid).
//!
//! # Repeated requests
//!
//! Each member burns the receipt when it first sees it, before any other check, and answers
//! every later request carrying it with FAILED_PRECONDITION "nonce already used". A retry
//! after a lost reply, or a copy of the request, therefore gets that answer. The calls first
//! wait, until the attempt's deadline, for the reply of the attempt the member processed
//! (a successful reply to any attempt of the same request settles the call). If none comes,
//! the member's shares are lost with its reply and the spent receipt cannot fetch them again:
//! the operation fails with [`OperationError::ReplyLost`]
//! naming the member (a new `retrieve_values` pays again and reads them).

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use nilvm_proto::nillion::payments::v1::quote::PriceQuoteRequest;
use nilvm_proto::nillion::payments::v1::receipt::SignedReceipt;
use nilvm_proto::nillion::values::v1::retrieve::RetrieveValuesRequest;
use nilvm_proto::nillion::values::v1::value::NamedValue;
use uuid::Uuid;

use crate::masking::SecretMasker;
use crate::payments::quote_request;
use crate::rpc::{Method, Reply, Request};
use crate::time::Timestamp;
use crate::values::ClearValue;

use super::fanout::NodeCall;
use super::unmask::unmask_replies;
use super::{OperationContext, OperationError, Paid, PaidCall, Target};

/// Retrieves one set of values from every member.
#[derive(Debug)]
pub struct RetrieveValuesCall {
    members: Vec<Target>,
    masker: SecretMasker,
    values_id: Uuid,
    receipt: Option<SignedReceipt>,
}

impl RetrieveValuesCall {
    /// Prepares retrieving `values_id`.
    pub fn new(context: &OperationContext, values_id: Uuid) -> Self {
        Self {
            members: context.member_targets(),
            masker: context.masker.clone(),
            values_id,
            receipt: None,
        }
    }
}

/// Starts retrieving values: quote, payment, receipt, then every member's shares.
pub fn retrieve_values(
    now: Timestamp,
    context: &OperationContext,
    values_id: Uuid,
) -> Paid<RetrieveValuesCall> {
    Paid::start(now, context, RetrieveValuesCall::new(context, values_id))
}

impl PaidCall for RetrieveValuesCall {
    fn quote_request(&self) -> PriceQuoteRequest {
        quote_request::retrieve_values(self.values_id)
    }

    fn set_receipt(&mut self, receipt: SignedReceipt) {
        self.receipt = Some(receipt);
    }
}

impl NodeCall for RetrieveValuesCall {
    type NodeReply = Vec<NamedValue>;
    type Output = BTreeMap<String, ClearValue>;

    fn requests(&mut self) -> Vec<(Target, Request)> {
        let request = RetrieveValuesRequest {
            signed_receipt: self.receipt.clone(),
        };
        self.members
            .iter()
            .cloned()
            .map(|member| (member, Request::RetrieveValues(request.clone())))
            .collect()
    }

    fn parse(
        &mut self,
        node: &Target,
        reply: Reply,
    ) -> Result<Option<Vec<NamedValue>>, OperationError> {
        match reply {
            Reply::RetrieveValues(reply) => Ok(Some(reply.values)),
            other => Err(OperationError::unexpected_reply(
                node,
                Method::RetrieveValues,
                other.method(),
            )),
        }
    }

    fn finish(
        self,
        replies: Vec<(Target, Vec<NamedValue>)>,
    ) -> Result<Self::Output, OperationError> {
        unmask_replies(&self.masker, replies)
    }
}
