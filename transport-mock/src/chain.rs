//! A nilchain stand-in: accounts with balances and sequence numbers, `MsgPayFor` transactions
//! checked as a Cosmos chain checks them (docs/payments-and-devnet.md §1.5), and lookups by hash.
//!
//! Transactions commit synchronously inside [`Chain::broadcast`] (one block per accepted
//! transaction), so the first lookup after a broadcast finds them, as
//! docs/payments-and-devnet.md §1.5 recommends.

use std::collections::BTreeMap;

use nilvm_core::identity::PublicKey;
use nilvm_core::payments::chain_tx::{
    DENOM, MSG_PAY_FOR_TYPE_URL, PayFor, SECP256K1_PUBKEY_TYPE_URL, decode_pay_for, tx_hash,
};
use nilvm_core::payments::nillion_address;
use nilvm_proto::Message;
use nilvm_proto::cosmos::auth::v1beta1::BaseAccount;
use nilvm_proto::cosmos::base::abci::v1beta1::TxResponse;
use nilvm_proto::cosmos::crypto::secp256k1::PubKey;
use nilvm_proto::cosmos::tx::signing::v1beta1::SignMode;
use nilvm_proto::cosmos::tx::v1beta1::{AuthInfo, SignDoc, TxBody, TxRaw, mode_info};

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
            Err((code, raw_log)) => TxResponse {
                txhash: hash,
                codespace: "sdk".into(),
                code,
                raw_log,
                ..Default::default()
            },
        }
    }

    fn check_and_apply(&mut self, tx_bytes: &[u8], hash: &str) -> Result<TxRecord, (u32, String)> {
        let decode = |what: &str| (codes::TX_DECODE, format!("tx parse error: {what}"));
        let raw = TxRaw::decode(tx_bytes).map_err(|_| decode("tx bytes"))?;
        let body = TxBody::decode(raw.body_bytes.as_slice()).map_err(|_| decode("body"))?;
        let auth_info =
            AuthInfo::decode(raw.auth_info_bytes.as_slice()).map_err(|_| decode("auth info"))?;
        let [signer] = auth_info.signer_infos.as_slice() else {
            return Err((codes::UNAUTHORIZED, "wrong number of signers".into()));
        };
        let [signature] = raw.signatures.as_slice() else {
            return Err((codes::UNAUTHORIZED, "wrong number of signatures".into()));
        };
        let direct = matches!(
            signer.mode_info.as_ref().and_then(|m| m.sum.as_ref()),
            Some(mode_info::Sum::Single(single)) if single.mode == SignMode::Direct as i32
        );
        if !direct {
            return Err((codes::UNAUTHORIZED, "signing mode is not direct".into()));
        }
        let key = signer
            .public_key
            .as_ref()
            .filter(|any| any.type_url == SECP256K1_PUBKEY_TYPE_URL)
            .and_then(|any| PubKey::decode(any.value.as_slice()).ok())
            .and_then(|pk| PublicKey::from_sec1_bytes(&pk.key).ok())
            .ok_or((codes::UNAUTHORIZED, "invalid signer public key".to_string()))?;
        let address = nillion_address(&key)
            .map_err(|_| (codes::UNAUTHORIZED, "invalid signer public key".to_string()))?;
        let account = self.accounts.get(&address).cloned().ok_or((
            codes::UNKNOWN_ADDRESS,
            format!("account {address} not found"),
        ))?;
        let sign_doc = SignDoc {
            body_bytes: raw.body_bytes.clone(),
            auth_info_bytes: raw.auth_info_bytes.clone(),
            chain_id: self.chain_id.clone(),
            account_number: account.number,
        }
        .encode_to_vec();
        key.verify(&sign_doc, signature).map_err(|_| {
            (
                codes::UNAUTHORIZED,
                "signature verification failed; please verify account number and chain-id: unauthorized"
                    .to_string(),
            )
        })?;
        if signer.sequence != account.sequence {
            return Err((
                codes::WRONG_SEQUENCE,
                format!(
                    "account sequence mismatch, expected {}, got {}: incorrect account sequence",
                    account.sequence, signer.sequence
                ),
            ));
        }
        let first_type = body.messages.first().map(|m| m.type_url.as_str());
        if first_type != Some(MSG_PAY_FOR_TYPE_URL) || body.messages.len() != 1 {
            return Err((codes::INVALID_REQUEST, "unsupported message".into()));
        }
        let pay_for = decode_pay_for(&body)
            .map_err(|e| (codes::INVALID_REQUEST, format!("invalid MsgPayFor: {e}")))?;
        if pay_for.from_address != address {
            return Err((
                codes::UNAUTHORIZED,
                "signer is not the message sender".to_string(),
            ));
        }
        let fee: u64 = match auth_info.fee.as_ref().map(|f| f.amount.as_slice()) {
            None | Some([]) => 0,
            Some([coin]) if coin.denom == DENOM => coin
                .amount
                .parse()
                .map_err(|_| (codes::INVALID_REQUEST, "invalid fee".to_string()))?,
            Some(_) => return Err((codes::INVALID_REQUEST, "invalid fee".into())),
        };
        let cost = pay_for.amount_unil.saturating_add(fee);
        if account.balance < cost {
            return Err((
                codes::INSUFFICIENT_FUNDS,
                format!(
                    "{}unil is smaller than {cost}unil: insufficient funds",
                    account.balance
                ),
            ));
        }
        let entry = self
            .accounts
            .get_mut(&address)
            .ok_or((codes::UNKNOWN_ADDRESS, "account vanished".to_string()))?;
        entry.balance -= cost;
        entry.sequence += 1;
        self.changes.push(ChainChange::Account(address.clone()));
        self.burned = self.burned.saturating_add(pay_for.amount_unil);
        self.height += 1;
        Ok(TxRecord {
            hash: hash.to_string(),
            height: self.height,
            pay_for,
            tx_bytes: tx_bytes.to_vec(),
        })
    }
}

#[cfg(test)]
mod tests {
    use nilvm_core::identity::UserKey;
    use nilvm_core::payments::{TxParams, pay_for_tx};

    use super::*;

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
