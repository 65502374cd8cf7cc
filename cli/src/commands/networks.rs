//! `networks add|list|show|remove`, in the official files (`networks/NAME.yaml`, the format
//! `nillion-devnet` and `nilvm devnet` write).

use std::collections::BTreeMap;

use clap::{Args, Subcommand};
use serde::{Deserialize, Serialize};
use serde_json::{Value as Json, json};

use crate::config::{check_name, config_dir, list_names, write_yaml};
use crate::error::{CliError, Failure};

/// What `networks` does.
#[derive(Debug, Subcommand)]
pub enum NetworksCommand {
    /// Add (or replace) a network configuration.
    Add(Box<AddArgs>),
    /// List the networks.
    List,
    /// Show a network's configuration (the private key masked).
    Show(NameArgs),
    /// Remove a network configuration.
    Remove(NameArgs),
}

/// Arguments of `networks add` (the official CLI's).
#[derive(Debug, Args)]
pub struct AddArgs {
    /// The network's name.
    name: String,
    /// The bootnode's URL, e.g. https://node.example.com:14311.
    bootnode: String,
    /// The nilchain RPC endpoint.
    #[arg(short = 'r', long)]
    nilchain_rpc_endpoint: Option<String>,
    /// The nilchain gRPC endpoint (what this client pays through).
    #[arg(short = 'g', long, requires = "nilchain_rpc_endpoint")]
    nilchain_grpc_endpoint: Option<String>,
    /// The nilchain private key (hex) payments are made with.
    #[arg(
        short = 'p',
        long,
        env = "NILCHAIN_PRIVATE_KEY",
        hide_env_values = true,
        requires = "nilchain_rpc_endpoint"
    )]
    nilchain_private_key: Option<String>,
    /// The nilchain chain id.
    #[arg(long, requires = "nilchain_rpc_endpoint")]
    nilchain_chain_id: Option<String>,
    /// The gas price in unil per gas unit.
    #[arg(long, requires = "nilchain_rpc_endpoint")]
    nilchain_gas_price: Option<f64>,
    /// The nilauth endpoint.
    #[arg(long)]
    nilauth_endpoint: Option<String>,
}

/// A network's name.
#[derive(Debug, Args)]
pub struct NameArgs {
    /// The network's name.
    name: String,
}

/// The official network file.
#[derive(Debug, Serialize, Deserialize)]
struct NetworkFile {
    bootnode: String,
    payments: Option<PaymentsFile>,
    nilauth: Option<NilauthFile>,
}

#[derive(Debug, Serialize, Deserialize)]
struct PaymentsFile {
    nilchain_chain_id: Option<String>,
    nilchain_rpc_endpoint: Option<String>,
    #[serde(default)]
    nilchain_grpc_endpoint: Option<String>,
    nilchain_private_key: Option<String>,
    #[serde(default)]
    gas_price: Option<f64>,
}

#[derive(Debug, Serialize, Deserialize)]
struct NilauthFile {
    endpoint: String,
}

fn path(name: &str) -> Result<std::path::PathBuf, CliError> {
    check_name("network", name)?;
    Ok(config_dir()?.join("networks").join(format!("{name}.yaml")))
}

/// The first three characters, the rest masked (as the official CLI shows keys).
fn mask(secret: &str) -> String {
    secret
        .chars()
        .enumerate()
        .map(|(i, c)| if i < 3 { c } else { '*' })
        .collect()
}

/// Runs `networks`.
pub fn run(command: NetworksCommand) -> Result<Json, CliError> {
    match command {
        NetworksCommand::Add(args) => add(*args),
        NetworksCommand::List => Ok(json!({
            "networks": list_names(&config_dir()?.join("networks"))?,
        })),
        NetworksCommand::Show(args) => show(&args.name),
        NetworksCommand::Remove(args) => {
            let path = path(&args.name)?;
            crate::config::remove_file("network", "networks", &args.name, &path)?;
            Ok(json!({ "network": args.name, "removed": true }))
        }
    }
}

fn add(args: AddArgs) -> Result<Json, CliError> {
    let path = path(&args.name)?;
    if !args.bootnode.contains("://") {
        return Err(CliError::new(
            Failure::Input,
            format!("bootnode {:?} is not a URL", args.bootnode),
        )
        .hint("give it as http://HOST:PORT or https://HOST:PORT"));
    }
    // What loading the file needs (the client pays through the chain's gRPC endpoint): refuse
    // now rather than write a file every later command refuses.
    for (flag, given) in [
        ("--nilchain-grpc-endpoint", &args.nilchain_grpc_endpoint),
        ("--nilchain-chain-id", &args.nilchain_chain_id),
    ] {
        if given.as_deref().is_none_or(str::is_empty) {
            return Err(
                CliError::new(Failure::Input, format!("a network needs {flag}")).hint(
                    "give the nilchain's gRPC endpoint and chain id (a client that pays from \
                     its balance still needs them to add funds)",
                ),
            );
        }
    }
    let payments = Some(PaymentsFile {
        nilchain_chain_id: args.nilchain_chain_id,
        nilchain_rpc_endpoint: args.nilchain_rpc_endpoint,
        nilchain_grpc_endpoint: args.nilchain_grpc_endpoint,
        nilchain_private_key: args.nilchain_private_key,
        gas_price: args.nilchain_gas_price,
    });
    let file = NetworkFile {
        bootnode: args.bootnode,
        payments,
        nilauth: args
            .nilauth_endpoint
            .map(|endpoint| NilauthFile { endpoint }),
    };
    // The file may hold a chain private key.
    write_yaml(&path, &file, true)?;
    let mut output = show(&args.name)?;
    output["path"] = json!(path.display().to_string());
    Ok(output)
}

fn show(name: &str) -> Result<Json, CliError> {
    let path = path(name)?;
    let text = std::fs::read_to_string(&path).map_err(|e| {
        let error = CliError::new(
            Failure::Input,
            format!("cannot read network '{name}' ({}): {e}", path.display()),
        );
        if e.kind() == std::io::ErrorKind::NotFound && name == crate::config::DEFAULT_NETWORK {
            error.hint("start `nilvm devnet` first")
        } else {
            error
        }
    })?;
    let file: NetworkFile = serde_yaml::from_str(&text).map_err(|e| {
        CliError::new(
            Failure::Input,
            format!("malformed network file {}: {e}", path.display()),
        )
    })?;
    let mut output = BTreeMap::from([("bootnode", json!(file.bootnode))]);
    if let Some(payments) = file.payments {
        let fields = [
            ("nilchain_rpc_endpoint", payments.nilchain_rpc_endpoint),
            ("nilchain_grpc_endpoint", payments.nilchain_grpc_endpoint),
            (
                "nilchain_private_key",
                payments.nilchain_private_key.as_deref().map(mask),
            ),
            ("nilchain_chain_id", payments.nilchain_chain_id),
        ];
        for (field, value) in fields {
            if let Some(value) = value {
                output.insert(field, json!(value));
            }
        }
        if let Some(gas_price) = payments.gas_price {
            output.insert("nilchain_gas_price", json!(gas_price));
        }
    }
    if let Some(nilauth) = file.nilauth {
        output.insert("nilauth_endpoint", json!(nilauth.endpoint));
    }
    Ok(json!(output))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devnet_files_read_and_keys_are_masked() {
        let file: NetworkFile = serde_yaml::from_str(
            "bootnode: http://127.0.0.1:37939\npayments:\n  nilchain_chain_id: nillion-chain-devnet\n  nilchain_rpc_endpoint: http://localhost:26648\n  nilchain_grpc_endpoint: http://localhost:26649\n  nilchain_private_key: 9a975f56\n  gas_price: null\nnilauth: null\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(file.bootnode, "http://127.0.0.1:37939");
        assert_eq!(mask("9a975f56"), "9a9*****");
        let text = serde_yaml::to_string(&file).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            text.contains("nilchain_grpc_endpoint: http://localhost:26649"),
            "{text}"
        );
        assert!(text.contains("nilauth: null"), "{text}");
    }
}
