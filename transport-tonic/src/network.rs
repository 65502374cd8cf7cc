//! Where a cluster and its chain are: the bootnode, and the nilchain gRPC endpoint.
//!
//! [`Network::from_config`] reads the official network files,
//! `<config>/networks/<name>.yaml`, where `<config>` is `$XDG_CONFIG_HOME/nillion` or else
//! `$HOME/.config/nillion` (as the official SDKs and `nillion-devnet` do):
//!
//! ```yaml
//! bootnode: http://127.0.0.1:37939
//! payments:
//!   nilchain_chain_id: nillion-chain-devnet
//!   nilchain_rpc_endpoint: http://localhost:26648
//!   nilchain_grpc_endpoint: http://localhost:26649
//!   nilchain_private_key: 9a975f567428d054f2bf3092812e6c42f901ce07d9711bc77ee2cd81101f42c5
//!   gas_price: null
//! nilauth: null
//! ```

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::channel::TlsRoots;

/// The devnet's default bootnode (node 0 with the default seed).
pub const DEVNET_BOOTNODE: &str = "http://127.0.0.1:37939";
/// The devnet's nilchain gRPC endpoint.
pub const DEVNET_CHAIN_GRPC_ENDPOINT: &str = "http://localhost:26649";
/// The devnet's chain id.
pub const DEVNET_CHAIN_ID: &str = nilvm_core::payments::chain_tx::DEVNET_CHAIN_ID;

/// A nilVM network: its bootnode and its chain.
#[derive(Clone, PartialEq)]
pub struct Network {
    /// The node the client discovers the cluster from (`http://` or `https://`, with a port).
    pub bootnode: String,
    /// The nilchain gRPC endpoint payments go to.
    pub chain_grpc_endpoint: String,
    /// The chain id transactions are signed for.
    pub chain_id: String,
    /// The nilchain private key (hex) from the network file, if it names one. Never logged.
    pub chain_private_key: Option<String>,
    /// The gas price in unil per gas unit (`None`: zero, as on the devnet).
    pub gas_price: Option<f64>,
    /// How `https://` endpoints are checked.
    pub tls: TlsRoots,
}

impl fmt::Debug for Network {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Network")
            .field("bootnode", &self.bootnode)
            .field("chain_grpc_endpoint", &self.chain_grpc_endpoint)
            .field("chain_id", &self.chain_id)
            .field(
                "chain_private_key",
                &self.chain_private_key.as_ref().map(|_| "<redacted>"),
            )
            .field("gas_price", &self.gas_price)
            .field("tls", &self.tls)
            .finish()
    }
}

#[derive(Deserialize)]
struct NetworkFile {
    bootnode: Option<String>,
    payments: Option<PaymentsSection>,
}

#[derive(Deserialize)]
struct PaymentsSection {
    nilchain_chain_id: Option<String>,
    nilchain_grpc_endpoint: Option<String>,
    nilchain_private_key: Option<String>,
    gas_price: Option<f64>,
}

impl Network {
    /// The official devnet with its default seed: bootnode `http://127.0.0.1:37939`, chain
    /// `http://localhost:26649`, chain id `nillion-chain-devnet`. Prefer
    /// [`Network::from_config("devnet")`](Network::from_config): the devnet writes its actual
    /// endpoints there.
    pub fn devnet() -> Self {
        Self::devnet_at(DEVNET_BOOTNODE, DEVNET_CHAIN_GRPC_ENDPOINT)
    }

    /// A devnet at other endpoints (chain id `nillion-chain-devnet`).
    pub fn devnet_at(bootnode: impl Into<String>, chain_grpc_endpoint: impl Into<String>) -> Self {
        Self {
            bootnode: bootnode.into(),
            chain_grpc_endpoint: chain_grpc_endpoint.into(),
            chain_id: DEVNET_CHAIN_ID.into(),
            chain_private_key: None,
            gas_price: None,
            tls: TlsRoots::default(),
        }
    }

    /// Checks `https://` endpoints against `roots` instead of the system's trust store.
    pub fn with_tls_roots(mut self, roots: TlsRoots) -> Self {
        self.tls = roots;
        self
    }

    /// The nillion configuration directory: `$XDG_CONFIG_HOME/nillion`, else
    /// `$HOME/.config/nillion`.
    pub fn config_dir() -> Result<PathBuf, NetworkError> {
        config_dir_from(
            std::env::var_os("XDG_CONFIG_HOME"),
            std::env::var_os("HOME"),
        )
    }

    /// The path of network `name`'s file.
    pub fn config_path(name: &str) -> Result<PathBuf, NetworkError> {
        if name.is_empty() || name.contains(['/', '\\']) || name.starts_with('.') {
            return Err(NetworkError::InvalidName(name.into()));
        }
        Ok(Self::config_dir()?
            .join("networks")
            .join(format!("{name}.yaml")))
    }

    /// Loads network `name` from `<config>/networks/<name>.yaml`.
    pub fn from_config(name: &str) -> Result<Self, NetworkError> {
        Self::from_config_file(&Self::config_path(name)?)
    }

    /// Loads a network file.
    pub fn from_config_file(path: &Path) -> Result<Self, NetworkError> {
        let text = std::fs::read_to_string(path).map_err(|source| {
            if source.kind() == std::io::ErrorKind::NotFound {
                NetworkError::NotFound {
                    path: path.to_owned(),
                }
            } else {
                NetworkError::Unreadable {
                    path: path.to_owned(),
                    source,
                }
            }
        })?;
        Self::from_yaml(&text, path)
    }

    /// Parses a network file's text (`path` only names it in errors).
    pub fn from_yaml(text: &str, path: &Path) -> Result<Self, NetworkError> {
        let file: NetworkFile =
            serde_yaml::from_str(text).map_err(|e| NetworkError::Malformed {
                path: path.to_owned(),
                // serde_yaml's messages name the line and column, never the values.
                reason: e.to_string(),
            })?;
        let missing = |field| NetworkError::MissingField {
            path: path.to_owned(),
            field,
        };
        let non_empty = |value: Option<String>| value.filter(|v| !v.trim().is_empty());
        let bootnode = non_empty(file.bootnode).ok_or_else(|| missing("bootnode"))?;
        let payments = file.payments.ok_or_else(|| missing("payments"))?;
        let chain_grpc_endpoint = non_empty(payments.nilchain_grpc_endpoint)
            .ok_or_else(|| missing("payments.nilchain_grpc_endpoint"))?;
        let chain_id = non_empty(payments.nilchain_chain_id)
            .ok_or_else(|| missing("payments.nilchain_chain_id"))?;
        Ok(Self {
            bootnode,
            chain_grpc_endpoint,
            chain_id,
            chain_private_key: non_empty(payments.nilchain_private_key),
            gas_price: payments.gas_price,
            tls: TlsRoots::default(),
        })
    }
}

/// The configuration directory for these values of `XDG_CONFIG_HOME` and `HOME` (empty values
/// count as unset).
fn config_dir_from(
    xdg_config_home: Option<std::ffi::OsString>,
    home: Option<std::ffi::OsString>,
) -> Result<PathBuf, NetworkError> {
    if let Some(xdg) = xdg_config_home.filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(xdg).join("nillion"));
    }
    match home.filter(|v| !v.is_empty()) {
        Some(home) => Ok(PathBuf::from(home).join(".config").join("nillion")),
        None => Err(NetworkError::NoConfigDir),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xdg_config_home_wins_over_home() {
        let dir = |xdg: Option<&str>, home: Option<&str>| {
            config_dir_from(xdg.map(Into::into), home.map(Into::into))
        };
        assert_eq!(
            dir(Some("/x"), Some("/h")).unwrap(),
            PathBuf::from("/x/nillion")
        );
        assert_eq!(
            dir(Some(""), Some("/h")).unwrap(),
            PathBuf::from("/h/.config/nillion")
        );
        assert!(matches!(dir(None, None), Err(NetworkError::NoConfigDir)));
    }

    const DEVNET_YAML: &str = "bootnode: http://127.0.0.1:37939\npayments:\n  nilchain_chain_id: nillion-chain-devnet\n  nilchain_rpc_endpoint: http://localhost:26648\n  nilchain_grpc_endpoint: http://localhost:26649\n  nilchain_private_key: 9a975f567428d054f2bf3092812e6c42f901ce07d9711bc77ee2cd81101f42c5\n  gas_price: null\nnilauth: null\n";

    #[test]
    fn reads_the_official_devnet_file() {
        let network = Network::from_yaml(DEVNET_YAML, Path::new("devnet.yaml")).unwrap();
        assert_eq!(network.bootnode, DEVNET_BOOTNODE);
        assert_eq!(network.chain_grpc_endpoint, DEVNET_CHAIN_GRPC_ENDPOINT);
        assert_eq!(network.chain_id, DEVNET_CHAIN_ID);
        assert!(network.chain_private_key.is_some());
        assert_eq!(network.gas_price, None);
        assert!(!format!("{network:?}").contains("9a975f"), "key redacted");
    }

    #[test]
    fn missing_and_malformed_files_say_what_is_wrong() {
        let path = Path::new("x.yaml");
        let err = Network::from_yaml("bootnode: [1, 2", path).unwrap_err();
        assert!(matches!(err, NetworkError::Malformed { .. }), "{err}");
        let err = Network::from_yaml("bootnode: http://a:1\n", path).unwrap_err();
        assert!(
            matches!(
                err,
                NetworkError::MissingField {
                    field: "payments",
                    ..
                }
            ),
            "{err}"
        );
        let err = Network::from_yaml(
            "bootnode: http://a:1\npayments:\n  nilchain_chain_id: c\n  nilchain_grpc_endpoint: ''\n",
            path,
        )
        .unwrap_err();
        assert!(
            matches!(
                err,
                NetworkError::MissingField {
                    field: "payments.nilchain_grpc_endpoint",
                    ..
                }
            ),
            "{err}"
        );
        let err = Network::from_config_file(Path::new("/nonexistent/devnet.yaml")).unwrap_err();
        assert!(matches!(err, NetworkError::NotFound { .. }), "{err}");
        assert!(err.to_string().contains("/nonexistent/devnet.yaml"));
        assert!(matches!(
            Network::config_path("../etc"),
            Err(NetworkError::InvalidName(_))
        ));
    }
}
