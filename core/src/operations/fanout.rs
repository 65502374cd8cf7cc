//! Calling a set of nodes with one request each and combining their replies.
//!
//! Every data operation talks to all members (or to the leader alone) in parallel. The
//! operation says what to send to each node, how to read one node's reply, and how to combine
//! all of them; `Fanout` does the rest. Any node's final failure ends the operation: the
//! protocol has no partial success.

use alloc::vec::Vec;

use crate::identity::NodeId;
use crate::rpc::{Reply, Request, Status};
use crate::time::Timestamp;

use super::calls::{Calls, Settled};
use super::{
    Misbehaviour, Operation, OperationError, OperationReport, Output, PayerError, RequestId,
    RetryPolicy, Target, Transmit, UndecodableReply,
};

/// One node's part of an operation.
pub trait NodeCall {
    /// What one node's reply is read into.
    type NodeReply;
    /// What the operation returns.
    type Output;

    /// The requests to send, one per node.
    fn requests(&mut self) -> Vec<(Target, Request)>;

    /// Reads one reply. `Ok(None)` means "not final yet" (a waiting message on a stream).
    fn parse(
        &mut self,
        node: &Target,
        reply: Reply,
    ) -> Result<Option<Self::NodeReply>, OperationError>;

    /// A node's final failure (a refusal, or a transient failure that outlasted the retries).
    /// The default fails the operation; an operation for which the failure proves the
    /// request's goal met on that node returns that node's reply instead.
    fn refused(
        &mut self,
        node: &Target,
        status: Status,
        retries: u32,
    ) -> Result<Self::NodeReply, OperationError> {
        Err(OperationError::from_failed_call(
            node.clone(),
            status,
            retries,
        ))
    }

    /// Combines the replies of every node, in the order of `requests`.
    fn finish(
        self,
        replies: Vec<(Target, Self::NodeReply)>,
    ) -> Result<Self::Output, OperationError>;
}

/// A set of per-node calls in flight.
pub(crate) struct Fanout<C: NodeCall> {
    call: Option<C>,
    calls: Calls<usize>,
    targets: Vec<Target>,
    replies: Vec<Option<C::NodeReply>>,
    result: Option<Result<C::Output, OperationError>>,
}

impl<C: NodeCall> Fanout<C> {
    pub(crate) fn start(
        now: Timestamp,
        mut call: C,
        policy: RetryPolicy,
        first_id: RequestId,
    ) -> Self {
        let requests = call.requests();
        let mut calls = Calls::starting_at(policy, first_id);
        let mut targets = Vec::with_capacity(requests.len());
        for (index, (target, request)) in requests.into_iter().enumerate() {
            calls.send(now, index, target.clone(), request);
            targets.push(target);
        }
        let replies = targets.iter().map(|_| None).collect();
        let mut fanout = Self {
            call: Some(call),
            calls,
            targets,
            replies,
            result: None,
        };
        fanout.finish_if_complete();
        fanout
    }

    pub(crate) fn handle_reply(
        &mut self,
        now: Timestamp,
        id: RequestId,
        reply: Result<Reply, Status>,
    ) {
        if self.result.is_some() || self.call.is_none() {
            // The operation is over: nothing is in flight any more.
            self.calls.count_stray();
            return;
        }
        match self.calls.handle_reply(now, id, reply) {
            Some(Settled::Replied { key, target, reply }) => {
                let Some(call) = self.call.as_mut() else {
                    return;
                };
                match call.parse(&target, reply) {
                    Ok(Some(parsed)) => {
                        self.calls.finish(id);
                        if let Some(slot) = self.replies.get_mut(key) {
                            *slot = Some(parsed);
                        }
                        self.finish_if_complete();
                    }
                    Ok(None) => {}
                    Err(error) => self.fail(error),
                }
            }
            Some(Settled::Misbehaved { target, reason }) => {
                self.fail(OperationError::misbehaving(&target, reason));
            }
            Some(failed @ Settled::Failed { .. }) => self.settle_failure(failed),
            None => {}
        }
    }

    pub(crate) fn handle_undecodable(&mut self, id: RequestId, error: UndecodableReply) {
        if self.result.is_some() || self.call.is_none() {
            self.calls.count_stray();
            return;
        }
        if let Some(Settled::Misbehaved { target, reason }) =
            self.calls.handle_undecodable(id, error)
        {
            self.fail(OperationError::misbehaving(&target, reason));
        }
    }

    /// A call failed for good: the operation decides what that node's failure means.
    fn settle_failure(&mut self, failed: Settled<usize>) {
        let Settled::Failed {
            key,
            target,
            status,
            retries,
        } = failed
        else {
            return;
        };
        let Some(call) = self.call.as_mut() else {
            return;
        };
        match call.refused(&target, status, retries) {
            Ok(reply) => {
                if let Some(slot) = self.replies.get_mut(key) {
                    *slot = Some(reply);
                }
                self.finish_if_complete();
            }
            Err(error) => self.fail(error),
        }
    }

    pub(crate) fn handle_stream_end(&mut self, id: RequestId) {
        if self.result.is_some() {
            return;
        }
        // A stream that ends before its terminal message is not retried: the node dropped it.
        match self.calls.target_of(id) {
            Some(target) => self.fail(OperationError::misbehaving(
                &target,
                Misbehaviour::ResultsStreamClosed,
            )),
            None => self.calls.count_stray(),
        }
    }

    pub(crate) fn next_id(&self) -> RequestId {
        self.calls.next_id()
    }

    pub(crate) fn report(&self) -> OperationReport {
        self.calls.report()
    }

    pub(crate) fn is_awaiting(&self, id: RequestId) -> bool {
        self.result.is_none() && self.call.is_some() && self.calls.is_awaiting(id)
    }

    pub(crate) fn handle_timeout(&mut self, now: Timestamp) {
        if self.result.is_some() {
            return;
        }
        for failed in self.calls.handle_timeout(now) {
            if self.result.is_some() {
                break;
            }
            self.settle_failure(failed);
        }
    }

    pub(crate) fn poll_transmit(&mut self) -> Option<Transmit> {
        if self.result.is_some() {
            return None;
        }
        self.calls.poll_transmit()
    }

    pub(crate) fn poll_timeout(&self) -> Option<Timestamp> {
        if self.result.is_some() {
            return None;
        }
        self.calls.poll_timeout()
    }

    pub(crate) fn take_result(&mut self) -> Option<Result<C::Output, OperationError>> {
        self.result.take()
    }

    fn fail(&mut self, error: OperationError) {
        self.call = None;
        self.result = Some(Err(error));
    }

    fn finish_if_complete(&mut self) {
        if self.replies.iter().any(Option::is_none) {
            return;
        }
        let Some(call) = self.call.take() else { return };
        let replies = self
            .targets
            .drain(..)
            .zip(self.replies.drain(..).flatten())
            .collect();
        self.result = Some(call.finish(replies));
    }
}

impl<C: NodeCall> core::fmt::Debug for Fanout<C> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Fanout")
            .field("targets", &self.targets)
            .field(
                "replied",
                &self.replies.iter().filter(|r| r.is_some()).count(),
            )
            .field("finished", &self.result.is_some())
            .finish_non_exhaustive()
    }
}

/// A free operation: one fan-out, no payment.
#[derive(Debug)]
pub struct Free<C: NodeCall> {
    fanout: Fanout<C>,
    misuse: Option<OperationError>,
    done: bool,
}

impl<C: NodeCall> Free<C> {
    pub(crate) fn start(now: Timestamp, call: C, policy: RetryPolicy) -> Self {
        Self::start_at(now, call, policy, RequestId(0))
    }

    /// Starts with request ids from `first_id` (a later stage of a longer operation).
    pub(crate) fn start_at(
        now: Timestamp,
        call: C,
        policy: RetryPolicy,
        first_id: RequestId,
    ) -> Self {
        Self {
            fanout: Fanout::start(now, call, policy, first_id),
            misuse: None,
            done: false,
        }
    }

    /// The id a later stage's first request gets.
    pub(crate) fn next_id(&self) -> RequestId {
        self.fanout.next_id()
    }
}

impl<C: NodeCall> Operation for Free<C> {
    type Output = C::Output;

    fn handle_reply(&mut self, now: Timestamp, id: RequestId, reply: Result<Reply, Status>) {
        self.fanout.handle_reply(now, id, reply);
    }

    fn handle_undecodable(&mut self, _now: Timestamp, id: RequestId, error: UndecodableReply) {
        self.fanout.handle_undecodable(id, error);
    }

    fn handle_stream_end(&mut self, _now: Timestamp, id: RequestId) {
        self.fanout.handle_stream_end(id);
    }

    fn handle_payment(
        &mut self,
        _now: Timestamp,
        _result: Result<alloc::string::String, PayerError>,
    ) {
        self.misuse = Some(OperationError::ApiMisuse(
            "a payment was fed to an operation that never asked for one",
        ));
    }

    fn handle_timeout(&mut self, now: Timestamp) {
        self.fanout.handle_timeout(now);
    }

    fn poll_output(&mut self) -> Option<Output<C::Output>> {
        if self.done {
            return None;
        }
        if let Some(error) = self.misuse.take() {
            self.done = true;
            return Some(Output::Done(Err(error)));
        }
        if let Some(transmit) = self.fanout.poll_transmit() {
            return Some(Output::Transmit(transmit));
        }
        let result = self.fanout.take_result()?;
        self.done = true;
        Some(Output::Done(result))
    }

    fn poll_timeout(&self) -> Option<Timestamp> {
        if self.done {
            None
        } else {
            self.fanout.poll_timeout()
        }
    }

    fn report(&self) -> OperationReport {
        self.fanout.report()
    }

    fn is_awaiting(&self, id: RequestId) -> bool {
        !self.done && self.fanout.is_awaiting(id)
    }
}

/// Checks that every node returned the same thing, naming the first node that did not.
pub(crate) fn all_equal<T: PartialEq + core::fmt::Debug>(
    what: &str,
    replies: &[(Target, T)],
) -> Result<(), OperationError> {
    let Some(((first_node, first), rest)) = replies.split_first() else {
        return Ok(());
    };
    for (node, value) in rest {
        if value != first {
            return Err(OperationError::Inconsistent(alloc::format!(
                "{first_node} returned {what} {first:?} but {node} returned {value:?}"
            )));
        }
    }
    Ok(())
}

/// Every member as a target.
pub(crate) fn members(nodes: &[NodeId]) -> impl Iterator<Item = Target> + '_ {
    nodes.iter().cloned().map(Target::Node)
}
