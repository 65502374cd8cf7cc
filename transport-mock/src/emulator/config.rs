//! The network's knobs: latency, per-message faults, clock skew and node outages.

use nilvm_core::time::Duration;

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
