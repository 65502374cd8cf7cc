//! Deterministic simulation: one seed picks a cluster, a fault profile and a workload; the run
//! is checked against invariants.
//!
//! Invariants checked by [`run_seed`]:
//! - no operation returns a wrong value: every value read back is one that was written (an
//!   update that failed half-way may leave either version, never a mix);
//! - every operation ends, with a result or an error, within [`MAX_OPERATION_TIME`] of virtual
//!   time;
//! - nothing panics (the caller catches panics per seed);
//! - liveness: every operation has an expected outcome ([`Expect`]: success, the NotFound a
//!   read after a delete gets, the PermissionDenied of a read after a revocation, or any of
//!   the outcomes of a race). In the profiles whose faults a correct client survives
//!   ([`survivable`]) every operation must meet it; elsewhere an operation may miss it only
//!   with an error that names the node and the cause. The test sums the [`SeedOutcome`]s into
//!   a per-profile table and asserts it.

use std::collections::BTreeMap;

use nilvm_core::field::Prime;
use nilvm_core::operations::account_balance::account_balance;
use nilvm_core::operations::add_funds::add_funds;
use nilvm_core::operations::delete_values::delete_values;
use nilvm_core::operations::discover_cluster::discover_cluster;
use nilvm_core::operations::invoke_compute::{InvokeComputeInput, invoke_compute};
use nilvm_core::operations::node_version::node_version;
use nilvm_core::operations::overwrite_permissions::overwrite_permissions;
use nilvm_core::operations::payments_config::payments_config;
use nilvm_core::operations::pool_status::pool_status;
use nilvm_core::operations::retrieve_permissions::retrieve_permissions;
use nilvm_core::operations::retrieve_results::retrieve_results;
use nilvm_core::operations::retrieve_values::retrieve_values;
use nilvm_core::operations::store_program::store_program;
use nilvm_core::operations::store_values::{StoreValuesInput, store_values};
use nilvm_core::operations::update_permissions::update_permissions;
use nilvm_core::operations::{Operation, OperationContext, OperationError, Target};
use nilvm_core::payments::PaymentMode;
use nilvm_core::permissions::{Permissions, PermissionsDelta};
use nilvm_core::program::ProgramName;
use nilvm_core::time::{Duration, Timestamp};
use nilvm_core::values::{ClearValue, SecretBlob, SecretInteger};
use nilvm_transport_mock::{Client, ClusterConfig, Emulator, NetworkConfig, OpHandle};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use uuid::Uuid;

use crate::scenarios::MULTI_PARTY_SUM;

/// The longest an operation may take, in virtual time, with every retry.
pub const MAX_OPERATION_TIME: Duration = Duration::from_secs(2 * 3600);

/// The fault profiles seeds cycle through.
pub const PROFILES: [&str; 8] = [
    "clean",
    "slow-reordering",
    "lossy",
    "duplicating",
    "corrupting",
    "crashing",
    "skewed-clocks",
    "chaos",
];

/// The network of a fault profile.
pub fn network(profile: usize, rng: &mut StdRng) -> NetworkConfig {
    let mut n = NetworkConfig::default();
    let chaos = profile == 7;
    if profile == 1 || chaos {
        n.max_latency = Duration::from_millis(rng.random_range(5..800));
        n.reordering = 0.3;
        n.reorder_delay = Duration::from_secs(2);
    }
    if profile == 2 || chaos {
        n.loss = if chaos { 0.01 } else { 0.05 };
    }
    if profile == 3 || chaos {
        n.duplication = 0.2;
        n.reordering = n.reordering.max(0.2);
    }
    if profile == 4 || chaos {
        n.corruption = if chaos { 0.01 } else { 0.05 };
    }
    if profile == 5 || chaos {
        n.crash_probability = 0.4;
        n.crash_window = Duration::from_secs(20);
        n.max_outage = Duration::from_secs(15);
    }
    if profile == 6 || chaos {
        n.max_clock_skew = Duration::from_secs(5);
    }
    n
}

/// Whether the faults of a profile stay within what a correct client survives: reordering,
/// duplication, clock skew, and crashes that heal within the retry budget.
pub fn survivable(profile: usize) -> bool {
    matches!(
        PROFILES.get(profile),
        Some(&("clean" | "slow-reordering" | "duplicating" | "crashing" | "skewed-clocks"))
    )
}

/// What an operation of the workload is expected to end with on a network that only has
/// survivable faults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// A result.
    Success,
    /// A node's NotFound (a read after a delete).
    NotFound,
    /// Either of the above (a read after a delete that failed).
    SuccessOrNotFound,
    /// A node's PermissionDenied (a read after the permission was taken away).
    PermissionDenied,
    /// An operation racing a conflicting one: a result, a NotFound, shares of two versions
    /// that do not unmask together, or a computation whose inputs vanished. Never a wrong
    /// value: results are still checked.
    Racing,
    /// Nothing can be expected (an earlier step failed, e.g. the permission change).
    Anything,
}

impl Expect {
    fn met_by<T>(self, result: &Result<T, OperationError>) -> bool {
        let not_found = matches!(result, Err(e) if e.is_not_found());
        match self {
            Expect::Success => result.is_ok(),
            Expect::NotFound => not_found,
            Expect::SuccessOrNotFound => result.is_ok() || not_found,
            Expect::PermissionDenied => matches!(result, Err(e) if e.is_permission_denied()),
            Expect::Racing => {
                result.is_ok()
                    || not_found
                    || matches!(
                        result,
                        Err(OperationError::Unmask(_)
                            | OperationError::Inconsistent(_)
                            | OperationError::ComputeFailed(_))
                    )
            }
            Expect::Anything => true,
        }
    }

    /// `self` if the step it depends on succeeded, else [`Expect::Anything`].
    fn if_ok<T, E>(self, step: &Result<T, E>) -> Self {
        if step.is_ok() { self } else { Expect::Anything }
    }
}

/// The cause of a failed operation, for the per-profile table.
pub fn cause(error: &OperationError) -> String {
    match error {
        OperationError::Refused { status, .. } => format!("refused:{:?}", status.code),
        OperationError::Unreachable { .. } => "unreachable".into(),
        OperationError::ReplyLost { .. } => "reply-lost".into(),
        OperationError::Misbehaving { .. } => "misbehaving".into(),
        OperationError::Inconsistent(_) => "inconsistent".into(),
        OperationError::Payment(_) => "payment".into(),
        OperationError::ComputeFailed(_) => "compute-failed".into(),
        OperationError::Unmask(_) => "unmask".into(),
        OperationError::InvalidInput(_) => "invalid-input".into(),
        OperationError::ApiMisuse(_) => "api-misuse".into(),
        _ => "other".into(),
    }
}

/// Whether an error says which node failed and why: a node-level error, one whose text names
/// the node, or a disagreement between nodes (which names no single node by nature: with
/// as few shares as the threshold needs, a corrupted share can be detected, not located).
pub fn is_clear(error: &OperationError) -> bool {
    error.node().is_some()
        || error.to_string().contains("node ")
        || matches!(
            error,
            OperationError::Inconsistent(_) | OperationError::Unmask(_)
        )
}

/// What one seed did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedOutcome {
    /// The hash of every network event, for determinism checks.
    pub trace_hash: u64,
    /// Operations that met their expectation ([`Expect`]).
    pub as_expected: usize,
    /// Operations that returned a result.
    pub succeeded: usize,
    /// Operations that returned an error (all of them clear errors).
    pub failed: usize,
    /// The cause of each failure ([`cause`]), expected ones included.
    pub failures: BTreeMap<String, usize>,
    /// The operations that missed their expectation: what was expected, and the error.
    pub unexpected: Vec<String>,
    /// The unexpected failures whose error does not say which node failed ([`is_clear`]).
    pub unclear: Vec<String>,
}

struct Run {
    emulator: Emulator,
    outcome: SeedOutcome,
}

/// An operation running in the emulator, and when it started.
struct Running<T> {
    handle: OpHandle<T>,
    started: Timestamp,
}

impl Run {
    fn spawn<O>(&mut self, client: &Client, op: O) -> Running<O::Output>
    where
        O: Operation + Send + 'static,
        O::Output: Send + 'static,
    {
        let started = self.emulator.now();
        let handle = self.emulator.spawn(client, op);
        Running { handle, started }
    }

    /// Steps the emulator (every running operation advances) until `running` is done.
    fn wait<T: 'static>(
        &mut self,
        running: Running<T>,
        expect: Expect,
    ) -> Result<Result<T, OperationError>, String> {
        let Running { handle, started } = running;
        let deadline = started.saturating_add(MAX_OPERATION_TIME);
        while !self.emulator.is_done(&handle) {
            if self.emulator.now() > deadline {
                return Err(format!(
                    "an operation started at {started} was still running at {}",
                    self.emulator.now()
                ));
            }
            if !self.emulator.step() {
                return Err("an operation stalled: nothing in flight and no timeout".into());
            }
        }
        let report = self.emulator.report(&handle);
        let result = self
            .emulator
            .take(&handle)
            .ok_or_else(|| "a finished operation has no result".to_string())?;
        if let Some(finished) = report.and_then(|r| r.finished_at) {
            if finished.duration_since(started).unwrap_or_default() > MAX_OPERATION_TIME {
                return Err("an operation took longer than the bound".into());
            }
        }
        self.emulator.forget(handle);
        self.record(expect, &result)?;
        Ok(result)
    }

    fn run<O>(
        &mut self,
        client: &Client,
        op: O,
        expect: Expect,
    ) -> Result<Result<O::Output, OperationError>, String>
    where
        O: Operation + Send + 'static,
        O::Output: Send + 'static,
    {
        let running = self.spawn(client, op);
        self.wait(running, expect)
    }

    fn record<T>(
        &mut self,
        expect: Expect,
        result: &Result<T, OperationError>,
    ) -> Result<(), String> {
        let outcome = &mut self.outcome;
        if expect.met_by(result) {
            outcome.as_expected += 1;
        }
        match result {
            Ok(_) => outcome.succeeded += 1,
            Err(error) => {
                // A clear error names its cause; "stalled" would be a driver bug.
                let text = error.to_string();
                if text.is_empty() || text.contains("stalled") {
                    return Err(format!("unclear error: {error:?}"));
                }
                outcome.failed += 1;
                // A racing operation's failures are told apart: their number depends on timing.
                let cause = match expect {
                    Expect::Racing => format!("race:{}", cause(error)),
                    _ => cause(error),
                };
                *outcome.failures.entry(cause).or_default() += 1;
                if !expect.met_by(result) {
                    let line = format!("expected {expect:?}: {error}");
                    if !is_clear(error) {
                        outcome.unclear.push(line.clone());
                    }
                    outcome.unexpected.push(line);
                }
            }
        }
        Ok(())
    }
}

fn secret(v: i64) -> ClearValue {
    ClearValue::SecretInteger(SecretInteger::from(v))
}

/// Runs one seed: its outcome (`Err` describes a broken invariant) and, if `trace` is set,
/// every network event.
pub fn run_seed(seed: u64, trace: bool) -> (Result<SeedOutcome, String>, Vec<String>) {
    let mut rng = StdRng::seed_from_u64(seed);
    let profile = usize::try_from(seed % PROFILES.len() as u64).unwrap_or(0);
    let config = ClusterConfig {
        node_count: if rng.random_bool(0.5) { 3 } else { 5 },
        prime: [Prime::U64, Prime::U128, Prime::U256][rng.random_range(0..3)],
        ..ClusterConfig::default()
    };
    let network = network(profile, &mut rng);
    let mut emulator = match Emulator::new(config, network, seed) {
        Ok(emulator) => emulator,
        Err(e) => return (Err(format!("cluster: {e}")), Vec::new()),
    };
    if trace {
        emulator.enable_trace();
    }
    let mut run = Run {
        emulator,
        outcome: SeedOutcome {
            trace_hash: 0,
            as_expected: 0,
            succeeded: 0,
            failed: 0,
            failures: BTreeMap::new(),
            unexpected: Vec::new(),
            unclear: Vec::new(),
        },
    };
    let result = workload(&mut run, &mut rng);
    let trace = run.emulator.trace().unwrap_or_default();
    let outcome = result.map(|()| SeedOutcome {
        trace_hash: run.emulator.trace_hash(),
        ..run.outcome
    });
    (outcome, trace)
}

/// The users of one seed and the candidates every read is checked against.
struct World {
    owner: Client,
    computer: Client,
    reader: Client,
    context: OperationContext,
    /// Every version of the values ever written (a read must return one of them).
    candidates: Vec<BTreeMap<String, ClearValue>>,
    /// The `x` of each candidate.
    xs: Vec<i64>,
}

impl World {
    fn check(&self, got: &BTreeMap<String, ClearValue>) -> Result<(), String> {
        if self.candidates.iter().any(|c| c == got) {
            Ok(())
        } else {
            Err(format!(
                "wrong value returned: {got:?} is none of {:?}",
                self.candidates
            ))
        }
    }

    fn push(&mut self, (values, x): (BTreeMap<String, ClearValue>, i64)) {
        self.candidates.push(values);
        self.xs.push(x);
    }
}

fn values(rng: &mut StdRng) -> (BTreeMap<String, ClearValue>, i64) {
    let x: i64 = rng.random_range(-1_000_000..1_000_000);
    (BTreeMap::from([("x".to_string(), secret(x))]), x)
}

/// Stores a secret blob (of a random size, several chunks at most) and reads it back.
fn blob_round_trip(run: &mut Run, world: &World, rng: &mut StdRng) -> Result<(), String> {
    let len = rng.random_range(1..200);
    let blob: Vec<u8> = (0..len).map(|_| rng.random()).collect();
    let stored = BTreeMap::from([(
        "notes".to_string(),
        ClearValue::SecretBlob(SecretBlob::new(blob)),
    )]);
    let input = StoreValuesInput {
        values: stored.clone(),
        ttl_days: Some(1),
        permissions: Some(Permissions::defaults_for_user(world.reader.user_id())),
        update: None,
    };
    let op = store_values(run.emulator.now(), &world.context, input, rng)
        .map_err(|e| format!("blob input: {e}"))?;
    let Ok(id) = run.run(&world.reader, op, Expect::Success)? else {
        return Ok(());
    };
    let op = retrieve_values(run.emulator.now(), &world.context, id);
    match run.run(&world.reader, op, Expect::Success)? {
        Ok(got) if got != stored => Err(format!("wrong blob returned: {got:?}")),
        _ => Ok(()),
    }
}

/// The workload: every one of the 17 operations, three users, a balance that may run out
/// mid-run (payments fall back to the chain), permission changes between reads, and two
/// races (an update racing a read, a delete racing a computation).
fn workload(run: &mut Run, rng: &mut StdRng) -> Result<(), String> {
    let owner = run.emulator.new_client();
    let computer = run.emulator.new_client();
    let reader = run.emulator.new_client();
    let price = run.emulator.cluster().config().price_credits;
    let now = run.emulator.now();
    let credits = price * rng.random_range(0..8);
    run.emulator
        .cluster()
        .leader()
        .set_balance(now, owner.user_id(), credits);
    let context = run
        .emulator
        .cluster()
        .operation_context(PaymentMode::FromBalance);
    let mut world = World {
        owner,
        computer,
        reader,
        context,
        candidates: Vec::new(),
        xs: Vec::new(),
    };
    free_reads(run, &world)?;
    blob_round_trip(run, &world, rng)?;
    let program_id = setup_program(run, &world)?;
    let first = values(rng);
    let mut permissions = Permissions::defaults_for_user(world.owner.user_id());
    if let Some(id) = &program_id {
        permissions = permissions.allow_compute(world.computer.user_id(), id.clone());
    }
    let input = StoreValuesInput {
        values: first.0.clone(),
        ttl_days: None,
        permissions: Some(permissions.clone()),
        update: None,
    };
    let op = store_values(run.emulator.now(), &world.context, input, rng)
        .map_err(|e| format!("store input: {e}"))?;
    world.push(first);
    let Ok(values_id) = run.run(&world.owner, op, Expect::Success)? else {
        return Ok(());
    };
    let op = retrieve_values(run.emulator.now(), &world.context, values_id);
    if let Ok(got) = run.run(&world.owner, op, Expect::Success)? {
        world.check(&got)?;
    }
    permission_changes(run, &world, values_id, &permissions)?;
    update_racing_read(run, &mut world, values_id, rng)?;
    if let Some(program_id) = program_id {
        compute(run, &world, values_id, &program_id, rng, false)?;
        compute(run, &world, values_id, &program_id, rng, true)?;
    } else {
        let op = delete_values(
            run.emulator.now(),
            &world.context.members,
            values_id,
            world.context.retry.clone(),
        );
        let _ = run.run(&world.owner, op, Expect::Success)?;
    }
    // Whatever the delete did, a read returns a written value or nothing.
    let op = retrieve_values(run.emulator.now(), &world.context, values_id);
    if let Ok(got) = run.run(&world.owner, op, Expect::SuccessOrNotFound)? {
        world.check(&got)?;
    }
    Ok(())
}

/// The free reads, the pool status, and funds added on chain for the computer.
fn free_reads(run: &mut Run, world: &World) -> Result<(), String> {
    let retry = world.context.retry.clone();
    let leader = world.context.leader.clone();
    let op = discover_cluster(run.emulator.now(), retry.clone());
    if let Ok(cluster) = run.run(&world.owner, op, Expect::Success)? {
        if cluster.members().len() != world.context.members.len() {
            return Err(format!("discovered {} members", cluster.members().len()));
        }
    }
    let op = node_version(run.emulator.now(), Target::Bootnode, retry.clone());
    let _ = run.run(&world.owner, op, Expect::Success)?;
    let op = payments_config(run.emulator.now(), &leader, retry.clone());
    let config = run.run(&world.owner, op, Expect::Success)?;
    let op = account_balance(run.emulator.now(), &leader, retry.clone());
    let _ = run.run(&world.owner, op, Expect::Success)?;
    let op = pool_status(run.emulator.now(), &world.context);
    let _ = run.run(&world.owner, op, Expect::Success)?;
    if let Ok(config) = config {
        let unil = config.minimum_add_funds_payment.saturating_mul(2);
        let mut nonce_rng = StdRng::from_seed(run.emulator.random_bytes());
        let op = add_funds(
            run.emulator.now(),
            &world.context,
            world.computer.user_id(),
            unil,
            true,
            &mut nonce_rng,
        );
        if run.run(&world.computer, op, Expect::Success)?.is_ok() {
            // The balance is not signed: a corrupted reply cannot be told from a true one, so
            // only its arrival is checked.
            let op = account_balance(run.emulator.now(), &leader, retry);
            let _ = run.run(&world.computer, op, Expect::Success)?;
        }
    }
    Ok(())
}

/// The computer stores the program it runs later.
fn setup_program(run: &mut Run, world: &World) -> Result<Option<String>, String> {
    let name = ProgramName::new("multi_party_sum").map_err(|e| e.to_string())?;
    let op = store_program(
        run.emulator.now(),
        &world.context,
        &name,
        MULTI_PARTY_SUM.to_vec(),
    )
    .map_err(|e| e.to_string())?;
    let stored = run.run(&world.computer, op, Expect::Success)?;
    Ok(stored.ok().map(|id| id.to_string()))
}

/// The owner lets the reader read, the reader reads, the owner takes it back, the reader is
/// refused.
fn permission_changes(
    run: &mut Run,
    world: &World,
    values_id: Uuid,
    original: &Permissions,
) -> Result<(), String> {
    let delta = PermissionsDelta::new().grant_retrieve(world.reader.user_id());
    let op = update_permissions(run.emulator.now(), &world.context, values_id, delta);
    let granted = run.run(&world.owner, op, Expect::Success)?;
    let op = retrieve_permissions(run.emulator.now(), &world.context, values_id);
    let expect = Expect::Success.if_ok(&granted);
    if let Ok(permissions) = run.run(&world.owner, op, expect)? {
        if granted.is_ok() && !permissions.is_retrieve_allowed(&world.reader.user_id()) {
            return Err("the granted retrieve permission is missing".into());
        }
    }
    let op = retrieve_values(run.emulator.now(), &world.context, values_id);
    let expect = Expect::Success.if_ok(&granted);
    if let Ok(got) = run.run(&world.reader, op, expect)? {
        world.check(&got)?;
    }
    let op = overwrite_permissions(run.emulator.now(), &world.context, values_id, original);
    let revoked = run.run(&world.owner, op, Expect::Success)?;
    let op = retrieve_values(run.emulator.now(), &world.context, values_id);
    let expect = Expect::PermissionDenied.if_ok(&revoked);
    if let Ok(got) = run.run(&world.reader, op, expect)? {
        world.check(&got)?;
    }
    Ok(())
}

/// The owner updates the values while reading them at the same time.
fn update_racing_read(
    run: &mut Run,
    world: &mut World,
    values_id: Uuid,
    rng: &mut StdRng,
) -> Result<(), String> {
    let updated = values(rng);
    let input = StoreValuesInput {
        values: updated.0.clone(),
        ttl_days: None,
        permissions: None,
        update: Some(values_id),
    };
    let op = store_values(run.emulator.now(), &world.context, input, rng)
        .map_err(|e| format!("update input: {e}"))?;
    world.push(updated);
    let update = run.spawn(&world.owner, op);
    let op = retrieve_values(run.emulator.now(), &world.context, values_id);
    let read = run.spawn(&world.owner, op);
    let updated = run.wait(update, Expect::Success)?;
    if let Ok(got) = run.wait(read, Expect::Racing)? {
        world.check(&got)?;
    }
    let op = retrieve_values(run.emulator.now(), &world.context, values_id);
    if let Ok(got) = run.run(&world.owner, op, Expect::Success.if_ok(&updated))? {
        world.check(&got)?;
    }
    Ok(())
}

/// Computes with the stored x and a compute-time y; with `delete_racing`, the owner deletes
/// the values while the computation is invoked.
fn compute(
    run: &mut Run,
    world: &World,
    values_id: Uuid,
    program_id: &str,
    rng: &mut StdRng,
    delete_racing: bool,
) -> Result<(), String> {
    let y: i64 = rng.random_range(-1_000_000..1_000_000);
    let input = InvokeComputeInput {
        program_id: program_id.to_string(),
        value_ids: vec![values_id],
        input_bindings: vec![
            ("Dealer1".into(), world.owner.user_id()),
            ("Dealer2".into(), world.computer.user_id()),
        ],
        output_bindings: vec![("Receiver".into(), vec![world.computer.user_id()])],
        values: BTreeMap::from([("y".to_string(), secret(y))]),
    };
    let op = invoke_compute(run.emulator.now(), &world.context, input, rng)
        .map_err(|e| format!("compute input: {e}"))?;
    let invoked = run.spawn(&world.computer, op);
    let expect = if delete_racing {
        let op = delete_values(
            run.emulator.now(),
            &world.context.members,
            values_id,
            world.context.retry.clone(),
        );
        let delete = run.spawn(&world.owner, op);
        let _ = run.wait(delete, Expect::Success)?;
        Expect::Racing
    } else {
        Expect::Success
    };
    let Ok(compute_id) = run.wait(invoked, expect)? else {
        return Ok(());
    };
    let op = retrieve_results(run.emulator.now(), &world.context, compute_id);
    if let Ok(outputs) = run.run(&world.computer, op, expect)? {
        let ok = world.xs.iter().any(|x| {
            outputs.get("sum") == Some(&secret(x + y))
                && outputs.get("product") == Some(&secret(x * y))
        });
        if !ok {
            return Err(format!("wrong compute result: {outputs:?} for y = {y}"));
        }
    }
    Ok(())
}

/// One profile's row of the liveness table: the sums of its seeds' outcomes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProfileRow {
    /// Seeds run.
    pub seeds: usize,
    /// Operations run.
    pub operations: usize,
    /// Operations that met their expectation.
    pub as_expected: usize,
    /// Operations that returned a result.
    pub succeeded: usize,
    /// Failed operations by cause, expected ones included.
    pub failures: BTreeMap<String, usize>,
    /// Operations that missed their expectation, with the error (for the assertion message).
    pub unexpected: Vec<String>,
    /// Unexpected failures whose error does not say which node failed.
    pub unclear: Vec<String>,
}

impl ProfileRow {
    /// Adds one seed's outcome.
    pub fn add(&mut self, outcome: &SeedOutcome) {
        self.seeds += 1;
        self.operations += outcome.succeeded + outcome.failed;
        self.as_expected += outcome.as_expected;
        self.succeeded += outcome.succeeded;
        for (cause, n) in &outcome.failures {
            *self.failures.entry(cause.clone()).or_default() += n;
        }
        self.unexpected.extend(outcome.unexpected.iter().cloned());
        self.unclear.extend(outcome.unclear.iter().cloned());
    }

    /// Failed operations that missed their expectation.
    pub fn failed_unexpectedly(&self) -> usize {
        self.unexpected.len()
    }

    /// Failed operations, expected ones included.
    pub fn failed(&self) -> usize {
        self.failures.values().sum()
    }
}

/// The per-profile table, as printed by the simulation test.
pub fn format_table(rows: &[ProfileRow]) -> String {
    let mut out = String::from(
        "| profile | seeds | operations | as expected | succeeded | failed | unexpected | failed by cause |\n|---|---|---|---|---|---|---|---|\n",
    );
    for (profile, row) in PROFILES.iter().zip(rows) {
        let causes: Vec<String> = row
            .failures
            .iter()
            .map(|(cause, n)| format!("{cause} {n}"))
            .collect();
        out.push_str(&format!(
            "| {profile} | {} | {} | {} | {} | {} | {} | {} |\n",
            row.seeds,
            row.operations,
            row.as_expected,
            row.succeeded,
            row.failed(),
            row.failed_unexpectedly(),
            causes.join(", ")
        ));
    }
    out
}
