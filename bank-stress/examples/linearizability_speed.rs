//! How fast the linearizability check decides real-thread histories, next to the time the
//! threads took to make them (BENCHMARKS.md §8):
//!
//! 1. every catalog variant that does not deadlock, on the default preset's workload (5 threads ×
//!    20,000 transfers, an audit after each: 200,000 calls), ten seeds each: the run's time, the
//!    decision's ([`decide`]) and the whole check's ([`check`]: decision and explanation), the
//!    worst of the ten;
//! 2. `balancing-audit` (whose audit retries, so it stays pending across many calls) at 1,000 and
//!    10,000 calls, ten seeds each.
//!
//! `cargo run --release -p bank-stress --example linearizability_speed [SEEDS]`

use bank_core::{BankOptions, CATALOG, Op, WorkloadShape};
use bank_stress::linearizability::{
    History, Limits, Linearizability, SearchBounds, check, decide, record,
};
use std::time::Instant;

/// One real-thread run of `variant`: `threads` × `transfers` transfers of the seed shape, an
/// audit after each. The history and the seconds the run took.
fn run(variant: &str, transfers: usize, seed: u64) -> (Vec<i64>, History, f64) {
    let shape = WorkloadShape {
        transfers_per_thread: transfers,
        ..WorkloadShape::seed()
    };
    let info = CATALOG.iter().find(|info| info.id == variant).unwrap();
    let bank = (info.open.os)(&shape.balances, BankOptions::default()).unwrap();
    let threads: Vec<Vec<Op>> = (0..shape.threads)
        .map(|thread| {
            shape
                .transfers(seed, thread)
                .flat_map(|(from, to, amount)| [Op::Transfer { from, to, amount }, Op::Audit])
                .collect()
        })
        .collect();
    let started = Instant::now();
    let history = record::on_threads(&*bank, &threads);
    (shape.balances, history, started.elapsed().as_secs_f64())
}

fn word(answer: &Linearizability) -> String {
    match answer {
        Linearizability::Linearizable { .. } => "linearizable".to_string(),
        Linearizability::NotLinearizable(violation) => format!(
            "not linearizable at event {}{}",
            violation.prefix_len,
            if violation.minimal {
                ""
            } else {
                " (not minimal)"
            }
        ),
        Linearizability::Unknown { exhausted, .. } => format!("unknown: {exhausted}"),
    }
}

/// Runs and checks `seeds` histories; prints one line per variant.
fn measure(variant: &str, transfers: usize, seeds: u64) {
    let (mut worst_ratio, mut worst_check, mut worst_decide) = (0.0f64, 0.0f64, 0.0f64);
    let (mut runs, mut checks) = (0.0, 0.0);
    let mut verdicts = std::collections::BTreeMap::<String, usize>::new();
    let mut calls = 0;
    for seed in 0..seeds {
        let (balances, history, run_seconds) = run(variant, transfers, seed);
        calls = history.events.len() / 2;
        let started = Instant::now();
        let decision = decide(&balances, &history, Limits::default()).unwrap();
        let decide_seconds = started.elapsed().as_secs_f64();
        let started = Instant::now();
        let answer = check(&balances, &history, SearchBounds::default()).unwrap();
        let check_seconds = started.elapsed().as_secs_f64();
        let mut verdict = word(&answer);
        if verdict.starts_with("not") {
            verdict = "not linearizable".to_string();
        }
        assert_eq!(
            matches!(answer, Linearizability::Linearizable { .. }),
            decision == bank_stress::linearizability::Decision::Linearizable,
            "{variant} seed {seed}: the decision and the check disagree"
        );
        *verdicts.entry(verdict).or_default() += 1;
        worst_ratio = worst_ratio.max(check_seconds / run_seconds);
        worst_check = worst_check.max(check_seconds);
        worst_decide = worst_decide.max(decide_seconds);
        runs += run_seconds;
        checks += check_seconds;
    }
    println!(
        "| `{variant}` | {calls} | {verdicts:?} | {:.3} s | {:.3} s | {:.1} ms | {:.1} ms | {:.2} |",
        runs / seeds as f64,
        checks / seeds as f64,
        worst_decide * 1e3,
        worst_check * 1e3,
        worst_ratio
    );
}

fn main() {
    let seeds: u64 = std::env::args()
        .nth(1)
        .map_or(10, |seeds| seeds.parse().expect("SEEDS is a number"));
    println!("1. the default preset's workload, {seeds} seeds (no schedule noise)");
    println!(
        "| variant | calls | verdicts | mean run | mean check | worst decide | worst check | worst check/run |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for info in CATALOG {
        if info.expects(bank_core::Invariant::DeadlockFree) == Some(bank_core::Verdict::Breaks) {
            continue;
        }
        measure(info.id, 20_000, seeds);
    }
    println!("2. balancing-audit, short histories, {seeds} seeds");
    for transfers in [100, 1_000] {
        measure("balancing-audit", transfers, seeds);
    }
}
