//! Replaying one counterexample: run its workload once, feeding shuttle the recorded schedule
//! step by step, and say what happened. Strict, as shuttle's own round-trip test is: the replay
//! must follow the schedule to its last step. Four outcomes:
//!
//! - **reproduced**: the schedule ran to its end, re-recorded step for step, and showed the same
//!   finding (the same invariant broken, a deadlock, a livelock, or a panic with the same text);
//! - **not reproduced**: the schedule ran to its end and the finding did not show (e.g. after a
//!   fix that keeps the bank's steps);
//! - **diverged**: the bank took a different path at step K (a thread the schedule names was not
//!   runnable there, the schedule ended early, or the bank finished before it did), so the
//!   schedule says nothing about this bank any more;
//! - **failed differently**: it stopped with another failure than the recorded one (a new bug).

use super::abort::{Abort, abort_kind, describe_abort, panic_message, shuttle_config};
use super::error::CheckError;
use super::execution::{ObservationSink, Observations, observed, run_workload};
use super::quiet_panics::quietly;
use super::recorder::{OnFinished, Recorder, RecorderState};
use super::report::{Counterexample, Finding};
use super::schedule::RecordedSchedule;
use super::validation::validate_workload;
use bank_core::instrumentation::deadlock_drain;
use bank_core::instrumentation::trace::{self, TraceEvent};
use bank_core::{Bank, Invariant, Money, Workload};
use shuttle::Runner;
use shuttle::scheduler::{ReplayScheduler, Schedule, Scheduler, Task, TaskId};
use std::cell::RefCell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::Rc;
use std::sync::Arc;

/// What a replay showed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplayOutcome {
    /// The same finding showed again; what was seen, and the schedule the replay recorded (equal
    /// to the counterexample's: the strict scheduler allows no other).
    Reproduced {
        /// What was seen.
        seen: String,
        /// The replayed execution's own recorded schedule.
        schedule: String,
    },
    /// The whole schedule ran and the finding did not show; what was seen instead.
    NotReproduced(String),
    /// The bank no longer follows the schedule.
    Diverged {
        /// The step (from 0) at which it left the schedule.
        step: usize,
        /// How.
        detail: String,
    },
    /// It stopped with another failure than the recorded one.
    FailedDifferently(String),
}

impl ReplayOutcome {
    /// The finding reproduced.
    pub fn reproduced(&self) -> bool {
        matches!(self, Self::Reproduced { .. })
    }
}

/// Where the strict scheduler left the schedule.
#[derive(Debug, Clone, Default)]
struct Progress {
    position: usize,
    diverged: Option<(usize, String)>,
}

/// Shuttle's replay scheduler, made strict: it notes where the execution leaves the recorded
/// schedule instead of carrying on or asserting.
struct Strict {
    inner: ReplayScheduler,
    steps: Vec<Option<usize>>,
    progress: Rc<RefCell<Progress>>,
    /// Past the schedule's end, run the first runnable thread instead of reporting a divergence
    /// (completing a drained deadlock's schedule: see [`complete_deadlock_schedule`]).
    then_first_runnable: bool,
}

impl Scheduler for Strict {
    fn new_execution(&mut self) -> Option<Schedule> {
        self.inner.new_execution()
    }

    fn next_task(
        &mut self,
        runnable: &[&Task],
        current: Option<TaskId>,
        is_yielding: bool,
    ) -> Option<TaskId> {
        let mut progress = self.progress.borrow_mut();
        if progress.diverged.is_some() {
            return None;
        }
        let step = progress.position;
        let runnable_ids = || {
            runnable
                .iter()
                .map(|task| usize::from(task.id()).to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        match self.steps.get(step) {
            None if self.then_first_runnable => runnable.first().map(|task| task.id()),
            None => {
                progress.diverged = Some((
                    step,
                    format!(
                        "the schedule ended after {step} steps, but thread(s) {} still wanted to run",
                        runnable_ids()
                    ),
                ));
                None
            }
            Some(None) => {
                progress.diverged = Some((
                    step,
                    "the schedule drew a random value here; the bank now schedules a thread".into(),
                ));
                None
            }
            Some(Some(task)) if runnable.iter().any(|t| usize::from(t.id()) == *task) => {
                progress.position += 1;
                drop(progress);
                self.inner.next_task(runnable, current, is_yielding)
            }
            Some(Some(task)) => {
                progress.diverged = Some((
                    step,
                    format!(
                        "the schedule runs thread {task}, but only thread(s) {} could run",
                        runnable_ids()
                    ),
                ));
                None
            }
        }
    }

    fn next_u64(&mut self) -> u64 {
        let mut progress = self.progress.borrow_mut();
        let step = progress.position;
        if progress.diverged.is_none() && self.steps.get(step) == Some(&None) {
            progress.position += 1;
            drop(progress);
            return self.inner.next_u64();
        }
        if progress.diverged.is_none() {
            progress.diverged = Some((
                step,
                "the bank draws a random value here, where the schedule runs a thread (or ends)"
                    .into(),
            ));
        }
        // Any value: the execution is no longer the recorded one, and is reported as diverged.
        0
    }
}

/// [`replay`], with the trace of every step each thread took (see `bank_core::instrumentation::trace`).
pub fn replay_with_trace<B, F>(
    open: F,
    counterexample: &Counterexample,
) -> Result<(ReplayOutcome, Vec<TraceEvent>), CheckError>
where
    B: Bank + 'static,
    F: Fn(&[Money]) -> B + Send + Sync + 'static,
{
    trace::start();
    let outcome = replay(open, counterexample);
    let mut events = trace::finish();
    super::timeline::mark_where_it_broke(&mut events);
    Ok((outcome?, events))
}

/// The whole schedule of a drained deadlock, as shuttle's own detector ends it: `prefix` (the
/// decisions up to the step that made the deadlock certain), then the doomed threads' failing
/// attempts in one order (each time the first runnable thread; every order ends in the same
/// deadlock). `None` if the run does not end in a deadlock (it always should).
pub(crate) fn complete_deadlock_schedule<B, F>(
    open: &Arc<F>,
    workload: &Workload,
    prefix: &RecordedSchedule,
) -> Option<RecordedSchedule>
where
    B: Bank + 'static,
    F: Fn(&[Money]) -> B + Send + Sync + 'static,
{
    let run = run_on_schedule(Arc::clone(open), workload, prefix, true);
    let message = panic_message(run.aborted?.as_ref());
    matches!(abort_kind(&message), Abort::Deadlock(_)).then_some(run.rerecorded)
}

/// What one run on a recorded schedule did.
struct ScheduledRun {
    /// Shuttle's abort, if the run was cut off.
    aborted: Option<Box<dyn std::any::Any + Send>>,
    /// Where the run left the schedule, if it did.
    progress: Progress,
    /// The run's own schedule, re-recorded.
    rerecorded: RecordedSchedule,
    /// What the run observed.
    slot: ObservationSink,
}

/// Runs `workload` once on `schedule` under the strict replay scheduler, re-recording it (so a
/// reproduction can be checked to have taken exactly the recorded steps). Past the schedule's
/// end it runs the first runnable thread if `then_first_runnable`, and otherwise notes a
/// divergence. A deadlock ends the run as shuttle's own detector ends it: never drained.
fn run_on_schedule<B, F>(
    open: Arc<F>,
    workload: &Workload,
    schedule: &RecordedSchedule,
    then_first_runnable: bool,
) -> ScheduledRun
where
    B: Bank + 'static,
    F: Fn(&[Money]) -> B + Send + Sync + 'static,
{
    let mut inner = ReplayScheduler::new_from_schedule(schedule.to_shuttle());
    inner.set_allow_incomplete();
    let progress = Rc::new(RefCell::new(Progress::default()));
    let strict: Box<dyn Scheduler> = Box::new(Strict {
        inner,
        steps: schedule.steps.clone(),
        progress: Rc::clone(&progress),
        then_first_runnable,
    });
    let state = Rc::new(RefCell::new(RecorderState {
        limit: 1,
        ..RecorderState::default()
    }));
    let on_finished: OnFinished = Box::new(|_, _| true);
    let recorder = Recorder {
        inner: Rc::new(RefCell::new(strict)),
        state: Rc::clone(&state),
        on_finished: Rc::new(RefCell::new(on_finished)),
    };
    let slot: ObservationSink = Arc::default();
    let body = {
        let (workload, slot) = (workload.clone(), Arc::clone(&slot));
        move || run_workload(open.as_ref(), &workload, &slot)
    };
    let enabled = deadlock_drain::is_enabled();
    deadlock_drain::enable(false);
    let runner = Runner::new(recorder, shuttle_config());
    let aborted = quietly(|| catch_unwind(AssertUnwindSafe(move || runner.run(body)))).err();
    deadlock_drain::enable(enabled);
    let progress = progress.borrow().clone();
    let rerecorded = state.borrow().current.clone();
    ScheduledRun {
        aborted,
        progress,
        rerecorded,
        slot,
    }
}

/// Replays `counterexample` against banks opened by `open` (on shuttle's runtime). The file's
/// workload is validated as `check` validates one; a schedule that does not parse is an error.
pub fn replay<B, F>(open: F, counterexample: &Counterexample) -> Result<ReplayOutcome, CheckError>
where
    B: Bank + 'static,
    F: Fn(&[Money]) -> B + Send + Sync + 'static,
{
    validate_workload(&counterexample.workload)?;
    let schedule: RecordedSchedule = counterexample
        .schedule
        .parse()
        .map_err(CheckError::InvalidSchedule)?;
    let ScheduledRun {
        aborted,
        progress,
        rerecorded,
        slot,
    } = run_on_schedule(Arc::new(open), &counterexample.workload, &schedule, false);
    if let Some((step, detail)) = progress.diverged {
        return Ok(ReplayOutcome::Diverged { step, detail });
    }
    let steps = schedule.steps.len();
    let rerecorded = rerecorded.to_string();
    let observed = std::mem::take(&mut *observed(&slot));
    Ok(match aborted {
        Some(payload) => judge_aborted(
            counterexample,
            &panic_message(payload.as_ref()),
            (progress.position, steps),
            observed,
            rerecorded,
        ),
        None => judge_finished(
            counterexample,
            (progress.position, steps),
            observed,
            rerecorded,
        ),
    })
}

/// A replay shuttle aborted with `message` after `position` of the schedule's `steps`: diverged
/// if it stopped early; reproduced if it broke the recorded invariant before being cut off the
/// recorded way, or ended in the recorded deadlock, livelock or panic; else failed differently.
fn judge_aborted(
    counterexample: &Counterexample,
    message: &str,
    (position, steps): (usize, usize),
    partial: Observations,
    rerecorded: String,
) -> ReplayOutcome {
    let finding = counterexample.finding;
    if position < steps {
        // Stopped before the schedule's end: not the recorded execution, whatever the failure.
        return ReplayOutcome::Diverged {
            step: position,
            detail: format!(
                "the execution stopped after {position} of the schedule's {steps} steps: {message}"
            ),
        };
    }
    let cut_off_alike = counterexample
        .anomaly
        .message
        .as_deref()
        .is_some_and(|recorded| abort_kind(recorded) == abort_kind(message));
    if let Finding::Broke(invariant) = finding
        && cut_off_alike
        && partial.violations().contains(&invariant)
    {
        // An audit showed it before the execution was cut off, as it was when found.
        return ReplayOutcome::Reproduced {
            seen: format!(
                "{invariant} broke again, before the execution ended ({}): {partial}",
                describe_abort(message)
            ),
            schedule: rerecorded,
        };
    }
    let same = match (abort_kind(message), finding) {
        (Abort::Deadlock(_), Finding::Broke(Invariant::DeadlockFree)) => true,
        (Abort::Livelock, Finding::Livelock) => true,
        (Abort::Panic, Finding::Panic) => {
            counterexample.anomaly.message.as_deref() == Some(message)
        }
        _ => false,
    };
    if same {
        ReplayOutcome::Reproduced {
            seen: describe_abort(message),
            schedule: rerecorded,
        }
    } else {
        ReplayOutcome::FailedDifferently(message.to_string())
    }
}

/// A replay that ran to its end after `position` of the schedule's `steps`: diverged if the bank
/// finished early; reproduced if the recorded invariant broke again; failed differently if
/// another one did; else not reproduced.
fn judge_finished(
    counterexample: &Counterexample,
    (position, steps): (usize, usize),
    observed: Observations,
    rerecorded: String,
) -> ReplayOutcome {
    let finding = counterexample.finding;
    if position < steps {
        return ReplayOutcome::Diverged {
            step: position,
            detail: format!("the bank finished after {position} of the schedule's {steps} steps"),
        };
    }
    match (observed, finding) {
        (observed, Finding::Broke(invariant)) if observed.violations().contains(&invariant) => {
            ReplayOutcome::Reproduced {
                seen: format!("{invariant} broke again: {observed}"),
                schedule: rerecorded,
            }
        }
        (observed, _) if !observed.violations().is_empty() => {
            ReplayOutcome::FailedDifferently(format!(
                "{finding} did not show, but {} did: {observed}",
                observed
                    .violations()
                    .iter()
                    .map(|invariant| invariant.key())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        }
        (observed, _) => {
            ReplayOutcome::NotReproduced(format!("{finding} did not show: {observed}"))
        }
    }
}
