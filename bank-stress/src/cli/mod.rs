//! The command line, for any set of banks: `cargo xtask` runs it on the catalog, and a crate of
//! your own gets the same commands for its banks with one call in its `main`:
//!
//! ```no_run
//! # use bank_core::Subject;
//! # static MINE: [Subject; 0] = [];
//! fn main() -> std::process::ExitCode {
//!     bank_stress::cli::main(&MINE)
//! }
//! ```
//!
//! Then `cargo run -- explore`, `cargo run -- prove --scope quick`, `cargo run -- stress --report
//! DIR`, `cargo run -- replay FILE`, `merge` and `detection` do for those banks exactly what
//! `cargo xtask …` does for the catalog: the same output, JSON and exit codes. This file only
//! parses flags, dispatches to one file per command, and turns the outcome into an exit code; the
//! logic lives in the library's other modules.
//!
//! Exit codes: 0 the run agrees with every stated expectation, 1 a finding (a verdict contradicts
//! an expectation, a bank panicked, or a replayed violation reproduces), 2 bad usage or input, or a
//! failure that stopped the run (a file that cannot be written, a `prove` worker process that
//! died: the message says which); `replay` also: 3 the schedule diverged from the bank, 4 the
//! replay failed with another failure than the recorded one; `stress` also: 130 interrupted by
//! Ctrl-C (after the summary of the runs that finished).

#[macro_use]
#[doc(hidden)]
pub mod output;

mod context;
mod detection;
mod explore;
pub mod flags;
mod list;
mod merge;
mod outcome;
mod outputs;
mod prove;
mod prove_workers;
mod replay;
mod stress;
#[doc(hidden)]
pub mod style;

use bank_core::{Subject, Subjects};
use clap::Parser;
pub use context::{invocation, subjects};
use flags::{Cli, Command};
pub use outcome::{
    EXIT_DIVERGED, EXIT_FAILED_DIFFERENTLY, EXIT_FINDING, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE,
    Outcome,
};
use std::process::ExitCode;

/// A program built on these commands: its subjects and how it is invoked.
pub struct Program {
    _private: (),
}

impl Program {
    /// Commands over `subjects`, printed as run by `invocation` (`"cargo xtask"`, `"cargo run
    /// --"`). Refuses two subjects with one id (reports key by id). Call once per process.
    pub fn new(subjects: &'static [Subject], invocation: &'static str) -> Result<Self, String> {
        let subjects = Subjects::new(subjects);
        if let Some(id) = subjects.duplicate_id() {
            return Err(format!(
                "two banks are named {id:?}: every id must be unique"
            ));
        }
        if subjects.all().is_empty() {
            return Err("no banks to check: pass at least one subject".into());
        }
        context::set(subjects, invocation)?;
        Ok(Self { _private: () })
    }

    /// Parses the process's arguments as `P` (the library's [`Cli`], or a program's own parser
    /// that flattens [`Command`] next to commands of its own), following `--color` for help and
    /// usage errors too. `Err` is the exit code to return: 0 after `--help`, 2 after bad usage.
    pub fn parse<P: Parser>(&self) -> Result<P, ExitCode> {
        apply_color_choice();
        let mut command = P::command();
        if command.get_bin_name().is_none() {
            command = command.bin_name(invocation());
        }
        // The library's own parser is named after this crate; a program's is named by it.
        if command.get_name() == env!("CARGO_PKG_NAME") {
            command = command.name(invocation());
        }
        let parsed = command
            .try_get_matches()
            .and_then(|mut matches| P::from_arg_matches_mut(&mut matches));
        parsed.map_err(|error| {
            use clap::error::ErrorKind;
            match error.kind() {
                // --help, --version, and a bare command: the help, with the command list.
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
            }
        })
    }

    /// Runs one of the library's commands.
    pub fn run(&self, command: Command) -> Result<Outcome, String> {
        match command {
            Command::List(args) => list::run(&args),
            Command::Explore(args) => explore::run(&args),
            Command::Replay(args) => replay::run(&args),
            Command::Prove(args) => prove::run(&args),
            Command::ProveWorker => prove_workers::run_worker(),
            Command::Stress(args) => stress::run(&args),
            Command::Merge(args) => merge::run(&args),
            Command::Detection(args) => detection::run(&args),
        }
    }

    /// The exit code of a command's result; an error is printed first, on one line.
    pub fn exit_code(&self, result: Result<Outcome, String>) -> ExitCode {
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
}

/// The whole command line for these banks, run as `cargo run --` (a crate's own `main`).
pub fn main(subjects: &'static [Subject]) -> ExitCode {
    main_as(subjects, "cargo run --")
}

/// The whole command line for these banks, printed as run by `invocation`.
pub fn main_as(subjects: &'static [Subject], invocation: &'static str) -> ExitCode {
    let program = match Program::new(subjects, invocation) {
        Ok(program) => program,
        Err(message) => {
            anstream::eprintln!("{}: {message}", style::bad("error"));
            return ExitCode::from(EXIT_USAGE);
        }
    };
    match program.parse::<Cli>() {
        Ok(cli) => program.exit_code(program.run(cli.command)),
        Err(code) => code,
    }
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
