//! A violation: why a history is not linearizable, as briefly as it can be said. The
//! explanation ([`super::explain`]) builds it, the check ([`super::check`]) returns it, and the
//! table ([`super::table`]) shows it.

use super::history::{Operation, Outcome};

/// Why a history is not linearizable, as briefly as it can be said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// Events in the minimal non-linearizable prefix; its last event is the return of the call
    /// that cannot be placed.
    pub prefix_len: usize,
    /// The calls of that prefix (a call returning after the prefix shows as pending).
    pub operations: Vec<Operation>,
    /// The call that cannot be placed (an index into `operations`).
    pub unplaceable: usize,
    /// The longest order of the prefix's calls the search found, respecting real time and every
    /// result, before it had to place the unplaceable call.
    pub closest_order: Vec<usize>,
    /// What the sequential bank would have answered to the unplaceable call at the end of
    /// `closest_order`.
    pub sequential_outcome: Outcome,
    /// Whether the prefix is the minimal one. `false` only when the decision proved the history
    /// not linearizable and the explanation ran out of its bound before finding the minimal
    /// prefix: the prefix is then the whole history, and the unplaceable call the first one the
    /// decision could not place.
    pub minimal: bool,
}
