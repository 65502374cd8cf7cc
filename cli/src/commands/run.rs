//! `nilvm run PROGRAM.nada.bin --secret-integer a=1 ...`: evaluate a compiled Nada program
//! locally with the Nada runtime, no network.

use std::path::PathBuf;

use clap::Args;
use nilvm_core::field::Prime;
use nilvm_nada::{EvalConfig, EvalError, Program, evaluate};
use rand::SeedableRng;
use serde_json::{Value as Json, json};

use super::test_file::{TestFile, TestFileError};
use crate::error::{CliError, Failure};
use crate::values::{ValueArgs, map_to_json};

/// Arguments of `nilvm run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The compiled program (`.nada.bin`, from `python -m nada_dsl.compile` or `nada build`).
    program: PathBuf,
    /// The prime of the field to compute in, in bits: 64, 128 or 256 (the devnet's).
    #[arg(long, default_value = "256", value_parser = parse_prime)]
    prime: Prime,
    /// Seed for the program's randomness (random values, `trunc_pr`, signatures); fresh
    /// randomness when absent.
    #[arg(long)]
    seed: Option<u64>,
    /// The program's inputs from a YAML file in the `nada test` format (`inputs:`, untyped
    /// values, types from the program); combines with the value flags.
    #[arg(long = "inputs", value_name = "FILE.yaml")]
    inputs_file: Option<PathBuf>,
    /// The program's inputs.
    #[command(flatten)]
    inputs: ValueArgs,
}

/// Parses `--prime` (64, 128 or 256).
pub fn parse_prime(bits: &str) -> Result<Prime, String> {
    Prime::ALL
        .into_iter()
        .find(|prime| prime.bits().to_string() == bits)
        .ok_or_else(|| format!("{bits:?} is not a prime size: use 64, 128 or 256"))
}

/// Runs the program; returns the outputs by party, as JSON.
pub fn run(args: &RunArgs) -> Result<Json, CliError> {
    let path = args.program.display();
    let bytes = std::fs::read(&args.program)
        .map_err(|e| CliError::new(Failure::Input, format!("cannot read {path}: {e}")))?;
    let program = Program::decode(&bytes).map_err(|e| {
        CliError::new(
            Failure::Input,
            format!("{path} is not a valid Nada program: {e}"),
        )
        .hint("compile it with `python -m nada_dsl.compile` (nada-dsl 0.8) or `nada build`")
    })?;
    let mut inputs = args
        .inputs
        .collect()
        .map_err(|e| CliError::new(Failure::Input, e.0))?;
    if let Some(file) = &args.inputs_file {
        merge_file_inputs(&program, args.prime, file, &mut inputs)?;
    }
    let config = EvalConfig::new(args.prime);
    let outputs = match args.seed {
        Some(seed) => evaluate(
            &program,
            &inputs,
            &config,
            &mut rand::rngs::StdRng::seed_from_u64(seed),
        ),
        None => evaluate(&program, &inputs, &config, &mut rand::rng()),
    }
    .map_err(|e| {
        let party = |index: usize| {
            program
                .parties()
                .get(index)
                .map_or("?", |p| p.name.as_str())
        };
        let expected: Vec<String> = program
            .inputs()
            .iter()
            .map(|input| {
                format!(
                    "{} ({}, party {})",
                    input.name,
                    input.ty,
                    party(input.party)
                )
            })
            .collect();
        // Inputs that do not fit the program are the caller's to fix; the rest is the run.
        let failure = match e {
            EvalError::MissingInput { .. }
            | EvalError::UnexpectedInput { .. }
            | EvalError::WrongParty { .. }
            | EvalError::InputType { .. }
            | EvalError::InvalidInput { .. } => Failure::Input,
            _ => Failure::Operation,
        };
        CliError::new(failure, format!("{path}: {e}"))
            .hint(format!("the program's inputs are: {}", expected.join(", ")))
    })?;
    let by_party = outputs.by_party();
    Ok(json!({
        "outputs": Json::Object(by_party.iter().map(|(party, values)| (party.clone(), map_to_json(values))).collect()),
    }))
}

/// Adds the inputs of a YAML file; with value flags too, the file gives the rest (an input
/// given both ways is an error).
fn merge_file_inputs(
    program: &Program,
    prime: Prime,
    file: &std::path::Path,
    inputs: &mut std::collections::BTreeMap<String, nilvm_core::values::ClearValue>,
) -> Result<(), CliError> {
    let shown = file.display();
    let error = |e: TestFileError| CliError::new(Failure::Input, format!("{shown}: {e}"));
    let test_file = TestFile::read(file).map_err(error)?;
    let from_file = if inputs.is_empty() {
        test_file.inputs(program, prime).map_err(error)?
    } else {
        test_file
            .inputs_except(program, prime, inputs)
            .map_err(error)?
    };
    inputs.extend(from_file);
    Ok(())
}
