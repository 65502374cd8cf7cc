//! The simulation: the emulated cluster and network, and a deterministic executor in virtual
//! time for the tasks that use it.
//!
//! [`Simulation::block_on`] and [`Simulation::run`] poll the runnable tasks in wake order;
//! when none can make progress, the network processes its next event (a message, a timer, a
//! crash, a payment), and only then does the virtual clock move, to that event. With nothing
//! left to process while tasks still wait, the run is a deadlock and returns
//! [`SimError::Deadlock`]; tasks that only ever wake each other are a
//! [`SimError::Livelock`]: it never hangs. Every random choice (latency, faults, keys, the
//! drivers' random bytes) comes from the seed, so a seed replays the same run
//! ([`Simulation::trace_hash`]), however many users run at once.
//!
//! Modules: `executor` (tasks and wake-ups), `driver` (the users' [`EmulatedDriver`]),
//! `handle` ([`SimHandle`], the simulation as the tasks see it), `ops` (the operation-handle
//! API of [`crate::Emulator::spawn`] over this one; its users' tokens are core's
//! `UserTokens`, as a client's are).

mod driver;
mod executor;
mod handle;
mod ops;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use nilvm_core::drive::Endpoints;
use nilvm_core::identity::{NodeId, UserId, UserKey};
use nilvm_core::time::{Duration, Timestamp};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

pub use driver::EmulatedDriver;
pub use executor::TaskId;
pub use handle::SimHandle;
pub use ops::{Emulator, OpReport};

use crate::cluster::Cluster;
use crate::driver::Client;
use crate::emulator::{Network, NetworkConfig, START};
use crate::{BuildError, ClusterConfig, lock};
use executor::Executor;
use nilvm_core::drive::UserTokens;

/// Why a simulation stopped before its tasks finished.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SimError {
    /// Tasks wait, and nothing is scheduled that could wake them.
    #[error("deadlock: {pending} tasks wait and nothing is scheduled")]
    Deadlock {
        /// The tasks still waiting (the `block_on` future counts).
        pending: usize,
    },
    /// Tasks kept waking each other (or themselves) without ever waiting on the network:
    /// time could never move.
    #[error("livelock: {rounds} rounds of polling without waiting for anything")]
    Livelock {
        /// The rounds polled in a row.
        rounds: u64,
    },
    /// The virtual clock passed the time limit ([`Simulation::set_time_limit`]).
    #[error("the virtual clock passed the time limit ({limit:?} after the start)")]
    TimeLimit {
        /// The limit.
        limit: Duration,
    },
}

/// How many rounds of polling in a row, with no network event between, make a livelock.
const LIVELOCK_ROUNDS: u64 = 1_000_000;

/// How long a run may last in virtual time unless told otherwise.
const DEFAULT_TIME_LIMIT: Duration = Duration::from_secs(365 * 86_400);

/// The emulated cluster, its network and the tasks that use it.
///
/// [`Simulation::block_on`] and [`Simulation::run`] poll the runnable tasks in wake order;
/// when none can make progress, the network processes its next event (a message, a timer, a
/// crash, a payment), and only then does the virtual clock move, to that event. With nothing
/// left to process while tasks still wait, the run fails with [`SimError::Deadlock`]: it never
/// hangs. Every random choice comes from the seed: a seed replays the same run
/// ([`Simulation::trace_hash`]), however many users run at once.
pub struct Simulation {
    /// Shared with the handles (its state sits behind its own locks).
    cluster: Arc<Cluster>,
    net: Arc<Mutex<Network>>,
    executor: Executor,
    tokens: BTreeMap<UserId, Arc<UserTokens>>,
    time_limit: Duration,
    /// Rounds polled since the network last processed an event.
    busy_rounds: u64,
}

impl std::fmt::Debug for Simulation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Simulation")
            .field("network", &*lock(&self.net))
            .field("executor", &self.executor)
            .finish_non_exhaustive()
    }
}

impl Simulation {
    /// A cluster built from `config` on a network behaving as `network`, everything drawn from
    /// `seed`.
    pub fn new(
        config: ClusterConfig,
        network: NetworkConfig,
        seed: u64,
    ) -> Result<Self, BuildError> {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut cluster = Cluster::new(config, rng.next_u64())?;
        let mut net = Network::new(network, rng, cluster.node_ids());
        net.schedule_faults(&mut cluster);
        Ok(Self {
            cluster: Arc::new(cluster),
            net: Arc::new(Mutex::new(net)),
            executor: Executor::default(),
            tokens: BTreeMap::new(),
            time_limit: DEFAULT_TIME_LIMIT,
            busy_rounds: 0,
        })
    }

    /// Records every event as a line of text (for debugging a failing seed).
    pub fn enable_trace(&mut self) {
        lock(&self.net).trace().enable();
    }

    /// The recorded trace, if enabled.
    pub fn trace(&self) -> Option<Vec<String>> {
        lock(&self.net).trace().lines().map(<[String]>::to_vec)
    }

    /// A hash of every event processed so far: equal seeds give equal hashes.
    pub fn trace_hash(&self) -> u64 {
        lock(&self.net).trace().hash()
    }

    /// The virtual clock.
    pub fn now(&self) -> Timestamp {
        lock(&self.net).now()
    }

    /// Stops [`Simulation::block_on`] and [`Simulation::run`] once the clock is `limit` past
    /// the start (a year unless set).
    pub fn set_time_limit(&mut self, limit: Duration) {
        self.time_limit = limit;
    }

    /// The cluster.
    pub fn cluster(&self) -> &Cluster {
        &self.cluster
    }

    /// The node ids (node order).
    pub fn node_ids(&self) -> Vec<NodeId> {
        self.cluster.node_ids()
    }

    /// Where the nodes are, for core's driving loop.
    pub fn endpoints(&self) -> Endpoints {
        Endpoints::of(self.cluster.info())
    }

    /// A handle for the code the simulation runs: users, the clock, the cluster.
    pub fn handle(&self) -> SimHandle {
        SimHandle {
            net: Arc::clone(&self.net),
            cluster: Arc::clone(&self.cluster),
        }
    }

    /// A new user with a funded chain account (10^12 unil), keys drawn from the seed.
    pub fn new_client(&mut self) -> Client {
        self.handle().new_client()
    }

    /// A new funded user and its driver ([`SimHandle::new_user`]).
    pub fn new_user(&mut self) -> (EmulatedDriver, UserKey) {
        self.handle().new_user()
    }

    /// A driver for `client` (its payments are signed with the client's chain key).
    pub fn driver(&self, client: &Client) -> EmulatedDriver {
        self.handle().driver(client)
    }

    /// 32 bytes from the seeded generator (nonces for test helpers).
    pub fn random_bytes(&mut self) -> [u8; 32] {
        self.handle().random_bytes()
    }

    /// The token cache of `client`, shared by its operations.
    pub(crate) fn tokens(&mut self, client: &Client) -> Arc<UserTokens> {
        let tokens = self
            .tokens
            .entry(client.user_id())
            .or_insert_with(|| Arc::new(UserTokens::new(client.token_cache(0))));
        Arc::clone(tokens)
    }

    /// Records a line in the trace.
    pub(crate) fn record(&self, what: std::fmt::Arguments<'_>) {
        lock(&self.net).record(what);
    }

    /// Adds a task; it runs when the simulation runs ([`Simulation::run`], `block_on`, `step`).
    pub fn spawn(&mut self, task: impl Future<Output = ()> + Send + 'static) -> TaskId {
        let id = self.executor.spawn(Box::pin(task));
        self.record(format_args!("spawn task{}", id.0));
        id
    }

    /// Whether a spawned task has finished.
    pub fn is_finished(&self, task: TaskId) -> bool {
        !self.executor.is_pending(task)
    }

    /// Runs until every spawned task has finished.
    pub fn run(&mut self) -> Result<(), SimError> {
        self.busy_rounds = 0;
        loop {
            if self.executor.pending() == 0 {
                return Ok(());
            }
            self.advance_or_fail(0)?;
        }
    }

    /// Runs `future` (and the spawned tasks beside it) until it completes.
    pub fn block_on<F: Future>(&mut self, future: F) -> Result<F::Output, SimError> {
        let mut future = pin!(future);
        let waker = self.executor.waker(Executor::MAIN);
        let mut cx = Context::from_waker(&waker);
        self.executor.wake(Executor::MAIN);
        self.busy_rounds = 0;
        loop {
            let ready = self.executor.take_ready();
            if ready.is_empty() {
                self.advance_or_fail(1)?;
                continue;
            }
            self.count_round()?;
            let mut ready = ready.into_iter();
            while let Some(id) = ready.next() {
                if id != Executor::MAIN {
                    self.executor.poll(id);
                } else if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
                    // The tasks woken behind it keep their turn for the next run.
                    ready.for_each(|id| self.executor.wake(id));
                    return Ok(output);
                }
            }
        }
    }

    /// With `waiting` futures besides the spawned tasks: polls what is ready, or processes
    /// the next event; fails when neither is possible or time is up.
    fn advance_or_fail(&mut self, waiting: usize) -> Result<(), SimError> {
        if self.poll_ready() {
            return self.count_round();
        }
        self.busy_rounds = 0;
        let limit = START.saturating_add(self.time_limit);
        if lock(&self.net).next_at().is_some_and(|at| at > limit) {
            let limit = self.time_limit;
            return Err(SimError::TimeLimit { limit });
        }
        if lock(&self.net).step(&self.cluster, limit) {
            Ok(())
        } else {
            let pending = self.executor.pending() + waiting;
            Err(SimError::Deadlock { pending })
        }
    }

    /// Counts a round of polling; too many in a row with no event between is a livelock.
    fn count_round(&mut self) -> Result<(), SimError> {
        self.busy_rounds += 1;
        if self.busy_rounds > LIVELOCK_ROUNDS {
            let rounds = self.busy_rounds;
            self.busy_rounds = 0;
            return Err(SimError::Livelock { rounds });
        }
        Ok(())
    }

    /// Polls the spawned tasks woken so far; whether there were any.
    fn poll_ready(&mut self) -> bool {
        let ready = self.executor.take_ready();
        let any = !ready.is_empty();
        for id in ready {
            self.executor.poll(id);
        }
        any
    }

    /// One unit of progress: the woken tasks are polled, or else the next event is processed.
    /// Returns `false` when there is nothing left to do.
    pub fn step(&mut self) -> bool {
        self.step_until(Timestamp::from_unix_seconds(i64::MAX / 4))
    }

    /// [`Simulation::step`], but no event after `until`.
    fn step_until(&mut self, until: Timestamp) -> bool {
        self.poll_ready() || lock(&self.net).step(&self.cluster, until)
    }

    /// Runs until nothing is left to do, or virtual time reaches `horizon` after now.
    pub fn run_until_idle(&mut self, horizon: Duration) {
        let until = self.now().saturating_add(horizon);
        while self.step_until(until) {}
    }

    /// Moves the clock forward (tasks and events due meanwhile run first).
    pub fn advance(&mut self, by: Duration) {
        let until = self.now().saturating_add(by);
        while self.step_until(until) {}
        lock(&self.net).set_now(until);
    }
}
