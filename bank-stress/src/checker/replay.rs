//! Replaying one counterexample: run its workload once under shuttle's replay scheduler, fed the
//! recorded schedule, and say whether the same finding shows again (the same invariant broken,
//! a livelock, or a panic with the same message).
//!
//! After a fix the bank takes different steps, so the schedule may no longer fit; that, too,
//! means the violation no longer reproduces.

use super::execution::run_workload;
use super::quiet_panics::quietly;
use super::{
    Abort, CheckError, Counterexample, Finding, Observations, RecordedSchedule, abort_kind,
    panic_message, shuttle_config,
};
use bank_core::{Bank, Invariant, Money};
use shuttle::Runner;
use shuttle::scheduler::ReplayScheduler;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex, PoisonError};

/// Whether a replay showed the violation again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplayOutcome {
    /// The same invariant broke again; what was seen.
    Reproduced(String),
    /// It did not; what happened instead.
    NotReproduced(String),
}

impl ReplayOutcome {
    /// The violation reproduced.
    pub fn reproduced(&self) -> bool {
        matches!(self, Self::Reproduced(_))
    }
}

/// Replays `counterexample` against banks opened by `open` (on shuttle's runtime).
pub fn replay<B, F>(open: F, counterexample: &Counterexample) -> Result<ReplayOutcome, CheckError>
where
    B: Bank + 'static,
    F: Fn(&[Money]) -> B + Send + Sync + 'static,
{
    let schedule: RecordedSchedule = counterexample
        .schedule
        .parse()
        .map_err(CheckError::InvalidWorkload)?;
    let mut scheduler = ReplayScheduler::new_from_schedule(schedule.to_shuttle());
    scheduler.set_allow_incomplete();
    let slot: Arc<Mutex<Option<Observations>>> = Arc::default();
    let body = {
        let (workload, slot) = (counterexample.workload.clone(), Arc::clone(&slot));
        move || {
            *slot.lock().unwrap_or_else(PoisonError::into_inner) =
                Some(run_workload(&open, &workload))
        }
    };
    let runner = Runner::new(scheduler, shuttle_config());
    let finding = counterexample.finding;
    if let Err(payload) = quietly(|| catch_unwind(AssertUnwindSafe(move || runner.run(body)))) {
        let message = panic_message(payload.as_ref());
        let same = match (abort_kind(&message), finding) {
            (Abort::Deadlock(_), Finding::Broke(Invariant::DeadlockFree)) => true,
            (Abort::Livelock, Finding::Livelock) => true,
            (Abort::Panic, Finding::Panic) => {
                counterexample.anomaly.message.as_deref() == Some(message.as_str())
            }
            _ => false,
        };
        return Ok(if same {
            ReplayOutcome::Reproduced(message)
        } else {
            ReplayOutcome::NotReproduced(format!("the replay stopped differently: {message}"))
        });
    }
    let observed = slot.lock().unwrap_or_else(PoisonError::into_inner).take();
    Ok(match (observed, finding) {
        (Some(observed), Finding::Broke(invariant))
            if observed.violations().contains(&invariant) =>
        {
            ReplayOutcome::Reproduced(format!("{invariant} broke again: {observed:?}"))
        }
        (Some(observed), _) => {
            ReplayOutcome::NotReproduced(format!("{finding} did not show: {observed:?}"))
        }
        (None, _) => {
            ReplayOutcome::NotReproduced("the schedule ended before the workload finished".into())
        }
    })
}
