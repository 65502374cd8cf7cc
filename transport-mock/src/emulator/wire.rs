//! Requests and unary replies on the wire: a request goes to its node after a latency (maybe
//! lost, maybe twice), the node answers unless it is down, and the answer comes back through
//! loss and corruption.

use nilvm_core::operations::{RequestId, Target, Transmit};
use nilvm_core::rpc::{Code, Reply, Request, Status};
use rand::RngExt;

use super::Emulator;
use super::events::Event;
use super::trace::ms_since;
use crate::node::Response;

impl Emulator {
    /// Puts an operation's request on the wire, with the user's token if the call carries one.
    pub(super) fn send(&mut self, op: u64, transmit: Transmit) {
        let node_id = match &transmit.target {
            Target::Bootnode => self.cluster.bootnode().clone(),
            Target::Node(id) => id.clone(),
        };
        let now = self.now;
        let Some(node) = self.cluster.index_of(&node_id) else {
            let at = now.saturating_add(self.latency());
            let reply = Err(Status::new(Code::Unavailable, "unknown node"));
            self.queue.schedule(
                at,
                Event::Reply {
                    op,
                    id: transmit.id,
                    reply,
                },
            );
            return;
        };
        let Transmit { id, request, .. } = transmit;
        let method = request.method();
        let token = self.token(op, method, &node_id);
        let line = format!(
            "{} send op{op} #{} {method:?} -> n{node}",
            ms_since(now),
            id.0
        );
        self.trace.record(line);
        if self.chance(self.network.loss) {
            self.trace
                .record(format!("{} lost request op{op} #{}", ms_since(now), id.0));
            return;
        }
        let copies = if self.chance(self.network.duplication) {
            2
        } else {
            1
        };
        for _ in 0..copies {
            let at = now.saturating_add(self.latency());
            let (token, request) = (token.clone(), request.clone());
            let event = Event::Request {
                op,
                id,
                node,
                token,
                request,
            };
            self.queue.schedule(at, event);
        }
    }

    /// A request reaches node `node`: refused if the node is down, else answered.
    pub(super) fn deliver(
        &mut self,
        op: u64,
        id: RequestId,
        node: usize,
        token: Option<Vec<u8>>,
        request: Request,
    ) {
        let now = self.now;
        let method = request.method();
        if self.liveness.is_down(node) {
            self.trace.record(format!(
                "{} refused op{op} #{} n{node} down",
                ms_since(now),
                id.0
            ));
            let at = now.saturating_add(self.latency());
            let reply = Err(Status::new(Code::Unavailable, "connection refused"));
            self.queue.schedule(at, Event::Reply { op, id, reply });
            return;
        }
        let node_id = self.cluster.node_ids().get(node).cloned();
        let Some(node_id) = node_id else { return };
        let response = self
            .cluster
            .handle(now, &node_id, token.as_deref(), request);
        let outcome = match &response {
            Ok(Response::Unary(_)) => "reply".to_string(),
            Ok(Response::Results(_)) => "stream".to_string(),
            Err(s) => format!("{s}"),
        };
        let line = format!(
            "{} handled op{op} #{} {method:?} at n{node}: {outcome}",
            ms_since(now),
            id.0
        );
        self.trace.record(line);
        match response {
            Ok(Response::Unary(reply)) => self.reply(op, id, Ok(reply)),
            Err(status) => self.reply(op, id, Err(status)),
            Ok(Response::Results(stream)) => {
                let epoch = self.liveness.epoch(node);
                self.poll_stream(op, id, stream, epoch, now);
            }
        }
    }

    /// Sends a unary reply back, through loss and corruption.
    fn reply(&mut self, op: u64, id: RequestId, reply: Result<Reply, Status>) {
        let now = self.now;
        if self.chance(self.network.loss) {
            self.trace
                .record(format!("{} lost reply op{op} #{}", ms_since(now), id.0));
            return;
        }
        let reply = match reply {
            Ok(reply) if self.chance(self.network.corruption) => self.corrupt(op, id, reply),
            other => other,
        };
        let at = now.saturating_add(self.latency());
        self.queue.schedule(at, Event::Reply { op, id, reply });
    }

    /// The reply with one random bit flipped, as the client would decode it.
    fn corrupt(&mut self, op: u64, id: RequestId, reply: Reply) -> Result<Reply, Status> {
        let method = reply.method();
        let mut bytes = reply.encode_to_vec();
        if bytes.is_empty() {
            return Ok(reply);
        }
        let bit = self.rng.random_range(0..bytes.len() * 8);
        if let Some(byte) = bytes.get_mut(bit / 8) {
            *byte ^= 1 << (bit % 8);
        }
        let line = format!("{} corrupt op{op} #{} bit {bit}", ms_since(self.now), id.0);
        self.trace.record(line);
        Reply::decode(method, &bytes)
            .map_err(|e| Status::new(Code::Internal, format!("failed to decode reply: {e}")))
    }
}
