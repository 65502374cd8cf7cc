//! [`Emulator`]: operations run by handle (spawn, step, take), each one a task of the
//! simulation running core's driving loop over the user's [`EmulatedDriver`], with the user's
//! tokens. Kept for the tests that interleave operations step by step.

use std::any::Any;
use std::collections::BTreeMap;
use std::ops::{Deref, DerefMut};
use std::sync::{Arc, Mutex};

use nilvm_core::drive::{Session, drive};
use nilvm_core::operations::{
    Operation, OperationError, OperationReport, Output, PayerError, RequestId, UndecodableReply,
};
use nilvm_core::rpc::{Reply, Status};
use nilvm_core::time::Timestamp;

use super::{EmulatedDriver, Simulation};
use crate::driver::{Client, OpHandle};
use crate::emulator::NetworkConfig;
use crate::{BuildError, ClusterConfig, lock};

/// When an operation started and ended, in virtual time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpReport {
    /// When it was spawned.
    pub started_at: Timestamp,
    /// When it returned its result, if it has.
    pub finished_at: Option<Timestamp>,
    /// What the operation saw (retries, stray replies) and what its driver discarded for it
    /// (replies to calls it had cancelled, duplicates), counted as stray replies too.
    pub operation: OperationReport,
}

/// What the emulator knows of one operation.
struct OpState {
    started_at: Timestamp,
    finished_at: Option<Timestamp>,
    seen: OperationReport,
    /// The `Result<Output, OperationError>`, until taken.
    result: Option<Box<dyn Any + Send>>,
    driver: EmulatedDriver,
}

/// A [`Simulation`] running raw core operations by handle ([`Emulator::spawn`], then
/// [`Simulation::step`] and [`Emulator::take`]), each a task running core's driving loop over
/// its user's [`EmulatedDriver`] with the user's tokens. It derefs to its [`Simulation`] (the
/// clock, the cluster, users, tasks).
pub struct Emulator {
    sim: Simulation,
    ops: BTreeMap<u64, Arc<Mutex<OpState>>>,
    next_op: u64,
}

impl std::fmt::Debug for Emulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emulator")
            .field("simulation", &self.sim)
            .field("ops", &self.ops.len())
            .finish()
    }
}

impl Deref for Emulator {
    type Target = Simulation;

    fn deref(&self) -> &Simulation {
        &self.sim
    }
}

impl DerefMut for Emulator {
    fn deref_mut(&mut self) -> &mut Simulation {
        &mut self.sim
    }
}

impl Emulator {
    /// A cluster built from `config` on a network behaving as `network`, everything drawn from
    /// `seed`.
    pub fn new(
        config: ClusterConfig,
        network: NetworkConfig,
        seed: u64,
    ) -> Result<Self, BuildError> {
        Ok(Self {
            sim: Simulation::new(config, network, seed)?,
            ops: BTreeMap::new(),
            next_op: 0,
        })
    }

    /// The simulation underneath.
    pub fn into_simulation(self) -> Simulation {
        self.sim
    }

    /// Starts an operation for `client`: a task driving it with core's loop. Drive it with
    /// [`Simulation::step`] (or use [`Emulator::run`]) and collect it with [`Emulator::take`].
    pub fn spawn<O>(&mut self, client: &Client, op: O) -> OpHandle<O::Output>
    where
        O: Operation + Send + 'static,
        O::Output: Send + 'static,
    {
        let id = self.next_op;
        self.next_op += 1;
        let driver = self.sim.driver(client);
        let tokens = self.sim.tokens(client);
        let endpoints = self.sim.endpoints();
        let state = Arc::new(Mutex::new(OpState {
            started_at: self.sim.now(),
            finished_at: None,
            seen: OperationReport::default(),
            result: None,
            driver: driver.clone(),
        }));
        self.ops.insert(id, Arc::clone(&state));
        let task = async move {
            let session = Session {
                endpoints: &endpoints,
                tokens: Some(&*tokens),
            };
            let op = Reported {
                op,
                state: Arc::clone(&state),
            };
            let result = drive(&driver, session, op).await;
            let now = nilvm_core::drive::Driver::now(&driver);
            let mut state = lock(&state);
            state.finished_at = Some(now);
            state.result = Some(Box::new(result));
        };
        self.sim
            .record(format_args!("op{id} for {}", client.user_id()));
        self.sim.spawn(task);
        OpHandle::new(id)
    }

    /// The result of a finished operation (once).
    pub fn take<T: 'static>(&mut self, handle: &OpHandle<T>) -> Option<Result<T, OperationError>> {
        let state = self.ops.get(&handle.id())?;
        let boxed = lock(state).result.take()?;
        boxed
            .downcast::<Result<T, OperationError>>()
            .ok()
            .map(|result| *result)
    }

    /// Whether an operation has finished.
    pub fn is_done<T>(&self, handle: &OpHandle<T>) -> bool {
        self.ops
            .get(&handle.id())
            .is_none_or(|state| lock(state).finished_at.is_some())
    }

    /// When an operation started and finished, and what it saw.
    pub fn report<T>(&self, handle: &OpHandle<T>) -> Option<OpReport> {
        let state = lock(self.ops.get(&handle.id())?);
        let mut operation = state.seen;
        operation.stray_replies = operation
            .stray_replies
            .saturating_add(state.driver.stray_replies());
        Some(OpReport {
            started_at: state.started_at,
            finished_at: state.finished_at,
            operation,
        })
    }

    /// Forgets an operation's bookkeeping (a running one goes on, unobserved).
    pub fn forget<T>(&mut self, handle: OpHandle<T>) {
        self.ops.remove(&handle.id());
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
            if !self.sim.step() {
                self.forget(handle);
                return Err(OperationError::ApiMisuse(
                    "the operation stalled: no output, no timeout, nothing in flight",
                ));
            }
        }
    }
}

/// An operation that copies its report out after every input (core's loop consumes it).
struct Reported<O> {
    op: O,
    state: Arc<Mutex<OpState>>,
}

impl<O: Operation> Operation for Reported<O> {
    type Output = O::Output;

    fn handle_reply(&mut self, now: Timestamp, id: RequestId, reply: Result<Reply, Status>) {
        self.op.handle_reply(now, id, reply);
    }

    fn handle_undecodable(&mut self, now: Timestamp, id: RequestId, error: UndecodableReply) {
        self.op.handle_undecodable(now, id, error);
    }

    fn handle_stream_end(&mut self, now: Timestamp, id: RequestId) {
        self.op.handle_stream_end(now, id);
    }

    fn handle_payment(&mut self, now: Timestamp, result: Result<String, PayerError>) {
        self.op.handle_payment(now, result);
    }

    fn handle_timeout(&mut self, now: Timestamp) {
        self.op.handle_timeout(now);
    }

    fn poll_output(&mut self) -> Option<Output<Self::Output>> {
        let output = self.op.poll_output();
        lock(&self.state).seen = self.op.report();
        output
    }

    fn poll_timeout(&self) -> Option<Timestamp> {
        self.op.poll_timeout()
    }

    fn report(&self) -> OperationReport {
        self.op.report()
    }

    fn is_awaiting(&self, id: RequestId) -> bool {
        self.op.is_awaiting(id)
    }
}
