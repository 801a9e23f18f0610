//! What `prove` returns: per variant and scope part, the evidence (workloads, schedules, the
//! schedule bound, seconds) and the first counterexample of each finding in enumeration order;
//! per invariant, the verdict that evidence supports. Shards of one proof merge into the whole
//! proof ([`ProofReport::merge`]).

use super::scope::{Scope, ScopePart};
use crate::checker::{Counterexample, Finding};
use bank_core::{Invariant, Verdict};
use std::collections::BTreeMap;

/// A counterexample and where its workload is in the scope's enumeration (the lowest index is the
/// one a proof reports: the smallest workload that shows the finding).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Indexed {
    /// The workload's index in the variant's task list (all parts, in order).
    pub index: usize,
    /// The counterexample found on it.
    pub counterexample: Counterexample,
}

/// One scope part's evidence for one variant.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PartEvidence {
    /// The part.
    pub part: ScopePart,
    /// Workloads in the part before any reduction.
    pub raw_workloads: u128,
    /// Workloads kept after the symmetry reduction.
    pub workloads: usize,
    /// Of those, how many an earlier part already explored at least as far (not run again).
    pub covered_by_earlier_part: usize,
    /// Of those run here (by this shard), how many were run.
    pub run: usize,
    /// How many of the runs enumerated every schedule within the part's bound.
    pub exhausted: usize,
    /// Executions cut off by a livelock or a bank panic (their invariants unproven).
    pub unfinished: usize,
    /// Schedules explored.
    pub schedules: u64,
    /// Seconds of exploration, summed over the workers.
    pub seconds: f64,
}

impl PartEvidence {
    /// Every workload this part owns was run here and enumerated to the end, with no execution
    /// cut off.
    fn complete(&self) -> bool {
        self.run + self.covered_by_earlier_part == self.workloads
            && self.exhausted == self.run
            && self.unfinished == 0
    }
}

/// What a proof shows about one invariant of one variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", tag = "verdict")]
pub enum ProofVerdict {
    /// A counterexample that replays.
    Breaks,
    /// Every fair interleaving (within each part's bound) of every workload of the variant's
    /// parts explored, and none broke it.
    Proven,
    /// Not every schedule was explored (a shard, a schedule cap, a livelock or a panic), and none
    /// of those explored broke it.
    NotFound,
    /// No workload of the variant's parts can observe it (snapshot conservation without audits):
    /// neither proven nor broken.
    CannotBeShown,
}

impl ProofVerdict {
    /// `breaks`, `proven`, `not found`.
    pub fn word(&self) -> &'static str {
        match self {
            Self::Breaks => "breaks",
            Self::Proven => "proven",
            Self::NotFound => "not found",
            Self::CannotBeShown => "cannot be shown in this scope",
        }
    }

    /// Whether it agrees with the catalog's expectation (a hold is never contradicted by "not
    /// found", but only "proven" proves it).
    pub fn agrees_with(&self, expected: Verdict) -> bool {
        *self == Self::CannotBeShown || (*self == Self::Breaks) == (expected == Verdict::Breaks)
    }
}

/// One variant's proof.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct VariantProof {
    /// The catalog id (or the name a caller gave its bank).
    pub variant: String,
    /// Whether accounts were renamed in the reduction (see `symmetry.rs`).
    pub accounts_are_names: bool,
    /// The evidence, part by part.
    pub parts: Vec<PartEvidence>,
    /// A hash of the whole task list (every workload and its bound, in order): shards of one
    /// proof must share it, or their workload numbers mean different workloads.
    #[serde(default)]
    pub tasks_fingerprint: u64,
    /// The first counterexample of each finding, by finding key (`final_conservation`,
    /// `livelock`, `panic`, …), lowest workload index first.
    pub first: BTreeMap<String, Indexed>,
    /// The minimised counterexample of each finding, once minimised (the CLI does this on the
    /// whole proof, after merging).
    #[serde(default)]
    pub minimal: BTreeMap<String, Counterexample>,
}

impl VariantProof {
    /// The verdict on one invariant.
    pub fn verdict(&self, invariant: Invariant) -> ProofVerdict {
        if self.first.contains_key(invariant.key()) {
            ProofVerdict::Breaks
        } else if !self.parts.iter().any(|part| part.part.observes(invariant)) {
            ProofVerdict::CannotBeShown
        } else if self.parts.iter().all(PartEvidence::complete)
            && !self.first.contains_key(Finding::Livelock.key())
            && !self.first.contains_key(Finding::Panic.key())
        {
            ProofVerdict::Proven
        } else {
            ProofVerdict::NotFound
        }
    }

    /// Schedules explored over every part.
    pub fn schedules(&self) -> u64 {
        self.parts.iter().map(|part| part.schedules).sum()
    }

    /// Seconds of exploration over every part, summed over the workers.
    pub fn seconds(&self) -> f64 {
        self.parts.iter().map(|part| part.seconds).sum()
    }

    /// Puts together the proofs of one variant over disjoint slices of the same task list (the
    /// shards of a proof, or the worker processes of one): the evidence summed part by part, the
    /// counterexample with the lowest workload index kept per finding. Minimal counterexamples
    /// are dropped: they are made from the whole proof's first ones.
    pub fn combine(slices: Vec<VariantProof>) -> Result<VariantProof, String> {
        let mut slices = slices.into_iter();
        let mut whole = slices.next().ok_or("no proof to combine")?;
        whole.minimal.clear();
        for slice in slices {
            let same_plan = slice.variant == whole.variant
                && slice.accounts_are_names == whole.accounts_are_names
                && slice.tasks_fingerprint == whole.tasks_fingerprint
                && slice.parts.len() == whole.parts.len()
                && slice
                    .parts
                    .iter()
                    .zip(&whole.parts)
                    .all(|(a, b)| a.part == b.part);
            if !same_plan {
                return Err(format!(
                    "cannot combine a proof of '{}' with one of '{}' over another task list",
                    slice.variant, whole.variant
                ));
            }
            for (sum, part) in whole.parts.iter_mut().zip(&slice.parts) {
                sum.run += part.run;
                sum.exhausted += part.exhausted;
                sum.unfinished += part.unfinished;
                sum.schedules += part.schedules;
                sum.seconds += part.seconds;
            }
            for (key, found) in slice.first {
                whole.absorb_first(key, found);
            }
        }
        Ok(whole)
    }

    /// Keeps the counterexample with the lowest workload index per finding.
    fn absorb_first(&mut self, key: String, found: Indexed) {
        match self.first.get(&key) {
            Some(kept) if kept.index <= found.index => {}
            _ => {
                self.first.insert(key, found);
            }
        }
    }
}

/// A whole proof (or one shard of it).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ProofReport {
    /// Always `"prove"`: tells `merge` this is a proof, not a stress campaign.
    pub kind: String,
    /// The scope proven.
    pub scope: Scope,
    /// `[index, count]` (1-based index) when this is one shard; `None` for the whole proof.
    pub shard: Option<[usize; 2]>,
    /// Workers used: worker processes under `cargo xtask prove`, threads under
    /// [`super::prove_bank`] (after a merge: the most any shard used).
    pub jobs: usize,
    /// The most schedules explored per workload before giving up on enumerating it.
    pub schedule_cap: usize,
    /// Wall-clock seconds.
    pub wall_seconds: f64,
    /// One proof per variant, in the order asked.
    pub variants: Vec<VariantProof>,
}

/// What tells two scopes apart, in a reader's words: their names, or (same name, as two custom
/// scopes have) the first part that differs.
fn scope_difference(one: &Scope, other: &Scope) -> String {
    if one.name != other.name {
        return format!("'{}', not '{}'", one.name, other.name);
    }
    let parts = |scope: &Scope| {
        scope
            .parts
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
    };
    let (mine, theirs) = (parts(one), parts(other));
    match mine.iter().zip(&theirs).position(|(a, b)| a != b) {
        Some(at) => format!("its part {} is {}, not {}", at + 1, mine[at], theirs[at]),
        None if mine.len() != theirs.len() => {
            format!("{} part(s), not {}", mine.len(), theirs.len())
        }
        None => format!(
            "'{}' with other parts for some variants (the actor's smaller ones)",
            one.name
        ),
    }
}

impl ProofReport {
    /// The `kind` of a proof report.
    pub const KIND: &'static str = "prove";

    /// Puts the shards of one proof back together: every shard `1..=N` exactly once, the same
    /// scope, variants and cap. The result is the whole proof (no shard).
    pub fn merge(shards: Vec<ProofReport>) -> Result<ProofReport, String> {
        let first = shards.first().ok_or("no proof to merge")?;
        let count = first.shard.map_or(1, |[_, count]| count);
        let mut seen = vec![false; count];
        for shard in &shards {
            if shard.kind != Self::KIND {
                return Err(format!("a report of kind '{}' is not a proof", shard.kind));
            }
            let [index, of] = shard.shard.unwrap_or([1, 1]);
            if of != count {
                return Err(format!(
                    "shard {index}/{of} does not belong with shards of {count}"
                ));
            }
            if shard.scope != first.scope {
                return Err(format!(
                    "shard {index}/{of} proves another scope than shard {}/{count}: {}",
                    first.shard.map_or(1, |[i, _]| i),
                    scope_difference(&shard.scope, &first.scope)
                ));
            }
            if shard.schedule_cap != first.schedule_cap {
                return Err(format!("shard {index}/{of} has another schedule cap"));
            }
            // The same variants, each over the same parts with the same task list.
            if plan(shard) != plan(first) {
                return Err(format!(
                    "shard {index}/{of} proves other variants, parts or workloads than shard {}/{count} (another scope, catalog or build?)",
                    first.shard.map_or(1, |[i, _]| i)
                ));
            }
            if index == 0 || index > count || std::mem::replace(&mut seen[index - 1], true) {
                return Err(format!(
                    "shard {index}/{of} is given twice or is out of range"
                ));
            }
        }
        if let Some(missing) = seen.iter().position(|&present| !present) {
            return Err(format!("shard {}/{count} is missing", missing + 1));
        }
        let mut whole = first.clone();
        whole.shard = None;
        whole.wall_seconds = shards.iter().map(|s| s.wall_seconds).fold(0.0, f64::max);
        whole.jobs = shards.iter().map(|s| s.jobs).max().unwrap_or(1);
        let mut slices: Vec<Vec<VariantProof>> = vec![Vec::new(); whole.variants.len()];
        for shard in shards {
            for (slice, variant) in slices.iter_mut().zip(shard.variants) {
                slice.push(variant);
            }
        }
        whole.variants = slices
            .into_iter()
            .map(VariantProof::combine)
            .collect::<Result<_, _>>()?;
        Ok(whole)
    }
}

/// What must be equal between the shards of one proof: per variant, its id, whether accounts
/// were renamed, and each part with its workload counts (the task list they share).
type Plan = Vec<(String, bool, u64, Vec<(ScopePart, u128, usize, usize)>)>;

fn plan(report: &ProofReport) -> Plan {
    report
        .variants
        .iter()
        .map(|variant| {
            let parts = variant
                .parts
                .iter()
                .map(|p| {
                    (
                        p.part.clone(),
                        p.raw_workloads,
                        p.workloads,
                        p.covered_by_earlier_part,
                    )
                })
                .collect();
            (
                variant.variant.clone(),
                variant.accounts_are_names,
                variant.tasks_fingerprint,
                parts,
            )
        })
        .collect()
}

/// Adds a counterexample to a variant's proof (lowest index wins).
pub(crate) fn record(proof: &mut VariantProof, index: usize, counterexample: Counterexample) {
    let key = counterexample.finding.key().to_string();
    proof.absorb_first(
        key,
        Indexed {
            index,
            counterexample,
        },
    );
}
