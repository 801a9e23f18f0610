//! One real-thread run of one variant: start the workload's threads together, let each run its
//! transfers (and the audit after each), and watch them.
//!
//! The watchdog never lets a deadlock hang the tool: while waiting, the main thread polls
//! `parking_lot::deadlock::check_deadlock` every 50 ms (OsThreads' locks are parking_lot's, which
//! register their holders and waiters with that detector); a cycle among this run's threads is
//! reported (thread names, the bank frames of their backtraces), the other threads are told to
//! stop, and whatever cannot stop is abandoned: its threads stay parked forever and the campaign
//! moves on. A run that reaches its time bound is asked to stop and reported as cut short; only
//! if its threads then complete nothing for seconds is it abandoned, and reported as hung.

use super::history_check::{CALLS_PER_WORKER, check_run_history};
use super::report::{AuditSample, DeadlockReport, RunOutcome, RunRecord};
use crate::checker::panic_message;
use crate::linearizability::history::{StampedEvents, Stamps};
use crate::linearizability::{Call, Outcome};
use bank_core::bank::total;
use bank_core::runtime::{Noise, noise};
use bank_core::{Bank, BankOptions, Money, Subject, WorkloadShape};
use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::ThreadId;
use std::time::{Duration, Instant};

/// One run to make.
#[derive(Debug, Clone)]
pub struct RunSpec {
    /// The variant.
    pub variant: &'static Subject,
    /// The run's number within the variant.
    pub run: usize,
    /// The workload seed (campaign seed + run number).
    pub seed: u64,
    /// The workload.
    pub shape: WorkloadShape,
    /// The lesson's yield between debit and credit.
    pub yield_between_debit_and_credit: bool,
    /// Stop the run on purpose after this long (soak), if set.
    pub duration: Option<Duration>,
    /// Stop the run after `duration` plus this, and call it cut short.
    pub time_bound: Duration,
    /// Schedule noise in every worker.
    pub noise: Noise,
}

/// How often the watchdog looks for deadlock cycles.
const WATCHDOG_PERIOD: Duration = Duration::from_millis(50);
/// A run asked to stop whose threads complete no operation for this long is stuck (hung).
const STOP_GRACE: Duration = Duration::from_secs(3);
/// After a detected deadlock the cycle's threads can never move again; the others get this long
/// without progress to finish their operation in hand (or to turn out blocked behind the cycle).
const DEADLOCK_GRACE: Duration = Duration::from_millis(250);
/// The longest a run asked to stop may take to stop, even while its threads still make progress.
const STOP_LIMIT: Duration = Duration::from_secs(30);
/// Samples of the audited total kept per thread for charts (inconsistent audits first).
const SAMPLES_PER_THREAD: usize = 400;

/// What one worker thread saw.
#[derive(Debug, Default, Clone)]
struct WorkerStats {
    transfers: u64,
    applied: u64,
    audits: u64,
    inconsistent: u64,
    first_inconsistent: Option<AuditSample>,
    first_overdraft_micros: Option<u64>,
    lowest_total: Option<i128>,
    highest_total: Option<i128>,
    min_balance: Money,
    samples: Vec<AuditSample>,
    /// Every call and result, stamped (up to `CALLS_PER_WORKER` calls).
    history: StampedEvents,
}

impl WorkerStats {
    fn record_audit(&mut self, balances: &[Money], expected: i128, micros: u64, thread: usize) {
        let audited = total(balances);
        self.audits += 1;
        self.lowest_total = Some(self.lowest_total.map_or(audited, |t| t.min(audited)));
        self.highest_total = Some(self.highest_total.map_or(audited, |t| t.max(audited)));
        let lowest_balance = balances.iter().copied().min().unwrap_or(0);
        if lowest_balance < 0 {
            self.first_overdraft_micros.get_or_insert(micros);
        }
        self.min_balance = self.min_balance.min(lowest_balance);
        let inconsistent = audited != expected;
        // Keep every inconsistent audit up to the cap, and a thinning sample of consistent ones.
        let keep = self.samples.len() < SAMPLES_PER_THREAD
            && (inconsistent || self.audits.is_power_of_two() || self.audits.is_multiple_of(512));
        let sample = AuditSample {
            micros,
            total: audited,
            thread,
            min_balance: lowest_balance,
        };
        if inconsistent {
            self.inconsistent += 1;
            self.first_inconsistent.get_or_insert(sample);
        }
        if keep {
            self.samples.push(sample);
        }
    }
}

/// Progress shared with whoever draws it: transfers done so far, over all threads.
pub type Progress = Arc<AtomicU64>;

/// A worker's statistics, shared with the watchdog as they are made: the worker updates them after
/// every operation (never while inside the bank), so whatever a thread saw before it deadlocked,
/// hung or panicked is still there to report.
type SharedStats = Arc<Mutex<WorkerStats>>;

/// How a worker ended, sent once.
enum WorkerEnd {
    Finished,
    Panicked(String),
}

/// Why a run could not be made at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunError {
    /// The variant refused the workload's balances.
    Open(String),
    /// The OS refused to start a worker thread.
    Spawn(String),
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Open(why) => write!(f, "the bank refused the workload: {why}"),
            Self::Spawn(why) => write!(f, "could not start a worker thread: {why}"),
        }
    }
}

impl std::error::Error for RunError {}

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
        (spec.variant.open_os)(&spec.shape.balances, options)
            .map_err(|error| RunError::Open(error.to_string()))?,
    );
    let expected = total(&spec.shape.balances);
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let (end_sender, ends) = mpsc::channel();
    let mut names: HashMap<ThreadId, String> = HashMap::new();
    let mut stats: Vec<SharedStats> = Vec::new();
    let stamps = Arc::new(Stamps::default());
    for index in 0..spec.shape.threads {
        let name = worker_name(spec, index);
        let mine = SharedStats::default();
        stats.push(Arc::clone(&mine));
        let (bank, stop_flag, end_sender, progress, stamps) = (
            Arc::clone(&bank),
            Arc::clone(&stop),
            end_sender.clone(),
            Arc::clone(progress),
            Arc::clone(&stamps),
        );
        let transfers = spec.shape.transfers(spec.seed, index);
        let audit_each = spec.shape.audit_after_each_transfer;
        let (noise, noise_seed) = (spec.noise, noise_seed(spec.seed, index));
        let handle = std::thread::Builder::new()
            .name(name.clone())
            .spawn(move || {
                noise::install(noise, noise_seed);
                // Each call is recorded (stamped) before it starts and its result after it
                // returns, so a call cut off by a deadlock is still in the history, pending.
                let recording = |call: Call| {
                    let mut stats = mine.lock().unwrap_or_else(PoisonError::into_inner);
                    let on = stats.history.calls() < CALLS_PER_WORKER;
                    if on {
                        stats.history.invoke(&stamps, index, call);
                    } else {
                        stats.history.capped = true;
                    }
                    on
                };
                let record_result = |on: bool, outcome: Outcome| {
                    if on {
                        let micros = micros_since(started);
                        let mut stats = mine.lock().unwrap_or_else(PoisonError::into_inner);
                        stats.history.answer(&stamps, index, outcome, micros);
                    }
                };
                let work = || {
                    for (from, to, amount) in transfers {
                        if stop_flag.load(Ordering::Relaxed) {
                            break;
                        }
                        let on = recording(Call::Transfer { from, to, amount });
                        let result = bank.transfer(from, to, amount);
                        let applied = result.is_ok();
                        record_result(on, Outcome::Transfer(result));
                        let snapshot = audit_each.then(|| {
                            let on = recording(Call::Audit);
                            let snapshot = bank.audit();
                            record_result(on, Outcome::Audit(snapshot.clone()));
                            snapshot
                        });
                        let micros = micros_since(started);
                        let mut stats = mine.lock().unwrap_or_else(PoisonError::into_inner);
                        stats.transfers += 1;
                        stats.applied += u64::from(applied);
                        if let Some(snapshot) = snapshot {
                            stats.record_audit(&snapshot, expected, micros, index);
                        }
                        drop(stats);
                        progress.fetch_add(1, Ordering::Relaxed);
                    }
                };
                let end = match catch_unwind(AssertUnwindSafe(work)) {
                    Ok(()) => WorkerEnd::Finished,
                    Err(payload) => WorkerEnd::Panicked(panic_message(payload.as_ref())),
                };
                // The campaign may have abandoned this run; then nobody listens any more.
                let _ = end_sender.send((index, end));
            })
            .map_err(|error| {
                // Workers already started must not run on against nobody.
                stop.store(true, Ordering::Relaxed);
                RunError::Spawn(error.to_string())
            })?;
        names.insert(handle.thread().id(), name);
        // Dropping the handle detaches the thread: a deadlocked worker is abandoned, not joined.
    }
    drop(end_sender);

    let mut watch = Watch::default();
    let mut ended = vec![false; spec.shape.threads];
    let (mut finished, mut finished_cleanly) = (0, 0);
    while finished < spec.shape.threads {
        match ends.recv_timeout(WATCHDOG_PERIOD) {
            Ok((index, WorkerEnd::Finished)) => {
                ended[index] = true;
                finished += 1;
                finished_cleanly += 1;
                continue;
            }
            Ok((index, WorkerEnd::Panicked(message))) => {
                ended[index] = true;
                finished += 1;
                watch.panic.get_or_insert((index, message));
                stop.store(true, Ordering::Relaxed);
                watch.stopped_at.get_or_insert_with(Instant::now);
                continue;
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
            Err(mpsc::RecvTimeoutError::Timeout) => {}
        }
        if watch.deadlock.is_none()
            && let Some(cycle) = detect_deadlock(&names)
        {
            watch.deadlock = Some(cycle);
            watch.deadlock_micros = Some(micros_since(started));
            stop.store(true, Ordering::Relaxed);
            watch.stopped_at.get_or_insert_with(Instant::now);
        }
        let elapsed = started.elapsed();
        if watch.stopped_at.is_none() {
            if cancel.load(Ordering::Relaxed) {
                stop.store(true, Ordering::Relaxed);
                watch.stopped_at = Some(Instant::now());
                watch.cut_short = true;
            } else if spec.duration.is_some_and(|duration| elapsed >= duration) {
                stop.store(true, Ordering::Relaxed);
                watch.stopped_at = Some(Instant::now());
            } else if elapsed
                >= spec
                    .duration
                    .unwrap_or(Duration::ZERO)
                    .saturating_add(spec.time_bound)
            {
                // A slow run is not a hung one: ask the threads to stop; each checks the flag
                // before every operation, so they can.
                stop.store(true, Ordering::Relaxed);
                watch.stopped_at = Some(Instant::now());
                watch.cut_short = true;
            }
        }
        if let Some(at) = watch.stopped_at {
            // Threads that still complete operations are slow, not stuck: give them until
            // STOP_LIMIT. A thread that completes nothing for STOP_GRACE is stuck.
            let now = progress.load(Ordering::Relaxed);
            if now != watch.last_progress {
                watch.last_progress = now;
                watch.last_progress_at = Some(Instant::now());
            }
            let since = watch.last_progress_at.map_or(at, |last| last.max(at));
            let grace = if watch.deadlock.is_some() {
                DEADLOCK_GRACE
            } else {
                STOP_GRACE
            };
            let stuck = since.elapsed() >= grace;
            if stuck || at.elapsed() >= STOP_LIMIT {
                watch.stuck = stuck && watch.deadlock.is_none();
                break;
            }
        }
    }
    let wall = started.elapsed();
    let all_finished = finished == spec.shape.threads;
    // Every event stamped below this was pushed before its stamp was taken (each worker takes
    // a stamp and pushes the event under its own lock), so what is collected below it is
    // complete even if a straggler still records after its history is taken.
    let collected_below = stamps.next();
    let mut stats: Vec<WorkerStats> = stats
        .iter()
        .map(|shared| std::mem::take(&mut *shared.lock().unwrap_or_else(PoisonError::into_inner)))
        .collect();
    let histories = stats
        .iter_mut()
        .map(|worker| std::mem::take(&mut worker.history))
        .collect();
    // Only a bank whose threads all finished can be read: an abandoned thread may hold its locks.
    let final_balances = (all_finished && watch.deadlock.is_none() && watch.panic.is_none())
        .then(|| bank.balances());
    let outcome = if let Some((index, message)) = &watch.panic {
        RunOutcome::Panicked {
            thread: worker_name(spec, *index),
            message: message.clone(),
        }
    } else if watch.deadlock.is_some() {
        RunOutcome::Deadlock
    } else if !all_finished && watch.stuck {
        watch.deadlock = Some(DeadlockReport {
            threads: (0..spec.shape.threads)
                .filter(|&index| !ended[index])
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
    };
    let final_balances_for_history = final_balances.clone();
    let mut record = summarise(
        spec,
        &stats,
        final_balances,
        outcome,
        watch.deadlock,
        watch.deadlock_micros,
        wall,
    );
    record.threads_finished = finished_cleanly;
    let history = RecordedHistory {
        initial: spec.shape.balances.clone(),
        workers: histories,
        collected_below,
        final_balances: final_balances_for_history,
        wall_micros: micros_since(started),
    };
    Ok((record, history))
}

/// What the watchdog has seen so far.
#[derive(Default)]
struct Watch {
    deadlock: Option<DeadlockReport>,
    deadlock_micros: Option<u64>,
    panic: Option<(usize, String)>,
    stopped_at: Option<Instant>,
    cut_short: bool,
    stuck: bool,
    last_progress: u64,
    last_progress_at: Option<Instant>,
}

/// A worker's thread name: the variant and the worker's index.
fn worker_name(spec: &RunSpec, index: usize) -> String {
    crate::thread_names::os_worker(spec.variant.id, index)
}

/// Each worker's noise seed: the run's seed mixed with the worker's index.
fn noise_seed(seed: u64, index: usize) -> u64 {
    (seed ^ 0x05EE_D0F2_015E).wrapping_add((index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15))
}

fn micros_since(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX)
}

/// A detected cycle: each thread's id and its backtrace, already formatted.
type Cycle = Vec<(ThreadId, String)>;

/// Cycles parking_lot reported that no run has claimed yet. Detection is process-wide and
/// destructive (a cycle is reported once, to whichever caller asks first), so every run's
/// watchdog files what it finds here and takes out only the cycles among its own threads.
static UNCLAIMED_CYCLES: Mutex<Vec<Cycle>> = Mutex::new(Vec::new());

/// Looks for a deadlock cycle involving this run's threads.
fn detect_deadlock(names: &HashMap<ThreadId, String>) -> Option<DeadlockReport> {
    let mut unclaimed = UNCLAIMED_CYCLES
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    for cycle in parking_lot::deadlock::check_deadlock() {
        unclaimed.push(
            cycle
                .iter()
                .map(|thread| (thread.thread_id(), format!("{:?}", thread.backtrace())))
                .collect(),
        );
    }
    let (ours, others): (Vec<Cycle>, Vec<Cycle>) = unclaimed
        .drain(..)
        .partition(|cycle| cycle.iter().any(|(id, _)| names.contains_key(id)));
    *unclaimed = others;
    drop(unclaimed);
    if ours.is_empty() {
        return None;
    }
    let mut threads = Vec::new();
    let mut detail = String::new();
    for (number, cycle) in ours.iter().enumerate() {
        detail.push_str(&format!("cycle {}:\n", number + 1));
        for (id, backtrace) in cycle {
            let name = names.get(id).cloned().unwrap_or_else(|| format!("{id:?}"));
            detail.push_str(&format!("  {name} blocked at:\n"));
            // The frames inside the bank are the ones that say which locks were taken in which order.
            for frame in backtrace.lines().filter(|line| {
                line.contains("bank_core::variants") || line.contains("bank_core/src/variants")
            }) {
                let frame = frame.trim();
                // Drop the frame number (`3: `) that the backtrace's own format puts in front.
                let frame = frame
                    .split_once(": ")
                    .filter(|(number, _)| number.chars().all(|c| c.is_ascii_digit()))
                    .map_or(frame, |(_, name)| name);
                detail.push_str(&format!("    {}\n", short_frame(frame)));
            }
            threads.push(name);
        }
    }
    threads.sort();
    Some(DeadlockReport { threads, detail })
}

/// A backtrace frame as a reader names the function: `<bank_core::variants::nested_locks::
/// NestedLocksBank<R> as bank_core::bank::Bank>::transfer` becomes `NestedLocksBank::transfer`,
/// `bank_core::variants::nested_locks::helper` becomes `nested_locks::helper`; a source location
/// (`at bank-core/src/…:12:5`) is kept as it is.
fn short_frame(frame: &str) -> String {
    if frame.starts_with("at ") {
        return frame.to_string();
    }
    // The implementing type of `<Type<Params> as Trait>::method`, and the method.
    let (owner, method) = match frame
        .strip_prefix('<')
        .and_then(|rest| rest.split_once(" as "))
    {
        Some((owner, rest)) => (
            owner,
            rest.rsplit_once(">::").map_or("", |(_, method)| method),
        ),
        None => match frame.rsplit_once("::") {
            Some((path, function)) => (path, function),
            None => return frame.to_string(),
        },
    };
    let owner = owner.split('<').next().unwrap_or(owner);
    let owner = owner.rsplit("::").next().unwrap_or(owner);
    if method.is_empty() {
        owner.to_string()
    } else {
        format!("{owner}::{method}")
    }
}

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

#[cfg(test)]
mod tests {
    use super::short_frame;

    #[test]
    fn backtrace_frames_are_named_as_a_reader_names_functions() {
        assert_eq!(
            short_frame(
                "<bank_core::variants::nested_locks::NestedLocksBank<R> as bank_core::bank::Bank>::transfer"
            ),
            "NestedLocksBank::transfer"
        );
        assert_eq!(
            short_frame("bank_core::variants::nested_locks::lock_both"),
            "nested_locks::lock_both"
        );
        assert_eq!(
            short_frame("at ./bank-core/src/variants/nested_locks.rs:40:9"),
            "at ./bank-core/src/variants/nested_locks.rs:40:9"
        );
    }
}
