//! The `nilvm` command.

use clap::Parser;

/// The nilVM SDK command line.
#[derive(Debug, Parser)]
#[command(name = "nilvm", version, about)]
struct Cli {}

fn main() {
    let _cli = Cli::parse();
}
