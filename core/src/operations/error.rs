//! What can go wrong with an operation, kept apart by cause.

use alloc::string::String;
use alloc::sync::Arc;
use core::fmt;

use crate::cluster::ClusterError;
use crate::masking::{JarError, UnmaskingError};
use crate::payments::PaymentError as ModePaymentError;
use crate::payments::quote::QuoteError;
use crate::payments::receipt::ReceiptError;
use crate::permissions::PermissionsError;
use crate::program::ProgramIdError;
use crate::rpc::{Code, Method, Status};
use crate::values::ValueError;

use super::Target;

/// Why an operation failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum OperationError {
    /// The caller's input was rejected before any request was sent.
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// A node refused the request (not found, permission denied, invalid argument, ...).
    #[error("{node} refused: {status}")]
    Refused {
        /// The node that answered.
        node: Target,
        /// Its answer.
        status: Status,
    },
    /// A node answered something that breaks the protocol.
    #[error("{node} misbehaved: {reason}")]
    Misbehaving {
        /// The node that answered.
        node: Target,
        /// What was wrong with the answer.
        reason: Misbehaviour,
    },
    /// Nodes that must agree did not.
    #[error("nodes disagree: {0}")]
    Inconsistent(String),
    /// Quoting, paying or obtaining the receipt failed.
    #[error("payment failed: {0}")]
    Payment(#[source] PaymentFailure),
    /// A node could not be reached, or stayed unavailable through every retry.
    #[error("{node} unreachable after {retries} retries: {status}")]
    Unreachable {
        /// The node.
        node: Target,
        /// The last failure.
        status: Status,
        /// How many times the request was re-sent.
        retries: u32,
    },
    /// A node processed an earlier attempt (or a copy) of a request whose reply never
    /// arrived, and now refuses the repeat; what the lost reply said cannot be known. The
    /// request may have been applied (and its receipt is spent).
    #[error("{node} may have applied the request: its reply was lost (it now answers: {status})")]
    ReplyLost {
        /// The node.
        node: Target,
        /// Its answer to the repeat (e.g. "nonce already used").
        status: Status,
    },
    /// The computation ran and failed on the cluster.
    #[error("computation failed: {0}")]
    ComputeFailed(String),
    /// The shares the nodes returned could not be put back together.
    #[error("cannot reconstruct the values: {0}")]
    Unmask(#[source] UnmaskingError),
    /// The driver broke the driving contract (e.g. fed a payment nobody asked for).
    #[error("API misuse: {0}")]
    ApiMisuse(&'static str),
}

impl OperationError {
    /// The node's status, if a node refused.
    pub fn status(&self) -> Option<&Status> {
        match self {
            Self::Refused { status, .. }
            | Self::Unreachable { status, .. }
            | Self::ReplyLost { status, .. } => Some(status),
            _ => None,
        }
    }

    /// The node the error is about, if one node caused it.
    pub fn node(&self) -> Option<&Target> {
        match self {
            Self::Refused { node, .. }
            | Self::Misbehaving { node, .. }
            | Self::Unreachable { node, .. }
            | Self::ReplyLost { node, .. } => Some(node),
            _ => None,
        }
    }

    /// Whether a node said the thing does not exist.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::Refused { status, .. } if status.code == Code::NotFound)
    }

    /// Whether a node said the caller may not do this.
    pub fn is_permission_denied(&self) -> bool {
        matches!(self, Self::Refused { status, .. } if status.code == Code::PermissionDenied)
    }

    pub(crate) fn invalid_input(error: impl core::fmt::Display) -> Self {
        Self::InvalidInput(alloc::format!("{error}"))
    }

    pub(crate) fn misbehaving(node: &Target, reason: Misbehaviour) -> Self {
        Self::Misbehaving {
            node: node.clone(),
            reason,
        }
    }

    /// A node answered a request with a reply of another method.
    pub(crate) fn unexpected_reply(node: &Target, expected: Method, got: Method) -> Self {
        Self::misbehaving(node, Misbehaviour::UnexpectedReply { expected, got })
    }

    /// A final failure of a call: transient codes that outlasted retries are `Unreachable`,
    /// a repeat the node saw before is `ReplyLost`, everything else is the node's refusal.
    pub(crate) fn from_failed_call(node: Target, status: Status, retries: u32) -> Self {
        if status.is_replay() {
            Self::ReplyLost { node, status }
        } else if status.code.is_transient() {
            Self::Unreachable {
                node,
                status,
                retries,
            }
        } else {
            Self::Refused { node, status }
        }
    }
}

/// What a misbehaving node did wrong.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Misbehaviour {
    /// The reply's bytes are not a message of the method asked.
    #[error(transparent)]
    Undecodable(#[from] UndecodableReply),
    /// The reply is of another method than the request.
    #[error("a {got:?} reply to a {expected:?} request")]
    UnexpectedReply {
        /// The request's method.
        expected: Method,
        /// The reply's.
        got: Method,
    },
    /// An id field of the reply is not a UUID.
    #[error("malformed {field} returned")]
    MalformedId {
        /// The field.
        field: &'static str,
    },
    /// The compute id is not the receipt's identifier.
    #[error("the compute id is not the receipt's identifier")]
    ComputeIdNotReceipts,
    /// The program id in the reply is empty.
    #[error("empty program id returned")]
    EmptyProgramId,
    /// The program id in the reply does not parse.
    #[error("invalid program id returned: {0}")]
    InvalidProgramId(#[source] ProgramIdError),
    /// The results stream closed before the results came.
    #[error("server closed results channel")]
    ResultsStreamClosed,
    /// The cluster definition is invalid.
    #[error("invalid cluster: {0}")]
    InvalidCluster(#[source] ClusterError),
    /// The permissions do not decode.
    #[error("invalid permissions: {0}")]
    InvalidPermissions(#[source] PermissionsError),
    /// The values (shares) do not decode.
    #[error("undecodable values: {0}")]
    UndecodableValues(#[source] ValueError),
    /// The node's shares cannot join the others'.
    #[error("{0}")]
    Shares(#[source] JarError),
}

/// A reply whose bytes are not a message of the method asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("undecodable {method:?} reply: {error}")]
pub struct UndecodableReply {
    /// The request's method.
    pub method: Method,
    /// Why the bytes do not decode.
    #[source]
    pub error: prost::DecodeError,
}

/// Why paying for an operation failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum PaymentFailure {
    /// The leader's quote does not check out (signature, request, expiry), or is above the
    /// fee limit the client set.
    #[error("{node} sent an unacceptable quote: {error}")]
    Quote {
        /// The leader.
        node: Target,
        /// What is wrong with the quote.
        #[source]
        error: QuoteError,
    },
    /// The leader's receipt does not check out.
    #[error("{node} sent an unacceptable receipt: {error}")]
    Receipt {
        /// The leader.
        node: Target,
        /// What is wrong with the receipt.
        #[source]
        error: ReceiptError,
    },
    /// The balance cannot pay and the payment mode does not allow paying on chain.
    #[error("the balance cannot pay {credits} credits: {}", status.message)]
    InsufficientBalance {
        /// The quote's price.
        credits: u64,
        /// The leader's answer.
        status: Status,
    },
    /// The payment did not fit the payment's state.
    #[error(transparent)]
    Mode(#[from] ModePaymentError),
    /// The payer reported success without a transaction hash.
    #[error("the payer returned an empty transaction hash")]
    EmptyTransactionHash,
    /// The payer failed (chain unreachable, funds, signing, ...).
    #[error(transparent)]
    Payer(#[from] PayerError),
}

/// The payer's own error, kept as its type (`source()` reaches it; downcast it to the
/// payer's error type to match on it).
#[derive(Clone)]
pub struct PayerError(Arc<dyn core::error::Error + Send + Sync>);

impl PayerError {
    /// Wraps a payer's error.
    pub fn new(error: impl core::error::Error + Send + Sync + 'static) -> Self {
        Self(Arc::new(error))
    }

    /// A payer failure described only by text (e.g. a driver without a payer).
    pub fn message(message: impl Into<String>) -> Self {
        Self::new(MessageError(message.into()))
    }

    /// The payer's error.
    pub fn get(&self) -> &(dyn core::error::Error + Send + Sync + 'static) {
        &*self.0
    }
}

impl fmt::Debug for PayerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for PayerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&*self.0, f)
    }
}

impl core::error::Error for PayerError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        Some(&*self.0)
    }
}

/// Equal when they are the same error, or display the same text (errors are not comparable).
impl PartialEq for PayerError {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || alloc::format!("{self}") == alloc::format!("{other}")
    }
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct MessageError(String);
