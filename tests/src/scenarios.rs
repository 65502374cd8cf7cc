//! The scenario suite: written once against [`Harness`], run on every transport.
//!
//! Each scenario panics (with a message) when the cluster misbehaves.

use std::collections::BTreeMap;

use k256::ecdsa::signature::hazmat::PrehashVerifier;
use nilvm_core::operations::account_balance::account_balance;
use nilvm_core::operations::delete_values::delete_values;
use nilvm_core::operations::discover_cluster::discover_cluster;
use nilvm_core::operations::invoke_compute::{InvokeComputeInput, invoke_compute};
use nilvm_core::operations::node_version::node_version;
use nilvm_core::operations::overwrite_permissions::overwrite_permissions;
use nilvm_core::operations::payment_receipt::payment_receipt;
use nilvm_core::operations::payments_config::payments_config;
use nilvm_core::operations::pool_status::pool_status;
use nilvm_core::operations::request_quote::request_quote;
use nilvm_core::operations::retrieve_permissions::retrieve_permissions;
use nilvm_core::operations::retrieve_results::retrieve_results;
use nilvm_core::operations::retrieve_values::retrieve_values;
use nilvm_core::operations::store_program::store_program;
use nilvm_core::operations::store_values::{StoreValuesInput, store_values};
use nilvm_core::operations::update_permissions::update_permissions;
use nilvm_core::operations::{OperationContext, OperationError, Target};
use nilvm_core::payments::{PaymentMode, quote_request};
use nilvm_core::permissions::{Permissions, PermissionsDelta};
use nilvm_core::program::ProgramName;
use nilvm_core::rpc::Code;
use nilvm_core::time::Duration;
use nilvm_core::values::{
    ClearValue, EcdsaDigestMessage, Integer, SecretBlob, SecretInteger, UnsignedInteger,
};
use rand::SeedableRng;
use rand::rngs::StdRng;
use sha2::Digest;
use uuid::Uuid;

use crate::harness::Harness;

/// `multi_party_sum`: Dealer1 gives `x`, Dealer2 gives `y`, Receiver gets `sum` and `product`.
pub const MULTI_PARTY_SUM: &[u8] =
    include_bytes!("../../testdata/programs/multi_party_sum.nada.bin");

fn rng(seed: u64) -> StdRng {
    StdRng::seed_from_u64(seed)
}

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

fn status_code(error: &OperationError) -> Option<Code> {
    error.status().map(|s| s.code)
}

async fn store<H: Harness>(
    h: &mut H,
    user: &H::User,
    input: StoreValuesInput,
    seed: u64,
) -> Result<Uuid, OperationError> {
    let context = h.context(PaymentMode::FromBalance);
    let op = store_values(h.now(), &context, input, &mut rng(seed))?;
    h.run(user, op).await
}

async fn retrieve<H: Harness>(
    h: &mut H,
    user: &H::User,
    id: Uuid,
) -> Result<BTreeMap<String, ClearValue>, OperationError> {
    let context = h.context(PaymentMode::FromBalance);
    let op = retrieve_values(h.now(), &context, id);
    h.run(user, op).await
}

/// Stores a program and returns its id.
pub async fn store_program_bytes<H: Harness>(
    h: &mut H,
    user: &H::User,
    name: &str,
    program: &[u8],
) -> Result<String, OperationError> {
    let context = h.context(PaymentMode::FromBalance);
    let name = ProgramName::new(name).map_err(|e| OperationError::InvalidInput(e.to_string()))?;
    // The quote carries the metadata computed from the program, as the official client does.
    let op = store_program(h.now(), &context, &name, program.to_vec())?;
    h.run(user, op).await.map(|id| id.to_string())
}

async fn compute<H: Harness>(
    h: &mut H,
    user: &H::User,
    input: InvokeComputeInput,
    seed: u64,
) -> Result<BTreeMap<String, ClearValue>, OperationError> {
    let context = h.context(PaymentMode::FromBalance);
    let op = invoke_compute(h.now(), &context, input, &mut rng(seed))?;
    let compute_id = h.run(user, op).await?;
    results(h, user, compute_id).await
}

async fn results<H: Harness>(
    h: &mut H,
    user: &H::User,
    compute_id: Uuid,
) -> Result<BTreeMap<String, ClearValue>, OperationError> {
    let context = h.context(PaymentMode::FromBalance);
    let op = retrieve_results(h.now(), &context, compute_id);
    h.run(user, op).await
}

/// Cluster discovery, node version, payments config and balance (the free operations).
pub async fn free_operations<H: Harness>(h: &mut H) {
    let user = h.new_user();
    let context = h.context(PaymentMode::FromBalance);
    let cluster = h
        .run(&user, discover_cluster(h.now(), Default::default()))
        .await
        .expect("cluster");
    assert_eq!(cluster.members().len(), context.members.len());
    assert_eq!(cluster.leader().node_id(), &context.leader);
    let version = h
        .run(
            &user,
            node_version(h.now(), Target::Bootnode, Default::default()),
        )
        .await
        .expect("version");
    assert!(version.version.is_none(), "a devnet advertises no version");
    let config = h
        .run(
            &user,
            payments_config(h.now(), &context.leader, Default::default()),
        )
        .await
        .expect("config");
    assert_eq!(config.minimum_add_funds_payment, 10_000);
    assert_eq!(config.credits_per_nil, 100);
    let balance = h
        .run(
            &user,
            account_balance(h.now(), &context.leader, Default::default()),
        )
        .await
        .expect("balance");
    assert_eq!(balance.balance, 0);
}

/// Store several types, read them back, read the permissions, delete, and see them gone.
pub async fn store_retrieve_delete<H: Harness>(h: &mut H) {
    let user = h.new_user();
    let me = h.user_id(&user);
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
    let input = StoreValuesInput {
        values: stored.clone(),
        ttl_days: Some(1),
        permissions: Some(Permissions::defaults_for_user(me)),
        update: None,
    };
    let id = store(h, &user, input, 1).await.expect("store");
    assert_eq!(retrieve(h, &user, id).await.expect("retrieve"), stored);
    let context = h.context(PaymentMode::FromBalance);
    let permissions = h
        .run(&user, retrieve_permissions(h.now(), &context, id))
        .await
        .expect("permissions");
    assert_eq!(permissions, Permissions::defaults_for_user(me));
    let op = delete_values(h.now(), &context.members, id, Default::default());
    h.run(&user, op).await.expect("delete");
    let error = retrieve(h, &user, id).await.expect_err("deleted");
    assert!(error.is_not_found(), "{error}");
    assert_eq!(
        error.status().map(|s| s.message.as_str()),
        Some("value not found")
    );
    // Deleting twice: not found as well.
    let op = delete_values(h.now(), &context.members, id, Default::default());
    let error = h.run(&user, op).await.expect_err("gone");
    assert!(error.is_not_found(), "{error}");
}

/// An update replaces every value (no merge).
pub async fn update_replaces_values<H: Harness>(h: &mut H) {
    let user = h.new_user();
    let me = h.user_id(&user);
    let first = StoreValuesInput {
        values: values(&[("foo", secret(1))]),
        ttl_days: None,
        permissions: Some(Permissions::defaults_for_user(me)),
        update: None,
    };
    let id = store(h, &user, first, 2).await.expect("store");
    let second = StoreValuesInput {
        values: values(&[("bar", secret(2))]),
        ttl_days: None,
        permissions: None,
        update: Some(id),
    };
    assert_eq!(store(h, &user, second, 3).await.expect("update"), id);
    assert_eq!(
        retrieve(h, &user, id).await.expect("retrieve"),
        values(&[("bar", secret(2))])
    );
}

/// Other users are refused until granted; only the owner changes permissions.
pub async fn permissions<H: Harness>(h: &mut H) {
    let owner = h.new_user();
    let other = h.new_user();
    let (me, them) = (h.user_id(&owner), h.user_id(&other));
    let input = StoreValuesInput {
        values: values(&[("x", secret(5))]),
        ttl_days: None,
        permissions: Some(Permissions::defaults_for_user(me)),
        update: None,
    };
    let id = store(h, &owner, input, 4).await.expect("store");
    let error = retrieve(h, &other, id).await.expect_err("denied");
    assert!(error.is_permission_denied(), "{error}");
    assert_eq!(
        error.status().map(|s| s.message.as_str()),
        Some("user does not have permissions for action")
    );
    // The other user cannot grant itself anything.
    let context = h.context(PaymentMode::FromBalance);
    let delta = PermissionsDelta::new().grant_retrieve(them);
    let error = h
        .run(
            &other,
            update_permissions(h.now(), &context, id, delta.clone()),
        )
        .await
        .expect_err("not the owner");
    assert!(error.is_permission_denied(), "{error}");
    h.run(&owner, update_permissions(h.now(), &context, id, delta))
        .await
        .expect("owner grants");
    assert_eq!(
        retrieve(h, &other, id).await.expect("granted"),
        values(&[("x", secret(5))])
    );
    // Overwrite: the owner locks everyone out, itself included.
    let locked = Permissions::new(me);
    h.run(
        &owner,
        overwrite_permissions(h.now(), &context, id, &locked),
    )
    .await
    .expect("overwrite");
    let error = retrieve(h, &owner, id).await.expect_err("locked out");
    assert!(error.is_permission_denied(), "{error}");
}

/// A quote paid on chain after it expired is refused.
pub async fn expired_quote<H: Harness>(h: &mut H) {
    if !h.can_advance() {
        return;
    }
    let user = h.new_user();
    let context = h.context(PaymentMode::PayPerOperation);
    let op = request_quote(
        h.now(),
        &context.leader,
        &context.leader_key,
        quote_request::pool_status(),
        None,
        Default::default(),
    );
    let quote = h.run(&user, op).await.expect("quote");
    h.advance(Duration::from_secs(25 * 3600)).await;
    let op = payment_receipt(
        h.now(),
        &context.leader,
        &context.leader_key,
        quote,
        PaymentMode::PayPerOperation,
        Default::default(),
    );
    let error = h.run(&user, op).await.expect_err("expired");
    assert!(error.to_string().contains("expired"), "{error}");
}

/// Values stored with a TTL are gone once it passes.
pub async fn values_expire<H: Harness>(h: &mut H) {
    if !h.can_advance() {
        return;
    }
    let user = h.new_user();
    let me = h.user_id(&user);
    let input = StoreValuesInput {
        values: values(&[("x", secret(1))]),
        ttl_days: Some(1),
        permissions: Some(Permissions::defaults_for_user(me)),
        update: None,
    };
    let id = store(h, &user, input, 5).await.expect("store");
    h.advance(Duration::from_secs(2 * 86_400)).await;
    let error = retrieve(h, &user, id).await.expect_err("expired");
    assert!(error.is_not_found(), "{error}");
}

/// An empty balance falls back to paying on chain; funds added later pay from the balance.
pub async fn balance_fallback_then_add_funds<H: Harness>(h: &mut H) {
    let user = h.new_user();
    let context = h.context(PaymentMode::FromBalance);
    let before = h.chain_sequence(&user);
    h.run(&user, pool_status(h.now(), &context))
        .await
        .expect("pool status paid on chain");
    assert_eq!(h.chain_sequence(&user), before + 1, "one on-chain payment");
    h.add_funds(&user, 1_000_000).await.expect("add funds");
    let balance = h
        .run(
            &user,
            account_balance(h.now(), &context.leader, Default::default()),
        )
        .await
        .expect("balance");
    assert_eq!(balance.balance, 100, "1 NIL buys 100 credits");
    let status = h
        .run(&user, pool_status(h.now(), &context))
        .await
        .expect("pool status from balance");
    assert!(
        status.offsets.iter().any(|o| o.element == 2),
        "COMPARE offsets"
    );
    assert_eq!(
        h.chain_sequence(&user),
        before + 2,
        "no payment beyond add funds"
    );
    let balance = h
        .run(
            &user,
            account_balance(h.now(), &context.leader, Default::default()),
        )
        .await
        .expect("balance");
    assert_eq!(balance.balance, 0);
    // Balance only: refused with the balance error instead of paying on chain.
    let only = h.context(PaymentMode::BalanceOnly);
    let error = h
        .run(&user, pool_status(h.now(), &only))
        .await
        .expect_err("no funds");
    assert!(matches!(error, OperationError::Payment(_)), "{error}");
}

/// Three users: Dealer1's stored `x`, Dealer2's compute-time `y`, results for Receiver only.
pub async fn multi_party_compute<H: Harness>(h: &mut H) {
    let dealer1 = h.new_user();
    let dealer2 = h.new_user();
    let receiver = h.new_user();
    let (d1, d2, r) = (
        h.user_id(&dealer1),
        h.user_id(&dealer2),
        h.user_id(&receiver),
    );
    let program_id = store_program_bytes(h, &dealer2, "multi_party_sum", MULTI_PARTY_SUM)
        .await
        .expect("store program");
    let input = StoreValuesInput {
        values: values(&[("x", secret(-17))]),
        ttl_days: None,
        permissions: Some(Permissions::defaults_for_user(d1).allow_compute(d2, program_id.clone())),
        update: None,
    };
    let x_id = store(h, &dealer1, input, 6).await.expect("store x");
    let input = InvokeComputeInput {
        program_id: program_id.clone(),
        value_ids: vec![x_id],
        input_bindings: vec![("Dealer1".into(), d1), ("Dealer2".into(), d2)],
        output_bindings: vec![("Receiver".into(), vec![r])],
        values: values(&[("y", secret(5))]),
    };
    let context = h.context(PaymentMode::FromBalance);
    let op = invoke_compute(h.now(), &context, input.clone(), &mut rng(7)).expect("input");
    let compute_id = h.run(&dealer2, op).await.expect("invoke");
    let outputs = results(h, &receiver, compute_id).await.expect("results");
    assert_eq!(
        outputs,
        values(&[("sum", secret(-12)), ("product", secret(-85))])
    );
    // Dealer2 is not an output user.
    let error = results(h, &dealer2, compute_id)
        .await
        .expect_err("not bound");
    assert_eq!(status_code(&error), Some(Code::PermissionDenied), "{error}");
    // Dealer1 never allowed the receiver to compute with x.
    let error = compute(h, &receiver, input, 8)
        .await
        .expect_err("no compute permission");
    assert!(error.is_permission_denied(), "{error}");
}

/// ECDSA DKG, then signing with the generated key; the signature checks with k256.
pub async fn ecdsa_dkg_then_sign<H: Harness>(h: &mut H) {
    let user = h.new_user();
    let me = h.user_id(&user);
    let dkg = InvokeComputeInput {
        program_id: "builtin/tecdsa_dkg".into(),
        value_ids: vec![],
        input_bindings: vec![],
        output_bindings: vec![
            ("tecdsa_private_key_store_id_party".into(), vec![me]),
            ("tecdsa_public_key_party".into(), vec![me]),
        ],
        values: BTreeMap::new(),
    };
    let outputs = compute(h, &user, dkg, 9).await.expect("dkg");
    let Some(ClearValue::StoreId(store_id)) = outputs.get("tecdsa_store_id") else {
        panic!("no store id in {outputs:?}")
    };
    let Some(ClearValue::EcdsaPublicKey(public_key)) = outputs.get("tecdsa_public_key") else {
        panic!("no public key in {outputs:?}")
    };
    let key_id = Uuid::from_bytes(*store_id.as_bytes());
    let digest: [u8; 32] = sha2::Sha256::digest(b"a message to sign").into();
    let sign = InvokeComputeInput {
        program_id: "builtin/tecdsa_sign".into(),
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
    let outputs = compute(h, &user, sign, 10).await.expect("sign");
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

/// Every scenario, for transports that just want to run them all.
pub async fn all<H: Harness>(h: &mut H) {
    free_operations(h).await;
    store_retrieve_delete(h).await;
    update_replaces_values(h).await;
    permissions(h).await;
    balance_fallback_then_add_funds(h).await;
    multi_party_compute(h).await;
    ecdsa_dkg_then_sign(h).await;
    expired_quote(h).await;
    values_expire(h).await;
}

/// The operation context's members, for scenario helpers.
pub fn members(context: &OperationContext) -> usize {
    context.members.len()
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
        );
    };
}
