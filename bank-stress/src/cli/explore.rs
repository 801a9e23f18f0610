//! `cargo xtask explore`: the verdict matrix under shuttle, as a table (and JSON), with a minimal
//! counterexample and a replay file for every break found.

use super::outcome::Outcome;
use crate::checker::{Budget, Counterexample, Shown, Strategy};
use crate::cli::flags::ExploreArgs;
use crate::matrix::{VariantCheck, explore_variant, minimal_counterexample};
use crate::own_bank::describe_threads;
use crate::persist;
use crate::workloads::default_exploration;
use bank_core::{Invariant, Subject, Workload};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// One variant's result, with its minimised counterexamples and where they were saved.
struct Explored {
    check: VariantCheck,
    minimal: Vec<(Counterexample, PathBuf)>,
}

pub fn run(args: &ExploreArgs) -> Result<Outcome, String> {
    let variants = crate::cli::flags::chosen_variants(&args.variants);
    let budget = budget_from(args)?;
    crate::cli::outputs::check_json(args.json.as_deref())?;
    let replay_dir = args
        .replay_dir
        .clone()
        .unwrap_or_else(persist::default_replay_dir);
    crate::cli::outputs::check_replay_dir(&replay_dir)?;
    let workloads = default_exploration();
    print_plan(&budget, variants.len(), &workloads);
    let explored = explore_all(&variants, &workloads, &budget, &replay_dir, args.verbose)?;
    print_table(&explored);
    print_counterexamples(&explored);
    if let Some(path) = &args.json {
        outln!();
        crate::cli::outputs::write_json(path, &to_json(&explored))?;
    }
    Ok(conclude(&explored))
}

/// The budget the flags ask for: which strategies run, and how many executions each gets.
fn budget_from(args: &ExploreArgs) -> Result<Budget, String> {
    let strategies = args.strategy.strategies.to_vec();
    let iterations = usize::try_from(args.iterations)
        .map_err(|_| "--iterations: too large for this machine".to_string())?;
    Ok(Budget {
        strategies,
        iterations,
        seed: args.seed,
        stop_at_first_break: false,
    })
}

/// The opening lines: how many variants, with which strategies and budget, on which workloads.
fn print_plan(budget: &Budget, variants: usize, workloads: &[Workload]) {
    outln!(
        "exploring {} variant(s) with {}, {} executions per strategy and workload, seed {}",
        variants,
        budget
            .strategies
            .iter()
            .map(|strategy| strategy.name())
            .collect::<Vec<_>>()
            .join(", "),
        budget.iterations,
        budget.seed
    );
    outln!(
        "workloads: {} (the default: balances {:?}; threads {}; a three-account one; {} generated from a fixed seed)",
        workloads.len(),
        workloads[0].balances,
        describe_threads(&workloads[0].threads),
        workloads.len() - 2,
    );
}

/// Explores every variant in turn, keeping shuttle's deadlock messages off stderr unless
/// `verbose`.
fn explore_all(
    variants: &[&'static Subject],
    workloads: &[Workload],
    budget: &Budget,
    replay_dir: &Path,
    verbose: bool,
) -> Result<Vec<Explored>, String> {
    // Shuttle prints a few lines for every deadlock it reports; the checker catches and records
    // them, so the lines are noise here unless asked for.
    let quiet = if verbose {
        None
    } else {
        gag::Gag::stderr().ok()
    };
    let mut explored = Vec::new();
    for &variant in variants {
        explored.push(explore_one(variant, workloads, budget, replay_dir)?);
    }
    drop(quiet);
    Ok(explored)
}

/// Explores one variant, and minimises each break it shows and saves it as a replay file.
fn explore_one(
    variant: &'static Subject,
    workloads: &[Workload],
    budget: &Budget,
    replay_dir: &Path,
) -> Result<Explored, String> {
    let check = explore_variant(variant, workloads, budget).map_err(|error| error.to_string())?;
    let mut minimal = Vec::new();
    for found in check.report.findings() {
        let smallest = minimal_counterexample(variant, found);
        let path = persist::save(replay_dir, variant.id, &smallest).map_err(|error| {
            format!(
                "cannot write a replay file in {}: {error}",
                replay_dir.display()
            )
        })?;
        minimal.push((smallest, path));
    }
    Ok(Explored { check, minimal })
}

/// The closing lines, and the outcome: whether every variant agrees with the catalog.
fn conclude(explored: &[Explored]) -> Outcome {
    let disagreeing: Vec<_> = explored
        .iter()
        .filter(|e| !e.check.agrees())
        .map(|e| e.check.variant.id)
        .collect();
    let expects_break = |check: &VariantCheck, invariant: Invariant| {
        check.variant.expects(invariant) == Some(bank_core::Verdict::Breaks)
    };
    let expected_breaks = count_verdicts(explored, expects_break);
    let shown_breaks = count_verdicts(explored, |check, invariant| {
        expects_break(check, invariant) && check.report.breaks(invariant)
    });
    let proven = count_verdicts(explored, |check, invariant| {
        matches!(check.report.shown(invariant), Shown::Proven { .. })
    });
    outln!(
        "\n{} variant(s): {shown_breaks} of {expected_breaks} expected breaks shown, {proven} verdict(s) proven, {} disagreement(s)",
        explored.len(),
        disagreeing.len()
    );
    if disagreeing.is_empty() {
        outln!(
            "\nevery expected break was shown and no expected hold broke (\"not found\" is not a proof; \"proven\" is, for the workloads explored)"
        );
        Outcome::Agrees
    } else {
        outln!(
            "\nDISAGREES WITH THE CATALOG (an expected break not shown, a hold broken, a livelock or a panic): {}",
            disagreeing.join(", ")
        );
        Outcome::Finding
    }
}

/// How many (variant, invariant) pairs `counts` picks, over every variant explored.
fn count_verdicts(
    explored: &[Explored],
    counts: impl Fn(&VariantCheck, Invariant) -> bool,
) -> usize {
    explored
        .iter()
        .map(|e| {
            Invariant::ALL
                .into_iter()
                .filter(|&invariant| counts(&e.check, invariant))
                .count()
        })
        .sum()
}

/// The verdict table: a row per variant, each followed by what disagrees with the catalog.
fn print_table(explored: &[Explored]) {
    print_table_header();
    for Explored { check, .. } in explored {
        print_row(check);
        print_disagreements(check);
    }
    outln!(
        "(breaks: a counterexample that replays; proven: every fair schedule of every workload explored; not found: sampled, no break, not a proof)"
    );
    outln!("(@N: the execution, within its strategy's run on its workload, that showed the break)");
    print_speed(explored);
}

/// The verdict table's header: a column per invariant, then the schedule counts.
fn print_table_header() {
    outln!();
    out!("{:<20}", "variant");
    for invariant in Invariant::ALL {
        out!(" {:<26}", invariant.title());
    }
    outln!(
        " {:>10} {:>11} {:>9}",
        "schedules",
        "schedules/s",
        "dfs done"
    );
}

/// One variant's row: each invariant's verdict, then how many schedules ran, how fast, and how
/// many workloads DFS enumerated to the end.
fn print_row(check: &VariantCheck) {
    out!("{:<20}", check.variant.id);
    for invariant in Invariant::ALL {
        out!(" {}", verdict_cell(check, invariant));
    }
    let dfs_done = check.report.dfs_completed();
    outln!(
        " {:>10} {:>11.0} {:>9}",
        check.report.schedules(),
        check.report.schedules_per_sec(),
        format!("{dfs_done}/{}", check.report.workloads)
    );
}

/// One invariant's cell: the verdict, the execution that first showed a break, and whether it
/// agrees with the catalog, coloured to match.
fn verdict_cell(check: &VariantCheck, invariant: Invariant) -> String {
    let shown = check.report.shown(invariant);
    let expected = check.variant.expects(invariant);
    let first = check
        .report
        .counterexample(invariant)
        .map(|found| format!(" @{}", found.iteration))
        .unwrap_or_default();
    let mark = if expected.is_none() {
        "(as shown)"
    } else if expected.is_some_and(|expected| shown.agrees_with(expected)) {
        "ok"
    } else if expected == Some(bank_core::Verdict::Breaks) {
        "EXPECTED BREAK"
    } else {
        "EXPECTED HOLD"
    };
    let cell = format!("{:<26}", format!("{}{first} {mark}", shown.word()));
    match mark {
        "ok" => crate::cli::style::good(&cell),
        "(as shown)" => cell,
        _ => crate::cli::style::bad(&cell),
    }
}

/// Under a variant's row: each verdict that disagrees with the catalog, and any livelock or
/// panic, since those disagree whatever the verdicts.
fn print_disagreements(check: &VariantCheck) {
    for invariant in check.mismatches() {
        outln!(
            "  {} / {}: expected {}, {}",
            check.variant.id,
            invariant,
            check
                .variant
                .expects(invariant)
                .map_or("nothing".to_string(), |verdict| verdict.to_string()),
            match check.report.shown(invariant) {
                shown @ Shown::NotFound { .. } => format!(
                    "expected break {}: not a proof of anything",
                    shown.describe()
                ),
                shown => shown.describe(),
            }
        );
    }
    if let Some(livelock) = &check.report.livelock {
        outln!(
            "  LIVELOCK: a fair schedule reached the step bound with threads still runnable (execution {})",
            livelock.iteration
        );
    }
    if let Some(panic) = &check.report.panic {
        outln!(
            "  the bank PANICKED: {}",
            panic.anomaly.message.as_deref().unwrap_or("?")
        );
    }
}

/// Schedules per second for each variant and strategy, over every workload (a strategy stops
/// early once every invariant has broken, so a short run's rate is noisier).
fn print_speed(explored: &[Explored]) {
    let Some(first) = explored.first() else {
        return;
    };
    let mut strategies: Vec<Strategy> = Vec::new();
    for run in &first.check.report.runs {
        if !strategies.contains(&run.strategy) {
            strategies.push(run.strategy);
        }
    }
    outln!("\nschedules per second, by strategy (over every workload):");
    out!("{:<20}", "variant");
    for strategy in &strategies {
        out!(" {:>17}", strategy.name());
    }
    outln!();
    for Explored { check, .. } in explored {
        out!("{:<20}", check.variant.id);
        for strategy in &strategies {
            let runs = check
                .report
                .runs
                .iter()
                .filter(|run| run.strategy == *strategy);
            let (schedules, seconds) = runs.fold((0, 0.0), |(n, s), run| {
                (n + run.schedules, s + run.elapsed.as_secs_f64())
            });
            let rate = if seconds > 0.0 {
                schedules as f64 / seconds
            } else {
                0.0
            };
            out!(" {:>17}", format!("{rate:.0} ({schedules})"));
        }
        outln!();
    }
    outln!("(in brackets: schedules explored)");
}

fn print_counterexamples(explored: &[Explored]) {
    outln!("\nminimal counterexamples:");
    for Explored { check, minimal } in explored {
        for (found, path) in minimal {
            print_counterexample(check.variant.id, found, path);
        }
    }
}

/// One minimal counterexample: its workload, what it showed, how it was found, and its replay
/// command (shared with `prove`).
pub fn print_counterexample(variant: &str, found: &Counterexample, path: &std::path::Path) {
    let anomaly = &found.anomaly;
    outln!(
        "  {} / {}: balances {:?}; threads {}",
        variant,
        found.finding,
        found.workload.balances,
        describe_threads(&found.workload.threads)
    );
    let total = |total: Option<i128>| total.map_or("-".to_string(), |t| t.to_string());
    if let Some(table) = &anomaly.linearizability {
        for line in table.lines() {
            outln!("    {line}");
        }
    } else if let (Some(message), true) = (&anomaly.message, anomaly.blocked_threads.is_empty()) {
        outln!("    {message}");
    } else if anomaly.blocked_threads.is_empty() {
        outln!(
            "    expected total {}, seen {} (lowest {}, highest {}); lowest balance {}",
            anomaly.expected_total,
            total(anomaly.observed_total),
            total(anomaly.lowest_total),
            total(anomaly.highest_total),
            anomaly.min_balance
        );
    } else {
        outln!(
            "    deadlock: blocked threads {}",
            anomaly.blocked_threads.join(", ")
        );
    }
    outln!(
        "    found by {} (execution {}); schedule {}",
        found.strategy.name(),
        found.iteration,
        found.schedule
    );
    outln!(
        "    replay: {} replay {}",
        super::context::invocation(),
        path.display()
    );
}

fn to_json(explored: &[Explored]) -> Value {
    let variants: Vec<_> = explored
        .iter()
        .map(|Explored { check, minimal }| {
            let counterexamples: Vec<_> = minimal
                .iter()
                .map(|(found, path)| {
                    json!({
                        "finding": found.finding.key(),
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
                .map(|run| json!({"strategy": run.strategy.name(), "schedules": run.schedules, "completed": run.completed, "unfinished": run.unfinished, "seconds": run.elapsed.as_secs_f64()}))
                .collect();
            let shown: serde_json::Map<String, Value> = Invariant::ALL
                .into_iter()
                .map(|invariant| {
                    let verdict = check.report.shown(invariant);
                    (
                        invariant.key().to_string(),
                        json!({"verdict": verdict.word(), "evidence": verdict.describe(), "agrees": check.variant.expects(invariant).map(|expected| verdict.agrees_with(expected))}),
                    )
                })
                .collect();
            json!({
                "id": check.variant.id,
                "expected": check.variant.expected,
                "shown": shown,
                "workloads": check.report.workloads,
                "counterexamples": counterexamples,
                "schedules": check.report.schedules(),
                "schedules_per_sec": check.report.schedules_per_sec(),
                "runs": runs,
                "panic": check.report.panic.as_ref().map(|panic| &panic.anomaly.message),
                "livelock": check.report.livelock.is_some(),
            })
        })
        .collect();
    json!({ "variants": variants })
}
