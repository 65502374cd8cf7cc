//! The `nilvm` command: a local devnet, Nada programs run locally, and the SDK operations.
//!
//! Exit codes, for scripts:
//!
//! | code | meaning |
//! |---|---|
//! | 0 | success |
//! | 1 | the operation failed (a node refused, a computation or a payment failed) |
//! | 2 | bad command line (unknown flag, missing argument) |
//! | 3 | bad input: values, files, identity or network configuration (e.g. no devnet config) |
//! | 4 | the network is unreachable (bootnode, node or chain down) |
//! | 5 | not found: the values, program or computation do not exist (or expired) |
//! | 6 | permission denied: the user may not do this with those values |
//!
//! Errors go to stderr as one `error: ...` line, often followed by a `hint: ...` line; results
//! go to stdout as YAML or JSON (`--output-format`).

mod commands;
mod config;
mod error;
mod output;
mod progress;
mod values;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::output::OutputFormat;

/// The nilVM SDK command line.
#[derive(Debug, Parser)]
#[command(name = "nilvm", version, about)]
struct Cli {
    /// How to print results.
    #[arg(long, global = true, value_enum, default_value_t)]
    output_format: OutputFormat,
    #[command(flatten)]
    connection: config::ConnectionArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// The main job: start an embedded devnet and run a full store / compute / retrieve
    /// scenario with two users, printing each step with its time.
    Demo,
    /// Run a local devnet (a drop-in for `nillion-devnet`): emulated nodes and a nilchain stub
    /// over gRPC. A test double: compute is simulated in the clear.
    Devnet(commands::devnet::DevnetArgs),
    /// Evaluate a compiled Nada program locally (no network).
    Run(Box<commands::run::RunArgs>),
    /// Compile Nada sources (`python -m nada_dsl.compile`) and lower them to the form the
    /// nodes accept, like `nada build`; or lower an already compiled program (`--mir`).
    Build(commands::build::BuildArgs),
    /// Run `nada test` YAML test files against built programs, locally.
    Test(commands::nada_test::TestArgs),
    #[command(flatten)]
    Sdk(commands::SdkCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Demo => return commands::demo::main(),
        Command::Devnet(args) => return commands::devnet::main(args),
        Command::Run(args) => commands::run::run(&args),
        Command::Build(args) => commands::build::run(&args),
        Command::Test(args) => return commands::nada_test::main(&args),
        Command::Sdk(command) => commands::sdk(&cli.connection, command),
    };
    match result {
        Ok(value) => {
            print!("{}", cli.output_format.render(&value));
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("{error}");
            error.exit_code()
        }
    }
}
