//! `store-program PATH NAME` and `compute PROGRAM_ID ...`.

use std::path::PathBuf;

use clap::Args;
use nilvm_core::identity::UserId;
use nilvm_transport_tonic::{ComputeId, ComputeInput, ProgramId, ValuesId};
use serde_json::{Value as Json, json};

use crate::config::{ConnectionArgs, client_error};
use crate::error::{CliError, Failure};
use crate::progress::spin;
use crate::values::{ValueArgs, map_to_json};

/// Arguments of `store-program` (the official CLI's order: path, then name).
#[derive(Debug, Args)]
pub struct StoreProgramArgs {
    /// The compiled program (`.nada.bin`, from `nilvm build`, `nada build` or `python -m
    /// nada_dsl.compile`; raw compiler output is lowered to the nodes' form first).
    program_path: PathBuf,
    /// The name to store it under (part of its id: `USER_ID/NAME/sha256/HASH`).
    program_name: String,
}

/// `store-program`: prints `program_id`.
pub async fn store(connection: &ConnectionArgs, args: StoreProgramArgs) -> Result<Json, CliError> {
    let path = &args.program_path;
    let bytes = std::fs::read(path).map_err(|e| {
        let error = CliError::new(
            Failure::Input,
            format!("cannot read program {}: {e}", path.display()),
        );
        if std::path::Path::new(&args.program_name).is_file() {
            error.hint("the arguments are PATH then NAME, as in the official CLI")
        } else {
            error
        }
    })?;
    let bytes = lower_for_nodes(path, bytes)?;
    let client = connection.connect(false).await?;
    let program_id = client
        .store_program(&args.program_name, bytes)
        .await
        .map_err(|e| {
            let error = client_error(e);
            if error.failure == Failure::Input {
                error
                    .hint("programs are compiled Nada (`.nada.bin`): build them with `nilvm build`")
            } else {
                error
            }
        })?;
    Ok(json!({ "program_id": program_id.to_string() }))
}

/// Raw compiler output is lowered here (saying so on stderr), so that the program stored is
/// the one written on the user's disk after `nilvm build --mir`.
fn lower_for_nodes(path: &std::path::Path, bytes: Vec<u8>) -> Result<Vec<u8>, CliError> {
    let lowered = nilvm_nada::lower_bytes(&bytes).map_err(|e| {
        CliError::new(Failure::Input, format!("{}: {e}", path.display()))
            .hint("programs are compiled Nada (`.nada.bin`): build them with `nilvm build`")
    })?;
    if !lowered.changed() {
        return Ok(bytes);
    }
    let names: Vec<&str> = lowered.rewritten.iter().map(|(_, name)| *name).collect();
    eprintln!(
        "note: {} is raw compiler output; lowered {} operation(s) ({}) to the form the nodes accept",
        path.display(),
        names.len(),
        names.join(", ")
    );
    Ok(lowered.bytes.into_owned())
}

/// Arguments of `compute`.
#[derive(Debug, Args)]
pub struct ComputeArgs {
    /// The program to run (`USER_ID/NAME/sha256/HASH` as `store-program` printed it, or a
    /// builtin such as `builtin/tecdsa_sign`).
    program_id: ProgramId,
    /// Stored values the program reads (repeatable).
    #[arg(long = "value-id", value_name = "VALUES_ID")]
    value_ids: Vec<ValuesId>,
    /// Which user provides an input party's values: `PARTY=USER_ID`, or `PARTY` alone for
    /// yourself (repeatable).
    #[arg(long = "input-binding", value_name = "PARTY=USER_ID", value_parser = parse_binding)]
    input_bindings: Vec<(String, Option<UserId>)>,
    /// Which users receive an output party's outputs: `PARTY=USER_ID,USER_ID`, or `PARTY`
    /// alone for yourself (repeatable; repeating a party adds users).
    #[arg(long = "output-binding", value_name = "PARTY=USER_IDS", value_parser = parse_output_binding)]
    output_bindings: Vec<(String, Vec<UserId>)>,
    /// Do not wait for the outputs even when you receive some; print the compute id only.
    #[arg(long)]
    no_wait: bool,
    /// Compute-time values.
    #[command(flatten)]
    values: ValueArgs,
}

fn parse_binding(text: &str) -> Result<(String, Option<UserId>), String> {
    match text.split_once('=') {
        None if !text.is_empty() => Ok((text.to_owned(), None)),
        Some((party, user)) if !party.is_empty() => {
            let user = user
                .parse()
                .map_err(|e| format!("{user:?} is not a user id: {e}"))?;
            Ok((party.to_owned(), Some(user)))
        }
        _ => Err(format!("{text:?}: expected PARTY=USER_ID")),
    }
}

fn parse_output_binding(text: &str) -> Result<(String, Vec<UserId>), String> {
    match text.split_once('=') {
        None if !text.is_empty() => Ok((text.to_owned(), Vec::new())),
        Some((party, users)) if !party.is_empty() => {
            let users = users
                .split(',')
                .map(|user| {
                    user.parse()
                        .map_err(|e| format!("{user:?} is not a user id: {e}"))
                })
                .collect::<Result<Vec<UserId>, _>>()?;
            Ok((party.to_owned(), users))
        }
        _ => Err(format!("{text:?}: expected PARTY=USER_ID,USER_ID")),
    }
}

/// `compute`: prints `compute_id` and, when the caller is bound to an output party,
/// `outputs`.
pub async fn compute(connection: &ConnectionArgs, args: ComputeArgs) -> Result<Json, CliError> {
    let values = args
        .values
        .collect()
        .map_err(|e| CliError::new(Failure::Input, e.0))?;
    let client = connection.connect(false).await?;
    let me = client.user_id();
    let input_bindings = args
        .input_bindings
        .into_iter()
        .map(|(party, user)| (party, user.unwrap_or(me)))
        .collect();
    // Repeated parties add users, in order.
    let mut output_bindings: Vec<(String, Vec<UserId>)> = Vec::new();
    for (party, users) in args.output_bindings {
        let users = if users.is_empty() { vec![me] } else { users };
        match output_bindings.iter_mut().find(|(p, _)| *p == party) {
            Some((_, existing)) => existing.extend(users),
            None => output_bindings.push((party, users)),
        }
    }
    let receives_outputs = output_bindings.iter().any(|(_, users)| users.contains(&me));
    let input = ComputeInput {
        program_id: args.program_id,
        value_ids: args.value_ids,
        input_bindings,
        output_bindings,
        values,
    };
    let compute_id = client
        .compute(input)
        .await
        .map_err(|e| program_hint(client_error(e)))?;
    if !receives_outputs || args.no_wait {
        return Ok(json!({ "compute_id": compute_id.to_string() }));
    }
    let outputs = spin(
        &format!("waiting for computation {compute_id}"),
        client.retrieve_compute_results(compute_id),
    )
    .await
    .map_err(client_error)?;
    Ok(json!({
        "compute_id": compute_id.to_string(),
        "outputs": map_to_json(&outputs),
    }))
}

/// Arguments of `retrieve-compute-results`.
#[derive(Debug, Args)]
pub struct RetrieveResultsArgs {
    /// The computation (the `compute_id` that `compute` printed).
    compute_id: ComputeId,
}

/// `retrieve-compute-results`: waits for a computation's outputs for this user (bound to an
/// output party by whoever invoked it); prints `compute_id` and `outputs` like `compute`.
pub async fn retrieve_results(
    connection: &ConnectionArgs,
    args: RetrieveResultsArgs,
) -> Result<Json, CliError> {
    let client = connection.connect(false).await?;
    let compute_id = args.compute_id;
    let outputs = spin(
        &format!("waiting for computation {compute_id}"),
        client.retrieve_compute_results(compute_id),
    )
    .await
    .map_err(|e| {
        let error = client_error(e);
        if error.failure == Failure::NotFound {
            error.hint(
                "no such computation for this user here: it may have expired, or you are not \
                 bound to one of its output parties",
            )
        } else {
            error
        }
    })?;
    Ok(json!({
        "compute_id": compute_id.to_string(),
        "outputs": map_to_json(&outputs),
    }))
}

fn program_hint(error: CliError) -> CliError {
    match error.failure {
        Failure::NotFound => error.hint(
            "the program or a value id does not exist here: store the program with \
             `nilvm store-program` and use the id it prints",
        ),
        Failure::PermissionDenied => error.hint(
            "the values' owner must let you compute with them in this program: \
             `nilvm update-permissions --grant-compute USER_ID=PROGRAM_ID`",
        ),
        _ => error,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const USER: &str = "3113a1170de795e4b725b84d1e0b4cfd9ec58ce9";

    #[test]
    fn bindings_parse() {
        let (party, user) =
            parse_binding(&format!("Alice={USER}")).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(party, "Alice");
        assert_eq!(user.map(|u| u.to_string()).as_deref(), Some(USER));
        assert_eq!(parse_binding("Alice"), Ok(("Alice".into(), None)));
        assert!(parse_binding("=x").is_err());
        assert!(parse_binding("Alice=nothex").is_err());
        let (_, users) =
            parse_output_binding(&format!("Out={USER},{USER}")).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(users.len(), 2);
        assert_eq!(parse_output_binding("Out"), Ok(("Out".into(), Vec::new())));
    }
}
