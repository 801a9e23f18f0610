//! `cargo xtask`: the project's commands. This file only parses flags, dispatches to one file per
//! command, and turns the outcome into an exit code; the logic lives in the library crates.
//!
//! Exit codes: 0 the run agrees with the catalog, 1 a finding (a verdict contradicts the catalog,
//! or a replayed violation reproduces), 2 bad usage or input, or a failure that stopped the run
//! (a file that cannot be written, a `prove` worker process that died: the message says which);
//! `replay` also: 3 the schedule diverged from the bank, 4 the replay failed with another
//! failure than the recorded one; `stress` also: 130 interrupted by Ctrl-C (after the summary of
//! the runs that finished).

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
mod prove;
mod prove_workers;
mod replay;
mod stress;
mod style;

use clap::Parser;
use flags::{Cli, Command};
use std::process::ExitCode;

/// Everything agrees with the catalog.
const EXIT_OK: u8 = 0;
/// A verdict contradicts the catalog, or a replayed violation reproduced.
const EXIT_FINDING: u8 = 1;
/// Bad usage or input: the message says which flag or file.
const EXIT_USAGE: u8 = 2;
/// `replay`: the bank no longer follows the recorded schedule.
const EXIT_DIVERGED: u8 = 3;
/// `replay`: it failed, but not as recorded.
const EXIT_FAILED_DIFFERENTLY: u8 = 4;

/// `stress`: interrupted by Ctrl-C (128 + SIGINT, as a shell reports a process it interrupted).
pub(crate) const EXIT_INTERRUPTED: u8 = 130;

/// How a command ended.
pub enum Outcome {
    /// Nothing contradicts the catalog.
    Agrees,
    /// Something does (or a violation reproduced).
    Finding,
    /// A replayed schedule no longer fits the bank.
    Diverged,
    /// A replay failed with another failure than the recorded one.
    FailedDifferently,
    /// Interrupted by Ctrl-C; what finished was reported.
    Interrupted,
}

/// The `--color` choice, read before clap parses anything, so that help and usage errors follow
/// it too (anstream strips or keeps the styles of everything printed after this).
fn apply_color_choice() {
    let args: Vec<String> = std::env::args().collect();
    let value = args.iter().enumerate().find_map(|(index, arg)| {
        arg.strip_prefix("--color=")
            .map(str::to_string)
            .or_else(|| {
                (arg == "--color")
                    .then(|| args.get(index + 1).cloned())
                    .flatten()
            })
    });
    match value.as_deref() {
        Some("always") => anstream::ColorChoice::Always.write_global(),
        Some("never") => anstream::ColorChoice::Never.write_global(),
        _ => {}
    }
}

fn main() -> ExitCode {
    apply_color_choice();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            use clap::error::ErrorKind;
            return match error.kind() {
                // --help, --version, and bare `cargo xtask`: the help, with the command list.
                ErrorKind::DisplayHelp
                | ErrorKind::DisplayVersion
                | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
                    outln!("{}", error.render().ansi());
                    ExitCode::from(EXIT_OK)
                }
                // Bad usage: clap's whole message (the flag, the valid values, a "did you mean",
                // the usage line), styled as the colour choice allows.
                _ => {
                    anstream::eprint!("{}", error.render().ansi());
                    ExitCode::from(EXIT_USAGE)
                }
            };
        }
    };
    let result = match cli.command {
        Command::List(args) => list::run(&args),
        Command::Explore(args) => explore::run(&args),
        Command::Replay(args) => replay::run(&args),
        Command::Prove(args) => prove::run(&args),
        Command::ProveWorker => prove_workers::run_worker(),
        Command::Stress(args) => stress::run(&args),
        Command::Merge(args) => merge::run(&args),
        Command::Detection(args) => detection::run(&args),
        Command::Ci(args) => ci::run(&args),
        Command::Mutants(args) => mutants::run(&args),
    };
    match result {
        Ok(Outcome::Agrees) => ExitCode::from(EXIT_OK),
        Ok(Outcome::Finding) => ExitCode::from(EXIT_FINDING),
        Ok(Outcome::Diverged) => ExitCode::from(EXIT_DIVERGED),
        Ok(Outcome::FailedDifferently) => ExitCode::from(EXIT_FAILED_DIFFERENTLY),
        Ok(Outcome::Interrupted) => ExitCode::from(EXIT_INTERRUPTED),
        Err(message) => {
            anstream::eprintln!("{}: {message}", style::bad("error"));
            ExitCode::from(EXIT_USAGE)
        }
    }
}
