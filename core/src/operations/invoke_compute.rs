//! `compute`: run a stored program over stored and compute-time values (paid).
//!
//! Compute-time values are masked once, at the start; each member receives its own shares,
//! the same stored value ids and the same party bindings. Every member must answer with the
//! same compute id, which is the receipt's identifier.
//!
//! # Repeated requests
//!
//! Each member burns the receipt when it first sees it, before any other check, and answers
//! every later request carrying it with FAILED_PRECONDITION "nonce already used". A retry
//! after a lost reply, or a copy of the request, therefore gets that answer. The calls first
//! wait, until the attempt's deadline, for the reply of the attempt the member processed
//! (a successful reply to any attempt of the same request settles the call). If none comes,
//! the compute id would be the receipt's identifier, but whether the member accepted the
//! computation (bindings, permissions, shares) is unknown, so the operation fails with
//! [`OperationError::ReplyLost`] naming the member rather
//! than hand out an id whose results may never come.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::string::String;
use alloc::vec::Vec;

use nilvm_proto::Message;
use nilvm_proto::nillion::compute::v1::invoke::{
    InputPartyBinding, InvokeComputeRequest, OutputPartyBinding,
};
use nilvm_proto::nillion::payments::v1::quote::PriceQuoteRequest;
use nilvm_proto::nillion::payments::v1::receipt::{Receipt, SignedReceipt};
use nilvm_proto::nillion::values::v1::value::NamedValue;
use rand_core::CryptoRng;
use uuid::Uuid;

use crate::identity::UserId;
use crate::payments::quote_request;
use crate::rpc::{Method, Reply, Request};
use crate::time::Timestamp;
use crate::values::ClearValue;

use super::fanout::{NodeCall, all_equal};
use super::shares::{MemberShares, mask_for_members};
use super::{Misbehaviour, OperationContext, OperationError, Paid, PaidCall, Target};

/// What to compute.
#[derive(Clone, Debug, Default)]
pub struct InvokeComputeInput {
    /// The stored program's id (`user/name/sha256` or a builtin such as `builtin/tecdsa_sign`).
    pub program_id: String,
    /// Stored values the program reads.
    pub value_ids: Vec<Uuid>,
    /// Which user plays each input party.
    pub input_bindings: Vec<(String, UserId)>,
    /// Which users receive each output party's results.
    pub output_bindings: Vec<(String, Vec<UserId>)>,
    /// Values given at compute time.
    pub values: BTreeMap<String, ClearValue>,
}

/// Invokes one computation on every member.
#[derive(Debug)]
pub struct InvokeComputeCall {
    members: Vec<Target>,
    program_id: String,
    values_payload_size: u64,
    request: InvokeComputeRequest,
    shares: Vec<Vec<NamedValue>>,
    receipt_id: Option<Uuid>,
}

fn no_duplicates<'a>(
    kind: &str,
    names: impl Iterator<Item = &'a String>,
) -> Result<(), OperationError> {
    let mut seen = BTreeSet::new();
    for name in names {
        if !seen.insert(name) {
            return Err(OperationError::InvalidInput(alloc::format!(
                "{kind} party '{name}' is bound twice"
            )));
        }
    }
    Ok(())
}

impl InvokeComputeCall {
    /// Masks the compute-time values for every member and prepares the quote request.
    pub fn new<R: CryptoRng + ?Sized>(
        context: &OperationContext,
        input: InvokeComputeInput,
        rng: &mut R,
    ) -> Result<Self, OperationError> {
        if input.program_id.is_empty() {
            return Err(OperationError::InvalidInput(
                "the program id is empty".into(),
            ));
        }
        no_duplicates("input", input.input_bindings.iter().map(|(party, _)| party))?;
        no_duplicates(
            "output",
            input.output_bindings.iter().map(|(party, _)| party),
        )?;
        let MemberShares {
            shares,
            payload_size,
        } = mask_for_members(context, &input.values, rng)?;
        let request = InvokeComputeRequest {
            signed_receipt: None,
            value_ids: input
                .value_ids
                .iter()
                .map(|id| id.as_bytes().to_vec())
                .collect(),
            input_bindings: input
                .input_bindings
                .into_iter()
                .map(|(party_name, user)| InputPartyBinding {
                    party_name,
                    user: Some(user.into()),
                })
                .collect(),
            output_bindings: input
                .output_bindings
                .into_iter()
                .map(|(party_name, users)| OutputPartyBinding {
                    party_name,
                    users: users.into_iter().map(Into::into).collect(),
                })
                .collect(),
            values: Vec::new(),
        };
        Ok(Self {
            members: context.member_targets(),
            program_id: input.program_id,
            values_payload_size: payload_size,
            request,
            shares,
            receipt_id: None,
        })
    }
}

/// Starts a computation: quote, payment, receipt, then every member. Returns the compute id.
pub fn invoke_compute<R: CryptoRng + ?Sized>(
    now: Timestamp,
    context: &OperationContext,
    input: InvokeComputeInput,
    rng: &mut R,
) -> Result<Paid<InvokeComputeCall>, OperationError> {
    Ok(Paid::start(
        now,
        context,
        InvokeComputeCall::new(context, input, rng)?,
    ))
}

impl PaidCall for InvokeComputeCall {
    fn quote_request(&self) -> PriceQuoteRequest {
        quote_request::invoke_compute(self.program_id.clone(), self.values_payload_size)
    }

    fn set_receipt(&mut self, receipt: SignedReceipt) {
        // The receipt was checked when it was obtained; its identifier becomes the compute id.
        self.receipt_id = Receipt::decode(receipt.receipt.as_slice())
            .ok()
            .and_then(|r| Uuid::from_slice(&r.identifier).ok());
        self.request.signed_receipt = Some(receipt);
    }
}

impl NodeCall for InvokeComputeCall {
    type NodeReply = Uuid;
    type Output = Uuid;

    fn requests(&mut self) -> Vec<(Target, Request)> {
        let shares = core::mem::take(&mut self.shares);
        self.members
            .iter()
            .cloned()
            .zip(shares)
            .map(|(member, values)| {
                let request = InvokeComputeRequest {
                    values,
                    ..self.request.clone()
                };
                (member, Request::InvokeCompute(request))
            })
            .collect()
    }

    fn parse(&mut self, node: &Target, reply: Reply) -> Result<Option<Uuid>, OperationError> {
        let Reply::InvokeCompute(reply) = reply else {
            return Err(OperationError::unexpected_reply(
                node,
                Method::InvokeCompute,
                reply.method(),
            ));
        };
        let id = Uuid::from_slice(&reply.compute_id).map_err(|_| {
            OperationError::misbehaving(
                node,
                Misbehaviour::MalformedId {
                    field: "compute_id",
                },
            )
        })?;
        if self.receipt_id.is_some_and(|receipt_id| receipt_id != id) {
            return Err(OperationError::misbehaving(
                node,
                Misbehaviour::ComputeIdNotReceipts,
            ));
        }
        Ok(Some(id))
    }

    fn finish(self, replies: Vec<(Target, Uuid)>) -> Result<Uuid, OperationError> {
        all_equal("compute id", &replies)?;
        replies
            .into_iter()
            .next()
            .map(|(_, id)| id)
            .ok_or(OperationError::ApiMisuse("no member replied"))
    }
}
