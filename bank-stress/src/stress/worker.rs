//! One worker thread of a real-thread run: its transfers (and the audit after each) on the
//! shared bank, every call and result stamped into its history, and what it saw kept where the
//! watchdog can read it even if the thread never ends (a deadlock, a hang, a panic).

use super::history_check::CALLS_PER_WORKER;
use super::report::AuditSample;
use super::run_spec::{Progress, RunError, RunSpec, worker_name};
use crate::checker::panic_message;
use crate::linearizability::history::{StampedEvents, Stamps};
use crate::linearizability::{Call, Outcome};
use bank_core::bank::total;
use bank_core::runtime::{Noise, noise};
use bank_core::workload::TransferStream;
use bank_core::{Bank, Money};
use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::ThreadId;
use std::time::Instant;

/// Samples of the audited total kept per thread for charts (inconsistent audits first).
const SAMPLES_PER_THREAD: usize = 400;

/// What one worker thread saw.
#[derive(Debug, Default, Clone)]
pub(super) struct WorkerStats {
    pub(super) transfers: u64,
    pub(super) applied: u64,
    pub(super) audits: u64,
    pub(super) inconsistent: u64,
    pub(super) first_inconsistent: Option<AuditSample>,
    pub(super) first_overdraft_micros: Option<u64>,
    pub(super) lowest_total: Option<i128>,
    pub(super) highest_total: Option<i128>,
    pub(super) min_balance: Money,
    pub(super) samples: Vec<AuditSample>,
    /// Every call and result, stamped (up to `CALLS_PER_WORKER` calls).
    pub(super) history: StampedEvents,
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

/// A worker's statistics, shared with the watchdog as they are made: the worker updates them after
/// every operation (never while inside the bank), so whatever a thread saw before it deadlocked,
/// hung or panicked is still there to report.
pub(super) type SharedStats = Arc<Mutex<WorkerStats>>;

/// How a worker ended, sent once.
pub(super) enum WorkerEnd {
    Finished,
    Panicked(String),
}

/// What every worker of a run shares: the bank, the stop flag, the clock, the stamps and the
/// progress counter (each worker holds a clone).
#[derive(Clone)]
pub(super) struct Shared {
    pub(super) bank: Arc<dyn Bank>,
    pub(super) stop: Arc<AtomicBool>,
    pub(super) started: Instant,
    pub(super) stamps: Arc<Stamps>,
    pub(super) progress: Progress,
    /// The opening total every audit should see.
    pub(super) expected: i128,
}

/// The started workers: their names by thread id (for the deadlock detector), their statistics,
/// and where each sends how it ended.
pub(super) struct Workers {
    pub(super) names: HashMap<ThreadId, String>,
    pub(super) stats: Vec<SharedStats>,
    pub(super) ends: mpsc::Receiver<(usize, WorkerEnd)>,
}

/// Starts the workload's threads on `shared`'s bank. Dropping a handle detaches its thread: a
/// deadlocked worker is abandoned, not joined. If the OS refuses a thread, the ones already
/// started are told to stop.
pub(super) fn start(spec: &RunSpec, shared: &Shared) -> Result<Workers, RunError> {
    let (end_sender, ends) = mpsc::channel();
    let mut names: HashMap<ThreadId, String> = HashMap::new();
    let mut stats: Vec<SharedStats> = Vec::new();
    for index in 0..spec.shape.threads {
        let name = worker_name(spec, index);
        let worker = Worker {
            index,
            audit_each: spec.shape.audit_after_each_transfer,
            noise: (spec.noise, noise_seed(spec.seed, index)),
            mine: SharedStats::default(),
            shared: shared.clone(),
        };
        stats.push(Arc::clone(&worker.mine));
        let transfers = spec.shape.transfers(spec.seed, index);
        let end_sender = end_sender.clone();
        let handle = std::thread::Builder::new()
            .name(name.clone())
            .spawn(move || {
                let end = worker.run(transfers);
                // The campaign may have abandoned this run; then nobody listens any more.
                let _ = end_sender.send((index, end));
            })
            .map_err(|error| {
                // Workers already started must not run on against nobody.
                shared.stop.store(true, Ordering::Relaxed);
                RunError::Spawn(error.to_string())
            })?;
        names.insert(handle.thread().id(), name);
    }
    Ok(Workers { names, stats, ends })
}

/// One worker: its place in the run, its own statistics, and what it shares with the others.
struct Worker {
    index: usize,
    audit_each: bool,
    noise: (Noise, u64),
    mine: SharedStats,
    shared: Shared,
}

impl Worker {
    /// Makes `transfers` until they are done or the run is told to stop; a panic in the bank
    /// ends the worker, with its message.
    fn run(self, transfers: TransferStream) -> WorkerEnd {
        noise::install(self.noise.0, self.noise.1);
        match catch_unwind(AssertUnwindSafe(|| self.work(transfers))) {
            Ok(()) => WorkerEnd::Finished,
            Err(payload) => WorkerEnd::Panicked(panic_message(payload.as_ref())),
        }
    }

    /// Each transfer (and the audit after it), recorded in the history and in the statistics.
    fn work(&self, transfers: TransferStream) {
        for (from, to, amount) in transfers {
            if self.shared.stop.load(Ordering::Relaxed) {
                break;
            }
            let on = self.invoke(Call::Transfer { from, to, amount });
            let result = self.shared.bank.transfer(from, to, amount);
            let applied = result.is_ok();
            self.answer(on, Outcome::Transfer(result));
            let snapshot = self.audit_each.then(|| {
                let on = self.invoke(Call::Audit);
                let snapshot = self.shared.bank.audit();
                self.answer(on, Outcome::Audit(snapshot.clone()));
                snapshot
            });
            let micros = micros_since(self.shared.started);
            let mut stats = self.mine.lock().unwrap_or_else(PoisonError::into_inner);
            stats.transfers += 1;
            stats.applied += u64::from(applied);
            if let Some(snapshot) = snapshot {
                stats.record_audit(&snapshot, self.shared.expected, micros, self.index);
            }
            drop(stats);
            self.shared.progress.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Records (stamps) a call before it starts, so that a call cut off by a deadlock is still in
    /// the history, pending. `false` once the worker's history is full.
    fn invoke(&self, call: Call) -> bool {
        let mut stats = self.mine.lock().unwrap_or_else(PoisonError::into_inner);
        let on = stats.history.calls() < CALLS_PER_WORKER;
        if on {
            stats.history.invoke(&self.shared.stamps, self.index, call);
        } else {
            stats.history.capped = true;
        }
        on
    }

    /// Records a call's result once it returns (if its invocation was recorded).
    fn answer(&self, on: bool, outcome: Outcome) {
        if on {
            let micros = micros_since(self.shared.started);
            let mut stats = self.mine.lock().unwrap_or_else(PoisonError::into_inner);
            stats
                .history
                .answer(&self.shared.stamps, self.index, outcome, micros);
        }
    }
}

/// Each worker's noise seed: the run's seed mixed with the worker's index.
fn noise_seed(seed: u64, index: usize) -> u64 {
    (seed ^ 0x05EE_D0F2_015E).wrapping_add((index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15))
}

/// Microseconds since the run started.
pub(super) fn micros_since(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX)
}
