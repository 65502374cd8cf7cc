//! `overwrite_permissions`: replace the permissions of stored values (paid; owner only).
//!
//! # Repeated requests
//!
//! Each member burns the receipt when it first sees it, before any other check, and answers
//! every later request carrying it with FAILED_PRECONDITION "nonce already used". A retry
//! after a lost reply, or a copy of the request, therefore gets that answer. The calls first
//! wait, until the attempt's deadline, for the reply of the attempt the member processed
//! (a successful reply to any attempt of the same request settles the call). If none comes,
//! nothing can be concluded (the lost attempt may have been refused after burning the
//! receipt, e.g. for a caller that is not the owner): the operation fails with
//! [`OperationError::ReplyLost`] naming the member. Sending
//! the same permissions again (with a new receipt) is safe: overwriting is idempotent.

use alloc::vec::Vec;

use nilvm_proto::nillion::payments::v1::quote::PriceQuoteRequest;
use nilvm_proto::nillion::payments::v1::receipt::SignedReceipt;
use nilvm_proto::nillion::permissions::v1::overwrite::OverwritePermissionsRequest;
use nilvm_proto::nillion::permissions::v1::permissions::Permissions as ProtoPermissions;
use uuid::Uuid;

use crate::payments::quote_request;
use crate::permissions::Permissions;
use crate::rpc::{Method, Reply, Request};
use crate::time::Timestamp;

use super::fanout::NodeCall;
use super::{OperationContext, OperationError, Paid, PaidCall, Target};

/// Replaces the permissions of one set of values on every member.
#[derive(Debug)]
pub struct OverwritePermissionsCall {
    members: Vec<Target>,
    values_id: Uuid,
    permissions: ProtoPermissions,
    receipt: Option<SignedReceipt>,
}

impl OverwritePermissionsCall {
    /// Prepares replacing the permissions of `values_id`.
    pub fn new(context: &OperationContext, values_id: Uuid, permissions: &Permissions) -> Self {
        let members = context.member_targets();
        Self {
            members,
            values_id,
            permissions: permissions.to_proto(),
            receipt: None,
        }
    }
}

/// Starts replacing permissions: quote, payment, receipt, then every member.
pub fn overwrite_permissions(
    now: Timestamp,
    context: &OperationContext,
    values_id: Uuid,
    permissions: &Permissions,
) -> Paid<OverwritePermissionsCall> {
    Paid::start(
        now,
        context,
        OverwritePermissionsCall::new(context, values_id, permissions),
    )
}

impl PaidCall for OverwritePermissionsCall {
    fn quote_request(&self) -> PriceQuoteRequest {
        quote_request::overwrite_permissions(self.values_id)
    }

    fn set_receipt(&mut self, receipt: SignedReceipt) {
        self.receipt = Some(receipt);
    }
}

impl NodeCall for OverwritePermissionsCall {
    type NodeReply = ();
    type Output = ();

    fn requests(&mut self) -> Vec<(Target, Request)> {
        let request = OverwritePermissionsRequest {
            signed_receipt: self.receipt.clone(),
            permissions: Some(self.permissions.clone()),
        };
        self.members
            .iter()
            .cloned()
            .map(|member| (member, Request::OverwritePermissions(request.clone())))
            .collect()
    }

    fn parse(&mut self, node: &Target, reply: Reply) -> Result<Option<()>, OperationError> {
        match reply {
            Reply::OverwritePermissions(()) => Ok(Some(())),
            other => Err(OperationError::unexpected_reply(
                node,
                Method::OverwritePermissions,
                other.method(),
            )),
        }
    }

    fn finish(self, _replies: Vec<(Target, ())>) -> Result<(), OperationError> {
        Ok(())
    }
}
