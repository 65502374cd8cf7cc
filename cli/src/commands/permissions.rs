//! `retrieve-permissions`, `overwrite-permissions`, `update-permissions`.
//!
//! Permission files are YAML or JSON, as the official CLI reads them. For
//! `overwrite-permissions`:
//!
//! ```yaml
//! retrieve: [USER_ID, ...]
//! update: [USER_ID, ...]
//! delete: [USER_ID, ...]
//! compute: {USER_ID: [PROGRAM_ID, ...]}
//! ```
//!
//! and for `update-permissions` (`--permissions-path`), each of `retrieve`, `update`, `delete`
//! is `{grant: [...], revoke: [...]}` and `compute` is `{grant: {USER_ID: [PROGRAM_ID]},
//! revoke: {...}}`. Every list may be omitted.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clap::Args;
use nilvm_core::identity::UserId;
use nilvm_core::permissions::{Permissions, PermissionsDelta};
use nilvm_transport_tonic::ValuesId;
use serde::Deserialize;
use serde_json::{Value as Json, json};

use super::values::{ValuesIdArgs, not_found_hint};
use crate::config::{ConnectionArgs, client_error};
use crate::error::{CliError, Failure};

/// Arguments of `overwrite-permissions`.
#[derive(Debug, Args)]
pub struct OverwritePermissionsArgs {
    /// The values whose permissions to replace.
    #[arg(short, long)]
    values_id: ValuesId,
    /// A YAML or JSON file with the new permissions (`retrieve`, `update`, `delete`,
    /// `compute`); the flags below add to it.
    permissions_path: Option<PathBuf>,
    /// Let this user retrieve the values (repeatable).
    #[arg(long, value_name = "USER_ID")]
    allow_retrieve: Vec<UserId>,
    /// Let this user update the values (repeatable).
    #[arg(long, value_name = "USER_ID")]
    allow_update: Vec<UserId>,
    /// Let this user delete the values (repeatable).
    #[arg(long, value_name = "USER_ID")]
    allow_delete: Vec<UserId>,
    /// Let a user compute with the values: `USER_ID=PROGRAM_ID,PROGRAM_ID` (repeatable).
    #[arg(long, value_name = "USER_ID=PROGRAM_IDS", value_parser = parse_compute)]
    allow_compute: Vec<(UserId, Vec<String>)>,
}

/// Arguments of `update-permissions`.
#[derive(Debug, Args)]
pub struct UpdatePermissionsArgs {
    /// The values whose permissions to change.
    #[arg(short, long)]
    values_id: ValuesId,
    /// A YAML or JSON file with a permissions delta; the flags below add to it.
    #[arg(long)]
    permissions_path: Option<PathBuf>,
    /// Users to grant retrieve permission.
    #[arg(long, num_args = 1.., value_name = "USER_ID")]
    grant_retrieve: Vec<UserId>,
    /// Users to revoke retrieve permission from.
    #[arg(long, num_args = 1.., value_name = "USER_ID")]
    revoke_retrieve: Vec<UserId>,
    /// Users to grant update permission.
    #[arg(long, num_args = 1.., value_name = "USER_ID")]
    grant_update: Vec<UserId>,
    /// Users to revoke update permission from.
    #[arg(long, num_args = 1.., value_name = "USER_ID")]
    revoke_update: Vec<UserId>,
    /// Users to grant delete permission.
    #[arg(long, num_args = 1.., value_name = "USER_ID")]
    grant_delete: Vec<UserId>,
    /// Users to revoke delete permission from.
    #[arg(long, num_args = 1.., value_name = "USER_ID")]
    revoke_delete: Vec<UserId>,
    /// Grant compute permission: `USER_ID=PROGRAM_ID,PROGRAM_ID`.
    #[arg(long, num_args = 1.., value_name = "USER_ID=PROGRAM_IDS", value_parser = parse_compute)]
    grant_compute: Vec<(UserId, Vec<String>)>,
    /// Revoke compute permission: `USER_ID=PROGRAM_ID,PROGRAM_ID`.
    #[arg(long, num_args = 1.., value_name = "USER_ID=PROGRAM_IDS", value_parser = parse_compute)]
    revoke_compute: Vec<(UserId, Vec<String>)>,
}

fn parse_compute(text: &str) -> Result<(UserId, Vec<String>), String> {
    let (user, programs) = text
        .split_once('=')
        .ok_or_else(|| format!("{text:?}: expected USER_ID=PROGRAM_ID,PROGRAM_ID"))?;
    let user = user
        .parse()
        .map_err(|e| format!("{user:?} is not a user id: {e}"))?;
    let programs: Vec<String> = programs
        .split(',')
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect();
    if programs.is_empty() {
        return Err(format!("{text:?}: no program id"));
    }
    Ok((user, programs))
}

/// A user id in a permissions file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct FileUserId(UserId);

impl<'de> Deserialize<'de> for FileUserId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse()
            .map(FileUserId)
            .map_err(|e| serde::de::Error::custom(format!("{text:?} is not a user id: {e}")))
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PermissionsFile {
    #[serde(default)]
    retrieve: Vec<FileUserId>,
    #[serde(default)]
    update: Vec<FileUserId>,
    #[serde(default)]
    delete: Vec<FileUserId>,
    #[serde(default)]
    compute: BTreeMap<FileUserId, Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CommandFile {
    #[serde(default)]
    grant: Vec<FileUserId>,
    #[serde(default)]
    revoke: Vec<FileUserId>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ComputeCommandFile {
    #[serde(default)]
    grant: BTreeMap<FileUserId, Vec<String>>,
    #[serde(default)]
    revoke: BTreeMap<FileUserId, Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct DeltaFile {
    #[serde(default)]
    retrieve: CommandFile,
    #[serde(default)]
    update: CommandFile,
    #[serde(default)]
    delete: CommandFile,
    #[serde(default)]
    compute: ComputeCommandFile,
}

/// Reads a YAML (or JSON, a subset of YAML) file.
fn read_file<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<T, CliError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        CliError::new(
            Failure::Input,
            format!("cannot read {}: {e}", path.display()),
        )
    })?;
    serde_yaml::from_str(&text).map_err(|e| {
        CliError::new(
            Failure::Input,
            format!("malformed permissions file {}: {e}", path.display()),
        )
    })
}

/// Permissions as JSON: owner, user lists and compute programs per user.
pub fn permissions_to_json(permissions: &Permissions) -> Json {
    let users = |set: &std::collections::BTreeSet<UserId>| -> Json {
        set.iter().map(|u| json!(u.to_string())).collect()
    };
    json!({
        "owner": permissions.owner.to_string(),
        "retrieve": users(&permissions.retrieve),
        "update": users(&permissions.update),
        "delete": users(&permissions.delete),
        "compute": permissions
            .compute
            .iter()
            .map(|(user, programs)| (user.to_string(), json!(programs)))
            .collect::<serde_json::Map<_, _>>(),
    })
}

/// Applies `step` to `acc` for each user of a permissions file's list, then of the flags'.
fn with_users<T>(
    acc: T,
    file: &[FileUserId],
    flags: Vec<UserId>,
    step: impl FnMut(T, UserId) -> T,
) -> T {
    file.iter().map(|u| u.0).chain(flags).fold(acc, step)
}

/// Applies `step` to `acc` for each (user, program id) pair of a permissions file's compute
/// map, then of the flags'.
fn with_compute<T>(
    acc: T,
    file: BTreeMap<FileUserId, Vec<String>>,
    flags: Vec<(UserId, Vec<String>)>,
    mut step: impl FnMut(T, UserId, String) -> T,
) -> T {
    file.into_iter()
        .map(|(u, programs)| (u.0, programs))
        .chain(flags)
        .flat_map(|(user, programs)| programs.into_iter().map(move |p| (user, p)))
        .fold(acc, |acc, (user, program)| step(acc, user, program))
}

/// `retrieve-permissions`.
pub async fn retrieve(connection: &ConnectionArgs, args: ValuesIdArgs) -> Result<Json, CliError> {
    let client = connection.connect(false).await?;
    let permissions = client
        .retrieve_permissions(args.values_id)
        .await
        .map_err(|e| not_found_hint(client_error(e), args.values_id))?;
    Ok(permissions_to_json(&permissions))
}

/// `overwrite-permissions`: the caller stays the owner; prints the new permissions.
pub async fn overwrite(
    connection: &ConnectionArgs,
    args: OverwritePermissionsArgs,
) -> Result<Json, CliError> {
    let file: PermissionsFile = match &args.permissions_path {
        Some(path) => read_file(path)?,
        None => PermissionsFile::default(),
    };
    if args.permissions_path.is_none()
        && args.allow_retrieve.is_empty()
        && args.allow_update.is_empty()
        && args.allow_delete.is_empty()
        && args.allow_compute.is_empty()
    {
        return Err(CliError::new(Failure::Input, "no permissions given").hint(
            "give a permissions file or --allow-retrieve/--allow-update/--allow-delete/\
             --allow-compute (overwriting with nothing would lock everyone out)",
        ));
    }
    let client = connection.connect(false).await?;
    type Step = fn(Permissions, UserId) -> Permissions;
    let users: [(&[FileUserId], Vec<UserId>, Step); 3] = [
        (
            &file.retrieve,
            args.allow_retrieve,
            Permissions::allow_retrieve,
        ),
        (&file.update, args.allow_update, Permissions::allow_update),
        (&file.delete, args.allow_delete, Permissions::allow_delete),
    ];
    let permissions = users.into_iter().fold(
        Permissions::new(client.user_id()),
        |p, (file, flags, step)| with_users(p, file, flags, step),
    );
    let permissions = with_compute(permissions, file.compute, args.allow_compute, |p, u, id| {
        p.allow_compute(u, id)
    });
    client
        .overwrite_permissions(args.values_id, &permissions)
        .await
        .map_err(|e| not_found_hint(client_error(e), args.values_id))?;
    Ok(json!({
        "values_id": args.values_id.to_string(),
        "permissions": permissions_to_json(&permissions),
    }))
}

/// `update-permissions`.
pub async fn update(
    connection: &ConnectionArgs,
    args: UpdatePermissionsArgs,
) -> Result<Json, CliError> {
    let file: DeltaFile = match &args.permissions_path {
        Some(path) => read_file(path)?,
        None => DeltaFile::default(),
    };
    type Step = fn(PermissionsDelta, UserId) -> PermissionsDelta;
    let users: [(&[FileUserId], Vec<UserId>, Step); 6] = [
        (
            &file.retrieve.grant,
            args.grant_retrieve,
            PermissionsDelta::grant_retrieve,
        ),
        (
            &file.retrieve.revoke,
            args.revoke_retrieve,
            PermissionsDelta::revoke_retrieve,
        ),
        (
            &file.update.grant,
            args.grant_update,
            PermissionsDelta::grant_update,
        ),
        (
            &file.update.revoke,
            args.revoke_update,
            PermissionsDelta::revoke_update,
        ),
        (
            &file.delete.grant,
            args.grant_delete,
            PermissionsDelta::grant_delete,
        ),
        (
            &file.delete.revoke,
            args.revoke_delete,
            PermissionsDelta::revoke_delete,
        ),
    ];
    let mut delta = users
        .into_iter()
        .fold(PermissionsDelta::new(), |d, (file, flags, step)| {
            with_users(d, file, flags, step)
        });
    let compute = file.compute;
    delta = with_compute(delta, compute.grant, args.grant_compute, |d, u, id| {
        d.grant_compute(u, id)
    });
    delta = with_compute(delta, compute.revoke, args.revoke_compute, |d, u, id| {
        d.revoke_compute(u, id)
    });
    if delta.is_empty() {
        return Err(
            CliError::new(Failure::Input, "no permissions to update").hint(
                "give --grant-retrieve USER_ID, --revoke-delete USER_ID, ... or --permissions-path",
            ),
        );
    }
    let client = connection.connect(false).await?;
    client
        .update_permissions(args.values_id, delta)
        .await
        .map_err(|e| not_found_hint(client_error(e), args.values_id))?;
    Ok(json!({ "values_id": args.values_id.to_string(), "updated": true }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permission_files_parse_in_the_official_shape() {
        let user = "3113a1170de795e4b725b84d1e0b4cfd9ec58ce9";
        let file: PermissionsFile = serde_yaml::from_str(&format!(
            "retrieve: [{user}]\ncompute:\n  {user}: [a/b/sha256/c]\n"
        ))
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(file.retrieve.len(), 1);
        assert_eq!(file.compute.len(), 1);
        let delta: DeltaFile = serde_yaml::from_str(&format!(
            "{{\"retrieve\": {{\"grant\": [\"{user}\"]}}, \"compute\": {{\"revoke\": {{\"{user}\": [\"p\"]}}}}}}"
        ))
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(delta.retrieve.grant.len(), 1);
        assert_eq!(delta.compute.revoke.len(), 1);
        assert!(serde_yaml::from_str::<PermissionsFile>("retrieve: [nothex]").is_err());
        assert!(serde_yaml::from_str::<PermissionsFile>("owner: x").is_err());
    }

    #[test]
    fn compute_flags_parse() {
        let (user, programs) =
            parse_compute("3113a1170de795e4b725b84d1e0b4cfd9ec58ce9=a/b/sha256/c,builtin/x")
                .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(user.to_string(), "3113a1170de795e4b725b84d1e0b4cfd9ec58ce9");
        assert_eq!(programs, ["a/b/sha256/c", "builtin/x"]);
        assert!(parse_compute("nope").is_err());
        assert!(parse_compute("3113a1170de795e4b725b84d1e0b4cfd9ec58ce9=").is_err());
    }
}
