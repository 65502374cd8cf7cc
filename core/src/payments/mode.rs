//! Payment modes and the pay step of a paid operation.
//!
//! [`PaymentMode::FromBalance`] (the default of both SDKs) asks for a receipt with an empty
//! `tx_hash`. When the leader answers FAILED_PRECONDITION with a `google.rpc.PreconditionFailure`
//! violation `{type: "PAYMENT", subject: "BALANCE"}` ("not enough funds"), the same quote is paid
//! on chain and the receipt asked for again with the tx hash. [`PaymentMode::PayPerOperation`]
//! pays on chain straight away. [`Payment`] is the small state machine doing this.

use alloc::string::String;

use nilvm_proto::nillion::membership::v1::version::SemverVersion;
use nilvm_proto::nillion::payments::v1::receipt::{PaymentReceiptRequest, SignedReceipt};

use super::quote::{QUOTE_NONCE_LENGTH, Quote};
use super::receipt::{Receipt, ReceiptError, receipt_request, validate_receipt};
use crate::identity::Verifier;
use crate::rpc::Status;
use crate::time::Timestamp;

/// How operations are paid.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum PaymentMode {
    /// From the prepaid balance, falling back to on-chain payment when it is too low.
    #[default]
    FromBalance,
    /// From the prepaid balance only: a balance too low fails the operation.
    BalanceOnly,
    /// On chain for every operation.
    PayPerOperation,
}

impl PaymentMode {
    /// The mode to use given the bootnode's version: balances need nodes of 0.8 or later, so
    /// older versions switch to pay-per-operation. An unset (or all-zero) version is a devnet
    /// build and supports balances.
    pub fn for_node_version(self, version: Option<&SemverVersion>) -> Self {
        match self {
            PaymentMode::FromBalance if !balance_supported(version) => PaymentMode::PayPerOperation,
            mode => mode,
        }
    }
}

/// Whether a node of this version supports paying from a balance.
pub fn balance_supported(version: Option<&SemverVersion>) -> bool {
    match version {
        None => true,
        Some(v) => (v.major == 0 && v.minor == 0 && v.patch == 0) || v.major > 0 || v.minor >= 8,
    }
}

/// Why paying failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PaymentError {
    /// The leader refused the receipt (and it was not a balance fallback).
    #[error("the leader refused the payment receipt: {status}")]
    ReceiptRefused {
        /// The leader's answer.
        status: Status,
    },
    /// The receipt the leader sent is not acceptable.
    #[error(transparent)]
    Receipt(#[from] ReceiptError),
    /// A call that does not fit the current state.
    #[error("payment misuse: {0}")]
    ApiMisuse(&'static str),
}

/// What the driver must do next for a [`Payment`].
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum PaymentAction {
    /// Send this PaymentReceipt request to the leader; answer with
    /// [`Payment::handle_receipt`] or [`Payment::handle_receipt_failure`].
    RequestReceipt(PaymentReceiptRequest),
    /// Pay `amount_unil` on chain for `resource` (a `MsgPayFor`); answer with
    /// [`Payment::handle_paid`].
    PayOnChain {
        /// Amount in unil: the quote's `fees.tokens`.
        amount_unil: u64,
        /// The quote nonce.
        resource: [u8; QUOTE_NONCE_LENGTH],
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum State {
    ReceiptFromBalance,
    Paying,
    ReceiptWithTx(String),
    Done,
    Failed,
}

/// The pay step for one quote: which receipt request to send, when to pay on chain, and the
/// validation of the receipt.
///
/// ```
/// # use nilvm_core::payments::{Payment, PaymentAction, PaymentMode, Quote};
/// # fn drive(quote: Quote) {
/// let mut payment = Payment::new(PaymentMode::FromBalance, quote);
/// match payment.next_action() {
///     Some(PaymentAction::RequestReceipt(request)) => { /* send to the leader */ }
///     Some(PaymentAction::PayOnChain { amount_unil, resource }) => { /* pay */ }
///     _ => {}
/// }
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct Payment {
    quote: Quote,
    mode: PaymentMode,
    state: State,
}

impl Payment {
    /// Starts paying for a validated quote.
    pub fn new(mode: PaymentMode, quote: Quote) -> Self {
        let state = match mode {
            PaymentMode::PayPerOperation => State::Paying,
            PaymentMode::FromBalance | PaymentMode::BalanceOnly => State::ReceiptFromBalance,
        };
        Payment { quote, mode, state }
    }

    /// A payment made outside the client (the official SDK's `get_payment_receipt(quote,
    /// tx_hash)`): only the receipt is left to ask for, naming `tx_hash`.
    pub fn paid_outside(quote: Quote, tx_hash: impl Into<String>) -> Self {
        Payment {
            quote,
            mode: PaymentMode::PayPerOperation,
            state: State::ReceiptWithTx(tx_hash.into()),
        }
    }

    /// The quote being paid.
    pub fn quote(&self) -> &Quote {
        &self.quote
    }

    /// The next thing to do, or `None` once the receipt is in or the payment failed. Poll again
    /// after every `handle_*` call.
    pub fn next_action(&self) -> Option<PaymentAction> {
        match &self.state {
            State::ReceiptFromBalance => Some(PaymentAction::RequestReceipt(receipt_request(
                &self.quote,
                None,
            ))),
            State::Paying => Some(PaymentAction::PayOnChain {
                amount_unil: self.quote.fees().tokens,
                resource: *self.quote.nonce(),
            }),
            State::ReceiptWithTx(tx_hash) => Some(PaymentAction::RequestReceipt(receipt_request(
                &self.quote,
                Some(tx_hash),
            ))),
            State::Done | State::Failed => None,
        }
    }

    /// The on-chain payment went through with this tx hash.
    pub fn handle_paid(&mut self, tx_hash: impl Into<String>) -> Result<(), PaymentError> {
        if self.state != State::Paying {
            return Err(PaymentError::ApiMisuse("no on-chain payment was asked for"));
        }
        self.state = State::ReceiptWithTx(tx_hash.into());
        Ok(())
    }

    /// The leader answered the receipt request with an error status. A balance too low
    /// ([`Status::is_insufficient_balance`]) switches to paying on chain in
    /// [`PaymentMode::FromBalance`]; anything else fails.
    pub fn handle_receipt_failure(&mut self, status: &Status) -> Result<(), PaymentError> {
        match self.state {
            State::ReceiptFromBalance
                if self.mode == PaymentMode::FromBalance && status.is_insufficient_balance() =>
            {
                self.state = State::Paying;
                Ok(())
            }
            State::ReceiptFromBalance | State::ReceiptWithTx(_) => {
                self.state = State::Failed;
                Err(PaymentError::ReceiptRefused {
                    status: status.clone(),
                })
            }
            _ => Err(PaymentError::ApiMisuse("no receipt was asked for")),
        }
    }

    /// The leader sent the receipt: it is checked against the quote ([`validate_receipt`]).
    pub fn handle_receipt<'k>(
        &mut self,
        signed: &SignedReceipt,
        leader_key: impl Into<Verifier<'k>>,
        now: Timestamp,
    ) -> Result<Receipt, PaymentError> {
        if !matches!(
            self.state,
            State::ReceiptFromBalance | State::ReceiptWithTx(_)
        ) {
            return Err(PaymentError::ApiMisuse("no receipt was asked for"));
        }
        match validate_receipt(signed, leader_key, &self.quote, now) {
            Ok(receipt) => {
                self.state = State::Done;
                Ok(receipt)
            }
            Err(e) => {
                self.state = State::Failed;
                Err(e.into())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use alloc::vec::Vec;

    use super::*;
    use crate::payments::quote::tests::{FEES, at, leader, signed_quote, store_request};
    use crate::payments::quote::verify_signed_quote;
    use crate::payments::quote_request;
    use crate::payments::receipt::{new_receipt, operation_metadata, sign_receipt};

    fn plain_failed_precondition() -> Status {
        Status::new(crate::rpc::Code::FailedPrecondition, "not enough funds")
    }

    #[test]
    fn balance_only_never_pays_on_chain() {
        let mut payment = Payment::new(PaymentMode::BalanceOnly, quote());
        assert!(matches!(
            payment.next_action(),
            Some(PaymentAction::RequestReceipt(_))
        ));
        assert!(
            payment
                .handle_receipt_failure(&Status::insufficient_balance())
                .is_err()
        );
        assert_eq!(payment.next_action(), None);
    }

    fn quote() -> Quote {
        verify_signed_quote(&signed_quote(store_request(), 1000), &leader().public_key()).unwrap()
    }

    fn receipt_for(
        request: &nilvm_proto::nillion::payments::v1::quote::PriceQuoteRequest,
    ) -> SignedReceipt {
        let metadata = operation_metadata(request, Vec::new(), Vec::new()).unwrap();
        sign_receipt(&leader(), &new_receipt([2; 16], metadata, at(5000))).unwrap()
    }

    #[test]
    fn from_balance_happy_path() {
        let mut payment = Payment::new(PaymentMode::FromBalance, quote());
        let Some(PaymentAction::RequestReceipt(request)) = payment.next_action() else {
            panic!("receipt request expected");
        };
        assert!(request.tx_hash.is_empty());
        let receipt = payment
            .handle_receipt(
                &receipt_for(&store_request()),
                &leader().public_key(),
                at(0),
            )
            .unwrap();
        assert_eq!(receipt.identifier().get_version_num(), 4);
        assert_eq!(payment.next_action(), None);
    }

    #[test]
    fn insufficient_balance_falls_back_to_chain() {
        let mut payment = Payment::new(PaymentMode::FromBalance, quote());
        payment
            .handle_receipt_failure(&Status::insufficient_balance())
            .unwrap();
        assert_eq!(
            payment.next_action(),
            Some(PaymentAction::PayOnChain {
                amount_unil: FEES.tokens,
                resource: [4; 32]
            })
        );
        assert!(
            payment
                .handle_receipt_failure(&plain_failed_precondition())
                .is_err()
        );
        payment.handle_paid("ABCDEF").unwrap();
        let Some(PaymentAction::RequestReceipt(request)) = payment.next_action() else {
            panic!("receipt request expected");
        };
        assert_eq!(request.tx_hash, "ABCDEF");
        // The same quote is reused.
        assert_eq!(
            request.signed_quote.as_ref(),
            Some(payment.quote().signed())
        );
        payment
            .handle_receipt(
                &receipt_for(&store_request()),
                &leader().public_key(),
                at(0),
            )
            .unwrap();
    }

    #[test]
    fn other_failures_do_not_fall_back() {
        let mut payment = Payment::new(PaymentMode::FromBalance, quote());
        assert_eq!(
            payment.handle_receipt_failure(&plain_failed_precondition()),
            Err(PaymentError::ReceiptRefused {
                status: plain_failed_precondition()
            })
        );
        assert_eq!(payment.next_action(), None);

        let mut payment = Payment::new(PaymentMode::PayPerOperation, quote());
        assert!(matches!(
            payment.next_action(),
            Some(PaymentAction::PayOnChain { .. })
        ));
        // No fallback loop once paying on chain.
        assert!(matches!(
            payment.handle_receipt(
                &receipt_for(&store_request()),
                &leader().public_key(),
                at(0)
            ),
            Err(PaymentError::ApiMisuse(_))
        ));
        payment.handle_paid("AA").unwrap();
        assert!(payment.handle_paid("BB").is_err());
        assert_eq!(
            payment.handle_receipt_failure(&Status::insufficient_balance()),
            Err(PaymentError::ReceiptRefused {
                status: Status::insufficient_balance()
            })
        );
    }

    #[test]
    fn receipt_for_another_operation_fails_the_payment() {
        let mut payment = Payment::new(PaymentMode::FromBalance, quote());
        let err = payment
            .handle_receipt(
                &receipt_for(&quote_request::pool_status()),
                &leader().public_key(),
                at(0),
            )
            .unwrap_err();
        assert!(matches!(
            err,
            PaymentError::Receipt(ReceiptError::OperationMismatch { .. })
        ));
        assert_eq!(payment.next_action(), None);
    }

    #[test]
    fn version_rules() {
        let v = |major, minor, patch| SemverVersion {
            major,
            minor,
            patch,
            pre_release: String::new(),
        };
        assert!(balance_supported(None));
        assert!(balance_supported(Some(&v(0, 0, 0))));
        assert!(balance_supported(Some(&v(0, 8, 0))));
        assert!(balance_supported(Some(&v(1, 0, 0))));
        assert!(!balance_supported(Some(&v(0, 7, 9))));
        assert_eq!(
            PaymentMode::FromBalance.for_node_version(Some(&v(0, 7, 0))),
            PaymentMode::PayPerOperation
        );
        assert_eq!(
            PaymentMode::FromBalance.for_node_version(None),
            PaymentMode::FromBalance
        );
        assert_eq!(
            PaymentMode::PayPerOperation.for_node_version(None),
            PaymentMode::PayPerOperation
        );
    }
}
