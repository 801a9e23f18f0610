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
//! - **only the runtime's primitives** (`R::Mutex`, `R::RwLock`, `R::AtomicMoney`,
//!   `R::AtomicFlag`, `R::AtomicCount`, channels (with `try_recv`), `R::Condvar`, `R::spawn`, `R::yield_now`, and what is built from them: `OnceCell`,
//!   `PerThread`) for anything shared between threads: a std or
//!   parking_lot lock, a std atomic or a std thread is invisible to shuttle;
//! - **deterministic given the schedule**: no wall clock, no sleeps, no randomness (the workload
//!   is the only input), no iteration order that depends on addresses (e.g. a `HashMap` of
//!   pointers), no global state that outlives one execution;
//! - **a retry loop yields** (`R::yield_now`) before trying again: the checker's fair scheduler
//!   then lets the other threads run, as a real scheduler eventually would.

mod composites;
pub mod noise;
mod openers;
mod os_threads;
mod primitives;
mod shuttle_threads;

pub use composites::{OnceCell, PerThread};
pub use noise::Noise;
pub use openers::{Opener, open_boxed};
pub use os_threads::{
    OsAtomicCount, OsAtomicFlag, OsAtomicMoney, OsCondvar, OsMutex, OsMutexGuard, OsReceiver,
    OsRwLock, OsSender, OsSyncSender, OsThreads,
};
pub use primitives::{
    AtomicCount, AtomicFlag, AtomicMoney, ChannelReceiver, ChannelSender, ConditionVariable,
    Joinable, Lock, MutexGuard, ReadWriteLock, Runtime, TryRecv,
};
pub use shuttle_threads::{ShuttleCondvar, ShuttleMutex, ShuttleMutexGuard, ShuttleThreads};

/// How to open one bank design on every runtime: one [`Opener`] per runtime. This is the list of
/// runtimes a subject can run on; [`openers!`](crate::openers) fills it for a bank generic over
/// its runtime, so a new runtime is a field here and a line in that macro, not an edit of every
/// subject.
#[derive(Clone, Copy)]
pub struct Openers {
    /// On real OS threads ([`OsThreads`]).
    pub os: Opener,
    /// Under shuttle's scheduler ([`ShuttleThreads`]; only inside a shuttle execution).
    pub shuttle: Opener,
}

/// The [`Openers`] of a bank generic over its runtime: `openers!(MyBank)` opens `MyBank<R>` for
/// every runtime `R` (the type must be in scope by that name).
#[macro_export]
macro_rules! openers {
    ($bank:ident) => {
        $crate::runtime::Openers {
            os: $crate::runtime::open_boxed::<$bank<$crate::runtime::OsThreads>>,
            shuttle: $crate::runtime::open_boxed::<$bank<$crate::runtime::ShuttleThreads>>,
        }
    };
}
