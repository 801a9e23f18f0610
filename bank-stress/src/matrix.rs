//! The verdict matrix: each catalog variant checked under shuttle and compared with the
//! catalog's expectation. Shared by `cargo xtask explore` and the tests.

use crate::checker::{self, Budget, CheckError, CheckReport, Counterexample, Finding};
use crate::workloads::{minimise, seed_for};
use bank_core::{Bank, BankOptions, Invariant, Money, Subject, Workload};

/// One variant's check, next to what the catalog expects.
#[derive(Debug, Clone)]
pub struct VariantCheck {
    /// The catalog entry.
    pub variant: &'static Subject,
    /// What the checker found.
    pub report: CheckReport,
}

impl VariantCheck {
    /// The invariants whose shown verdict disagrees with the catalog's: an expected break not
    /// shown, or an expected hold broken.
    pub fn mismatches(&self) -> Vec<Invariant> {
        Invariant::ALL
            .into_iter()
            .filter(|&invariant| {
                self.variant
                    .expects(invariant)
                    .is_some_and(|expected| !self.report.shown(invariant).agrees_with(expected))
            })
            .collect()
    }

    /// Every expected break was shown, no expected hold broke, and the bank neither panicked nor
    /// livelocked.
    pub fn agrees(&self) -> bool {
        self.mismatches().is_empty()
            && self.report.panic.is_none()
            && self.report.livelock.is_none()
    }
}

/// A function that opens the variant on shuttle's runtime with the lesson's yield on.
pub fn shuttle_opener(
    variant: &'static Subject,
) -> impl Fn(&[Money]) -> Box<dyn Bank> + Clone + Send + Sync + 'static {
    move |balances| {
        (variant.open.shuttle)(balances, BankOptions::default()).unwrap_or_else(|error| {
            panic!(
                "{}: the checker validated the workload, yet: {error}",
                variant.id
            )
        })
    }
}

/// Checks one catalog variant.
pub fn check_variant(
    variant: &'static Subject,
    workload: &Workload,
    budget: &Budget,
) -> Result<VariantCheck, CheckError> {
    let report = checker::check(shuttle_opener(variant), workload, budget)?;
    Ok(VariantCheck { variant, report })
}

/// Checks one catalog variant on each of `workloads` (see [`checker::check_workloads`]).
pub fn explore_variant(
    variant: &'static Subject,
    workloads: &[Workload],
    budget: &Budget,
) -> Result<VariantCheck, CheckError> {
    let report = checker::check_workloads(shuttle_opener(variant), workloads, budget)?;
    Ok(VariantCheck { variant, report })
}

/// The budget used to decide, during minimisation, whether a small workload still breaks an
/// invariant: DFS first (it completes on small workloads, so the answer is exact), then PCT at
/// depth 2 and random (a three-thread candidate's DFS may not reach the bug within its share).
pub fn minimisation_budget(seed: u64) -> Budget {
    Budget {
        strategies: vec![
            crate::checker::Strategy::Dfs,
            crate::checker::Strategy::Pct { depth: 2 },
            crate::checker::Strategy::Random,
        ],
        iterations: 400,
        seed,
        stop_at_first_break: false,
    }
}

/// Shrinks a catalog variant's counterexample (see [`minimal_counterexample_of`]).
pub fn minimal_counterexample(variant: &'static Subject, found: &Counterexample) -> Counterexample {
    minimal_counterexample_of(shuttle_opener(variant), found)
}

/// Shrinks a counterexample's workload to a minimal one that still shows the same finding, for
/// any bank, and returns that workload's own counterexample (with its schedule). Falls back to
/// the original when no smaller workload shows it.
pub fn minimal_counterexample_of<B, F>(open: F, found: &Counterexample) -> Counterexample
where
    B: Bank + 'static,
    F: Fn(&[Money]) -> B + Clone + Send + Sync + 'static,
{
    let finding = found.finding;
    let quick = |workload: &Workload| {
        checker::check(
            open.clone(),
            workload,
            &minimisation_budget(seed_for(workload)),
        )
        .ok()
        .and_then(|report| {
            report
                .findings()
                .find(|candidate| {
                    // A panic must be the same panic, not any other.
                    candidate.finding == finding
                        && (finding != Finding::Panic
                            || candidate.anomaly.message == found.anomaly.message)
                })
                .cloned()
        })
    };
    let minimal = minimise(found.workload.clone(), |workload| quick(workload).is_some());
    quick(&minimal).unwrap_or_else(|| found.clone())
}
