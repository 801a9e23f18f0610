//! The test you copy: one call checks the bank (the default exploration: 26 workloads, four
//! strategies, minimisation, replay files) and fails with the whole report if a verdict is not
//! the one expected.

use bank_core::{Invariant, ShuttleThreads, Verdicts};
use bank_stress::checker::{ReplayOutcome, Shown};
use bank_stress::own_bank::{BankCheck, assert_bank, replay_file};
use my_bank_example::{HastyTellerBank, TellerBank};

#[test]
fn the_teller_bank_keeps_every_invariant() {
    // Panics with the report (every verdict and its evidence) if anything breaks.
    assert_bank(
        "teller",
        TellerBank::<ShuttleThreads>::open,
        Verdicts::ALL_HOLD,
    );
}

#[test]
fn the_hasty_teller_is_caught_with_a_readable_report_and_a_replay_file() {
    let report = BankCheck::new("hasty-teller")
        .expect(Verdicts::ALL_HOLD)
        .run(HastyTellerBank::<ShuttleThreads>::open)
        .expect("the check runs");
    println!("{report}");
    assert!(!report.agrees());
    assert_eq!(report.shown(Invariant::SnapshotConservation), Shown::Breaks);
    for invariant in [
        Invariant::FinalConservation,
        Invariant::NoOverdraft,
        Invariant::DeadlockFree,
    ] {
        assert_ne!(report.shown(invariant), Shown::Breaks, "{invariant}");
    }
    // What `assert_bank` would panic with.
    let text = report.to_string();
    assert!(
        text.contains("DISAGREES: snapshot_conservation: expected to hold, but breaks"),
        "{text}"
    );
    assert!(
        text.contains("replay: bank_stress::own_bank::replay_file"),
        "{text}"
    );
    // Its audit returns a state no serial order gives: the report shows the history as a table.
    assert_eq!(report.shown(Invariant::Linearizable), Shown::Breaks);
    assert!(text.contains("not linearizable: the first"), "{text}");
    assert!(text.contains("closest sequential order"), "{text}");
    // The minimal counterexample: one transfer against one audit.
    let found = &report.findings[0];
    assert_eq!(found.counterexample.workload.threads.len(), 2, "{text}");
    // Its replay file replays through the same opener...
    let path = found
        .replay_file
        .as_ref()
        .expect("a replay file was written");
    let replayed = replay_file(HastyTellerBank::<ShuttleThreads>::open, path).unwrap();
    assert!(replayed.reproduced(), "{replayed:?}");
    // ...and the correct bank, which takes other steps, does not follow it.
    let fixed = replay_file(TellerBank::<ShuttleThreads>::open, path).unwrap();
    assert!(
        matches!(
            fixed,
            ReplayOutcome::Diverged { .. } | ReplayOutcome::NotReproduced(_)
        ),
        "{fixed:?}"
    );
}
