//! Schedules to first detection, per strategy: for every break the catalog expects, and for the
//! outsider banks' bugs (a path only for large amounts, a bug that needs three accounts, one that
//! needs two transfers in flight), how many schedules each strategy explores over the default
//! exploration (its 26 workloads in order, 1,500 schedules each, as `cargo xtask explore`) before
//! it shows the break. Random and PCT over seeds 1..=20; DFS is deterministic (one value).
//!
//! Run: `cargo run --release -p bank-stress --example first_detection` (BENCHMARKS.md §5).

#[path = "../tests/support/outsider_banks.rs"]
mod outsider_banks;

use bank_core::{Bank, CATALOG, Invariant, Money, ShuttleThreads, Verdict};
use bank_stress::checker::{Budget, Finding, Strategy, check};
use bank_stress::matrix::shuttle_opener;
use bank_stress::workloads::default_exploration;
use outsider_banks::{ExpressLaneBank, PendingSlotBank, TwoKindsBank};

const SEEDS: u64 = 20;
const PER_WORKLOAD: usize = 1_500;

/// Schedules explored before (and including) the first that shows `finding`, over the default
/// exploration's workloads in order; `None` if none does.
fn schedules_to_first<B, F>(
    open: &F,
    finding: Finding,
    strategy: Strategy,
    seed: u64,
) -> Option<usize>
where
    B: Bank + 'static,
    F: Fn(&[Money]) -> B + Clone + Send + Sync + 'static,
{
    let mut before = 0;
    for workload in default_exploration() {
        let report = check(
            open.clone(),
            &workload,
            &Budget::single(strategy, PER_WORKLOAD, seed),
        )
        .expect("valid workload");
        if let Some(found) = report.findings().find(|found| found.finding == finding) {
            return Some(before + found.iteration);
        }
        before += report.schedules();
    }
    None
}

/// `median (min–max), found in k/n`.
fn summary(mut found: Vec<Option<usize>>) -> String {
    let runs = found.len();
    let mut hits: Vec<usize> = found.drain(..).flatten().collect();
    hits.sort_unstable();
    if hits.is_empty() {
        return format!("not found (0/{runs})");
    }
    let median = hits[hits.len() / 2];
    if runs == 1 {
        return median.to_string();
    }
    format!(
        "{median} ({}–{}), {}/{runs}",
        hits[0],
        hits[hits.len() - 1],
        hits.len()
    )
}

fn row<B, F>(subject: &str, open: F, finding: Finding)
where
    B: Bank + 'static,
    F: Fn(&[Money]) -> B + Clone + Send + Sync + 'static,
{
    let mut cells = Vec::new();
    for strategy in [
        Strategy::Random,
        Strategy::Pct { depth: 2 },
        Strategy::Pct { depth: 3 },
    ] {
        let found = (1..=SEEDS)
            .map(|seed| schedules_to_first(&open, finding, strategy, seed))
            .collect();
        cells.push(summary(found));
    }
    cells.push(summary(vec![schedules_to_first(
        &open,
        finding,
        Strategy::Dfs,
        0,
    )]));
    println!("| {subject} | {finding} | {} |", cells.join(" | "));
}

fn main() {
    // Shuttle's panic hook prints for every deadlock; the checker records them itself.
    let _quiet = gag::Gag::stderr().ok();
    println!(
        "| bank | finding | random (seeds 1–{SEEDS}) | pct-2 | pct-3 | dfs |\n|---|---|---|---|---|---|"
    );
    for variant in CATALOG {
        for invariant in Invariant::ALL {
            if variant.expects(invariant) == Some(Verdict::Breaks) {
                row(
                    &format!("`{}`", variant.id),
                    shuttle_opener(variant),
                    Finding::Broke(invariant),
                );
            }
        }
    }
    row(
        "express lane (amounts ≥ 4 skip the lock)",
        ExpressLaneBank::<ShuttleThreads>::open,
        Finding::Broke(Invariant::FinalConservation),
    );
    row(
        "two kinds (needs 3 accounts)",
        TwoKindsBank::<ShuttleThreads>::open,
        Finding::Broke(Invariant::FinalConservation),
    );
    row(
        "pending slot (needs 2 transfers in flight)",
        PendingSlotBank::<ShuttleThreads>::open,
        Finding::Broke(Invariant::SnapshotConservation),
    );
}
