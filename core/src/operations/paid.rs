//! The paid-operation pipeline: quote, pay (or pay from the balance), receipt, invoke.
//!
//! Each paid operation describes its quote request and its per-node calls ([`PaidCall`]);
//! [`Paid`] runs the whole pipeline. The steps are public on their own too:
//! [`request_quote`](super::request_quote::request_quote),
//! [`payment_receipt`](super::payment_receipt::payment_receipt) and [`invoke_with_receipt`].

use alloc::string::String;

use nilvm_proto::nillion::payments::v1::quote::PriceQuoteRequest;
use nilvm_proto::nillion::payments::v1::receipt::SignedReceipt;

use crate::rpc::{Reply, Status};
use crate::time::Timestamp;

use super::fanout::{Free, NodeCall};
use super::payment_receipt::{PaymentReceipt, payment_receipt_at};
use super::request_quote::{RequestQuoteCall, request_quote};
use super::{
    Operation, OperationContext, OperationReport, Output, PayerError, RequestId, UndecodableReply,
};

/// The per-node calls of a paid operation.
pub trait PaidCall: NodeCall {
    /// What to ask the leader a quote for.
    fn quote_request(&self) -> PriceQuoteRequest;

    /// The receipt the calls carry; set before `requests` is called.
    fn set_receipt(&mut self, receipt: SignedReceipt);
}

/// Runs a paid operation's calls with a receipt obtained earlier (the last split step).
pub fn invoke_with_receipt<C: PaidCall>(
    now: Timestamp,
    context: &OperationContext,
    mut call: C,
    receipt: SignedReceipt,
) -> Free<C> {
    call.set_receipt(receipt);
    Free::start(now, call, context.retry.clone())
}

enum Stage<C: PaidCall> {
    Quoting(Free<RequestQuoteCall>, C),
    Receipting(PaymentReceipt, C),
    Invoking(Free<C>),
    Done,
}

/// A paid operation from quote to result.
///
/// Request ids are unique for the operation's whole life: each stage starts where the
/// previous one stopped, so a late or duplicated reply of an earlier stage matches nothing in
/// flight and is dropped (and counted in [`Operation::report`]) instead of settling a later
/// stage's call.
pub struct Paid<C: PaidCall> {
    context: OperationContext,
    stage: Stage<C>,
    now: Timestamp,
    /// What the finished stages saw.
    earlier: OperationReport,
    /// A payment was asked for and its outcome has not come back yet.
    paying: bool,
}

impl<C: PaidCall> core::fmt::Debug for Paid<C> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let stage = match &self.stage {
            Stage::Quoting(..) => "quoting",
            Stage::Receipting(..) => "receipting",
            Stage::Invoking(..) => "invoking",
            Stage::Done => "done",
        };
        f.debug_struct("Paid")
            .field("stage", &stage)
            .finish_non_exhaustive()
    }
}

impl<C: PaidCall> Paid<C> {
    /// Starts the pipeline for `call`.
    pub fn start(now: Timestamp, context: &OperationContext, call: C) -> Self {
        let quote = request_quote(
            now,
            &context.leader,
            context.leader_verifier(),
            call.quote_request(),
            context.max_fee,
            context.retry.clone(),
        );
        Self {
            context: context.clone(),
            stage: Stage::Quoting(quote, call),
            now,
            earlier: OperationReport::default(),
            paying: false,
        }
    }

    fn stage_report(&self) -> OperationReport {
        match &self.stage {
            Stage::Quoting(op, _) => op.report(),
            Stage::Receipting(op, _) => op.report(),
            Stage::Invoking(op) => op.report(),
            Stage::Done => OperationReport::default(),
        }
    }
}

impl<C: PaidCall> Operation for Paid<C> {
    type Output = C::Output;

    fn handle_reply(&mut self, now: Timestamp, id: RequestId, reply: Result<Reply, Status>) {
        self.now = now;
        match &mut self.stage {
            Stage::Quoting(op, _) => op.handle_reply(now, id, reply),
            Stage::Receipting(op, _) => op.handle_reply(now, id, reply),
            Stage::Invoking(op) => op.handle_reply(now, id, reply),
            Stage::Done => self.earlier.stray_replies += 1,
        }
    }

    fn handle_undecodable(&mut self, now: Timestamp, id: RequestId, error: UndecodableReply) {
        self.now = now;
        match &mut self.stage {
            Stage::Quoting(op, _) => op.handle_undecodable(now, id, error),
            Stage::Receipting(op, _) => op.handle_undecodable(now, id, error),
            Stage::Invoking(op) => op.handle_undecodable(now, id, error),
            Stage::Done => self.earlier.stray_replies += 1,
        }
    }

    fn handle_stream_end(&mut self, now: Timestamp, id: RequestId) {
        self.now = now;
        match &mut self.stage {
            Stage::Invoking(op) => op.handle_stream_end(now, id),
            // No quote or receipt request is a stream.
            _ => self.earlier.stray_replies += 1,
        }
    }

    fn handle_payment(&mut self, now: Timestamp, result: Result<String, PayerError>) {
        self.now = now;
        if core::mem::take(&mut self.paying) && !matches!(self.stage, Stage::Receipting(..)) {
            // The receipt came from a copy of the balance request while the chain payment was
            // under way (see `payment_receipt`): the outcome is no longer needed.
            return;
        }
        match &mut self.stage {
            Stage::Receipting(op, _) => op.handle_payment(now, result),
            Stage::Quoting(op, _) => op.handle_payment(now, result),
            Stage::Invoking(op) => op.handle_payment(now, result),
            Stage::Done => {}
        }
    }

    fn handle_timeout(&mut self, now: Timestamp) {
        self.now = now;
        match &mut self.stage {
            Stage::Quoting(op, _) => op.handle_timeout(now),
            Stage::Receipting(op, _) => op.handle_timeout(now),
            Stage::Invoking(op) => op.handle_timeout(now),
            Stage::Done => {}
        }
    }

    fn poll_output(&mut self) -> Option<Output<C::Output>> {
        loop {
            let now = self.now;
            let stage = core::mem::replace(&mut self.stage, Stage::Done);
            let (next, output) = match stage {
                Stage::Quoting(mut op, call) => match op.poll_output() {
                    Some(Output::Done(Ok(quote))) => {
                        self.earlier = self.earlier.merged(op.report());
                        let ctx = &self.context;
                        let receipt = payment_receipt_at(
                            now,
                            &ctx.leader,
                            ctx.leader_verifier(),
                            quote,
                            ctx.payment_mode,
                            ctx.retry.clone(),
                            op.next_id(),
                        );
                        (Stage::Receipting(receipt, call), None)
                    }
                    Some(Output::Done(Err(e))) => {
                        self.earlier = self.earlier.merged(op.report());
                        (Stage::Done, Some(Output::Done(Err(e))))
                    }
                    Some(Output::Transmit(t)) => {
                        (Stage::Quoting(op, call), Some(Output::Transmit(t)))
                    }
                    Some(Output::Pay(p)) => (Stage::Quoting(op, call), Some(Output::Pay(p))),
                    None => {
                        self.stage = Stage::Quoting(op, call);
                        return None;
                    }
                },
                Stage::Receipting(mut op, call) => match op.poll_output() {
                    Some(Output::Done(Ok(receipt))) => {
                        self.earlier = self.earlier.merged(op.report());
                        let mut call = call;
                        call.set_receipt(receipt);
                        let retry = self.context.retry.clone();
                        let invoke = Free::start_at(now, call, retry, op.next_id());
                        (Stage::Invoking(invoke), None)
                    }
                    Some(Output::Done(Err(e))) => {
                        self.earlier = self.earlier.merged(op.report());
                        (Stage::Done, Some(Output::Done(Err(e))))
                    }
                    Some(Output::Transmit(t)) => {
                        (Stage::Receipting(op, call), Some(Output::Transmit(t)))
                    }
                    Some(Output::Pay(p)) => {
                        self.paying = true;
                        (Stage::Receipting(op, call), Some(Output::Pay(p)))
                    }
                    None => {
                        self.stage = Stage::Receipting(op, call);
                        return None;
                    }
                },
                Stage::Invoking(mut op) => {
                    let output = op.poll_output();
                    let next = if matches!(output, Some(Output::Done(_))) {
                        self.earlier = self.earlier.merged(op.report());
                        Stage::Done
                    } else {
                        Stage::Invoking(op)
                    };
                    self.stage = next;
                    return output;
                }
                Stage::Done => return None,
            };
            self.stage = next;
            if output.is_some() {
                return output;
            }
        }
    }

    fn poll_timeout(&self) -> Option<Timestamp> {
        match &self.stage {
            Stage::Quoting(op, _) => op.poll_timeout(),
            Stage::Receipting(op, _) => op.poll_timeout(),
            Stage::Invoking(op) => op.poll_timeout(),
            Stage::Done => None,
        }
    }

    fn report(&self) -> OperationReport {
        self.earlier.merged(self.stage_report())
    }

    fn is_awaiting(&self, id: RequestId) -> bool {
        match &self.stage {
            Stage::Quoting(op, _) => op.is_awaiting(id),
            Stage::Receipting(op, _) => op.is_awaiting(id),
            Stage::Invoking(op) => op.is_awaiting(id),
            Stage::Done => false,
        }
    }
}
