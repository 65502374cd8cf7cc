//! The running operations, with their output types erased so one emulator runs many kinds at
//! once: each sits in a slot with its client and its start and end times.

use std::any::Any;
use std::collections::BTreeMap;

use nilvm_core::operations::{
    Operation, OperationError, OperationReport, Output, PaymentRequest, RequestId, Transmit,
    UndecodableReply,
};
use nilvm_core::rpc::{Reply, Status};
use nilvm_core::time::Timestamp;

use crate::driver::Client;

/// When an operation started and ended, in virtual time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpReport {
    /// When it was spawned.
    pub started_at: Timestamp,
    /// When it returned its result, if it has.
    pub finished_at: Option<Timestamp>,
    /// What the operation itself saw (stray replies, retries).
    pub operation: OperationReport,
}

/// An operation with its output type erased.
pub(super) trait ErasedOp: Send {
    fn handle_reply(&mut self, now: Timestamp, id: RequestId, reply: Result<Reply, Status>);
    fn handle_stream_end(&mut self, now: Timestamp, id: RequestId);
    fn handle_undecodable(&mut self, now: Timestamp, id: RequestId, error: UndecodableReply);
    fn handle_payment(&mut self, now: Timestamp, result: Result<String, String>);
    fn handle_timeout(&mut self, now: Timestamp);
    /// `Some(Ok(transmit))`, `Some(Err(payment))`, or `None`; a result is kept inside.
    fn poll_output(&mut self) -> Option<Result<Transmit, PaymentRequest>>;
    fn poll_timeout(&self) -> Option<Timestamp>;
    fn is_done(&self) -> bool;
    fn take_result(&mut self) -> Option<Box<dyn Any + Send>>;
    fn report(&self) -> OperationReport;
}

struct Slot<O: Operation> {
    op: O,
    result: Option<Result<O::Output, OperationError>>,
    taken: bool,
}

impl<O> ErasedOp for Slot<O>
where
    O: Operation + Send,
    O::Output: Send + 'static,
{
    fn handle_reply(&mut self, now: Timestamp, id: RequestId, reply: Result<Reply, Status>) {
        self.op.handle_reply(now, id, reply);
    }
    fn handle_stream_end(&mut self, now: Timestamp, id: RequestId) {
        self.op.handle_stream_end(now, id);
    }
    fn handle_undecodable(&mut self, now: Timestamp, id: RequestId, error: UndecodableReply) {
        self.op.handle_undecodable(now, id, error);
    }
    fn handle_payment(&mut self, now: Timestamp, result: Result<String, String>) {
        let result = result.map_err(nilvm_core::operations::PayerError::message);
        self.op.handle_payment(now, result);
    }
    fn handle_timeout(&mut self, now: Timestamp) {
        self.op.handle_timeout(now);
    }
    fn poll_output(&mut self) -> Option<Result<Transmit, PaymentRequest>> {
        if self.is_done() {
            return None;
        }
        match self.op.poll_output()? {
            Output::Transmit(t) => Some(Ok(t)),
            Output::Pay(p) => Some(Err(p)),
            Output::Done(result) => {
                self.result = Some(result);
                None
            }
        }
    }
    fn poll_timeout(&self) -> Option<Timestamp> {
        if self.is_done() {
            None
        } else {
            self.op.poll_timeout()
        }
    }
    fn is_done(&self) -> bool {
        self.result.is_some() || self.taken
    }
    fn take_result(&mut self) -> Option<Box<dyn Any + Send>> {
        let result = self.result.take()?;
        self.taken = true;
        Some(Box::new(result))
    }
    fn report(&self) -> OperationReport {
        self.op.report()
    }
}

/// A running operation, who runs it, and when.
pub(super) struct OpSlot {
    pub(super) op: Box<dyn ErasedOp>,
    pub(super) client: Client,
    pub(super) report: OpReport,
}

/// The operations by id, in spawn order.
#[derive(Default)]
pub(super) struct Slots {
    slots: BTreeMap<u64, OpSlot>,
    next: u64,
}

impl Slots {
    /// Adds `op`, run by `client` from `now`, and returns its id.
    pub(super) fn insert<O>(&mut self, client: &Client, op: O, now: Timestamp) -> u64
    where
        O: Operation + Send + 'static,
        O::Output: Send + 'static,
    {
        let id = self.next;
        self.next += 1;
        let slot = Slot {
            op,
            result: None,
            taken: false,
        };
        self.slots.insert(
            id,
            OpSlot {
                op: Box::new(slot),
                client: client.clone(),
                report: OpReport {
                    started_at: now,
                    finished_at: None,
                    operation: OperationReport::default(),
                },
            },
        );
        id
    }

    pub(super) fn get(&self, id: u64) -> Option<&OpSlot> {
        self.slots.get(&id)
    }

    pub(super) fn get_mut(&mut self, id: u64) -> Option<&mut OpSlot> {
        self.slots.get_mut(&id)
    }

    pub(super) fn remove(&mut self, id: u64) {
        self.slots.remove(&id);
    }

    pub(super) fn len(&self) -> usize {
        self.slots.len()
    }

    /// The result of operation `id`, once, if it is done and its output is a `T`.
    pub(super) fn take<T: 'static>(&mut self, id: u64) -> Option<Result<T, OperationError>> {
        let boxed = self.slots.get_mut(&id)?.op.take_result()?;
        boxed
            .downcast::<Result<T, OperationError>>()
            .ok()
            .map(|b| *b)
    }

    /// The earliest timer of any running operation.
    pub(super) fn next_timeout(&self) -> Option<Timestamp> {
        self.slots
            .values()
            .filter_map(|s| s.op.poll_timeout())
            .min()
    }

    /// The operations whose timer is due at `now`, in id order.
    pub(super) fn due(&self, now: Timestamp) -> Vec<u64> {
        self.slots
            .iter()
            .filter(|(_, s)| s.op.poll_timeout().is_some_and(|t| t <= now))
            .map(|(id, _)| *id)
            .collect()
    }
}
