//! One sans-IO state machine per nilVM operation.
//!
//! An operation never touches the network, a clock or a global random number generator. The
//! driver (the gRPC client, the emulated cluster, a test) feeds it input and drains its output:
//!
//! - **inputs**: [`Operation::handle_reply`] for each node reply (or the transport's failure,
//!   as a [`Status`]), [`Operation::handle_stream_end`] when a reply stream
//!   closes, [`Operation::handle_payment`] with the outcome of a payment it asked for, and
//!   [`Operation::handle_timeout`] when [`Operation::poll_timeout`] passes;
//! - **outputs**: after *every* input, call [`Operation::poll_output`] until it returns `None`:
//!   requests to send ([`Output::Transmit`]), payments to make ([`Output::Pay`]), and finally
//!   the result ([`Output::Done`]). Then wait for a reply, a payment, or the next timeout.
//!
//! Time is passed in as [`Timestamp`]; operations take the start time when created.

mod calls;
mod context;
mod error;
mod fanout;
#[cfg(test)]
mod ops_tests;
mod paid;
#[cfg(test)]
mod pipeline_tests;
mod shares;
mod single;
#[cfg(test)]
mod stray_tests;
#[cfg(test)]
pub(crate) mod testing;
mod unmask;

pub mod account_balance;
pub mod add_funds;
pub mod delete_values;
pub mod discover_cluster;
pub mod invoke_compute;
pub mod node_version;
pub mod overwrite_permissions;
pub mod payment_receipt;
pub mod payments_config;
pub mod pool_status;
pub mod request_quote;
pub mod retrieve_permissions;
pub mod retrieve_results;
pub mod retrieve_values;
pub mod store_program;
pub mod store_values;
pub mod update_permissions;

pub use calls::RetryPolicy;
pub use context::OperationContext;
pub use error::{Misbehaviour, OperationError, PayerError, PaymentFailure, UndecodableReply};
pub use fanout::{Free, NodeCall};
pub use paid::{Paid, PaidCall, invoke_with_receipt};
pub use single::SingleCall;

use alloc::vec::Vec;
use core::fmt;

use crate::identity::NodeId;
use crate::rpc::{Reply, Request, Status};
use crate::time::Timestamp;

/// Identifies a request an operation sent, so its reply can be handed back.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RequestId(pub u64);

/// Who a request goes to. Drivers resolve nodes with the cluster they discovered.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Target {
    /// The node the client bootstraps from (for `Cluster` and `NodeVersion`).
    Bootnode,
    /// A node of the cluster (a member, or the leader).
    Node(NodeId),
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Bootnode => f.write_str("bootnode"),
            Target::Node(node) => write!(f, "node {node}"),
        }
    }
}

/// A request to send.
#[derive(Clone, Debug, PartialEq)]
#[must_use]
pub struct Transmit {
    /// Hand this back with the reply.
    pub id: RequestId,
    /// Where to send it.
    pub target: Target,
    /// What to send.
    pub request: Request,
}

/// A payment to make on chain before the operation can go on.
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use]
pub struct PaymentRequest {
    /// How much, in unil.
    pub amount_unil: u64,
    /// What the payment is for: a quote nonce, or the SHA-256 of an add-funds payload.
    pub resource: Vec<u8>,
}

/// What an operation asks of its driver.
#[derive(Debug)]
#[must_use]
pub enum Output<T> {
    /// Send this request.
    Transmit(Transmit),
    /// Pay this on chain, then call [`Operation::handle_payment`].
    Pay(PaymentRequest),
    /// The operation is over.
    Done(Result<T, OperationError>),
}

/// What an operation saw on the way to its result, for drivers and tests to inspect.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct OperationReport {
    /// Replies (and stream ends) dropped because their request id was not in flight: late,
    /// duplicated, of an earlier stage, or forged. They never affect the result.
    pub stray_replies: u64,
    /// Requests re-sent after a transient failure.
    pub retries: u64,
}

impl OperationReport {
    /// The sum of two reports (e.g. of two stages of one operation).
    pub fn merged(self, other: Self) -> Self {
        Self {
            stray_replies: self.stray_replies.saturating_add(other.stray_replies),
            retries: self.retries.saturating_add(other.retries),
        }
    }
}

/// A sans-IO operation. See the [module docs](self) for the driving contract.
pub trait Operation {
    /// What the operation returns.
    type Output;

    /// A node answered request `id` (or the transport failed to deliver it, as a status).
    fn handle_reply(&mut self, now: Timestamp, id: RequestId, reply: Result<Reply, Status>);

    /// A node answered request `id` with bytes that are not a reply of its method: the node
    /// misbehaves ([`crate::drive`] decides this for every transport).
    fn handle_undecodable(&mut self, now: Timestamp, id: RequestId, error: UndecodableReply);

    /// A reply stream of request `id` closed without an error status.
    fn handle_stream_end(&mut self, now: Timestamp, id: RequestId);

    /// The payment asked for with [`Output::Pay`] went through (`Ok(tx_hash)`) or failed.
    fn handle_payment(&mut self, now: Timestamp, result: Result<alloc::string::String, PayerError>);

    /// Time passed [`Operation::poll_timeout`].
    fn handle_timeout(&mut self, now: Timestamp);

    /// The next thing to do. Drain it after every input.
    fn poll_output(&mut self) -> Option<Output<Self::Output>>;

    /// When to call [`Operation::handle_timeout`], if anything is waiting on time.
    fn poll_timeout(&self) -> Option<Timestamp>;

    /// What the operation saw so far (stray replies, retries).
    fn report(&self) -> OperationReport {
        OperationReport::default()
    }

    /// Whether the operation still waits for the reply to request `id`. A driver may cancel
    /// a call it no longer waits for (one that timed out, or of a finished operation); the
    /// default, `true`, never lets it.
    fn is_awaiting(&self, id: RequestId) -> bool {
        let _ = id;
        true
    }
}
