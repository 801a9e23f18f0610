//! What an exploration found so far: the first counterexample of each invariant, of a livelock and
//! of a panic, and how an execution's observations (or its abort) become findings.

use super::abort::{Abort, abort_kind};
use super::execution::Observations;
use super::report::{Anomaly, Counterexample, Finding};
use bank_core::Invariant;
use std::collections::BTreeMap;

/// The first counterexample per invariant, a livelock's and a panic's.
#[derive(Debug, Clone, Default)]
pub(super) struct Findings {
    pub(super) first: BTreeMap<Invariant, Counterexample>,
    pub(super) panic: Option<Counterexample>,
    pub(super) livelock: Option<Counterexample>,
    /// Executions whose linearizability the search bound left undecided.
    pub(super) undecided: usize,
}

impl Findings {
    /// Nothing more to find: every invariant broke, or anything was found when the budget stops
    /// at the first break. (Otherwise a panic or a livelock ends its execution, not the
    /// exploration: the other invariants are still explored.)
    pub(super) fn complete(&self, stop_at_first_break: bool) -> bool {
        self.first.len() == Invariant::ALL.len() || (stop_at_first_break && self.any())
    }

    /// Anything found.
    fn any(&self) -> bool {
        !self.first.is_empty() || self.panic.is_some() || self.livelock.is_some()
    }
}

/// Records what an execution cut off by `message` (shuttle's abort, or a drained deadlock in
/// the same words) shows: the breaks its observations so far show, and the deadlock, livelock or
/// panic itself. Returns whether the execution counts as unfinished (a livelock or a panic: its
/// other invariants were not seen to the end; a deadlock is an end).
pub(super) fn record_cut_off(
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
pub(super) fn record_violations(
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

/// The anomaly summary for one violated invariant.
pub(super) fn anomaly_of(observed: &Observations, invariant: Invariant) -> Anomaly {
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
                    &crate::thread_names::history_columns(observed.workers),
                )
            }),
    }
}
