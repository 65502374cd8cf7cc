//! Our cosmos subset against the transaction that cosmpy builds for a `MsgPayFor` payment
//! (the test vector of docs/payments-and-devnet.md §2.4): the body and auth info decode to the
//! expected fields and re-encode to the same bytes.

#![allow(clippy::unwrap_used, clippy::panic)] // test helpers outside #[test] functions

use nilvm_proto::Message;
use nilvm_proto::cosmos::crypto::secp256k1::PubKey;
use nilvm_proto::cosmos::tx::signing::v1beta1::SignMode;
use nilvm_proto::cosmos::tx::v1beta1::{AuthInfo, TxBody, mode_info};
use nilvm_proto::nillion::meta::v1::MsgPayFor;

const BODY_BYTES: &str = "0a81010a1a2f6e696c6c696f6e2e6d6574612e76312e4d7367506179466f7212630a200101010101010101010101010101010101010101010101010101010101010101122e6e696c6c696f6e313478376664333874387776683279707932667068323730776b763867373534746a636e79356a1a0f0a04756e696c120731303030303030";
const AUTH_INFO_BYTES: &str = "0a500a460a1f2f636f736d6f732e63727970746f2e736563703235366b312e5075624b657912230a21028304127a8f8d3e568f2fe088fe3c4670bf54e8c3150e98b9627e4e959c1537db12040a020801180312100a090a04756e696c1201301080ade204";

#[test]
fn tx_body_with_msg_pay_for_round_trips() {
    let bytes = hex::decode(BODY_BYTES).unwrap();
    let body = TxBody::decode(bytes.as_slice()).unwrap();
    assert_eq!(body.messages.len(), 1);
    let any = &body.messages[0];
    assert_eq!(any.type_url, "/nillion.meta.v1.MsgPayFor");
    let msg = MsgPayFor::decode(any.value.as_slice()).unwrap();
    assert_eq!(msg.resource, vec![1u8; 32]);
    assert_eq!(
        msg.from_address,
        "nillion14x7fd38t8wvh2ypy2fph270wkv8g754tjcny5j"
    );
    assert_eq!(msg.amount.len(), 1);
    assert_eq!(
        (msg.amount[0].denom.as_str(), msg.amount[0].amount.as_str()),
        ("unil", "1000000")
    );
    assert_eq!(body.encode_to_vec(), bytes);
}

#[test]
fn auth_info_with_secp256k1_signer_round_trips() {
    let bytes = hex::decode(AUTH_INFO_BYTES).unwrap();
    let auth = AuthInfo::decode(bytes.as_slice()).unwrap();
    let signer = &auth.signer_infos[0];
    let key = signer.public_key.as_ref().unwrap();
    assert_eq!(key.type_url, "/cosmos.crypto.secp256k1.PubKey");
    let pubkey = PubKey::decode(key.value.as_slice()).unwrap();
    assert_eq!(
        hex::encode(pubkey.key),
        "028304127a8f8d3e568f2fe088fe3c4670bf54e8c3150e98b9627e4e959c1537db"
    );
    let Some(mode_info::Sum::Single(single)) = &signer.mode_info.as_ref().unwrap().sum else {
        panic!("expected a single signer");
    };
    assert_eq!(single.mode(), SignMode::Direct);
    assert_eq!(signer.sequence, 3);
    let fee = auth.fee.as_ref().unwrap();
    assert_eq!(fee.gas_limit, 10_000_000);
    assert_eq!(
        (fee.amount[0].denom.as_str(), fee.amount[0].amount.as_str()),
        ("unil", "0")
    );
    assert_eq!(auth.encode_to_vec(), bytes);
}
