//! The watchdog of a real-thread run: the main thread waits for the workers to end, and every
//! 50 ms looks for a deadlock cycle among them (parking_lot's detector), for the run's duration
//! or time bound to pass, and for a Ctrl-C; once the run is asked to stop, it gives the threads
//! a grace to stop and abandons those that cannot (a deadlock, a hang). It never waits for ever.

use super::report::DeadlockReport;
use super::run_spec::RunSpec;
use super::worker::{WorkerEnd, Workers, micros_since};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError, mpsc};
use std::thread::ThreadId;
use std::time::{Duration, Instant};

/// How often the watchdog looks for deadlock cycles.
const WATCHDOG_PERIOD: Duration = Duration::from_millis(50);
/// A run asked to stop whose threads complete no operation for this long is stuck (hung).
pub(super) const STOP_GRACE: Duration = Duration::from_secs(3);
/// After a detected deadlock the cycle's threads can never move again; the others get this long
/// without progress to finish their operation in hand (or to turn out blocked behind the cycle).
const DEADLOCK_GRACE: Duration = Duration::from_millis(250);
/// The longest a run asked to stop may take to stop, even while its threads still make progress.
const STOP_LIMIT: Duration = Duration::from_secs(30);
/// What the watchdog has seen so far.
#[derive(Default)]
pub(super) struct Watch {
    pub(super) deadlock: Option<DeadlockReport>,
    pub(super) deadlock_micros: Option<u64>,
    pub(super) panic: Option<(usize, String)>,
    pub(super) stopped_at: Option<Instant>,
    pub(super) cut_short: bool,
    pub(super) stuck: bool,
    last_progress: u64,
    last_progress_at: Option<Instant>,
}

/// How the workers ended, as far as the watchdog waited for them.
pub(super) struct Ends {
    /// Per worker, whether it ended (finished, or panicked).
    pub(super) ended: Vec<bool>,
    /// Workers that ended, and of those, the ones that finished without a panic.
    pub(super) finished: usize,
    pub(super) finished_cleanly: usize,
}

/// What the watchdog reads and sets while it waits: the run's clock and stop flag, its progress
/// counter, and a Ctrl-C.
pub(super) struct Watched<'a> {
    pub(super) spec: &'a RunSpec,
    pub(super) started: Instant,
    pub(super) stop: &'a AtomicBool,
    pub(super) progress: &'a std::sync::atomic::AtomicU64,
    pub(super) cancel: &'a AtomicBool,
}

/// Waits for the workers until all of them ended, or the run was asked to stop and they had
/// their grace. Returns what it saw and how the workers ended.
pub(super) fn watch(watched: &Watched, workers: &Workers) -> (Watch, Ends) {
    let threads = watched.spec.shape.threads;
    let mut watch = Watch::default();
    let mut ends = Ends {
        ended: vec![false; threads],
        finished: 0,
        finished_cleanly: 0,
    };
    while ends.finished < threads {
        match workers.ends.recv_timeout(WATCHDOG_PERIOD) {
            Ok((index, end)) => {
                ends.ended[index] = true;
                ends.finished += 1;
                match end {
                    WorkerEnd::Finished => ends.finished_cleanly += 1,
                    WorkerEnd::Panicked(message) => {
                        watch.panic.get_or_insert((index, message));
                        watch.stop(watched.stop, false);
                    }
                }
                continue;
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
            Err(mpsc::RecvTimeoutError::Timeout) => {}
        }
        if watch.deadlock.is_none()
            && let Some(cycle) = detect_deadlock(&workers.names)
        {
            watch.deadlock = Some(cycle);
            watch.deadlock_micros = Some(micros_since(watched.started));
            watch.stop(watched.stop, false);
        }
        if watch.stopped_at.is_none() {
            watch.stop_if_due(watched);
        }
        if watch.gave_them_their_grace(watched) {
            break;
        }
    }
    (watch, ends)
}

impl Watch {
    /// Asks the threads to stop (once: the first reason is the one kept).
    fn stop(&mut self, stop: &AtomicBool, cut_short: bool) {
        stop.store(true, Ordering::Relaxed);
        if self.stopped_at.is_none() {
            self.stopped_at = Some(Instant::now());
            self.cut_short = cut_short;
        }
    }

    /// Asks the threads to stop on a Ctrl-C (cut short), at the end of a soak's duration, or at
    /// the time bound (cut short: a slow run is not a hung one, and each thread checks the flag
    /// before every operation, so they can stop).
    fn stop_if_due(&mut self, watched: &Watched) {
        let spec = watched.spec;
        let elapsed = watched.started.elapsed();
        if watched.cancel.load(Ordering::Relaxed) {
            self.stop(watched.stop, true);
        } else if spec.duration.is_some_and(|duration| elapsed >= duration) {
            self.stop(watched.stop, false);
        } else if elapsed
            >= spec
                .duration
                .unwrap_or(Duration::ZERO)
                .saturating_add(spec.time_bound)
        {
            self.stop(watched.stop, true);
        }
    }

    /// Once asked to stop: threads that still complete operations are slow, not stuck, and get
    /// until STOP_LIMIT; a thread that completes nothing for STOP_GRACE (DEADLOCK_GRACE after a
    /// deadlock) is stuck. `true` when the watchdog waits no longer.
    fn gave_them_their_grace(&mut self, watched: &Watched) -> bool {
        let Some(at) = self.stopped_at else {
            return false;
        };
        let now = watched.progress.load(Ordering::Relaxed);
        if now != self.last_progress {
            self.last_progress = now;
            self.last_progress_at = Some(Instant::now());
        }
        let since = self.last_progress_at.map_or(at, |last| last.max(at));
        let grace = if self.deadlock.is_some() {
            DEADLOCK_GRACE
        } else {
            STOP_GRACE
        };
        let stuck = since.elapsed() >= grace;
        if stuck || at.elapsed() >= STOP_LIMIT {
            self.stuck = stuck && self.deadlock.is_none();
            return true;
        }
        false
    }
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
