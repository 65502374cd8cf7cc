//! `payment_receipt`: turn a quote into a receipt, paying as the payment mode says.
//!
//! From the balance, the leader deducts credits and answers with a receipt; when the balance
//! is short it says so with a FAILED_PRECONDITION carrying a `PAYMENT`/`BALANCE` violation,
//! and (like both official clients) we then pay the same quote on chain. Pay-per-operation
//! pays on chain first. Either way the leader's receipt is checked: its signature, that it is
//! for the quoted operation, and that it has not expired.

use alloc::string::String;

use nilvm_proto::Message;
use nilvm_proto::nillion::payments::v1::quote::price_quote_request::Operation as QuotedOperation;
use nilvm_proto::nillion::payments::v1::receipt::operation_metadata::Operation as PaidOperation;
use nilvm_proto::nillion::payments::v1::receipt::{PaymentReceiptRequest, Receipt, SignedReceipt};

use crate::identity::{NodeId, PublicKey};
use crate::rpc::{Reply, Request, Status};
use crate::time::Timestamp;

use super::calls::{Calls, Settled};
use super::request_quote::Quote;
use super::{Operation, OperationError, Output, PaymentRequest, RequestId, RetryPolicy, Target};

/// How operations are paid for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum PaymentMode {
    /// From the account balance; pay on chain when the balance is short (the official
    /// clients' default).
    #[default]
    FromBalance,
    /// From the account balance only; a short balance fails the operation.
    BalanceOnly,
    /// On chain, for every operation.
    PayPerOperation,
}

/// Checks a signed receipt: the leader's signature, the operation it pays for, and expiry.
pub fn check_receipt(
    signed: &SignedReceipt,
    quote: &Quote,
    leader_key: &PublicKey,
    now: Timestamp,
) -> Result<Receipt, String> {
    leader_key
        .verify(&signed.receipt, &signed.signature)
        .map_err(|e| {
            alloc::format!("receipt signature does not verify with the leader's key: {e}")
        })?;
    let receipt = Receipt::decode(signed.receipt.as_slice())
        .map_err(|e| alloc::format!("undecodable receipt: {e}"))?;
    if receipt.identifier.len() != 16 {
        return Err(alloc::format!(
            "receipt identifier has {} bytes, not 16",
            receipt.identifier.len()
        ));
    }
    let quoted = quote
        .quote
        .request
        .as_ref()
        .and_then(|r| r.operation.as_ref());
    let paid = receipt.metadata.as_ref().and_then(|m| m.operation.as_ref());
    if !same_operation(quoted, paid) {
        return Err("the receipt is for a different operation than the quote".into());
    }
    match receipt.expires_at.and_then(|t| Timestamp::try_from(t).ok()) {
        None => Err("the receipt has no valid expiry".into()),
        Some(expiry) if expiry <= now => Err("the receipt has already expired".into()),
        Some(_) => Ok(receipt),
    }
}

/// Whether a receipt's operation is the quoted one. Compute receipts wrap the quote with the
/// preprocessing material the leader reserved.
fn same_operation(quoted: Option<&QuotedOperation>, paid: Option<&PaidOperation>) -> bool {
    use PaidOperation as P;
    use QuotedOperation as Q;
    match (quoted, paid) {
        (Some(Q::PoolStatus(())), Some(P::PoolStatus(()))) => true,
        (Some(Q::StoreProgram(q)), Some(P::StoreProgram(p))) => q == p,
        (Some(Q::RetrieveValues(q)), Some(P::RetrieveValues(p))) => q == p,
        (Some(Q::RetrievePermissions(q)), Some(P::RetrievePermissions(p))) => q == p,
        (Some(Q::StoreValues(q)), Some(P::StoreValues(p))) => q == p,
        (Some(Q::InvokeCompute(q)), Some(P::InvokeCompute(p))) => p.quote.as_ref() == Some(q),
        (Some(Q::OverwritePermissions(q)), Some(P::OverwritePermissions(p))) => q == p,
        (Some(Q::UpdatePermissions(q)), Some(P::UpdatePermissions(p))) => q == p,
        _ => false,
    }
}

#[derive(Debug)]
enum Stage {
    /// Waiting for the driver to pay.
    Paying,
    /// Waiting for the leader's receipt; `paid_on_chain` says whether a tx hash was sent.
    Receipting {
        paid_on_chain: bool,
    },
    Done,
}

/// Obtains a receipt for a quote. See the [module docs](self).
#[derive(Debug)]
pub struct PaymentReceipt {
    leader: NodeId,
    leader_key: PublicKey,
    quote: Quote,
    mode: PaymentMode,
    calls: Calls<()>,
    stage: Stage,
    pending_payment: Option<PaymentRequest>,
    result: Option<Result<SignedReceipt, OperationError>>,
}

/// Starts obtaining a receipt for `quote`, paying as `mode` says.
pub fn payment_receipt(
    now: Timestamp,
    leader: &NodeId,
    leader_key: &PublicKey,
    quote: Quote,
    mode: PaymentMode,
    policy: RetryPolicy,
) -> PaymentReceipt {
    let mut op = PaymentReceipt {
        leader: leader.clone(),
        leader_key: *leader_key,
        quote,
        mode,
        calls: Calls::new(policy),
        stage: Stage::Done,
        pending_payment: None,
        result: None,
    };
    match mode {
        PaymentMode::PayPerOperation => op.ask_payment(),
        PaymentMode::FromBalance | PaymentMode::BalanceOnly => op.ask_receipt(now, String::new()),
    }
    op
}

impl PaymentReceipt {
    fn ask_payment(&mut self) {
        self.pending_payment = Some(PaymentRequest {
            amount_unil: self.quote.tokens(),
            resource: self.quote.nonce().to_vec(),
        });
        self.stage = Stage::Paying;
    }

    fn ask_receipt(&mut self, now: Timestamp, tx_hash: String) {
        let paid_on_chain = !tx_hash.is_empty();
        let request = PaymentReceiptRequest {
            signed_quote: Some(self.quote.signed.clone()),
            tx_hash,
        };
        self.calls.send(
            now,
            (),
            Target::Node(self.leader.clone()),
            Request::PaymentReceipt(request),
        );
        self.stage = Stage::Receipting { paid_on_chain };
    }

    fn finish(&mut self, result: Result<SignedReceipt, OperationError>) {
        self.stage = Stage::Done;
        self.result = Some(result);
    }

    fn settle(&mut self, now: Timestamp, settled: Settled<()>) {
        let Stage::Receipting { paid_on_chain } = self.stage else {
            return;
        };
        match settled {
            Settled::Replied {
                target,
                reply: Reply::PaymentReceipt(signed),
                ..
            } => {
                let checked = check_receipt(&signed, &self.quote, &self.leader_key, now)
                    .map(|_| signed)
                    .map_err(|reason| {
                        OperationError::Payment(alloc::format!(
                            "{target} sent a bad receipt: {reason}"
                        ))
                    });
                self.finish(checked);
            }
            Settled::Replied { target, .. } => {
                self.finish(Err(OperationError::misbehaving(
                    &target,
                    "unexpected reply to a receipt request",
                )));
            }
            Settled::Failed { status, .. }
                if !paid_on_chain
                    && self.mode == PaymentMode::FromBalance
                    && status.is_insufficient_balance() =>
            {
                self.ask_payment();
            }
            Settled::Failed {
                target,
                status,
                retries,
                ..
            } => {
                let error = if status.is_insufficient_balance() {
                    OperationError::Payment(alloc::format!(
                        "the balance cannot pay {} credits: {}",
                        self.quote.credits(),
                        status.message
                    ))
                } else {
                    OperationError::from_failed_call(target, status, retries)
                };
                self.finish(Err(error));
            }
        }
    }
}

impl Operation for PaymentReceipt {
    type Output = SignedReceipt;

    fn handle_reply(&mut self, now: Timestamp, id: RequestId, reply: Result<Reply, Status>) {
        if let Some(settled) = self.calls.handle_reply(now, id, reply) {
            self.settle(now, settled);
        }
    }

    fn handle_stream_end(&mut self, _now: Timestamp, _id: RequestId) {}

    fn handle_payment(&mut self, now: Timestamp, result: Result<String, String>) {
        if !matches!(self.stage, Stage::Paying) || self.pending_payment.is_some() {
            self.finish(Err(OperationError::ApiMisuse(
                "a payment outcome arrived before it was asked for",
            )));
            return;
        }
        match result {
            Ok(tx_hash) if !tx_hash.is_empty() => self.ask_receipt(now, tx_hash),
            Ok(_) => self.finish(Err(OperationError::Payment(
                "the payer returned an empty transaction hash".into(),
            ))),
            Err(reason) => self.finish(Err(OperationError::Payment(reason))),
        }
    }

    fn handle_timeout(&mut self, now: Timestamp) {
        for settled in self.calls.handle_timeout(now) {
            self.settle(now, settled);
        }
    }

    fn poll_output(&mut self) -> Option<Output<SignedReceipt>> {
        if let Some(result) = self.result.take() {
            return Some(Output::Done(result));
        }
        if let Some(payment) = self.pending_payment.take() {
            return Some(Output::Pay(payment));
        }
        if matches!(self.stage, Stage::Done) {
            return None;
        }
        self.calls.poll_transmit().map(Output::Transmit)
    }

    fn poll_timeout(&self) -> Option<Timestamp> {
        if matches!(self.stage, Stage::Done) {
            None
        } else {
            self.calls.poll_timeout()
        }
    }
}
