//! The chain payment step: an operation asks to pay, the emulator pays on the chain stub as the
//! client's payer would, and hands the outcome back after the payment latency.

use nilvm_core::operations::PaymentRequest;
use nilvm_core::payments::{TxParams, nillion_address, pay_for_tx};

use super::Emulator;
use super::events::Event;
use super::trace::ms_since;
use crate::driver::Client;

impl Emulator {
    /// Pays for operation `op` and schedules the outcome.
    pub(super) fn pay(&mut self, op: u64, payment: PaymentRequest) {
        let now = self.now;
        let Some(client) = self.ops.get(op).map(|s| s.client.clone()) else {
            return;
        };
        let result = self.pay_on_chain(&client, &payment);
        self.trace.record(format!(
            "{} pay op{op} {} unil: {result:?}",
            ms_since(now),
            payment.amount_unil
        ));
        let at = now.saturating_add(self.network.payment_latency);
        self.queue.schedule(at, Event::Payment { op, result });
    }

    /// Pays on chain as the client's payer would: account query, `MsgPayFor`, broadcast.
    pub fn pay_on_chain(
        &mut self,
        client: &Client,
        payment: &PaymentRequest,
    ) -> Result<String, String> {
        let key = client.chain_key();
        let address = nillion_address(&key.public_key()).map_err(|e| e.to_string())?;
        let chain = self.cluster.chain_mut();
        let account = chain
            .account(&address)
            .cloned()
            .ok_or_else(|| format!("account {address} not found"))?;
        let mut params = TxParams::devnet(account.number, account.sequence);
        params.chain_id = chain.chain_id().to_string();
        let tx = pay_for_tx(key, &params, &payment.resource, payment.amount_unil)
            .map_err(|e| e.to_string())?;
        let response = chain.broadcast(&tx.tx_bytes);
        if response.code == 0 {
            Ok(response.txhash)
        } else {
            Err(format!(
                "broadcast failed (code {}): {}",
                response.code, response.raw_log
            ))
        }
    }
}
