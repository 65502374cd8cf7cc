//! Requests and unary replies on the wire: a call's request goes to its node after a latency
//! (maybe lost, maybe twice), the node decodes and answers it unless it is down, and the
//! encoded answer comes back through loss and corruption (a flipped bit, which the client's
//! decoder may or may not notice).

use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use bytes::Bytes;
use nilvm_core::drive::OutgoingCall;
use nilvm_core::operations::Target;
use nilvm_core::rpc::{Code, Method, Request, Status};
use rand::RngExt;

use super::Network;
use super::events::Event;
use crate::cluster::Cluster;
use crate::node::Response;

impl Network {
    /// Puts a driver's call on the wire and returns its id; what comes back is read with
    /// [`super::calls::Calls::poll`].
    pub(crate) fn send(&mut self, call: OutgoingCall, strays: Arc<AtomicU64>) -> u64 {
        let id = self.next_id();
        self.calls.open(id, strays);
        let now = self.now;
        let OutgoingCall {
            target,
            method,
            body,
            token,
            ..
        } = call;
        let node = match &target {
            Target::Bootnode => Some(0),
            Target::Node(node) => self.nodes.iter().position(|n| n == node),
        };
        let Some(node) = node else {
            let at = now.saturating_add(self.latency());
            let message = Err(Status::new(Code::Unavailable, "unknown node"));
            let last = true;
            let event = Event::Message {
                call: id,
                message,
                last,
            };
            self.schedule(at, event);
            return id;
        };
        self.trace
            .record(now, format_args!("send c{id} {method:?} -> n{node}"));
        if self.chance(self.config.loss) {
            self.trace.record(now, format_args!("lost request c{id}"));
            return id;
        }
        let copies = if self.chance(self.config.duplication) {
            2
        } else {
            1
        };
        for _ in 0..copies {
            let at = now.saturating_add(self.latency());
            let event = Event::Request {
                call: id,
                node,
                token: token.clone(),
                method,
                body: body.clone(),
            };
            self.schedule(at, event);
        }
        id
    }

    /// A request reaches node `node`: refused if the node is down, else decoded and answered.
    pub(super) fn deliver(
        &mut self,
        cluster: &Cluster,
        call: u64,
        node: usize,
        token: Option<&[u8]>,
        method: Method,
        body: &[u8],
    ) {
        let now = self.now;
        if self.liveness.is_down(node) {
            self.trace
                .record(now, format_args!("refused c{call} n{node} down"));
            let status = Status::new(Code::Unavailable, "connection refused");
            self.reply(call, Err(status));
            return;
        }
        let Some(node_id) = self.nodes.get(node).cloned() else {
            return;
        };
        // A refused connection takes no copy: only a processed one is the call's answer.
        let first = self.calls.take_request(call);
        let response = match Request::decode(method, body) {
            Ok(request) => cluster.handle(now, &node_id, token, request),
            Err(e) => Err(Status::new(
                Code::InvalidArgument,
                format!("failed to decode request: {e}"),
            )),
        };
        let handled = format_args!("handled c{call} {method:?} at n{node}");
        match &response {
            Ok(Response::Unary(_)) => self.trace.record(now, format_args!("{handled}: reply")),
            Ok(Response::Results(_)) => self.trace.record(now, format_args!("{handled}: stream")),
            Err(s) => self.trace.record(now, format_args!("{handled}: {s}")),
        }
        if !first {
            self.trace
                .record(now, format_args!("duplicate c{call}: answer dropped"));
            return;
        }
        match response {
            Ok(Response::Unary(reply)) => self.reply(call, Ok(Bytes::from(reply.encode_to_vec()))),
            Err(status) => self.reply(call, Err(status)),
            Ok(Response::Results(stream)) => {
                let epoch = self.liveness.epoch(node);
                self.poll_stream(cluster, call, stream, epoch, now);
            }
        }
    }

    /// Sends a unary answer back, through loss and (for a reply) corruption.
    fn reply(&mut self, call: u64, message: Result<Bytes, Status>) {
        let now = self.now;
        if self.chance(self.config.loss) {
            self.trace.record(now, format_args!("lost reply c{call}"));
            return;
        }
        let message = match message {
            Ok(bytes) if self.chance(self.config.corruption) => Ok(self.corrupt(call, &bytes)),
            other => other,
        };
        let at = now.saturating_add(self.latency());
        let event = Event::Message {
            call,
            message,
            last: true,
        };
        self.schedule(at, event);
    }

    /// The bytes with one random bit flipped (an empty reply has no bit to flip).
    fn corrupt(&mut self, call: u64, bytes: &Bytes) -> Bytes {
        if bytes.is_empty() {
            return bytes.clone();
        }
        let mut bytes = bytes.to_vec();
        let bit = self.rng.random_range(0..bytes.len() * 8);
        if let Some(byte) = bytes.get_mut(bit / 8) {
            *byte ^= 1 << (bit % 8);
        }
        self.trace
            .record(self.now, format_args!("corrupt c{call} bit {bit}"));
        Bytes::from(bytes)
    }
}
