//! Test helpers: drive an operation with scripted replies, on a virtual clock.

use alloc::vec::Vec;

use crate::identity::NodeId;
use crate::rpc::{Reply, Status};
use crate::time::Timestamp;

use super::{Operation, OperationError, Output, Transmit};

pub(crate) fn start() -> Timestamp {
    Timestamp::from_unix_seconds(1_700_000_000)
}

pub(crate) fn nodes(count: u8) -> Vec<NodeId> {
    (1..=count).map(|i| NodeId::new(alloc::vec![i; 20]).expect("a 20-byte id")).collect()
}

/// Drives `op` to completion, answering each request with `respond` at once and skipping
/// through timeouts. Payments are refused. Panics if the operation stalls.
pub(crate) fn drive<O: Operation>(
    op: O,
    respond: impl FnMut(&Transmit) -> Result<Reply, Status>,
) -> Result<O::Output, OperationError> {
    drive_with_payer(op, respond, |_| Err("no payer".into()))
}

/// Like [`drive`], with `pay` answering payment requests.
pub(crate) fn drive_with_payer<O: Operation>(
    mut op: O,
    mut respond: impl FnMut(&Transmit) -> Result<Reply, Status>,
    mut pay: impl FnMut(&super::PaymentRequest) -> Result<alloc::string::String, alloc::string::String>,
) -> Result<O::Output, OperationError> {
    let mut now = start();
    for _ in 0..10_000 {
        while let Some(output) = op.poll_output() {
            match output {
                Output::Transmit(transmit) => {
                    let reply = respond(&transmit);
                    op.handle_reply(now, transmit.id, reply);
                }
                Output::Pay(payment) => {
                    let result = pay(&payment);
                    op.handle_payment(now, result);
                }
                Output::Done(result) => return result,
            }
        }
        match op.poll_timeout() {
            Some(deadline) => {
                now = now.max(deadline);
                op.handle_timeout(now);
            }
            None => panic!("operation stalled: no output and no timeout"),
        }
    }
    panic!("operation did not finish in 10000 steps")
}
