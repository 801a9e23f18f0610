//! `cargo xtask`: the library's command line (`bank_stress::cli`) on the catalog, plus the
//! workspace's own commands, `ci` and `mutants`. This file only declares those two, parses, and
//! dispatches; exit codes are the library's (see `bank_stress::cli`).

mod ci;
mod mutants;

use bank_stress::cli::flags::{Command as BankCommand, GLOSSARY};
use bank_stress::cli::{Outcome, Program};
use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// The bank workspace's commands.
#[derive(Debug, Parser)]
#[command(
    name = "cargo xtask",
    bin_name = "cargo xtask",
    version,
    about = "Prove which bank designs break money conservation and which never do.",
    arg_required_else_help = true,
    after_help = GLOSSARY
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Colour: auto (on a terminal, unless NO_COLOR is set), always, or never.
    #[arg(long, global = true, value_enum, value_name = "WHEN", default_value_t = clap::ColorChoice::Auto)]
    color: clap::ColorChoice,
}

#[derive(Debug, Subcommand)]
enum Command {
    #[command(flatten)]
    Bank(Box<BankCommand>),
    /// Run the pull-request tier of the pipeline locally: fmt, clippy, nextest, explore,
    /// prove (quick scope), stress.
    #[command(after_help = GLOSSARY)]
    Ci(ci::CiArgs),
    /// Mutation testing with cargo-mutants (installed if missing); prints caught / viable.
    #[command(after_help = GLOSSARY)]
    Mutants(mutants::MutantsArgs),
}

fn main() -> ExitCode {
    let program = match Program::new(bank_core::CATALOG, "cargo xtask") {
        Ok(program) => program,
        Err(message) => unreachable!("the catalog's ids are unique: {message}"),
    };
    let cli = match program.parse::<Cli>() {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    let result: Result<Outcome, String> = match cli.command {
        Command::Bank(command) => program.run(*command),
        Command::Ci(args) => ci::run(&args),
        Command::Mutants(args) => mutants::run(&args),
    };
    program.exit_code(result)
}
