//! The client's errors, one enum per layer, kept apart by cause.

use std::path::PathBuf;

use nilvm_core::operations::OperationError;

use crate::payer::PayError;

/// Why a client call failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// An endpoint URL is unusable (bad syntax, unknown scheme, no port, bad TLS setup).
    #[error("invalid endpoint {url}: {reason}")]
    InvalidEndpoint {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
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

/// Why a network configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NetworkError {
    /// Neither `XDG_CONFIG_HOME` nor `HOME` is set.
    #[error("cannot find the configuration directory: neither XDG_CONFIG_HOME nor HOME is set")]
    NoConfigDir,
    /// The network file does not exist.
    #[error("network configuration {path} not found (start a devnet, or write the file)")]
    NotFound {
        /// Where it was looked for.
        path: PathBuf,
    },
    /// The network file exists but cannot be read.
    #[error("cannot read network configuration {path}: {source}")]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The network file is not the expected YAML.
    #[error("malformed network configuration {path}: {reason}")]
    Malformed {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A required field is missing or empty.
    #[error("network configuration {path} lacks `{field}`")]
    MissingField {
        /// The file.
        path: PathBuf,
        /// The field, e.g. `payments.nilchain_grpc_endpoint`.
        field: &'static str,
    },
    /// The network name cannot be a file name.
    #[error("invalid network name {0:?}")]
    InvalidName(String),
}
