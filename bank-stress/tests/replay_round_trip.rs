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
fn a_schedule_that_no_longer_fits_diverges() {
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
    // The same schedule, asked about a finding it does not show while it breaks another
    // invariant: another failure, not a fix (a schedule that fits with no finding at all is
    // tested with the phantom-unit bank below).
    let mut other_finding = found.clone();
    other_finding.finding = Finding::Broke(Invariant::DeadlockFree);
    assert!(matches!(
        replay(open(), &other_finding).unwrap(),
        ReplayOutcome::FailedDifferently(_)
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
    ] {
        assert!(
            matches!(replay(open(), &file), Err(CheckError::InvalidWorkload(_))),
            "{what}"
        );
    }
    assert!(matches!(
        replay(open(), &garbled),
        Err(CheckError::InvalidSchedule(_))
    ));
}

/// One lock around everything; its audit adds a phantom unit when `broken`. Broken or not, it
/// takes exactly the same steps, so a schedule recorded on the broken one fits the fixed one.
struct PhantomUnitBank<R: bank_core::Runtime> {
    balances: <R as bank_core::Runtime>::Mutex<Vec<bank_core::Money>>,
    broken: bool,
}

impl<R: bank_core::Runtime> bank_core::Bank for PhantomUnitBank<R> {
    fn account_count(&self) -> usize {
        2
    }
    fn transfer(
        &self,
        from: usize,
        to: usize,
        amount: bank_core::Money,
    ) -> Result<(), bank_core::TransferError> {
        use bank_core::runtime::Lock;
        let mut balances = self.balances.lock();
        bank_core::bank::check_funds(from, balances[from], to, balances[to], amount)?;
        balances[from] -= amount;
        balances[to] += amount;
        Ok(())
    }
    fn audit(&self) -> Vec<bank_core::Money> {
        use bank_core::runtime::Lock;
        let mut seen = self.balances.lock().clone();
        seen[0] += i64::from(self.broken);
        seen
    }
    fn balances(&self) -> Vec<bank_core::Money> {
        use bank_core::runtime::Lock;
        self.balances.lock().clone()
    }
}

fn phantom(
    broken: bool,
) -> impl Fn(&[bank_core::Money]) -> PhantomUnitBank<bank_core::ShuttleThreads>
+ Clone
+ Send
+ Sync
+ 'static {
    use bank_core::runtime::Lock;
    move |balances| PhantomUnitBank {
        balances: Lock::new(balances.to_vec()),
        broken,
    }
}

#[test]
fn a_fix_that_keeps_the_steps_does_not_reproduce_and_another_break_fails_differently() {
    let report = bank_stress::checker::check(
        phantom(true),
        &default_workload(),
        &Budget::single(Strategy::Random, 50, 1),
    )
    .unwrap();
    let found = report
        .counterexample(Invariant::SnapshotConservation)
        .expect("the phantom unit shows in every audit")
        .clone();
    assert!(replay(phantom(true), &found).unwrap().reproduced());
    assert!(
        matches!(
            replay(phantom(false), &found).unwrap(),
            ReplayOutcome::NotReproduced(_)
        ),
        "the fixed bank runs the whole schedule without the finding"
    );
    let mut other = found.clone();
    other.finding = Finding::Broke(Invariant::NoOverdraft);
    assert!(
        matches!(
            replay(phantom(true), &other).unwrap(),
            ReplayOutcome::FailedDifferently(_)
        ),
        "no overdraft, but the audit is wrong: another failure, not a fix"
    );
}

#[test]
fn a_deadlock_replays_as_a_deadlock_but_not_before_the_schedule_ends() {
    let found = counterexample("nested-locks", Invariant::DeadlockFree);
    let open = || shuttle_opener(find("nested-locks").unwrap());
    let outcome = replay(open(), &found).unwrap();
    assert!(outcome.reproduced(), "{outcome:?}");
    // A schedule that goes on after the point where the bank deadlocks is another execution:
    // the deadlock comes "early", so the recorded one was not reproduced.
    let mut longer = found.clone();
    longer.schedule = format!("{},1,2,1,2", found.schedule);
    match replay(open(), &longer).unwrap() {
        ReplayOutcome::Diverged { detail, .. } => {
            assert!(detail.contains("the execution stopped after"), "{detail}")
        }
        other => panic!("{other:?}"),
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
