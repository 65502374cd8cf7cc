//! Faults drawn from the seed: up front, each node's clock skew and its crashes; per message,
//! its latency and whether it is lost, duplicated or corrupted. Every draw comes from the
//! emulator's one generator, in a fixed order, so a seed replays the same faults.

use nilvm_core::time::Duration;
use rand::RngExt;
use rand::rngs::StdRng;

use super::Network;
use super::START;
use super::config::{NetworkConfig, NodeOutage};
use super::events::Event;
use crate::cluster::{ClockSkew, Cluster};

pub(super) fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// Whether an event of probability `p` happens (no draw when `p` is zero).
pub(super) fn chance(rng: &mut StdRng, p: f64) -> bool {
    p > 0.0 && rng.random_bool(p.clamp(0.0, 1.0))
}

impl NetworkConfig {
    /// One message's latency, held back further if it is reordered.
    pub(super) fn latency(&self, rng: &mut StdRng) -> Duration {
        let min = ms(self.min_latency);
        let max = ms(self.max_latency).max(min);
        let mut latency = rng.random_range(min..=max);
        if chance(rng, self.reordering) {
            latency += rng.random_range(0..=ms(self.reorder_delay));
        }
        Duration::from_millis(latency)
    }

    /// Each node's clock skew (none drawn without `max_clock_skew`).
    fn skews(&self, rng: &mut StdRng, count: usize) -> Vec<ClockSkew> {
        let max_skew = ms(self.max_clock_skew);
        if max_skew == 0 {
            return Vec::new();
        }
        (0..count)
            .map(|_| {
                let magnitude = rng.random_range(0..=max_skew);
                let millis = i64::try_from(magnitude).unwrap_or(0);
                let millis = if rng.random_bool(0.5) {
                    millis
                } else {
                    -millis
                };
                ClockSkew { millis }
            })
            .collect()
    }

    /// The scheduled outages, then one random crash per node with `crash_probability`.
    fn outages(&self, rng: &mut StdRng, count: usize) -> Vec<NodeOutage> {
        let mut outages = self.outages.clone();
        let p = self.crash_probability.clamp(0.0, 1.0);
        if p > 0.0 {
            for node in 0..count {
                if rng.random_bool(p) {
                    let at = rng.random_range(0..=ms(self.crash_window));
                    let length = rng.random_range(1..=ms(self.max_outage).max(1));
                    outages.push(NodeOutage {
                        node,
                        down_at: Duration::from_millis(at),
                        up_at: Duration::from_millis(at + length),
                    });
                }
            }
        }
        outages
    }
}

impl Network {
    /// Skews the nodes' clocks and schedules their crashes and restarts.
    pub(crate) fn schedule_faults(&mut self, cluster: &mut Cluster) {
        let count = self.nodes.len();
        let skews = self.config.skews(&mut self.rng, count);
        for (node, skew) in skews.into_iter().enumerate() {
            cluster.set_clock_skew(node, skew);
        }
        for outage in self.config.outages(&mut self.rng, count) {
            if outage.node >= count {
                continue;
            }
            let down = START.saturating_add(outage.down_at);
            let up = START.saturating_add(outage.up_at.max(outage.down_at));
            self.queue
                .schedule(down, Event::Crash { node: outage.node });
            self.queue
                .schedule(up, Event::Restart { node: outage.node });
        }
    }

    /// One message's latency.
    pub(super) fn latency(&mut self) -> Duration {
        self.config.latency(&mut self.rng)
    }

    /// Whether an event of probability `p` happens to this message.
    pub(super) fn chance(&mut self, p: f64) -> bool {
        chance(&mut self.rng, p)
    }
}
