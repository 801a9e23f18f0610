//! Drained deadlocks (`bank_core::instrumentation::deadlock_drain`): a deadlocked execution ended by
//! unwinding its threads, instead of by shuttle's abort, must show exactly what shuttle's abort
//! shows, and its counterexample must replay to shuttle's own deadlock report.
//!
//! Normally only a workload's later deadlocks are drained (its first is shuttle's own, and only
//! the first counterexample is kept), so these tests drain from the first deadlock on.

use bank_core::{CATALOG, Invariant, Op, Workload};
use bank_stress::checker::{Budget, ReplayOutcome, Shown, Strategy, drain_from_the_start, replay};
use bank_stress::matrix::{check_variant, shuttle_opener};
use bank_stress::workloads::transfer;

fn workloads() -> Vec<Workload> {
    vec![
        Workload {
            balances: vec![1, 1],
            threads: vec![vec![transfer(0, 1, 1)], vec![transfer(1, 0, 1)]],
        },
        Workload {
            balances: vec![2, 1, 0],
            threads: vec![
                vec![transfer(0, 1, 1)],
                vec![transfer(1, 2, 1)],
                vec![transfer(2, 0, 1)],
            ],
        },
        Workload {
            balances: vec![1, 1],
            threads: vec![vec![transfer(0, 1, 1), Op::Audit], vec![transfer(1, 0, 1)]],
        },
        Workload {
            balances: vec![1, 2],
            threads: vec![vec![Op::Audit], vec![transfer(1, 0, 1), transfer(0, 1, 1)]],
        },
        // Three threads, one of which can finish before the other two deadlock: the blocked
        // threads named are the unfinished ones only.
        Workload {
            balances: vec![0, 0, 2],
            threads: vec![
                vec![transfer(1, 0, 2)],
                vec![transfer(2, 0, 2)],
                vec![Op::Audit],
            ],
        },
    ]
}

fn budget() -> Budget {
    Budget::single(
        Strategy::PreemptionBounded {
            preemptions: Some(2),
        },
        1_000_000,
        0,
    )
}

#[test]
fn drained_and_aborted_deadlocks_show_the_same_verdicts_and_drained_ones_replay() {
    let (mut all_aborted, mut all_drained) = (0, 0);
    for variant in CATALOG {
        for workload in workloads() {
            drain_from_the_start(false);
            let aborted = check_variant(variant, &workload, &budget()).unwrap().report;
            drain_from_the_start(true);
            let drained = check_variant(variant, &workload, &budget()).unwrap().report;
            drain_from_the_start(false);
            for invariant in Invariant::ALL {
                let (before, after) = (aborted.shown(invariant), drained.shown(invariant));
                assert_eq!(
                    std::mem::discriminant(&before),
                    std::mem::discriminant(&after),
                    "{} / {invariant} on {workload:?}: {before:?} aborted, {after:?} drained",
                    variant.id
                );
            }
            // A drain skips only the orders in which doomed threads fail their last attempts.
            let schedules = |report: &bank_stress::checker::CheckReport| {
                report.runs.iter().map(|run| run.schedules).sum::<usize>()
            };
            assert!(schedules(&drained) <= schedules(&aborted));
            all_aborted += schedules(&aborted);
            all_drained += schedules(&drained);
            if !matches!(drained.shown(Invariant::DeadlockFree), Shown::Breaks) {
                continue;
            }
            let found = drained
                .counterexample(Invariant::DeadlockFree)
                .expect("a break has a counterexample");
            // The same first deadlock, the same threads named blocked.
            let shuttles = aborted
                .counterexample(Invariant::DeadlockFree)
                .expect("the same break aborted");
            assert_eq!(
                found.anomaly.blocked_threads, shuttles.anomaly.blocked_threads,
                "{} on {workload:?}",
                variant.id
            );
            let replayed = replay(shuttle_opener(variant), found).unwrap();
            assert!(
                matches!(replayed, ReplayOutcome::Reproduced { .. }),
                "{} on {workload:?}: the drained deadlock's schedule {} replays as {replayed:?}",
                variant.id,
                found.schedule
            );
        }
    }
    // Drains did happen: the orders of doomed attempts they skip are fewer schedules (were
    // drains never armed, both explorations would be shuttle's aborts, and alike).
    assert!(
        all_drained < all_aborted,
        "{all_drained} schedules drained, {all_aborted} aborted"
    );
}

#[test]
fn a_drained_deadlock_counts_as_a_deadlock_of_the_threads_shuttle_names() {
    let variant = bank_core::catalog::find("nested-locks").unwrap();
    let workload = &workloads()[0];
    drain_from_the_start(true);
    let drained = check_variant(variant, workload, &budget()).unwrap().report;
    drain_from_the_start(false);
    let found = drained.counterexample(Invariant::DeadlockFree).unwrap();
    assert_eq!(
        found.anomaly.blocked_threads,
        ["main-thread", "worker-0", "worker-1"]
    );
    assert!(
        found
            .anomaly
            .message
            .as_deref()
            .is_some_and(|message| message.starts_with("deadlock! blocked tasks: [")),
        "{:?}",
        found.anomaly.message
    );
}
