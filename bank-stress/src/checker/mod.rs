//! The shuttle checker: explores a workload's schedules against any [`Bank`] and returns a
//! [`CheckReport`] value. No panic crosses this API: shuttle reports a deadlock by panicking, and
//! the checker catches it, records the deadlock as a counterexample, and resumes exploring with
//! the same scheduler.
//!
//! - `schedule.rs`: a recorded schedule and its text form.
//! - `recorder.rs`: the scheduler wrapper that records decisions and counts executions.
//! - `execution.rs`: one execution of a workload, and what it observed.
//! - `fair.rs`: the fairness wrapper every strategy runs under (a thread that yields gives way).
//! - `preemption_bounded.rs`: DFS over every schedule with at most P preemptions.
//! - `strategy.rs`: strategies and budgets, and the one method that builds a scheduler.
//! - `report.rs`: findings, verdicts and the report.
//! - `replay.rs`: replaying one counterexample's schedule.
//! - `timeline.rs`: a replayed counterexample's trace as a table, one column per thread.
//! - `quiet_panics.rs`: no panic hook output for the panics exploration expects and catches.

mod execution;
mod fair;
mod preemption_bounded;
mod quiet_panics;
mod recorder;
mod replay;
mod report;
mod schedule;
mod strategy;
mod timeline;

pub use execution::{ObservationSink, Observations, thread_name};
pub use fair::Fair;
pub use preemption_bounded::PreemptionBounded;
pub use replay::{ReplayOutcome, replay, replay_with_trace};
pub use report::{Anomaly, CheckReport, Counterexample, Finding, Shown, StrategyRun};
pub use schedule::RecordedSchedule;
pub use strategy::{Budget, Strategy};
pub use timeline::{
    REPLAY_PAGE_MARK, TIMELINE_CSS, timeline, timeline_html, timeline_table_html, waits_for,
};

use bank_core::bank::validate_initial;
use bank_core::{Bank, Invariant, Money, Verdict, Verdicts, Workload};
use quiet_panics::quietly;
use recorder::{OnFinished, Recorder, RecorderState};
use shuttle::{Config, FailurePersistence, MaxSteps, Runner};
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::Rc;
use std::sync::Arc;
use std::time::Instant;

/// Why a check could not run at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckError {
    /// The workload is unusable (fewer than two accounts, a negative balance, no thread).
    InvalidWorkload(String),
    /// A recorded schedule does not parse.
    InvalidSchedule(String),
    /// The budget is unusable (no strategy, zero iterations).
    InvalidBudget(String),
    /// `SHUTTLE_RANDOM_SEED` is set: shuttle would silently replace every seed, and the report's
    /// seeds would be wrong.
    SeedOverriddenByEnvironment,
    /// A file could not be written.
    Io(String),
}

impl fmt::Display for CheckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidWorkload(why) => write!(f, "invalid workload: {why}"),
            Self::InvalidBudget(why) => write!(f, "invalid budget: {why}"),
            Self::InvalidSchedule(why) => write!(f, "invalid schedule: {why}"),
            Self::SeedOverriddenByEnvironment => {
                f.write_str("SHUTTLE_RANDOM_SEED is set and would override every seed; unset it")
            }
            Self::Io(why) => f.write_str(why),
        }
    }
}

impl std::error::Error for CheckError {}

/// Shuttle stops an execution after this many scheduling steps; under the fair scheduler, with
/// threads still runnable, that is a livelock. The workloads the checker explores take a few
/// hundred steps at most.
pub const STEP_BOUND: usize = 20_000;

/// Explores `workload` against banks opened by `open` within `budget`, and reports per invariant
/// what was shown (breaks, proven, not found), with the first counterexample of each finding.
/// Every strategy runs under [`Fair`]: a thread that yields gives way to the runnable ones.
///
/// `open` must build the bank on shuttle's runtime (`bank_core::ShuttleThreads`): a bank using
/// real locks inside a shuttle execution would hang instead of being explored.
pub fn check<B, F>(open: F, workload: &Workload, budget: &Budget) -> Result<CheckReport, CheckError>
where
    B: Bank + 'static,
    F: Fn(&[Money]) -> B + Send + Sync + 'static,
{
    validate(workload, budget)?;
    let open = Arc::new(open);
    let workload = Arc::new(workload.clone());
    let findings = Rc::new(RefCell::new(Findings::default()));
    let mut runs = Vec::new();
    for &strategy in &budget.strategies {
        let run = explore(&open, &workload, strategy, budget, &findings);
        runs.push(run);
        if findings.borrow().complete(budget.stop_at_first_break) {
            break;
        }
    }
    let findings = Rc::try_unwrap(findings)
        .map(RefCell::into_inner)
        .unwrap_or_else(|shared| shared.borrow().clone());
    let mut observed = Verdicts::ALL_HOLD;
    for invariant in findings.first.keys() {
        observed.set(*invariant, Verdict::Breaks);
    }
    Ok(CheckReport {
        observed,
        counterexamples: findings.first.into_values().collect(),
        runs,
        workloads: 1,
        panic: findings.panic,
        livelock: findings.livelock,
        undecided_histories: findings.undecided,
    })
}

/// [`check`] on each workload in turn, folded into one report ([`CheckReport::absorb`]): a break
/// on any workload breaks, a proof needs every workload's DFS to finish. Stops early once every
/// invariant broke.
pub fn check_workloads<B, F>(
    open: F,
    workloads: &[Workload],
    budget: &Budget,
) -> Result<CheckReport, CheckError>
where
    B: Bank + 'static,
    F: Fn(&[Money]) -> B + Clone + Send + Sync + 'static,
{
    let (first, rest) = workloads
        .split_first()
        .ok_or_else(|| CheckError::InvalidWorkload("no workload".into()))?;
    let mut report = check(open.clone(), first, budget)?;
    for workload in rest {
        let found_any = report.findings().next().is_some();
        if report.counterexamples.len() == Invariant::ALL.len()
            || (budget.stop_at_first_break && found_any)
        {
            break;
        }
        report.absorb(check(open.clone(), workload, budget)?);
    }
    Ok(report)
}

fn validate(workload: &Workload, budget: &Budget) -> Result<(), CheckError> {
    validate_workload(workload)?;
    if budget.strategies.is_empty() {
        return Err(CheckError::InvalidBudget("no strategy".into()));
    }
    if budget.iterations == 0 {
        return Err(CheckError::InvalidBudget("zero iterations".into()));
    }
    if std::env::var_os("SHUTTLE_RANDOM_SEED").is_some() {
        return Err(CheckError::SeedOverriddenByEnvironment);
    }
    Ok(())
}

/// A workload the checker can run: at least two accounts, no negative balance, a thread, and
/// every operation's accounts among the workload's.
pub(crate) fn validate_workload(workload: &Workload) -> Result<(), CheckError> {
    validate_initial(&workload.balances)
        .map_err(|error| CheckError::InvalidWorkload(error.to_string()))?;
    if workload.threads.is_empty() {
        return Err(CheckError::InvalidWorkload("it has no thread".into()));
    }
    let accounts = workload.balances.len();
    for (thread, ops) in workload.threads.iter().enumerate() {
        for op in ops {
            if let bank_core::Op::Transfer { from, to, .. } = *op
                && (from >= accounts || to >= accounts)
            {
                return Err(CheckError::InvalidWorkload(format!(
                    "thread {thread} transfers {from}→{to}, but there are only {accounts} accounts"
                )));
            }
        }
    }
    Ok(())
}

/// The first counterexample per invariant, a livelock's and a panic's.
#[derive(Debug, Clone, Default)]
struct Findings {
    first: BTreeMap<Invariant, Counterexample>,
    panic: Option<Counterexample>,
    livelock: Option<Counterexample>,
    /// Executions whose linearizability the search bound left undecided.
    undecided: usize,
}

impl Findings {
    /// Nothing more to find: every invariant broke, or anything was found when the budget stops
    /// at the first break. (Otherwise a panic or a livelock ends its execution, not the
    /// exploration: the other invariants are still explored.)
    fn complete(&self, stop_at_first_break: bool) -> bool {
        self.first.len() == Invariant::ALL.len() || (stop_at_first_break && self.any())
    }

    /// Anything found.
    fn any(&self) -> bool {
        !self.first.is_empty() || self.panic.is_some() || self.livelock.is_some()
    }
}

/// Runs one strategy until its budget is spent, it runs out of schedules, or nothing is left to
/// find; records counterexamples into `findings`.
fn explore<B, F>(
    open: &Arc<F>,
    workload: &Arc<Workload>,
    strategy: Strategy,
    budget: &Budget,
    findings: &Rc<RefCell<Findings>>,
) -> StrategyRun
where
    B: Bank + 'static,
    F: Fn(&[Money]) -> B + Send + Sync + 'static,
{
    let started = Instant::now();
    // Drained deadlocks only under the preemption-bounded search (the recorder makes the drain's
    // steps without asking the strategy, which leaves a search's state as shuttle's abort would,
    // but would shift a sampling strategy's random draws), and only once this workload has
    // deadlocked under shuttle's own detector: the bookkeeping costs every lock a little, and
    // most banks never deadlock.
    let drains_possible = matches!(strategy, Strategy::PreemptionBounded { .. });
    let _drains = DrainsAllowed::new(drains_possible && DRAIN_FROM_THE_START.with(Cell::get));
    let inner = strategy.scheduler(budget);
    let inner = Rc::new(RefCell::new(inner));
    let state = Rc::new(RefCell::new(RecorderState {
        limit: budget.iterations,
        ..RecorderState::default()
    }));
    let slot: ObservationSink = Arc::default();
    let new_counterexample = {
        let (workload, seed) = (Arc::clone(workload), budget.seed);
        move |finding, iteration, schedule: &RecordedSchedule, anomaly| Counterexample {
            finding,
            workload: (*workload).clone(),
            strategy,
            seed,
            iteration,
            schedule: schedule.to_string(),
            anomaly,
        }
    };
    let stop_at_first_break = budget.stop_at_first_break;
    // Counterexamples kept from drained deadlocks: their schedules stop where the deadlock became
    // certain, and are completed once the exploration is over.
    let from_drains: Rc<RefCell<Vec<Finding>>> = Rc::default();
    let on_finished: OnFinished = {
        let (slot, findings, new_counterexample, from_drains) = (
            Arc::clone(&slot),
            Rc::clone(findings),
            new_counterexample.clone(),
            Rc::clone(&from_drains),
        );
        let expected_total = bank_core::bank::total(&workload.balances);
        Box::new(move |iteration, schedule| {
            let observed = std::mem::take(&mut *execution::observed(&slot));
            let mut findings = findings.borrow_mut();
            if let Some(message) = observed.deadlock.clone() {
                // A drained deadlock: reported as shuttle's own would have been.
                record_cut_off(
                    &mut findings,
                    &message,
                    &observed,
                    expected_total,
                    |finding, anomaly| {
                        from_drains.borrow_mut().push(finding);
                        new_counterexample(finding, iteration, schedule, anomaly)
                    },
                );
                return findings.complete(stop_at_first_break);
            }
            // Only the first counterexample per invariant is kept: once one shows the history
            // is not linearizable, later executions need not be searched.
            let assessment =
                observed.assess(!findings.first.contains_key(&Invariant::Linearizable));
            findings.undecided += usize::from(assessment.linearizability_undecided);
            record_violations(&mut findings, &assessment.violated, |invariant| {
                new_counterexample(
                    Finding::Broke(invariant),
                    iteration,
                    schedule,
                    anomaly_of(&observed, invariant),
                )
            });
            findings.complete(stop_at_first_break)
        })
    };
    let on_finished = Rc::new(RefCell::new(on_finished));
    let body = {
        let (open, workload, slot) = (Arc::clone(open), Arc::clone(workload), Arc::clone(&slot));
        move || execution::run_workload(open.as_ref(), &workload, &slot)
    };
    let mut unfinished = 0;
    loop {
        let recorder = Recorder {
            inner: Rc::clone(&inner),
            state: Rc::clone(&state),
            on_finished: Rc::clone(&on_finished),
        };
        let runner = Runner::new(recorder, shuttle_config());
        let body = body.clone();
        let Err(payload) = quietly(|| catch_unwind(AssertUnwindSafe(move || runner.run(body))))
        else {
            break;
        };
        // Shuttle aborted the execution under way: a deadlock, a livelock, or a panic in the bank.
        let message = panic_message(payload.as_ref());
        if drains_possible && matches!(abort_kind(&message), Abort::Deadlock(_)) {
            // This workload deadlocks: drain its later deadlocks instead.
            bank_core::runtime::deadlock_drain::enable(true);
        }
        let mut state = state.borrow_mut();
        if !state.pending {
            // The panic came from the scheduler before an execution started (PCT refuses to go on
            // when its first execution was cut off before any step): this strategy can do no more.
            break;
        }
        state.pending = false;
        let (iteration, schedule) = (state.executions, state.current.clone());
        let mut found = findings.borrow_mut();
        // What the audits saw before the execution was cut off still counts.
        let partial = std::mem::take(&mut *execution::observed(&slot));
        if record_cut_off(
            &mut found,
            &message,
            &partial,
            bank_core::bank::total(&workload.balances),
            |finding, anomaly| new_counterexample(finding, iteration, &schedule, anomaly),
        ) {
            unfinished += 1;
        }
        if found.complete(budget.stop_at_first_break) || state.executions >= state.limit {
            break;
        }
    }
    for finding in from_drains.borrow().iter() {
        let Finding::Broke(invariant) = *finding else {
            continue;
        };
        let mut found = findings.borrow_mut();
        let Some(counterexample) = found.first.get_mut(&invariant) else {
            continue;
        };
        if let Ok(prefix) = counterexample.schedule.parse::<RecordedSchedule>()
            && let Some(whole) = replay::complete_deadlock_schedule(open, workload, &prefix)
        {
            counterexample.schedule = whole.to_string();
        }
    }
    let state = state.borrow();
    StrategyRun {
        strategy,
        schedules: state.executions,
        completed: state.exhausted,
        unfinished,
        elapsed: started.elapsed(),
    }
}

thread_local! {
    static DRAIN_FROM_THE_START: Cell<bool> = const { Cell::new(false) };
}

/// For tests: on this OS thread, drain every deadlock of a preemption-bounded search, from a
/// workload's first one on (normally its first deadlock is shuttle's own, and only later ones
/// are drained), so that drained executions' counterexamples are produced and can be replayed.
#[doc(hidden)]
pub fn drain_from_the_start(on: bool) {
    DRAIN_FROM_THE_START.with(|drain| drain.set(on));
}

/// Allows drained deadlocks on this OS thread while it lives (`deadlock_drain::enable`).
struct DrainsAllowed;

impl DrainsAllowed {
    fn new(on: bool) -> Self {
        bank_core::runtime::deadlock_drain::enable(on);
        Self
    }
}

impl Drop for DrainsAllowed {
    fn drop(&mut self) {
        bank_core::runtime::deadlock_drain::enable(false);
    }
}

/// Records what an execution cut off by `message` (shuttle's abort, or a drained deadlock in
/// the same words) shows: the breaks its observations so far show, and the deadlock, livelock or
/// panic itself. Returns whether the execution counts as unfinished (a livelock or a panic: its
/// other invariants were not seen to the end; a deadlock is an end).
fn record_cut_off(
    found: &mut Findings,
    message: &str,
    partial: &Observations,
    expected_total: i128,
    counterexample: impl Fn(Finding, Anomaly) -> Counterexample,
) -> bool {
    let assessment = partial.assess(!found.first.contains_key(&Invariant::Linearizable));
    found.undecided += usize::from(assessment.linearizability_undecided);
    record_violations(found, &assessment.violated, |invariant| {
        counterexample(
            Finding::Broke(invariant),
            // The abort message says the execution was cut off after the break (replay accepts
            // such a break only if its execution is cut off the same way).
            Anomaly {
                message: Some(message.to_string()),
                ..anomaly_of(partial, invariant)
            },
        )
    });
    let anomaly = |blocked_threads| Anomaly {
        expected_total,
        blocked_threads,
        message: Some(message.to_string()),
        ..Anomaly::default()
    };
    match abort_kind(message) {
        Abort::Deadlock(blocked) => {
            found
                .first
                .entry(Invariant::DeadlockFree)
                .or_insert_with(|| {
                    counterexample(Finding::Broke(Invariant::DeadlockFree), anomaly(blocked))
                });
            false
        }
        Abort::Livelock => {
            found
                .livelock
                .get_or_insert_with(|| counterexample(Finding::Livelock, anomaly(vec![])));
            true
        }
        Abort::Panic => {
            found
                .panic
                .get_or_insert_with(|| counterexample(Finding::Panic, anomaly(vec![])));
            true
        }
    }
}

/// Records the first counterexample of each invariant in `violated`.
fn record_violations(
    findings: &mut Findings,
    violated: &[Invariant],
    counterexample: impl Fn(Invariant) -> Counterexample,
) {
    for &invariant in violated {
        findings
            .first
            .entry(invariant)
            .or_insert_with(|| counterexample(invariant));
    }
}

/// Shuttle settings for exploration: no schedule printing (the checker records its own), a
/// step bound that turns a livelock into a finding, and no warnings about unsound atomics.
fn shuttle_config() -> Config {
    let mut config = Config::new();
    config.failure_persistence = FailurePersistence::None;
    config.max_steps = MaxSteps::FailAfter(STEP_BOUND);
    config.silence_warnings = true;
    config
}

/// The anomaly summary for one violated invariant.
fn anomaly_of(observed: &Observations, invariant: Invariant) -> Anomaly {
    let totals = || {
        observed
            .audit_totals
            .iter()
            .copied()
            .chain(observed.final_total)
    };
    let observed_total = match invariant {
        Invariant::SnapshotConservation => observed
            .audit_totals
            .iter()
            .copied()
            .find(|&t| t != observed.expected_total),
        _ => observed.final_total,
    };
    Anomaly {
        expected_total: observed.expected_total,
        observed_total,
        lowest_total: totals().min(),
        highest_total: totals().max(),
        min_balance: observed.min_balance,
        blocked_threads: Vec::new(),
        message: None,
        linearizability: (invariant == Invariant::Linearizable)
            .then(|| observed.assess(true).non_linearizable)
            .flatten()
            .map(|violation| {
                crate::linearizability::table::render_text(
                    &violation,
                    &crate::linearizability::table::shuttle_names(observed.workers),
                )
            }),
    }
}

/// The text of a panic payload.
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_string()
    } else {
        "a panic with a non-text payload".to_string()
    }
}

/// Why shuttle aborted an execution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Abort {
    /// Every unfinished thread blocked (the blocked threads' names, when shuttle lists them), or
    /// a thread blocked on a lock it already holds (on real threads it would wait for ever).
    Deadlock(Vec<String>),
    /// The step bound, with threads still runnable.
    Livelock,
    /// Any other panic: the bank's own.
    Panic,
}

/// Classifies shuttle's abort message.
pub(crate) fn abort_kind(message: &str) -> Abort {
    if let Some(list) = message.strip_prefix("deadlock! blocked tasks: [") {
        // Each entry reads `name (task name(id)[, detached][, pending future])`, comma-separated;
        // a name is what precedes ` (task `, after the previous entry's closing `), `.
        let pieces: Vec<&str> = list.split(" (task ").collect();
        let names = pieces[..pieces.len().saturating_sub(1)]
            .iter()
            .map(|piece| piece.rsplit("), ").next().unwrap_or(piece).to_string())
            .collect();
        return Abort::Deadlock(names);
    }
    if message.starts_with("deadlock! task ") && message.contains("it already holds") {
        // `deadlock! task TaskId(2) tried to acquire a Mutex it already holds`
        return Abort::Deadlock(Vec::new());
    }
    if message.contains("exceeded max_steps bound") {
        return Abort::Livelock;
    }
    Abort::Panic
}

/// Shuttle's abort message in words: `a deadlock: worker-0 and worker-1 wait for ever (and
/// main-thread, which joins them)`, `the step bound was reached with threads still running (a
/// livelock)`, or a panic's own message.
pub(crate) fn describe_abort(message: &str) -> String {
    match abort_kind(message) {
        Abort::Deadlock(names) if names.is_empty() => {
            "a deadlock: a thread waits for a lock it already holds".to_string()
        }
        Abort::Deadlock(names) => {
            let (main, workers): (Vec<&String>, Vec<&String>) =
                names.iter().partition(|name| *name == "main-thread");
            let workers: Vec<&str> = workers.iter().map(|name| name.as_str()).collect();
            let waiting = match workers.split_last() {
                None => "every thread waits for ever".to_string(),
                Some((only, [])) => format!("{only} waits for ever"),
                Some((last, rest)) => format!("{} and {last} wait for ever", rest.join(", ")),
            };
            let joining = if main.is_empty() {
                ""
            } else {
                " (and main-thread, which joins them)"
            };
            format!("a deadlock: {waiting}{joining}")
        }
        Abort::Livelock => {
            "the step bound was reached with threads still running (a livelock)".to_string()
        }
        Abort::Panic => message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::{Abort, abort_kind, describe_abort};

    #[test]
    fn an_abort_is_described_in_words() {
        let message = "deadlock! blocked tasks: [main-thread (task main-thread(0)), worker-0 (task worker-0(1), pending future), worker-1 (task worker-1(2))]";
        assert_eq!(
            describe_abort(message),
            "a deadlock: worker-0 and worker-1 wait for ever (and main-thread, which joins them)"
        );
        assert_eq!(describe_abort("the bank's own bug"), "the bank's own bug");
    }

    #[test]
    fn blocked_thread_names_are_read_from_shuttles_deadlock_message() {
        let message = "deadlock! blocked tasks: [main-thread (task main-thread(0)), worker-0 (task worker-0(1), pending future), worker-1 (task worker-1(2))]";
        assert_eq!(
            abort_kind(message),
            Abort::Deadlock(vec![
                "main-thread".into(),
                "worker-0".into(),
                "worker-1".into()
            ])
        );
    }

    #[test]
    fn a_lock_taken_twice_is_a_deadlock_a_step_bound_a_livelock_and_the_rest_panics() {
        assert_eq!(
            abort_kind("deadlock! task TaskId(2) tried to acquire a Mutex it already holds"),
            Abort::Deadlock(vec![])
        );
        assert_eq!(
            abort_kind("exceeded max_steps bound 20000. this might be"),
            Abort::Livelock
        );
        assert_eq!(abort_kind("index out of bounds"), Abort::Panic);
        assert_eq!(
            abort_kind("deadlock! is what my bank says"),
            Abort::Panic,
            "only shuttle's own deadlock messages are deadlocks"
        );
    }
}
