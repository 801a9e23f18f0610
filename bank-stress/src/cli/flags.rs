//! Every command and flag, declared once, each with its doc line (shown by `--help`).
//!
//! Doc comments here are `--help` text, so the argument structs carry none of their own (clap
//! would show a struct's doc as its command's description): hence `missing_docs` is off.
#![allow(missing_docs)]

use crate::checker::{CHOICES, StrategyChoice};
use crate::stress::Preset;
use bank_core::Subject;
use clap::builder::TypedValueParser;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// The words every command's output uses.
pub const GLOSSARY: &str = "\
Words in the output:
  holds         (in the catalog) the design never violates the invariant
  breaks        a counterexample was found: under shuttle it has a replay file that reproduces it; on
                real threads, a run saw the invariant broken (its record says how)
  proven        every fair schedule of every workload explored was checked (with `prove`: every workload
                of the stated scope, and only the schedules with ≤ P preemptions where a bound is stated)
  not found     no break in the schedules sampled (or a DFS that ran out of budget): not a proof
  ok            the result agrees with the catalog's expected verdict
  not observed  real threads did not happen to show a break the catalog expects (not a failure)
  cut short     a real-thread run reached its time bound before its planned transfers (not a failure)
  livelock      a fair schedule never finished although no thread was blocked
  diverged      a replayed schedule no longer fits the bank (it takes another path now)";

/// The commands for a crate's own banks (`bank_stress::cli::main`): the name is the binary's.
#[derive(Debug, Parser)]
#[command(
    version,
    about = "Prove which bank designs break money conservation and which never do.",
    arg_required_else_help = true,
    after_help = GLOSSARY
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Colour: auto (on a terminal, unless NO_COLOR is set), always, or never.
    #[arg(long, global = true, value_enum, value_name = "WHEN", default_value_t = clap::ColorChoice::Auto)]
    pub color: clap::ColorChoice,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the catalog: every variant, its lesson and its expected verdicts.
    #[command(after_help = GLOSSARY)]
    List(ListArgs),
    /// Explore every variant's schedules under shuttle and compare the verdicts with the catalog.
    #[command(after_help = GLOSSARY)]
    Explore(ExploreArgs),
    /// Re-run one persisted counterexample on its schedule: exit 1 reproduced, 0 not reproduced,
    /// 3 diverged, 4 failed differently.
    #[command(after_help = GLOSSARY)]
    Replay(ReplayArgs),
    /// Prove every variant on every workload of a scope, every schedule (or every schedule with
    /// ≤ P preemptions), on every core, and compare with the catalog.
    #[command(after_help = GLOSSARY)]
    Prove(ProveArgs),
    /// One worker process of `prove` (started by it, with its job on standard input).
    #[command(hide = true)]
    ProveWorker,
    /// Run every variant on real threads (the lecture's experiment) and compare with the catalog.
    #[command(after_help = GLOSSARY)]
    Stress(StressArgs),
    /// Merge shard reports of one stress campaign (or one proof) into the whole one's report.
    #[command(after_help = GLOSSARY)]
    Merge(MergeArgs),
    /// Measure detection: every expected break's rate and time to first observation on real
    /// threads, over one campaign per seed 1..=N at each noise level.
    #[command(after_help = GLOSSARY)]
    Detection(DetectionArgs),
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// `--strategy NAME`: one of the checker's [`CHOICES`], by name (its help from the same list).
fn strategy_parser() -> impl TypedValueParser<Value = &'static StrategyChoice> {
    clap::builder::PossibleValuesParser::new(
        CHOICES
            .iter()
            .map(|choice| clap::builder::PossibleValue::new(choice.name).help(choice.help)),
    )
    .map(|name| {
        CHOICES
            .iter()
            .find(|choice| choice.name == name)
            .expect("clap accepts only the listed names")
    })
}

#[derive(Debug, Args)]
pub struct ExploreArgs {
    /// A variant id to explore (repeatable); all variants by default.
    #[arg(long = "variant", value_name = "ID", value_parser = parse_variant)]
    pub variants: Vec<&'static Subject>,
    /// The scheduling strategy.
    #[arg(long, value_name = "NAME", value_parser = strategy_parser(), default_value = "portfolio")]
    pub strategy: &'static StrategyChoice,
    /// Executions per strategy, variant and workload (the default exploration has 26 workloads).
    #[arg(long, allow_negative_numbers = true, value_name = "N", default_value_t = 1_500, value_parser = clap::value_parser!(u64).range(1..))]
    pub iterations: u64,
    /// The seed for the random and PCT schedulers.
    #[arg(
        long,
        allow_negative_numbers = true,
        value_name = "S",
        default_value_t = 0x0BAD_BA4C
    )]
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
    /// Print the counterexample as a timeline: one column per thread, one row per step (lock,
    /// unlock, read, write, yield, transfer, audit), the step where the invariant broke marked.
    #[arg(long)]
    pub trace: bool,
    /// Also write that timeline as a self-contained page, DIR/index.html.
    #[arg(long, value_name = "DIR")]
    pub html: Option<PathBuf>,
}

/// The variants a command works on: those named by `--variant` (each once, in the order first
/// named), or every catalog variant when none is named.
pub fn chosen_variants(named: &[&'static Subject]) -> Vec<&'static Subject> {
    if named.is_empty() {
        return super::context::subjects().refs();
    }
    let mut chosen: Vec<&'static Subject> = Vec::new();
    for &variant in named {
        if !chosen.iter().any(|known| known.id == variant.id) {
            chosen.push(variant);
        }
    }
    chosen
}

/// Parses a catalog id; the error lists the known ones.
pub fn parse_variant(id: &str) -> Result<&'static Subject, String> {
    let subjects = super::context::subjects();
    subjects.find(id).ok_or_else(|| {
        // As clap suggests a flag: the closest known id, if it is close.
        let closest = subjects
            .iter()
            .map(|variant| (strsim::jaro(id, variant.id), variant.id))
            .filter(|(similarity, _)| *similarity > 0.8)
            .max_by(|a, b| a.0.total_cmp(&b.0));
        let hint = closest.map_or(String::new(), |(_, known)| {
            format!("; did you mean '{known}'?")
        });
        format!("unknown variant (known: {}){hint}", subjects.known_ids())
    })
}

#[derive(Debug, Args)]
pub struct DetectionArgs {
    /// A variant id to run (repeatable); all variants by default.
    #[arg(long = "variant", value_name = "ID", value_parser = parse_variant)]
    pub variants: Vec<&'static Subject>,
    /// The campaign size.
    #[arg(long, value_enum, default_value_t = Preset::Default)]
    pub preset: Preset,
    /// Campaigns per noise level, with seeds 1..=N.
    #[arg(long, allow_negative_numbers = true, value_name = "N", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=1000))]
    pub seeds: u64,
    /// A noise level to measure (repeatable): none, low, high or a probability.
    #[arg(long, value_name = "LEVEL", allow_negative_numbers = true, default_values = ["none", "low"], value_parser = clap::value_parser!(bank_core::runtime::Noise))]
    pub noise: Vec<bank_core::runtime::Noise>,
}

#[derive(Debug, Args, Default)]
pub struct StressArgs {
    /// A variant id to run (repeatable); all variants by default.
    #[arg(long = "variant", value_name = "ID", value_parser = parse_variant)]
    pub variants: Vec<&'static Subject>,
    /// The campaign size.
    #[arg(long, value_enum, default_value_t = Preset::Default)]
    pub preset: Preset,
    /// Worker threads per run (overrides the preset).
    #[arg(long, allow_negative_numbers = true, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub threads: Option<u64>,
    /// Accounts, at least 2 (overrides the preset; balances cycle through the lecture's).
    #[arg(long, allow_negative_numbers = true, value_name = "N", value_parser = clap::value_parser!(u64).range(2..=1_000_000))]
    pub accounts: Option<u64>,
    /// Transfers per thread (overrides the preset).
    #[arg(long, allow_negative_numbers = true, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub transfers: Option<u64>,
    /// Stop each run after this long, e.g. 10s or 2m (overrides the preset).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub duration: Option<std::time::Duration>,
    /// The longest a run may take (beyond --duration) before it is stopped and reported as cut
    /// short (not a failure): seed, default and soak 30s, quick 5s, tough 60s.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub time_bound: Option<std::time::Duration>,
    /// Runs per variant (overrides the preset), e.g. `--preset seed --runs 9` for a median.
    #[arg(long, allow_negative_numbers = true, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=10_000))]
    pub runs: Option<u64>,
    /// The campaign seed; run k of every variant uses seed + k.
    #[arg(
        long,
        allow_negative_numbers = true,
        value_name = "S",
        default_value_t = 0x0BAD_BA4C
    )]
    pub seed: u64,
    /// Schedule noise on every runtime primitive: none, low (p = 0.01), high (p = 0.1) or a
    /// probability in 0..=1. Default: low, except `--preset seed` (none).
    #[arg(long, value_name = "LEVEL", allow_negative_numbers = true, value_parser = clap::value_parser!(bank_core::runtime::Noise))]
    pub noise: Option<bank_core::runtime::Noise>,
    /// Do not yield between debit and credit (throughput runs).
    #[arg(long)]
    pub no_yield: bool,
    /// Also write the report as JSON to this file.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Also write a self-contained HTML report (index.html, SVG charts) into this directory.
    #[arg(long, value_name = "DIR")]
    pub report: Option<PathBuf>,
    /// With --report: add a section with every counterexample in this folder of replay files
    /// (as `explore` and `prove` write them, e.g. target/bank-stress/replays), each replayed step
    /// by step.
    #[arg(long, value_name = "DIR", requires = "report")]
    pub counterexamples: Option<PathBuf>,
    /// Run only shard I of N of the campaign's runs (1-based, as cargo-nextest's --partition:
    /// 1/N … N/N); run k of the campaign belongs to shard k mod N + 1.
    #[arg(long, value_name = "I/N", value_parser = clap::value_parser!(crate::stress::Shard))]
    pub shard: Option<crate::stress::Shard>,
}

#[derive(Debug, Args)]
pub struct ProveArgs {
    /// A variant id to prove (repeatable); all variants by default.
    #[arg(long = "variant", value_name = "ID", value_parser = parse_variant)]
    pub variants: Vec<&'static Subject>,
    /// The scope: quick, default, nightly, or one part written
    /// threads=T,ops=O,accounts=A[,balances=L..=H][,amounts=L..=H][,audits=yes|no][,preemptions=P|all].
    #[arg(long, value_name = "SCOPE", default_value = "default", value_parser = crate::prove::Scope::parse)]
    pub scope: crate::prove::Scope,
    /// Replace the preemption bound of every bounded part of the scope.
    #[arg(long, allow_negative_numbers = true, value_name = "P", value_parser = clap::value_parser!(u64).range(0..=64))]
    pub preemptions: Option<u64>,
    /// Worker processes, each proving its slice of every variant's workloads (default: one per
    /// core; 1 proves in this process).
    #[arg(long, allow_negative_numbers = true, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub jobs: Option<u16>,
    /// The most schedules explored per workload; a workload with more is reported unfinished
    /// (its invariants "not found", never "proven").
    #[arg(long, allow_negative_numbers = true, value_name = "N", default_value_t = 5_000_000, value_parser = clap::value_parser!(u64).range(1..=1_000_000_000))]
    pub schedule_cap: u64,
    /// Prove only shard I of N of the workloads (1-based: 1/N … N/N); workload k belongs to
    /// shard k mod N + 1. `cargo xtask merge` puts the shards' --json files together.
    #[arg(long, value_name = "I/N", value_parser = clap::value_parser!(crate::stress::Shard))]
    pub shard: Option<crate::stress::Shard>,
    /// Also write the proof as JSON to this file.
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
pub struct MergeArgs {
    /// Shard reports written by `cargo xtask stress --shard I/N --json FILE` or
    /// `cargo xtask prove --shard I/N --json FILE`.
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,
    /// Where to write the merged report.
    #[arg(long, value_name = "FILE")]
    pub json: PathBuf,
    /// Also write the merged HTML report into this directory.
    #[arg(long, value_name = "DIR")]
    pub report: Option<PathBuf>,
    /// With --report: add a section with every counterexample in this folder of replay files,
    /// each replayed step by step.
    #[arg(long, value_name = "DIR", requires = "report")]
    pub counterexamples: Option<PathBuf>,
    /// Merge even if some shards are missing; the result then names the shards it has (stress
    /// campaigns only: a proof needs every shard).
    #[arg(long)]
    pub allow_partial: bool,
    /// Where a merged proof writes the replay files of its minimal counterexamples (default:
    /// target/bank-stress/replays).
    #[arg(long, value_name = "DIR")]
    pub replay_dir: Option<PathBuf>,
}

/// The longest `--duration` or `--time-bound` accepted: a week.
const LONGEST_DURATION: std::time::Duration = std::time::Duration::from_secs(7 * 24 * 3600);

/// Parses a positive duration of at most a week, such as `10s`, `500ms` or `2m`.
pub fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    let duration = humantime::parse_duration(text)
        .map_err(|error| format!("{error} (try 10s, 500ms or 2m)"))?;
    if duration.is_zero() {
        return Err("must be longer than zero".into());
    }
    if duration > LONGEST_DURATION {
        return Err("must be at most a week (7d)".into());
    }
    Ok(duration)
}
