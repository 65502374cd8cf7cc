//! The client's errors, one enum per layer, kept apart by cause.

use nilvm_core::operations::OperationError;

use crate::channel::ChannelError;
use crate::network::NetworkError;
use crate::payer::PayError;

/// Why a client call failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// An endpoint URL is unusable (bad syntax, unknown scheme, no port, bad TLS setup).
    #[error(transparent)]
    InvalidEndpoint(#[from] ChannelError),
    /// The caller's input was rejected before anything was sent.
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// The builder is missing something.
    #[error("incomplete client configuration: {0}")]
    Incomplete(&'static str),
    /// The network configuration could not be loaded.
    #[error(transparent)]
    Network(#[from] NetworkError),
    /// The operation failed: a node refused, misbehaved or was unreachable, or paying failed.
    #[error(transparent)]
    Operation(OperationError),
    /// The payer could not be set up.
    #[error(transparent)]
    Payer(#[from] PayError),
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
    pub fn status(&self) -> Option<&nilvm_core::rpc::Status> {
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::channel::{TlsRoots, connect_lazy};

    #[test]
    fn clients_and_payers_keep_the_channel_error() {
        let error = connect_lazy("http://127.0.0.1", &TlsRoots::Native).unwrap_err();
        let text = error.to_string();
        let client = ClientError::from(error);
        assert_eq!(client.to_string(), text);
        assert!(matches!(
            client,
            ClientError::InvalidEndpoint(ChannelError::NoPort { .. })
        ));
        let error = connect_lazy("http://127.0.0.1", &TlsRoots::Native).unwrap_err();
        let payer = PayError::from(error);
        assert_eq!(
            payer.to_string(),
            format!("invalid payer configuration: {text}")
        );
    }
}
