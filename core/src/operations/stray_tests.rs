//! Stray replies never fail a paid operation: every paid operation is driven against the
//! scripted cluster while duplicated and late replies of each earlier stage (quote, receipt)
//! are delivered during every later stage, and duplicates of each reply right after it.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::vec::Vec;

use rand::SeedableRng;
use uuid::Uuid;

use crate::identity::UserKey;
use crate::permissions::{Permissions, PermissionsDelta};
use crate::program::ProgramName;
use crate::rpc::{Method, Reply, Status};
use crate::values::{ClearValue, Integer, SecretInteger};

use super::invoke_compute::{InvokeComputeInput, invoke_compute};
use super::overwrite_permissions::overwrite_permissions;
use super::pool_status::pool_status;
use super::retrieve_permissions::retrieve_permissions;
use super::retrieve_values::retrieve_values;
use super::store_program::store_program;
use super::store_values::{StoreValuesInput, store_values};
use super::testing::cluster::ScriptedCluster;
use super::testing::start;
use super::update_permissions::update_permissions;
use super::{Operation, OperationContext, OperationError, Output, RequestId};

const ADD_SIMPLE: &[u8] = include_bytes!("../../../testdata/programs/add_simple.nada.bin");

/// How the driver misdelivers.
#[derive(Clone, Copy, Debug)]
enum Mode {
    /// Every reply arrives, then again at once and again during each later stage.
    Duplicated,
    /// The first attempt of each stage gets no reply in time (the operation retries); that
    /// reply arrives during each later stage, and at the end.
    Late,
}

/// The pipeline stage a request belongs to: quote, receipt, then the members' calls.
fn stage(method: Method) -> u8 {
    match method {
        Method::PriceQuote => 0,
        Method::PaymentReceipt => 1,
        _ => 2,
    }
}

/// What a misdelivering drive saw.
struct Drive<T> {
    result: Result<T, OperationError>,
    stray_replies: u64,
    injected: u64,
    /// (stage of the stray reply, stage in progress when it arrived).
    crossings: BTreeSet<(u8, u8)>,
}

fn drive_with_strays<O: Operation>(
    mut op: O,
    cluster: &mut ScriptedCluster,
    mode: Mode,
) -> Drive<O::Output> {
    let mut now = start();
    let mut strays: Vec<(u8, RequestId, Result<Reply, Status>)> = Vec::new();
    let mut withheld = BTreeSet::new();
    let mut injected = 0;
    let mut crossings = BTreeSet::new();
    for _ in 0..10_000 {
        while let Some(output) = op.poll_output() {
            match output {
                Output::Transmit(t) => {
                    let current = stage(t.request.method());
                    for (from, id, reply) in &strays {
                        if *from < current {
                            op.handle_reply(now, *id, reply.clone());
                            injected += 1;
                            crossings.insert((*from, current));
                        }
                    }
                    let reply = cluster.respond(&t);
                    match mode {
                        Mode::Duplicated => {
                            op.handle_reply(now, t.id, reply.clone());
                            op.handle_reply(now, t.id, reply.clone());
                            injected += 1;
                            strays.push((current, t.id, reply));
                        }
                        Mode::Late if withheld.insert(current) => {
                            strays.push((current, t.id, reply));
                        }
                        Mode::Late => op.handle_reply(now, t.id, reply),
                    }
                }
                Output::Pay(_) => op.handle_payment(now, Ok("ABCDEF".into())),
                Output::Done(result) => {
                    // Whatever is still on its way arrives after the end.
                    for (_, id, reply) in strays.drain(..) {
                        op.handle_reply(now, id, reply);
                        injected += 1;
                    }
                    return Drive {
                        result,
                        stray_replies: op.report().stray_replies,
                        injected,
                        crossings,
                    };
                }
            }
        }
        let deadline = op.poll_timeout().expect("the operation waits on a timeout");
        now = now.max(deadline);
        op.handle_timeout(now);
    }
    panic!("the operation did not finish")
}

fn me() -> UserKey {
    UserKey::from_bytes(&[1; 32]).unwrap()
}

fn secret(v: i64) -> ClearValue {
    ClearValue::SecretInteger(SecretInteger::new(Integer::from(v)))
}

fn stored() -> BTreeMap<alloc::string::String, ClearValue> {
    BTreeMap::from([("x".into(), secret(5))])
}

/// A cluster that already holds `stored()` under the returned id.
fn cluster_with_values() -> (ScriptedCluster, Uuid) {
    let mut cluster = ScriptedCluster::new(3, 1);
    cluster.balance = 100_000;
    cluster.permissions = Permissions::defaults_for_user(me().user_id()).to_proto();
    let context = cluster.context.clone();
    let input = StoreValuesInput {
        values: stored(),
        ttl_days: Some(1),
        permissions: Some(Permissions::defaults_for_user(me().user_id())),
        update: None,
    };
    let mut rng = rand::rngs::StdRng::seed_from_u64(1);
    let op = store_values(start(), &context, input, &mut rng).unwrap();
    let id = super::testing::drive(op, |t| cluster.respond(t)).unwrap();
    (cluster, id)
}

/// Drives one paid operation in one mode and checks that the strays changed nothing.
fn check<O: Operation>(
    name: &str,
    mode: Mode,
    make: impl FnOnce(&OperationContext, Uuid) -> O,
    expect: impl FnOnce(&O::Output, Uuid) -> bool,
) where
    O::Output: core::fmt::Debug,
{
    let (mut cluster, id) = cluster_with_values();
    let context = cluster.context.clone();
    let drive = drive_with_strays(make(&context, id), &mut cluster, mode);
    let output = match &drive.result {
        Ok(output) => output,
        Err(error) => panic!("{name} ({mode:?}) failed: {error}"),
    };
    assert!(expect(output, id), "{name} ({mode:?}) returned {output:?}");
    assert_eq!(
        drive.crossings,
        BTreeSet::from([(0, 1), (0, 2), (1, 2)]),
        "{name} ({mode:?}): a stray of every earlier stage arrived during every later stage"
    );
    assert_eq!(
        drive.stray_replies, drive.injected,
        "{name} ({mode:?}): every stray reply is counted"
    );
}

fn every_paid_operation(mode: Mode) {
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let input = StoreValuesInput {
        values: stored(),
        ttl_days: Some(1),
        permissions: Some(Permissions::defaults_for_user(me().user_id())),
        update: None,
    };
    check(
        "store_values",
        mode,
        |c, _| store_values(start(), c, input, &mut rng).unwrap(),
        |_, _| true,
    );
    let input = |id| StoreValuesInput {
        values: BTreeMap::from([("x".into(), secret(6))]),
        ttl_days: None,
        permissions: None,
        update: Some(id),
    };
    check(
        "store_values (update)",
        mode,
        |c, id| store_values(start(), c, input(id), &mut rng).unwrap(),
        |got, id| *got == id,
    );
    check(
        "retrieve_values",
        mode,
        |c, id| retrieve_values(start(), c, id),
        |got, _| *got == stored(),
    );
    check(
        "retrieve_permissions",
        mode,
        |c, id| retrieve_permissions(start(), c, id),
        |_, _| true,
    );
    let permissions = Permissions::defaults_for_user(me().user_id());
    check(
        "overwrite_permissions",
        mode,
        |c, id| overwrite_permissions(start(), c, id, &permissions),
        |_, _| true,
    );
    let delta =
        PermissionsDelta::new().grant_retrieve(UserKey::from_bytes(&[2; 32]).unwrap().user_id());
    check(
        "update_permissions",
        mode,
        |c, id| update_permissions(start(), c, id, delta),
        |_, _| true,
    );
    let name = ProgramName::new("main").unwrap();
    check(
        "store_program",
        mode,
        |c, _| store_program(start(), c, &name, ADD_SIMPLE.to_vec()).unwrap(),
        |got, _| *got == super::testing::scripted_program_id("main"),
    );
    let compute = |id| InvokeComputeInput {
        program_id: "user/main".into(),
        value_ids: alloc::vec![id],
        input_bindings: alloc::vec![("Party1".into(), me().user_id())],
        output_bindings: alloc::vec![("Party1".into(), alloc::vec![me().user_id()])],
        values: BTreeMap::from([("y".into(), secret(1))]),
    };
    check(
        "invoke_compute",
        mode,
        |c, id| invoke_compute(start(), c, compute(id), &mut rng).unwrap(),
        |_, _| true,
    );
    check(
        "pool_status",
        mode,
        |c, _| pool_status(start(), c),
        |_, _| true,
    );
}

#[test]
fn duplicated_replies_of_every_stage_never_fail_a_paid_operation() {
    every_paid_operation(Mode::Duplicated);
}

#[test]
fn late_replies_of_every_stage_never_fail_a_paid_operation() {
    every_paid_operation(Mode::Late);
}

/// A member whose reply to a store was lost, and which answers the retry with "nonce already
/// used": nothing can be concluded, and the error names it.
#[test]
fn a_receipt_burned_by_a_lost_attempt_is_reported_as_a_lost_reply() {
    let (mut cluster, _) = cluster_with_values();
    let context = cluster.context.clone();
    let victim = super::Target::Node(context.members[1].clone());
    let mut attempts = 0;
    let input = StoreValuesInput {
        values: stored(),
        ttl_days: Some(1),
        permissions: Some(Permissions::defaults_for_user(me().user_id())),
        update: None,
    };
    let mut rng = rand::rngs::StdRng::seed_from_u64(2);
    let op = store_values(start(), &context, input, &mut rng).unwrap();
    let error = super::testing::drive(op, |t| {
        if t.target == victim && t.request.method() == Method::StoreValues {
            attempts += 1;
            if attempts == 1 {
                let _applied = cluster.respond(t);
                return Err(Status::new(crate::rpc::Code::Unavailable, "reply lost"));
            }
            return Err(Status::new(
                crate::rpc::Code::FailedPrecondition,
                crate::rpc::NONCE_REUSED,
            ));
        }
        cluster.respond(t)
    })
    .unwrap_err();
    assert!(
        matches!(&error, OperationError::ReplyLost { node, status } if *node == victim && status.is_nonce_reused()),
        "{error:?}"
    );
    assert_eq!(error.node(), Some(&victim));
    assert!(error.to_string().contains("may have applied the request"));
    assert_eq!(attempts, 2, "a replay is not retried");
}

/// The leader credited a transfer whose reply was lost: the retry's "already processed"
/// proves the credit, so add_funds succeeds.
#[test]
fn a_transfer_credited_by_a_lost_attempt_is_success() {
    use nilvm_proto::nillion::payments::v1::config::PaymentsConfigResponse;
    let cluster = ScriptedCluster::new(3, 1);
    let mut rng = rand::rngs::StdRng::seed_from_u64(1);
    let op = super::add_funds::add_funds(
        start(),
        &cluster.context,
        me().user_id(),
        1_000_000,
        true,
        &mut rng,
    );
    let mut credits = 0;
    let result = super::testing::drive_with_payer(
        op,
        |t| match t.request.method() {
            Method::PaymentsConfig => Ok(Reply::PaymentsConfig(PaymentsConfigResponse {
                minimum_add_funds_payment: 10,
                credits_per_nil: 100,
            })),
            Method::AddFunds => {
                credits += 1;
                if credits == 1 {
                    Err(Status::new(crate::rpc::Code::Unavailable, "reply lost"))
                } else {
                    Err(Status::new(
                        crate::rpc::Code::InvalidArgument,
                        crate::rpc::TRANSFER_REUSED,
                    ))
                }
            }
            other => panic!("unexpected {other:?}"),
        },
        |_| Ok("TX".into()),
    );
    assert_eq!(result, Ok(()));
    assert_eq!(credits, 2);
}

/// Two copies of a balance request: the first is paid from the balance, the second finds it
/// empty and answers first. The operation starts paying on chain, then the first copy's
/// receipt arrives: it is used, and the payment outcome that comes later is ignored.
#[test]
fn a_receipt_from_a_copy_of_the_balance_request_is_used() {
    let (mut cluster, id) = cluster_with_values();
    let context = cluster.context.clone();
    let mut op = retrieve_values(start(), &context, id);
    let now = start();
    let mut held = None;
    let mut paid = false;
    let mut result = None;
    for _ in 0..100 {
        let Some(output) = op.poll_output() else {
            break;
        };
        match output {
            Output::Transmit(t) => {
                if let crate::rpc::Request::PaymentReceipt(request) = &t.request {
                    assert!(
                        request.tx_hash.is_empty(),
                        "the chain payment is never used"
                    );
                    held = Some((t.id, cluster.respond(&t)));
                    op.handle_reply(now, t.id, Err(Status::insufficient_balance()));
                    continue;
                }
                let reply = cluster.respond(&t);
                op.handle_reply(now, t.id, reply);
            }
            Output::Pay(_) => {
                paid = true;
                let (id, receipt) = held.take().expect("the balance request was sent");
                op.handle_reply(now, id, receipt);
                op.handle_payment(now, Ok("ABCDEF".into()));
            }
            Output::Done(done) => {
                result = Some(done);
                break;
            }
        }
    }
    assert!(paid, "the operation fell back to the chain");
    assert_eq!(result.expect("the operation ended").unwrap(), stored());
}
