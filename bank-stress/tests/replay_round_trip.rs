//! A counterexample survives the trip to a replay file and back, and replaying it reproduces the
//! same violation; replayed against a fixed bank, it no longer does.

use bank_core::{Invariant, catalog::find};
use bank_stress::checker::{Budget, Strategy, replay};
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
    assert!(outcome.reproduced(), "{outcome:?}");
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
            !after_fix.reproduced(),
            "{id} {invariant} still breaks on {fixed}: {after_fix:?}"
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
