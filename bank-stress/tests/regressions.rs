//! Every minimal counterexample `cargo xtask explore` found for the catalog is committed under
//! `tests/regressions/` (as proptest-regressions and shuttle's committed schedules are) and
//! replayed here: each must reproduce, on exactly its recorded schedule. Together they cover
//! every break the catalog expects.
//!
//! To refresh them after a change that moves a counterexample:
//! `cargo xtask explore --replay-dir bank-stress/tests/regressions`.

use bank_core::{CATALOG, Verdict, catalog::find};
use bank_stress::checker::{Finding, ReplayOutcome, replay, replay_with_trace, timeline};
use bank_stress::matrix::shuttle_opener;
use bank_stress::persist;
use std::path::PathBuf;

fn regression_files() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/regressions");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/regressions exists")
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_committed_counterexample_still_reproduces_on_its_schedule() {
    let files = regression_files();
    assert!(!files.is_empty());
    for path in files {
        let file = persist::load(&path).unwrap();
        let variant = find(&file.variant).expect("a catalog variant");
        match replay(shuttle_opener(variant), &file.counterexample).unwrap() {
            ReplayOutcome::Reproduced { schedule, .. } => {
                assert_eq!(schedule, file.counterexample.schedule, "{}", path.display())
            }
            other => panic!("{}: {other:?}", path.display()),
        }
    }
}

#[test]
fn the_committed_counterexamples_cover_every_expected_break() {
    let committed: Vec<(String, Finding)> = regression_files()
        .iter()
        .map(|path| {
            let file = persist::load(path).unwrap();
            (file.variant, file.counterexample.finding)
        })
        .collect();
    for variant in CATALOG {
        for invariant in bank_core::Invariant::ALL {
            if variant.expects(invariant) == Some(Verdict::Breaks) {
                assert!(
                    committed.contains(&(variant.id.to_string(), Finding::Broke(invariant))),
                    "no committed counterexample for {} / {invariant}",
                    variant.id
                );
            }
        }
    }
}

/// A counterexample shows a bug of its own bank, not of the schedule: on every bank the catalog
/// says keeps the invariant, the same schedule diverges or shows nothing.
#[test]
fn no_committed_counterexample_reproduces_on_a_bank_that_keeps_its_invariant() {
    let mut tried = 0;
    for path in regression_files() {
        let file = persist::load(&path).unwrap();
        let Finding::Broke(invariant) = file.counterexample.finding else {
            continue;
        };
        for keeper in CATALOG
            .iter()
            .filter(|subject| subject.expects(invariant) == Some(Verdict::Holds))
        {
            let outcome = replay(shuttle_opener(keeper), &file.counterexample).unwrap();
            assert!(
                matches!(
                    outcome,
                    ReplayOutcome::Diverged { .. } | ReplayOutcome::NotReproduced(_)
                ),
                "{} on {}: {outcome:?}",
                path.display(),
                keeper.id
            );
            tried += 1;
        }
    }
    assert!(tried > 0, "no replay was tried");
}

#[test]
fn every_committed_counterexample_traces_to_the_step_where_it_breaks() {
    for path in regression_files() {
        let file = persist::load(&path).unwrap();
        let variant = find(&file.variant).unwrap();
        let (outcome, events) =
            replay_with_trace(shuttle_opener(variant), &file.counterexample).unwrap();
        assert!(outcome.reproduced(), "{}", path.display());
        let table = timeline(&events);
        match file.counterexample.finding {
            Finding::Broke(bank_core::Invariant::DeadlockFree) => {
                // A deadlock's last steps are the workers waiting for locks.
                let last = events.last().expect("some steps");
                assert!(
                    last.text.starts_with("wants "),
                    "{}:\n{table}",
                    path.display()
                );
            }
            _ => assert!(
                events.iter().any(|event| event.breaks) && table.contains("← BROKEN HERE"),
                "{}:\n{table}",
                path.display()
            ),
        }
    }
}
