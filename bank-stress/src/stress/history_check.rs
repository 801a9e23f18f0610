//! Linearizability on real threads: each worker records its calls and results, stamped from one
//! shared counter (see `linearizability::history`), up to [`CALLS_PER_WORKER`] calls; after the
//! run the histories are merged by stamp and checked (by the campaign, while the next run runs).
//!
//! Bounded on both sides. Memory: a worker stops recording after [`CALLS_PER_WORKER`] calls, and
//! the merged history is cut at the earliest stamp at which any worker stopped, so what is checked
//! is a true prefix of the run (calls that straddle the cut are pending: they may have taken
//! effect or not). Work: the check walks the history once, keeping only the configurations of
//! the calls that overlap in time, and its bounds ([`RUN_SEARCH_BOUNDS`]: configurations and
//! time, for the decision and for the explanation apart) make an undecidable history an honest
//! "unknown" and an unexplained violation one "not minimal".

use crate::linearizability::history::{StampedEvents, merge_stamped};
use crate::linearizability::{Call, Limits, Linearizability, Outcome, SearchBounds, check, table};
use crate::thread_names;
use bank_core::Money;
use std::time::{Duration, Instant};

/// Calls each worker records at most: 200,000 transfers with an audit after each fit (`cargo
/// xtask stress --transfers 200000`: a history of 2,000,001 calls, about 0.5 GB while it is
/// recorded and checked).
pub const CALLS_PER_WORKER: usize = 400_000;

/// The bounds for one run's history. The decision of a default-preset history (200,001 calls)
/// creates about a million configurations in a fraction of the run's time; these bounds are
/// there so that a history nobody foresaw (hundreds of threads, a bank whose calls all overlap)
/// ends in an honest "unknown" or a violation "not minimal" instead of holding the campaign.
pub const RUN_SEARCH_BOUNDS: SearchBounds = SearchBounds {
    decision: Limits {
        configurations: 200_000_000,
        time: Some(Duration::from_secs(60)),
    },
    explanation: Limits {
        configurations: 10_000_000,
        time: Some(Duration::from_secs(10)),
    },
};

/// What the check of one run's history found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HistoryVerdict {
    /// Some sequential order explains every result.
    Linearizable,
    /// No order does.
    NotLinearizable,
    /// The search bound ran out first.
    Unknown,
    /// No history was checked (a report from before histories were recorded, or a run whose
    /// workers recorded nothing).
    #[default]
    NotChecked,
}

/// The check of one run's history.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct HistoryCheck {
    /// The answer.
    pub verdict: HistoryVerdict,
    /// Calls in the history checked (the final read included).
    pub calls: u64,
    /// Whether a worker reached its recording cap, so only a prefix of the run was checked.
    pub truncated: bool,
    /// Seconds the check took.
    pub check_seconds: f64,
    /// When the call that cannot be placed returned, in µs since the run started.
    pub first_violation_micros: Option<u64>,
    /// The call that cannot be placed and the calls overlapping it, as a table.
    pub explanation: Option<String>,
}

/// Checks a run's recorded histories (every event stamped below `collected_below` is in them),
/// with the final balances (if every worker finished) as a last audit.
pub fn check_run_history(
    initial: &[Money],
    workers: Vec<StampedEvents>,
    collected_below: u64,
    final_balances: Option<&[Money]>,
    wall_micros: u64,
) -> HistoryCheck {
    let started = Instant::now();
    // A worker that skipped recording a call after its last stamp cuts the history there.
    let capped: Vec<u64> = workers
        .iter()
        .filter(|worker| worker.capped)
        .filter_map(StampedEvents::last_stamp)
        .collect();
    let truncated = !capped.is_empty();
    let cut = capped
        .iter()
        .copied()
        .min()
        .map_or(u64::MAX, |last| last + 1)
        .min(collected_below);
    let threads = workers.len();
    let (mut history, micros) = merge_stamped(workers, cut);
    if history.is_empty() {
        return HistoryCheck::default();
    }
    let mut micros = micros;
    // The final read comes after every call only if nothing was cut.
    if let (Some(balances), false) = (final_balances, truncated) {
        history.invoke(threads, Call::Audit);
        history.answer(threads, Outcome::Audit(balances.to_vec()));
        micros.extend([None, Some(wall_micros)]);
    }
    let calls = history.events.len().div_ceil(2) as u64;
    let answer = check(initial, &history, RUN_SEARCH_BOUNDS);
    let mut record = HistoryCheck {
        calls,
        truncated,
        ..HistoryCheck::default()
    };
    match answer {
        Ok(Linearizability::Linearizable { .. }) => {
            record.verdict = HistoryVerdict::Linearizable;
        }
        Ok(Linearizability::NotLinearizable(violation)) => {
            record.verdict = HistoryVerdict::NotLinearizable;
            record.first_violation_micros = micros[violation.prefix_len - 1];
            record.explanation = Some(table::render_window(
                &violation,
                &thread_names::history_columns(threads),
            ));
        }
        Ok(Linearizability::Unknown { .. }) | Err(_) => {
            record.verdict = HistoryVerdict::Unknown;
        }
    }
    record.check_seconds = started.elapsed().as_secs_f64();
    record
}
