//! The in-memory network: a virtual clock, an event queue, one seeded RNG, and fault knobs.
//!
//! Every request an operation emits becomes an event delivered to a node after a random
//! latency; the node's answer travels back the same way. Loss, duplication, reordering,
//! corrupted replies, node crashes and restarts and clock skew are drawn from the one seed, so
//! the same seed replays the same run, event for event ([`Emulator::trace_hash`]).

use std::any::Any;
use std::collections::BTreeMap;

use nilvm_core::auth::TokenCache;
use nilvm_core::identity::{NodeId, UserId};
use nilvm_core::operations::{
    Operation, OperationError, OperationReport, Output, PaymentRequest, RequestId, Target, Transmit,
};
use nilvm_core::payments::{TxParams, nillion_address, pay_for_tx};
use nilvm_core::rpc::{Code, Method, Reply, Request, Status};
use nilvm_core::time::{Duration, Timestamp};
use rand::rngs::StdRng;
use rand::{Rng, RngExt, SeedableRng};

use crate::cluster::{ClockSkew, Cluster};
use crate::driver::{Client, OpHandle};
use crate::node::{Response, ResultsStream};
use crate::{BuildError, ClusterConfig};

/// A scheduled node outage: the node is down (connections refused, state in memory kept, as
/// a restarted node keeps its database) from `down_at` to `up_at` after the start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeOutage {
    /// Node index (0 is the bootnode).
    pub node: usize,
    /// When it crashes, from the emulator's start.
    pub down_at: Duration,
    /// When it is back.
    pub up_at: Duration,
}

/// The network's behaviour. Every probability is per message, in `[0, 1]`.
#[derive(Clone, Debug, PartialEq)]
pub struct NetworkConfig {
    /// Smallest one-way latency.
    pub min_latency: Duration,
    /// Largest one-way latency.
    pub max_latency: Duration,
    /// A request or a unary reply is dropped (the client times out); a stream is reset.
    pub loss: f64,
    /// A request is delivered twice.
    pub duplication: f64,
    /// A message is held back by up to `reorder_delay`, so later ones overtake it.
    pub reordering: f64,
    /// How long a reordered message is held back at most.
    pub reorder_delay: Duration,
    /// A unary reply has one bit flipped (it may still decode, into something else).
    pub corruption: f64,
    /// Each node's clock is off by a random amount in `[-max_clock_skew, +max_clock_skew]`.
    pub max_clock_skew: Duration,
    /// Scheduled outages.
    pub outages: Vec<NodeOutage>,
    /// Chance that each node crashes once at a random time within `crash_window`.
    pub crash_probability: f64,
    /// Random crashes happen within this long after the start.
    pub crash_window: Duration,
    /// A random crash lasts up to this long.
    pub max_outage: Duration,
    /// How long an on-chain payment takes to commit.
    pub payment_latency: Duration,
}

impl Default for NetworkConfig {
    /// A perfect network: 1–5 ms latency, no faults.
    fn default() -> Self {
        Self {
            min_latency: Duration::from_millis(1),
            max_latency: Duration::from_millis(5),
            loss: 0.0,
            duplication: 0.0,
            reordering: 0.0,
            reorder_delay: Duration::from_millis(50),
            corruption: 0.0,
            max_clock_skew: Duration::ZERO,
            outages: Vec::new(),
            crash_probability: 0.0,
            crash_window: Duration::from_secs(60),
            max_outage: Duration::from_secs(20),
            payment_latency: Duration::from_millis(200),
        }
    }
}

/// When an operation started and ended, in virtual time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpReport {
    /// When it was spawned.
    pub started_at: Timestamp,
    /// When it returned its result, if it has.
    pub finished_at: Option<Timestamp>,
    /// What the operation itself saw (stray replies, retries).
    pub operation: OperationReport,
}

/// An operation with its output type erased, so one emulator runs many kinds at once.
trait ErasedOp: Send {
    fn handle_reply(&mut self, now: Timestamp, id: RequestId, reply: Result<Reply, Status>);
    fn handle_stream_end(&mut self, now: Timestamp, id: RequestId);
    fn handle_payment(&mut self, now: Timestamp, result: Result<String, String>);
    fn handle_timeout(&mut self, now: Timestamp);
    /// `Some(Ok(transmit))`, `Some(Err(payment))`, or `None`; a result is kept inside.
    fn poll_output(&mut self) -> Option<Result<Transmit, PaymentRequest>>;
    fn poll_timeout(&self) -> Option<Timestamp>;
    fn is_done(&self) -> bool;
    fn take_result(&mut self) -> Option<Box<dyn Any + Send>>;
    fn report(&self) -> OperationReport;
}

struct Slot<O: Operation> {
    op: O,
    result: Option<Result<O::Output, OperationError>>,
    taken: bool,
}

impl<O> ErasedOp for Slot<O>
where
    O: Operation + Send,
    O::Output: Send + 'static,
{
    fn handle_reply(&mut self, now: Timestamp, id: RequestId, reply: Result<Reply, Status>) {
        self.op.handle_reply(now, id, reply);
    }
    fn handle_stream_end(&mut self, now: Timestamp, id: RequestId) {
        self.op.handle_stream_end(now, id);
    }
    fn handle_payment(&mut self, now: Timestamp, result: Result<String, String>) {
        self.op.handle_payment(now, result);
    }
    fn handle_timeout(&mut self, now: Timestamp) {
        self.op.handle_timeout(now);
    }
    fn poll_output(&mut self) -> Option<Result<Transmit, PaymentRequest>> {
        if self.is_done() {
            return None;
        }
        match self.op.poll_output()? {
            Output::Transmit(t) => Some(Ok(t)),
            Output::Pay(p) => Some(Err(p)),
            Output::Done(result) => {
                self.result = Some(result);
                None
            }
        }
    }
    fn poll_timeout(&self) -> Option<Timestamp> {
        if self.is_done() {
            None
        } else {
            self.op.poll_timeout()
        }
    }
    fn is_done(&self) -> bool {
        self.result.is_some() || self.taken
    }
    fn take_result(&mut self) -> Option<Box<dyn Any + Send>> {
        let result = self.result.take()?;
        self.taken = true;
        Some(Box::new(result))
    }
    fn report(&self) -> OperationReport {
        self.op.report()
    }
}

struct OpSlot {
    op: Box<dyn ErasedOp>,
    client: Client,
    report: OpReport,
}

#[derive(Debug)]
enum Event {
    Request {
        op: u64,
        id: RequestId,
        node: usize,
        token: Option<Vec<u8>>,
        request: Request,
    },
    Reply {
        op: u64,
        id: RequestId,
        reply: Result<Reply, Status>,
    },
    StreamEnd {
        op: u64,
        id: RequestId,
    },
    StreamPoll {
        op: u64,
        id: RequestId,
        stream: ResultsStream,
        epoch: u64,
        last_delivery: Timestamp,
    },
    Payment {
        op: u64,
        result: Result<String, String>,
    },
    Crash {
        node: usize,
    },
    Restart {
        node: usize,
    },
}

/// The emulated cluster on the emulated network: see the crate docs.
pub struct Emulator {
    cluster: Cluster,
    network: NetworkConfig,
    rng: StdRng,
    start: Timestamp,
    now: Timestamp,
    queue: BTreeMap<(Timestamp, u64), Event>,
    seq: u64,
    ops: BTreeMap<u64, OpSlot>,
    /// One token cache per user, shared by its operations, as a real client keeps one: a
    /// token is signed once per node and reused until it is due for renewal.
    tokens: BTreeMap<UserId, TokenCache>,
    next_op: u64,
    down: Vec<bool>,
    epochs: Vec<u64>,
    trace_hash: u64,
    trace: Option<Vec<String>>,
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

fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

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
            queue: BTreeMap::new(),
            seq: 0,
            ops: BTreeMap::new(),
            tokens: BTreeMap::new(),
            next_op: 0,
            down: vec![false; count],
            epochs: vec![0; count],
            trace_hash: 0xcbf2_9ce4_8422_2325,
            trace: None,
        };
        emulator.schedule_faults(count);
        Ok(emulator)
    }

    fn schedule_faults(&mut self, count: usize) {
        let max_skew = ms(self.network.max_clock_skew);
        if max_skew > 0 {
            for node in 0..count {
                let magnitude = self.rng.random_range(0..=max_skew);
                let millis = i64::try_from(magnitude).unwrap_or(0);
                let millis = if self.rng.random_bool(0.5) {
                    millis
                } else {
                    -millis
                };
                self.cluster.set_clock_skew(node, ClockSkew { millis });
            }
        }
        let mut outages = self.network.outages.clone();
        let p = self.network.crash_probability.clamp(0.0, 1.0);
        if p > 0.0 {
            for node in 0..count {
                if self.rng.random_bool(p) {
                    let at = self.rng.random_range(0..=ms(self.network.crash_window));
                    let length = self
                        .rng
                        .random_range(1..=ms(self.network.max_outage).max(1));
                    outages.push(NodeOutage {
                        node,
                        down_at: Duration::from_millis(at),
                        up_at: Duration::from_millis(at + length),
                    });
                }
            }
        }
        for outage in outages {
            if outage.node >= count {
                continue;
            }
            let down = self.start.saturating_add(outage.down_at);
            let up = self.start.saturating_add(outage.up_at.max(outage.down_at));
            self.schedule(down, Event::Crash { node: outage.node });
            self.schedule(up, Event::Restart { node: outage.node });
        }
    }

    /// Records every event as a line of text (for debugging a failing seed).
    pub fn enable_trace(&mut self) {
        self.trace = Some(Vec::new());
    }

    /// The recorded trace, if enabled.
    pub fn trace(&self) -> Option<&[String]> {
        self.trace.as_deref()
    }

    /// A hash of every event processed so far: equal seeds give equal hashes.
    pub fn trace_hash(&self) -> u64 {
        self.trace_hash
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

    fn record(&mut self, line: impl FnOnce() -> String) {
        let line = line();
        for byte in line.bytes() {
            self.trace_hash ^= u64::from(byte);
            self.trace_hash = self.trace_hash.wrapping_mul(0x0100_0000_01b3);
        }
        if let Some(trace) = &mut self.trace {
            trace.push(line);
        }
    }

    fn schedule(&mut self, at: Timestamp, event: Event) {
        self.seq += 1;
        self.queue.insert((at, self.seq), event);
    }

    fn latency(&mut self) -> Duration {
        let min = ms(self.network.min_latency);
        let max = ms(self.network.max_latency).max(min);
        let mut latency = self.rng.random_range(min..=max);
        if self.chance(self.network.reordering) {
            latency += self.rng.random_range(0..=ms(self.network.reorder_delay));
        }
        Duration::from_millis(latency)
    }

    fn chance(&mut self, p: f64) -> bool {
        p > 0.0 && self.rng.random_bool(p.clamp(0.0, 1.0))
    }

    /// Starts an operation for `client`. Drive it with [`Emulator::step`] (or use
    /// [`Emulator::run`]) and collect it with [`Emulator::take`].
    pub fn spawn<O>(&mut self, client: &Client, op: O) -> OpHandle<O::Output>
    where
        O: Operation + Send + 'static,
        O::Output: Send + 'static,
    {
        let id = self.next_op;
        self.next_op += 1;
        self.tokens
            .entry(client.user_id())
            .or_insert_with(|| client.token_cache(id));
        self.ops.insert(
            id,
            OpSlot {
                op: Box::new(Slot {
                    op,
                    result: None,
                    taken: false,
                }),
                client: client.clone(),
                report: OpReport {
                    started_at: self.now,
                    finished_at: None,
                    operation: OperationReport::default(),
                },
            },
        );
        self.record(|| format!("spawn op{id}"));
        self.drain(id);
        OpHandle::new(id)
    }

    /// The result of a finished operation (once).
    pub fn take<T: 'static>(&mut self, handle: &OpHandle<T>) -> Option<Result<T, OperationError>> {
        let slot = self.ops.get_mut(&handle.id())?;
        let boxed = slot.op.take_result()?;
        boxed
            .downcast::<Result<T, OperationError>>()
            .ok()
            .map(|b| *b)
    }

    /// Whether an operation has finished.
    pub fn is_done<T>(&self, handle: &OpHandle<T>) -> bool {
        self.ops.get(&handle.id()).is_none_or(|s| s.op.is_done())
    }

    /// When an operation started and finished, and what it saw.
    pub fn report<T>(&self, handle: &OpHandle<T>) -> Option<OpReport> {
        self.ops.get(&handle.id()).map(|s| OpReport {
            operation: s.op.report(),
            ..s.report
        })
    }

    /// Forgets a finished operation's bookkeeping.
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

    fn step_until(&mut self, until: Timestamp) -> bool {
        let next_event = self.queue.keys().next().map(|(at, _)| *at);
        let next_timeout = self.ops.values().filter_map(|s| s.op.poll_timeout()).min();
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
            let due: Vec<u64> = self
                .ops
                .iter()
                .filter(|(_, s)| s.op.poll_timeout().is_some_and(|t| t <= self.now))
                .map(|(id, _)| *id)
                .collect();
            for id in due {
                let now = self.now;
                self.record(|| format!("{} timeout op{id}", ms_since(now)));
                if let Some(slot) = self.ops.get_mut(&id) {
                    slot.op.handle_timeout(now);
                }
                self.drain(id);
            }
            return true;
        }
        if let Some((_, event)) = self.queue.pop_first() {
            self.process(event);
        }
        true
    }

    /// Hands an operation's outputs to the network until it has none.
    fn drain(&mut self, op: u64) {
        loop {
            let Some(slot) = self.ops.get_mut(&op) else {
                return;
            };
            let output = slot.op.poll_output();
            if slot.op.is_done() && slot.report.finished_at.is_none() {
                slot.report.finished_at = Some(self.now);
                let now = self.now;
                self.record(|| format!("{} done op{op}", ms_since(now)));
            }
            match output {
                None => return,
                Some(Ok(transmit)) => self.send(op, transmit),
                Some(Err(payment)) => self.pay(op, payment),
            }
        }
    }

    fn send(&mut self, op: u64, transmit: Transmit) {
        let node_id = match &transmit.target {
            Target::Bootnode => Some(self.cluster.bootnode().clone()),
            Target::Node(id) => Some(id.clone()),
        };
        let node = node_id.as_ref().and_then(|id| self.cluster.index_of(id));
        let now = self.now;
        let Some(node) = node else {
            let at = now.saturating_add(self.latency());
            self.schedule(
                at,
                Event::Reply {
                    op,
                    id: transmit.id,
                    reply: Err(Status::new(Code::Unavailable, "unknown node")),
                },
            );
            return;
        };
        let method = transmit.request.method();
        // As the Rust client: no token on Membership and LeaderQueries.
        let wants_token = !matches!(
            method,
            Method::Cluster | Method::NodeVersion | Method::PoolStatus
        );
        let token = match (wants_token, node_id, self.ops.get(&op)) {
            (true, Some(id), Some(slot)) => self
                .tokens
                .get_mut(&slot.client.user_id())
                .and_then(|tokens| tokens.token_for(now, &id).ok().map(<[u8]>::to_vec)),
            _ => None,
        };
        self.record(|| {
            format!(
                "{} send op{op} #{} {:?} -> n{node}",
                ms_since(now),
                transmit.id.0,
                method
            )
        });
        if self.chance(self.network.loss) {
            self.record(|| format!("{} lost request op{op} #{}", ms_since(now), transmit.id.0));
            return;
        }
        let copies = if self.chance(self.network.duplication) {
            2
        } else {
            1
        };
        for _ in 0..copies {
            let at = now.saturating_add(self.latency());
            self.schedule(
                at,
                Event::Request {
                    op,
                    id: transmit.id,
                    node,
                    token: token.clone(),
                    request: transmit.request.clone(),
                },
            );
        }
    }

    fn pay(&mut self, op: u64, payment: PaymentRequest) {
        let now = self.now;
        let Some(client) = self.ops.get(&op).map(|s| s.client.clone()) else {
            return;
        };
        let result = self.pay_on_chain(&client, &payment);
        self.record(|| {
            format!(
                "{} pay op{op} {} unil: {result:?}",
                ms_since(now),
                payment.amount_unil
            )
        });
        let at = now.saturating_add(self.network.payment_latency);
        self.schedule(at, Event::Payment { op, result });
    }

    /// Pays on chain as the client's payer would: account query, `MsgPayFor`, broadcast.
    pub fn pay_on_chain(
        &mut self,
        client: &Client,
        payment: &PaymentRequest,
    ) -> Result<String, String> {
        let key = client.chain_key();
        let address = nillion_address(&key.public_key()).map_err(|e| e.to_string())?;
        let chain = self.cluster.chain_mut();
        let account = chain
            .account(&address)
            .cloned()
            .ok_or_else(|| format!("account {address} not found"))?;
        let mut params = TxParams::devnet(account.number, account.sequence);
        params.chain_id = chain.chain_id().to_string();
        let tx = pay_for_tx(key, &params, &payment.resource, payment.amount_unil)
            .map_err(|e| e.to_string())?;
        let response = chain.broadcast(&tx.tx_bytes);
        if response.code == 0 {
            Ok(response.txhash)
        } else {
            Err(format!(
                "broadcast failed (code {}): {}",
                response.code, response.raw_log
            ))
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
            } => {
                let method = request.method();
                if self.down.get(node).copied().unwrap_or(true) {
                    self.record(|| {
                        format!("{} refused op{op} #{} n{node} down", ms_since(now), id.0)
                    });
                    let at = now.saturating_add(self.latency());
                    let reply = Err(Status::new(Code::Unavailable, "connection refused"));
                    self.schedule(at, Event::Reply { op, id, reply });
                    return;
                }
                let node_id = self.cluster.node_ids().get(node).cloned();
                let Some(node_id) = node_id else { return };
                let response = self
                    .cluster
                    .handle(now, &node_id, token.as_deref(), request);
                self.record(|| {
                    format!(
                        "{} handled op{op} #{} {method:?} at n{node}: {}",
                        ms_since(now),
                        id.0,
                        match &response {
                            Ok(Response::Unary(_)) => "reply".to_string(),
                            Ok(Response::Results(_)) => "stream".to_string(),
                            Err(s) => format!("{s}"),
                        }
                    )
                });
                match response {
                    Ok(Response::Unary(reply)) => self.reply(op, id, Ok(reply)),
                    Err(status) => self.reply(op, id, Err(status)),
                    Ok(Response::Results(stream)) => {
                        let epoch = self.epochs.get(node).copied().unwrap_or(0);
                        self.poll_stream(op, id, stream, epoch, now);
                    }
                }
            }
            Event::StreamPoll {
                op,
                id,
                stream,
                epoch,
                last_delivery,
            } => {
                let node = self.cluster.index_of(&stream.node).unwrap_or(usize::MAX);
                let alive = !self.down.get(node).copied().unwrap_or(true)
                    && self.epochs.get(node).copied() == Some(epoch);
                if !alive {
                    self.record(|| format!("{} stream reset op{op} #{}", ms_since(now), id.0));
                    let at = last_delivery.max(now.saturating_add(self.latency()));
                    let reply = Err(Status::new(
                        Code::Unavailable,
                        "stream reset: node restarted",
                    ));
                    self.schedule(at, Event::Reply { op, id, reply });
                    return;
                }
                self.poll_stream(op, id, stream, epoch, last_delivery);
            }
            Event::Reply { op, id, reply } => {
                self.record(|| {
                    format!(
                        "{} deliver op{op} #{} {}",
                        ms_since(now),
                        id.0,
                        match &reply {
                            Ok(r) => format!("{:?}", r.method()),
                            Err(s) => format!("{s}"),
                        }
                    )
                });
                if let Some(slot) = self.ops.get_mut(&op) {
                    slot.op.handle_reply(now, id, reply);
                }
                self.drain(op);
            }
            Event::StreamEnd { op, id } => {
                self.record(|| format!("{} stream end op{op} #{}", ms_since(now), id.0));
                if let Some(slot) = self.ops.get_mut(&op) {
                    slot.op.handle_stream_end(now, id);
                }
                self.drain(op);
            }
            Event::Payment { op, result } => {
                if let Some(slot) = self.ops.get_mut(&op) {
                    slot.op.handle_payment(now, result);
                }
                self.drain(op);
            }
            Event::Crash { node } => {
                self.record(|| format!("{} crash n{node}", ms_since(now)));
                if let Some(down) = self.down.get_mut(node) {
                    *down = true;
                }
                if let Some(epoch) = self.epochs.get_mut(node) {
                    *epoch += 1;
                }
            }
            Event::Restart { node } => {
                self.record(|| format!("{} restart n{node}", ms_since(now)));
                if let Some(down) = self.down.get_mut(node) {
                    *down = false;
                }
            }
        }
    }

    /// Sends a unary reply back, through loss and corruption.
    fn reply(&mut self, op: u64, id: RequestId, reply: Result<Reply, Status>) {
        let now = self.now;
        if self.chance(self.network.loss) {
            self.record(|| format!("{} lost reply op{op} #{}", ms_since(now), id.0));
            return;
        }
        let reply = match reply {
            Ok(reply) if self.chance(self.network.corruption) => {
                let method = reply.method();
                let mut bytes = reply.encode_to_vec();
                if bytes.is_empty() {
                    Ok(reply)
                } else {
                    let bit = self.rng.random_range(0..bytes.len() * 8);
                    bytes[bit / 8] ^= 1 << (bit % 8);
                    self.record(|| format!("{} corrupt op{op} #{} bit {bit}", ms_since(now), id.0));
                    Reply::decode(method, &bytes).map_err(|e| {
                        Status::new(Code::Internal, format!("failed to decode reply: {e}"))
                    })
                }
            }
            other => other,
        };
        let at = now.saturating_add(self.latency());
        self.schedule(at, Event::Reply { op, id, reply });
    }

    fn poll_stream(
        &mut self,
        op: u64,
        id: RequestId,
        mut stream: ResultsStream,
        epoch: u64,
        last_delivery: Timestamp,
    ) {
        let now = self.now;
        let poll = self.cluster.poll_results(now, &mut stream);
        // Stream messages keep their order (HTTP/2): each is delivered after the previous one.
        let mut at = last_delivery.max(now.saturating_add(self.latency()));
        for message in poll.messages {
            if self.chance(self.network.loss) {
                self.record(|| format!("{} stream broken op{op} #{}", ms_since(now), id.0));
                let reply = Err(Status::new(Code::Unavailable, "stream reset"));
                self.schedule(at, Event::Reply { op, id, reply });
                return;
            }
            self.schedule(
                at,
                Event::Reply {
                    op,
                    id,
                    reply: Ok(message),
                },
            );
            at = at.saturating_add(Duration::from_micros(1));
        }
        match (poll.end, poll.next_poll) {
            (Some(Ok(())), _) => self.schedule(at, Event::StreamEnd { op, id }),
            (Some(Err(status)), _) => self.schedule(
                at,
                Event::Reply {
                    op,
                    id,
                    reply: Err(status),
                },
            ),
            (None, Some(next)) => self.schedule(
                next.max(now),
                Event::StreamPoll {
                    op,
                    id,
                    stream,
                    epoch,
                    last_delivery: at,
                },
            ),
            (None, None) => self.schedule(at, Event::StreamEnd { op, id }),
        }
    }

    /// The node ids (node order).
    pub fn node_ids(&self) -> Vec<NodeId> {
        self.cluster.node_ids()
    }
}

fn ms_since(now: Timestamp) -> String {
    let d = now.duration_since(START).unwrap_or_default();
    format!("t={}ms", d.as_millis())
}
