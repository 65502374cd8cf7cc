//! `balance [show]` and `balance add-funds AMOUNT`.

use clap::{Args, Subcommand};
use nilvm_core::identity::UserId;
use nilvm_core::time::Timestamp;
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
        "last_updated_at": rfc3339(balance.last_updated),
        "expires_at": rfc3339(balance.expires_at),
    }))
}

/// `YYYY-MM-DDTHH:MM:SSZ` (UTC), without a date library.
fn rfc3339(time: Timestamp) -> String {
    let seconds = time.seconds();
    let days = seconds.div_euclid(86_400);
    let of_day = seconds.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        of_day / 3600,
        of_day % 3600 / 60,
        of_day % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_print_as_rfc3339() {
        assert_eq!(
            rfc3339(Timestamp::from_unix_seconds(0)),
            "1970-01-01T00:00:00Z"
        );
        assert_eq!(
            rfc3339(Timestamp::from_unix_seconds(1_700_000_000)),
            "2023-11-14T22:13:20Z"
        );
        assert_eq!(
            rfc3339(Timestamp::from_unix_seconds(951_782_400)),
            "2000-02-29T00:00:00Z"
        );
    }
}
