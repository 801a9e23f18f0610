//! The parts of `prove` that a proof rests on: the enumeration (every workload of a scope, each
//! exactly once up to symmetry), the soundness of the symmetry reduction on every catalog variant,
//! and the preemption-bounded scheduler (complete, monotone in its bound, and finding a bug at
//! the depth the bug needs).

use bank_core::{CATALOG, Invariant, Op, Workload};
use bank_stress::checker::{Budget, Shown, Strategy, check};
use bank_stress::matrix::{check_variant, shuttle_opener};
use bank_stress::prove::symmetry::{
    is_representative, permutations, rename_accounts, representative, sort_threads,
};
use bank_stress::prove::{ProveOptions, Scope, ScopePart};
use bank_stress::workloads::{dfs_proof_workloads, transfer};
use std::collections::{HashMap, HashSet};

fn small_part(preemptions: Option<usize>) -> ScopePart {
    ScopePart {
        threads: 2,
        ops_per_thread: 1,
        accounts: 2,
        balances: 0..=1,
        amounts: 1..=1,
        audits: true,
        preemptions,
    }
}

#[test]
fn the_raw_count_is_the_number_of_ordered_workloads_and_each_class_is_kept_once() {
    let part = ScopePart {
        threads: 3,
        ops_per_thread: 1,
        accounts: 3,
        ..small_part(Some(2))
    };
    let every = part.workloads(true);
    assert_eq!(Some(every.len() as u128), part.raw_count());
    assert_eq!(
        every.iter().collect::<HashSet<_>>().len(),
        every.len(),
        "no workload is listed twice"
    );
    for accounts_are_names in [false, true] {
        let kept: Vec<Workload> = part
            .workloads(false)
            .into_iter()
            .filter(|w| is_representative(w, accounts_are_names))
            .collect();
        let kept_set: HashSet<&Workload> = kept.iter().collect();
        assert_eq!(kept_set.len(), kept.len());
        // Every workload's class has its representative among those kept…
        let mut classes: HashMap<Workload, usize> = HashMap::new();
        for workload in &every {
            let chosen = representative(workload, accounts_are_names);
            // …a renaming of the workload itself, not some other workload…
            let renamings: Vec<Vec<usize>> = if accounts_are_names {
                permutations(workload.balances.len())
            } else {
                vec![(0..workload.balances.len()).collect()]
            };
            assert!(
                renamings
                    .iter()
                    .any(|renaming| sort_threads(rename_accounts(workload, renaming)) == chosen),
                "{chosen:?} is not {workload:?} with threads permuted and accounts renamed"
            );
            assert!(
                kept_set.contains(&chosen),
                "{workload:?}'s representative {chosen:?} is not kept"
            );
            // …and the same for every member of the class: renaming the accounts (when they
            // are not names) or reordering the threads does not change it.
            for renaming in &renamings {
                let mut member = rename_accounts(workload, renaming);
                member.threads.reverse();
                assert_eq!(
                    representative(&member, accounts_are_names),
                    chosen,
                    "{member:?} and {workload:?} are one class"
                );
            }
            *classes.entry(chosen).or_default() += 1;
        }
        // …and every kept workload represents a class: exactly one per class.
        assert_eq!(classes.len(), kept.len());
        assert!(kept.len() < every.len());
    }
}

#[test]
fn the_default_scope_has_the_parts_the_readme_states() {
    let scope = Scope::default_scope();
    let described: Vec<String> = scope.parts.iter().map(ToString::to_string).collect();
    assert_eq!(
        described,
        [
            "≤ 2 threads × ≤ 1 op, 2–3 accounts, balances 0..=2, amounts 1..=2, audits, every fair interleaving",
            "≤ 2 threads × ≤ 2 ops, 2 accounts, balances 0..=2, amounts 1..=2, audits, every fair interleaving with ≤ 2 preemptions",
            "≤ 3 threads × ≤ 1 op, 2–3 accounts, balances 0..=2, amounts 1..=2, audits, every fair interleaving with ≤ 2 preemptions",
        ]
    );
}

#[test]
fn a_custom_scope_parses_and_bad_ones_say_why() {
    let scope = Scope::parse(
        "threads=3,ops=2,accounts=2,balances=1..=3,amounts=2,audits=no,preemptions=all",
    )
    .unwrap();
    assert_eq!(scope.parts[0].threads, 3);
    assert_eq!(scope.parts[0].balances, 1..=3);
    assert_eq!(scope.parts[0].amounts, 2..=2);
    assert!(!scope.parts[0].audits);
    assert_eq!(scope.parts[0].preemptions, None);
    for (bad, says) in [
        ("huge", "unknown scope"),
        ("threads=0,ops=1,accounts=2", "positive"),
        ("threads=2,ops=1,accounts=1", "at least 2"),
        ("threads=2,ops=1,accounts=2,balances=3..=1", "L..=H"),
        (
            "threads=2,ops=1,accounts=2,colour=red",
            "unknown scope field",
        ),
        ("threads=9,ops=9,accounts=9", "limit"),
    ] {
        let error = Scope::parse(bad).unwrap_err();
        assert!(error.contains(says), "{bad}: {error}");
    }
}

/// The verdicts of one workload: per invariant, whether some schedule breaks it.
fn breaks_on(
    variant: &'static bank_core::Subject,
    workload: &Workload,
    strategy: Strategy,
) -> Vec<bool> {
    let report = check_variant(variant, workload, &Budget::single(strategy, 2_000_000, 0))
        .unwrap()
        .report;
    assert!(
        report.exhaustive(),
        "{}: {workload:?} not exhausted",
        variant.id
    );
    Invariant::ALL
        .into_iter()
        .map(|invariant| report.breaks(invariant))
        .collect()
}

#[test]
fn every_workload_has_the_verdicts_of_the_workload_kept_for_its_class_on_every_variant() {
    for variant in CATALOG {
        // The actor's owner thread makes every schedule too many even here; it is checked with
        // ≤ 1 preemption, which the thread-symmetry argument covers as well.
        let strategy = if variant.id == "actor" {
            Strategy::PreemptionBounded {
                preemptions: Some(1),
            }
        } else {
            Strategy::Dfs
        };
        let mut verdicts: HashMap<Workload, Vec<bool>> = HashMap::new();
        for workload in small_part(None).workloads(true) {
            let kept = representative(&workload, variant.accounts_are_names);
            let kept_verdicts = verdicts
                .entry(kept.clone())
                .or_insert_with(|| breaks_on(variant, &kept, strategy))
                .clone();
            if kept != workload {
                assert_eq!(
                    breaks_on(variant, &workload, strategy),
                    kept_verdicts,
                    "{}: {workload:?} and its class's {kept:?} disagree",
                    variant.id
                );
            }
        }
    }
}

/// Renaming three accounts, on the one catalog variant with a break whose accounts are names.
#[test]
fn renamed_three_account_workloads_have_the_verdicts_of_their_class_on_global_lock_toctou() {
    let variant = bank_core::catalog::find("global-lock-toctou").unwrap();
    assert!(variant.accounts_are_names);
    let part = ScopePart {
        accounts: 3,
        ..small_part(None)
    };
    let mut verdicts: HashMap<Workload, Vec<bool>> = HashMap::new();
    let mut broken = 0;
    for workload in part.workloads(true) {
        let kept = representative(&workload, true);
        let kept_verdicts = verdicts
            .entry(kept.clone())
            .or_insert_with(|| breaks_on(variant, &kept, Strategy::Dfs))
            .clone();
        let own = breaks_on(variant, &workload, Strategy::Dfs);
        assert_eq!(own, kept_verdicts, "{workload:?} and {kept:?} disagree");
        broken += usize::from(own.contains(&true));
    }
    assert!(
        broken > 0,
        "the scope shows the overdraft, so the comparison could fail"
    );
}

#[test]
fn renaming_accounts_is_unsound_for_a_bank_that_locks_in_account_order() {
    // Why `nested-locks` is not reduced by account renaming: its audit locks account 0 then 1,
    // its transfer locks the source then the destination.
    let variant = bank_core::catalog::find("nested-locks").unwrap();
    assert!(!variant.accounts_are_names);
    let deadlocks = |from, to| {
        let workload = Workload {
            balances: vec![1, 1],
            threads: vec![vec![transfer(from, to, 1)], vec![Op::Audit]],
        };
        breaks_on(variant, &workload, Strategy::Dfs)[Invariant::DeadlockFree as usize]
    };
    assert!(deadlocks(1, 0));
    assert!(!deadlocks(0, 1), "the renamed workload does not deadlock");
    assert_eq!(permutations(3).len(), 6);
}

/// Schedules a strategy explores to exhaust a workload on a bank.
fn schedules(variant: &str, workload: &Workload, strategy: Strategy) -> usize {
    let variant = bank_core::catalog::find(variant).unwrap();
    let report = check(
        shuttle_opener(variant),
        workload,
        &Budget::single(strategy, 5_000_000, 0),
    )
    .unwrap();
    assert!(report.exhaustive());
    report.schedules()
}

/// The bounded search runs the harness whenever it can, so it enumerates fewer schedules than
/// shuttle's DFS; what it drops are interleavings of harness steps, never a behaviour: on every
/// workload of a small scope it shows exactly the verdicts DFS shows, with no more schedules.
#[test]
fn every_interleaving_of_the_workers_shows_what_every_schedule_shows() {
    let part = small_part(None);
    for variant in CATALOG.iter().filter(|variant| variant.id != "actor") {
        for workload in part.workloads(false) {
            let dfs = breaks_on(variant, &workload, Strategy::Dfs);
            let workers = breaks_on(
                variant,
                &workload,
                Strategy::PreemptionBounded { preemptions: None },
            );
            assert_eq!(workers, dfs, "{} on {workload:?}", variant.id);
            assert!(
                schedules(
                    variant.id,
                    &workload,
                    Strategy::PreemptionBounded { preemptions: None }
                ) <= schedules(variant.id, &workload, Strategy::Dfs)
            );
        }
    }
}

#[test]
fn the_bounded_search_grows_with_its_bound() {
    let (_, workload) = &dfs_proof_workloads()[1];
    let counts: Vec<usize> = (0..=3)
        .map(|preemptions| {
            schedules(
                "unsafe",
                workload,
                Strategy::PreemptionBounded {
                    preemptions: Some(preemptions),
                },
            )
        })
        .collect();
    assert!(
        counts.windows(2).all(|pair| pair[0] < pair[1]),
        "{counts:?}"
    );
    assert!(counts[0] >= 1);
}

#[test]
fn the_lost_update_needs_one_preemption_and_is_found_with_one() {
    let variant = bank_core::catalog::find("unsafe").unwrap();
    let (_, opposite) = &dfs_proof_workloads()[1];
    let shown = |preemptions| {
        check_variant(
            variant,
            opposite,
            &Budget::single(
                Strategy::PreemptionBounded {
                    preemptions: Some(preemptions),
                },
                1_000_000,
                0,
            ),
        )
        .unwrap()
        .report
        .shown(Invariant::FinalConservation)
    };
    assert_eq!(
        shown(0),
        Shown::Proven {
            workloads: 1,
            schedules: schedules(
                "unsafe",
                opposite,
                Strategy::PreemptionBounded {
                    preemptions: Some(0)
                }
            ),
            preemption_bound: Some(0),
        },
        "with no preemption each transfer runs whole: nothing is lost"
    );
    assert_eq!(shown(1), Shown::Breaks);
}

#[test]
fn switching_at_a_yield_costs_no_preemption() {
    // The unsafe bank yields between its debit and its credit. A switch there is the transfer
    // giving way (the fairness wrapper runs the audit first), not a preemption, so an audit in
    // that gap, which sees the debited dollar missing, is within a bound of 0. Were a switch at a
    // yield counted, the bound-0 search would never let the audit in, and would call the snapshot
    // "proven".
    let variant = bank_core::catalog::find("unsafe").unwrap();
    let workload = Workload {
        balances: vec![1, 0],
        threads: vec![vec![transfer(0, 1, 1)], vec![Op::Audit]],
    };
    let report = check_variant(
        variant,
        &workload,
        &Budget::single(
            Strategy::PreemptionBounded {
                preemptions: Some(0),
            },
            1_000_000,
            0,
        ),
    )
    .unwrap()
    .report;
    assert!(
        matches!(report.shown(Invariant::SnapshotConservation), Shown::Breaks),
        "{:?}",
        report.shown(Invariant::SnapshotConservation)
    );
}

#[test]
fn a_scope_without_parts_proves_nothing_and_is_refused() {
    let empty = Scope {
        name: "empty".into(),
        parts: Vec::new(),
        smaller_for: Default::default(),
    };
    let variant = bank_core::catalog::find("global-lock").unwrap();
    let refused = bank_stress::prove::prove_variant(variant, &empty, &ProveOptions::new());
    // A typed error: a caller tells an unusable scope from an unusable workload by its kind.
    assert!(
        matches!(&refused, Err(bank_stress::checker::CheckError::InvalidScope(why)) if why == "it has no part"),
        "{refused:?}"
    );
    assert_eq!(
        refused.unwrap_err().to_string(),
        "invalid scope: it has no part"
    );
}

/// A bank's name is only a name: a bank of one's own that happens to be called `actor` is
/// proven over the scope's own parts, not the catalog actor's smaller ones.
#[test]
fn a_bank_called_like_a_catalog_variant_gets_the_scope_asked_for() {
    let global_lock = bank_core::catalog::find("global-lock").unwrap();
    let mut scope = Scope::quick();
    let actor = bank_core::catalog::find("actor").unwrap();
    assert_ne!(
        scope.parts_for(actor),
        scope.parts.as_slice(),
        "the quick scope has actor parts"
    );
    // One small part, so that the proof is quick; the actor's parts stay in the scope.
    scope.parts = vec![small_part(Some(0))];
    let proof = bank_stress::prove::prove_bank(
        "actor",
        shuttle_opener(global_lock),
        false,
        &scope,
        &ProveOptions::new(),
    )
    .unwrap();
    let parts: Vec<ScopePart> = proof.parts.iter().map(|part| part.part.clone()).collect();
    assert_eq!(parts, scope.parts);
}
