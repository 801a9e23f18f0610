//! proptest over workloads: generate small workloads, explore each under shuttle with a seed
//! derived from the workload, and
//! - where the catalog says an invariant breaks, let proptest falsify "it holds" and shrink the
//!   counterexample (then minimise it greedily: proptest's shrinker stops at local minima), which
//!   must come out minimal (2 threads, 2 operations, 2 accounts);
//! - where the catalog says it holds, find no break in any generated workload.
//!
//! The proptest RNG seed is fixed, so every run generates the same cases.

use bank_core::{CATALOG, Invariant, Subject, Verdict, Workload};
use bank_stress::checker::CheckReport;
use bank_stress::matrix::{check_variant, minimisation_budget};
use bank_stress::workloads::{arb_workload, minimise, seed_for};
use proptest::test_runner::{Config, RngSeed, TestCaseError, TestError, TestRunner};

/// Explores one generated workload with the library's minimisation budget: DFS first (it
/// completes on the small, shrunk workloads, so shrinking sees exact answers), then PCT and
/// random schedules for the larger ones.
fn explore(variant: &'static Subject, workload: &Workload) -> CheckReport {
    check_variant(variant, workload, &minimisation_budget(seed_for(workload)))
        .expect("generated workloads are valid")
        .report
}

fn runner(cases: u32) -> TestRunner {
    TestRunner::new(Config {
        cases,
        rng_seed: RngSeed::Fixed(0x5EED_BA4C),
        failure_persistence: None,
        max_shrink_iters: 2_000,
        ..Config::default()
    })
}

/// Falsifies "`invariant` holds for `id`" and returns proptest's shrunk workload.
fn minimal_counterexample(id: &str, invariant: Invariant) -> Workload {
    let variant = bank_core::catalog::find(id).unwrap();
    assert_eq!(
        variant
            .expected
            .expect("catalog entries state their verdicts")
            .get(invariant),
        Verdict::Breaks,
        "the catalog says {id} keeps {invariant}"
    );
    let result = runner(256).run(&arb_workload(), |workload| {
        if explore(variant, &workload).breaks(invariant) {
            Err(TestCaseError::fail(format!("{id} breaks {invariant}")))
        } else {
            Ok(())
        }
    });
    match result {
        Err(TestError::Fail(_, shrunk)) => {
            let minimal = minimise(shrunk.clone(), |workload| {
                explore(variant, workload).breaks(invariant)
            });
            println!(
                "{id}, {invariant}: proptest shrank to {shrunk:?}; minimal counterexample {minimal:?}"
            );
            minimal
        }
        other => panic!("{id}: no workload broke {invariant}: {other:?}"),
    }
}

fn assert_minimal(workload: &Workload) {
    assert_minimal_within(workload, 2, 2);
}

/// At most 2 threads, at most `ops` operations, exactly `accounts` accounts.
fn assert_minimal_within(workload: &Workload, ops: usize, accounts: usize) {
    assert!(
        workload.threads.len() <= 2,
        "more than 2 threads: {workload:?}"
    );
    assert!(
        workload.op_count() <= ops,
        "more than {ops} operations: {workload:?}"
    );
    assert_eq!(
        workload.balances.len(),
        accounts,
        "not {accounts} accounts: {workload:?}"
    );
}

/// Breaks whose smallest workload is larger than two calls on two accounts, and how large.
/// An audit that returns a state that never existed with the right total needs three accounts
/// (with two, a right total fixes both balances) and three calls.
const LARGER_THAN_TWO_BY_TWO: &[(&str, Invariant, usize, usize)] =
    &[("balancing-audit", Invariant::Linearizable, 3, 3)];

/// Every break of `invariant` the catalog expects shrinks to a minimal workload: the list comes
/// from the catalog, so a new variant's breaks are tested without a line here changing.
fn every_break_of(invariant: Invariant) {
    let breakers: Vec<&str> = CATALOG
        .iter()
        .filter(|variant| variant.expects(invariant) == Some(Verdict::Breaks))
        .map(|variant| variant.id)
        .collect();
    assert!(!breakers.is_empty(), "no variant breaks {invariant}");
    for id in breakers {
        let workload = minimal_counterexample(id, invariant);
        match LARGER_THAN_TWO_BY_TWO
            .iter()
            .find(|(larger, broken, _, _)| *larger == id && *broken == invariant)
        {
            Some(&(_, _, ops, accounts)) => assert_minimal_within(&workload, ops, accounts),
            None => assert_minimal(&workload),
        }
    }
}

#[test]
fn every_snapshot_conservation_break_has_a_minimal_workload() {
    every_break_of(Invariant::SnapshotConservation);
}

#[test]
fn every_final_conservation_break_has_a_minimal_workload() {
    every_break_of(Invariant::FinalConservation);
}

#[test]
fn every_overdraft_has_a_minimal_workload() {
    every_break_of(Invariant::NoOverdraft);
}

#[test]
fn every_deadlock_has_a_minimal_workload() {
    every_break_of(Invariant::DeadlockFree);
}

#[test]
fn every_linearizability_break_has_a_minimal_workload() {
    every_break_of(Invariant::Linearizable);
}

/// One test per invariant above: a new invariant fails here until it has its own.
#[test]
fn every_invariant_has_a_shrinking_test() {
    let source = include_str!("shrinking.rs");
    for invariant in Invariant::ALL {
        let call = format!("every_break_of(Invariant::{invariant:?});");
        assert!(source.contains(&call), "no test calls {call}");
    }
}

/// No generated workload breaks an invariant the catalog says holds, for any variant.
#[test]
fn no_generated_workload_breaks_what_the_catalog_says_holds() {
    let mut failures = Vec::new();
    for variant in CATALOG {
        let result = runner(24).run(&arb_workload(), |workload| {
            let report = explore(variant, &workload);
            for invariant in Invariant::ALL {
                if variant.expects(invariant) == Some(Verdict::Holds) && report.breaks(invariant) {
                    return Err(TestCaseError::fail(format!(
                        "{} breaks {invariant}",
                        variant.id
                    )));
                }
            }
            Ok(())
        });
        if let Err(error) = result {
            failures.push(format!("{}: {error}", variant.id));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
