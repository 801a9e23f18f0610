//! Every command and flag, declared once, each with its doc line (shown by `--help`).

use bank_core::VariantInfo;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// The bank workspace's commands.
#[derive(Debug, Parser)]
#[command(
    name = "cargo xtask",
    about = "Prove which bank designs break money conservation and which never do."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the catalog: every variant, its lesson and its expected verdicts.
    List(ListArgs),
    /// Explore every variant's schedules under shuttle and compare the verdicts with the catalog.
    Explore(ExploreArgs),
    /// Re-run one persisted counterexample; exit 1 if the violation reproduces, 0 if not.
    Replay(ReplayArgs),
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// How `explore` schedules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StrategyChoice {
    /// Shuttle's random scheduler.
    Random,
    /// PCT at depths 2 and 3.
    Pct,
    /// Exhaustive depth-first enumeration, up to the iteration budget.
    Dfs,
    /// Random, PCT 2, PCT 3 and DFS, one after another.
    Portfolio,
}

#[derive(Debug, Args)]
pub struct ExploreArgs {
    /// A variant id to explore (repeatable); all variants by default.
    #[arg(long = "variant", value_name = "ID", value_parser = parse_variant)]
    pub variants: Vec<&'static VariantInfo>,
    /// The scheduling strategy.
    #[arg(long, value_enum, default_value_t = StrategyChoice::Portfolio)]
    pub strategy: StrategyChoice,
    /// Executions per strategy and variant.
    #[arg(long, value_name = "N", default_value_t = 3_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub iterations: u64,
    /// The seed for the random and PCT schedulers.
    #[arg(long, value_name = "S", default_value_t = 0x0BAD_BA4C)]
    pub seed: u64,
    /// Also write the report as JSON to this file.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Where to write replay files (default: target/bank-stress/replays).
    #[arg(long, value_name = "DIR")]
    pub replay_dir: Option<PathBuf>,
    /// Show shuttle's own messages (one per deadlock caught) instead of silencing them.
    #[arg(long)]
    pub verbose: bool,
}

#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// A replay file written by `cargo xtask explore`.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
}

/// Parses a catalog id; the error lists the known ones.
pub fn parse_variant(id: &str) -> Result<&'static VariantInfo, String> {
    bank_core::catalog::find(id).ok_or_else(|| {
        format!(
            "unknown variant (known: {})",
            bank_core::catalog::known_ids()
        )
    })
}
