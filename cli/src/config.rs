//! Identities, networks and the context in the official `nillion` CLI's files, and connecting
//! to a network with them.
//!
//! Under the configuration directory (`$XDG_CONFIG_HOME/nillion`, else
//! `$HOME/.config/nillion`):
//!
//! - `identities/NAME.yaml`: `private_key: <hex>` and `kind: Secp256k1` (the official CLI
//!   writes `Secp256k1` for new identities; a missing `kind` means `Ed25519` there, which nilVM
//!   SDK 0.2 users cannot use);
//! - `networks/NAME.yaml`: `bootnode`, `payments` (`nilchain_chain_id`,
//!   `nilchain_rpc_endpoint`, `nilchain_grpc_endpoint`, `nilchain_private_key`, `gas_price`)
//!   and `nilauth`, as `nillion-devnet` writes it;
//! - `cli.yaml`: the context, `identity: NAME` and `network: NAME`, the defaults when
//!   `--identity`/`--network` are not given (else `default` and `devnet`).

use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Args;
use nilvm_core::identity::UserKey;
use nilvm_transport_tonic::{
    ClientError, ConnectError, GrpcClient, Network, NetworkError, NilChainPayer, NoPayer, PayError,
    Payer, driver_for,
};
use serde::{Deserialize, Serialize};

use crate::error::{CliError, Failure};
use crate::progress::SpinningPayer;

/// The identity used when neither `--identity` nor the context names one.
pub const DEFAULT_IDENTITY: &str = "default";
/// The network used when neither `--network` nor the context names one.
pub const DEFAULT_NETWORK: &str = "devnet";

/// Who to act as and where: global flags of the SDK commands.
#[derive(Debug, Default, Args)]
pub struct ConnectionArgs {
    /// The identity to act as (a file in `identities/`; default: the context's, else
    /// `default`).
    #[arg(long, global = true, value_name = "NAME", help_heading = "Connection")]
    pub identity: Option<String>,
    /// The network to use (a file in `networks/`; default: the context's, else `devnet`).
    #[arg(long, global = true, value_name = "NAME", help_heading = "Connection")]
    pub network: Option<String>,
    /// The user's secp256k1 private key in hex, instead of an identity file (for scripts;
    /// prefer the environment variable, which stays out of process listings).
    #[arg(
        long,
        global = true,
        help_heading = "Connection",
        env = "NILVM_KEY_HEX",
        hide_env_values = true,
        value_name = "HEX",
        conflicts_with = "identity"
    )]
    pub key_hex: Option<String>,
}

/// The configuration directory.
pub fn config_dir() -> Result<PathBuf, CliError> {
    Network::config_dir().map_err(|e| {
        CliError::new(Failure::Input, e.to_string()).hint("set HOME or XDG_CONFIG_HOME")
    })
}

/// Checks that `name` can be a file name, as the official CLI does (no `/`, no `.`).
pub fn check_name(kind: &str, name: &str) -> Result<(), CliError> {
    if name.is_empty() || name.contains(['/', '\\', '.']) {
        return Err(CliError::new(
            Failure::Input,
            format!("invalid {kind} name {name:?}: names cannot be empty or contain '/' or '.'"),
        ));
    }
    Ok(())
}

/// The context file: the default identity and network.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ContextFile {
    /// The identity's name.
    pub identity: String,
    /// The network's name.
    pub network: String,
}

impl ContextFile {
    /// Where the context lives.
    pub fn path() -> Result<PathBuf, CliError> {
        Ok(config_dir()?.join("cli.yaml"))
    }

    /// The context, if a valid one is set.
    pub fn load() -> Result<Option<Self>, CliError> {
        let path = Self::path()?;
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(read_error(&path, &e)),
        };
        serde_yaml::from_str(&text).map(Some).map_err(|e| {
            CliError::new(
                Failure::Input,
                format!("malformed context file {}: {e}", path.display()),
            )
            .hint("fix it, or set a new one with `nilvm context use IDENTITY NETWORK`")
        })
    }
}

fn read_error(path: &Path, error: &std::io::Error) -> CliError {
    CliError::new(
        Failure::Input,
        format!("cannot read {}: {error}", path.display()),
    )
}

/// An identity file.
#[derive(Debug, Serialize, Deserialize)]
pub struct IdentityFile {
    /// The private key, hex.
    pub private_key: String,
    /// The curve (the official CLI's default when absent is `Ed25519`).
    #[serde(default)]
    pub kind: KeyKind,
}

/// The curve of an identity's key.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum KeyKind {
    /// ed25519: the official Rust CLI accepts these; nilVM SDK 0.2 users are secp256k1.
    #[default]
    Ed25519,
    /// secp256k1.
    Secp256k1,
}

impl KeyKind {
    /// The name the official CLI prints.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyKind::Ed25519 => "ed25519",
            KeyKind::Secp256k1 => "secp256k1",
        }
    }
}

impl IdentityFile {
    /// Where identity `name` lives.
    pub fn path(name: &str) -> Result<PathBuf, CliError> {
        check_name("identity", name)?;
        Ok(config_dir()?
            .join("identities")
            .join(format!("{name}.yaml")))
    }

    /// Whether identity `name` exists.
    pub fn exists(name: &str) -> Result<bool, CliError> {
        Ok(Self::path(name)?.is_file())
    }

    /// Reads identity `name`'s key.
    pub fn load_key(name: &str) -> Result<UserKey, CliError> {
        let path = Self::path(name)?;
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(CliError::new(
                    Failure::Input,
                    format!("no identity '{name}' ({})", path.display()),
                )
                .hint(format!(
                    "create it with `nilvm identities add {name}`, or pass --key-hex"
                )));
            }
            Err(e) => return Err(read_error(&path, &e)),
        };
        let file: IdentityFile = serde_yaml::from_str(&text).map_err(|e| {
            CliError::new(
                Failure::Input,
                format!("malformed identity file {}: {e}", path.display()),
            )
        })?;
        if file.kind != KeyKind::Secp256k1 {
            return Err(CliError::new(
                Failure::Input,
                format!(
                    "identity '{name}' is an {} key; nilVM users have secp256k1 keys",
                    file.kind.as_str()
                ),
            )
            .hint(format!(
                "create a secp256k1 identity with `nilvm identities add {name}-k1`"
            )));
        }
        UserKey::from_hex(file.private_key.trim()).map_err(|e| {
            CliError::new(
                Failure::Input,
                format!("identity '{name}' has an invalid private key: {e}"),
            )
        })
    }

    /// Writes a secp256k1 identity.
    pub fn write(name: &str, key: &UserKey) -> Result<PathBuf, CliError> {
        let path = Self::path(name)?;
        let file = IdentityFile {
            private_key: hex::encode(key.to_secret_bytes()),
            kind: KeyKind::Secp256k1,
        };
        write_yaml(&path, &file, true)?;
        Ok(path)
    }
}

/// Writes `value` as YAML to `path`, creating the directory; `secret` files are readable by
/// their owner only.
pub fn write_yaml(path: &Path, value: &impl Serialize, secret: bool) -> Result<(), CliError> {
    let write_error = |e: &dyn std::fmt::Display| {
        CliError::new(
            Failure::Input,
            format!("cannot write {}: {e}", path.display()),
        )
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| write_error(&e))?;
    }
    let text = serde_yaml::to_string(value).map_err(|e| write_error(&e))?;
    std::fs::write(path, text).map_err(|e| write_error(&e))?;
    #[cfg(unix)]
    if secret {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| write_error(&e))?;
    }
    #[cfg(not(unix))]
    let _ = secret;
    Ok(())
}

/// Names of the `.yaml` files in `dir`, sorted; none when the directory does not exist.
/// Removes the `kind` file (`identity`, `network`) named `name` at `path`; `plural` names the
/// command that lists them (`identities`, `networks`).
pub fn remove_file(kind: &str, plural: &str, name: &str, path: &Path) -> Result<(), CliError> {
    std::fs::remove_file(path).map_err(|e| {
        let error = CliError::new(
            Failure::Input,
            format!("cannot remove {kind} '{name}' ({}): {e}", path.display()),
        );
        if e.kind() == std::io::ErrorKind::NotFound {
            error.hint(format!("`nilvm {plural} list` shows the {plural}"))
        } else {
            error
        }
    })
}

pub fn list_names(dir: &Path) -> Result<Vec<String>, CliError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(read_error(dir, &e)),
    };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.is_file() && path.extension().is_some_and(|ext| ext == "yaml"))
        .filter_map(|path| Some(path.file_stem()?.to_str()?.to_owned()))
        .collect();
    names.sort();
    Ok(names)
}

/// Where the user key comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// `--key-hex` (or `NILVM_KEY_HEX`).
    KeyHex,
    /// An identity file.
    Identity(String),
    /// A fresh key for this run: for queries where the identity does not matter.
    Ephemeral,
}

impl ConnectionArgs {
    fn context(&self) -> Result<Option<ContextFile>, CliError> {
        if self.identity.is_some() && self.network.is_some() {
            return Ok(None);
        }
        ContextFile::load()
    }

    /// The identity's name: `--identity`, else the context's, else `default`.
    pub fn identity_name(&self) -> Result<String, CliError> {
        if let Some(name) = &self.identity {
            return Ok(name.clone());
        }
        Ok(self
            .context()?
            .map_or_else(|| DEFAULT_IDENTITY.to_owned(), |c| c.identity))
    }

    /// The network's name: `--network`, else the context's, else `devnet`.
    pub fn network_name(&self) -> Result<String, CliError> {
        if let Some(name) = &self.network {
            return Ok(name.clone());
        }
        Ok(self
            .context()?
            .map_or_else(|| DEFAULT_NETWORK.to_owned(), |c| c.network))
    }

    /// The user key. With `ephemeral_fallback`, a missing *default* identity (none named by a
    /// flag or the context) gives a fresh key instead of an error.
    pub fn key(&self, ephemeral_fallback: bool) -> Result<(UserKey, KeySource), CliError> {
        if let Some(key_hex) = &self.key_hex {
            let key = UserKey::from_hex(key_hex.trim()).map_err(|e| {
                CliError::new(Failure::Input, format!("--key-hex: {e}"))
                    .hint("give the 32-byte secp256k1 private key as 64 hex characters")
            })?;
            return Ok((key, KeySource::KeyHex));
        }
        let named = self.identity.is_some() || self.context()?.is_some();
        let name = self.identity_name()?;
        if ephemeral_fallback && !named && !IdentityFile::exists(&name)? {
            return Ok((UserKey::generate(&mut rand::rng()), KeySource::Ephemeral));
        }
        Ok((IdentityFile::load_key(&name)?, KeySource::Identity(name)))
    }

    /// The network configuration.
    pub fn network_config(&self) -> Result<(String, Network), CliError> {
        let name = self.network_name()?;
        check_name("network", &name)?;
        let network = Network::from_config(&name).map_err(|e| network_error(&name, &e))?;
        Ok((name, network))
    }

    /// Connects to the network as the user. The payer is the network file's nilchain key
    /// (none: operations can only be paid from the balance).
    pub async fn connect(&self, ephemeral_fallback: bool) -> Result<GrpcClient, CliError> {
        let (key, _) = self.key(ephemeral_fallback)?;
        let (name, network) = self.network_config()?;
        probe(&name, &network.bootnode).await?;
        let payer: Box<dyn Payer> = if network.chain_private_key.is_some() {
            let payer = NilChainPayer::from_network_key(&network).map_err(|e| {
                payer_error(&e).hint(format!(
                    "check `payments.nilchain_private_key` in network '{name}'"
                ))
            })?;
            Box::new(SpinningPayer(payer))
        } else {
            Box::new(NoPayer)
        };
        let driver = driver_for(&network, std::sync::Arc::from(payer)).map_err(connect_error)?;
        GrpcClient::connect(driver, key).await.map_err(|e| {
            let error = client_error(e);
            if error.failure == Failure::Unreachable {
                error.hint(unreachable_hint(&name))
            } else {
                error
            }
        })
    }
}

fn unreachable_hint(network: &str) -> String {
    if network == DEFAULT_NETWORK {
        "is the devnet running? start it with `nilvm devnet`".to_owned()
    } else {
        format!(
            "is network '{network}' up? check its bootnode with `nilvm networks show {network}`"
        )
    }
}

/// Fails fast when the bootnode refuses connections (the client would retry for a minute).
async fn probe(network: &str, bootnode: &str) -> Result<(), CliError> {
    let Some(address) = host_port(bootnode) else {
        return Ok(()); // The client reports malformed URLs itself.
    };
    let connect = tokio::net::TcpStream::connect(address.clone());
    match tokio::time::timeout(Duration::from_secs(5), connect).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(CliError::new(
            Failure::Unreachable,
            format!("cannot reach the bootnode of network '{network}' at {bootnode}: {e}"),
        )
        .hint(unreachable_hint(network))),
        Err(_) => Err(CliError::new(
            Failure::Unreachable,
            format!("cannot reach the bootnode of network '{network}' at {bootnode}: timed out"),
        )
        .hint(unreachable_hint(network))),
    }
}

/// `host:port` of an `http(s)://host:port/...` URL.
fn host_port(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let authority = authority.rsplit_once('@').map_or(authority, |(_, a)| a);
    let host_end = if authority.starts_with('[') {
        authority.find(']')? + 1
    } else {
        authority.find(':').unwrap_or(authority.len())
    };
    if authority[host_end..].starts_with(':') {
        return Some(authority.to_owned());
    }
    let port = match scheme {
        "https" => 443,
        "http" => 80,
        _ => return None,
    };
    Some(format!("{authority}:{port}"))
}

/// A network file that cannot be used.
pub fn network_error(name: &str, error: &NetworkError) -> CliError {
    match error {
        NetworkError::NotFound { path } => {
            let error = CliError::new(
                Failure::Input,
                format!("no network config '{name}' ({})", path.display()),
            );
            if name == DEFAULT_NETWORK {
                error.hint("start `nilvm devnet` first")
            } else {
                error.hint(format!(
                    "add it with `nilvm networks add {name} BOOTNODE_URL ...`"
                ))
            }
        }
        other => CliError::new(Failure::Input, other.to_string()),
    }
}

fn payer_error(error: &PayError) -> CliError {
    CliError::new(Failure::Input, error.to_string())
}

/// A client that could not be set up, classified for the exit code.
pub fn connect_error(error: ConnectError) -> CliError {
    match error {
        ConnectError::InvalidEndpoint(_) | ConnectError::Network(_) => {
            CliError::new(Failure::Input, error.to_string()).hint("check the network file")
        }
        ConnectError::Payer(e) => payer_error(&e),
        ConnectError::Client(e) => client_error(e),
        other => CliError::new(Failure::Input, other.to_string()),
    }
}

/// A failed client call, classified for the exit code; the hint follows the error's type.
pub fn client_error(error: ClientError) -> CliError {
    use nilvm_core::operations::{OperationError, PaymentFailure};
    let message = error.to_string();
    match &error {
        ClientError::InvalidInput(_) | ClientError::ProgramName(_) | ClientError::Lowering(_) => {
            CliError::new(Failure::Input, message)
        }
        _ if error.is_not_found() => CliError::new(Failure::NotFound, message),
        _ if error.is_permission_denied() => CliError::new(Failure::PermissionDenied, message)
            .hint("the owner can grant access with `nilvm update-permissions`"),
        ClientError::Operation(OperationError::Unreachable { .. }) => {
            CliError::new(Failure::Unreachable, message)
        }
        ClientError::Operation(OperationError::Payment(failure)) => {
            let error = CliError::new(Failure::Operation, message);
            match failure {
                PaymentFailure::Payer(_) | PaymentFailure::EmptyTransactionHash => error.hint(
                    "check the network file's nilchain_private_key and its funds, or add funds \
                     to your balance with `nilvm balance add-funds`",
                ),
                PaymentFailure::InsufficientBalance { .. } => {
                    error.hint("add funds to your balance with `nilvm balance add-funds`")
                }
                // The leader's quote or receipt did not check out: nothing the user's keys
                // or funds can fix.
                _ => error,
            }
        }
        _ => CliError::new(Failure::Operation, message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payment_hints_follow_the_failure_type() {
        use nilvm_core::operations::{OperationError, PayerError, PaymentFailure, Target};
        use nilvm_core::payments::quote::QuoteError;
        let payment =
            |failure| client_error(ClientError::Operation(OperationError::Payment(failure)));
        let payer = payment(PaymentFailure::Payer(PayerError::message("out of gas")));
        assert!(payer.hint.unwrap().contains("nilchain_private_key"));
        let balance = payment(PaymentFailure::InsufficientBalance {
            credits: 5,
            status: nilvm_core::rpc::Status::insufficient_balance(),
        });
        assert!(balance.hint.unwrap().contains("add-funds"));
        // A quote the leader signed badly is nothing the user's keys or funds can fix.
        let bad_quote = payment(PaymentFailure::Quote {
            node: Target::Bootnode,
            error: QuoteError::NoOperation,
        });
        assert_eq!(bad_quote.hint, None);
        assert_eq!(bad_quote.failure, Failure::Operation);
    }

    #[test]
    fn host_port_of_urls() {
        assert_eq!(
            host_port("http://127.0.0.1:37939").as_deref(),
            Some("127.0.0.1:37939")
        );
        assert_eq!(
            host_port("https://node.example.com/").as_deref(),
            Some("node.example.com:443")
        );
        assert_eq!(host_port("http://[::1]:80/x").as_deref(), Some("[::1]:80"));
        assert_eq!(host_port("http://[::1]").as_deref(), Some("[::1]:80"));
        assert_eq!(host_port("nonsense"), None);
    }

    #[test]
    fn names_that_cannot_be_files_are_refused() {
        assert!(check_name("identity", "alice").is_ok());
        assert!(check_name("identity", "../x").is_err());
        assert!(check_name("identity", "a.b").is_err());
        assert!(check_name("identity", "").is_err());
    }

    #[test]
    fn identity_files_read_as_the_official_cli_writes_them() {
        let file: IdentityFile = serde_yaml::from_str(
            "private_key: 0101010101010101010101010101010101010101010101010101010101010101\nkind: Secp256k1\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(file.kind, KeyKind::Secp256k1);
        let file: IdentityFile =
            serde_yaml::from_str("private_key: 00\n").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(file.kind, KeyKind::Ed25519, "the official default");
    }
}
