//! The nilchain transaction that pays for a resource (`MsgPayFor`), built and signed as cosmpy
//! does, so a payer only sends bytes: query the account (number, sequence), call
//! [`pay_for_tx`], broadcast [`SignedTx::tx_bytes`] in SYNC mode, and poll GetTx with
//! [`SignedTx::tx_hash`].

use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;

use bech32::primitives::decode::CheckedHrpstring;
use bech32::{Bech32, Hrp};
use nilvm_proto::Message;
use nilvm_proto::cosmos::base::v1beta1::Coin;
use nilvm_proto::cosmos::crypto::secp256k1::PubKey;
use nilvm_proto::cosmos::tx::signing::v1beta1::SignMode;
use nilvm_proto::cosmos::tx::v1beta1::{
    AuthInfo, BroadcastMode, BroadcastTxRequest, Fee, ModeInfo, SignDoc, SignerInfo, TxBody, TxRaw,
    mode_info,
};
use nilvm_proto::nillion::meta::v1::{Amount, MsgPayFor};
use nilvm_proto::well_known::Any;
use ripemd::{Digest, Ripemd160};

use crate::identity::{PublicKey, Signature, UserKey, sha256};

/// The bech32 prefix of nilchain addresses.
pub const ADDRESS_PREFIX: &str = "nillion";
/// The chain's base denomination (10^6 unil = 1 NIL).
pub const DENOM: &str = "unil";
/// The type URL of `MsgPayFor` in a transaction body.
pub const MSG_PAY_FOR_TYPE_URL: &str = "/nillion.meta.v1.MsgPayFor";
/// The type URL of a secp256k1 public key in a signer info.
pub const SECP256K1_PUBKEY_TYPE_URL: &str = "/cosmos.crypto.secp256k1.PubKey";
/// The devnet chain id.
pub const DEVNET_CHAIN_ID: &str = "nillion-chain-devnet";
/// The gas limit both SDKs pass.
pub const DEFAULT_GAS_LIMIT: u64 = 10_000_000;

const HRP: Hrp = Hrp::parse_unchecked(ADDRESS_PREFIX);

/// Errors building or reading chain transactions.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ChainTxError {
    /// Signing failed.
    #[error("failed to sign the transaction")]
    SigningFailed,
    /// Bech32 encoding failed.
    #[error("failed to encode the address")]
    AddressEncoding,
    /// Not a valid bech32 (not bech32m) `nillion` address of 20 bytes.
    #[error("invalid nillion address '{0}'")]
    InvalidAddress(String),
    /// The bytes are not a transaction body.
    #[error("malformed transaction: {0}")]
    Malformed(String),
    /// The transaction has no message.
    #[error("transaction has no message")]
    NoMessage,
    /// The first message is not a `MsgPayFor`.
    #[error("unexpected message type '{0}'")]
    UnexpectedMessage(String),
    /// Not exactly one amount, or an unknown denomination, or a non-numeric amount.
    #[error("unsupported payment amount")]
    UnsupportedAmount,
}

/// The address of a key: `bech32("nillion", RIPEMD-160(SHA-256(compressed key)))`.
pub fn nillion_address(public_key: &PublicKey) -> Result<String, ChainTxError> {
    let hash = Ripemd160::digest(sha256(&public_key.to_bytes()));
    bech32::encode::<Bech32>(HRP, &hash).map_err(|_| ChainTxError::AddressEncoding)
}

/// The 20 bytes of a `nillion1…` address (classic bech32 checksum only).
pub fn parse_nillion_address(address: &str) -> Result<[u8; 20], ChainTxError> {
    let invalid = || ChainTxError::InvalidAddress(address.to_string());
    let checked = CheckedHrpstring::new::<Bech32>(address).map_err(|_| invalid())?;
    if checked.hrp() != HRP {
        return Err(invalid());
    }
    let bytes: Vec<u8> = checked.byte_iter().collect();
    bytes.as_slice().try_into().map_err(|_| invalid())
}

/// Account and fee parameters of a transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TxParams {
    /// Chain id (devnet: `nillion-chain-devnet`).
    pub chain_id: String,
    /// The signer's account number (from the Account query).
    pub account_number: u64,
    /// The signer's sequence (from the Account query).
    pub sequence: u64,
    /// Gas limit (the SDKs pass 10,000,000).
    pub gas_limit: u64,
    /// Fee in unil (0 on the devnet, as cosmpy with gas price 0).
    pub fee_unil: u64,
    /// Memo (empty in the SDKs).
    pub memo: String,
}

impl TxParams {
    /// Devnet parameters: chain `nillion-chain-devnet`, gas limit 10,000,000, zero fee.
    pub fn devnet(account_number: u64, sequence: u64) -> Self {
        TxParams {
            chain_id: DEVNET_CHAIN_ID.into(),
            account_number,
            sequence,
            gas_limit: DEFAULT_GAS_LIMIT,
            fee_unil: 0,
            memo: String::new(),
        }
    }
}

/// A signed transaction, with every intermediate encoding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedTx {
    /// Encoded `TxBody`.
    pub body_bytes: Vec<u8>,
    /// Encoded `AuthInfo`.
    pub auth_info_bytes: Vec<u8>,
    /// Encoded `SignDoc` (what is signed, after SHA-256).
    pub sign_doc_bytes: Vec<u8>,
    /// The signature: ECDSA over SHA-256(sign doc), RFC 6979, low-s.
    pub signature: Signature,
    /// Encoded `TxRaw`: the bytes to broadcast.
    pub tx_bytes: Vec<u8>,
    /// Uppercase hex SHA-256 of `tx_bytes`, as the chain reports it.
    pub tx_hash: String,
}

impl SignedTx {
    /// The BroadcastTx request (SYNC mode, as cosmpy sends).
    pub fn broadcast_request(&self) -> BroadcastTxRequest {
        BroadcastTxRequest {
            tx_bytes: self.tx_bytes.clone(),
            mode: BroadcastMode::Sync as i32,
        }
    }
}

/// The hash the chain reports for transaction bytes: uppercase hex SHA-256.
pub fn tx_hash(tx_bytes: &[u8]) -> String {
    hex::encode_upper(sha256(tx_bytes))
}

fn coin(amount: u64) -> Coin {
    Coin {
        denom: DENOM.into(),
        amount: amount.to_string(),
    }
}

/// Builds and signs `MsgPayFor{resource, from: key's address, amount: [amount_unil unil]}` as
/// cosmpy does (direct sign mode, one signer).
pub fn pay_for_tx(
    key: &UserKey,
    params: &TxParams,
    resource: &[u8],
    amount_unil: u64,
) -> Result<SignedTx, ChainTxError> {
    let public_key = key.public_key();
    let message = MsgPayFor {
        resource: resource.to_vec(),
        from_address: nillion_address(&public_key)?,
        amount: vec![Amount {
            denom: DENOM.into(),
            amount: amount_unil.to_string(),
        }],
    };
    let body_bytes = TxBody {
        messages: vec![Any {
            type_url: MSG_PAY_FOR_TYPE_URL.into(),
            value: message.encode_to_vec(),
        }],
        memo: params.memo.clone(),
        timeout_height: 0,
        extension_options: Vec::new(),
        non_critical_extension_options: Vec::new(),
    }
    .encode_to_vec();
    let auth_info_bytes = AuthInfo {
        signer_infos: vec![SignerInfo {
            public_key: Some(Any {
                type_url: SECP256K1_PUBKEY_TYPE_URL.into(),
                value: PubKey {
                    key: public_key.to_bytes().to_vec(),
                }
                .encode_to_vec(),
            }),
            mode_info: Some(ModeInfo {
                sum: Some(mode_info::Sum::Single(mode_info::Single {
                    mode: SignMode::Direct as i32,
                })),
            }),
            sequence: params.sequence,
        }],
        fee: Some(Fee {
            amount: vec![coin(params.fee_unil)],
            gas_limit: params.gas_limit,
            payer: String::new(),
            granter: String::new(),
        }),
    }
    .encode_to_vec();
    let sign_doc_bytes = SignDoc {
        body_bytes: body_bytes.clone(),
        auth_info_bytes: auth_info_bytes.clone(),
        chain_id: params.chain_id.clone(),
        account_number: params.account_number,
    }
    .encode_to_vec();
    let signature = key
        .sign(&sign_doc_bytes)
        .map_err(|_| ChainTxError::SigningFailed)?;
    let tx_bytes = TxRaw {
        body_bytes: body_bytes.clone(),
        auth_info_bytes: auth_info_bytes.clone(),
        signatures: vec![signature.to_vec()],
    }
    .encode_to_vec();
    let tx_hash = tx_hash(&tx_bytes);
    Ok(SignedTx {
        body_bytes,
        auth_info_bytes,
        sign_doc_bytes,
        signature,
        tx_bytes,
        tx_hash,
    })
}

/// The payment a transaction makes, as the leader reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PayFor {
    /// What was paid for: a quote nonce, or SHA-256 of an add-funds payload.
    pub resource: Vec<u8>,
    /// The payer's address.
    pub from_address: String,
    /// The amount in unil.
    pub amount_unil: u64,
}

/// Reads the payment of a transaction body (leader side): the first message must be a
/// `MsgPayFor` with exactly one amount in `unil` or `nil` (case-insensitive; 1 nil = 10^6 unil).
/// Unlike the official leader, the type URL is checked.
pub fn decode_pay_for(body: &TxBody) -> Result<PayFor, ChainTxError> {
    let message = body.messages.first().ok_or(ChainTxError::NoMessage)?;
    if message.type_url != MSG_PAY_FOR_TYPE_URL {
        return Err(ChainTxError::UnexpectedMessage(message.type_url.clone()));
    }
    let pay_for = MsgPayFor::decode(message.value.as_slice())
        .map_err(|e| ChainTxError::Malformed(e.to_string()))?;
    let [amount] = pay_for.amount.as_slice() else {
        return Err(ChainTxError::UnsupportedAmount);
    };
    let value: u64 = amount
        .amount
        .parse()
        .map_err(|_| ChainTxError::UnsupportedAmount)?;
    let amount_unil = if amount.denom.eq_ignore_ascii_case("unil") {
        value
    } else if amount.denom.eq_ignore_ascii_case("nil") {
        value
            .checked_mul(1_000_000)
            .ok_or(ChainTxError::UnsupportedAmount)?
    } else {
        return Err(ChainTxError::UnsupportedAmount);
    };
    Ok(PayFor {
        resource: pay_for.resource,
        from_address: pay_for.from_address,
        amount_unil,
    })
}

/// [`decode_pay_for`] over encoded body bytes.
pub fn decode_pay_for_body(body_bytes: &[u8]) -> Result<PayFor, ChainTxError> {
    let body = TxBody::decode(body_bytes).map_err(|e| ChainTxError::Malformed(e.to_string()))?;
    decode_pay_for(&body)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY_0: &str = "9a975f567428d054f2bf3092812e6c42f901ce07d9711bc77ee2cd81101f42c5";

    /// docs/payments-and-devnet.md §2.4, byte for byte.
    #[test]
    fn cosmpy_signing_vector() {
        let key = UserKey::from_hex(KEY_0).unwrap();
        assert_eq!(
            hex::encode(key.public_key().to_bytes()),
            "028304127a8f8d3e568f2fe088fe3c4670bf54e8c3150e98b9627e4e959c1537db"
        );
        assert_eq!(
            nillion_address(&key.public_key()).unwrap(),
            "nillion14x7fd38t8wvh2ypy2fph270wkv8g754tjcny5j"
        );
        let params = TxParams::devnet(7, 3);
        let tx = pay_for_tx(&key, &params, &[1; 32], 1_000_000).unwrap();
        assert_eq!(
            hex::encode(&tx.body_bytes),
            "0a81010a1a2f6e696c6c696f6e2e6d6574612e76312e4d7367506179466f7212630a200101010101010101010101010101010101010101010101010101010101010101122e6e696c6c696f6e313478376664333874387776683279707932667068323730776b763867373534746a636e79356a1a0f0a04756e696c120731303030303030"
        );
        assert_eq!(
            hex::encode(&tx.auth_info_bytes),
            "0a500a460a1f2f636f736d6f732e63727970746f2e736563703235366b312e5075624b657912230a21028304127a8f8d3e568f2fe088fe3c4670bf54e8c3150e98b9627e4e959c1537db12040a020801180312100a090a04756e696c1201301080ade204"
        );
        assert_eq!(
            hex::encode(sha256(&tx.sign_doc_bytes)),
            "990ccb65bbc867d103010c6819193233dafe91da6dd213bd802d8763fc6bb186"
        );
        assert_eq!(
            hex::encode(tx.signature.as_bytes()),
            "7d5075eda0fef5024963073733943b0cd7f5b6f9fd437fe7142b10315f08a4d93ae6c74f0f0f38f5fd8aa3dc07d466c13381f9a7bd2dc2ed7044081b1bc9148d"
        );
        assert_eq!(tx.tx_bytes.len(), 303);
        assert_eq!(
            tx.tx_hash,
            "3AB2736647DB4A28544894F79A39FDFD354CBDACFA90C3B0705F8109BBC5B8E4"
        );
        // The signature verifies over the sign doc, and TxRaw decodes back to the parts.
        key.public_key()
            .verify(&tx.sign_doc_bytes, tx.signature.as_bytes())
            .unwrap();
        let raw = TxRaw::decode(tx.tx_bytes.as_slice()).unwrap();
        assert_eq!(raw.body_bytes, tx.body_bytes);
        assert_eq!(raw.signatures, [tx.signature.to_vec()]);
        let request = tx.broadcast_request();
        assert_eq!(request.mode, 2);
        assert_eq!(request.tx_bytes, tx.tx_bytes);

        let paid = decode_pay_for_body(&tx.body_bytes).unwrap();
        assert_eq!(paid.resource, [1; 32]);
        assert_eq!(paid.amount_unil, 1_000_000);
        assert_eq!(
            paid.from_address,
            "nillion14x7fd38t8wvh2ypy2fph270wkv8g754tjcny5j"
        );
    }

    #[test]
    fn devnet_addresses() {
        // Funded devnet keys 1 and 9 (docs/payments-and-devnet.md §4.5) and the seed "test"
        // vector address (§2.1).
        for (key, address) in [
            (
                "1e491133b9408b39572a29f91644873decea554224b20e2b0b923aeb860a1c18",
                "nillion13pczfullcd5j77e9ph4mcs00hs2mrxw23p5k63",
            ),
            (
                "ef4b944d4fdb0077057925fe2dde365dfa2c83cf320463b14589feccd1b2b938",
                "nillion169h980rezm82cv4ex9j38upga88a6xyjtnu53h",
            ),
        ] {
            let key = UserKey::from_hex(key).unwrap();
            assert_eq!(nillion_address(&key.public_key()).unwrap(), address);
            assert_eq!(parse_nillion_address(address).unwrap().len(), 20);
        }
        assert_eq!(
            parse_nillion_address("nillion1mp04skwnrpt7v2y3n4hd7ejjm59p4zp3d39hde")
                .unwrap()
                .len(),
            20
        );
    }

    #[test]
    fn address_parsing_rejections() {
        let good = "nillion14x7fd38t8wvh2ypy2fph270wkv8g754tjcny5j";
        let mut bad_checksum = String::from(good);
        bad_checksum.pop();
        bad_checksum.push('k');
        let other_prefix =
            bech32::encode::<Bech32>(Hrp::parse_unchecked("cosmos"), &[0; 20]).unwrap();
        let bech32m = bech32::encode::<bech32::Bech32m>(HRP, &[0; 20]).unwrap();
        let short = bech32::encode::<Bech32>(HRP, &[0; 19]).unwrap();
        assert_eq!(
            parse_nillion_address(&bech32::encode::<Bech32>(HRP, &[0; 20]).unwrap()),
            Ok([0; 20])
        );
        for bad in [
            "",
            "nillion1",
            bad_checksum.as_str(),
            other_prefix.as_str(),
            bech32m.as_str(),
            short.as_str(),
        ] {
            assert!(parse_nillion_address(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn tx_hash_is_uppercase_sha256() {
        assert_eq!(
            tx_hash(b"abc"),
            "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"
        );
    }

    #[test]
    fn pay_for_decoding_rules() {
        let body = |type_url: &str, amounts: Vec<Amount>| TxBody {
            messages: vec![Any {
                type_url: type_url.into(),
                value: MsgPayFor {
                    resource: vec![9; 32],
                    from_address: "a".into(),
                    amount: amounts,
                }
                .encode_to_vec(),
            }],
            ..TxBody::default()
        };
        let amount = |denom: &str, value: &str| Amount {
            denom: denom.into(),
            amount: value.into(),
        };
        assert_eq!(
            decode_pay_for(&body(MSG_PAY_FOR_TYPE_URL, vec![amount("NIL", "2")]))
                .unwrap()
                .amount_unil,
            2_000_000
        );
        assert_eq!(
            decode_pay_for(&body(MSG_PAY_FOR_TYPE_URL, vec![amount("UNIL", "5")]))
                .unwrap()
                .amount_unil,
            5
        );
        for amounts in [
            vec![],
            vec![amount("unil", "1"), amount("unil", "1")],
            vec![amount("uatom", "1")],
            vec![amount("unil", "-1")],
            vec![amount("unil", "1.5")],
            vec![amount("nil", "18446744073709551615")],
        ] {
            assert_eq!(
                decode_pay_for(&body(MSG_PAY_FOR_TYPE_URL, amounts)),
                Err(ChainTxError::UnsupportedAmount)
            );
        }
        assert!(matches!(
            decode_pay_for(&body(
                "/cosmos.bank.v1beta1.MsgSend",
                vec![amount("unil", "1")]
            )),
            Err(ChainTxError::UnexpectedMessage(_))
        ));
        assert_eq!(
            decode_pay_for(&TxBody::default()),
            Err(ChainTxError::NoMessage)
        );
        assert!(matches!(
            decode_pay_for_body(&[0xff]),
            Err(ChainTxError::Malformed(_))
        ));
        let mut garbage = body(MSG_PAY_FOR_TYPE_URL, vec![]);
        garbage.messages[0].value = vec![0xff];
        assert!(matches!(
            decode_pay_for(&garbage),
            Err(ChainTxError::Malformed(_))
        ));
    }
}
