//! `update_permissions`: grant and revoke permissions of stored values (paid; owner only).
//!
//! # Repeated requests
//!
//! Each member burns the receipt when it first sees it, before any other check, and answers
//! every later request carrying it with FAILED_PRECONDITION "nonce already used". A retry
//! after a lost reply, or a copy of the request, therefore gets that answer. The calls first
//! wait, until the attempt's deadline, for the reply of the attempt the member processed
//! (a successful reply to any attempt of the same request settles the call). If none comes,
//! nothing can be concluded (the lost attempt may have been refused after burning the
//! receipt): the operation fails with
//! [`OperationError::ReplyLost`] naming the member. The
//! same delta can be sent again with a new receipt: grants and revocations are idempotent.

use alloc::vec::Vec;

use nilvm_proto::nillion::payments::v1::quote::PriceQuoteRequest;
use nilvm_proto::nillion::payments::v1::receipt::SignedReceipt;
use uuid::Uuid;

use crate::payments::quote_request;
use crate::permissions::PermissionsDelta;
use crate::rpc::{Method, Reply, Request};
use crate::time::Timestamp;

use super::fanout::NodeCall;
use super::{OperationContext, OperationError, Paid, PaidCall, Target};

/// Grants and revokes permissions of one set of values on every member.
#[derive(Debug)]
pub struct UpdatePermissionsCall {
    members: Vec<Target>,
    values_id: Uuid,
    delta: PermissionsDelta,
    receipt: Option<SignedReceipt>,
}

impl UpdatePermissionsCall {
    /// Prepares applying `delta` to the permissions of `values_id`.
    pub fn new(context: &OperationContext, values_id: Uuid, delta: PermissionsDelta) -> Self {
        Self {
            members: context.member_targets(),
            values_id,
            delta,
            receipt: None,
        }
    }
}

/// Starts updating permissions: quote, payment, receipt, then every member.
pub fn update_permissions(
    now: Timestamp,
    context: &OperationContext,
    values_id: Uuid,
    delta: PermissionsDelta,
) -> Paid<UpdatePermissionsCall> {
    Paid::start(
        now,
        context,
        UpdatePermissionsCall::new(context, values_id, delta),
    )
}

impl PaidCall for UpdatePermissionsCall {
    fn quote_request(&self) -> PriceQuoteRequest {
        quote_request::update_permissions(self.values_id)
    }

    fn set_receipt(&mut self, receipt: SignedReceipt) {
        self.receipt = Some(receipt);
    }
}

impl NodeCall for UpdatePermissionsCall {
    type NodeReply = ();
    type Output = ();

    fn requests(&mut self) -> Vec<(Target, Request)> {
        // All four commands are sent, possibly empty, as both official clients do.
        let request = self
            .delta
            .to_request(self.receipt.clone().unwrap_or_default());
        self.members
            .iter()
            .cloned()
            .map(|member| (member, Request::UpdatePermissions(request.clone())))
            .collect()
    }

    fn parse(&mut self, node: &Target, reply: Reply) -> Result<Option<()>, OperationError> {
        match reply {
            Reply::UpdatePermissions(()) => Ok(Some(())),
            other => Err(OperationError::unexpected_reply(
                node,
                Method::UpdatePermissions,
                other.method(),
            )),
        }
    }

    fn finish(self, _replies: Vec<(Target, ())>) -> Result<(), OperationError> {
        Ok(())
    }
}
