//! One execution of a workload against a bank, inside a shuttle run: start one named thread per
//! workload thread, perform its operations, join, and report every invariant violation seen.
//!
//! Violations are recorded, not panicked: the checker decides what to do with them. A deadlock
//! cannot be recorded from inside (no thread runs again); shuttle reports it as a panic that the
//! checker catches (see `checker/mod.rs`).

use bank_core::bank::total;
use bank_core::runtime::{Runtime, trace};
use bank_core::{Bank, Invariant, Money, Op, ShuttleThreads, Workload};
use std::sync::Arc;

/// What one execution observed about the bank's totals and balances.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Observations {
    /// The total every audit should see.
    pub expected_total: i128,
    /// Every audit's total, in the order threads finished (per thread, in order).
    pub audit_totals: Vec<i128>,
    /// The total after every thread finished, if they all did.
    pub final_total: Option<i128>,
    /// The most negative balance seen in any audit or at the end (0 if none was negative).
    pub min_balance: Money,
}

impl Observations {
    /// The invariants these observations violate (never `DeadlockFree`: a deadlocked execution
    /// observes nothing further).
    pub fn violations(&self) -> Vec<Invariant> {
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
    /// `audit totals [1, 0] (should be 1), final total 0, lowest balance -1`
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "audit totals {:?} (should be {}), final total {}, lowest balance {}",
            self.audit_totals,
            self.expected_total,
            self.final_total
                .map_or("- (the threads did not all finish)".to_string(), |total| {
                    total.to_string()
                }),
            self.min_balance
        )
    }
}

/// The name shuttle shows for workload thread `index` in deadlock reports.
pub fn thread_name(index: usize) -> String {
    format!("worker-{index}")
}

/// Runs `workload` on a bank opened by `open`; must be called inside a shuttle execution.
pub fn run_workload<B: Bank + 'static>(
    open: &(impl Fn(&[Money]) -> B + ?Sized),
    workload: &Workload,
) -> Observations {
    let bank = Arc::new(open(&workload.balances));
    let handles: Vec<_> = workload
        .threads
        .iter()
        .enumerate()
        .map(|(index, ops)| {
            let bank = Arc::clone(&bank);
            let ops = ops.clone();
            let expected = total(&workload.balances);
            ShuttleThreads::spawn(thread_name(index), move || {
                perform(bank.as_ref(), &ops, expected)
            })
        })
        .collect();
    let mut observations = Observations {
        expected_total: total(&workload.balances),
        ..Observations::default()
    };
    for handle in handles {
        // A worker that panicked has already failed the shuttle execution; its audits are lost.
        if let Ok(audits) = handle.join() {
            for audit in audits {
                observations.audit_totals.push(total(&audit));
                observations.min_balance = observations
                    .min_balance
                    .min(audit.iter().copied().min().unwrap_or(0));
            }
        }
    }
    let balances = bank.balances();
    observations.final_total = Some(total(&balances));
    let final_alone = Observations {
        expected_total: observations.expected_total,
        final_total: Some(total(&balances)),
        min_balance: balances.iter().copied().min().unwrap_or(0).min(0),
        ..Observations::default()
    };
    trace::note(
        "reads the final balances",
        None,
        || describe_balances(&balances, observations.expected_total),
        !final_alone.violations().is_empty(),
    );
    observations.min_balance = observations
        .min_balance
        .min(balances.iter().copied().min().unwrap_or(0));
    observations
}

/// One thread's operations; returns what its audits saw. Refused transfers are part of the
/// workload (the invariants hold or break regardless of them).
fn perform<B: Bank + ?Sized>(bank: &B, ops: &[Op], expected: i128) -> Vec<Vec<Money>> {
    let mut audits = Vec::new();
    for op in ops {
        match *op {
            Op::Transfer { from, to, amount } => {
                trace::note(
                    "starts transfer",
                    None,
                    || format!(" {from}→{to} ${amount}"),
                    false,
                );
                let refused_or_done = bank.transfer(from, to, amount);
                trace::note(
                    "ends transfer",
                    None,
                    || match &refused_or_done {
                        Ok(()) => format!(" {from}→{to} ${amount}: done"),
                        Err(why) => format!(" {from}→{to} ${amount}: refused ({why})"),
                    },
                    false,
                );
            }
            Op::Audit => {
                trace::note("starts audit", None, String::new, false);
                let seen = bank.audit();
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
                    || format!(": {}", describe_balances(&seen, expected)),
                    !audit_alone.violations().is_empty(),
                );
                audits.push(seen);
            }
        }
    }
    audits
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
