//! `retrieve_permissions`: who may do what with stored values (paid; needs `retrieve`).
//!
//! # Repeated requests
//!
//! Each member burns the receipt when it first sees it, before any other check, and answers
//! every later request carrying it with FAILED_PRECONDITION "nonce already used". A retry
//! after a lost reply, or a copy of the request, therefore gets that answer. The calls first
//! wait, until the attempt's deadline, for the reply of the attempt the member processed
//! (a successful reply to any attempt of the same request settles the call). If none comes,
//! the permissions were lost with the reply: the operation fails with
//! [`OperationError::ReplyLost`] naming the member.

use alloc::vec::Vec;

use nilvm_proto::nillion::payments::v1::quote::PriceQuoteRequest;
use nilvm_proto::nillion::payments::v1::receipt::SignedReceipt;
use nilvm_proto::nillion::permissions::v1::retrieve::RetrievePermissionsRequest;
use uuid::Uuid;

use crate::payments::quote_request;
use crate::permissions::Permissions;
use crate::rpc::{Method, Reply, Request};
use crate::time::Timestamp;

use super::fanout::{NodeCall, all_equal};
use super::{Misbehaviour, OperationContext, OperationError, Paid, PaidCall, Target};

/// Retrieves the permissions of one set of values from every member.
#[derive(Debug)]
pub struct RetrievePermissionsCall {
    members: Vec<Target>,
    values_id: Uuid,
    receipt: Option<SignedReceipt>,
}

impl RetrievePermissionsCall {
    /// Prepares retrieving the permissions of `values_id`.
    pub fn new(context: &OperationContext, values_id: Uuid) -> Self {
        Self {
            members: context.member_targets(),
            values_id,
            receipt: None,
        }
    }
}

/// Starts retrieving permissions: quote, payment, receipt, then every member.
pub fn retrieve_permissions(
    now: Timestamp,
    context: &OperationContext,
    values_id: Uuid,
) -> Paid<RetrievePermissionsCall> {
    Paid::start(
        now,
        context,
        RetrievePermissionsCall::new(context, values_id),
    )
}

impl PaidCall for RetrievePermissionsCall {
    fn quote_request(&self) -> PriceQuoteRequest {
        quote_request::retrieve_permissions(self.values_id)
    }

    fn set_receipt(&mut self, receipt: SignedReceipt) {
        self.receipt = Some(receipt);
    }
}

impl NodeCall for RetrievePermissionsCall {
    type NodeReply = Permissions;
    type Output = Permissions;

    fn requests(&mut self) -> Vec<(Target, Request)> {
        let request = RetrievePermissionsRequest {
            signed_receipt: self.receipt.clone(),
        };
        self.members
            .iter()
            .cloned()
            .map(|member| (member, Request::RetrievePermissions(request.clone())))
            .collect()
    }

    fn parse(
        &mut self,
        node: &Target,
        reply: Reply,
    ) -> Result<Option<Permissions>, OperationError> {
        match reply {
            Reply::RetrievePermissions(permissions) => Permissions::from_proto(&permissions)
                .map(Some)
                .map_err(|e| {
                    OperationError::misbehaving(node, Misbehaviour::InvalidPermissions(e))
                }),
            other => Err(OperationError::unexpected_reply(
                node,
                Method::RetrievePermissions,
                other.method(),
            )),
        }
    }

    fn finish(self, replies: Vec<(Target, Permissions)>) -> Result<Permissions, OperationError> {
        // Permissions hold sets, so members listing users in another order still agree.
        all_equal("permissions", &replies)?;
        replies
            .into_iter()
            .next()
            .map(|(_, p)| p)
            .ok_or(OperationError::ApiMisuse("no member replied"))
    }
}
