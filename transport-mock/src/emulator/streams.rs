//! Pumping result streams: a node's stream is polled, its messages are delivered in order
//! (through loss, which resets the stream), and it is polled again when the node says, unless
//! the node crashed meanwhile.

use nilvm_core::operations::RequestId;
use nilvm_core::rpc::{Code, Status};
use nilvm_core::time::{Duration, Timestamp};

use super::Emulator;
use super::events::Event;
use super::trace::ms_since;
use crate::node::{ResultsStream, StreamPoll};

impl Emulator {
    /// A stream is due again: polled if its node still runs the run it was opened in.
    pub(super) fn stream_poll_due(
        &mut self,
        op: u64,
        id: RequestId,
        stream: ResultsStream,
        epoch: u64,
        last_delivery: Timestamp,
    ) {
        let now = self.now;
        let node = self.cluster.index_of(&stream.node).unwrap_or(usize::MAX);
        if !self.liveness.still_runs(node, epoch) {
            self.trace
                .record(format!("{} stream reset op{op} #{}", ms_since(now), id.0));
            let at = last_delivery.max(now.saturating_add(self.latency()));
            let reply = Err(Status::new(
                Code::Unavailable,
                "stream reset: node restarted",
            ));
            self.queue.schedule(at, Event::Reply { op, id, reply });
            return;
        }
        self.poll_stream(op, id, stream, epoch, last_delivery);
    }

    /// Polls a stream and delivers what it has, no earlier than `last_delivery`.
    pub(super) fn poll_stream(
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
                self.trace
                    .record(format!("{} stream broken op{op} #{}", ms_since(now), id.0));
                let reply = Err(Status::new(Code::Unavailable, "stream reset"));
                self.queue.schedule(at, Event::Reply { op, id, reply });
                return;
            }
            let reply = Ok(message);
            self.queue.schedule(at, Event::Reply { op, id, reply });
            at = at.saturating_add(Duration::from_micros(1));
        }
        let rest = StreamPoll {
            messages: Vec::new(),
            ..poll
        };
        self.after_messages(op, id, stream, epoch, at, rest);
    }

    /// After the messages, delivered until `at`: the stream's end, or its next poll.
    fn after_messages(
        &mut self,
        op: u64,
        id: RequestId,
        stream: ResultsStream,
        epoch: u64,
        at: Timestamp,
        poll: StreamPoll,
    ) {
        let event = match (poll.end, poll.next_poll) {
            (Some(Ok(())), _) | (None, None) => (at, Event::StreamEnd { op, id }),
            (Some(Err(status)), _) => {
                let reply = Err(status);
                (at, Event::Reply { op, id, reply })
            }
            (None, Some(next)) => {
                let last_delivery = at;
                let event = Event::StreamPoll {
                    op,
                    id,
                    stream,
                    epoch,
                    last_delivery,
                };
                (next.max(self.now), event)
            }
        };
        self.queue.schedule(event.0, event.1);
    }
}
