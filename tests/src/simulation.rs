//! Deterministic simulation: one seed picks a cluster, a fault profile and a workload; the run
//! is checked against invariants.
//!
//! Invariants checked by [`run_seed`]:
//! - no operation returns a wrong value: every value read back is one that was written (an
//!   update that failed half-way may leave either version, never a mix);
//! - every operation ends, with a result or an error, within [`MAX_OPERATION_TIME`] of virtual
//!   time;
//! - nothing panics (the caller catches panics per seed).

use std::collections::BTreeMap;

use nilvm_core::field::Prime;
use nilvm_core::operations::Paid;
use nilvm_core::operations::delete_values::delete_values;
use nilvm_core::operations::invoke_compute::{InvokeComputeInput, invoke_compute};
use nilvm_core::operations::retrieve_results::retrieve_results;
use nilvm_core::operations::retrieve_values::retrieve_values;
use nilvm_core::operations::store_program::StoreProgramCall;
use nilvm_core::operations::store_values::{StoreValuesInput, store_values};
use nilvm_core::operations::{Operation, OperationError};
use nilvm_core::payments::PaymentMode;
use nilvm_core::permissions::Permissions;
use nilvm_core::time::Duration;
use nilvm_core::values::{ClearValue, SecretInteger};
use nilvm_proto::nillion::payments::v1::quote::{ProgramMetadata, StoreProgram};
use nilvm_transport_mock::{Client, ClusterConfig, Emulator, NetworkConfig};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use sha2::Digest;

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

/// What one seed did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedOutcome {
    /// The hash of every network event, for determinism checks.
    pub trace_hash: u64,
    /// Operations that returned a result.
    pub succeeded: usize,
    /// Operations that returned an error (all of them clear errors).
    pub failed: usize,
}

struct Run {
    emulator: Emulator,
    succeeded: usize,
    failed: usize,
}

impl Run {
    fn run<O>(
        &mut self,
        client: &Client,
        op: O,
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
        match &result {
            Ok(_) => self.succeeded += 1,
            Err(error) => {
                // A clear error names its cause; "stalled" would be a driver bug.
                let text = error.to_string();
                if text.is_empty() || text.contains("stalled") {
                    return Err(format!("unclear error: {error:?}"));
                }
                self.failed += 1;
            }
        }
        Ok(result)
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
        succeeded: 0,
        failed: 0,
    };
    let result = workload(&mut run, &mut rng);
    let trace = run
        .emulator
        .trace()
        .map(<[String]>::to_vec)
        .unwrap_or_default();
    let outcome = result.map(|()| SeedOutcome {
        trace_hash: run.emulator.trace_hash(),
        succeeded: run.succeeded,
        failed: run.failed,
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
    let quote = StoreProgram {
        metadata: Some(ProgramMetadata {
            program_size: MULTI_PARTY_SUM.len() as u64,
            ..Default::default()
        }),
        contents_sha256: sha2::Sha256::digest(MULTI_PARTY_SUM).to_vec(),
        name: "multi_party_sum".into(),
    };
    let op = Paid::start(
        run.emulator.now(),
        &context,
        StoreProgramCall::with_quote(&context, quote, MULTI_PARTY_SUM.to_vec()),
    );
    let program_id = run.run(&computer, op)?.ok();

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
    let Ok(values_id) = run.run(&owner, op)? else {
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
    if let Ok(got) = run.run(&owner, op)? {
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
        let _ = run.run(&owner, op)?;
        let op = retrieve_values(run.emulator.now(), &context, values_id);
        if let Ok(got) = run.run(&owner, op)? {
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
        if let Ok(compute_id) = run.run(&computer, op)? {
            let op = retrieve_results(run.emulator.now(), &context, compute_id);
            if let Ok(outputs) = run.run(&computer, op)? {
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
    let _ = run.run(&owner, op)?;
    let op = retrieve_values(run.emulator.now(), &context, values_id);
    if let Ok(got) = run.run(&owner, op)? {
        check(&candidates, &got)?;
    }
    Ok(())
}
