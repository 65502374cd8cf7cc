//! `identities add|list|show|remove`, in the official CLI's files (`identities/NAME.yaml`).

use clap::{Args, Subcommand};
use nilvm_core::identity::{UserKey, sha256};
use serde_json::{Value as Json, json};

use crate::config::{IdentityFile, config_dir, list_names};
use crate::error::{CliError, Failure};

/// What `identities` does.
#[derive(Debug, Subcommand)]
pub enum IdentitiesCommand {
    /// Create a secp256k1 identity (random, from a seed, or an existing key).
    Add(AddArgs),
    /// List the identities.
    List,
    /// Show an identity's user id and public key.
    Show(NameArgs),
    /// Remove an identity (its key is gone for good).
    Remove(NameArgs),
}

/// Arguments of `identities add`.
#[derive(Debug, Args)]
pub struct AddArgs {
    /// The identity's name.
    name: String,
    /// Derive the key from this seed (SHA-256 of it, as the official CLI does).
    #[arg(short, long, conflicts_with = "private_key_hex")]
    seed: Option<String>,
    /// Import this private key (hex) instead of generating one.
    #[arg(
        long,
        env = "NILVM_IMPORT_KEY_HEX",
        hide_env_values = true,
        value_name = "HEX"
    )]
    private_key_hex: Option<String>,
    /// Replace an existing identity of that name.
    #[arg(long)]
    force: bool,
}

/// An identity's name.
#[derive(Debug, Args)]
pub struct NameArgs {
    /// The identity's name.
    name: String,
}

fn describe(name: &str, key: &UserKey) -> Json {
    json!({
        "identity": name,
        "user_id": key.user_id().to_string(),
        "public_key": hex::encode(key.public_key().to_bytes()),
        "kind": "secp256k1",
    })
}

/// Runs `identities`.
pub fn run(command: IdentitiesCommand) -> Result<Json, CliError> {
    match command {
        IdentitiesCommand::Add(args) => add(args),
        IdentitiesCommand::List => Ok(json!({
            "identities": list_names(&config_dir()?.join("identities"))?,
        })),
        IdentitiesCommand::Show(args) => {
            let key = IdentityFile::load_key(&args.name)?;
            Ok(describe(&args.name, &key))
        }
        IdentitiesCommand::Remove(args) => {
            let path = IdentityFile::path(&args.name)?;
            crate::config::remove_file("identity", "identities", &args.name, &path)?;
            Ok(json!({ "identity": args.name, "removed": true }))
        }
    }
}

fn add(args: AddArgs) -> Result<Json, CliError> {
    let path = IdentityFile::path(&args.name)?;
    if path.exists() && !args.force {
        return Err(CliError::new(
            Failure::Input,
            format!(
                "identity '{}' already exists ({})",
                args.name,
                path.display()
            ),
        )
        .hint("pass --force to replace it (its key is lost), or choose another name"));
    }
    let key = match (&args.seed, &args.private_key_hex) {
        (Some(seed), _) => UserKey::from_bytes(&sha256(seed.as_bytes())).map_err(|e| {
            CliError::new(Failure::Input, format!("this seed gives no valid key: {e}"))
                .hint("choose another seed")
        })?,
        (None, Some(hex_key)) => UserKey::from_hex(hex_key.trim()).map_err(|e| {
            CliError::new(Failure::Input, format!("--private-key-hex: {e}"))
                .hint("give the 32-byte secp256k1 private key as 64 hex characters")
        })?,
        (None, None) => UserKey::generate(&mut rand::rng()),
    };
    let path = IdentityFile::write(&args.name, &key)?;
    let mut output = describe(&args.name, &key);
    output["path"] = json!(path.display().to_string());
    Ok(output)
}
