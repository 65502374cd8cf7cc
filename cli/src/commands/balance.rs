//! `balance [show]` and `balance add-funds AMOUNT`.

use clap::{Args, Subcommand};
use nilvm_core::identity::UserId;
use serde_json::{Value as Json, json};

use crate::config::{ConnectionArgs, client_error};
use crate::error::CliError;

/// Arguments of `balance`: without a subcommand, shows the balance.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct BalanceArgs {
    #[command(subcommand)]
    command: Option<BalanceCommand>,
}

/// What `balance` does.
#[derive(Debug, Subcommand)]
pub enum BalanceCommand {
    /// Show your balance with the leader, in credits.
    Show,
    /// Pay AMOUNT unil on nilchain (with the network file's key) and credit it to a balance.
    AddFunds(AddFundsArgs),
}

/// Arguments of `balance add-funds`.
#[derive(Debug, Args)]
pub struct AddFundsArgs {
    /// The amount, in unil.
    amount: u64,
    /// Whose balance to credit (default: yours).
    #[arg(long, value_name = "USER_ID")]
    recipient: Option<UserId>,
}

/// Runs `balance`.
pub async fn run(connection: &ConnectionArgs, args: BalanceArgs) -> Result<Json, CliError> {
    let client = connection.connect(false).await?;
    if let Some(BalanceCommand::AddFunds(add)) = &args.command {
        client
            .add_funds(add.amount, add.recipient)
            .await
            .map_err(client_error)?;
        if add.recipient.is_some_and(|r| r != client.user_id()) {
            return Ok(json!({
                "recipient": add.recipient.map(|r| r.to_string()),
                "added_unil": add.amount,
            }));
        }
    }
    let balance = client.balance().await.map_err(client_error)?;
    Ok(json!({
        "balance": balance.balance,
        "last_updated_at": balance.last_updated.rfc3339().to_string(),
        "expires_at": balance.expires_at.rfc3339().to_string(),
    }))
}
