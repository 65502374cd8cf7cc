//! The on-disk form of each record (protobuf messages, so values keep their wire encoding) and
//! the record keys. See [`crate::storage`].

use std::collections::{BTreeMap, BTreeSet};

use nilvm_core::identity::UserId;
use nilvm_core::payments::chain_tx::PayFor;
use nilvm_core::permissions::Permissions;
use nilvm_core::time::Timestamp;
use nilvm_proto::nillion::permissions::v1::permissions::Permissions as ProtoPermissions;
use nilvm_proto::nillion::values::v1::value::NamedValue;
use prost::Message;

use crate::chain::{Account, TxRecord};
use crate::leader::Balance;
use crate::node::{Computation, ComputeState, StoredValues};
use crate::programs::Dkg;
use crate::storage::{StoreError, Table};

fn corrupt(table: Table, reason: impl ToString) -> StoreError {
    StoreError::Corrupt {
        table: table.name(),
        reason: reason.to_string(),
    }
}

/// The key of a node-scoped record: node index (2 bytes, big-endian) then `rest`.
pub fn node_key(node: usize, rest: &[u8]) -> Vec<u8> {
    let index = u16::try_from(node).unwrap_or(u16::MAX);
    let mut key = index.to_be_bytes().to_vec();
    key.extend_from_slice(rest);
    key
}

/// Splits a node-scoped key.
pub fn split_node_key(table: Table, key: &[u8]) -> Result<(usize, &[u8]), StoreError> {
    match key {
        [hi, lo, rest @ ..] => Ok((usize::from(u16::from_be_bytes([*hi, *lo])), rest)),
        _ => Err(corrupt(table, "short key")),
    }
}

fn to_millis(at: Timestamp) -> i64 {
    at.seconds()
        .saturating_mul(1000)
        .saturating_add(i64::from(at.nanos() / 1_000_000))
}

fn from_millis(millis: i64) -> Timestamp {
    let seconds = millis.div_euclid(1000);
    let nanos = u32::try_from(millis.rem_euclid(1000)).unwrap_or(0) * 1_000_000;
    Timestamp::new(seconds, nanos).unwrap_or(Timestamp::from_unix_seconds(seconds))
}

#[derive(Clone, PartialEq, Message)]
struct ValuesRecord {
    #[prost(message, repeated, tag = "1")]
    values: Vec<NamedValue>,
    #[prost(message, optional, tag = "2")]
    permissions: Option<ProtoPermissions>,
    #[prost(int64, tag = "3")]
    expires_at_ms: i64,
}

/// Encodes stored values with their permissions and expiry.
pub fn encode_values(values: &StoredValues) -> Vec<u8> {
    ValuesRecord {
        values: values.values.clone(),
        permissions: Some(values.permissions.to_proto()),
        expires_at_ms: to_millis(values.expires_at),
    }
    .encode_to_vec()
}

/// Decodes stored values.
pub fn decode_values(bytes: &[u8]) -> Result<StoredValues, StoreError> {
    let record = ValuesRecord::decode(bytes).map_err(|e| corrupt(Table::Values, e))?;
    let permissions = record
        .permissions
        .as_ref()
        .ok_or_else(|| corrupt(Table::Values, "no permissions"))
        .and_then(|p| Permissions::from_proto(p).map_err(|e| corrupt(Table::Values, e)))?;
    Ok(StoredValues {
        values: record.values,
        permissions,
        expires_at: from_millis(record.expires_at_ms),
    })
}

#[derive(Clone, PartialEq, Message)]
struct PartyOutputs {
    #[prost(string, tag = "1")]
    party: String,
    #[prost(message, repeated, tag = "2")]
    values: Vec<NamedValue>,
}

#[derive(Clone, PartialEq, Message)]
struct PartyBinding {
    #[prost(string, tag = "1")]
    party: String,
    #[prost(bytes = "vec", repeated, tag = "2")]
    users: Vec<Vec<u8>>,
}

#[derive(Clone, PartialEq, Message)]
struct ComputationRecord {
    #[prost(string, tag = "1")]
    program_id: String,
    #[prost(int64, tag = "2")]
    invoked_at_ms: i64,
    #[prost(message, repeated, tag = "3")]
    bindings: Vec<PartyBinding>,
    /// 0 none, 1 ECDSA, 2 EdDSA.
    #[prost(uint32, tag = "4")]
    dkg: u32,
    #[prost(int64, tag = "5")]
    ready_at_ms: i64,
    #[prost(message, repeated, tag = "6")]
    outputs: Vec<PartyOutputs>,
    /// Set when the computation failed.
    #[prost(string, optional, tag = "7")]
    error: Option<String>,
}

/// Encodes a finished computation (a gathering one has no record: it does not survive a
/// restart, as on a node that crashed mid-computation).
pub fn encode_computation(computation: &Computation) -> Option<Vec<u8>> {
    let ComputeState::Finished { ready_at, outcome } = &computation.state else {
        return None;
    };
    let (outputs, error) = match outcome {
        Ok(per_party) => (
            per_party
                .iter()
                .map(|(party, values)| PartyOutputs {
                    party: party.clone(),
                    values: values.clone(),
                })
                .collect(),
            None,
        ),
        Err(text) => (Vec::new(), Some(text.clone())),
    };
    let record = ComputationRecord {
        program_id: computation.program_id.clone(),
        invoked_at_ms: to_millis(computation.invoked_at),
        bindings: computation
            .output_bindings
            .iter()
            .map(|(party, users)| PartyBinding {
                party: party.clone(),
                users: users.iter().map(|u| u.as_bytes().to_vec()).collect(),
            })
            .collect(),
        dkg: match computation.dkg {
            None => 0,
            Some(Dkg::Ecdsa) => 1,
            Some(Dkg::Eddsa) => 2,
        },
        ready_at_ms: to_millis(*ready_at),
        outputs,
        error,
    };
    Some(record.encode_to_vec())
}

/// Decodes a finished computation.
pub fn decode_computation(bytes: &[u8]) -> Result<Computation, StoreError> {
    let table = Table::Computations;
    let record = ComputationRecord::decode(bytes).map_err(|e| corrupt(table, e))?;
    let mut output_bindings = BTreeMap::new();
    for binding in record.bindings {
        let users = binding
            .users
            .iter()
            .map(|u| {
                <[u8; UserId::LENGTH]>::try_from(u.as_slice())
                    .map(UserId::from_bytes)
                    .map_err(|_| corrupt(table, "bad user id"))
            })
            .collect::<Result<BTreeSet<_>, _>>()?;
        output_bindings.insert(binding.party, users);
    }
    let dkg = match record.dkg {
        0 => None,
        1 => Some(Dkg::Ecdsa),
        2 => Some(Dkg::Eddsa),
        other => return Err(corrupt(table, format!("unknown dkg {other}"))),
    };
    let outcome = match record.error {
        Some(text) => Err(text),
        None => Ok(record
            .outputs
            .into_iter()
            .map(|o| (o.party, o.values))
            .collect()),
    };
    Ok(Computation {
        program_id: record.program_id,
        invoked_at: from_millis(record.invoked_at_ms),
        output_bindings,
        inputs: BTreeMap::new(),
        dkg,
        state: ComputeState::Finished {
            ready_at: from_millis(record.ready_at_ms),
            outcome,
        },
    })
}

#[derive(Clone, PartialEq, Message)]
struct BalanceRecord {
    #[prost(uint64, tag = "1")]
    credits: u64,
    #[prost(int64, tag = "2")]
    updated_at_ms: i64,
}

/// Encodes a balance row.
pub fn encode_balance(balance: &Balance) -> Vec<u8> {
    BalanceRecord {
        credits: balance.credits,
        updated_at_ms: to_millis(balance.updated_at),
    }
    .encode_to_vec()
}

/// Decodes a balance row.
pub fn decode_balance(bytes: &[u8]) -> Result<Balance, StoreError> {
    let record = BalanceRecord::decode(bytes).map_err(|e| corrupt(Table::Balances, e))?;
    Ok(Balance {
        credits: record.credits,
        updated_at: from_millis(record.updated_at_ms),
    })
}

/// Decodes a balance key.
pub fn decode_user(key: &[u8]) -> Result<UserId, StoreError> {
    <[u8; UserId::LENGTH]>::try_from(key)
        .map(UserId::from_bytes)
        .map_err(|_| corrupt(Table::Balances, "bad user id"))
}

#[derive(Clone, PartialEq, Message)]
struct AccountRecord {
    #[prost(uint64, tag = "1")]
    number: u64,
    #[prost(uint64, tag = "2")]
    sequence: u64,
    #[prost(uint64, tag = "3")]
    balance: u64,
}

/// Encodes a chain account.
pub fn encode_account(account: &Account) -> Vec<u8> {
    AccountRecord {
        number: account.number,
        sequence: account.sequence,
        balance: account.balance,
    }
    .encode_to_vec()
}

/// Decodes a chain account.
pub fn decode_account(bytes: &[u8]) -> Result<Account, StoreError> {
    let record = AccountRecord::decode(bytes).map_err(|e| corrupt(Table::Accounts, e))?;
    Ok(Account {
        number: record.number,
        sequence: record.sequence,
        balance: record.balance,
    })
}

#[derive(Clone, PartialEq, Message)]
struct TxRecordMessage {
    #[prost(string, tag = "1")]
    hash: String,
    #[prost(int64, tag = "2")]
    height: i64,
    #[prost(bytes = "vec", tag = "3")]
    resource: Vec<u8>,
    #[prost(string, tag = "4")]
    from_address: String,
    #[prost(uint64, tag = "5")]
    amount_unil: u64,
    #[prost(bytes = "vec", tag = "6")]
    tx_bytes: Vec<u8>,
}

/// Encodes a committed transaction.
pub fn encode_tx(record: &TxRecord) -> Vec<u8> {
    TxRecordMessage {
        hash: record.hash.clone(),
        height: record.height,
        resource: record.pay_for.resource.clone(),
        from_address: record.pay_for.from_address.clone(),
        amount_unil: record.pay_for.amount_unil,
        tx_bytes: record.tx_bytes.clone(),
    }
    .encode_to_vec()
}

/// Decodes a committed transaction.
pub fn decode_tx(bytes: &[u8]) -> Result<TxRecord, StoreError> {
    let record = TxRecordMessage::decode(bytes).map_err(|e| corrupt(Table::Transactions, e))?;
    Ok(TxRecord {
        hash: record.hash,
        height: record.height,
        pay_for: PayFor {
            resource: record.resource,
            from_address: record.from_address,
            amount_unil: record.amount_unil,
        },
        tx_bytes: record.tx_bytes,
    })
}

/// Encodes a `u64` setting (chain height, burned total).
pub fn encode_u64(value: u64) -> Vec<u8> {
    value.to_be_bytes().to_vec()
}

/// Decodes a `u64` setting.
pub fn decode_u64(bytes: &[u8]) -> Result<u64, StoreError> {
    <[u8; 8]>::try_from(bytes)
        .map(u64::from_be_bytes)
        .map_err(|_| corrupt(Table::Meta, "bad number"))
}
