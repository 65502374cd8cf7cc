//! What happens on the network, and when: the events and their queue, in virtual time.

use std::collections::BTreeMap;

use bytes::Bytes;
use nilvm_core::operations::PaymentRequest;
use nilvm_core::rpc::{Method, Status};
use nilvm_core::time::Timestamp;

use crate::driver::Client;
use crate::node::ResultsStream;

/// One thing due at a time. `call` is the network's id of a call, `node` a node index.
#[derive(Debug)]
pub(crate) enum Event {
    /// A request reaches its node.
    Request {
        call: u64,
        node: usize,
        token: Option<Bytes>,
        method: Method,
        body: Bytes,
    },
    /// A reply's bytes, a stream message or a failure reaches the caller; `last` ends the
    /// call (a unary reply, a failure).
    Message {
        call: u64,
        message: Result<Bytes, Status>,
        last: bool,
    },
    /// A results stream ended cleanly.
    StreamEnd { call: u64 },
    /// A results stream is due to be polled again on its node.
    StreamPoll {
        call: u64,
        stream: ResultsStream,
        epoch: u64,
        last_delivery: Timestamp,
    },
    /// A sleeping task's instant came.
    Timer { timer: u64 },
    /// A payment commits on the chain stub (after the payment latency).
    Payment {
        payment: u64,
        /// Boxed: keys are large, and every event is as large as the largest.
        payer: Box<Client>,
        request: PaymentRequest,
    },
    /// A node goes down.
    Crash { node: usize },
    /// A node is back.
    Restart { node: usize },
}

impl Event {
    /// The call the event belongs to, if any.
    pub(crate) fn call(&self) -> Option<u64> {
        match self {
            Event::Request { call, .. }
            | Event::Message { call, .. }
            | Event::StreamEnd { call }
            | Event::StreamPoll { call, .. } => Some(*call),
            Event::Timer { .. }
            | Event::Payment { .. }
            | Event::Crash { .. }
            | Event::Restart { .. } => None,
        }
    }
}

/// Where an event sits in the queue (to take a timer back out).
pub(crate) type EventKey = (Timestamp, u64);

/// The events by due time; equal times keep the order they were scheduled in.
#[derive(Debug, Default)]
pub(crate) struct Queue {
    events: BTreeMap<EventKey, Event>,
    seq: u64,
}

impl Queue {
    pub(crate) fn schedule(&mut self, at: Timestamp, event: Event) -> EventKey {
        self.seq += 1;
        let key = (at, self.seq);
        self.events.insert(key, event);
        key
    }

    /// When the next event is due.
    pub(crate) fn next_at(&self) -> Option<Timestamp> {
        self.events.keys().next().map(|(at, _)| *at)
    }

    pub(crate) fn pop(&mut self) -> Option<Event> {
        self.events.pop_first().map(|(_, event)| event)
    }

    /// Takes back an event that is no longer wanted (a dropped timer).
    pub(crate) fn cancel(&mut self, key: EventKey) {
        self.events.remove(&key);
    }

    pub(crate) fn len(&self) -> usize {
        self.events.len()
    }
}
