//! A counterexample survives the trip to a replay file and back, and replaying it reproduces the
//! same violation on the same schedule; replayed against a fixed bank, it no longer does (it
//! diverges, or runs to the end without the finding); a tampered or invalid file is refused or
//! diverges, never passes for a fix.

use bank_core::{Invariant, catalog::find};
use bank_stress::checker::{Budget, CheckError, Finding, ReplayOutcome, Strategy, replay};
use bank_stress::matrix::{check_variant, shuttle_opener};
use bank_stress::persist;
use bank_stress::workloads::default_workload;

fn counterexample(id: &str, invariant: Invariant) -> bank_stress::checker::Counterexample {
    let report = check_variant(
        find(id).unwrap(),
        &default_workload(),
        &Budget::single(Strategy::Random, 3_000, 7),
    )
    .unwrap()
    .report;
    report
        .counterexample(invariant)
        .cloned()
        .unwrap_or_else(|| panic!("{id} breaks {invariant}"))
}

#[test]
fn the_unsafe_banks_lost_update_replays_from_its_file() {
    let found = counterexample("unsafe", Invariant::FinalConservation);
    let dir = persist::default_replay_dir().join("round-trip-test");
    let path = persist::save(&dir, "unsafe", &found).unwrap();
    let loaded = persist::load(&path).unwrap();
    assert_eq!(loaded.variant, "unsafe");
    assert_eq!(loaded.counterexample, found);
    let outcome = replay(
        shuttle_opener(find("unsafe").unwrap()),
        &loaded.counterexample,
    )
    .unwrap();
    match outcome {
        ReplayOutcome::Reproduced { schedule, .. } => {
            assert_eq!(
                schedule, found.schedule,
                "the replay re-records the same schedule"
            )
        }
        other => panic!("not reproduced: {other:?}"),
    }
}

#[test]
fn a_schedule_that_no_longer_fits_diverges_and_one_that_fits_without_the_finding_does_not_reproduce()
 {
    let found = counterexample("unsafe", Invariant::SnapshotConservation);
    let open = || shuttle_opener(find("unsafe").unwrap());
    // Cut short: the bank wants to go on where the schedule ends.
    let mut cut = found.clone();
    let steps: Vec<&str> = found.schedule.split(',').collect();
    cut.schedule = steps[..steps.len() / 2].join(",");
    assert!(
        matches!(
            replay(open(), &cut).unwrap(),
            ReplayOutcome::Diverged { .. }
        ),
        "cut short"
    );
    // Lengthened: the bank finishes before the schedule does.
    let mut long = found.clone();
    long.schedule = format!("{},1,1,1", found.schedule);
    match replay(open(), &long).unwrap() {
        ReplayOutcome::Diverged { detail, .. } => {
            assert!(detail.contains("the bank finished after"), "{detail}")
        }
        other => panic!("lengthened: {other:?}"),
    }
    // The same schedule, asked about a finding it does not show: it runs to the end, no finding.
    let mut other_finding = found.clone();
    other_finding.finding = Finding::Broke(Invariant::DeadlockFree);
    assert!(matches!(
        replay(open(), &other_finding).unwrap(),
        ReplayOutcome::NotReproduced(_)
    ));
}

#[test]
fn an_invalid_replay_file_is_an_error_not_a_fix() {
    let found = counterexample("unsafe", Invariant::FinalConservation);
    let open = || shuttle_opener(find("unsafe").unwrap());
    let mut bad_account = found.clone();
    bad_account.workload.threads[0] = vec![bank_stress::workloads::transfer(7, 0, 1)];
    let mut one_account = found.clone();
    one_account.workload.balances = vec![1];
    let mut no_thread = found.clone();
    no_thread.workload.threads.clear();
    let mut negative = found.clone();
    negative.workload.balances[0] = -1;
    let mut garbled = found.clone();
    garbled.schedule = "seed=x;1,2".into();
    for (what, file) in [
        ("account 7", bad_account),
        ("one account", one_account),
        ("no thread", no_thread),
        ("a negative balance", negative),
        ("a garbled schedule", garbled),
    ] {
        assert!(
            matches!(replay(open(), &file), Err(CheckError::InvalidWorkload(_))),
            "{what}"
        );
    }
}

#[test]
fn a_deadlock_replays_as_a_deadlock() {
    let found = counterexample("nested-locks", Invariant::DeadlockFree);
    let outcome = replay(shuttle_opener(find("nested-locks").unwrap()), &found).unwrap();
    assert!(outcome.reproduced(), "{outcome:?}");
}

#[test]
fn every_counterexample_replays_on_its_own_variant_and_not_on_the_fixed_bank() {
    for (id, invariant, fixed) in [
        ("unsafe", Invariant::SnapshotConservation, "global-lock"),
        ("unsafe", Invariant::NoOverdraft, "global-lock"),
        (
            "missed-audit-lock",
            Invariant::SnapshotConservation,
            "global-lock",
        ),
        ("global-lock-toctou", Invariant::NoOverdraft, "global-lock"),
        ("nested-locks", Invariant::DeadlockFree, "ordered-locks"),
        ("unordered-audit", Invariant::DeadlockFree, "ordered-locks"),
        ("atomic", Invariant::SnapshotConservation, "two-level"),
    ] {
        let found = counterexample(id, invariant);
        assert!(
            replay(shuttle_opener(find(id).unwrap()), &found)
                .unwrap()
                .reproduced(),
            "{id} {invariant}"
        );
        let after_fix = replay(shuttle_opener(find(fixed).unwrap()), &found).unwrap();
        assert!(
            matches!(
                after_fix,
                ReplayOutcome::Diverged { .. } | ReplayOutcome::NotReproduced(_)
            ),
            "{id} {invariant} on {fixed}: {after_fix:?}"
        );
    }
}

#[test]
fn a_damaged_replay_file_is_refused_with_a_reason() {
    let dir = persist::default_replay_dir().join("round-trip-test");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("damaged.json");
    std::fs::write(&path, "{ not json").unwrap();
    assert!(
        persist::load(&path)
            .unwrap_err()
            .contains("is not a replay file")
    );
    assert!(
        persist::load(&dir.join("missing.json"))
            .unwrap_err()
            .contains("cannot read")
    );
}
