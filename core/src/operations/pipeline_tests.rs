//! The paid pipeline end to end against a scripted cluster: store, retrieve, every payment
//! path, and a leader or members that misbehave.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use nilvm_proto::Message;
use nilvm_proto::nillion::payments::v1::quote::PriceQuote;
use nilvm_proto::nillion::payments::v1::receipt::{OperationMetadata, Receipt, operation_metadata};
use rand::SeedableRng;
use uuid::Uuid;

use crate::identity::UserKey;
use crate::permissions::Permissions;
use crate::rpc::{Reply, Request};
use crate::values::{ClearValue, Integer, SecretBlob, SecretInteger};

use super::retrieve_values::retrieve_values;
use super::store_values::{StoreValuesInput, store_values};
use super::testing::cluster::{ScriptedCluster, chain_payer};
use super::testing::{drive_with_payer, start};
use super::{OperationError, Transmit};
use super::{PayerError, PaymentFailure};
use crate::payments::mode::PaymentMode;
use crate::payments::quote::MaxFee;
use crate::payments::quote::QuoteError;
use crate::payments::receipt::ReceiptError;

fn values() -> BTreeMap<String, ClearValue> {
    let mut values = BTreeMap::new();
    values.insert(
        "a".into(),
        ClearValue::SecretInteger(SecretInteger::new(Integer::from(-42i64))),
    );
    values.insert("b".into(), ClearValue::Integer(Integer::from(7i64)));
    values.insert(
        "c".into(),
        ClearValue::SecretBlob(SecretBlob::new(b"hello nilvm".to_vec())),
    );
    values
}

fn input() -> StoreValuesInput {
    let owner = UserKey::from_bytes(&[1; 32]).unwrap().user_id();
    let permissions = Permissions::defaults_for_user(owner);
    StoreValuesInput {
        values: values(),
        ttl_days: Some(1),
        permissions: Some(permissions),
        update: None,
    }
}

fn store(
    cluster: &mut ScriptedCluster,
    paid: &mut Vec<(u64, Vec<u8>)>,
) -> Result<Uuid, OperationError> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(1);
    let op = store_values(start(), &cluster.context.clone(), input(), &mut rng)?;
    drive_with_payer(op, |t| cluster.respond(t), chain_payer(paid))
}

#[test]
fn stored_values_come_back_from_the_balance() {
    let mut cluster = ScriptedCluster::new(3, 1);
    let mut paid = Vec::new();
    let id = store(&mut cluster, &mut paid).unwrap();
    assert_eq!(
        id,
        Uuid::from_bytes([1; 16]),
        "the values id is the receipt identifier"
    );
    let op = retrieve_values(start(), &cluster.context.clone(), id);
    let back = drive_with_payer(op, |t| cluster.respond(t), chain_payer(&mut paid)).unwrap();
    assert_eq!(back, values());
    assert!(paid.is_empty(), "the balance paid for both");
    assert_eq!(cluster.balance, 800);
}

#[test]
fn a_short_balance_falls_back_to_paying_the_same_quote_on_chain() {
    let mut cluster = ScriptedCluster::new(3, 1);
    cluster.balance = 10;
    let mut paid = Vec::new();
    store(&mut cluster, &mut paid).unwrap();
    assert_eq!(paid, alloc::vec![(1_000_000, alloc::vec![7; 32])]);
    assert_eq!(cluster.paid_on_chain, alloc::vec![alloc::vec![7; 32]]);
}

#[test]
fn balance_only_refuses_to_pay_on_chain() {
    let mut cluster = ScriptedCluster::new(3, 1);
    cluster.balance = 10;
    cluster.context.payment_mode = PaymentMode::BalanceOnly;
    let mut paid = Vec::new();
    let error = store(&mut cluster, &mut paid).unwrap_err();
    assert!(
        matches!(
            &error,
            OperationError::Payment(PaymentFailure::InsufficientBalance { credits: 100, .. })
        ),
        "{error:?}"
    );
    assert!(paid.is_empty());
}

#[test]
fn pay_per_operation_pays_before_asking_for_the_receipt() {
    let mut cluster = ScriptedCluster::new(3, 1);
    cluster.context.payment_mode = PaymentMode::PayPerOperation;
    let mut paid = Vec::new();
    store(&mut cluster, &mut paid).unwrap();
    assert_eq!(paid.len(), 1);
    assert_eq!(cluster.balance, 1_000);
}

#[test]
fn a_failed_payment_fails_the_operation() {
    let mut cluster = ScriptedCluster::new(3, 1);
    cluster.context.payment_mode = PaymentMode::PayPerOperation;
    let mut rng = rand::rngs::StdRng::seed_from_u64(1);
    let op = store_values(start(), &cluster.context.clone(), input(), &mut rng).unwrap();
    let error = drive_with_payer(
        op,
        |t| cluster.respond(t),
        |_| Err(PayerError::message("chain is down")),
    )
    .unwrap_err();
    assert_eq!(
        error,
        OperationError::Payment(PaymentFailure::Payer(PayerError::message("chain is down")))
    );
}

#[test]
fn a_quote_above_the_maximum_is_refused() {
    let mut cluster = ScriptedCluster::new(3, 1);
    cluster.context.max_fee = Some(MaxFee {
        tokens: Some(999_999),
        credits: None,
    });
    let error = store(&mut cluster, &mut Vec::new()).unwrap_err();
    assert!(
        matches!(
            &error,
            OperationError::Payment(PaymentFailure::Quote {
                error: QuoteError::OverMaxFee { .. },
                ..
            })
        ),
        "{error:?}"
    );
}

fn resign_quote(transmit: &Transmit, reply: &mut Reply, edit: fn(&mut PriceQuote)) {
    if let (Request::PriceQuote(_), Reply::PriceQuote(signed)) = (&transmit.request, reply) {
        let mut quote = PriceQuote::decode(signed.quote.as_slice()).unwrap();
        edit(&mut quote);
        let leader = UserKey::from_bytes(&[0x42; 32]).unwrap();
        signed.quote = quote.encode_to_vec();
        signed.signature = leader.sign(&signed.quote).unwrap().to_vec();
    }
}

#[test]
fn a_quote_for_another_request_is_refused() {
    let mut cluster = ScriptedCluster::new(3, 1);
    cluster.tamper = |t, reply| {
        resign_quote(t, reply, |quote| {
            quote.request = Some(crate::payments::quote_request::pool_status())
        })
    };
    let error = store(&mut cluster, &mut Vec::new()).unwrap_err();
    assert!(
        matches!(
            &error,
            OperationError::Payment(PaymentFailure::Quote {
                error: QuoteError::RequestMismatch { .. },
                ..
            })
        ),
        "{error:?}"
    );
}

#[test]
fn an_expired_quote_is_refused() {
    let mut cluster = ScriptedCluster::new(3, 1);
    cluster.tamper = |t, reply| {
        resign_quote(t, reply, |quote| {
            quote.expires_at = Some(
                start()
                    .checked_sub(crate::time::Duration::from_secs(1))
                    .unwrap()
                    .into(),
            )
        })
    };
    let error = store(&mut cluster, &mut Vec::new()).unwrap_err();
    assert!(
        matches!(
            &error,
            OperationError::Payment(PaymentFailure::Quote {
                error: QuoteError::Expired { .. },
                ..
            })
        ),
        "{error:?}"
    );
}

#[test]
fn a_quote_not_signed_by_the_leader_is_refused() {
    let mut cluster = ScriptedCluster::new(3, 1);
    cluster.tamper = |t, reply| {
        if let (Request::PriceQuote(_), Reply::PriceQuote(signed)) = (&t.request, reply) {
            signed.signature = UserKey::from_bytes(&[9; 32])
                .unwrap()
                .sign(&signed.quote)
                .unwrap()
                .to_vec();
        }
    };
    let error = store(&mut cluster, &mut Vec::new()).unwrap_err();
    assert!(
        matches!(
            &error,
            OperationError::Payment(PaymentFailure::Quote {
                error: QuoteError::InvalidSignature(_),
                ..
            })
        ),
        "{error:?}"
    );
}

#[test]
fn a_receipt_for_another_operation_is_refused() {
    let mut cluster = ScriptedCluster::new(3, 1);
    cluster.tamper = |t, reply| {
        if let (Request::PaymentReceipt(_), Reply::PaymentReceipt(signed)) = (&t.request, reply) {
            let mut receipt = Receipt::decode(signed.receipt.as_slice()).unwrap();
            receipt.metadata = Some(OperationMetadata {
                operation: Some(operation_metadata::Operation::PoolStatus(())),
            });
            let leader = UserKey::from_bytes(&[0x42; 32]).unwrap();
            signed.receipt = receipt.encode_to_vec();
            signed.signature = leader.sign(&signed.receipt).unwrap().to_vec();
        }
    };
    let error = store(&mut cluster, &mut Vec::new()).unwrap_err();
    assert!(
        matches!(
            &error,
            OperationError::Payment(PaymentFailure::Receipt {
                error: ReceiptError::OperationMismatch { .. },
                ..
            })
        ),
        "{error:?}"
    );
}

#[test]
fn members_that_disagree_on_the_values_id_are_reported() {
    let mut cluster = ScriptedCluster::new(3, 1);
    cluster.tamper = |t, reply| {
        if let (Request::StoreValues(_), Reply::StoreValues(response)) = (&t.request, reply) {
            if t.target == super::Target::Node(super::testing::nodes(3)[2].clone()) {
                response.values_id = alloc::vec![0xee; 16];
            }
        }
    };
    let error = store(&mut cluster, &mut Vec::new()).unwrap_err();
    assert!(
        matches!(&error, OperationError::Inconsistent(_)),
        "{error:?}"
    );
}

#[test]
fn a_member_returning_another_members_shares_is_caught() {
    let mut cluster = ScriptedCluster::new(4, 1);
    let id = store(&mut cluster, &mut Vec::new()).unwrap();
    // Member 3 answers with member 0's shares.
    let nodes = super::testing::nodes(4);
    let stolen = cluster.stored[&(nodes[0].clone(), id.as_bytes().to_vec())].clone();
    cluster
        .stored
        .insert((nodes[3].clone(), id.as_bytes().to_vec()), stolen);
    let op = retrieve_values(start(), &cluster.context.clone(), id);
    let error =
        drive_with_payer(op, |t| cluster.respond(t), chain_payer(&mut Vec::new())).unwrap_err();
    assert!(matches!(&error, OperationError::Unmask(_)), "{error:?}");
}
