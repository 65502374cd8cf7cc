//! What happens on the network, and when: the events and their queue, in virtual time.

use std::collections::BTreeMap;

use nilvm_core::operations::RequestId;
use nilvm_core::rpc::{Reply, Request, Status};
use nilvm_core::time::Timestamp;

use crate::node::ResultsStream;

/// One thing due at a time. `op` is the operation it concerns, `node` a node index.
#[derive(Debug)]
pub(super) enum Event {
    /// A request reaches its node.
    Request {
        op: u64,
        id: RequestId,
        node: usize,
        token: Option<Vec<u8>>,
        request: Request,
    },
    /// A reply, a stream message or a failure reaches the operation.
    Reply {
        op: u64,
        id: RequestId,
        reply: Result<Reply, Status>,
    },
    /// A results stream ended cleanly.
    StreamEnd { op: u64, id: RequestId },
    /// A results stream is due to be polled again on its node.
    StreamPoll {
        op: u64,
        id: RequestId,
        stream: ResultsStream,
        epoch: u64,
        last_delivery: Timestamp,
    },
    /// An on-chain payment committed (a transaction hash) or failed.
    Payment {
        op: u64,
        result: Result<String, String>,
    },
    /// A node goes down.
    Crash { node: usize },
    /// A node is back.
    Restart { node: usize },
}

/// The events by due time; equal times keep the order they were scheduled in.
#[derive(Debug, Default)]
pub(super) struct Queue {
    events: BTreeMap<(Timestamp, u64), Event>,
    seq: u64,
}

impl Queue {
    pub(super) fn schedule(&mut self, at: Timestamp, event: Event) {
        self.seq += 1;
        self.events.insert((at, self.seq), event);
    }

    /// When the next event is due.
    pub(super) fn next_at(&self) -> Option<Timestamp> {
        self.events.keys().next().map(|(at, _)| *at)
    }

    pub(super) fn pop(&mut self) -> Option<Event> {
        self.events.pop_first().map(|(_, event)| event)
    }

    pub(super) fn len(&self) -> usize {
        self.events.len()
    }
}
