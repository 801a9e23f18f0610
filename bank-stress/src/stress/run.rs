//! One real-thread run of one variant: start the workload's threads together, let each run its
//! transfers (and the audit after each), and watch them.
//!
//! The watchdog (`watchdog.rs`) never lets a deadlock hang the tool: while waiting, the main
//! thread polls `parking_lot::deadlock::check_deadlock` every 50 ms (OsThreads' locks are parking_lot's, which
//! register their holders and waiters with that detector); a cycle among this run's threads is
//! reported (thread names, the bank frames of their backtraces), the other threads are told to
//! stop, and whatever cannot stop is abandoned: its threads stay parked forever and the campaign
//! moves on. A run that reaches its time bound is asked to stop and reported as cut short; only
//! if its threads then complete nothing for seconds is it abandoned, and reported as hung.
//!
//! `worker.rs` is one worker thread; `watchdog.rs` the main thread's watch over them.

use super::history_check::check_run_history;
use super::report::{DeadlockReport, RunOutcome, RunRecord};
use super::run_spec::{Progress, RunError, RunSpec, worker_name};
use super::watchdog::{Ends, STOP_GRACE, Watch, Watched, watch};
use super::worker::{self, Shared, WorkerStats, micros_since};
use crate::linearizability::history::{StampedEvents, Stamps};
use bank_core::bank::total;
use bank_core::{Bank, BankOptions, Money};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, PoisonError};
use std::time::{Duration, Instant};

/// Runs `spec` to completion, deadlock, panic or time bound, records everything every thread
/// observed, and checks the history. Never hangs: returns within `duration + time_bound +
/// STOP_LIMIT` (plus the check's own time limit) at the latest.
pub fn run_once(spec: &RunSpec, progress: &Progress) -> Result<RunRecord, RunError> {
    let (mut record, history) = run_recorded(spec, progress, &AtomicBool::new(false))?;
    record.linearizability = history.check();
    Ok(record)
}

/// A run's recorded history, not checked yet: what [`check_run_history`] needs.
#[derive(Debug)]
pub struct RecordedHistory {
    initial: Vec<Money>,
    workers: Vec<StampedEvents>,
    collected_below: u64,
    final_balances: Option<Vec<Money>>,
    wall_micros: u64,
}

impl RecordedHistory {
    /// Checks it for linearizability.
    pub fn check(self) -> super::history_check::HistoryCheck {
        check_run_history(
            &self.initial,
            self.workers,
            self.collected_below,
            self.final_balances.as_deref(),
            self.wall_micros,
        )
    }
}

/// [`run_once`] without the check: the record (its `linearizability` not checked yet) and the
/// history to check, so that a campaign can check it while the next run runs. Once `cancel` is
/// set (a Ctrl-C), the run's threads are asked to stop, as at its time bound.
pub fn run_recorded(
    spec: &RunSpec,
    progress: &Progress,
    cancel: &AtomicBool,
) -> Result<(RunRecord, RecordedHistory), RunError> {
    let options = BankOptions {
        yield_between_debit_and_credit: spec.yield_between_debit_and_credit,
    };
    let bank: Arc<dyn Bank> = Arc::from(
        (spec.variant.open.os)(&spec.shape.balances, options)
            .map_err(|error| RunError::Open(error.to_string()))?,
    );
    let shared = Shared {
        bank,
        stop: Arc::new(AtomicBool::new(false)),
        started: Instant::now(),
        stamps: Arc::new(Stamps::default()),
        progress: Arc::clone(progress),
        expected: total(&spec.shape.balances),
    };
    let workers = worker::start(spec, &shared)?;
    let watched = Watched {
        spec,
        started: shared.started,
        stop: &shared.stop,
        progress,
        cancel,
    };
    let (mut watch, ends) = watch(&watched, &workers);
    let wall = shared.started.elapsed();
    let all_finished = ends.finished == spec.shape.threads;
    // Every event stamped below this was pushed before its stamp was taken (each worker takes
    // a stamp and pushes the event under its own lock), so what is collected below it is
    // complete even if a straggler still records after its history is taken.
    let collected_below = shared.stamps.next();
    let mut stats: Vec<WorkerStats> = workers
        .stats
        .iter()
        .map(|shared| std::mem::take(&mut *shared.lock().unwrap_or_else(PoisonError::into_inner)))
        .collect();
    let histories: Vec<StampedEvents> = stats
        .iter_mut()
        .map(|worker| std::mem::take(&mut worker.history))
        .collect();
    // Only a bank whose threads all finished can be read: an abandoned thread may hold its locks.
    let final_balances = (all_finished && watch.deadlock.is_none() && watch.panic.is_none())
        .then(|| shared.bank.balances());
    let outcome = outcome_of(spec, &mut watch, &ends);
    let history = RecordedHistory {
        initial: spec.shape.balances.clone(),
        workers: histories,
        collected_below,
        final_balances: final_balances.clone(),
        wall_micros: micros_since(shared.started),
    };
    let mut record = summarise(
        spec,
        &stats,
        final_balances,
        outcome,
        watch.deadlock,
        watch.deadlock_micros,
        wall,
    );
    record.threads_finished = ends.finished_cleanly;
    Ok((record, history))
}

/// How the run ended, from what the watchdog saw: a panic, a deadlock, a hang (threads that did
/// not stop and hold no lock cycle: reported with the threads that never ended), cut short,
/// stopped at the end of its duration, or completed.
fn outcome_of(spec: &RunSpec, watch: &mut Watch, ends: &Ends) -> RunOutcome {
    let all_finished = ends.finished == spec.shape.threads;
    if let Some((index, message)) = &watch.panic {
        RunOutcome::Panicked {
            thread: worker_name(spec, *index),
            message: message.clone(),
        }
    } else if watch.deadlock.is_some() {
        RunOutcome::Deadlock
    } else if !all_finished && watch.stuck {
        watch.deadlock = Some(DeadlockReport {
            threads: (0..spec.shape.threads)
                .filter(|&index| !ends.ended[index])
                .map(|index| worker_name(spec, index))
                .collect(),
            detail: format!(
                "completed no operation for {STOP_GRACE:?} after being asked to stop; no lock cycle visible to parking_lot"
            ),
        });
        RunOutcome::Hung
    } else if watch.cut_short || !all_finished {
        RunOutcome::CutShort
    } else if spec.duration.is_some() {
        RunOutcome::Stopped
    } else {
        RunOutcome::Completed
    }
}

/// The run's record from every worker's statistics and how the run ended.
fn summarise(
    spec: &RunSpec,
    workers: &[WorkerStats],
    final_balances: Option<Vec<Money>>,
    outcome: RunOutcome,
    deadlock: Option<DeadlockReport>,
    deadlock_micros: Option<u64>,
    wall: Duration,
) -> RunRecord {
    let final_min = final_balances.as_deref().map_or(0, |balances| {
        balances.iter().copied().min().unwrap_or(0).min(0)
    });
    let mut record = RunRecord {
        variant: spec.variant.id.to_string(),
        run: spec.run,
        seed: spec.seed,
        noise: spec.noise.to_string(),
        expected_total: total(&spec.shape.balances),
        planned_transfers: spec.duration.is_none().then(|| {
            (spec.shape.threads as u64).saturating_mul(spec.shape.transfers_per_thread as u64)
        }),
        outcome,
        threads_finished: 0,
        final_total: final_balances.as_deref().map(total),
        min_balance: final_min,
        wall_seconds: wall.as_secs_f64(),
        deadlock,
        deadlock_micros,
        ..RunRecord::default()
    };
    if final_min < 0 {
        record.first_overdraft_micros = Some(u64::try_from(wall.as_micros()).unwrap_or(u64::MAX));
    }
    for stats in workers {
        record.transfers += stats.transfers;
        record.transfers_applied += stats.applied;
        record.audits += stats.audits;
        record.inconsistent_audits += stats.inconsistent;
        record.min_balance = record.min_balance.min(stats.min_balance);
        record.lowest_total = min_option(record.lowest_total, stats.lowest_total);
        record.highest_total = max_option(record.highest_total, stats.highest_total);
        record.first_overdraft_micros =
            min_u64(record.first_overdraft_micros, stats.first_overdraft_micros);
        if let Some(first) = stats.first_inconsistent
            && record
                .first_inconsistent
                .is_none_or(|known| first.micros < known.micros)
        {
            record.first_inconsistent = Some(first);
        }
        record.samples.extend(stats.samples.iter().copied());
    }
    record.samples.sort_by_key(|sample| sample.micros);
    record
}

fn min_u64(a: Option<u64>, b: Option<u64>) -> Option<u64> {
    a.into_iter().chain(b).min()
}

fn min_option(a: Option<i128>, b: Option<i128>) -> Option<i128> {
    a.into_iter().chain(b).min()
}

fn max_option(a: Option<i128>, b: Option<i128>) -> Option<i128> {
    a.into_iter().chain(b).max()
}
