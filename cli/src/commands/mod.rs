//! One module per command.

pub mod balance;
pub mod build;
pub mod cluster;
pub mod context;
pub mod demo;
pub mod devnet;
pub mod identities;
pub mod nada_test;
pub mod networks;
pub mod permissions;
pub mod program;
pub mod run;
pub mod test_file;
pub mod values;

use std::future::Future;

use clap::Subcommand;
use serde_json::Value as Json;

use crate::config::ConnectionArgs;
use crate::error::{CliError, Failure};

/// The SDK commands, in the style of the official `nillion` CLI; flattened into `nilvm`'s
/// commands.
#[derive(Debug, Subcommand)]
pub enum SdkCommand {
    /// Store values (or replace stored ones with --update-values-id).
    StoreValues(Box<values::StoreValuesArgs>),
    /// Retrieve stored values.
    RetrieveValues(values::ValuesIdArgs),
    /// Delete stored values.
    DeleteValues(values::ValuesIdArgs),
    /// Show who may do what with stored values.
    RetrievePermissions(values::ValuesIdArgs),
    /// Replace the permissions of stored values (from a YAML/JSON file and/or flags).
    OverwritePermissions(Box<permissions::OverwritePermissionsArgs>),
    /// Grant or revoke permissions on stored values.
    UpdatePermissions(Box<permissions::UpdatePermissionsArgs>),
    /// Store a compiled Nada program (`.nada.bin`).
    StoreProgram(program::StoreProgramArgs),
    /// Run a stored program and, when you receive outputs, wait for them.
    Compute(Box<program::ComputeArgs>),
    /// Wait for and print a computation's outputs for you (when someone else invoked it and
    /// bound you to an output party).
    RetrieveComputeResults(program::RetrieveResultsArgs),
    /// Show the cluster: members, leader, prime, polynomial degree.
    ClusterInformation,
    /// Show the leader's preprocessing pool (a paid query).
    PreprocessingPoolStatus,
    /// Show the user id (and node id, public key) of the identity's key; no network needed.
    InspectIds,
    /// Show your balance with the leader, or add funds to it.
    Balance(balance::BalanceArgs),
    /// Manage identities (`identities/NAME.yaml`).
    #[command(subcommand)]
    Identities(identities::IdentitiesCommand),
    /// Manage network configurations (`networks/NAME.yaml`).
    #[command(subcommand)]
    Networks(networks::NetworksCommand),
    /// Choose the default identity and network (`cli.yaml`).
    #[command(subcommand)]
    Context(context::ContextCommand),
}

/// Runs an SDK command.
pub fn sdk(connection: &ConnectionArgs, command: SdkCommand) -> Result<Json, CliError> {
    match command {
        SdkCommand::StoreValues(args) => block_on(values::store(connection, *args)),
        SdkCommand::RetrieveValues(args) => block_on(values::retrieve(connection, args)),
        SdkCommand::DeleteValues(args) => block_on(values::delete(connection, args)),
        SdkCommand::RetrievePermissions(args) => block_on(permissions::retrieve(connection, args)),
        SdkCommand::OverwritePermissions(args) => {
            block_on(permissions::overwrite(connection, *args))
        }
        SdkCommand::UpdatePermissions(args) => block_on(permissions::update(connection, *args)),
        SdkCommand::StoreProgram(args) => block_on(program::store(connection, args)),
        SdkCommand::Compute(args) => block_on(program::compute(connection, *args)),
        SdkCommand::RetrieveComputeResults(args) => {
            block_on(program::retrieve_results(connection, args))
        }
        SdkCommand::ClusterInformation => block_on(cluster::information(connection)),
        SdkCommand::PreprocessingPoolStatus => block_on(cluster::pool_status(connection)),
        SdkCommand::InspectIds => cluster::inspect_ids(connection),
        SdkCommand::Balance(args) => block_on(balance::run(connection, args)),
        SdkCommand::Identities(command) => identities::run(command),
        SdkCommand::Networks(command) => networks::run(command),
        SdkCommand::Context(command) => context::run(connection, command),
    }
}

/// Runs an async command on a fresh runtime.
fn block_on(future: impl Future<Output = Result<Json, CliError>>) -> Result<Json, CliError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| CliError::new(Failure::Operation, format!("cannot start a runtime: {e}")))?
        .block_on(future)
}
