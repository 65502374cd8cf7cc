//! `context use IDENTITY NETWORK` and `context show`: the defaults for `--identity` and
//! `--network`, in the official CLI's context file (`cli.yaml`).

use clap::{Args, Subcommand};
use serde_json::{Value as Json, json};

use crate::config::{ConnectionArgs, ContextFile, check_name, write_yaml};
use crate::error::CliError;

/// What `context` does.
#[derive(Debug, Subcommand)]
pub enum ContextCommand {
    /// Use this identity and network when none is given.
    Use(UseArgs),
    /// Show the identity and network commands use.
    Show,
}

/// Arguments of `context use`.
#[derive(Debug, Args)]
pub struct UseArgs {
    /// The identity.
    identity: String,
    /// The network.
    network: String,
}

/// Runs `context`.
pub fn run(connection: &ConnectionArgs, command: ContextCommand) -> Result<Json, CliError> {
    match command {
        ContextCommand::Use(args) => {
            check_name("identity", &args.identity)?;
            check_name("network", &args.network)?;
            let context = ContextFile {
                identity: args.identity,
                network: args.network,
            };
            write_yaml(&ContextFile::path()?, &context, false)?;
            Ok(json!({ "identity": context.identity, "network": context.network }))
        }
        ContextCommand::Show => Ok(json!({
            "identity": connection.identity_name()?,
            "network": connection.network_name()?,
            "context_file": ContextFile::load()?.is_some().then(|| ContextFile::path().map(|p| p.display().to_string())).transpose()?,
        })),
    }
}
