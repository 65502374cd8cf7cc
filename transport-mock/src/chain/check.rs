//! The checks a transaction passes before it runs, shared by delivery (BroadcastTx) and
//! simulation, so both refuse the same transactions with the same code and text.
//!
//! Simulation differs from delivery only where a Cosmos chain's ante handler does
//! (docs/payments-and-devnet.md §1.5): it skips the signing mode and signature checks and the
//! match of the public key with the sender, and the public key may be absent. Everything else
//! (decoding, counts, account, sequence, message, fee, funds) is checked the same way.

use nilvm_core::identity::PublicKey;
use nilvm_core::payments::chain_tx::{
    ChainTxError, DENOM, MSG_PAY_FOR_TYPE_URL, PayFor, SECP256K1_PUBKEY_TYPE_URL, decode_pay_for,
};
use nilvm_core::payments::nillion_address;
use nilvm_proto::Message;
use nilvm_proto::cosmos::crypto::secp256k1::PubKey;
use nilvm_proto::cosmos::tx::signing::v1beta1::SignMode;
use nilvm_proto::cosmos::tx::v1beta1::{AuthInfo, SignDoc, SignerInfo, TxBody, TxRaw, mode_info};

use super::{Account, codes};

/// Why the chain refuses a transaction. `Display` is the raw log a Cosmos chain answers with;
/// [`TxError::code`] its root code (codespace `sdk`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TxError {
    /// The bytes, body or auth info do not decode.
    #[error("tx parse error: {0}")]
    Decode(&'static str),
    /// Not exactly one signer info.
    #[error("wrong number of signers")]
    SignerCount,
    /// Not exactly one signature.
    #[error("wrong number of signatures")]
    SignatureCount,
    /// The signer's mode is not `SIGN_MODE_DIRECT`.
    #[error("signing mode is not direct")]
    SignMode,
    /// The signer's public key is missing (delivery only) or not a secp256k1 key.
    #[error("invalid signer public key")]
    PublicKey,
    /// The sender has no account.
    #[error("account {0} not found")]
    UnknownAccount(String),
    /// The signature does not verify over the sign doc.
    #[error(
        "signature verification failed; please verify account number and chain-id: unauthorized"
    )]
    Signature,
    /// The signer's sequence is not the account's.
    #[error(
        "account sequence mismatch, expected {expected}, got {got}: incorrect account sequence"
    )]
    WrongSequence {
        /// The account's sequence.
        expected: u64,
        /// The signer info's.
        got: u64,
    },
    /// Not exactly one message, or not a `MsgPayFor`.
    #[error("unsupported message")]
    UnsupportedMessage,
    /// The `MsgPayFor` does not decode or its amount is not supported.
    #[error("invalid MsgPayFor: {0}")]
    InvalidPayFor(ChainTxError),
    /// The public key's address is not the message's sender.
    #[error("signer is not the message sender")]
    NotSender,
    /// The fee is not one amount of unil.
    #[error("invalid fee")]
    InvalidFee,
    /// The sender cannot pay amount plus fee.
    #[error("{balance}unil is smaller than {cost}unil: insufficient funds")]
    InsufficientFunds {
        /// The sender's balance.
        balance: u64,
        /// Amount plus fee.
        cost: u64,
    },
}

impl TxError {
    /// The Cosmos SDK root error code of the refusal.
    pub fn code(&self) -> u32 {
        match self {
            Self::Decode(_) => codes::TX_DECODE,
            Self::SignerCount
            | Self::SignatureCount
            | Self::SignMode
            | Self::PublicKey
            | Self::Signature
            | Self::NotSender => codes::UNAUTHORIZED,
            Self::UnknownAccount(_) => codes::UNKNOWN_ADDRESS,
            Self::WrongSequence { .. } => codes::WRONG_SEQUENCE,
            Self::UnsupportedMessage | Self::InvalidPayFor(_) | Self::InvalidFee => {
                codes::INVALID_REQUEST
            }
            Self::InsufficientFunds { .. } => codes::INSUFFICIENT_FUNDS,
        }
    }
}

/// Whether a transaction is delivered or only simulated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Mode {
    /// BroadcastTx: every check, signature included.
    Deliver,
    /// Simulate: the signature is not checked (it is usually empty).
    Simulate,
}

/// A transaction that passed the checks: who pays what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct CheckedTx {
    /// The sender's address.
    pub address: String,
    /// The payment.
    pub pay_for: PayFor,
    /// Amount plus fee, in unil.
    pub cost: u64,
    /// Whether the signature is empty (a simulation's placeholder).
    pub unsigned: bool,
}

/// The transaction's parts, decoded from the exact bytes received.
struct Decoded {
    raw: TxRaw,
    auth_info: AuthInfo,
    signer: SignerInfo,
    pay_for: PayFor,
}

fn decode(tx_bytes: &[u8]) -> Result<Decoded, TxError> {
    let raw = TxRaw::decode(tx_bytes).map_err(|_| TxError::Decode("tx bytes"))?;
    let body = TxBody::decode(raw.body_bytes.as_slice()).map_err(|_| TxError::Decode("body"))?;
    let auth_info = AuthInfo::decode(raw.auth_info_bytes.as_slice())
        .map_err(|_| TxError::Decode("auth info"))?;
    let [signer] = auth_info.signer_infos.as_slice() else {
        return Err(TxError::SignerCount);
    };
    let signer = signer.clone();
    if raw.signatures.len() != 1 {
        return Err(TxError::SignatureCount);
    }
    let first_type = body.messages.first().map(|m| m.type_url.as_str());
    if first_type != Some(MSG_PAY_FOR_TYPE_URL) || body.messages.len() != 1 {
        return Err(TxError::UnsupportedMessage);
    }
    let pay_for = decode_pay_for(&body).map_err(TxError::InvalidPayFor)?;
    Ok(Decoded {
        raw,
        auth_info,
        signer,
        pay_for,
    })
}

/// The signer's secp256k1 key, `None` when absent.
fn public_key(signer: &SignerInfo) -> Result<Option<PublicKey>, TxError> {
    let Some(any) = signer.public_key.as_ref() else {
        return Ok(None);
    };
    if any.type_url != SECP256K1_PUBKEY_TYPE_URL {
        return Err(TxError::PublicKey);
    }
    let key = PubKey::decode(any.value.as_slice()).map_err(|_| TxError::PublicKey)?;
    PublicKey::from_sec1_bytes(&key.key)
        .map(Some)
        .map_err(|_| TxError::PublicKey)
}

/// The sender's address: the key's in delivery (which must be the message's sender); the
/// message's in simulation, where a Cosmos chain does not match the key against it.
fn sender(decoded: &Decoded, mode: Mode) -> Result<(String, Option<PublicKey>), TxError> {
    let key = public_key(&decoded.signer)?;
    if mode == Mode::Simulate {
        return Ok((decoded.pay_for.from_address.clone(), key));
    }
    let direct = matches!(
        decoded.signer.mode_info.as_ref().and_then(|m| m.sum.as_ref()),
        Some(mode_info::Sum::Single(single)) if single.mode == SignMode::Direct as i32
    );
    if !direct {
        return Err(TxError::SignMode);
    }
    let key = key.ok_or(TxError::PublicKey)?;
    let address = nillion_address(&key).map_err(|_| TxError::PublicKey)?;
    if address != decoded.pay_for.from_address {
        return Err(TxError::NotSender);
    }
    Ok((address, Some(key)))
}

fn fee_unil(auth_info: &AuthInfo) -> Result<u64, TxError> {
    match auth_info.fee.as_ref().map(|f| f.amount.as_slice()) {
        None | Some([]) => Ok(0),
        Some([coin]) if coin.denom == DENOM => coin.amount.parse().map_err(|_| TxError::InvalidFee),
        Some(_) => Err(TxError::InvalidFee),
    }
}

/// Runs every check of `mode` on `tx_bytes` against the chain's accounts; changes nothing.
pub(super) fn check(
    tx_bytes: &[u8],
    mode: Mode,
    chain_id: &str,
    account_of: impl Fn(&str) -> Option<Account>,
) -> Result<CheckedTx, TxError> {
    let decoded = decode(tx_bytes)?;
    let (address, key) = sender(&decoded, mode)?;
    let account = account_of(&address).ok_or_else(|| TxError::UnknownAccount(address.clone()))?;
    let signature = decoded
        .raw
        .signatures
        .first()
        .map_or(&[][..], Vec::as_slice);
    if mode == Mode::Deliver {
        let sign_doc = SignDoc {
            body_bytes: decoded.raw.body_bytes.clone(),
            auth_info_bytes: decoded.raw.auth_info_bytes.clone(),
            chain_id: chain_id.to_string(),
            account_number: account.number,
        }
        .encode_to_vec();
        key.ok_or(TxError::PublicKey)?
            .verify(&sign_doc, signature)
            .map_err(|_| TxError::Signature)?;
    }
    if decoded.signer.sequence != account.sequence {
        return Err(TxError::WrongSequence {
            expected: account.sequence,
            got: decoded.signer.sequence,
        });
    }
    let cost = decoded
        .pay_for
        .amount_unil
        .saturating_add(fee_unil(&decoded.auth_info)?);
    if account.balance < cost {
        return Err(TxError::InsufficientFunds {
            balance: account.balance,
            cost,
        });
    }
    Ok(CheckedTx {
        address,
        pay_for: decoded.pay_for,
        cost,
        unsigned: signature.is_empty(),
    })
}
