//! `prove`: a bounded-exhaustive proof over every workload in a scope.
//!
//! No schedule explorer proves more than the one test program it is handed; this module writes
//! the programs too. It enumerates every workload of a [`Scope`] (threads × operations ×
//! accounts × opening balances × amounts, transfers and audits), keeps one workload per symmetry
//! class, and explores every schedule of each one (or every schedule with ≤ P preemptions, where
//! every schedule is too many), on every core. The verdicts say exactly that: `proven` for the
//! stated scope and bound, `breaks` with the first counterexample in enumeration order (the
//! smallest workload that shows it), or `not found` when something was left unexplored.
//!
//! - `scope.rs`: scopes, their parts, and the enumeration of a part's workloads.
//! - `symmetry.rs`: which workloads are interchangeable, and why that is sound.
//! - `run.rs`: the task list and the worker threads that explore it.
//! - `report.rs`: evidence, verdicts, and merging shards.

mod report;
mod run;
mod scope;
pub mod symmetry;

pub use report::{Indexed, PartEvidence, ProofReport, ProofVerdict, VariantProof};
pub use run::{ProveOptions, Task, plan, prove_bank};
pub use scope::{Scope, ScopePart};

use crate::checker::CheckError;
use crate::matrix::{minimal_counterexample, shuttle_opener};
use bank_core::Subject;

/// Proves `scope` for one catalog variant (its smaller parts, if the scope has some for it;
/// accounts renamed only if the catalog says the variant uses them as names).
pub fn prove_variant(
    variant: &'static Subject,
    scope: &Scope,
    options: &ProveOptions<'_>,
) -> Result<VariantProof, CheckError> {
    run::prove_parts(
        variant.id,
        shuttle_opener(variant),
        variant.accounts_are_names,
        scope.parts_for(variant),
        options,
    )
}

/// Minimises each finding's first counterexample of a catalog variant's proof (its workload
/// shrunk while it still shows the finding) into `proof.minimal`.
pub fn minimise(variant: &'static Subject, proof: &mut VariantProof) {
    for (key, found) in &proof.first {
        let minimal = minimal_counterexample(variant, &found.counterexample);
        proof.minimal.insert(key.clone(), minimal);
    }
}
