//! One real-thread run of one variant: start the workload's threads together, let each run its
//! transfers (and the audit after each), and watch them.
//!
//! The watchdog never lets a deadlock hang the tool: while waiting, the main thread polls
//! `parking_lot::deadlock::check_deadlock` every 50 ms (OsThreads' `LazyWakeMutex` registers its
//! holders and untimed waiters with that detector, as parking_lot's own locks do; a waiter that
//! is still in its timed watch is invisible to it for at most 1 ms); a cycle among this run's threads is
//! reported (thread names, the bank frames of their backtraces), the other threads are told to
//! stop, and whatever cannot stop is abandoned: its threads stay parked forever and the campaign
//! moves on. A run that exceeds its time bound without a detectable cycle is abandoned the same
//! way and reported as hung.

use super::RunSpec;
use super::report::{AuditSample, DeadlockReport, RunRecord};
use bank_core::bank::total;
use bank_core::{Bank, BankOptions, Money};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::ThreadId;
use std::time::{Duration, Instant};

/// How often the watchdog looks for deadlock cycles.
const WATCHDOG_PERIOD: Duration = Duration::from_millis(50);
/// How long stopped threads get to finish their current operation before they are abandoned.
const STOP_GRACE: Duration = Duration::from_secs(3);
/// Samples of the audited total kept per thread for charts (inconsistent audits first).
const SAMPLES_PER_THREAD: usize = 400;

/// What one worker thread saw.
#[derive(Debug, Default)]
struct WorkerStats {
    transfers: u64,
    applied: u64,
    audits: u64,
    inconsistent: u64,
    first_inconsistent: Option<AuditSample>,
    lowest_total: Option<i128>,
    highest_total: Option<i128>,
    min_balance: Money,
    samples: Vec<AuditSample>,
}

impl WorkerStats {
    fn record_audit(
        &mut self,
        balances: &[Money],
        expected: i128,
        sample: impl FnOnce(i128) -> AuditSample,
    ) {
        let audited = total(balances);
        self.audits += 1;
        self.lowest_total = Some(self.lowest_total.map_or(audited, |t| t.min(audited)));
        self.highest_total = Some(self.highest_total.map_or(audited, |t| t.max(audited)));
        self.min_balance = balances.iter().copied().fold(self.min_balance, Money::min);
        let inconsistent = audited != expected;
        // Keep every inconsistent audit up to the cap, and a thinning sample of consistent ones.
        let keep = self.samples.len() < SAMPLES_PER_THREAD
            && (inconsistent || self.audits.is_power_of_two() || self.audits.is_multiple_of(512));
        if inconsistent || keep {
            let sample = sample(audited);
            if inconsistent {
                self.inconsistent += 1;
                self.first_inconsistent.get_or_insert(sample);
            }
            if keep {
                self.samples.push(sample);
            }
        }
    }
}

/// Progress shared with whoever draws it: transfers done so far, over all threads.
pub type Progress = Arc<AtomicU64>;

/// Runs `spec` to completion, deadlock or time bound, and records what happened. Never hangs:
/// returns within `duration + time_bound + grace` at the latest.
pub fn run_once(spec: &RunSpec, progress: &Progress) -> RunRecord {
    let options = BankOptions {
        yield_between_debit_and_credit: spec.yield_between_debit_and_credit,
    };
    let bank: Arc<dyn Bank> = Arc::from(
        (spec.variant.open_os)(&spec.shape.balances, options)
            .expect("presets and flags give valid balances"),
    );
    let expected = total(&spec.shape.balances);
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let (report, reports) = mpsc::channel();
    let mut names: HashMap<ThreadId, String> = HashMap::new();
    for index in 0..spec.shape.threads {
        let name = format!("{}-worker-{index}", spec.variant.id);
        let (bank, stop, report, progress) = (
            Arc::clone(&bank),
            Arc::clone(&stop),
            report.clone(),
            Arc::clone(progress),
        );
        let transfers = spec.shape.transfers(spec.seed, index);
        let audit_each = spec.shape.audit_after_each_transfer;
        let handle = std::thread::Builder::new()
            .name(name.clone())
            .spawn(move || {
                let mut stats = WorkerStats::default();
                for (from, to, amount) in transfers {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    stats.transfers += 1;
                    stats.applied += u64::from(bank.transfer(from, to, amount).is_ok());
                    if audit_each {
                        let snapshot = bank.audit();
                        stats.record_audit(&snapshot, expected, |audited| AuditSample {
                            micros: u64::try_from(started.elapsed().as_micros())
                                .unwrap_or(u64::MAX),
                            total: audited,
                            thread: index,
                        });
                    }
                    if stats.transfers.is_multiple_of(256) {
                        progress.fetch_add(256, Ordering::Relaxed);
                    }
                }
                progress.fetch_add(stats.transfers % 256, Ordering::Relaxed);
                // The campaign may have abandoned this run; then nobody listens any more.
                let _ = report.send(stats);
            })
            .expect("the OS refused to start a worker thread");
        names.insert(handle.thread().id(), name);
        // Dropping the handle detaches the thread: a deadlocked worker is abandoned, not joined.
    }
    drop(report);

    let mut finished = Vec::new();
    let mut deadlock = None;
    let mut hung = false;
    let mut stopped_at: Option<Instant> = None;
    while finished.len() < spec.shape.threads {
        match reports.recv_timeout(WATCHDOG_PERIOD) {
            Ok(stats) => {
                finished.push(stats);
                continue;
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
            Err(mpsc::RecvTimeoutError::Timeout) => {}
        }
        if deadlock.is_none()
            && let Some(cycle) = detect_deadlock(&names)
        {
            deadlock = Some(cycle);
            stop.store(true, Ordering::Relaxed);
            stopped_at.get_or_insert_with(Instant::now);
        }
        let elapsed = started.elapsed();
        if spec.duration.is_some_and(|duration| elapsed >= duration) && stopped_at.is_none() {
            stop.store(true, Ordering::Relaxed);
            stopped_at = Some(Instant::now());
        }
        if elapsed >= spec.duration.unwrap_or(Duration::ZERO) + spec.time_bound
            && stopped_at.is_none()
        {
            // A slow run is not a hung one: ask the threads to stop, and call the run hung only if
            // they cannot (each checks the flag before every operation).
            stop.store(true, Ordering::Relaxed);
            stopped_at = Some(Instant::now());
        }
        if stopped_at.is_some_and(|at| at.elapsed() >= STOP_GRACE) {
            // Whatever has not stopped by now is blocked for good: abandon it.
            hung |= deadlock.is_none();
            break;
        }
    }
    let wall = started.elapsed();
    let all_finished = finished.len() == spec.shape.threads;
    // Only a bank whose threads all finished can be read: an abandoned thread may hold its locks.
    let final_balances = (all_finished && deadlock.is_none()).then(|| bank.balances());
    if !all_finished && deadlock.is_none() {
        hung = true;
    }
    if hung && deadlock.is_none() {
        deadlock = Some(DeadlockReport {
            threads: names.values().cloned().collect(),
            detail: format!(
                "did not stop within {STOP_GRACE:?} of its time bound of {:?}; no lock cycle visible to parking_lot",
                spec.time_bound
            ),
        });
    }
    summarise(spec, finished, final_balances, deadlock, wall)
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
                detail.push_str(&format!("    {frame}\n"));
            }
            threads.push(name);
        }
    }
    threads.sort();
    Some(DeadlockReport { threads, detail })
}

fn summarise(
    spec: &RunSpec,
    finished: Vec<WorkerStats>,
    final_balances: Option<Vec<Money>>,
    deadlock: Option<DeadlockReport>,
    wall: Duration,
) -> RunRecord {
    let mut record = RunRecord {
        variant: spec.variant.id.to_string(),
        run: spec.run,
        seed: spec.seed,
        expected_total: total(&spec.shape.balances),
        threads_finished: finished.len(),
        final_total: final_balances.as_deref().map(total),
        min_balance: final_balances.as_deref().map_or(0, |balances| {
            balances.iter().copied().min().unwrap_or(0).min(0)
        }),
        wall_seconds: wall.as_secs_f64(),
        deadlock,
        ..RunRecord::default()
    };
    for stats in finished {
        record.transfers += stats.transfers;
        record.transfers_applied += stats.applied;
        record.audits += stats.audits;
        record.inconsistent_audits += stats.inconsistent;
        record.min_balance = record.min_balance.min(stats.min_balance);
        record.lowest_total = min_option(record.lowest_total, stats.lowest_total);
        record.highest_total = max_option(record.highest_total, stats.highest_total);
        if let Some(first) = stats.first_inconsistent
            && record
                .first_inconsistent
                .is_none_or(|known| first.micros < known.micros)
        {
            record.first_inconsistent = Some(first);
        }
        record.samples.extend(stats.samples);
    }
    record.samples.sort_by_key(|sample| sample.micros);
    record
}

fn min_option(a: Option<i128>, b: Option<i128>) -> Option<i128> {
    a.into_iter().chain(b).min()
}

fn max_option(a: Option<i128>, b: Option<i128>) -> Option<i128> {
    a.into_iter().chain(b).max()
}
