//! Deterministic simulation: one seed picks a cluster, a fault profile and a workload; the run
//! is checked against invariants.
//!
//! Invariants checked by [`run_seed`]:
//! - no operation returns a wrong value: every value read back is one that was written (an
//!   update that failed half-way may leave either version, never a mix);
//! - every operation ends, with a result or an error, within [`MAX_OPERATION_TIME`] of virtual
//!   time;
//! - nothing panics (the caller catches panics per seed);
//! - liveness: every operation has an expected outcome ([`Expect`]: success, or the NotFound
//!   a read after a delete gets). In the profiles whose faults a correct client survives
//!   ([`survivable`]) every operation must meet it; elsewhere an operation may miss it only
//!   with an error that names the node and the cause. The test sums the [`SeedOutcome`]s into
//!   a per-profile table and asserts it.

use std::collections::BTreeMap;

use nilvm_core::field::Prime;
use nilvm_core::operations::delete_values::delete_values;
use nilvm_core::operations::invoke_compute::{InvokeComputeInput, invoke_compute};
use nilvm_core::operations::retrieve_results::retrieve_results;
use nilvm_core::operations::retrieve_values::retrieve_values;
use nilvm_core::operations::store_program::store_program;
use nilvm_core::operations::store_values::{StoreValuesInput, store_values};
use nilvm_core::operations::{Operation, OperationError};
use nilvm_core::payments::PaymentMode;
use nilvm_core::permissions::Permissions;
use nilvm_core::program::ProgramName;
use nilvm_core::time::Duration;
use nilvm_core::values::{ClearValue, SecretInteger};
use nilvm_transport_mock::{Client, ClusterConfig, Emulator, NetworkConfig};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

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
    /// Either of the above (an operation racing a delete).
    SuccessOrNotFound,
}

impl Expect {
    fn met_by<T>(self, result: &Result<T, OperationError>) -> bool {
        let not_found = matches!(result, Err(e) if e.is_not_found());
        match self {
            Expect::Success => result.is_ok(),
            Expect::NotFound => not_found,
            Expect::SuccessOrNotFound => result.is_ok() || not_found,
        }
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

impl Run {
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
        let handle = self.emulator.spawn(client, op);
        let started = self.emulator.now();
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
                *outcome.failures.entry(cause(error)).or_default() += 1;
                if !expect.met_by(result) {
                    outcome
                        .unexpected
                        .push(format!("expected {expect:?}: {error}"));
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
    let trace = run
        .emulator
        .trace()
        .map(<[String]>::to_vec)
        .unwrap_or_default();
    let outcome = result.map(|()| SeedOutcome {
        trace_hash: run.emulator.trace_hash(),
        ..run.outcome
    });
    (outcome, trace)
}

fn workload(run: &mut Run, rng: &mut StdRng) -> Result<(), String> {
    let owner = run.emulator.new_client();
    let computer = run.emulator.new_client();
    if rng.random_bool(0.5) {
        let now = run.emulator.now();
        run.emulator
            .cluster_mut()
            .leader_mut()
            .set_balance(now, owner.user_id(), 1_000);
    }
    let context = run
        .emulator
        .cluster()
        .operation_context(PaymentMode::FromBalance);

    // The program the computer runs.
    let name = ProgramName::new("multi_party_sum").map_err(|e| e.to_string())?;
    let op = store_program(
        run.emulator.now(),
        &context,
        &name,
        MULTI_PARTY_SUM.to_vec(),
    )
    .map_err(|e| e.to_string())?;
    let program_id = run.run(&computer, op, Expect::Success)?.ok();

    // Store, read back.
    let x: i64 = rng.random_range(-1_000_000..1_000_000);
    let mut candidates: Vec<BTreeMap<String, ClearValue>> = Vec::new();
    let mut candidate_x = vec![x];
    let stored = BTreeMap::from([("x".to_string(), secret(x))]);
    let mut permissions = Permissions::defaults_for_user(owner.user_id());
    if let Some(id) = &program_id {
        permissions = permissions.allow_compute(computer.user_id(), id.clone());
    }
    let input = StoreValuesInput {
        values: stored.clone(),
        ttl_days: None,
        permissions: Some(permissions.clone()),
        update: None,
    };
    let op = store_values(run.emulator.now(), &context, input, rng)
        .map_err(|e| format!("store input: {e}"))?;
    candidates.push(stored);
    let Ok(values_id) = run.run(&owner, op, Expect::Success)? else {
        return Ok(());
    };
    let check = |candidates: &[BTreeMap<String, ClearValue>],
                 got: &BTreeMap<String, ClearValue>|
     -> Result<(), String> {
        if candidates.iter().any(|c| c == got) {
            Ok(())
        } else {
            Err(format!(
                "wrong value returned: {got:?} is none of {candidates:?}"
            ))
        }
    };
    let op = retrieve_values(run.emulator.now(), &context, values_id);
    if let Ok(got) = run.run(&owner, op, Expect::Success)? {
        check(&candidates, &got)?;
    }

    // Update x, read back.
    if rng.random_bool(0.5) {
        let x2: i64 = rng.random_range(-1_000_000..1_000_000);
        let mut updated = candidates[0].clone();
        updated.insert("x".into(), secret(x2));
        let input = StoreValuesInput {
            values: updated.clone(),
            ttl_days: None,
            permissions: None,
            update: Some(values_id),
        };
        let op = store_values(run.emulator.now(), &context, input, rng)
            .map_err(|e| format!("update input: {e}"))?;
        candidates.push(updated);
        candidate_x.push(x2);
        let _ = run.run(&owner, op, Expect::Success)?;
        let op = retrieve_values(run.emulator.now(), &context, values_id);
        if let Ok(got) = run.run(&owner, op, Expect::Success)? {
            check(&candidates, &got)?;
        }
    }

    // Compute with the stored x and a compute-time y.
    if let Some(program_id) = program_id {
        let y: i64 = rng.random_range(-1_000_000..1_000_000);
        let input = InvokeComputeInput {
            program_id,
            value_ids: vec![values_id],
            input_bindings: vec![
                ("Dealer1".into(), owner.user_id()),
                ("Dealer2".into(), computer.user_id()),
            ],
            output_bindings: vec![("Receiver".into(), vec![computer.user_id()])],
            values: BTreeMap::from([("y".to_string(), secret(y))]),
        };
        let op = invoke_compute(run.emulator.now(), &context, input, rng)
            .map_err(|e| format!("compute input: {e}"))?;
        if let Ok(compute_id) = run.run(&computer, op, Expect::Success)? {
            let op = retrieve_results(run.emulator.now(), &context, compute_id);
            if let Ok(outputs) = run.run(&computer, op, Expect::Success)? {
                let ok = candidate_x.iter().any(|x| {
                    outputs.get("sum") == Some(&secret(x + y))
                        && outputs.get("product") == Some(&secret(x * y))
                });
                if !ok {
                    return Err(format!("wrong compute result: {outputs:?} for y = {y}"));
                }
            }
        }
    }

    // Delete; anything read afterwards must still be a written value.
    let op = delete_values(
        run.emulator.now(),
        &context.members,
        values_id,
        context.retry.clone(),
    );
    let deleted = run.run(&owner, op, Expect::Success)?.is_ok();
    let op = retrieve_values(run.emulator.now(), &context, values_id);
    let expect = if deleted {
        Expect::NotFound
    } else {
        Expect::SuccessOrNotFound
    };
    if let Ok(got) = run.run(&owner, op, expect)? {
        check(&candidates, &got)?;
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
        "| profile | seeds | operations | as expected | succeeded | failed | failed by cause |\n|---|---|---|---|---|---|---|\n",
    );
    for (profile, row) in PROFILES.iter().zip(rows) {
        let causes: Vec<String> = row
            .failures
            .iter()
            .map(|(cause, n)| format!("{cause} {n}"))
            .collect();
        out.push_str(&format!(
            "| {profile} | {} | {} | {} | {} | {} | {} |\n",
            row.seeds,
            row.operations,
            row.as_expected,
            row.succeeded,
            row.failed(),
            causes.join(", ")
        ));
    }
    out
}
