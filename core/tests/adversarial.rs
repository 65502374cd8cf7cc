//! Adversarial inputs at the protocol core's public API: each test shows a clear error and
//! that no wrong value comes out. Cases covered elsewhere (not repeated here):
//!
//! - a node answering with another node's shares: `operations::pipeline_tests::
//!   a_member_returning_another_members_shares_is_caught`, and the `unmask` fuzz target;
//! - members that disagree on a values id: `pipeline_tests::
//!   members_that_disagree_on_the_values_id_are_reported`; a cluster reply with duplicate ids
//!   or a leader whose key differs from its member entry: `cluster::tests::
//!   duplicates_and_leader_consistency`;
//! - a quote for another operation, an expired quote, a quote not signed by the leader, a
//!   receipt for another operation: `pipeline_tests::a_quote_for_another_request_is_refused`
//!   and its neighbours;
//! - a receipt replayed to a node: `payments::receipt::tests::node_verification_order_and_texts`
//!   (and end to end against the emulated nodes in `tests/tests/adversarial.rs`);
//! - an expired token: `auth::verify::tests::expired_token`;
//! - a program with a cycle, a huge array type, a run over the step limit:
//!   `nada/tests/errors.rs` (`cycle`, `huge_array_types_are_refused`, `long_chains_are_fine`),
//!   plus `nada/tests/limits.rs`.

#![allow(clippy::unwrap_used, clippy::panic, clippy::expect_used)]

use nilvm_core::auth::{AuthError, create_token, verify_token};
use nilvm_core::identity::{NodeId, UserKey};
use nilvm_core::payments::quote::{QuoteError, price_quote, sign_quote, validate_quote};
use nilvm_core::payments::quote_request;
use nilvm_core::payments::receipt::{
    ReceiptError, new_receipt, operation_metadata, sign_receipt, validate_receipt,
};
use nilvm_core::payments::{Fees, OperationKind};
use nilvm_core::time::{Duration, Timestamp};
use nilvm_proto::Message;
use nilvm_proto::nillion::auth::v1::token::{SignedToken, Token};
use uuid::Uuid;

fn leader() -> UserKey {
    UserKey::from_bytes(&[0x42; 32]).unwrap()
}

fn now() -> Timestamp {
    Timestamp::from_unix_seconds(1_700_000_000)
}

fn node() -> NodeId {
    NodeId::new(vec![0xab; 20]).unwrap()
}

const FEES: Fees = Fees {
    tokens: 1_000,
    credits: 10,
};

/// The leader signs a quote for the same operation on *other values* than the client asked
/// about: refused before anything is paid.
#[test]
fn a_quote_for_the_same_operation_on_other_values_is_refused() {
    let asked = quote_request::retrieve_values(Uuid::from_bytes([1; 16]));
    let quoted = quote_request::retrieve_values(Uuid::from_bytes([2; 16]));
    let expires = now().saturating_add(Duration::from_secs(60));
    let signed = sign_quote(&leader(), &price_quote(quoted, FEES, [7; 32], expires)).unwrap();
    let error = validate_quote(&signed, &leader().public_key(), &asked, now(), None).unwrap_err();
    assert!(
        matches!(
            error,
            QuoteError::RequestMismatch {
                quoted: OperationKind::RetrieveValues,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("different request"), "{error}");
}

/// A receipt signed by the leader for the right operation kind but other parameters than the
/// quote (another values id): refused, so a receipt for cheap values cannot be used on others.
#[test]
fn a_receipt_for_other_parameters_of_the_same_operation_is_refused() {
    let request = quote_request::retrieve_values(Uuid::from_bytes([1; 16]));
    let expires = now().saturating_add(Duration::from_secs(60));
    let signed = sign_quote(&leader(), &price_quote(request, FEES, [7; 32], expires)).unwrap();
    let quote = nilvm_core::payments::verify_signed_quote(&signed, &leader().public_key()).unwrap();
    let other = quote_request::retrieve_values(Uuid::from_bytes([2; 16]));
    let metadata = operation_metadata(&other, vec![], vec![]).unwrap();
    let receipt = sign_receipt(&leader(), &new_receipt([3; 16], metadata, expires)).unwrap();
    let error = validate_receipt(&receipt, &leader().public_key(), &quote, now()).unwrap_err();
    assert_eq!(
        error,
        ReceiptError::ParametersMismatch(OperationKind::RetrieveValues)
    );
}

/// A token expiring exactly now still passes (the nodes compare `expires_at < now`, no
/// leeway); one nanosecond later it is refused.
#[test]
fn a_token_is_refused_one_nanosecond_after_it_expires() {
    let key = UserKey::from_bytes(&[5; 32]).unwrap();
    let token = create_token(&key, &node(), [1; 32], now())
        .unwrap()
        .encode_to_vec();
    assert!(verify_token(&token, &node(), now()).is_ok());
    let later = Timestamp::new(1_700_000_000, 1).unwrap();
    assert_eq!(
        verify_token(&token, &node(), later),
        Err(AuthError::Expired)
    );
    assert_eq!(AuthError::Expired.to_string(), "token is expired");
}

/// A token valid far into the future: the nodes set no upper bound on `expires_at`
/// (docs/wire-protocol.md §2.4), so it verifies, for the key that signed it and no other user.
/// An expiry that is not a valid timestamp (nanos out of range) is refused as an invalid token.
#[test]
fn a_far_future_token_is_accepted_as_the_nodes_do_and_an_invalid_expiry_is_refused() {
    let key = UserKey::from_bytes(&[5; 32]).unwrap();
    let far = Timestamp::from_unix_seconds(253_402_300_799); // 9999-12-31T23:59:59Z
    let token = create_token(&key, &node(), [1; 32], far)
        .unwrap()
        .encode_to_vec();
    let verified = verify_token(&token, &node(), now()).unwrap();
    assert_eq!(verified.user_id(), key.user_id());
    assert_eq!(verified.expires_at(), far);

    let serialized_token = Token {
        nonce: vec![1; 32],
        target_identity: Some((&node()).into()),
        expires_at: Some(nilvm_proto::well_known::Timestamp {
            seconds: 1_700_000_100,
            nanos: 1_000_000_000,
        }),
    }
    .encode_to_vec();
    let signature = key.sign(&serialized_token).unwrap().to_vec();
    let token = SignedToken {
        serialized_token,
        public_key: Some(key.public_key().into()),
        signature,
    }
    .encode_to_vec();
    let error = verify_token(&token, &node(), now()).unwrap_err();
    assert!(
        matches!(&error, AuthError::InvalidToken(m) if m.contains("expires_at")),
        "{error:?}"
    );
}

/// A token made for another node is refused even though everything else is valid.
#[test]
fn a_token_for_another_node_is_refused() {
    let key = UserKey::from_bytes(&[5; 32]).unwrap();
    let other = NodeId::new(vec![0xcd; 20]).unwrap();
    let expires = now().saturating_add(Duration::from_secs(60));
    let token = create_token(&key, &other, [1; 32], expires)
        .unwrap()
        .encode_to_vec();
    assert_eq!(
        verify_token(&token, &node(), now()),
        Err(AuthError::WrongTarget)
    );
}
