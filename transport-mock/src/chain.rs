//! A nilchain stand-in: accounts with balances and sequence numbers, `MsgPayFor` transactions
//! checked as a Cosmos chain checks them (docs/payments-and-devnet.md §1.5), and lookups by hash.
//!
//! [`Chain::simulate`] runs the same checks but the signature's, changes nothing and estimates
//! the gas ([`simulate`]), as a chain answers `cosmos.tx.v1beta1.Service/Simulate`.
//!
//! Transactions commit synchronously inside [`Chain::broadcast`] (one block per accepted
//! transaction), so the first lookup after a broadcast finds them, as
//! docs/payments-and-devnet.md §1.5 recommends.

use std::collections::BTreeMap;

use nilvm_core::payments::chain_tx::{PayFor, tx_hash};
use nilvm_proto::cosmos::auth::v1beta1::BaseAccount;
use nilvm_proto::cosmos::base::abci::v1beta1::TxResponse;

mod check;
pub mod simulate;

use check::Mode;
pub use check::TxError;
pub use simulate::{SimulateError, Simulation};

/// Cosmos SDK root error codes (codespace `sdk`) the chain answers with.
pub mod codes {
    /// The transaction does not decode.
    pub const TX_DECODE: u32 = 2;
    /// The signature does not verify, or the signer is not the message's sender.
    pub const UNAUTHORIZED: u32 = 4;
    /// The sender cannot pay.
    pub const INSUFFICIENT_FUNDS: u32 = 5;
    /// The sender's account does not exist.
    pub const UNKNOWN_ADDRESS: u32 = 9;
    /// Unsupported message or amount.
    pub const INVALID_REQUEST: u32 = 18;
    /// The signer info's sequence is not the account's.
    pub const WRONG_SEQUENCE: u32 = 32;
}

/// An account on the chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    /// The account number (signed over in every transaction).
    pub number: u64,
    /// How many transactions the account has sent.
    pub sequence: u64,
    /// Spendable unil.
    pub balance: u64,
}

/// A committed transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TxRecord {
    /// Uppercase hex SHA-256 of the transaction bytes.
    pub hash: String,
    /// The block it was committed in (never 0).
    pub height: i64,
    /// The payment it made.
    pub pay_for: PayFor,
    /// The transaction bytes as received.
    pub tx_bytes: Vec<u8>,
}

impl TxRecord {
    /// The `TxResponse` GetTx answers with: height, hash, code 0.
    pub fn tx_response(&self) -> TxResponse {
        TxResponse {
            height: self.height,
            txhash: self.hash.clone(),
            code: 0,
            timestamp: "2025-01-01T00:00:00Z".into(),
            ..Default::default()
        }
    }
}

/// The chain stub.
#[derive(Clone, Debug)]
pub struct Chain {
    chain_id: String,
    accounts: BTreeMap<String, Account>,
    txs: BTreeMap<String, TxRecord>,
    height: i64,
    burned: u64,
    /// The records changed since the cluster last took them (see [`crate::storage`]).
    changes: Vec<ChainChange>,
}

/// A chain record a call changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ChainChange {
    /// An account (created, funded, or its sequence and balance after a transaction).
    Account(String),
    /// A committed transaction, with the new height and burned total.
    Tx(String),
}

/// The `Meta` keys of the chain's counters.
pub(crate) const HEIGHT_KEY: &[u8] = b"chain.height";
/// See [`HEIGHT_KEY`].
pub(crate) const BURNED_KEY: &[u8] = b"chain.burned";

impl Chain {
    /// An empty chain with `chain_id` (the devnet's is `nillion-chain-devnet`).
    pub fn new(chain_id: impl Into<String>) -> Self {
        Self {
            chain_id: chain_id.into(),
            accounts: BTreeMap::new(),
            txs: BTreeMap::new(),
            height: 1,
            burned: 0,
            changes: Vec::new(),
        }
    }

    /// The chain id transactions must be signed for.
    pub fn chain_id(&self) -> &str {
        &self.chain_id
    }

    /// Creates the account if needed and adds `unil` to it (genesis funding, faucets).
    pub fn fund(&mut self, address: &str, unil: u64) {
        self.changes.push(ChainChange::Account(address.to_string()));
        let next_number = u64::try_from(self.accounts.len()).unwrap_or(u64::MAX);
        let account = self
            .accounts
            .entry(address.to_string())
            .or_insert_with(|| Account {
                number: next_number,
                sequence: 0,
                balance: 0,
            });
        account.balance = account.balance.saturating_add(unil);
    }

    /// The records changed since the last call.
    pub(crate) fn take_changes(&mut self) -> Vec<ChainChange> {
        std::mem::take(&mut self.changes)
    }

    /// Brings back an account.
    pub(crate) fn restore_account(&mut self, address: String, account: Account) {
        self.accounts.insert(address, account);
    }

    /// Brings back a committed transaction.
    pub(crate) fn restore_tx(&mut self, record: TxRecord) {
        self.txs.insert(record.hash.clone(), record);
    }

    /// Brings back the height and burned total.
    pub(crate) fn restore_counters(&mut self, height: i64, burned: u64) {
        self.height = height;
        self.burned = burned;
    }

    /// An account, as `cosmos.auth.v1beta1.Query/Account` reads it.
    pub fn account(&self, address: &str) -> Option<&Account> {
        self.accounts.get(address)
    }

    /// The account as the `BaseAccount` the Account query packs.
    pub fn base_account(&self, address: &str) -> Option<BaseAccount> {
        self.accounts.get(address).map(|a| BaseAccount {
            address: address.to_string(),
            pub_key: None,
            account_number: a.number,
            sequence: a.sequence,
        })
    }

    /// Total unil burned by payments.
    pub fn burned(&self) -> u64 {
        self.burned
    }

    /// The current block height.
    pub fn height(&self) -> i64 {
        self.height
    }

    /// Every committed transaction, by hash.
    pub fn txs(&self) -> impl Iterator<Item = &TxRecord> {
        self.txs.values()
    }

    /// A committed transaction by hash; upper- and lowercase hashes both work.
    pub fn tx(&self, hash: &str) -> Option<&TxRecord> {
        self.txs.get(&hash.to_ascii_uppercase())
    }

    /// Checks and commits a transaction (BroadcastTx in SYNC mode). The answer's `code` is 0 on
    /// success; otherwise nothing changed and `raw_log` says why, as a Cosmos chain does.
    pub fn broadcast(&mut self, tx_bytes: &[u8]) -> TxResponse {
        let hash = tx_hash(tx_bytes);
        match self.check_and_apply(tx_bytes, &hash) {
            Ok(record) => {
                let response = record.tx_response();
                self.changes.push(ChainChange::Tx(hash.clone()));
                self.txs.insert(hash, record);
                response
            }
            Err(error) => TxResponse {
                txhash: hash,
                codespace: "sdk".into(),
                code: error.code(),
                raw_log: error.to_string(),
                ..Default::default()
            },
        }
    }

    /// Runs the delivery checks on a transaction without its signature, as Simulate does,
    /// and estimates its gas (see [`simulate`]). Takes `&self`: nothing changes.
    pub fn simulate(&self, tx_bytes: &[u8]) -> Result<Simulation, SimulateError> {
        let checked = check::check(tx_bytes, Mode::Simulate, &self.chain_id, |a| {
            self.accounts.get(a).cloned()
        })
        .map_err(|e| SimulateError::new(e, tx_bytes.len()))?;
        Ok(Simulation {
            sender: checked.address,
            pay_for: checked.pay_for,
            gas_used: simulate::gas_used(tx_bytes.len(), checked.unsigned),
        })
    }

    fn check_and_apply(&mut self, tx_bytes: &[u8], hash: &str) -> Result<TxRecord, TxError> {
        let checked = check::check(tx_bytes, Mode::Deliver, &self.chain_id, |a| {
            self.accounts.get(a).cloned()
        })?;
        let entry = self
            .accounts
            .get_mut(&checked.address)
            .ok_or_else(|| TxError::UnknownAccount(checked.address.clone()))?;
        entry.balance -= checked.cost;
        entry.sequence += 1;
        self.changes.push(ChainChange::Account(checked.address));
        self.burned = self.burned.saturating_add(checked.pay_for.amount_unil);
        self.height += 1;
        Ok(TxRecord {
            hash: hash.to_string(),
            height: self.height,
            pay_for: checked.pay_for,
            tx_bytes: tx_bytes.to_vec(),
        })
    }
}

#[cfg(test)]
mod tests {
    use nilvm_core::identity::UserKey;
    use nilvm_core::payments::{TxParams, nillion_address, pay_for_tx};
    use nilvm_proto::Message;
    use nilvm_proto::cosmos::tx::signing::v1beta1::SignMode;
    use nilvm_proto::cosmos::tx::v1beta1::{AuthInfo, TxRaw, mode_info};

    use super::*;

    /// The transaction as cosmjs simulates it: empty fee, mode unspecified, empty signature.
    fn unsigned(tx_bytes: &[u8]) -> Vec<u8> {
        let mut raw = TxRaw::decode(tx_bytes).expect("raw");
        let mut auth = AuthInfo::decode(raw.auth_info_bytes.as_slice()).expect("auth");
        auth.fee = None;
        auth.signer_infos[0].mode_info = Some(nilvm_proto::cosmos::tx::v1beta1::ModeInfo {
            sum: Some(mode_info::Sum::Single(mode_info::Single {
                mode: SignMode::Unspecified as i32,
            })),
        });
        raw.auth_info_bytes = auth.encode_to_vec();
        raw.signatures = vec![Vec::new()];
        raw.encode_to_vec()
    }

    #[test]
    fn simulates_without_signature_and_changes_nothing() {
        let mut chain = Chain::new("nillion-chain-devnet");
        chain.fund(&address(), 5_000);
        let number = chain.account(&address()).expect("account").number;
        let tx = pay_for_tx(&key(), &TxParams::devnet(number, 0), &[1; 32], 3_000).expect("tx");
        let before = chain.account(&address()).cloned();
        let sim = chain.simulate(&unsigned(&tx.tx_bytes)).expect("simulated");
        assert_eq!(sim.sender, address());
        assert_eq!(sim.pay_for.amount_unil, 3_000);
        // Same figure twice; the empty signature is charged as a real one.
        let again = chain.simulate(&unsigned(&tx.tx_bytes)).expect("simulated");
        assert_eq!(sim.gas_used, again.gas_used);
        let signed = chain.simulate(&tx.tx_bytes).expect("signed simulates too");
        let len = |b: &[u8]| u64::try_from(b.len()).expect("len");
        assert_eq!(
            sim.gas_used,
            simulate::PAY_FOR_STORE_GAS
                + simulate::SIG_VERIFY_COST_SECP256K1
                + 10 * (len(&unsigned(&tx.tx_bytes)) + 64)
        );
        assert_eq!(
            signed.gas_used,
            simulate::PAY_FOR_STORE_GAS + 1000 + 10 * len(&tx.tx_bytes)
        );
        assert_eq!(chain.account(&address()).cloned(), before);
        assert_eq!((chain.height(), chain.burned()), (1, 0));
        assert_eq!(chain.txs().count(), 0);
        assert!(
            chain
                .take_changes()
                .iter()
                .all(|c| *c == ChainChange::Account(address()))
        );
        // The unsigned transaction is refused on delivery.
        assert_eq!(
            chain.broadcast(&unsigned(&tx.tx_bytes)).code,
            codes::UNAUTHORIZED
        );
    }

    #[test]
    fn simulation_refuses_what_delivery_refuses_but_the_signature() {
        let mut chain = Chain::new("nillion-chain-devnet");
        let tx = pay_for_tx(&key(), &TxParams::devnet(0, 0), &[1; 32], 3_000).expect("tx");
        let error = chain
            .simulate(&unsigned(&tx.tx_bytes))
            .expect_err("no account");
        assert_eq!(error.error, TxError::UnknownAccount(address()));
        assert_eq!(error.error.code(), codes::UNKNOWN_ADDRESS);
        chain.fund(&address(), 1_000);
        let error = chain
            .simulate(&unsigned(&tx.tx_bytes))
            .expect_err("too poor");
        assert_eq!(error.error.code(), codes::INSUFFICIENT_FUNDS);
        let tx = pay_for_tx(&key(), &TxParams::devnet(0, 4), &[1; 32], 10).expect("tx");
        let error = chain
            .simulate(&unsigned(&tx.tx_bytes))
            .expect_err("sequence");
        assert_eq!(
            error.error,
            TxError::WrongSequence {
                expected: 0,
                got: 4
            }
        );
        assert!(
            error
                .to_string()
                .starts_with("account sequence mismatch, expected 0, got 4: incorrect account sequence with gas used: '")
        );
        let error = chain.simulate(&[0xff, 0x01]).expect_err("garbage");
        assert_eq!((error.error.code(), error.gas_used), (codes::TX_DECODE, 0));
        // A wrong account number only breaks the signature, which simulation skips.
        let tx = pay_for_tx(&key(), &TxParams::devnet(7, 0), &[1; 32], 10).expect("tx");
        assert!(chain.simulate(&tx.tx_bytes).is_ok());
        assert_eq!(chain.broadcast(&tx.tx_bytes).code, codes::UNAUTHORIZED);
    }

    fn key() -> UserKey {
        UserKey::from_bytes(&[9; 32]).expect("valid key")
    }

    fn address() -> String {
        nillion_address(&key().public_key()).expect("address")
    }

    #[test]
    fn pays_then_rejects_replayed_sequence_and_short_balance() {
        let mut chain = Chain::new("nillion-chain-devnet");
        chain.fund("nillion1other", 1);
        chain.fund(&address(), 5_000);
        let number = chain.account(&address()).expect("account").number;
        let tx = pay_for_tx(&key(), &TxParams::devnet(number, 0), &[1; 32], 3_000).expect("tx");
        let response = chain.broadcast(&tx.tx_bytes);
        assert_eq!(response.code, 0, "{}", response.raw_log);
        let record = chain.tx(&tx.tx_hash.to_lowercase()).expect("found");
        assert_eq!(record.pay_for.amount_unil, 3_000);
        assert_eq!(record.pay_for.resource, vec![1; 32]);
        assert!(record.height > 0);
        assert_eq!(chain.account(&address()).expect("account").sequence, 1);
        // The same tx again: wrong sequence.
        assert_eq!(chain.broadcast(&tx.tx_bytes).code, codes::WRONG_SEQUENCE);
        // Too expensive.
        let tx = pay_for_tx(&key(), &TxParams::devnet(number, 1), &[1; 32], 3_000).expect("tx");
        assert_eq!(
            chain.broadcast(&tx.tx_bytes).code,
            codes::INSUFFICIENT_FUNDS
        );
        // Wrong account number: the signature does not verify.
        let tx = pay_for_tx(&key(), &TxParams::devnet(number + 7, 1), &[1; 32], 1).expect("tx");
        assert_eq!(chain.broadcast(&tx.tx_bytes).code, codes::UNAUTHORIZED);
        assert_eq!(chain.broadcast(&[0xff, 0x01]).code, codes::TX_DECODE);
        assert_eq!(chain.burned(), 3_000);
    }
}
