//! Linearizability (Herlihy & Wing, 1990): every concurrent history of calls and results equals
//! some sequential history of [`bank_core::SequentialBank`] that respects real-time order. The
//! four other invariants look at totals and balances; this one also sees a refusal no serial order
//! would give, an audit of a state the bank was never in, and a transfer that said one thing and
//! did another.
//!
//! - [`history`]: the calls and results of one execution, in real-time order (exact under
//!   shuttle; stamped from one shared counter on real threads).
//! - [`search`]: the check (Lowe's just-in-time linearisation with Porcupine's memoisation),
//!   bounded, with the minimal non-linearizable prefix of a violation. ARCHITECTURE.md says why it
//!   is written here rather than taken from a crate.
//! - [`table`]: a violation as a table with one column per thread.

pub mod history;
pub mod search;
pub mod table;

pub use history::{Call, Event, History, Outcome};
pub use search::{Linearizability, SearchBound, Violation, check};
