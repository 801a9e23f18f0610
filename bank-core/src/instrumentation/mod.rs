//! The checker's instrumentation of the shuttle runtime: what [`crate::runtime::ShuttleThreads`]
//! reports to the checker as a bank runs. A bank never uses it; it lives here, beside the
//! runtime rather than inside it, because the shuttle primitives call it on every step and the
//! checker (in `bank-stress`) reads what they left.
//!
//! - [`trace`]: a thread-local log of every thread's steps, kept only while a counterexample is
//!   replayed with `--trace`.
//! - [`first_step`]: the moment a call's first primitive step runs, where the checker records the
//!   call's invocation in the history.
//! - [`deadlock_drain`]: ending a deadlocked execution by unwinding its threads instead of by
//!   shuttle's abort (ARCHITECTURE.md, "Decisions").

pub mod deadlock_drain;
pub mod first_step;
pub mod trace;
