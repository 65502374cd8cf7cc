//! Pumping result streams: a node's stream is polled, its messages are encoded and delivered
//! in order (through loss, which resets the stream), and it is polled again when the node
//! says, unless the node crashed meanwhile or the caller cancelled the call.

use bytes::Bytes;
use nilvm_core::rpc::{Code, Status};
use nilvm_core::time::{Duration, Timestamp};

use super::Network;
use super::events::Event;
use crate::cluster::Cluster;
use crate::node::{ResultsStream, StreamPoll};

impl Network {
    /// A stream is due again: polled if its node still runs the run it was opened in.
    pub(super) fn stream_poll_due(
        &mut self,
        cluster: &Cluster,
        call: u64,
        stream: ResultsStream,
        epoch: u64,
        last_delivery: Timestamp,
    ) {
        let now = self.now;
        if !self.calls.is_open(call) {
            // The caller went away: the node stops serving the stream.
            return;
        }
        let node = self
            .nodes
            .iter()
            .position(|n| *n == stream.node)
            .unwrap_or(usize::MAX);
        if !self.liveness.still_runs(node, epoch) {
            self.trace.record(now, format_args!("stream reset c{call}"));
            let at = last_delivery.max(now.saturating_add(self.latency()));
            let status = Status::new(Code::Unavailable, "stream reset: node restarted");
            let event = Event::Message {
                call,
                message: Err(status),
                last: true,
            };
            self.schedule(at, event);
            return;
        }
        self.poll_stream(cluster, call, stream, epoch, last_delivery);
    }

    /// Polls a stream and delivers what it has, no earlier than `last_delivery`.
    pub(super) fn poll_stream(
        &mut self,
        cluster: &Cluster,
        call: u64,
        mut stream: ResultsStream,
        epoch: u64,
        last_delivery: Timestamp,
    ) {
        let now = self.now;
        let poll = cluster.poll_results(now, &mut stream);
        // Stream messages keep their order (HTTP/2): each is delivered after the previous one.
        let mut at = last_delivery.max(now.saturating_add(self.latency()));
        for message in poll.messages {
            if self.chance(self.config.loss) {
                self.trace
                    .record(now, format_args!("stream broken c{call}"));
                let status = Status::new(Code::Unavailable, "stream reset");
                let event = Event::Message {
                    call,
                    message: Err(status),
                    last: true,
                };
                self.schedule(at, event);
                return;
            }
            let bytes = Bytes::from(message.encode_to_vec());
            let event = Event::Message {
                call,
                message: Ok(bytes),
                last: false,
            };
            self.schedule(at, event);
            at = at.saturating_add(Duration::from_micros(1));
        }
        let rest = StreamPoll {
            messages: Vec::new(),
            ..poll
        };
        self.after_messages(call, stream, epoch, at, rest);
    }

    /// After the messages, delivered until `at`: the stream's end, or its next poll.
    fn after_messages(
        &mut self,
        call: u64,
        stream: ResultsStream,
        epoch: u64,
        at: Timestamp,
        poll: StreamPoll,
    ) {
        let event = match (poll.end, poll.next_poll) {
            (Some(Ok(())), _) | (None, None) => (at, Event::StreamEnd { call }),
            (Some(Err(status)), _) => {
                let message = Err(status);
                let last = true;
                (
                    at,
                    Event::Message {
                        call,
                        message,
                        last,
                    },
                )
            }
            (None, Some(next)) => {
                let event = Event::StreamPoll {
                    call,
                    stream,
                    epoch,
                    last_delivery: at,
                };
                (next.max(self.now), event)
            }
        };
        self.schedule(event.0, event.1);
    }
}
