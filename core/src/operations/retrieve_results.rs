//! `retrieve_compute_results`: wait for a computation and put its outputs back together
//! (free).
//!
//! Each member streams `waiting_computation` messages while the computation runs, then one
//! `success` with its shares of the caller's outputs, or one `error`.
//!
//! # Repeated requests
//!
//! Reading results carries no receipt and changes nothing on the members: a retried or
//! duplicated request is answered like the first, so retries are always safe.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use nilvm_proto::nillion::compute::v1::retrieve::{
    RetrieveResultsRequest, retrieve_results_response::State,
};
use nilvm_proto::nillion::values::v1::value::NamedValue;
use uuid::Uuid;

use crate::masking::SecretMasker;
use crate::rpc::{Method, Reply, Request};
use crate::time::Timestamp;
use crate::values::ClearValue;

use super::fanout::{Free, NodeCall};
use super::unmask::unmask_replies;
use super::{OperationContext, OperationError, Target};

/// Waits for one computation on every member.
#[derive(Debug)]
pub struct RetrieveResultsCall {
    members: Vec<Target>,
    masker: SecretMasker,
    compute_id: Uuid,
}

/// Starts waiting for the results of `compute_id`.
pub fn retrieve_results(
    now: Timestamp,
    context: &OperationContext,
    compute_id: Uuid,
) -> Free<RetrieveResultsCall> {
    let call = RetrieveResultsCall {
        members: context.member_targets(),
        masker: context.masker.clone(),
        compute_id,
    };
    Free::start(now, call, context.retry.clone())
}

impl NodeCall for RetrieveResultsCall {
    type NodeReply = Vec<NamedValue>;
    type Output = BTreeMap<String, ClearValue>;

    fn requests(&mut self) -> Vec<(Target, Request)> {
        let request = RetrieveResultsRequest {
            compute_id: self.compute_id.as_bytes().to_vec(),
        };
        self.members
            .iter()
            .cloned()
            .map(|member| (member, Request::RetrieveResults(request.clone())))
            .collect()
    }

    fn parse(
        &mut self,
        node: &Target,
        reply: Reply,
    ) -> Result<Option<Vec<NamedValue>>, OperationError> {
        let Reply::RetrieveResults(message) = reply else {
            return Err(OperationError::unexpected_reply(
                node,
                Method::RetrieveResults,
                reply.method(),
            ));
        };
        match message.state {
            // A message with nothing set is skipped, as the official clients do.
            None | Some(State::WaitingComputation(())) => Ok(None),
            Some(State::Success(result)) => Ok(Some(result.values)),
            Some(State::Error(error)) => Err(OperationError::ComputeFailed(alloc::format!(
                "{node}: {error}"
            ))),
        }
    }

    fn finish(
        self,
        replies: Vec<(Target, Vec<NamedValue>)>,
    ) -> Result<Self::Output, OperationError> {
        unmask_replies(&self.masker, replies)
    }
}
