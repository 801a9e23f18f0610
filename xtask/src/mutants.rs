//! `cargo xtask mutants [-- ARGS…]`: mutation testing with cargo-mutants (configured in
//! `.cargo/mutants.toml`). Installs cargo-mutants if it is missing, runs it with any extra
//! arguments (for example `--shard 0/8`), and prints the score: caught / viable, where viable
//! mutants are those that built (caught + missed + timeout; a timeout counts as caught, because a
//! mutant that hangs the suite is noticed). Missed mutants must be killed by a test or explained
//! in MUTANTS.md.

use bank_stress::cli::Outcome;
use bank_stress::outln;
use clap::Args;
use std::process::Command;

/// `cargo xtask mutants`'s flags.
#[derive(Debug, Args)]
pub struct MutantsArgs {
    /// Extra arguments for cargo mutants, after `--` (for example `-- --shard 0/8`).
    #[arg(last = true, value_name = "ARGS")]
    pub cargo_mutants_args: Vec<String>,
}

pub fn run(args: &MutantsArgs) -> Result<Outcome, String> {
    let installed = Command::new("cargo")
        .args(["mutants", "--version"])
        .output()
        .is_ok_and(|out| out.status.success());
    if !installed {
        outln!(
            "cargo-mutants is not installed; installing it (cargo install --locked cargo-mutants)"
        );
        let status = Command::new("cargo")
            .args(["install", "--locked", "cargo-mutants"])
            .status()
            .map_err(|error| format!("cannot run cargo install: {error}"))?;
        if !status.success() {
            return Err("cargo install --locked cargo-mutants failed".into());
        }
    }
    let status = Command::new("cargo")
        .arg("mutants")
        .args(["--output", "target"])
        .args(&args.cargo_mutants_args)
        .status()
        .map_err(|error| format!("cannot run cargo mutants: {error}"))?;
    let outcomes =
        std::fs::read_to_string("target/mutants.out/outcomes.json").map_err(|error| {
            format!("cargo mutants wrote no target/mutants.out/outcomes.json: {error}")
        })?;
    let outcomes: serde_json::Value = serde_json::from_str(&outcomes)
        .map_err(|error| format!("outcomes.json is not JSON: {error}"))?;
    let count = |key: &str| outcomes[key].as_u64().unwrap_or(0);
    let (caught, missed, timeout, unviable) = (
        count("caught"),
        count("missed"),
        count("timeout"),
        count("unviable"),
    );
    let viable = caught + missed + timeout;
    outln!(
        "mutants: {} caught, {} timed out (counted as caught), {} missed, {} unviable (did not build)",
        caught,
        timeout,
        missed,
        unviable
    );
    if viable > 0 {
        outln!(
            "score: {}/{} viable mutants caught = {:.1}%",
            caught + timeout,
            viable,
            (caught + timeout) as f64 * 100.0 / viable as f64
        );
    }
    if missed > 0 {
        outln!(
            "missed mutants: target/mutants.out/missed.txt (kill each with a test, or explain it in MUTANTS.md)"
        );
    }
    Ok(if status.success() && missed == 0 {
        Outcome::Agrees
    } else {
        Outcome::Finding
    })
}
