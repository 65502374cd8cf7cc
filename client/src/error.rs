//! The client's errors, kept apart by cause, with the causes' own types inside.

use nilvm_core::operations::{OperationError, PaymentFailure};
use nilvm_core::program::ProgramNameError;
use nilvm_core::rpc::Status;
use nilvm_nada::LowerError;

/// Why a client call failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The caller's input was rejected before anything was sent (by the client or the core).
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// The program name is not one the nodes accept.
    #[error("invalid program name: {0}")]
    ProgramName(#[from] ProgramNameError),
    /// The program bytes are raw compiler output that cannot be lowered for the nodes.
    #[error("cannot lower the program for the nodes: {0}")]
    Lowering(#[from] LowerError),
    /// The operation failed: a node refused, misbehaved or was unreachable, or paying failed.
    #[error(transparent)]
    Operation(OperationError),
}

impl From<OperationError> for ClientError {
    /// Input the core rejected before sending anything is the caller's to fix, like input the
    /// client rejects itself: one variant for both.
    fn from(error: OperationError) -> Self {
        match error {
            OperationError::InvalidInput(reason) => Self::InvalidInput(reason),
            other => Self::Operation(other),
        }
    }
}

impl ClientError {
    /// The node's status, if a node answered with one.
    pub fn status(&self) -> Option<&Status> {
        match self {
            Self::Operation(e) => e.status(),
            _ => None,
        }
    }

    /// Whether a node said the thing does not exist.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::Operation(e) if e.is_not_found())
    }

    /// Whether a node said the caller may not do this.
    pub fn is_permission_denied(&self) -> bool {
        matches!(self, Self::Operation(e) if e.is_permission_denied())
    }

    /// Why paying failed, if it did.
    pub fn payment_failure(&self) -> Option<&PaymentFailure> {
        match self {
            Self::Operation(OperationError::Payment(failure)) => Some(failure),
            _ => None,
        }
    }
}
