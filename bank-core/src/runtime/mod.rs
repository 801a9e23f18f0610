//! The runtime abstraction: the synchronisation primitives a bank variant may use, swapped by a
//! type parameter rather than a cargo feature.
//!
//! Each variant is written once as `SomeBank<R: Runtime>` and runs on:
//! - [`OsThreads`]: real OS threads, `parking_lot`'s mutex and read-write lock, std atomics and
//!   channels, each with an optional point of schedule noise ([`noise`]); and
//! - [`ShuttleThreads`]: shuttle's controlled scheduler and its stand-in primitives.
//!
//! Both live in the same binary, so one `cargo test` exercises both. A cargo feature that swapped
//! `std` for `shuttle` would be unified across the workspace and make every real-thread run use
//! shuttle primitives, which panic outside a shuttle execution (see ARCHITECTURE.md).
//!
//! Architecture invariant: no variant imports `std::sync`, `parking_lot` or `shuttle` directly;
//! a std or parking_lot lock inside a shuttle run would hang instead of being explored.
//!
//! # The rules a bank must follow (any bank, not only the catalog's)
//!
//! The checker explores a bank's schedules by running it many times under shuttle and replays a
//! counterexample by feeding shuttle the same decisions. That only works if, given the schedule,
//! the bank does the same thing every time:
//!
//! - **only the runtime's primitives** (`R::Mutex`, `R::RwLock`, `R::AtomicMoney`, channels,
//!   `R::Condvar`, `R::spawn`, `R::yield_now`) for anything shared between threads: a std or
//!   parking_lot lock, a std atomic or a std thread is invisible to shuttle;
//! - **deterministic given the schedule**: no wall clock, no sleeps, no randomness (the workload
//!   is the only input), no iteration order that depends on addresses (e.g. a `HashMap` of
//!   pointers), no global state that outlives one execution;
//! - **a retry loop yields** (`R::yield_now`) before trying again: the checker's fair scheduler
//!   then lets the other threads run, as a real scheduler eventually would.

pub mod noise;
mod os_threads;
mod primitives;
mod shuttle_threads;

pub use noise::Noise;
pub use os_threads::{
    OsAtomicMoney, OsCondvar, OsMutex, OsMutexGuard, OsReceiver, OsRwLock, OsSender, OsSyncSender,
    OsThreads,
};
pub use primitives::{
    AtomicMoney, ChannelReceiver, ChannelSender, ConditionVariable, Joinable, Lock, MutexGuard,
    ReadWriteLock, Runtime,
};
pub use shuttle_threads::{ShuttleMutex, ShuttleMutexGuard, ShuttleThreads};
