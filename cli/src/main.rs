//! The `nilvm` command: a local devnet, Nada programs run locally, and the SDK operations.
//!
//! Exit codes: 0 success; 1 the operation failed (a node refused, a computation failed);
//! 2 bad command line; 3 bad input (values, files, configuration).

mod commands;
mod error;
mod output;
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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Demo => return commands::demo::main(),
        Command::Devnet(args) => return commands::devnet::main(args),
        Command::Run(args) => commands::run::run(&args),
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
