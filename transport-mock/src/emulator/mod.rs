//! The in-memory network: a virtual clock, an event queue, one seeded RNG, and fault knobs.
//!
//! Every request an operation emits becomes an event delivered to a node after a random
//! latency; the node's answer travels back the same way. Loss, duplication, reordering,
//! corrupted replies, node crashes and restarts and clock skew are drawn from the one seed, so
//! the same seed replays the same run, event for event ([`Emulator::trace_hash`]).
//!
//! This module holds the [`Emulator`] and its run loop; each step of the way has its module:
//! `config` (the knobs), `faults` (what the seed makes of them), `liveness` (which nodes are
//! up), `events` (the queue), `slots` (the running operations, types erased), `tokens` (which
//! call carries which token), `wire` (requests and unary replies), `streams` (result
//! streams), `payment` (paying on the chain stub) and `trace` (the run's trace and its hash).

mod config;
mod events;
mod faults;
mod liveness;
mod payment;
mod slots;
mod streams;
mod tokens;
mod trace;
mod wire;

use nilvm_core::identity::NodeId;
use nilvm_core::operations::{Operation, OperationError};
use nilvm_core::payments::nillion_address;
use nilvm_core::time::{Duration, Timestamp};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

pub use config::{NetworkConfig, NodeOutage};
pub use slots::OpReport;

use crate::cluster::Cluster;
use crate::driver::{Client, OpHandle};
use crate::{BuildError, ClusterConfig};
use events::{Event, Queue};
use liveness::Liveness;
use slots::Slots;
use tokens::Tokens;
use trace::{Trace, ms_since};

/// The emulated cluster on the emulated network: see the crate docs.
pub struct Emulator {
    cluster: Cluster,
    network: NetworkConfig,
    rng: StdRng,
    start: Timestamp,
    now: Timestamp,
    queue: Queue,
    ops: Slots,
    tokens: Tokens,
    liveness: Liveness,
    trace: Trace,
}

impl std::fmt::Debug for Emulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emulator")
            .field("now", &self.now)
            .field("ops", &self.ops.len())
            .field("queued", &self.queue.len())
            .finish_non_exhaustive()
    }
}

/// The virtual clock's start: 2025-01-01T00:00:00Z.
pub const START: Timestamp = Timestamp::from_unix_seconds(1_735_689_600);

impl Emulator {
    /// A cluster built from `config` on a network behaving as `network`, everything drawn from
    /// `seed`.
    pub fn new(
        config: ClusterConfig,
        network: NetworkConfig,
        seed: u64,
    ) -> Result<Self, BuildError> {
        let mut rng = StdRng::seed_from_u64(seed);
        let cluster = Cluster::new(config, rng.next_u64())?;
        let count = cluster.node_ids().len();
        let mut emulator = Self {
            cluster,
            network,
            rng,
            start: START,
            now: START,
            queue: Queue::default(),
            ops: Slots::default(),
            tokens: Tokens::default(),
            liveness: Liveness::new(count),
            trace: Trace::new(),
        };
        emulator.schedule_faults(count);
        Ok(emulator)
    }

    /// Records every event as a line of text (for debugging a failing seed).
    pub fn enable_trace(&mut self) {
        self.trace.enable();
    }

    /// The recorded trace, if enabled.
    pub fn trace(&self) -> Option<&[String]> {
        self.trace.lines()
    }

    /// A hash of every event processed so far: equal seeds give equal hashes.
    pub fn trace_hash(&self) -> u64 {
        self.trace.hash()
    }

    /// The virtual clock.
    pub fn now(&self) -> Timestamp {
        self.now
    }

    /// Moves the clock forward (events due meanwhile are processed first).
    pub fn advance(&mut self, by: Duration) {
        let until = self.now.saturating_add(by);
        while self.step_until(until) {}
        self.now = self.now.max(until);
    }

    /// The cluster.
    pub fn cluster(&self) -> &Cluster {
        &self.cluster
    }

    /// The cluster, to fund accounts or set balances.
    pub fn cluster_mut(&mut self) -> &mut Cluster {
        &mut self.cluster
    }

    /// The node ids (node order).
    pub fn node_ids(&self) -> Vec<NodeId> {
        self.cluster.node_ids()
    }

    /// A new user with a funded chain account (10^12 unil), keys drawn from the seed.
    pub fn new_client(&mut self) -> Client {
        let mut seed = [0u8; 32];
        self.rng.fill_bytes(&mut seed);
        let client = Client::from_seed(seed);
        if let Ok(address) = nillion_address(&client.chain_key().public_key()) {
            self.cluster.chain_mut().fund(&address, 1_000_000_000_000);
        }
        client
    }

    /// 32 bytes from the emulator's seeded generator (nonces for test helpers).
    pub fn random_bytes(&mut self) -> [u8; 32] {
        let mut bytes = [0u8; 32];
        self.rng.fill_bytes(&mut bytes);
        bytes
    }

    /// Starts an operation for `client`. Drive it with [`Emulator::step`] (or use
    /// [`Emulator::run`]) and collect it with [`Emulator::take`].
    pub fn spawn<O>(&mut self, client: &Client, op: O) -> OpHandle<O::Output>
    where
        O: Operation + Send + 'static,
        O::Output: Send + 'static,
    {
        let id = self.ops.insert(client, op, self.now);
        self.tokens.register(client, id);
        self.trace.record(format!("spawn op{id}"));
        self.drain(id);
        OpHandle::new(id)
    }

    /// The result of a finished operation (once).
    pub fn take<T: 'static>(&mut self, handle: &OpHandle<T>) -> Option<Result<T, OperationError>> {
        self.ops.take(handle.id())
    }

    /// Whether an operation has finished.
    pub fn is_done<T>(&self, handle: &OpHandle<T>) -> bool {
        self.ops.get(handle.id()).is_none_or(|s| s.op.is_done())
    }

    /// When an operation started and finished, and what it saw.
    pub fn report<T>(&self, handle: &OpHandle<T>) -> Option<OpReport> {
        self.ops.get(handle.id()).map(|s| OpReport {
            operation: s.op.report(),
            ..s.report
        })
    }

    /// Forgets a finished operation's bookkeeping.
    pub fn forget<T>(&mut self, handle: OpHandle<T>) {
        self.ops.remove(handle.id());
    }

    /// Runs one operation to completion (the blocking driver). Operations spawned earlier make
    /// progress too.
    pub fn run<O>(&mut self, client: &Client, op: O) -> Result<O::Output, OperationError>
    where
        O: Operation + Send + 'static,
        O::Output: Send + 'static,
    {
        let handle = self.spawn(client, op);
        loop {
            if let Some(result) = self.take(&handle) {
                self.forget(handle);
                return result;
            }
            if !self.step() {
                self.forget(handle);
                return Err(OperationError::ApiMisuse(
                    "the operation stalled: no output, no timeout, nothing in flight",
                ));
            }
        }
    }

    /// Runs until nothing is left to do, or virtual time reaches `horizon` after now.
    pub fn run_until_idle(&mut self, horizon: Duration) {
        let until = self.now.saturating_add(horizon);
        while self.step_until(until) {}
    }

    /// Processes the next event or timeout. Returns `false` when there is nothing left.
    pub fn step(&mut self) -> bool {
        self.step_until(Timestamp::from_unix_seconds(i64::MAX / 4))
    }

    /// The next event or the due timeouts, whichever comes first, if not after `until`.
    fn step_until(&mut self, until: Timestamp) -> bool {
        let next_event = self.queue.next_at();
        let next_timeout = self.ops.next_timeout();
        let next = match (next_event, next_timeout) {
            (None, None) => return false,
            (Some(a), Some(b)) => a.min(b),
            (Some(a), None) | (None, Some(a)) => a,
        };
        if next > until {
            return false;
        }
        self.now = self.now.max(next);
        if next_timeout.is_some_and(|t| t <= self.now)
            && next_event.is_none_or(|e| e >= next_timeout.unwrap_or(e))
        {
            self.fire_timeouts();
            return true;
        }
        if let Some(event) = self.queue.pop() {
            self.process(event);
        }
        true
    }

    /// Wakes every operation whose timer is due.
    fn fire_timeouts(&mut self) {
        for id in self.ops.due(self.now) {
            let now = self.now;
            self.trace
                .record(format!("{} timeout op{id}", ms_since(now)));
            if let Some(slot) = self.ops.get_mut(id) {
                slot.op.handle_timeout(now);
            }
            self.drain(id);
        }
    }

    /// Hands an operation's outputs to the network until it has none.
    fn drain(&mut self, op: u64) {
        loop {
            let Some(slot) = self.ops.get_mut(op) else {
                return;
            };
            let output = slot.op.poll_output();
            if slot.op.is_done() && slot.report.finished_at.is_none() {
                slot.report.finished_at = Some(self.now);
                self.trace
                    .record(format!("{} done op{op}", ms_since(self.now)));
            }
            match output {
                None => return,
                Some(Ok(transmit)) => self.send(op, transmit),
                Some(Err(payment)) => self.pay(op, payment),
            }
        }
    }

    fn process(&mut self, event: Event) {
        let now = self.now;
        match event {
            Event::Request {
                op,
                id,
                node,
                token,
                request,
            } => self.deliver(op, id, node, token, request),
            Event::StreamPoll {
                op,
                id,
                stream,
                epoch,
                last_delivery,
            } => self.stream_poll_due(op, id, stream, epoch, last_delivery),
            Event::Reply { op, id, reply } => {
                let line = match &reply {
                    Ok(r) => format!("{:?}", r.method()),
                    Err(s) => format!("{s}"),
                };
                self.trace
                    .record(format!("{} deliver op{op} #{} {line}", ms_since(now), id.0));
                if let Some(slot) = self.ops.get_mut(op) {
                    slot.op.handle_reply(now, id, reply);
                }
                self.drain(op);
            }
            Event::StreamEnd { op, id } => {
                self.trace
                    .record(format!("{} stream end op{op} #{}", ms_since(now), id.0));
                if let Some(slot) = self.ops.get_mut(op) {
                    slot.op.handle_stream_end(now, id);
                }
                self.drain(op);
            }
            Event::Payment { op, result } => {
                if let Some(slot) = self.ops.get_mut(op) {
                    slot.op.handle_payment(now, result);
                }
                self.drain(op);
            }
            Event::Crash { node } => self.crash(node),
            Event::Restart { node } => self.restart(node),
        }
    }
}
