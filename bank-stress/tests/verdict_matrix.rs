//! The whole verdict matrix, in both directions: under each strategy, with fixed seeds, every
//! variant breaks exactly the invariants the catalog says break and no other. Written once
//! (`assert_catalog_agrees`), run under each strategy by small tests.

use bank_core::{CATALOG, Invariant, Verdict};
use bank_stress::checker::{Budget, Strategy};
use bank_stress::matrix::check_variant;
use bank_stress::workloads::{default_workload, dfs_proof_workloads, dfs_single_client_workload};

const SEED: u64 = 0x0BAD_BA4C;
const ITERATIONS: usize = 3_000;

/// Checks every catalog variant on the default workload under `budget` and fails listing every
/// disagreement with the catalog (never just the first).
fn assert_catalog_agrees(budget: &Budget) {
    let mut disagreements = Vec::new();
    for variant in CATALOG {
        let check =
            check_variant(variant, &default_workload(), budget).expect("valid workload and budget");
        if !check.agrees() {
            disagreements.push(format!(
                "{}: observed {:?}, expected {:?}, panic {:?}",
                variant.id, check.report.observed, variant.expected, check.report.panic
            ));
        }
        for counterexample in &check.report.counterexamples {
            assert!(
                !counterexample.schedule.is_empty(),
                "{}: a counterexample without a schedule",
                variant.id
            );
        }
    }
    assert!(
        disagreements.is_empty(),
        "the checker disagrees with the catalog:\n{}",
        disagreements.join("\n")
    );
}

/// The default workload explored with the random scheduler, as the anomaly tests below use it.
fn random_report(id: &str) -> bank_stress::checker::CheckReport {
    let variant = bank_core::catalog::find(id).unwrap();
    check_variant(
        variant,
        &default_workload(),
        &Budget::single(Strategy::Random, ITERATIONS, SEED),
    )
    .unwrap()
    .report
}

#[test]
fn every_variant_matches_the_catalog_under_random() {
    assert_catalog_agrees(&Budget::single(Strategy::Random, ITERATIONS, SEED));
}

#[test]
fn every_variant_matches_the_catalog_under_pct_depth_2() {
    assert_catalog_agrees(&Budget::single(
        Strategy::Pct { depth: 2 },
        ITERATIONS,
        SEED,
    ));
}

#[test]
fn every_variant_matches_the_catalog_under_pct_depth_3() {
    assert_catalog_agrees(&Budget::single(
        Strategy::Pct { depth: 3 },
        ITERATIONS,
        SEED,
    ));
}

#[test]
fn every_variant_matches_the_catalog_under_the_portfolio() {
    assert_catalog_agrees(&Budget::portfolio(1_000, SEED));
}

/// DFS enumerates every schedule of each small bound: for a variant the catalog says is correct,
/// finding nothing is a proof within that bound, not a sample.
#[test]
fn every_correct_variant_is_proven_by_exhaustive_dfs_within_small_bounds() {
    let correct = CATALOG.iter().filter(|variant| {
        Invariant::ALL
            .iter()
            .all(|&i| variant.expected.get(i) == Verdict::Holds)
    });
    let mut proven = Vec::new();
    for variant in correct {
        let bounds = if variant.id == "actor" {
            vec![("single-client", dfs_single_client_workload())]
        } else {
            dfs_proof_workloads()
        };
        for (bound, workload) in bounds {
            let report = check_variant(
                variant,
                &workload,
                &Budget::single(Strategy::Dfs, 200_000, 0),
            )
            .unwrap()
            .report;
            assert!(
                report.exhaustive(),
                "{}: DFS did not finish {bound} within 200,000 schedules",
                variant.id
            );
            assert!(
                report.counterexamples.is_empty(),
                "{}: {bound}: {:?}",
                variant.id,
                report.counterexamples
            );
            assert!(
                report.schedules() > 1,
                "{}: {bound} had no interleavings to enumerate",
                variant.id
            );
        }
        proven.push(variant.id);
    }
    assert_eq!(
        proven,
        ["global-lock", "ordered-locks", "two-level", "actor"]
    );
}

/// DFS finds every expected break within the same small bounds, so the proofs above are not
/// vacuous: the bounds are big enough to show each bug the catalog lists.
#[test]
fn exhaustive_dfs_finds_every_expected_break_within_the_same_bounds() {
    for variant in CATALOG {
        let mut observed = bank_core::Verdicts::ALL_HOLD;
        for (_, workload) in dfs_proof_workloads() {
            let report = check_variant(
                variant,
                &workload,
                &Budget::single(Strategy::Dfs, 200_000, 0),
            )
            .unwrap()
            .report;
            for found in &report.counterexamples {
                if let Some(invariant) = found.finding.invariant() {
                    observed.set(invariant, Verdict::Breaks);
                }
            }
        }
        if variant.id != "actor" {
            assert_eq!(observed, variant.expected, "{}", variant.id);
        }
    }
}

#[test]
fn a_deadlock_counterexample_names_the_blocked_threads() {
    let report = random_report("nested-locks");
    let deadlock = report
        .counterexample(Invariant::DeadlockFree)
        .expect("nested-locks deadlocks");
    assert!(
        deadlock
            .anomaly
            .blocked_threads
            .iter()
            .any(|name| name.starts_with("worker-")),
        "{:?}",
        deadlock.anomaly
    );
}

#[test]
fn a_lost_update_counterexample_reports_the_totals_seen() {
    let report = random_report("unsafe");
    let lost = report
        .counterexample(Invariant::FinalConservation)
        .expect("the unsafe bank loses updates");
    assert_eq!(lost.anomaly.expected_total, 2);
    assert_ne!(lost.anomaly.observed_total, Some(2));
    assert!(
        lost.anomaly.lowest_total <= lost.anomaly.observed_total
            && lost.anomaly.observed_total <= lost.anomaly.highest_total
    );
}

/// A DFS cut short by its budget is not a proof, and must not say it is.
#[test]
fn a_dfs_stopped_by_its_budget_is_not_reported_as_exhaustive() {
    let variant = bank_core::catalog::find("global-lock").unwrap();
    let cut_short = check_variant(
        variant,
        &default_workload(),
        &Budget::single(Strategy::Dfs, 50, 0),
    )
    .unwrap()
    .report;
    assert_eq!(cut_short.schedules(), 50);
    assert!(!cut_short.exhaustive());
    let (_, small) = &dfs_proof_workloads()[0];
    let complete = check_variant(variant, small, &Budget::single(Strategy::Dfs, 200_000, 0))
        .unwrap()
        .report;
    assert!(complete.exhaustive() && complete.schedules() < 200_000);
}

#[test]
fn a_deadlock_counterexample_carries_the_expected_total_and_shuttles_message() {
    let report = random_report("nested-locks");
    let deadlock = report
        .counterexample(Invariant::DeadlockFree)
        .expect("nested-locks deadlocks");
    assert_eq!(deadlock.anomaly.expected_total, 2);
    assert!(
        deadlock
            .anomaly
            .message
            .as_deref()
            .is_some_and(|m| m.starts_with("deadlock!")),
        "{:?}",
        deadlock.anomaly
    );
    // A deadlock is one finding among four invariants: exploration goes on to the full budget.
    assert_eq!(report.schedules(), ITERATIONS);
}

#[test]
fn a_snapshot_counterexample_reports_the_bad_audits_total() {
    let report = random_report("unsafe");
    let in_flight = report
        .counterexample(Invariant::SnapshotConservation)
        .expect("audits see money in flight");
    let seen = in_flight.anomaly.observed_total.expect("the audit's total");
    assert_ne!(
        seen, 2,
        "the observed total of a snapshot break is the bad audit's, not the final total"
    );
    assert!(
        in_flight.anomaly.lowest_total <= Some(seen)
            && Some(seen) <= in_flight.anomaly.highest_total
    );
}
