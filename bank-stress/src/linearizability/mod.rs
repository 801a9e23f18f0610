//! Linearizability (Herlihy & Wing, 1990): every concurrent history of calls and results equals
//! some sequential history of [`bank_core::SequentialBank`] that respects real-time order. The
//! four other invariants look at totals and balances; this one also sees a refusal no serial order
//! would give, an audit of a state the bank was never in, and a transfer that said one thing and
//! did another.
//!
//! - [`history`]: the calls and results of one execution, in real-time order (exact under
//!   shuttle; stamped from one shared counter on real threads).
//! - [`record`]: a history recorded from any bank on real threads.
//! - [`search`]: the check: a cheap witness, the decision, and the explanation of a violation,
//!   each bounded. ARCHITECTURE.md says why it is written here rather than taken from a crate.
//! - [`decide`]: the decision alone, one forward walk over the events as a stream, its memory
//!   bounded by the calls that overlap in time.
//! - [`explain`]: the minimal non-linearizable prefix, computed around the violation.
//! - `walk`: one step of the walk, shared by the decision and the explanation.
//! - [`violation`]: why a history is not linearizable: the minimal prefix, the call that cannot
//!   be placed, the closest order.
//! - [`table`]: a violation as a table with one column per thread.

pub mod decide;
mod explain;
pub mod history;
pub mod record;
pub mod search;
pub mod table;
pub mod violation;
mod walk;

pub use decide::{Decider, Decision, Limits, decide};
pub use history::{Call, Event, History, Outcome};
pub use search::{Exhausted, Linearizability, SearchBounds, check};
pub use violation::Violation;
