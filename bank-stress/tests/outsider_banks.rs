//! Banks the catalog does not know, checked the way a user would: through the public API only
//! (`check`, `check_workloads`, `default_exploration`, `generated_workloads`).
//!
//! - Correct banks whose threads retry with a yield (a try-lock spin, a two-lock bank that backs
//!   off, an optimistic reader that re-reads until its snapshot is stable) must get no flag under
//!   any strategy: exhaustive search is fair (a thread that yields gives way), so a spinning
//!   waiter cannot starve the lock holder into a false "deadlock".
//! - Broken banks with bugs the old generators could not reach (a code path only for amounts of
//!   4 or more; a bug that needs three accounts; one that needs two transfers in flight at once)
//!   must each be flagged with the right invariant by the default exploration alone.

mod support;

use bank_core::{Bank, Invariant, Money, ShuttleThreads};
use bank_stress::checker::{Budget, CheckReport, Shown, Strategy, check, check_workloads};
use bank_stress::workloads::{default_exploration, default_workload, generated_workloads};
use support::outsider_banks::{
    BackOffBank, ExpressLaneBank, PendingSlotBank, SeqLockBank, SpinLockBank, TwoKindsBank,
};

type Shuttle = ShuttleThreads;

// ---------------------------------------------------------------------------------------------

fn no_flag(report: &CheckReport, what: &str) {
    assert!(
        report.counterexamples.is_empty() && report.livelock.is_none() && report.panic.is_none(),
        "{what}: a correct bank was flagged: {:#?}",
        report.findings().collect::<Vec<_>>()
    );
}

fn every_strategy() -> Vec<Strategy> {
    vec![
        Strategy::Random,
        Strategy::Pct { depth: 2 },
        Strategy::Pct { depth: 3 },
        Strategy::Dfs,
    ]
}

#[test]
fn correct_banks_that_retry_with_a_yield_get_no_flag_on_the_default_workload() {
    for strategy in every_strategy() {
        let budget = Budget::single(strategy, 2_000, 7);
        let name = strategy.name();
        no_flag(
            &check(SpinLockBank::<Shuttle>::open, &default_workload(), &budget).unwrap(),
            &format!("spin lock, {name}"),
        );
        no_flag(
            &check(BackOffBank::<Shuttle>::open, &default_workload(), &budget).unwrap(),
            &format!("back-off, {name}"),
        );
        no_flag(
            &check(SeqLockBank::<Shuttle>::open, &default_workload(), &budget).unwrap(),
            &format!("sequence lock, {name}"),
        );
    }
}

#[test]
fn a_spinning_waiter_under_dfs_is_proven_correct_not_called_a_deadlock() {
    // Small enough for DFS to finish: the proof, not just "nothing found".
    let workload = bank_core::Workload {
        balances: vec![1, 1],
        threads: vec![
            vec![bank_stress::workloads::transfer(0, 1, 1)],
            vec![bank_core::Op::Audit],
        ],
    };
    let report = check(
        SpinLockBank::<Shuttle>::open,
        &workload,
        &Budget::single(Strategy::Dfs, 100_000, 1),
    )
    .unwrap();
    no_flag(&report, "spin lock, DFS");
    assert!(
        matches!(
            report.shown(Invariant::DeadlockFree),
            Shown::Proven { workloads: 1, .. }
        ),
        "{:?}",
        report.shown(Invariant::DeadlockFree)
    );
}

#[test]
fn correct_banks_that_retry_with_a_yield_get_no_flag_on_256_generated_workloads() {
    let workloads = generated_workloads(256, *b"outsider banks: generated 256 w.");
    assert_eq!(workloads.len(), 256);
    let budget = Budget {
        strategies: every_strategy(),
        iterations: 60,
        seed: 11,
        stop_at_first_break: false,
    };
    no_flag(
        &check_workloads(SpinLockBank::<Shuttle>::open, &workloads, &budget).unwrap(),
        "spin lock, generated",
    );
    no_flag(
        &check_workloads(BackOffBank::<Shuttle>::open, &workloads, &budget).unwrap(),
        "back-off, generated",
    );
    no_flag(
        &check_workloads(SeqLockBank::<Shuttle>::open, &workloads, &budget).unwrap(),
        "sequence lock, generated",
    );
}

/// The default exploration, as `cargo xtask explore` runs it for the catalog.
fn default_check<B: Bank + 'static>(
    open: impl Fn(&[Money]) -> B + Clone + Send + Sync + 'static,
) -> CheckReport {
    check_workloads(
        open,
        &default_exploration(),
        &Budget::portfolio(1_000, 0x0BAD_BA4C),
    )
    .unwrap()
}

#[test]
fn a_bug_only_on_large_amounts_is_found_by_the_default_exploration() {
    let report = default_check(ExpressLaneBank::<Shuttle>::open);
    assert!(
        report.breaks(Invariant::FinalConservation),
        "lost update on the express lane: {:?}",
        report.observed
    );
    let found = report.counterexample(Invariant::FinalConservation).unwrap();
    assert!(
        found
            .workload
            .threads
            .iter()
            .flatten()
            .any(|op| matches!(op, bank_core::Op::Transfer { amount, .. } if *amount >= 4)),
        "the counterexample uses the large-amount path: {:?}",
        found.workload
    );
    assert!(!report.breaks(Invariant::DeadlockFree));
}

#[test]
fn a_bug_that_needs_three_accounts_is_found_by_the_default_exploration() {
    let report = default_check(TwoKindsBank::<Shuttle>::open);
    assert!(
        report.breaks(Invariant::FinalConservation),
        "{:?}",
        report.observed
    );
    let found = report.counterexample(Invariant::FinalConservation).unwrap();
    assert!(found.workload.balances.len() >= 3, "{:?}", found.workload);
    // With two accounts it is a correct global-lock bank: DFS proves it on the default workload.
    let two = check(
        TwoKindsBank::<Shuttle>::open,
        &bank_core::Workload {
            balances: vec![1, 1],
            threads: vec![
                vec![bank_stress::workloads::transfer(0, 1, 1)],
                vec![bank_stress::workloads::transfer(1, 0, 1)],
            ],
        },
        &Budget::single(Strategy::Dfs, 100_000, 1),
    )
    .unwrap();
    assert!(two.counterexamples.is_empty(), "{:?}", two.counterexamples);
}

#[test]
fn a_bug_that_needs_two_transfers_in_flight_is_found_by_the_default_exploration() {
    let report = default_check(PendingSlotBank::<Shuttle>::open);
    assert!(
        report.breaks(Invariant::SnapshotConservation),
        "{:?}",
        report.observed
    );
    for invariant in [
        Invariant::FinalConservation,
        Invariant::NoOverdraft,
        Invariant::DeadlockFree,
    ] {
        assert!(!report.breaks(invariant), "{invariant}");
    }
}
