//! The in-memory network: a virtual clock, an event queue, one seeded RNG, and fault knobs.
//!
//! Every call a driver makes becomes an event delivered to a node after a random latency; the
//! node's encoded answer travels back the same way. Loss, duplication, reordering, corrupted
//! replies, node crashes and restarts and clock skew are drawn from the one seed, so the same
//! seed replays the same run, event for event (`trace_hash`).
//!
//! This module holds the [`Network`] and its event loop; each step of the way has its module:
//! `config` (the knobs), `faults` (what the seed makes of them), `liveness` (which nodes are
//! up), `events` (the queue), `calls` (what callers have yet to read), `wire` (requests and
//! unary replies), `streams` (result streams), `timers` (sleeping tasks), `payment` (paying on
//! the chain stub) and `trace` (the run's trace and its hash). Who runs on it is `crate::sim`.

mod calls;
mod config;
mod events;
mod faults;
mod liveness;
mod payment;
mod streams;
mod timers;
mod trace;
mod wire;

use nilvm_core::identity::NodeId;
use nilvm_core::time::Timestamp;
use rand::Rng;
use rand::rngs::StdRng;

pub use config::{NetworkConfig, NodeOutage};
pub use payment::ChainPaymentError;

use crate::cluster::Cluster;
use calls::Calls;
use events::{Event, Queue};
use liveness::Liveness;
use payment::Payments;
use timers::Timers;
use trace::Trace;

/// The virtual clock's start: 2025-01-01T00:00:00Z.
pub const START: Timestamp = Timestamp::from_unix_seconds(1_735_689_600);

/// The network's state, shared by the simulation and its drivers (behind one lock).
pub(crate) struct Network {
    config: NetworkConfig,
    rng: StdRng,
    now: Timestamp,
    queue: Queue,
    pub(crate) calls: Calls,
    timers: Timers,
    payments: Payments,
    liveness: Liveness,
    trace: Trace,
    /// The node ids by index (0 is the bootnode).
    nodes: Vec<NodeId>,
    next_id: u64,
}

impl std::fmt::Debug for Network {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Network")
            .field("now", &self.now)
            .field("queued", &self.queue.len())
            .finish_non_exhaustive()
    }
}

impl Network {
    /// A network between `nodes`, drawing from `rng`, at [`START`].
    pub(crate) fn new(config: NetworkConfig, rng: StdRng, nodes: Vec<NodeId>) -> Self {
        Self {
            config,
            rng,
            now: START,
            queue: Queue::default(),
            calls: Calls::default(),
            timers: Timers::default(),
            payments: Payments::default(),
            liveness: Liveness::new(nodes.len()),
            trace: Trace::new(),
            nodes,
            next_id: 0,
        }
    }

    /// The virtual clock.
    pub(crate) fn now(&self) -> Timestamp {
        self.now
    }

    /// Moves the clock to `at` (never back).
    pub(crate) fn set_now(&mut self, at: Timestamp) {
        self.now = self.now.max(at);
    }

    /// When the next event is due.
    pub(crate) fn next_at(&self) -> Option<Timestamp> {
        self.queue.next_at()
    }

    /// Bytes from the seeded generator.
    pub(crate) fn fill_random(&mut self, bytes: &mut [u8]) {
        self.rng.fill_bytes(bytes);
    }

    /// The run's trace.
    pub(crate) fn trace(&mut self) -> &mut Trace {
        &mut self.trace
    }

    /// Records a line in the trace, stamped with the clock.
    pub(crate) fn record(&mut self, what: std::fmt::Arguments<'_>) {
        self.trace.record(self.now, what);
    }

    fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// Processes the next event if it is due by `until`, moving the clock to it. Returns
    /// `false` when there is none.
    pub(crate) fn step(&mut self, cluster: &Cluster, until: Timestamp) -> bool {
        match self.queue.next_at() {
            Some(at) if at <= until => self.now = self.now.max(at),
            _ => return false,
        }
        if let Some(event) = self.queue.pop() {
            self.process(cluster, event);
        }
        true
    }

    /// Puts `event` in the queue for `at`, counted against its call.
    pub(crate) fn schedule(&mut self, at: Timestamp, event: Event) {
        if let Some(call) = event.call() {
            self.calls.queued(call);
        }
        self.queue.schedule(at, event);
    }

    fn process(&mut self, cluster: &Cluster, event: Event) {
        let call = event.call();
        self.handle_event(cluster, event);
        if let Some(call) = call {
            self.calls.processed(call);
        }
    }

    fn handle_event(&mut self, cluster: &Cluster, event: Event) {
        match event {
            Event::Request {
                call,
                node,
                token,
                method,
                body,
            } => self.deliver(cluster, call, node, token.as_deref(), method, &body),
            Event::StreamPoll {
                call,
                stream,
                epoch,
                last_delivery,
            } => self.stream_poll_due(cluster, call, stream, epoch, last_delivery),
            Event::Message {
                call,
                message,
                last,
            } => {
                // Errors are rare: only they are kept to be written after delivery.
                let error = message.as_ref().err().cloned();
                let len = message.as_ref().map_or(0, bytes::Bytes::len);
                let taken = self.calls.deliver(call, message, last);
                let verb = if taken { "deliver" } else { "discard" };
                match error {
                    None => self.record(format_args!("{verb} c{call} {len} bytes")),
                    Some(status) => self.record(format_args!("{verb} c{call} {status}")),
                }
            }
            Event::StreamEnd { call } => {
                let taken = self.calls.end(call);
                let verb = if taken { "stream end" } else { "discard end" };
                self.record(format_args!("{verb} c{call}"));
            }
            Event::Timer { timer } => {
                self.record(format_args!("timer t{timer}"));
                self.fire_timer(timer);
            }
            Event::Payment {
                payment,
                payer,
                request,
            } => self.commit_payment(cluster, payment, &payer, &request),
            Event::Crash { node } => self.crash(node),
            Event::Restart { node } => self.restart(node),
        }
    }
}
