//! `cargo xtask`: the project's commands. This file only parses flags, dispatches to one file per
//! command, and turns the outcome into an exit code; the logic lives in the library crates.
//!
//! Exit codes: 0 the run agrees with the catalog, 1 a finding (a verdict contradicts the catalog,
//! or a replayed violation reproduces), 2 bad usage or input.

#[macro_use]
mod output;

mod ci;
mod detection;
mod explore;
mod flags;
mod list;
mod merge;
mod mutants;
mod outputs;
mod replay;
mod stress;

use clap::Parser;
use flags::{Cli, Command};
use std::process::ExitCode;

/// Everything agrees with the catalog.
const EXIT_OK: u8 = 0;
/// A verdict contradicts the catalog, or a replayed violation reproduced.
const EXIT_FINDING: u8 = 1;
/// Bad usage or input: the message says which flag or file.
const EXIT_USAGE: u8 = 2;

/// How a command ended.
pub enum Outcome {
    /// Nothing contradicts the catalog.
    Agrees,
    /// Something does (or a violation reproduced).
    Finding,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) if !error.use_stderr() => {
            // --help and --version.
            let _ = error.print();
            return ExitCode::from(EXIT_OK);
        }
        Err(error) => {
            let rendered = error.to_string();
            eprintln!("{}", rendered.lines().next().unwrap_or("error: bad usage"));
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let result = match cli.command {
        Command::List(args) => list::run(&args),
        Command::Explore(args) => explore::run(&args),
        Command::Replay(args) => replay::run(&args),
        Command::Stress(args) => stress::run(&args),
        Command::Merge(args) => merge::run(&args),
        Command::Detection(args) => detection::run(&args),
        Command::Ci(args) => ci::run(&args),
        Command::Mutants(args) => mutants::run(&args),
    };
    match result {
        Ok(Outcome::Agrees) => ExitCode::from(EXIT_OK),
        Ok(Outcome::Finding) => ExitCode::from(EXIT_FINDING),
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}
