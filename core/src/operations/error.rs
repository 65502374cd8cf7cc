//! What can go wrong with an operation, kept apart by cause.

use alloc::string::String;

use crate::rpc::{Code, Status};

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
        reason: String,
    },
    /// Nodes that must agree did not.
    #[error("nodes disagree: {0}")]
    Inconsistent(String),
    /// Quoting, paying or obtaining the receipt failed.
    #[error("payment failed: {0}")]
    Payment(String),
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
    Unmask(String),
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

    pub(crate) fn misbehaving(node: &Target, reason: impl Into<String>) -> Self {
        Self::Misbehaving {
            node: node.clone(),
            reason: reason.into(),
        }
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
