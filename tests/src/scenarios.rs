//! The scenario suite: app code written once against [`VmClient`], run on every transport
//! through [`AppHarness`] (the emulated cluster in virtual time, the devnet over loopback
//! gRPC, with the time-dependent scenarios included on both).
//!
//! Each scenario panics (with a message) when the cluster or the client misbehaves.

use std::collections::BTreeMap;

use k256::ecdsa::signature::hazmat::PrehashVerifier;
use nilvm_client::{ComputeInput, ProgramId, ValuesId, VmClient};
use nilvm_core::drive::Driver;
use nilvm_core::operations::{OperationError, PaymentFailure};
use nilvm_core::payments::PaymentMode;
use nilvm_core::permissions::{Permissions, PermissionsDelta};
use nilvm_core::rpc::Code;
use nilvm_core::time::Duration;
use nilvm_core::values::{
    ClearValue, EcdsaDigestMessage, Integer, SecretBlob, SecretInteger, UnsignedInteger,
};
use nilvm_proto::nillion::preprocessing::v1::element::PreprocessingElement;
use sha2::Digest;
use uuid::Uuid;

use crate::app::{AppHarness, new_client};

/// `multi_party_sum`: Dealer1 gives `x`, Dealer2 gives `y`, Receiver gets `sum` and `product`.
pub const MULTI_PARTY_SUM: &[u8] =
    include_bytes!("../../testdata/programs/multi_party_sum.nada.bin");

/// A secret integer.
pub fn secret(v: i64) -> ClearValue {
    ClearValue::SecretInteger(SecretInteger::from(v))
}

/// Named values from pairs.
pub fn values(pairs: &[(&str, ClearValue)]) -> BTreeMap<String, ClearValue> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_string(), v.clone()))
        .collect()
}

fn status_code(error: &nilvm_client::ClientError) -> Option<Code> {
    error.status().map(|s| s.code)
}

fn builtin(name: &str) -> ProgramId {
    format!("builtin/{name}").parse().expect("a builtin id")
}

/// Computes and waits for `client`'s results.
async fn compute<D: Driver>(
    client: &VmClient<D>,
    input: ComputeInput,
) -> Result<BTreeMap<String, ClearValue>, nilvm_client::ClientError> {
    let compute_id = client.compute(input).await?;
    client.retrieve_compute_results(compute_id).await
}

/// The free operations: the cluster found at connection, node version, payments config and
/// balance.
pub async fn free_operations<H: AppHarness>(h: &mut H) {
    let (_, client) = new_client(h).await;
    let context = client.context();
    assert_eq!(client.cluster().members().len(), context.members.len());
    assert_eq!(client.cluster().leader().node_id(), &context.leader);
    let version = client.node_version().await.expect("version");
    assert!(version.version.is_none(), "a devnet advertises no version");
    assert_eq!(&version, client.bootnode_version());
    let config = client.payments_config().await.expect("config");
    assert_eq!(config.minimum_add_funds_payment, 10_000);
    assert_eq!(config.credits_per_nil, 100);
    let balance = client.balance().await.expect("balance");
    assert_eq!(balance.balance, 0);
}

/// Store several types, read them back, read the default permissions, delete, see them gone.
pub async fn store_retrieve_delete<H: AppHarness>(h: &mut H) {
    let (_, client) = new_client(h).await;
    let me = client.user_id();
    let stored = values(&[
        ("a", secret(-42)),
        ("b", ClearValue::Integer(Integer::from(7i64))),
        (
            "c",
            ClearValue::UnsignedInteger(UnsignedInteger::from(9u64)),
        ),
        (
            "d",
            ClearValue::SecretBlob(SecretBlob::from(b"hello nillion".to_vec())),
        ),
    ]);
    let id = client
        .store_values(stored.clone(), Some(1), None)
        .await
        .expect("store");
    assert_eq!(client.retrieve_values(id).await.expect("retrieve"), stored);
    let permissions = client.retrieve_permissions(id).await.expect("permissions");
    assert_eq!(permissions, Permissions::defaults_for_user(me));
    client.delete_values(id).await.expect("delete");
    let error = client.retrieve_values(id).await.expect_err("deleted");
    assert!(error.is_not_found(), "{error}");
    assert_eq!(
        error.status().map(|s| s.message.as_str()),
        Some("value not found")
    );
    // Deleting twice: not found as well.
    let error = client.delete_values(id).await.expect_err("gone");
    assert!(error.is_not_found(), "{error}");
}

/// An update replaces every value (no merge), keeping the id.
pub async fn update_replaces_values<H: AppHarness>(h: &mut H) {
    let (_, client) = new_client(h).await;
    let id = client
        .store_values(values(&[("foo", secret(1))]), None, None)
        .await
        .expect("store");
    let updated = client
        .update_values(id, values(&[("bar", secret(2))]), None, None)
        .await
        .expect("update");
    assert_eq!(updated, id);
    assert_eq!(
        client.retrieve_values(id).await.expect("retrieve"),
        values(&[("bar", secret(2))])
    );
}

/// Other users are refused until granted; only the owner changes permissions.
pub async fn permissions<H: AppHarness>(h: &mut H) {
    let (_, owner) = new_client(h).await;
    let (_, other) = new_client(h).await;
    let them = other.user_id();
    let id = owner
        .store_values(values(&[("x", secret(5))]), None, None)
        .await
        .expect("store");
    let error = other.retrieve_values(id).await.expect_err("denied");
    assert!(error.is_permission_denied(), "{error}");
    assert_eq!(
        error.status().map(|s| s.message.as_str()),
        Some("user does not have permissions for action")
    );
    // The other user cannot grant itself anything.
    let delta = PermissionsDelta::new().grant_retrieve(them);
    let error = other
        .update_permissions(id, delta.clone())
        .await
        .expect_err("not the owner");
    assert!(error.is_permission_denied(), "{error}");
    owner
        .update_permissions(id, delta)
        .await
        .expect("owner grants");
    assert_eq!(
        other.retrieve_values(id).await.expect("granted"),
        values(&[("x", secret(5))])
    );
    // Overwrite: the owner locks everyone out, itself included.
    let locked = Permissions::new(owner.user_id());
    owner
        .overwrite_permissions(id, &locked)
        .await
        .expect("overwrite");
    let error = owner.retrieve_values(id).await.expect_err("locked out");
    assert!(error.is_permission_denied(), "{error}");
}

/// A quote paid on chain after it expired is refused: the split steps, with a day between
/// the quote and the payment.
pub async fn expired_quote<H: AppHarness>(h: &mut H) {
    if !h.can_advance() {
        return;
    }
    let user = h.new_user();
    let client = h.connect(&user, PaymentMode::PayPerOperation).await;
    let quote = client
        .request_quote(&client.pool_status_call())
        .await
        .expect("quote");
    h.advance(Duration::from_secs(25 * 3600)).await;
    let error = client.payment_receipt(quote).await.expect_err("expired");
    assert!(error.to_string().contains("expired"), "{error}");
}

/// Values stored with a TTL are gone once it passes.
pub async fn values_expire<H: AppHarness>(h: &mut H) {
    if !h.can_advance() {
        return;
    }
    let (_, client) = new_client(h).await;
    let id = client
        .store_values(values(&[("x", secret(1))]), Some(1), None)
        .await
        .expect("store");
    h.advance(Duration::from_secs(2 * 86_400)).await;
    let error = client.retrieve_values(id).await.expect_err("expired");
    assert!(error.is_not_found(), "{error}");
}

/// An empty balance falls back to paying on chain; funds added later pay from the balance;
/// a balance-only client is refused with the balance's error.
pub async fn balance_fallback_then_add_funds<H: AppHarness>(h: &mut H) {
    let (user, client) = new_client(h).await;
    let before = h.chain_sequence(&user);
    client
        .pool_status()
        .await
        .expect("pool status paid on chain");
    assert_eq!(h.chain_sequence(&user), before + 1, "one on-chain payment");
    client.add_funds(1_000_000, None).await.expect("add funds");
    let balance = client.balance().await.expect("balance");
    assert_eq!(balance.balance, 100, "1 NIL buys 100 credits");
    let status = client
        .pool_status()
        .await
        .expect("pool status from balance");
    assert!(
        status
            .offsets
            .iter()
            .any(|(element, _, _)| *element == PreprocessingElement::Compare),
        "COMPARE offsets"
    );
    assert_eq!(
        h.chain_sequence(&user),
        before + 2,
        "no payment beyond add funds"
    );
    assert_eq!(client.balance().await.expect("balance").balance, 0);
    let only = h.connect(&user, PaymentMode::BalanceOnly).await;
    let error = only.pool_status().await.expect_err("no funds");
    assert!(
        matches!(
            error.payment_failure(),
            Some(PaymentFailure::InsufficientBalance { .. })
        ),
        "{error}"
    );
}

/// Three users: Dealer1's stored `x`, Dealer2's compute-time `y`, results for Receiver only.
pub async fn multi_party_compute<H: AppHarness>(h: &mut H) {
    let (_, dealer1) = new_client(h).await;
    let (_, dealer2) = new_client(h).await;
    let (_, receiver) = new_client(h).await;
    let (d1, d2, r) = (dealer1.user_id(), dealer2.user_id(), receiver.user_id());
    let program_id = dealer2
        .store_program("multi_party_sum", MULTI_PARTY_SUM.to_vec())
        .await
        .expect("store program");
    let permissions = Permissions::defaults_for_user(d1).allow_compute(d2, &program_id);
    let x_id = dealer1
        .store_values(values(&[("x", secret(-17))]), None, Some(permissions))
        .await
        .expect("store x");
    let input = ComputeInput {
        program_id,
        value_ids: vec![x_id],
        input_bindings: vec![("Dealer1".into(), d1), ("Dealer2".into(), d2)],
        output_bindings: vec![("Receiver".into(), vec![r])],
        values: values(&[("y", secret(5))]),
    };
    let compute_id = dealer2.compute(input.clone()).await.expect("invoke");
    let outputs = receiver
        .retrieve_compute_results(compute_id)
        .await
        .expect("results");
    assert_eq!(
        outputs,
        values(&[("sum", secret(-12)), ("product", secret(-85))])
    );
    // Dealer2 is not an output user.
    let error = dealer2
        .retrieve_compute_results(compute_id)
        .await
        .expect_err("not bound");
    assert_eq!(status_code(&error), Some(Code::PermissionDenied), "{error}");
    // Dealer1 never allowed the receiver to compute with x.
    let error = compute(&receiver, input)
        .await
        .expect_err("no compute permission");
    assert!(error.is_permission_denied(), "{error}");
}

/// ECDSA DKG, then signing with the generated key; the signature checks with k256.
pub async fn ecdsa_dkg_then_sign<H: AppHarness>(h: &mut H) {
    let (_, client) = new_client(h).await;
    let me = client.user_id();
    let dkg = ComputeInput {
        program_id: builtin("tecdsa_dkg"),
        value_ids: vec![],
        input_bindings: vec![],
        output_bindings: vec![
            ("tecdsa_private_key_store_id_party".into(), vec![me]),
            ("tecdsa_public_key_party".into(), vec![me]),
        ],
        values: BTreeMap::new(),
    };
    let outputs = compute(&client, dkg).await.expect("dkg");
    let Some(ClearValue::StoreId(store_id)) = outputs.get("tecdsa_store_id") else {
        panic!("no store id in {outputs:?}")
    };
    let Some(ClearValue::EcdsaPublicKey(public_key)) = outputs.get("tecdsa_public_key") else {
        panic!("no public key in {outputs:?}")
    };
    let key_id = ValuesId::from(Uuid::from_bytes(*store_id.as_bytes()));
    let digest: [u8; 32] = sha2::Sha256::digest(b"a message to sign").into();
    let sign = ComputeInput {
        program_id: builtin("tecdsa_sign"),
        value_ids: vec![key_id],
        input_bindings: vec![
            ("tecdsa_key_party".into(), me),
            ("tecdsa_digest_message_party".into(), me),
        ],
        output_bindings: vec![("tecdsa_output_party".into(), vec![me])],
        values: values(&[(
            "tecdsa_digest_message",
            ClearValue::EcdsaDigestMessage(EcdsaDigestMessage::new(&digest).expect("32 bytes")),
        )]),
    };
    let outputs = compute(&client, sign).await.expect("sign");
    let Some(ClearValue::EcdsaSignature(signature)) = outputs.get("tecdsa_signature") else {
        panic!("no signature in {outputs:?}")
    };
    let key = k256::ecdsa::VerifyingKey::from_sec1_bytes(public_key.as_bytes()).expect("key");
    let signature =
        k256::ecdsa::Signature::from_scalars(signature.r_be_bytes(), signature.s_be_bytes())
            .expect("signature");
    key.verify_prehash(&digest, &signature)
        .expect("the signature verifies with the DKG public key");
}

/// The split steps end to end: quote, pay, receipt, invoke; a receipt cannot be spent twice.
pub async fn split_steps<H: AppHarness>(h: &mut H) {
    let (_, client) = new_client(h).await;
    let id = client
        .store_values(values(&[("x", secret(3))]), None, None)
        .await
        .expect("store");
    let quote = client
        .request_quote(&client.retrieve_values_call(id))
        .await
        .expect("quote");
    let receipt = client.payment_receipt(quote).await.expect("receipt");
    let got = client
        .invoke_retrieve_values(client.retrieve_values_call(id), receipt.clone())
        .await
        .expect("invoke");
    assert_eq!(got, values(&[("x", secret(3))]));
    let error = client
        .invoke_retrieve_values(client.retrieve_values_call(id), receipt)
        .await
        .expect_err("spent");
    let status = error.status().expect("a node's answer");
    assert_eq!(status.code, Code::FailedPrecondition, "{error}");
    assert!(
        matches!(
            error,
            nilvm_client::ClientError::Operation(OperationError::ReplyLost { .. })
        ) || status.message == "nonce already used",
        "{error}"
    );
}

/// Every scenario, for transports that just want to run them all.
pub async fn all<H: AppHarness>(h: &mut H) {
    free_operations(h).await;
    store_retrieve_delete(h).await;
    update_replaces_values(h).await;
    permissions(h).await;
    balance_fallback_then_add_funds(h).await;
    multi_party_compute(h).await;
    ecdsa_dkg_then_sign(h).await;
    split_steps(h).await;
    expired_quote(h).await;
    values_expire(h).await;
}

/// Calls `$test!(a, b, ...)` with the name of every scenario above, so each transport's test
/// file runs all of them and a new scenario reaches every transport at once.
#[macro_export]
macro_rules! for_each_scenario {
    ($test:ident) => {
        $test!(
            free_operations,
            store_retrieve_delete,
            update_replaces_values,
            permissions,
            expired_quote,
            values_expire,
            balance_fallback_then_add_funds,
            multi_party_compute,
            ecdsa_dkg_then_sign,
            split_steps,
        );
    };
}
