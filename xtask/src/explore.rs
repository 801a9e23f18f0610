//! `cargo xtask explore`: the verdict matrix under shuttle, as a table (and JSON), with a minimal
//! counterexample and a replay file for every break found.

use crate::Outcome;
use crate::flags::{ExploreArgs, StrategyChoice};
use bank_core::{CATALOG, Invariant, Op, VariantInfo};
use bank_stress::checker::{Budget, Counterexample, Strategy};
use bank_stress::matrix::{VariantCheck, check_variant, minimal_counterexample};
use bank_stress::persist;
use bank_stress::workloads::default_workload;
use serde_json::{Value, json};
use std::path::PathBuf;

/// One variant's result, with its minimised counterexamples and where they were saved.
struct Explored {
    check: VariantCheck,
    minimal: Vec<(Counterexample, PathBuf)>,
}

pub fn run(args: &ExploreArgs) -> Result<Outcome, String> {
    let variants: Vec<&'static VariantInfo> = if args.variants.is_empty() {
        CATALOG.iter().collect()
    } else {
        args.variants.clone()
    };
    let strategies = match args.strategy {
        StrategyChoice::Random => vec![Strategy::Random],
        StrategyChoice::Pct => vec![Strategy::Pct { depth: 2 }, Strategy::Pct { depth: 3 }],
        StrategyChoice::Dfs => vec![Strategy::Dfs],
        StrategyChoice::Portfolio => Strategy::PORTFOLIO.to_vec(),
    };
    let iterations = usize::try_from(args.iterations)
        .map_err(|_| "--iterations: too large for this machine".to_string())?;
    let budget = Budget {
        strategies,
        iterations,
        seed: args.seed,
    };
    let replay_dir = args
        .replay_dir
        .clone()
        .unwrap_or_else(persist::default_replay_dir);
    let workload = default_workload();
    println!(
        "exploring {} variant(s) under {:?}, {} executions per strategy, seed {}",
        variants.len(),
        args.strategy,
        iterations,
        args.seed
    );
    println!(
        "workload: balances {:?}; threads {}",
        workload.balances,
        describe_threads(&workload.threads)
    );
    // Shuttle prints a few lines for every deadlock it reports; the checker catches and records
    // them, so the lines are noise here unless asked for.
    let quiet = if args.verbose {
        None
    } else {
        gag::Gag::stderr().ok()
    };
    let mut explored = Vec::new();
    for variant in variants {
        let check =
            check_variant(variant, &workload, &budget).map_err(|error| error.to_string())?;
        let mut minimal = Vec::new();
        for found in &check.report.counterexamples {
            let smallest = minimal_counterexample(variant, found);
            let path = persist::save(&replay_dir, variant.id, &smallest).map_err(|error| {
                format!(
                    "cannot write a replay file in {}: {error}",
                    replay_dir.display()
                )
            })?;
            minimal.push((smallest, path));
        }
        explored.push(Explored { check, minimal });
    }
    drop(quiet);
    print_table(&explored);
    print_counterexamples(&explored);
    if let Some(path) = &args.json {
        let text =
            serde_json::to_string_pretty(&to_json(&explored)).map_err(|error| error.to_string())?;
        std::fs::write(path, text + "\n")
            .map_err(|error| format!("--json: cannot write {}: {error}", path.display()))?;
        println!("\nJSON report: {}", path.display());
    }
    let disagreeing: Vec<_> = explored
        .iter()
        .filter(|e| !e.check.agrees())
        .map(|e| e.check.variant.id)
        .collect();
    if disagreeing.is_empty() {
        println!("\nevery observed verdict equals the catalog's");
        Ok(Outcome::Agrees)
    } else {
        println!("\nCONTRADICTS THE CATALOG: {}", disagreeing.join(", "));
        Ok(Outcome::Finding)
    }
}

fn print_table(explored: &[Explored]) {
    println!();
    print!("{:<20}", "variant");
    for invariant in Invariant::ALL {
        print!(" {:<22}", invariant.title());
    }
    println!(" {:>10} {:>11} {:>5}", "schedules", "schedules/s", "dfs");
    for Explored { check, .. } in explored {
        print!("{:<20}", check.variant.id);
        for invariant in Invariant::ALL {
            let observed = check.report.observed.get(invariant);
            let expected = check.variant.expected.get(invariant);
            let first = check
                .report
                .counterexample(invariant)
                .map(|found| format!(" @{}", found.iteration))
                .unwrap_or_default();
            let mark = if observed == expected {
                "ok".to_string()
            } else {
                format!("EXPECTED {expected}")
            };
            print!(" {:<22}", format!("{observed}{first} {mark}"));
        }
        let dfs = if check.report.exhaustive() {
            "done"
        } else {
            "-"
        };
        println!(
            " {:>10} {:>11.0} {:>5}",
            check.report.schedules(),
            check.report.schedules_per_sec(),
            dfs
        );
        if let Some(panic) = &check.report.panic {
            println!(
                "  the bank PANICKED: {}",
                panic.anomaly.message.as_deref().unwrap_or("?")
            );
        }
    }
    println!("(@N: the execution, within its strategy's run, at which the first break was found)");
    print_speed(explored);
}

/// Schedules per second for each variant and strategy (a strategy stops early once every
/// invariant has broken, so a short run's rate is noisier).
fn print_speed(explored: &[Explored]) {
    let Some(first) = explored.first() else {
        return;
    };
    println!(
        "
schedules per second, by strategy:"
    );
    print!("{:<20}", "variant");
    for run in &first.check.report.runs {
        print!(" {:>15}", run.strategy.name());
    }
    println!();
    for Explored { check, .. } in explored {
        print!("{:<20}", check.variant.id);
        for run in &check.report.runs {
            let seconds = run.elapsed.as_secs_f64();
            let rate = if seconds > 0.0 {
                run.schedules as f64 / seconds
            } else {
                0.0
            };
            print!(" {:>15}", format!("{rate:.0} ({})", run.schedules));
        }
        println!();
    }
    println!("(in brackets: schedules explored)");
}

fn print_counterexamples(explored: &[Explored]) {
    println!("\nminimal counterexamples:");
    for Explored { check, minimal } in explored {
        for (found, path) in minimal {
            let anomaly = &found.anomaly;
            println!(
                "  {} / {}: balances {:?}; threads {}",
                check.variant.id,
                found.invariant,
                found.workload.balances,
                describe_threads(&found.workload.threads)
            );
            if anomaly.blocked_threads.is_empty() {
                println!(
                    "    expected total {}, observed {:?} (lowest {:?}, highest {:?}), most negative balance {}",
                    anomaly.expected_total,
                    anomaly.observed_total,
                    anomaly.lowest_total,
                    anomaly.highest_total,
                    anomaly.min_balance
                );
            } else {
                println!(
                    "    deadlock: blocked threads {}",
                    anomaly.blocked_threads.join(", ")
                );
            }
            println!(
                "    {} seed {} schedule {}",
                found.strategy.name(),
                found.seed,
                found.schedule
            );
            println!("    replay: cargo xtask replay {}", path.display());
        }
    }
}

/// `[0→1 $1, audit] [1→0 $2]`
fn describe_threads(threads: &[Vec<Op>]) -> String {
    threads
        .iter()
        .map(|ops| {
            let ops: Vec<_> = ops
                .iter()
                .map(|op| match op {
                    Op::Transfer { from, to, amount } => format!("{from}→{to} ${amount}"),
                    Op::Audit => "audit".to_string(),
                })
                .collect();
            format!("[{}]", ops.join(", "))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn to_json(explored: &[Explored]) -> Value {
    let variants: Vec<_> = explored
        .iter()
        .map(|Explored { check, minimal }| {
            let counterexamples: Vec<_> = minimal
                .iter()
                .map(|(found, path)| {
                    json!({
                        "invariant": found.invariant,
                        "threads": found.workload.threads,
                        "balances": found.workload.balances,
                        "strategy": found.strategy.name(),
                        "seed": found.seed,
                        "iteration": found.iteration,
                        "schedule": found.schedule,
                        "anomaly": found.anomaly,
                        "replay_file": path,
                    })
                })
                .collect();
            let runs: Vec<_> = check
                .report
                .runs
                .iter()
                .map(|run| json!({"strategy": run.strategy.name(), "schedules": run.schedules, "completed": run.completed, "seconds": run.elapsed.as_secs_f64()}))
                .collect();
            json!({
                "id": check.variant.id,
                "expected": check.variant.expected,
                "observed": check.report.observed,
                "counterexamples": counterexamples,
                "schedules": check.report.schedules(),
                "schedules_per_sec": check.report.schedules_per_sec(),
                "runs": runs,
                "panic": check.report.panic.as_ref().map(|panic| &panic.anomaly.message),
            })
        })
        .collect();
    json!({ "variants": variants })
}
