//! The exploration: every strategy of a budget in turn, each running executions of the workload
//! under shuttle until its budget is spent, it runs out of schedules, or nothing is left to find.

use super::abort::{Abort, abort_kind, panic_message, shuttle_config};
use super::error::CheckError;
use super::execution::{self, ObservationSink};
use super::findings::{Findings, anomaly_of, record_cut_off, record_violations};
use super::quiet_panics::quietly;
use super::recorder::{OnFinished, Recorder, RecorderState};
use super::replay;
use super::report::{Anomaly, CheckReport, Counterexample, Finding, StrategyRun};
use super::schedule::RecordedSchedule;
use super::strategy::{Budget, Strategy};
use super::validation::validate;
use bank_core::{Bank, Invariant, Money, Verdict, Verdicts, Workload};
use shuttle::Runner;
use std::cell::{Cell, RefCell};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::Rc;
use std::sync::Arc;
use std::time::Instant;

/// Explores `workload` against banks opened by `open` within `budget`, and reports per invariant
/// what was shown (breaks, proven, not found), with the first counterexample of each finding.
/// Every strategy runs under [`Fair`](super::Fair): a thread that yields gives way to the runnable ones.
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

/// Runs one strategy until its budget is spent, it runs out of schedules, or nothing is left to
/// find; records counterexamples into `findings`.
///
/// Shuttle's runner explores until the scheduler stops it; each finished execution is judged by
/// [`judge_each_execution`] as the recorder hands it over. An execution shuttle aborts (a
/// deadlock, a livelock, the bank's panic) ends the runner with a panic instead: it is judged
/// here ([`judge_aborted_execution`]), and a new runner resumes with the same scheduler.
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
    // Drained deadlocks only under the preemption-bounded search, and only once this workload
    // has deadlocked under shuttle's own detector (see `DrainsAllowed`).
    let drains_possible = matches!(strategy, Strategy::PreemptionBounded { .. });
    let _drains = DrainsAllowed::new(drains_possible && DRAIN_FROM_THE_START.with(Cell::get));
    let sink: ObservationSink = Arc::default();
    let new_counterexample = CounterexampleOf {
        workload: Arc::clone(workload),
        strategy,
        seed: budget.seed,
    };
    // Counterexamples kept from drained deadlocks: their schedules stop where the deadlock became
    // certain, and are completed once the exploration is over.
    let from_drains: Rc<RefCell<Vec<Finding>>> = Rc::default();
    let judge = judge_each_execution(
        &sink,
        findings,
        &new_counterexample,
        &from_drains,
        budget.stop_at_first_break,
    );
    let recorder = recorder_for(strategy, budget, judge);
    let body = {
        let (open, workload, sink) = (Arc::clone(open), Arc::clone(workload), Arc::clone(&sink));
        move || execution::run_workload(open.as_ref(), &workload, &sink)
    };
    let mut unfinished = 0;
    while let Err(message) = run_until_aborted(&recorder, &body) {
        if drains_possible && matches!(abort_kind(&message), Abort::Deadlock(_)) {
            // This workload deadlocks: drain its later deadlocks instead.
            bank_core::instrumentation::deadlock_drain::enable(true);
        }
        let mut state = recorder.state.borrow_mut();
        if !state.pending {
            // The panic came from the scheduler before an execution started (PCT refuses to go on
            // when its first execution was cut off before any step): this strategy can do no more.
            break;
        }
        state.pending = false;
        let mut found = findings.borrow_mut();
        let cut_short =
            judge_aborted_execution(&mut found, &message, &sink, workload, |finding, anomaly| {
                new_counterexample.of(finding, state.executions, &state.current, anomaly)
            });
        unfinished += usize::from(cut_short);
        if found.complete(budget.stop_at_first_break) || state.executions >= state.limit {
            break;
        }
    }
    complete_drained_schedules(
        open,
        workload,
        &from_drains.borrow(),
        &mut findings.borrow_mut(),
    );
    let state = recorder.state.borrow();
    StrategyRun {
        strategy,
        schedules: state.executions,
        completed: state.exhausted,
        unfinished,
        elapsed: started.elapsed(),
    }
}

/// The recorder around `strategy`'s scheduler, its execution limit the budget's, `judge` called
/// as each execution finishes.
fn recorder_for(strategy: Strategy, budget: &Budget, judge: OnFinished) -> Recorder {
    Recorder {
        inner: Rc::new(RefCell::new(strategy.scheduler(budget))),
        state: Rc::new(RefCell::new(RecorderState {
            limit: budget.iterations,
            ..RecorderState::default()
        })),
        on_finished: Rc::new(RefCell::new(judge)),
    }
}

/// Runs shuttle over `body` with a fresh runner on the recorder's shared scheduler and state,
/// until the scheduler ends the exploration (`Ok`) or shuttle aborts an execution (`Err`, with
/// the abort's message: a deadlock, a livelock, or the bank's own panic).
fn run_until_aborted(
    recorder: &Recorder,
    body: &(impl Fn() + Clone + Send + Sync + 'static),
) -> Result<(), String> {
    let recorder = Recorder {
        inner: Rc::clone(&recorder.inner),
        state: Rc::clone(&recorder.state),
        on_finished: Rc::clone(&recorder.on_finished),
    };
    let runner = Runner::new(recorder, shuttle_config());
    let body = body.clone();
    quietly(|| catch_unwind(AssertUnwindSafe(move || runner.run(body))))
        .map(|_executions| ())
        .map_err(|payload| panic_message(payload.as_ref()))
}

/// A counterexample of this strategy's exploration of this workload.
#[derive(Clone)]
struct CounterexampleOf {
    workload: Arc<Workload>,
    strategy: Strategy,
    seed: u64,
}

impl CounterexampleOf {
    fn of(
        &self,
        finding: Finding,
        iteration: usize,
        schedule: &RecordedSchedule,
        anomaly: Anomaly,
    ) -> Counterexample {
        Counterexample {
            finding,
            workload: (*self.workload).clone(),
            strategy: self.strategy,
            seed: self.seed,
            iteration,
            schedule: schedule.to_string(),
            anomaly,
        }
    }
}

/// The recorder's callback: judges each execution that ran to its end (or was drained at a
/// deadlock) as it finishes, and says whether nothing is left to find.
fn judge_each_execution(
    sink: &ObservationSink,
    findings: &Rc<RefCell<Findings>>,
    new_counterexample: &CounterexampleOf,
    from_drains: &Rc<RefCell<Vec<Finding>>>,
    stop_at_first_break: bool,
) -> OnFinished {
    let (sink, findings, new_counterexample, from_drains) = (
        Arc::clone(sink),
        Rc::clone(findings),
        new_counterexample.clone(),
        Rc::clone(from_drains),
    );
    let expected_total = bank_core::bank::total(&new_counterexample.workload.balances);
    Box::new(move |iteration, schedule| {
        let observed = std::mem::take(&mut *execution::observed(&sink));
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
                    new_counterexample.of(finding, iteration, schedule, anomaly)
                },
            );
            return findings.complete(stop_at_first_break);
        }
        // Only the first counterexample per invariant is kept: once one shows the history is not
        // linearizable, later executions need not be searched.
        let assessment = observed.assess(!findings.first.contains_key(&Invariant::Linearizable));
        findings.undecided += usize::from(assessment.linearizability_undecided);
        record_violations(&mut findings, &assessment.violated, |invariant| {
            new_counterexample.of(
                Finding::Broke(invariant),
                iteration,
                schedule,
                anomaly_of(&observed, invariant),
            )
        });
        findings.complete(stop_at_first_break)
    })
}

/// Judges an execution shuttle aborted with `message`: what its audits saw before it was cut off
/// still counts, and the deadlock, livelock or panic itself is a finding. Returns whether the
/// execution counts as cut short (a livelock or a panic; a deadlock is an end).
fn judge_aborted_execution(
    found: &mut Findings,
    message: &str,
    sink: &ObservationSink,
    workload: &Workload,
    counterexample: impl Fn(Finding, Anomaly) -> Counterexample,
) -> bool {
    let partial = std::mem::take(&mut *execution::observed(sink));
    let expected_total = bank_core::bank::total(&workload.balances);
    record_cut_off(found, message, &partial, expected_total, counterexample)
}

/// Completes the schedules of counterexamples found at drained deadlocks: each stops where the
/// deadlock became certain, and is replayed to shuttle's own deadlock report.
fn complete_drained_schedules<B, F>(
    open: &Arc<F>,
    workload: &Workload,
    from_drains: &[Finding],
    found: &mut Findings,
) where
    B: Bank + 'static,
    F: Fn(&[Money]) -> B + Send + Sync + 'static,
{
    for finding in from_drains {
        let Finding::Broke(invariant) = *finding else {
            continue;
        };
        let Some(counterexample) = found.first.get_mut(&invariant) else {
            continue;
        };
        if let Ok(prefix) = counterexample.schedule.parse::<RecordedSchedule>()
            && let Some(whole) = replay::complete_deadlock_schedule(open, workload, &prefix)
        {
            counterexample.schedule = whole.to_string();
        }
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
///
/// Only the preemption-bounded search drains (the recorder makes the drain's steps without
/// asking the strategy, which leaves a search's state as shuttle's abort would, but would shift
/// a sampling strategy's random draws), and only once the workload has deadlocked under
/// shuttle's own detector: the bookkeeping costs every lock a little, and most banks never
/// deadlock.
struct DrainsAllowed;

impl DrainsAllowed {
    fn new(on: bool) -> Self {
        bank_core::instrumentation::deadlock_drain::enable(on);
        Self
    }
}

impl Drop for DrainsAllowed {
    fn drop(&mut self) {
        bank_core::instrumentation::deadlock_drain::enable(false);
    }
}
