//! Signed quotes and receipts, add-funds payloads and `MsgPayFor` bodies.
//!
//! Bytes come either raw (signature and all, so the signature check must reject them), or
//! signed with the test leader's key (so the fuzzer gets past the signature into decoding
//! and the checks; the deterministic "provider" idea of rustls' fuzzing). Oracles: a quote
//! that validates is for exactly the expected request and unexpired; a receipt that validates
//! is for the quote's operation and unexpired; a node accepts a receipt at most once.
#![no_main]

use std::collections::BTreeSet;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use nilvm_core::arbitrary::ReceiptCase;
use nilvm_core::identity::UserKey;
use nilvm_core::payments::quote::{MaxFee, validate_quote, verify_signed_quote};
use nilvm_core::payments::receipt::{
    NodeReceiptError, operation_metadata, sign_receipt, validate_receipt, verify_receipt_on_node,
};
use nilvm_core::payments::{
    OperationKind, decode_add_funds_payload, quote_request, sign_quote,
};
use nilvm_core::payments::chain_tx::decode_pay_for_body;
use nilvm_core::time::{Duration, Timestamp};
use nilvm_proto::Message;
use nilvm_proto::nillion::payments::v1::quote::{PriceQuote, PriceQuoteRequest, SignedQuote};
use nilvm_proto::nillion::payments::v1::receipt::{Receipt, SignedReceipt};
use uuid::Uuid;

#[derive(Arbitrary, Debug)]
enum Input {
    /// Raw signed-quote bytes.
    RawQuote { bytes: Vec<u8>, expected: u8, now: i64 },
    /// Quote bytes signed by the leader.
    SignedQuote { quote: Vec<u8>, expected: u8, now: i64 },
    /// An honest quote with fields changed, re-signed by the leader, then a receipt for it
    /// (bytes signed by the leader, or an honest receipt with fields changed).
    Pipeline {
        expected: u8,
        quoted: u8,
        expiry_offset: i32,
        nonce_len: u8,
        now_offset: i32,
        receipt: ReceiptInput,
        replays: u8,
    },
    /// Raw signed-receipt bytes.
    RawReceipt { bytes: Vec<u8>, kind: u8, now: i64 },
    /// An add-funds payload.
    AddFunds(Vec<u8>),
    /// A transaction body.
    PayFor(Vec<u8>),
    /// A valid quote and receipt (the core's generators), then structurally changed: the
    /// decoded quote and receipt merged with fuzzer-made messages and re-signed by their
    /// leader, so the checks behind the signature see well-formed messages.
    /// A user's fee limits apply (`max_fee`: unil, credits).
    Generated {
        case: ReceiptCase,
        quote_patch: Option<PriceQuote>,
        receipt_patch: Option<Receipt>,
        later: u16,
        replays: u8,
        max_fee: Option<(Option<u64>, Option<u64>)>,
    },
}

#[derive(Arbitrary, Debug)]
enum ReceiptInput {
    Bytes(Vec<u8>),
    Honest { operation: u8, identifier: [u8; 16], expiry_offset: i32 },
}

fn leader() -> UserKey {
    UserKey::from_bytes(&[0x42; 32]).expect("a valid key")
}

fn request(n: u8) -> PriceQuoteRequest {
    let id = Uuid::from_bytes([n; 16]);
    match n % 7 {
        0 => quote_request::pool_status(),
        1 => quote_request::retrieve_values(id),
        2 => quote_request::retrieve_permissions(id),
        3 => quote_request::overwrite_permissions(id),
        4 => quote_request::update_permissions(id),
        5 => quote_request::invoke_compute("user/p/abc", u64::from(n)),
        _ => quote_request::store_values(&Default::default(), u64::from(n) << 16, Some(1)),
    }
}

fn kind(n: u8) -> OperationKind {
    [
        OperationKind::PoolStatus,
        OperationKind::RetrieveValues,
        OperationKind::RetrievePermissions,
        OperationKind::OverwritePermissions,
        OperationKind::UpdatePermissions,
        OperationKind::InvokeCompute,
        OperationKind::StoreValues,
        OperationKind::StoreProgram,
    ][usize::from(n) % 8]
}

const BASE: i64 = 1_700_000_000;

fn at(offset: i32) -> Timestamp {
    Timestamp::from_unix_seconds(BASE + i64::from(offset))
}

fn node_check(signed: &SignedReceipt, kind: OperationKind, now: Timestamp, replays: u8) {
    node_check_with(&leader(), signed, kind, now, replays);
}

fn node_check_with(
    leader: &UserKey,
    signed: &SignedReceipt,
    kind: OperationKind,
    now: Timestamp,
    replays: u8,
) {
    let key = leader.public_key();
    let mut used = BTreeSet::new();
    let first = verify_receipt_on_node(Some(signed), &key, kind, now, &mut used);
    for _ in 0..replays % 3 {
        let again = verify_receipt_on_node(Some(signed), &key, kind, now, &mut used);
        if first.is_ok() {
            assert_eq!(again.unwrap_err(), NodeReceiptError::AlreadyUsed, "a replay was accepted");
        }
    }
    if let Ok(receipt) = first {
        assert_eq!(receipt.kind(), kind);
        assert!(!receipt.is_expired(now));
    }
}

fuzz_target!(|input: Input| {
    let key = leader().public_key();
    match input {
        Input::RawQuote { bytes, expected, now } => {
            let Ok(signed) = SignedQuote::decode(bytes.as_slice()) else { return };
            let now = Timestamp::from_unix_seconds(now);
            let _ = validate_quote(&signed, &key, &request(expected), now, None);
        }
        Input::SignedQuote { quote, expected, now } => {
            let signature = leader().sign(&quote).expect("signing works").to_vec();
            let signed = SignedQuote { quote, signature };
            let now = Timestamp::from_unix_seconds(now);
            let expected = request(expected);
            if let Ok(quote) = validate_quote(&signed, &key, &expected, now, None) {
                assert_eq!(quote.request(), &expected, "a quote for another request");
                assert!(!quote.is_expired(now));
            }
        }
        Input::Pipeline { expected, quoted, expiry_offset, nonce_len, now_offset, receipt, replays } => {
            let expected_request = request(expected);
            let quote = PriceQuote {
                nonce: vec![7; usize::from(nonce_len % 40)],
                fees: Some(Default::default()),
                request: Some(request(quoted)),
                expires_at: Some(at(expiry_offset).into()),
                ..Default::default()
            };
            let signed = sign_quote(&leader(), &quote).expect("signing works");
            let now = at(now_offset);
            let Ok(quote) = validate_quote(&signed, &key, &expected_request, now, None) else {
                return;
            };
            assert_eq!(quote.request(), &expected_request, "a quote for another request");
            let signed_receipt = match receipt {
                ReceiptInput::Bytes(bytes) => {
                    let signature = leader().sign(&bytes).expect("signing works").to_vec();
                    SignedReceipt { receipt: bytes, signature }
                }
                ReceiptInput::Honest { operation, identifier, expiry_offset } => {
                    let Some(metadata) = operation_metadata(&request(operation), vec![], vec![])
                    else {
                        return;
                    };
                    let receipt = Receipt {
                        identifier: identifier.to_vec(),
                        metadata: Some(metadata),
                        expires_at: Some(at(expiry_offset).into()),
                    };
                    sign_receipt(&leader(), &receipt).expect("signing works")
                }
            };
            if let Ok(receipt) = validate_receipt(&signed_receipt, &key, &quote, now) {
                assert_eq!(receipt.kind(), quote.kind(), "a receipt for another operation");
                assert!(!receipt.is_expired(now));
            }
            node_check(&signed_receipt, quote.kind(), now, replays);
            let _ = verify_signed_quote(&signed, &key);
        }
        Input::RawReceipt { bytes, kind: k, now } => {
            let Ok(signed) = SignedReceipt::decode(bytes.as_slice()) else { return };
            let now = Timestamp::from_unix_seconds(now);
            node_check(&signed, kind(k), now, 2);
            // The same bytes signed by the leader reach decoding.
            let signature = leader().sign(&signed.receipt).expect("signing works").to_vec();
            let resigned = SignedReceipt { receipt: signed.receipt, signature };
            node_check(&resigned, kind(k), now.saturating_add(Duration::from_secs(1)), 2);
        }
        Input::AddFunds(bytes) => {
            let _ = decode_add_funds_payload(&bytes, &key);
        }
        Input::PayFor(bytes) => {
            let _ = decode_pay_for_body(&bytes);
        }
        Input::Generated { case, quote_patch, receipt_patch, later, replays, max_fee } => {
            let max_fee = max_fee.map(|(tokens, credits)| MaxFee { tokens, credits });
            generated(case, quote_patch, receipt_patch, later, replays, max_fee.as_ref());
        }
    }
});

/// Protobuf merge of `patch` into `message`: scalars replaced, repeated fields appended,
/// sub-messages merged (a structural mutation that keeps the message decodable).
fn merged<M: Message + Default>(message: &M, patch: &M) -> M {
    let mut bytes = message.encode_to_vec();
    bytes.extend(patch.encode_to_vec());
    M::decode(bytes.as_slice()).expect("two encodings concatenated decode")
}

fn generated(
    case: ReceiptCase,
    quote_patch: Option<PriceQuote>,
    receipt_patch: Option<Receipt>,
    later: u16,
    replays: u8,
    max_fee: Option<&MaxFee>,
) {
    let quote = case.quote.validated().expect("a generated quote validates");
    // The accessors give back what was signed.
    assert_eq!(quote.signed(), &case.quote.signed);
    assert_eq!(quote.nonce().as_slice(), case.quote.quote.nonce.as_slice());
    let fees = quote.fees();
    if let Some(max) = max_fee {
        let within = max.tokens.is_none_or(|t| fees.tokens <= t)
            && max.credits.is_none_or(|c| fees.credits <= c);
        let checked = validate_quote(&case.quote.signed, &case.quote.leader.public_key(), &case.quote.request, case.quote.now, Some(max));
        assert_eq!(checked.is_ok(), within, "{checked:?}");
    }
    let receipt = case.validated().expect("a generated receipt validates");
    assert_eq!(receipt.kind(), quote.kind());
    let key = case.quote.leader.public_key();
    let now = case.quote.now.saturating_add(Duration::from_secs(u64::from(later)));
    node_check_with(&case.quote.leader, &case.signed, receipt.kind(), now, replays);

    let quote_proto = match &quote_patch {
        Some(patch) => merged(&case.quote.quote, patch),
        None => case.quote.quote.clone(),
    };
    let signed_quote = sign_quote(&case.quote.leader, &quote_proto).expect("signing works");
    let Ok(quote) = validate_quote(&signed_quote, &key, &case.quote.request, now, None) else {
        return;
    };
    assert_eq!(quote.request(), &case.quote.request, "a quote for another request");
    assert!(!quote.is_expired(now));
    let receipt_proto = match &receipt_patch {
        Some(patch) => merged(&case.receipt, patch),
        None => case.receipt.clone(),
    };
    let signed = sign_receipt(&case.quote.leader, &receipt_proto).expect("signing works");
    if let Ok(receipt) = validate_receipt(&signed, &key, &quote, now) {
        assert_eq!(receipt.kind(), quote.kind(), "a receipt for another operation");
        assert!(!receipt.is_expired(now));
        node_check_with(&case.quote.leader, &signed, receipt.kind(), now, replays);
    }
}
