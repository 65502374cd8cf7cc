//! `store_program`: upload a compiled Nada program to every member (paid).
//!
//! The quote carries the program's metadata, its SHA-256 and its name; the nodes check the
//! bytes against the hash in the receipt. Every member must answer with the same program id.
//!
//! # Repeated requests
//!
//! Each member burns the receipt when it first sees it, before any other check, and answers
//! every later request carrying it with FAILED_PRECONDITION "nonce already used". A retry
//! after a lost reply, or a copy of the request, therefore gets that answer. The calls first
//! wait, until the attempt's deadline, for the reply of the attempt the member processed
//! (a successful reply to any attempt of the same request settles the call). If none comes,
//! nothing can be concluded (the lost attempt may have failed the program checks after
//! burning the receipt): the operation fails with
//! [`OperationError::ReplyLost`] naming the member. Storing
//! the same program again is safe: its id depends only on the user, name and hash.

use alloc::vec::Vec;

use nilvm_proto::nillion::payments::v1::quote::{
    PriceQuoteRequest, StoreProgram as Quote, price_quote_request,
};
use nilvm_proto::nillion::payments::v1::receipt::SignedReceipt;
use nilvm_proto::nillion::programs::v1::store::StoreProgramRequest;

use crate::program::{ProgramId, ProgramName, store_program_quote};
use crate::rpc::{Method, Reply, Request};
use crate::time::Timestamp;

use super::fanout::{NodeCall, all_equal};
use super::{Misbehaviour, OperationContext, OperationError, Paid, PaidCall, Target};

/// Stores one program on every member.
#[derive(Debug)]
pub struct StoreProgramCall {
    members: Vec<Target>,
    quote: Quote,
    program: Vec<u8>,
    receipt: Option<SignedReceipt>,
}

impl StoreProgramCall {
    /// Prepares storing `program` under `name`: computes its metadata for the quote and
    /// refuses, before anything is paid, bytes the nodes would refuse after payment.
    pub fn new(
        context: &OperationContext,
        name: &ProgramName,
        program: Vec<u8>,
    ) -> Result<Self, OperationError> {
        let quote = store_program_quote(name, &program).map_err(|e| {
            OperationError::InvalidInput(alloc::format!("cannot store program {name}: {e}"))
        })?;
        Ok(Self::with_quote(context, quote, program))
    }

    /// Prepares storing `program` with quote parameters computed elsewhere.
    pub fn with_quote(context: &OperationContext, quote: Quote, program: Vec<u8>) -> Self {
        Self {
            members: context.member_targets(),
            quote,
            program,
            receipt: None,
        }
    }
}

/// Starts storing a program: quote, payment, receipt, then every member. Returns its id.
pub fn store_program(
    now: Timestamp,
    context: &OperationContext,
    name: &ProgramName,
    program: Vec<u8>,
) -> Result<Paid<StoreProgramCall>, OperationError> {
    Ok(Paid::start(
        now,
        context,
        StoreProgramCall::new(context, name, program)?,
    ))
}

impl PaidCall for StoreProgramCall {
    fn quote_request(&self) -> PriceQuoteRequest {
        PriceQuoteRequest {
            operation: Some(price_quote_request::Operation::StoreProgram(
                self.quote.clone(),
            )),
        }
    }

    fn set_receipt(&mut self, receipt: SignedReceipt) {
        self.receipt = Some(receipt);
    }
}

impl NodeCall for StoreProgramCall {
    type NodeReply = ProgramId;
    type Output = ProgramId;

    fn requests(&mut self) -> Vec<(Target, Request)> {
        let request = StoreProgramRequest {
            program: core::mem::take(&mut self.program),
            signed_receipt: self.receipt.clone(),
        };
        self.members
            .iter()
            .cloned()
            .map(|member| (member, Request::StoreProgram(request.clone())))
            .collect()
    }

    fn parse(&mut self, node: &Target, reply: Reply) -> Result<Option<ProgramId>, OperationError> {
        match reply {
            Reply::StoreProgram(reply) if !reply.program_id.is_empty() => {
                reply.program_id.parse().map(Some).map_err(|e| {
                    OperationError::misbehaving(node, Misbehaviour::InvalidProgramId(e))
                })
            }
            Reply::StoreProgram(_) => Err(OperationError::misbehaving(
                node,
                Misbehaviour::EmptyProgramId,
            )),
            other => Err(OperationError::unexpected_reply(
                node,
                Method::StoreProgram,
                other.method(),
            )),
        }
    }

    fn finish(self, replies: Vec<(Target, ProgramId)>) -> Result<ProgramId, OperationError> {
        all_equal("program id", &replies)?;
        replies
            .into_iter()
            .next()
            .map(|(_, id)| id)
            .ok_or(OperationError::ApiMisuse("no member replied"))
    }
}
