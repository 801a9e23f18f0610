//! The primitives a bank may use, as traits: [`Runtime`] (a family of them, with spawn and
//! yield), and one trait per primitive (locks, atomics, channels, condition variables, join
//! handles). Each runtime implements them once (`os_threads.rs`, `shuttle_threads.rs`); a bank is
//! written against these traits only, so the same code runs on every runtime.

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
    /// An atomic flag.
    type AtomicFlag: AtomicFlag;
    /// An atomic counter.
    type AtomicCount: AtomicCount;
    /// The sending half of a channel.
    type Sender<T: Send + 'static>: ChannelSender<T>;
    /// The receiving half of a channel.
    type Receiver<T: Send + 'static>: ChannelReceiver<T>;
    /// The sending half of a bounded channel.
    type SyncSender<T: Send + 'static>: ChannelSender<T>;
    /// A handle to join a spawned thread.
    type JoinHandle<T: Send + 'static>: Joinable<T>;
    /// A condition variable, used with the runtime's mutex through [`Runtime::wait`].
    type Condvar: ConditionVariable;

    /// Creates an unbounded channel.
    fn channel<T: Send + 'static>() -> (Self::Sender<T>, Self::Receiver<T>);

    /// Creates a channel that holds at most `bound` values; a send blocks while it is full (a
    /// bound of 0 makes every send wait for its receive).
    fn sync_channel<T: Send + 'static>(bound: usize) -> (Self::SyncSender<T>, Self::Receiver<T>);

    /// Releases `guard`'s lock, waits for a notification on `condvar`, and takes the lock again.
    /// May wake spuriously: wait in a loop that re-checks the condition.
    fn wait<'a, T: Send + 'static>(
        condvar: &Self::Condvar,
        guard: MutexGuard<'a, Self, T>,
    ) -> MutexGuard<'a, Self, T>;

    /// A number for the current thread, distinct from every other live thread's (the key of
    /// per-thread state: see `PerThread`).
    fn current_thread_key() -> u64;

    /// The name the current thread was spawned with (`None` for an unnamed thread).
    fn current_thread_name() -> Option<String>;

    /// Starts a named thread. The name shows in deadlock reports.
    fn spawn<T, F>(name: String, body: F) -> Self::JoinHandle<T>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static;

    /// Gives up the current time slice: the lecture's `sleep(0)`.
    fn yield_now();
}

/// The guard of runtime `R`'s mutex around a `T`.
pub type MutexGuard<'a, R, T> = <<R as Runtime>::Mutex<T> as Lock<T>>::Guard<'a>;

/// A condition variable.
pub trait ConditionVariable: Send + Sync {
    /// Creates one with no waiter.
    fn new() -> Self;
    /// Wakes one waiting thread, if any.
    fn notify_one(&self);
    /// Wakes every waiting thread.
    fn notify_all(&self);
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
    /// Takes the shared side if it is free of writers right now. (A thread that already holds the
    /// shared side may be refused: shuttle refuses it, as a re-entrant read can deadlock.)
    fn try_read(&self) -> Option<Self::ReadGuard<'_>>;
    /// Takes the exclusive side if the lock is free right now.
    fn try_write(&self) -> Option<Self::WriteGuard<'_>>;
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
    /// Adds `amount` (wrapping on overflow) in one step; returns the value before.
    fn fetch_add(&self, amount: Money) -> Money;
    /// Subtracts `amount` (wrapping on overflow) in one step; returns the value before.
    fn fetch_sub(&self, amount: Money) -> Money;
    /// Stores `value` in one step; returns the value before.
    fn swap(&self, value: Money) -> Money;
}

/// An atomic flag. Every operation is sequentially consistent.
pub trait AtomicFlag: Send + Sync {
    /// Creates a flag.
    fn new(value: bool) -> Self;
    /// Reads it.
    fn load(&self) -> bool;
    /// Writes it.
    fn store(&self, value: bool);
    /// Writes `value` in one step; returns the value before.
    fn swap(&self, value: bool) -> bool;
    /// Replaces `current` with `new` if the flag still holds `current`; returns the value seen.
    fn compare_exchange(&self, current: bool, new: bool) -> Result<bool, bool>;
}

/// An atomic counter. Every operation is sequentially consistent.
pub trait AtomicCount: Send + Sync {
    /// Creates a counter.
    fn new(value: u64) -> Self;
    /// Reads it.
    fn load(&self) -> u64;
    /// Writes it.
    fn store(&self, value: u64);
    /// Adds `amount` (wrapping on overflow) in one step; returns the value before.
    fn fetch_add(&self, amount: u64) -> u64;
    /// Subtracts `amount` (wrapping on overflow) in one step; returns the value before.
    fn fetch_sub(&self, amount: u64) -> u64;
    /// Replaces `current` with `new` if the counter still holds `current`; returns the value seen.
    fn compare_exchange(&self, current: u64, new: u64) -> Result<u64, u64>;
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
    /// The next value if one is waiting right now, without blocking.
    fn try_recv(&self) -> TryRecv<T>;
}

/// What a non-blocking receive found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TryRecv<T> {
    /// A value.
    Value(T),
    /// Nothing yet; a sender is still there.
    Empty,
    /// Nothing, and every sender is gone.
    Disconnected,
}

/// A handle to a spawned thread.
pub trait Joinable<T>: Send + Sync {
    /// Waits for the thread; `Err` carries its panic payload.
    fn join(self) -> std::thread::Result<T>;
}
