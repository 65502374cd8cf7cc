//! `store-values`, `retrieve-values`, `delete-values`.

use clap::Args;
use nilvm_core::identity::UserId;
use nilvm_core::permissions::Permissions;
use nilvm_transport_tonic::ValuesId;
use serde_json::{Value as Json, json};

use crate::config::{ConnectionArgs, client_error};
use crate::error::{CliError, Failure};
use crate::values::{ValueArgs, map_to_json};

/// Arguments of `store-values`.
#[derive(Debug, Args)]
pub struct StoreValuesArgs {
    /// The values to store.
    #[command(flatten)]
    values: ValueArgs,
    /// How long the nodes keep the values, in days (default: the cluster's).
    #[arg(short, long)]
    ttl_days: Option<u32>,
    /// Replace the values stored under this id instead of storing new ones (permission flags
    /// then add to the current permissions; the owner stays).
    #[arg(long, visible_alias = "update-identifier", value_name = "VALUES_ID")]
    update_values_id: Option<ValuesId>,
    /// The program `--authorize-user-execution` users may run with these values.
    #[arg(long, requires = "authorize_user_execution")]
    program_id: Option<String>,
    /// Let this user compute with the values in `--program-id` (repeatable).
    #[arg(long, requires = "program_id", value_name = "USER_ID")]
    authorize_user_execution: Vec<UserId>,
    /// Also let this user retrieve the values (repeatable).
    #[arg(long, value_name = "USER_ID")]
    allow_retrieve: Vec<UserId>,
    /// Also let this user update the values (repeatable).
    #[arg(long, value_name = "USER_ID")]
    allow_update: Vec<UserId>,
    /// Also let this user delete the values (repeatable).
    #[arg(long, value_name = "USER_ID")]
    allow_delete: Vec<UserId>,
}

impl StoreValuesArgs {
    fn has_permission_flags(&self) -> bool {
        self.program_id.is_some()
            || !self.allow_retrieve.is_empty()
            || !self.allow_update.is_empty()
            || !self.allow_delete.is_empty()
    }

    /// The defaults for `user` plus what the flags grant.
    fn permissions(&self, user: UserId) -> Permissions {
        self.grant(Permissions::defaults_for_user(user))
    }

    /// `permissions` plus what the flags grant (the owner stays).
    fn grant(&self, mut permissions: Permissions) -> Permissions {
        if let Some(program_id) = &self.program_id {
            for user in &self.authorize_user_execution {
                permissions = permissions.allow_compute(*user, program_id.clone());
            }
        }
        for user in &self.allow_retrieve {
            permissions = permissions.allow_retrieve(*user);
        }
        for user in &self.allow_update {
            permissions = permissions.allow_update(*user);
        }
        for user in &self.allow_delete {
            permissions = permissions.allow_delete(*user);
        }
        permissions
    }
}

/// Arguments of the commands that take only a values id.
#[derive(Debug, Args)]
pub struct ValuesIdArgs {
    /// The values' id (as `store-values` printed it).
    pub values_id: ValuesId,
}

/// `store-values`: prints `values_id`.
pub async fn store(connection: &ConnectionArgs, args: StoreValuesArgs) -> Result<Json, CliError> {
    let values = args
        .values
        .collect()
        .map_err(|e| CliError::new(Failure::Input, e.0))?;
    if values.is_empty() {
        return Err(CliError::new(Failure::Input, "no values to store")
            .hint("give values with flags such as `--secret-integer NAME=42`"));
    }
    let client = connection.connect(false).await?;
    let values_id = match args.update_values_id {
        None => {
            let permissions = args.permissions(client.user_id());
            client
                .store_values(values, args.ttl_days, Some(permissions))
                .await
        }
        Some(id) => {
            // Permissions are kept on update unless flags say otherwise. The nodes replace
            // the whole record with what an update carries, owner included
            // (docs/node-checks.md §2), so the flags add to the current permissions.
            let permissions = match args.has_permission_flags() {
                false => None,
                true => Some(
                    args.grant(
                        client
                            .retrieve_permissions(id)
                            .await
                            .map_err(client_error)?,
                    ),
                ),
            };
            client
                .update_values(id, values, args.ttl_days, permissions)
                .await
        }
    }
    .map_err(client_error)?;
    Ok(json!({ "values_id": values_id.to_string() }))
}

/// `retrieve-values`: prints the values by name, each as `{type, value}`.
pub async fn retrieve(connection: &ConnectionArgs, args: ValuesIdArgs) -> Result<Json, CliError> {
    let client = connection.connect(false).await?;
    let values = client
        .retrieve_values(args.values_id)
        .await
        .map_err(|e| not_found_hint(client_error(e), args.values_id))?;
    Ok(map_to_json(&values))
}

/// `delete-values`.
pub async fn delete(connection: &ConnectionArgs, args: ValuesIdArgs) -> Result<Json, CliError> {
    let client = connection.connect(false).await?;
    client
        .delete_values(args.values_id)
        .await
        .map_err(|e| not_found_hint(client_error(e), args.values_id))?;
    Ok(json!({ "values_id": args.values_id.to_string(), "deleted": true }))
}

/// Adds what "not found" may mean for stored values.
pub fn not_found_hint(error: CliError, values_id: ValuesId) -> CliError {
    if error.failure == Failure::NotFound {
        error.hint(format!(
            "values {values_id} do not exist on this network: deleted, expired, or never stored"
        ))
    } else {
        error
    }
}
