//! `payment_receipt`: turn a quote into a receipt, paying as the payment mode says.
//!
//! The decisions (when to pay on chain, falling back from the balance, checking the receipt)
//! are [`Payment`]'s; this operation carries them out: it sends the receipt requests, asks
//! the driver to pay, and reports the outcome.
//!
//! # Repeated requests
//!
//! Two copies of a balance request race: the first is paid from the balance, and the second
//! may find it too low ("not enough funds") and answer first. The operation then pays on
//! chain, but it still accepts the first copy's receipt if it arrives (it checks it against
//! the quote like any receipt); the on-chain payment, if made, is then spent for nothing.
//!
//! The leader records a quote's nonce (and debits the balance) when it issues the receipt,
//! and answers a repeat with FAILED_PRECONDITION "nonce already used". The call first waits,
//! until its deadline, for the reply of the attempt the leader processed. If none comes, the
//! quote was paid for and a receipt issued, but the receipt was lost with the reply and the
//! leader will not issue it again: the operation fails with
//! [`OperationError::ReplyLost`] naming the leader (the
//! credits or the on-chain payment are spent).

use alloc::string::String;

use nilvm_proto::nillion::payments::v1::receipt::SignedReceipt;

use crate::identity::{NodeId, SharedVerifier};
use crate::payments::mode::{Payment, PaymentAction, PaymentError, PaymentMode};
use crate::payments::quote::Quote;
use crate::payments::receipt::validate_receipt;
use crate::rpc::{Method, Reply, Request, Status};
use crate::time::Timestamp;

use super::calls::{Calls, Settled};
use super::{
    Operation, OperationError, OperationReport, Output, PayerError, PaymentFailure, PaymentRequest,
    RequestId, RetryPolicy, Target, UndecodableReply,
};

/// A receipt the leader sent that the payment could not use.
fn receipt_failure(node: Target, error: PaymentError) -> PaymentFailure {
    match error {
        PaymentError::Receipt(error) => PaymentFailure::Receipt { node, error },
        other => PaymentFailure::Mode(other),
    }
}

/// Obtains a receipt for a quote. See the [module docs](self).
#[derive(Debug)]
pub struct PaymentReceipt {
    leader: NodeId,
    leader_key: SharedVerifier,
    payment: Payment,
    calls: Calls<()>,
    /// Whether the driver owes us a payment outcome.
    paying: bool,
    /// The balance request the leader refused for want of funds. A copy of it may have been
    /// processed first (and debited the balance), so its receipt may still arrive.
    refused_from_balance: Option<RequestId>,
    /// The id of the call being settled, while `settle` runs.
    settling: Option<RequestId>,
    outbox: Option<Output<SignedReceipt>>,
    done: bool,
}

/// Starts obtaining a receipt for `quote`, paying as `mode` says.
pub fn payment_receipt(
    now: Timestamp,
    leader: &NodeId,
    leader_key: impl Into<SharedVerifier>,
    quote: Quote,
    mode: PaymentMode,
    policy: RetryPolicy,
) -> PaymentReceipt {
    payment_receipt_at(now, leader, leader_key, quote, mode, policy, RequestId(0))
}

/// Starts obtaining the receipt of a payment made outside the client: `tx_hash` paid for
/// `quote` on chain.
pub fn receipt_for_transaction(
    now: Timestamp,
    leader: &NodeId,
    leader_key: impl Into<SharedVerifier>,
    quote: Quote,
    tx_hash: String,
    policy: RetryPolicy,
) -> PaymentReceipt {
    start(
        now,
        leader,
        leader_key,
        Payment::paid_outside(quote, tx_hash),
        policy,
        RequestId(0),
    )
}

/// [`payment_receipt`] as a stage of a paid operation: request ids start at `first_id`.
pub(crate) fn payment_receipt_at(
    now: Timestamp,
    leader: &NodeId,
    leader_key: impl Into<SharedVerifier>,
    quote: Quote,
    mode: PaymentMode,
    policy: RetryPolicy,
    first_id: RequestId,
) -> PaymentReceipt {
    start(
        now,
        leader,
        leader_key,
        Payment::new(mode, quote),
        policy,
        first_id,
    )
}

fn start(
    now: Timestamp,
    leader: &NodeId,
    leader_key: impl Into<SharedVerifier>,
    payment: Payment,
    policy: RetryPolicy,
    first_id: RequestId,
) -> PaymentReceipt {
    let mut op = PaymentReceipt {
        leader: leader.clone(),
        leader_key: leader_key.into(),
        payment,
        calls: Calls::starting_at(policy, first_id),
        paying: false,
        refused_from_balance: None,
        settling: None,
        outbox: None,
        done: false,
    };
    op.next(now);
    op
}

impl PaymentReceipt {
    /// The id a later stage's first request gets.
    pub(crate) fn next_id(&self) -> RequestId {
        self.calls.next_id()
    }

    /// Carries out the payment's next action.
    fn next(&mut self, now: Timestamp) {
        match self.payment.next_action() {
            Some(PaymentAction::RequestReceipt(request)) => {
                let target = Target::Node(self.leader.clone());
                self.calls
                    .send(now, (), target, Request::PaymentReceipt(request));
            }
            Some(PaymentAction::PayOnChain {
                amount_unil,
                resource,
            }) => {
                self.paying = true;
                self.outbox = Some(Output::Pay(PaymentRequest {
                    amount_unil,
                    resource: resource.to_vec(),
                }));
            }
            None => {}
        }
    }

    /// A receipt for the balance request the leader refused: another copy of that request was
    /// processed first and paid from the balance. A valid receipt is as good as the one being
    /// paid for on chain (which, if it was already paid, is spent for nothing).
    fn late_balance_receipt(&mut self, now: Timestamp, signed: &SignedReceipt) {
        match validate_receipt(signed, &self.leader_key, self.payment.quote(), now) {
            Ok(_) => self.finish(Ok(signed.clone())),
            // Not a receipt for our quote: a stray like any other.
            Err(_) => self.calls.count_stray(),
        }
    }

    fn finish(&mut self, result: Result<SignedReceipt, OperationError>) {
        self.outbox = Some(Output::Done(result));
    }

    fn settle(&mut self, now: Timestamp, settled: Settled<()>) {
        match settled {
            Settled::Replied {
                target,
                reply: Reply::PaymentReceipt(signed),
                ..
            } => {
                let result = self
                    .payment
                    .handle_receipt(&signed, &self.leader_key, now)
                    .map(|_| signed)
                    .map_err(|e| OperationError::Payment(receipt_failure(target, e)));
                self.finish(result);
            }
            Settled::Replied { target, reply, .. } => {
                self.finish(Err(OperationError::unexpected_reply(
                    &target,
                    Method::PaymentReceipt,
                    reply.method(),
                )));
            }
            Settled::Misbehaved { target, reason } => {
                self.finish(Err(OperationError::misbehaving(&target, reason)));
            }
            Settled::Failed {
                target,
                status,
                retries,
                ..
            } => match self.payment.handle_receipt_failure(&status) {
                Ok(()) => {
                    self.refused_from_balance = self.settling;
                    self.next(now)
                }
                Err(PaymentError::ReceiptRefused { status })
                    if status.is_insufficient_balance() =>
                {
                    let credits = self.payment.quote().fees().credits;
                    self.finish(Err(OperationError::Payment(
                        PaymentFailure::InsufficientBalance { credits, status },
                    )));
                }
                Err(_) => self.finish(Err(OperationError::from_failed_call(
                    target, status, retries,
                ))),
            },
        }
    }
}

impl Operation for PaymentReceipt {
    type Output = SignedReceipt;

    fn handle_reply(&mut self, now: Timestamp, id: RequestId, reply: Result<Reply, Status>) {
        if self.done || matches!(self.outbox, Some(Output::Done(_))) {
            self.calls.count_stray();
            return;
        }
        if self.refused_from_balance == Some(id) {
            if let Ok(Reply::PaymentReceipt(signed)) = &reply {
                self.late_balance_receipt(now, signed);
                return;
            }
        }
        self.settling = Some(id);
        if let Some(settled) = self.calls.handle_reply(now, id, reply) {
            self.settle(now, settled);
        }
        self.settling = None;
    }

    fn handle_undecodable(&mut self, now: Timestamp, id: RequestId, error: UndecodableReply) {
        if self.done || matches!(self.outbox, Some(Output::Done(_))) {
            self.calls.count_stray();
            return;
        }
        if let Some(settled) = self.calls.handle_undecodable(id, error) {
            self.settle(now, settled);
        }
    }

    fn handle_stream_end(&mut self, _now: Timestamp, _id: RequestId) {
        // No receipt request is a stream: any stream end is stray.
        self.calls.count_stray();
    }

    fn handle_payment(&mut self, now: Timestamp, result: Result<String, PayerError>) {
        if !core::mem::take(&mut self.paying) {
            self.finish(Err(OperationError::ApiMisuse(
                "a payment outcome arrived before it was asked for",
            )));
            return;
        }
        match result {
            Ok(tx_hash) if !tx_hash.is_empty() => match self.payment.handle_paid(tx_hash) {
                Ok(()) => self.next(now),
                Err(e) => self.finish(Err(OperationError::Payment(e.into()))),
            },
            Ok(_) => self.finish(Err(OperationError::Payment(
                PaymentFailure::EmptyTransactionHash,
            ))),
            Err(error) => self.finish(Err(OperationError::Payment(error.into()))),
        }
    }

    fn handle_timeout(&mut self, now: Timestamp) {
        for settled in self.calls.handle_timeout(now) {
            self.settle(now, settled);
        }
    }

    fn poll_output(&mut self) -> Option<Output<SignedReceipt>> {
        if self.done {
            return None;
        }
        if let Some(output) = self.outbox.take() {
            self.done = matches!(output, Output::Done(_));
            return Some(output);
        }
        if self.paying {
            return None;
        }
        self.calls.poll_transmit().map(Output::Transmit)
    }

    fn poll_timeout(&self) -> Option<Timestamp> {
        if self.done || self.paying {
            None
        } else {
            self.calls.poll_timeout()
        }
    }

    fn report(&self) -> OperationReport {
        self.calls.report()
    }

    fn is_awaiting(&self, id: RequestId) -> bool {
        !self.done && self.calls.is_awaiting(id)
    }
}
