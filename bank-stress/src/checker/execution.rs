//! One execution of a workload against a bank, inside a shuttle run: start one named thread per
//! workload thread, perform its operations, join, and report every invariant violation seen.
//!
//! Violations are recorded, not panicked: the checker decides what to do with them. A deadlock
//! cannot be recorded from inside (no thread runs again); shuttle reports it as a panic that the
//! checker catches (see `checker/mod.rs`).

use crate::linearizability::{
    Call, Exhausted, History, Linearizability, Outcome, SearchBounds, Violation, check,
};
use crate::thread_names;
use bank_core::bank::total;
use bank_core::instrumentation::{deadlock_drain, first_step, trace};
use bank_core::runtime::{Joinable, Runtime};
use bank_core::{Bank, Invariant, Money, Op, ShuttleThreads, Workload};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// Where an execution leaves what it observes, as it observes it. A deadlock or a panic ends a
/// shuttle execution without returning, and what the audits saw before that must still be
/// checked. (A std mutex is safe here: shuttle switches tasks only at its own scheduling points,
/// and there are none while it is held.)
pub type ObservationSink = Arc<Mutex<Observations>>;

/// The sink's observations.
pub fn observed(sink: &ObservationSink) -> MutexGuard<'_, Observations> {
    sink.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What one execution observed about the bank's totals and balances.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Observations {
    /// The total every audit should see.
    pub expected_total: i128,
    /// Every audit's total, in the order the audits returned.
    pub audit_totals: Vec<i128>,
    /// The total after every thread finished, if they all did.
    pub final_total: Option<i128>,
    /// The most negative balance seen in any audit or at the end (0 if none was negative).
    pub min_balance: Money,
    /// The opening balances (the sequential bank the history is checked against starts there).
    #[serde(default)]
    pub initial_balances: Vec<Money>,
    /// The workload's threads (the history's thread of that number is the main thread's final
    /// read).
    #[serde(default)]
    pub workers: usize,
    /// Every call and result, in order; the final balances, once every thread finished, as an
    /// audit by the main thread (thread number = the workload's thread count).
    #[serde(default)]
    pub history: History,
    /// The execution deadlocked and was drained (see `bank_core::instrumentation::deadlock_drain`):
    /// shuttle's words for it, as its own detector would have said them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadlock: Option<String>,
}

/// What one execution's observations show, invariant by invariant.
#[derive(Debug, Clone, Default)]
pub struct Assessment {
    /// The invariants broken (never `DeadlockFree`: a deadlocked execution observes nothing
    /// further).
    pub violated: Vec<Invariant>,
    /// The search bound ran out before linearizability was decided: this execution neither
    /// breaks nor supports it.
    pub linearizability_undecided: bool,
    /// Why the history is not linearizable, when it is not.
    pub non_linearizable: Option<Violation>,
}

impl Observations {
    /// The invariants these observations violate (never `DeadlockFree`: a deadlocked execution
    /// observes nothing further).
    pub fn violations(&self) -> Vec<Invariant> {
        self.assess(true).violated
    }

    /// Whether the history so far is linearizable; `Linearizable` when nothing was recorded.
    pub fn linearizability(&self) -> Linearizability {
        if self.history.is_empty() {
            return Linearizability::Linearizable { order: Vec::new() };
        }
        // Only the runner writes histories, one call at a time per thread: always well formed.
        check(
            &self.initial_balances,
            &self.history,
            SearchBounds::default(),
        )
        .unwrap_or(Linearizability::Unknown {
            exhausted: Exhausted::Configurations,
            expansions: 0,
            events_checked: 0,
        })
    }

    /// Every invariant's outcome for these observations, with the linearizability evidence;
    /// linearizability only `with_linearizability` (an exploration that already holds a
    /// counterexample for it skips the search).
    pub fn assess(&self, with_linearizability: bool) -> Assessment {
        let mut assessment = Assessment {
            violated: self.totals_violations(),
            ..Assessment::default()
        };
        if !with_linearizability {
            return assessment;
        }
        match self.linearizability() {
            Linearizability::Linearizable { .. } => {}
            Linearizability::NotLinearizable(violation) => {
                assessment.violated.push(Invariant::Linearizable);
                assessment.non_linearizable = Some(violation);
            }
            Linearizability::Unknown { .. } => assessment.linearizability_undecided = true,
        }
        assessment
    }

    /// The invariants the totals and balances violate.
    fn totals_violations(&self) -> Vec<Invariant> {
        let mut violated = Vec::new();
        if self
            .audit_totals
            .iter()
            .any(|&total| total != self.expected_total)
        {
            violated.push(Invariant::SnapshotConservation);
        }
        if self
            .final_total
            .is_some_and(|total| total != self.expected_total)
        {
            violated.push(Invariant::FinalConservation);
        }
        if self.min_balance < 0 {
            violated.push(Invariant::NoOverdraft);
        }
        violated
    }
}

impl std::fmt::Display for Observations {
    /// `audit totals 1 and 0, final total 0 (all should be 1), lowest balance -1`, or without
    /// audits `final total 0 (should be 1), lowest balance -1`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let final_total = self
            .final_total
            .map_or("- (the threads did not all finish)".to_string(), |total| {
                total.to_string()
            });
        match self.audit_totals.split_last() {
            None => write!(
                f,
                "final total {final_total} (should be {})",
                self.expected_total
            )?,
            Some((last, rest)) => {
                let totals = if rest.is_empty() {
                    format!("audit total {last}")
                } else {
                    let rest: Vec<String> = rest.iter().map(i128::to_string).collect();
                    format!("audit totals {} and {last}", rest.join(", "))
                };
                write!(
                    f,
                    "{totals}, final total {final_total} (all should be {})",
                    self.expected_total
                )?;
            }
        }
        write!(f, ", lowest balance {}", self.min_balance)
    }
}

/// Runs `workload` on a bank opened by `open`, leaving what it observes in `sink` as it goes;
/// must be called inside a shuttle execution.
pub fn run_workload<B: Bank + 'static>(
    open: &(impl Fn(&[Money]) -> B + ?Sized),
    workload: &Workload,
    sink: &ObservationSink,
) {
    let expected = total(&workload.balances);
    first_step::clear();
    deadlock_drain::begin_execution(thread_names::MAIN_THREAD);
    *observed(sink) = Observations {
        expected_total: expected,
        initial_balances: workload.balances.clone(),
        workers: workload.threads.len(),
        ..Observations::default()
    };
    let bank = Arc::new(open(&workload.balances));
    let handles: Vec<_> = workload
        .threads
        .iter()
        .enumerate()
        .map(|(index, ops)| {
            let (bank, sink) = (Arc::clone(&bank), Arc::clone(sink));
            let ops = ops.clone();
            let name = thread_names::worker(index);
            ShuttleThreads::spawn(name.clone(), move || {
                deadlock_drain::register_current(&name);
                let performed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    perform(bank.as_ref(), index, &ops, expected, &sink);
                }));
                deadlock_drain::finished();
                // A drained worker ends quietly; any other panic is the bank's, and fails the
                // execution as before.
                if let Err(payload) = performed
                    && !payload.is::<deadlock_drain::Drained>()
                {
                    std::panic::resume_unwind(payload);
                }
            })
        })
        .collect();
    for handle in handles {
        // A worker that panicked has already failed the shuttle execution. (The runtime's join,
        // not shuttle's own: it tells `deadlock_drain` that the main thread waits.)
        let _ = Joinable::join(handle);
    }
    if let Some(deadlock) = deadlock_drain::deadlock_message() {
        // The workers deadlocked and were drained: nothing after the deadlock is an observation.
        observed(sink).deadlock = Some(deadlock);
        return;
    }
    let balances = bank.balances();
    let final_alone = Observations {
        expected_total: expected,
        final_total: Some(total(&balances)),
        min_balance: balances.iter().copied().min().unwrap_or(0).min(0),
        ..Observations::default()
    };
    trace::note(
        "reads the final balances",
        None,
        || describe_balances(&balances, expected),
        !final_alone.violations().is_empty(),
    );
    let mut observations = observed(sink);
    observations.final_total = final_alone.final_total;
    observations.min_balance = observations.min_balance.min(final_alone.min_balance);
    let main = workload.threads.len();
    observations.history.invoke(main, Call::Audit);
    observations.history.answer(main, Outcome::Audit(balances));
    if trace::is_on() {
        mark_if_first_non_linearizable(&observations);
    }
}

/// While a trace is recorded: notes the step where the history first stops being linearizable
/// (the return that ends the minimal non-linearizable prefix).
fn mark_if_first_non_linearizable(observations: &Observations) {
    let Linearizability::NotLinearizable(violation) = observations.linearizability() else {
        return;
    };
    if violation.prefix_len == observations.history.events.len() {
        trace::note(
            "cannot be placed in any sequential order",
            None,
            || " (not linearizable)".to_string(),
            true,
        );
    }
}

/// One thread's operations; each audit's result goes to `sink` as soon as it returns. Refused
/// transfers are part of the workload (the invariants hold or break regardless of them).
fn perform<B: Bank + ?Sized>(
    bank: &B,
    thread: usize,
    ops: &[Op],
    expected: i128,
    sink: &ObservationSink,
) {
    for op in ops {
        // The call is invoked at its first step (see `first_step`), or at its return if it took
        // none.
        let call = Call::of(*op);
        let recorder = Arc::clone(sink);
        first_step::at_first_step(move || observed(&recorder).history.invoke(thread, call));
        let invoke_if_no_step = || {
            if let Some(invoke) = first_step::take_pending() {
                invoke();
            }
        };
        match *op {
            Op::Transfer { from, to, amount } => {
                trace::note(
                    "starts transfer",
                    None,
                    || format!(" {from}→{to} ${amount}"),
                    false,
                );
                let refused_or_done = bank.transfer(from, to, amount);
                invoke_if_no_step();
                trace::note(
                    "ends transfer",
                    None,
                    || match &refused_or_done {
                        Ok(()) => format!(" {from}→{to} ${amount}: done"),
                        Err(why) => format!(" {from}→{to} ${amount}: refused ({why})"),
                    },
                    false,
                );
                let mut observations = observed(sink);
                observations
                    .history
                    .answer(thread, Outcome::Transfer(refused_or_done));
                if trace::is_on() {
                    mark_if_first_non_linearizable(&observations);
                }
            }
            Op::Audit => {
                trace::note("starts audit", None, String::new, false);
                let seen = bank.audit();
                invoke_if_no_step();
                // The step breaks what this audit alone, as the only observation, violates.
                let audit_alone = Observations {
                    expected_total: expected,
                    audit_totals: vec![total(&seen)],
                    min_balance: seen.iter().copied().min().unwrap_or(0).min(0),
                    ..Observations::default()
                };
                trace::note(
                    "ends audit",
                    None,
                    || format!(":{}", describe_balances(&seen, expected)),
                    !audit_alone.violations().is_empty(),
                );
                let mut observations = observed(sink);
                observations.audit_totals.push(total(&seen));
                observations.min_balance = observations.min_balance.min(audit_alone.min_balance);
                observations.history.answer(thread, Outcome::Audit(seen));
                if trace::is_on() {
                    mark_if_first_non_linearizable(&observations);
                }
            }
        }
    }
}

/// `[1, 0], total 1` or, when wrong, `[0, 0], total 0 ≠ 1` / `[-1, 2], a negative balance`.
fn describe_balances(balances: &[Money], expected: i128) -> String {
    let sum = total(balances);
    let mut text = format!(" {balances:?}, total {sum}");
    if sum != expected {
        text.push_str(&format!(" ≠ {expected}"));
    }
    if balances.iter().any(|&balance| balance < 0) {
        text.push_str(", a negative balance");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::Observations;

    #[test]
    fn observations_read_as_words_with_or_without_audits() {
        let lost = Observations {
            expected_total: 1,
            final_total: Some(0),
            min_balance: -1,
            ..Observations::default()
        };
        assert_eq!(
            lost.to_string(),
            "final total 0 (should be 1), lowest balance -1"
        );
        let audited = Observations {
            audit_totals: vec![1, 0],
            ..lost.clone()
        };
        assert_eq!(
            audited.to_string(),
            "audit totals 1 and 0, final total 0 (all should be 1), lowest balance -1"
        );
        let stuck = Observations {
            audit_totals: vec![2],
            final_total: None,
            ..lost
        };
        assert_eq!(
            stuck.to_string(),
            "audit total 2, final total - (the threads did not all finish) (all should be 1), lowest balance -1"
        );
    }
}
