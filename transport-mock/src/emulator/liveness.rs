//! Which nodes are up, and each node's run (a results stream dies with the run it was opened
//! in, even when the node is back).

use super::Network;

/// Per node: down or up, and how many times it crashed.
#[derive(Debug)]
pub(super) struct Liveness {
    down: Vec<bool>,
    epochs: Vec<u64>,
}

impl Liveness {
    /// `count` nodes, all up.
    pub(super) fn new(count: usize) -> Self {
        Self {
            down: vec![false; count],
            epochs: vec![0; count],
        }
    }

    /// Whether `node` refuses connections (an unknown node does).
    pub(super) fn is_down(&self, node: usize) -> bool {
        self.down.get(node).copied().unwrap_or(true)
    }

    /// The node's current run.
    pub(super) fn epoch(&self, node: usize) -> u64 {
        self.epochs.get(node).copied().unwrap_or(0)
    }

    /// Whether `node` is up and still in run `epoch`.
    pub(super) fn still_runs(&self, node: usize, epoch: u64) -> bool {
        !self.is_down(node) && self.epochs.get(node).copied() == Some(epoch)
    }
}

impl Network {
    pub(super) fn crash(&mut self, node: usize) {
        self.trace.record(self.now, format_args!("crash n{node}"));
        if let Some(down) = self.liveness.down.get_mut(node) {
            *down = true;
        }
        if let Some(epoch) = self.liveness.epochs.get_mut(node) {
            *epoch += 1;
        }
    }

    pub(super) fn restart(&mut self, node: usize) {
        self.trace.record(self.now, format_args!("restart n{node}"));
        if let Some(down) = self.liveness.down.get_mut(node) {
            *down = false;
        }
    }
}
