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

pub mod noise;
mod os_threads;
mod shuttle_threads;

pub use noise::Noise;
pub use os_threads::{
    OsAtomicMoney, OsMutex, OsMutexGuard, OsReceiver, OsRwLock, OsSender, OsThreads,
};
pub use shuttle_threads::ShuttleThreads;

use crate::bank::Money;
use std::ops::{Deref, DerefMut};

/// A family of synchronisation primitives and a way to start and yield threads.
pub trait Runtime: Send + Sync + Sized + 'static {
    /// A mutual-exclusion lock.
    type Mutex<T: Send + 'static>: Lock<T>;
    /// A reader-writer lock.
    type RwLock<T: Send + Sync + 'static>: ReadWriteLock<T>;
    /// An atomic cell holding money.
    type AtomicMoney: AtomicMoney;
    /// The sending half of a channel.
    type Sender<T: Send + 'static>: ChannelSender<T>;
    /// The receiving half of a channel.
    type Receiver<T: Send + 'static>: ChannelReceiver<T>;
    /// A handle to join a spawned thread.
    type JoinHandle<T: Send + 'static>: Joinable<T>;

    /// Creates an unbounded channel.
    fn channel<T: Send + 'static>() -> (Self::Sender<T>, Self::Receiver<T>);

    /// Starts a named thread. The name shows in deadlock reports.
    fn spawn<T, F>(name: String, body: F) -> Self::JoinHandle<T>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static;

    /// Gives up the current time slice: the lecture's `sleep(0)`.
    fn yield_now();
}

/// A mutual-exclusion lock around a value.
pub trait Lock<T>: Send + Sync {
    /// The guard that holds the lock until dropped.
    type Guard<'a>: DerefMut<Target = T>
    where
        Self: 'a;
    /// Creates an unlocked lock.
    fn new(value: T) -> Self;
    /// Blocks until the lock is held.
    fn lock(&self) -> Self::Guard<'_>;
    /// Takes the lock if it is free right now.
    fn try_lock(&self) -> Option<Self::Guard<'_>>;
}

/// A reader-writer lock around a value.
pub trait ReadWriteLock<T>: Send + Sync {
    /// The shared guard.
    type ReadGuard<'a>: Deref<Target = T>
    where
        Self: 'a;
    /// The exclusive guard.
    type WriteGuard<'a>: DerefMut<Target = T>
    where
        Self: 'a;
    /// Creates an unlocked lock.
    fn new(value: T) -> Self;
    /// Blocks until the shared side is held.
    fn read(&self) -> Self::ReadGuard<'_>;
    /// Blocks until the exclusive side is held.
    fn write(&self) -> Self::WriteGuard<'_>;
}

/// An atomic money cell. Every operation is sequentially consistent.
pub trait AtomicMoney: Send + Sync {
    /// Creates a cell.
    fn new(value: Money) -> Self;
    /// Reads the value.
    fn load(&self) -> Money;
    /// Writes the value.
    fn store(&self, value: Money);
    /// Replaces `current` with `new` if the cell still holds `current`; returns the value seen.
    fn compare_exchange(&self, current: Money, new: Money) -> Result<Money, Money>;
}

/// The sending half of a channel.
pub trait ChannelSender<T>: Send + Sync {
    /// Sends a value; gives it back if the receiver is gone.
    fn send(&self, value: T) -> Result<(), T>;
}

/// The receiving half of a channel.
pub trait ChannelReceiver<T>: Send {
    /// Blocks for the next value; `None` once every sender is gone.
    fn recv(&self) -> Option<T>;
}

/// A handle to a spawned thread.
pub trait Joinable<T>: Send + Sync {
    /// Waits for the thread; `Err` carries its panic payload.
    fn join(self) -> std::thread::Result<T>;
}
