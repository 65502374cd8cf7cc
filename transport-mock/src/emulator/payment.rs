//! The chain payment step: a driver submits a payment, it commits on the chain stub after the
//! payment latency (signed with the user's chain key, as the client's payer would), and the
//! outcome waits for the driver to pick it up.

use std::collections::BTreeMap;
use std::task::{Poll, Waker};

use nilvm_core::operations::{PayerError, PaymentRequest};
use nilvm_core::payments::{TxParams, nillion_address, pay_for_tx};

use super::Network;
use super::events::Event;
use crate::cluster::Cluster;
use crate::driver::Client;

/// Why the chain stub did not take a payment (the payer's error, kept as a type).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ChainPaymentError {
    /// The chain key has no address.
    #[error("no address for the chain key: {0}")]
    Address(String),
    /// The paying account does not exist on chain.
    #[error("account {0} not found")]
    AccountNotFound(String),
    /// The transaction could not be built or signed.
    #[error("cannot build the payment transaction: {0}")]
    Transaction(String),
    /// The chain refused the transaction.
    #[error("broadcast failed (code {code}): {log}")]
    Rejected {
        /// The chain's result code.
        code: u32,
        /// The chain's log.
        log: String,
    },
    /// The chain's state could not be written.
    #[error("chain state not written: {0}")]
    Store(String),
}

/// A submitted payment: its outcome once committed, and who waits for it.
#[derive(Debug, Default)]
struct Slot {
    result: Option<Result<String, PayerError>>,
    waker: Option<Waker>,
}

/// The payments not yet picked up, by id.
#[derive(Debug, Default)]
pub(crate) struct Payments {
    slots: BTreeMap<u64, Slot>,
}

impl Network {
    /// Submits `request`, paid by `payer`; it commits after the payment latency.
    pub(crate) fn submit_payment(&mut self, payer: Client, request: PaymentRequest) -> u64 {
        let payment = self.next_id();
        self.payments.slots.insert(payment, Slot::default());
        let amount = request.amount_unil;
        self.trace
            .record(self.now, format_args!("pay p{payment} {amount} unil"));
        let at = self.now.saturating_add(self.config.payment_latency);
        let event = Event::Payment {
            payment,
            payer: Box::new(payer),
            request,
        };
        self.queue.schedule(at, event);
        payment
    }

    /// The outcome of payment `id`, once committed.
    pub(crate) fn poll_payment(
        &mut self,
        id: u64,
        waker: &Waker,
    ) -> Poll<Result<String, PayerError>> {
        let Some(slot) = self.payments.slots.get_mut(&id) else {
            let error = PayerError::message("the payment's outcome was already taken");
            return Poll::Ready(Err(error));
        };
        match slot.result.take() {
            Some(result) => {
                self.payments.slots.remove(&id);
                Poll::Ready(result)
            }
            None => {
                slot.waker = Some(waker.clone());
                Poll::Pending
            }
        }
    }

    /// Nobody waits for payment `id` any more (it still commits).
    pub(crate) fn forget_payment(&mut self, id: u64) {
        self.payments.slots.remove(&id);
    }

    /// Payment `id` is due: paid on chain now.
    pub(super) fn commit_payment(
        &mut self,
        cluster: &Cluster,
        id: u64,
        payer: &Client,
        request: &PaymentRequest,
    ) {
        let result = pay_on_chain(cluster, payer, request);
        self.trace
            .record(self.now, format_args!("paid p{id}: {result:?}"));
        if let Some(slot) = self.payments.slots.get_mut(&id) {
            slot.result = Some(result.map_err(PayerError::new));
            if let Some(waker) = slot.waker.take() {
                waker.wake();
            }
        }
    }
}

/// Pays on chain as the client's payer would: account query, `MsgPayFor`, broadcast.
pub(crate) fn pay_on_chain(
    cluster: &Cluster,
    client: &Client,
    payment: &PaymentRequest,
) -> Result<String, ChainPaymentError> {
    let key = client.chain_key();
    let address = nillion_address(&key.public_key())
        .map_err(|e| ChainPaymentError::Address(e.to_string()))?;
    let paid = cluster.chain_call(|chain| {
        let account = chain
            .account(&address)
            .cloned()
            .ok_or_else(|| ChainPaymentError::AccountNotFound(address.clone()))?;
        let mut params = TxParams::devnet(account.number, account.sequence);
        params.chain_id = chain.chain_id().to_string();
        let tx = pay_for_tx(key, &params, &payment.resource, payment.amount_unil)
            .map_err(|e| ChainPaymentError::Transaction(e.to_string()))?;
        let response = chain.broadcast(&tx.tx_bytes);
        if response.code == 0 {
            Ok(response.txhash)
        } else {
            Err(ChainPaymentError::Rejected {
                code: response.code,
                log: response.raw_log,
            })
        }
    });
    paid.map_err(|status| ChainPaymentError::Store(status.to_string()))?
}
