//! Why connecting failed, kept apart by cause; a connected client's errors are
//! [`ClientError`]s.

use nilvm_client::ClientError;

use crate::channel::ChannelError;
use crate::network::NetworkError;
use crate::payer::PayError;

/// Why a client could not be set up or connected.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectError {
    /// An endpoint URL is unusable (bad syntax, unknown scheme, no port, bad TLS setup).
    #[error(transparent)]
    InvalidEndpoint(#[from] ChannelError),
    /// The network configuration could not be loaded.
    #[error(transparent)]
    Network(#[from] NetworkError),
    /// The payer could not be set up.
    #[error(transparent)]
    Payer(#[from] PayError),
    /// The connect sequence failed (the bootnode refused, misbehaved or was unreachable).
    #[error(transparent)]
    Client(#[from] ClientError),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::channel::{TlsRoots, connect_lazy};

    #[test]
    fn connect_errors_and_payers_keep_the_channel_error() {
        let error = connect_lazy("http://127.0.0.1", &TlsRoots::Native).unwrap_err();
        let text = error.to_string();
        let connect = ConnectError::from(error);
        assert_eq!(connect.to_string(), text);
        assert!(matches!(
            connect,
            ConnectError::InvalidEndpoint(ChannelError::NoPort { .. })
        ));
        let error = connect_lazy("http://127.0.0.1", &TlsRoots::Native).unwrap_err();
        let payer = PayError::from(error);
        assert_eq!(
            payer.to_string(),
            format!("invalid payer configuration: {text}")
        );
    }
}
