//! The verdict matrix: each catalog variant checked under shuttle and compared with the
//! catalog's expectation. Shared by `cargo xtask explore` and the tests.

use crate::checker::{self, Budget, CheckError, CheckReport};
use bank_core::{Bank, BankOptions, Invariant, Money, VariantInfo, Workload};

/// One variant's check, next to what the catalog expects.
#[derive(Debug, Clone)]
pub struct VariantCheck {
    /// The catalog entry.
    pub variant: &'static VariantInfo,
    /// What the checker found.
    pub report: CheckReport,
}

impl VariantCheck {
    /// The invariants whose observed verdict differs from the catalog's.
    pub fn mismatches(&self) -> Vec<Invariant> {
        Invariant::ALL
            .into_iter()
            .filter(|&invariant| {
                self.report.observed.get(invariant) != self.variant.expected.get(invariant)
            })
            .collect()
    }

    /// Every observed verdict equals the catalog's, and the bank never panicked.
    pub fn agrees(&self) -> bool {
        self.mismatches().is_empty() && self.report.panic.is_none()
    }
}

/// A function that opens the variant on shuttle's runtime with the lesson's yield on.
pub fn shuttle_opener(
    variant: &'static VariantInfo,
) -> impl Fn(&[Money]) -> Box<dyn Bank> + Send + Sync + 'static {
    move |balances| {
        (variant.open_shuttle)(balances, BankOptions::default()).unwrap_or_else(|error| {
            panic!(
                "{}: the checker validated the workload, yet: {error}",
                variant.id
            )
        })
    }
}

/// Checks one catalog variant.
pub fn check_variant(
    variant: &'static VariantInfo,
    workload: &Workload,
    budget: &Budget,
) -> Result<VariantCheck, CheckError> {
    let report = checker::check(shuttle_opener(variant), workload, budget)?;
    Ok(VariantCheck { variant, report })
}
