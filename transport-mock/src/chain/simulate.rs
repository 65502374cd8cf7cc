//! Simulation (`cosmos.tx.v1beta1.Service/Simulate`): the delivery checks without the
//! signature, no state change, and a deterministic gas figure.
//!
//! Gas follows the Cosmos SDK's metering with its auth module defaults: 10 gas per byte of
//! transaction (`TxSizeCostPerByte`), 1000 per secp256k1 signature check
//! (`SigVerifyCostSecp256k1`). An empty signature, the placeholder clients simulate with, is
//! charged as the 64 bytes a real one adds, so the estimate covers the signed transaction. The
//! stub keeps no metered store, so the store accesses of a `MsgPayFor` are a fixed base at the
//! SDK's flat KV costs (1000 per read, 2000 per write): 4 reads (account, auth params, balance,
//! supply) and 3 writes (account, balance, supply).

use nilvm_proto::Message;
use nilvm_proto::cosmos::base::abci::v1beta1::{GasInfo, Result as TxResult, TxMsgData};
use nilvm_proto::cosmos::tx::v1beta1::SimulateResponse;
use nilvm_proto::tendermint::abci::{Event, EventAttribute};
use nilvm_proto::well_known::Any;

use super::check::TxError;
use nilvm_core::payments::chain_tx::{MSG_PAY_FOR_TYPE_URL, PayFor};

/// Gas per byte of transaction.
pub const TX_SIZE_COST_PER_BYTE: u64 = 10;
/// Gas per secp256k1 signature verification.
pub const SIG_VERIFY_COST_SECP256K1: u64 = 1000;
/// The bytes a 64-byte signature adds over the empty placeholder.
pub const SIGNATURE_BYTES: u64 = 64;
/// Gas of the store accesses of one `MsgPayFor`: 4 reads at 1000, 3 writes at 2000.
pub const PAY_FOR_STORE_GAS: u64 = 4 * 1000 + 3 * 2000;
/// The type URL of the (empty) response of a `MsgPayFor`.
pub const MSG_PAY_FOR_RESPONSE_TYPE_URL: &str = "/nillion.meta.v1.MsgPayForResponse";

/// The gas of a transaction of `tx_len` bytes; `unsigned` when its signature is empty.
pub fn gas_used(tx_len: usize, unsigned: bool) -> u64 {
    let bytes = u64::try_from(tx_len).unwrap_or(u64::MAX);
    let bytes = bytes.saturating_add(if unsigned { SIGNATURE_BYTES } else { 0 });
    TX_SIZE_COST_PER_BYTE
        .saturating_mul(bytes)
        .saturating_add(SIG_VERIFY_COST_SECP256K1)
        .saturating_add(PAY_FOR_STORE_GAS)
}

/// A refused simulation: why, and the gas used until then. `Display` is the text of the
/// chain's gRPC error (code UNKNOWN).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{error} with gas used: '{gas_used}'")]
pub struct SimulateError {
    /// Why the transaction would be refused.
    pub error: TxError,
    /// Gas metered before the refusal: none when the bytes do not decode, else the size gas.
    pub gas_used: u64,
}

impl SimulateError {
    pub(super) fn new(error: TxError, tx_len: usize) -> Self {
        let gas_used = match error {
            TxError::Decode(_) => 0,
            _ => TX_SIZE_COST_PER_BYTE.saturating_mul(u64::try_from(tx_len).unwrap_or(u64::MAX)),
        };
        Self { error, gas_used }
    }
}

/// An accepted simulation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Simulation {
    /// The sender.
    pub sender: String,
    /// The payment the transaction would make.
    pub pay_for: PayFor,
    /// The gas it would use.
    pub gas_used: u64,
}

impl Simulation {
    /// The `SimulateResponse`: gas info (the meter of a simulation is unbounded, so
    /// `gas_wanted` is `u64::MAX`, as recent Cosmos SDKs report) and the result: the message's
    /// response, and the `message` event delivery emits.
    pub fn response(&self) -> SimulateResponse {
        let msg_responses = vec![Any {
            type_url: MSG_PAY_FOR_RESPONSE_TYPE_URL.into(),
            value: Vec::new(),
        }];
        let attribute = |key: &str, value: &str| EventAttribute {
            key: key.as_bytes().to_vec(),
            value: value.as_bytes().to_vec(),
            index: true,
        };
        let event = Event {
            r#type: "message".into(),
            attributes: vec![
                attribute("action", MSG_PAY_FOR_TYPE_URL),
                attribute("sender", &self.sender),
                attribute("module", "meta"),
            ],
        };
        SimulateResponse {
            gas_info: Some(GasInfo {
                gas_wanted: u64::MAX,
                gas_used: self.gas_used,
            }),
            result: Some(TxResult {
                data: TxMsgData {
                    msg_responses: msg_responses.clone(),
                }
                .encode_to_vec(),
                log: String::new(),
                events: vec![event],
                msg_responses,
            }),
        }
    }
}
