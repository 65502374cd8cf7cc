//! `nilvm test [--programs DIR] TEST.yaml...`: runs test files in the official `nada test`
//! format (see [`super::test_file`]) against built programs, locally.
//!
//! One line per test (`PASS name` or `FAIL name: output O: expected X, got Y`, or `ERROR` for a
//! file that cannot be used), then `N passed, N failed`. Exit code 0 only when every test
//! passed; 1 when one failed; 3 when a file or program could not be used.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use nilvm_core::field::Prime;
use nilvm_nada::{EvalConfig, Program, evaluate};
use rand::SeedableRng;

use super::run::parse_prime;
use super::test_file::{TestFile, show};
use crate::error::{CliError, Failure};

/// Arguments of `nilvm test`.
#[derive(Debug, Args)]
pub struct TestArgs {
    /// Test files (`program:`, `inputs:`, `expected_outputs:`).
    #[arg(required = true)]
    tests: Vec<PathBuf>,
    /// Where the built programs are (`DIR/NAME.nada.bin`, as `nilvm build` writes them).
    #[arg(long, default_value = "target", value_name = "DIR")]
    programs: PathBuf,
    /// The prime of the field to compute in, in bits: 64, 128 or 256.
    #[arg(long, default_value = "256", value_parser = parse_prime)]
    prime: Prime,
    /// Seed for the programs' randomness.
    #[arg(long, default_value_t = 0)]
    seed: u64,
}

/// What one test gave.
enum Verdict {
    Pass,
    Fail(String),
    Error(CliError),
}

/// Runs every test file; prints the report; the exit code says how it went.
pub fn main(args: &TestArgs) -> ExitCode {
    let (mut passed, mut failed, mut unusable) = (0, 0, 0);
    for path in &args.tests {
        let label = path.display();
        match run_one(args, path) {
            Verdict::Pass => {
                passed += 1;
                println!("PASS {label}");
            }
            Verdict::Fail(reason) => {
                failed += 1;
                println!("FAIL {label}: {reason}");
            }
            Verdict::Error(error) => {
                failed += 1;
                unusable += 1;
                println!("ERROR {label}: {}", error.message);
                if let Some(hint) = error.hint {
                    println!("  hint: {hint}");
                }
            }
        }
    }
    println!("{passed} passed, {failed} failed");
    if unusable > 0 {
        ExitCode::from(Failure::Input as u8)
    } else if failed > 0 {
        ExitCode::from(Failure::Operation as u8)
    } else {
        ExitCode::SUCCESS
    }
}

fn run_one(args: &TestArgs, path: &Path) -> Verdict {
    let file = match TestFile::read(path) {
        Ok(file) => file,
        Err(e) => return Verdict::Error(CliError::new(Failure::Input, e.to_string())),
    };
    let Some(name) = file.program.clone() else {
        return Verdict::Error(CliError::new(Failure::Input, "'program' is missing"));
    };
    let program = match load_program(&args.programs, &name) {
        Ok(program) => program,
        Err(e) => return Verdict::Error(e),
    };
    let case = match file.typed(&program, args.prime) {
        Ok(case) => case,
        Err(e) => return Verdict::Error(CliError::new(Failure::Input, e.to_string())),
    };
    let config = EvalConfig::new(args.prime);
    let mut rng = rand::rngs::StdRng::seed_from_u64(args.seed);
    let outputs = match evaluate(&program, &case.inputs, &config, &mut rng) {
        Ok(outputs) => outputs,
        Err(e) => return Verdict::Fail(format!("the program failed: {e}")),
    };
    for (output, expected) in &case.expected {
        match outputs.get(output) {
            Some(got) if got == expected => {}
            Some(got) => {
                return Verdict::Fail(format!(
                    "output {output}: expected {}, got {}",
                    show(expected),
                    show(got)
                ));
            }
            None => return Verdict::Fail(format!("output {output}: not produced")),
        }
    }
    Verdict::Pass
}

/// `DIR/NAME.nada.bin`, decoded.
pub fn load_program(dir: &Path, name: &str) -> Result<Program, CliError> {
    let path = dir.join(format!("{name}.nada.bin"));
    let bytes = std::fs::read(&path).map_err(|e| {
        CliError::new(
            Failure::Input,
            format!("program '{name}': cannot read {}: {e}", path.display()),
        )
        .hint(format!(
            "build it with `nilvm build SRC/{name}.py -o {}`, or pass --programs DIR",
            dir.display()
        ))
    })?;
    Program::decode(&bytes).map_err(|e| {
        CliError::new(
            Failure::Input,
            format!("{} is not a valid Nada program: {e}", path.display()),
        )
    })
}
