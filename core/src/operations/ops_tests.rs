//! Each remaining operation against the scripted cluster: happy path and its own failure
//! branches (the shared pipeline's branches are in `pipeline_tests`).

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use nilvm_proto::nillion::auth::v1::user::UserId as ProtoUserId;
use nilvm_proto::nillion::permissions::v1::permissions::Permissions;
use rand::SeedableRng;
use uuid::Uuid;

use crate::identity::UserKey;
use crate::permissions::PermissionsDelta;
use crate::program::ProgramName;
use crate::rpc::{Code, Reply, Request, Status};
use crate::values::{ClearValue, Integer, SecretInteger};

use super::invoke_compute::{InvokeComputeInput, invoke_compute};
use super::overwrite_permissions::overwrite_permissions;
use super::pool_status::pool_status;
use super::retrieve_permissions::retrieve_permissions;
use super::retrieve_results::retrieve_results;
use super::store_program::store_program;
use super::testing::cluster::{ScriptedCluster, chain_payer};
use super::testing::{drive, drive_with_payer, nodes, start};
use super::update_permissions::update_permissions;
use super::{OperationError, Target};

fn key(seed: u8) -> UserKey {
    UserKey::from_bytes(&[seed; 32]).unwrap()
}

fn user(seed: u8) -> ProtoUserId {
    UserKey::from_bytes(&[seed; 32]).unwrap().user_id().into()
}

fn run<O: super::Operation>(
    cluster: &mut ScriptedCluster,
    op: O,
) -> Result<O::Output, OperationError> {
    drive_with_payer(op, |t| cluster.respond(t), chain_payer(&mut Vec::new()))
}

#[test]
fn permissions_are_compared_as_sets_across_members() {
    let mut cluster = ScriptedCluster::new(3, 1);
    cluster.permissions = Permissions {
        owner: Some(user(1)),
        retrieve: alloc::vec![user(2), user(3)],
        ..Default::default()
    };
    cluster.tamper = |t, reply| {
        // The last member lists the same users in another order: still the same set.
        if let (Target::Node(node), Reply::RetrievePermissions(p)) = (&t.target, reply) {
            if *node == nodes(3)[2] {
                p.retrieve.reverse();
            }
        }
    };
    let context = cluster.context.clone();
    let permissions = run(
        &mut cluster,
        retrieve_permissions(start(), &context, Uuid::nil()),
    )
    .unwrap();
    assert_eq!(permissions.retrieve.len(), 2);
}

#[test]
fn members_with_different_permissions_are_reported() {
    let mut cluster = ScriptedCluster::new(3, 1);
    cluster.permissions = Permissions {
        owner: Some(user(1)),
        ..Default::default()
    };
    cluster.tamper = |t, reply| {
        if let (Target::Node(node), Reply::RetrievePermissions(p)) = (&t.target, reply) {
            if *node == nodes(3)[1] {
                p.delete.push(user(9));
            }
        }
    };
    let context = cluster.context.clone();
    let error = run(
        &mut cluster,
        retrieve_permissions(start(), &context, Uuid::nil()),
    )
    .unwrap_err();
    assert!(
        matches!(error, OperationError::Inconsistent(_)),
        "{error:?}"
    );
}

#[test]
fn overwrite_sends_the_permissions_to_every_member() {
    let mut cluster = ScriptedCluster::new(3, 1);
    let context = cluster.context.clone();
    let permissions = crate::permissions::Permissions::defaults_for_user(key(1).user_id())
        .allow_compute(key(2).user_id(), "p");
    run(
        &mut cluster,
        overwrite_permissions(start(), &context, Uuid::nil(), &permissions),
    )
    .unwrap();
    assert_eq!(cluster.permissions, permissions.to_proto());
}

#[test]
fn update_always_sends_all_four_commands() {
    let mut cluster = ScriptedCluster::new(3, 1);
    let context = cluster.context.clone();
    let delta = PermissionsDelta::new().grant_retrieve(key(2).user_id());
    run(
        &mut cluster,
        update_permissions(start(), &context, Uuid::nil(), delta),
    )
    .unwrap();
    assert_eq!(cluster.updates.len(), 3, "one request per member");
    let sent = &cluster.updates[0];
    assert!(sent.update.is_some() && sent.delete.is_some() && sent.compute.is_some());
    assert_eq!(sent.retrieve.as_ref().unwrap().grant, alloc::vec![user(2)]);
    assert!(sent.signed_receipt.is_some());
}

const ADD_SIMPLE: &[u8] = include_bytes!("../../../testdata/programs/add_simple.nada.bin");

#[test]
fn store_program_returns_the_common_id() {
    let mut cluster = ScriptedCluster::new(3, 1);
    let context = cluster.context.clone();
    let name = ProgramName::new("main").unwrap();
    let op = store_program(start(), &context, &name, ADD_SIMPLE.to_vec()).unwrap();
    assert_eq!(
        run(&mut cluster, op).unwrap(),
        super::testing::scripted_program_id("main")
    );
    cluster.tamper = |t, reply| {
        if let (Target::Node(node), Reply::StoreProgram(r)) = (&t.target, reply) {
            if *node == nodes(3)[0] {
                r.program_id = super::testing::scripted_program_id("other").to_string();
            }
        }
    };
    let op = store_program(start(), &context, &name, ADD_SIMPLE.to_vec()).unwrap();
    let error = run(&mut cluster, op).unwrap_err();
    assert!(
        matches!(error, OperationError::Inconsistent(_)),
        "{error:?}"
    );
}

#[test]
fn a_program_the_nodes_would_refuse_is_refused_before_paying() {
    let cluster = ScriptedCluster::new(3, 1);
    let name = ProgramName::new("main").unwrap();
    let error =
        store_program(start(), &cluster.context, &name, alloc::vec![0xff, 0x01]).unwrap_err();
    assert!(
        matches!(error, OperationError::InvalidInput(_)),
        "{error:?}"
    );
}

fn compute_input() -> InvokeComputeInput {
    let mut values = BTreeMap::new();
    values.insert(
        "x".into(),
        ClearValue::SecretInteger(SecretInteger::new(Integer::from(5i64))),
    );
    let me = UserKey::from_bytes(&[1; 32]).unwrap().user_id();
    InvokeComputeInput {
        program_id: "user/main".into(),
        value_ids: alloc::vec![Uuid::from_bytes([3; 16])],
        input_bindings: alloc::vec![("Party1".into(), me)],
        output_bindings: alloc::vec![("Party1".into(), alloc::vec![me])],
        values,
    }
}

#[test]
fn compute_then_results_after_waiting() {
    let mut cluster = ScriptedCluster::new(3, 1);
    let context = cluster.context.clone();
    let mut rng = rand::rngs::StdRng::seed_from_u64(3);
    let compute_id = run(
        &mut cluster,
        invoke_compute(start(), &context, compute_input(), &mut rng).unwrap(),
    )
    .unwrap();
    assert_eq!(
        compute_id,
        Uuid::from_bytes([1; 16]),
        "the compute id is the receipt identifier"
    );
    let results = drive(retrieve_results(start(), &context, compute_id), |t| {
        cluster.respond(t)
    })
    .unwrap();
    assert_eq!(results, compute_input().values);
}

#[test]
fn compute_refuses_a_party_bound_twice() {
    let cluster = ScriptedCluster::new(3, 1);
    let mut input = compute_input();
    input.input_bindings.push(input.input_bindings[0].clone());
    let mut rng = rand::rngs::StdRng::seed_from_u64(3);
    let error = invoke_compute(start(), &cluster.context, input, &mut rng).unwrap_err();
    assert!(
        matches!(&error, OperationError::InvalidInput(m) if m.contains("bound twice")),
        "{error:?}"
    );
}

#[test]
fn a_compute_id_that_is_not_the_receipt_is_misbehaviour() {
    let mut cluster = ScriptedCluster::new(3, 1);
    cluster.tamper = |t, reply| {
        if let (Request::InvokeCompute(_), Reply::InvokeCompute(r)) = (&t.request, reply) {
            r.compute_id = alloc::vec![0xaa; 16];
        }
    };
    let context = cluster.context.clone();
    let mut rng = rand::rngs::StdRng::seed_from_u64(3);
    let error = run(
        &mut cluster,
        invoke_compute(start(), &context, compute_input(), &mut rng).unwrap(),
    )
    .unwrap_err();
    assert!(
        matches!(error, OperationError::Misbehaving { .. }),
        "{error:?}"
    );
}

#[test]
fn a_failed_computation_is_reported_with_the_clusters_text() {
    let mut cluster = ScriptedCluster::new(3, 1);
    let context = cluster.context.clone();
    let error = drive(retrieve_results(start(), &context, Uuid::nil()), |t| {
        cluster.respond(t)
    })
    .unwrap_err();
    assert!(
        matches!(&error, OperationError::ComputeFailed(m) if m.contains("division by zero")),
        "{error:?}"
    );
}

#[test]
fn a_results_stream_that_closes_early_is_an_error() {
    use super::{Operation, Output};
    let cluster = ScriptedCluster::new(3, 1);
    let mut op = retrieve_results(start(), &cluster.context, Uuid::nil());
    let Some(Output::Transmit(first)) = op.poll_output() else {
        panic!("expected a request")
    };
    op.handle_stream_end(start(), first.id);
    let mut outcome = None;
    while let Some(output) = op.poll_output() {
        if let Output::Done(result) = output {
            outcome = Some(result);
        }
    }
    let error = outcome.expect("the operation ended").unwrap_err();
    assert!(
        alloc::format!("{error}").contains("server closed results channel"),
        "{error}"
    );
}

#[test]
fn a_results_stream_error_status_names_the_node() {
    let cluster = ScriptedCluster::new(3, 1);
    let error = drive(
        retrieve_results(start(), &cluster.context, Uuid::nil()),
        |_| {
            Err(Status::new(
                Code::PermissionDenied,
                "user is not authorized to fetch result",
            ))
        },
    )
    .unwrap_err();
    assert!(error.is_permission_denied(), "{error:?}");
}

#[test]
fn pool_status_goes_to_the_leader_only() {
    let mut cluster = ScriptedCluster::new(3, 1);
    let context = cluster.context.clone();
    let mut targets: Vec<String> = Vec::new();
    let op = pool_status(start(), &context);
    drive(op, |t| {
        targets.push(alloc::format!("{}", t.target));
        cluster.respond(t)
    })
    .unwrap();
    let leader = alloc::format!("{}", Target::Node(context.leader.clone()));
    assert!(targets.iter().all(|t| *t == leader), "{targets:?}");
}
