//! Bug depth: for every expected break of the catalog, on its committed minimal counterexample's
//! workload (`tests/regressions/`), the smallest preemption bound at which the bounded-exhaustive
//! search finds it and how many schedules that took, next to the schedules random and PCT need to
//! first show it (seeds 1..=20 each) and PCT's guarantee. The measurement SCTBench made known
//! (Thomson, Donaldson, Betts, "Concurrency testing using controlled schedulers: an empirical
//! study", TOPC 2016).
//!
//! PCT's guarantee (Burckhardt et al., ASPLOS 2010): a bug of depth d in a program of n threads
//! and k steps is found by one PCT execution with probability at least 1/(n·k^(d−1)). Depth counts
//! ordering constraints, not preemptions; a bug needing P preemptions has depth at most P + 1, so
//! the table uses d = P + 1, n = worker threads + the harness, and k = the steps of the recorded
//! counterexample schedule, and prints the bound as "1 in n·k^(d−1)".
//!
//! Run: `cargo run -p bank-stress --example bug_depth` (BENCHMARKS.md §6; the dev profile
//! optimises this crate and its dependencies).

use bank_stress::checker::{Budget, Finding, Strategy, check};
use bank_stress::matrix::shuttle_opener;
use bank_stress::persist;

const SEEDS: u64 = 20;
/// Schedules per bounded search (each enumerates its bound completely well within this).
const BUDGET: usize = 200_000;
/// Schedules per random or PCT run: each stops here whether or not it found the break.
const SAMPLED: usize = 2_000;
const DEEPEST: usize = 4;

/// The iteration at which `strategy` first shows `finding`, if it does within the budget, and the
/// schedules the run explored.
fn first_detection(
    variant: &'static bank_core::Subject,
    workload: &bank_core::Workload,
    finding: Finding,
    strategy: Strategy,
    seed: u64,
) -> (Option<usize>, usize, bool) {
    let budget = if strategy.exhaustive_bound().is_some() {
        BUDGET
    } else {
        SAMPLED
    };
    let report = check(
        shuttle_opener(variant),
        workload,
        &Budget::single(strategy, budget, seed),
    )
    .expect("a committed counterexample's workload is valid");
    let found = report
        .findings()
        .find(|found| found.finding == finding)
        .map(|found| found.iteration);
    (found, report.schedules(), report.exhaustive())
}

/// `median (min–max)` of the seeds that found it, and how many did.
fn summary(found: &[Option<usize>]) -> String {
    let mut hits: Vec<usize> = found.iter().flatten().copied().collect();
    hits.sort_unstable();
    if hits.is_empty() {
        return format!("not found (0/{})", found.len());
    }
    format!(
        "{} ({}–{}), {}/{}",
        hits[hits.len() / 2],
        hits[0],
        hits[hits.len() - 1],
        hits.len(),
        found.len()
    )
}

fn main() {
    // Shuttle prints for every deadlock it reports; the checker records them itself.
    let _quiet = gag::Gag::stderr().ok();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/regressions");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/regressions exists")
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    files.sort();
    println!(
        "| variant | finding | workload | smallest bound P | schedules to find at P (all with ≤ P) | random | pct-2 | pct-3 | PCT bound d = P+1: 1 in n·k^(d−1) |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for path in files {
        let file = persist::load(&path).unwrap_or_else(|error| panic!("{error}"));
        let variant = bank_core::catalog::find(&file.variant).expect("a catalog variant");
        let found = &file.counterexample;
        let Some(invariant) = found.finding.invariant() else {
            continue;
        };
        let workload = &found.workload;
        let depth = (0..=DEEPEST).find_map(|bound| {
            let strategy = Strategy::PreemptionBounded {
                preemptions: Some(bound),
            };
            let (first, all, exhausted) =
                first_detection(variant, workload, found.finding, strategy, 0);
            // A bound is only "too small" if its every schedule was explored.
            assert!(
                first.is_some() || exhausted,
                "{}: ≤ {bound} preemptions not exhausted within {BUDGET} schedules",
                variant.id
            );
            first.map(|first| (bound, first, all))
        });
        let sampled = |strategy| -> Vec<Option<usize>> {
            (1..=SEEDS)
                .map(|seed| first_detection(variant, workload, found.finding, strategy, seed).0)
                .collect()
        };
        let random = summary(&sampled(Strategy::Random));
        let pct2 = summary(&sampled(Strategy::Pct { depth: 2 }));
        let pct3 = summary(&sampled(Strategy::Pct { depth: 3 }));
        let threads = workload.threads.len() + 1;
        let steps = found.schedule.split(';').nth(1).map_or(0, |steps| {
            steps.split(',').filter(|step| !step.is_empty()).count()
        });
        let (bound, at, pct_bound) = match depth {
            Some((bound, first, all)) => {
                let denominator = (threads as f64) * (steps as f64).powi(bound as i32);
                (
                    bound.to_string(),
                    format!("{first} ({all})"),
                    format!("1 in {denominator:.0} (n = {threads}, k = {steps})"),
                )
            }
            None => (format!("> {DEEPEST}"), "-".to_string(), "-".to_string()),
        };
        println!(
            "| `{}` | {} | {} | {bound} | {at} | {random} | {pct2} | {pct3} | {pct_bound} |",
            variant.id,
            invariant.key(),
            bank_stress::own_bank::describe_threads(&workload.threads),
        );
    }
}
