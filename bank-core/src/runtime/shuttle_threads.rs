//! [`ShuttleThreads`]: shuttle's controlled threads and stand-in primitives. Every lock, atomic
//! operation, channel operation and yield is a scheduling point that shuttle's schedulers
//! (random, PCT, DFS) choose how to interleave. Only usable inside a shuttle execution.
//!
//! Each primitive also notes what it does in the [`trace`](crate::instrumentation::trace) when one is kept (for
//! `cargo xtask replay --trace`); otherwise that is one thread-local read.

use super::primitives::{
    AtomicCount, AtomicFlag, AtomicMoney, ChannelReceiver, ChannelSender, ConditionVariable,
    Joinable, Lock, MutexGuard, ReadWriteLock, Runtime, TryRecv,
};
use crate::bank::Money;
use crate::instrumentation::deadlock_drain::{self, Drained};
use crate::instrumentation::first_step::first_step;
use crate::instrumentation::trace::{Object, describe_value, note, note_value};
use shuttle::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::ops::{Deref, DerefMut};
use std::sync::PoisonError;

/// Threads scheduled by shuttle.
#[derive(Debug, Clone, Copy, Default)]
pub struct ShuttleThreads;

impl Runtime for ShuttleThreads {
    type Mutex<T: Send + 'static> = ShuttleMutex<T>;
    type RwLock<T: Send + Sync + 'static> = shuttle::sync::RwLock<T>;
    type AtomicMoney = AtomicI64;
    type Sender<T: Send + 'static> = shuttle::sync::mpsc::Sender<T>;
    type Receiver<T: Send + 'static> = shuttle::sync::mpsc::Receiver<T>;
    type SyncSender<T: Send + 'static> = shuttle::sync::mpsc::SyncSender<T>;
    type JoinHandle<T: Send + 'static> = shuttle::thread::JoinHandle<T>;
    type Condvar = ShuttleCondvar;
    type AtomicFlag = AtomicBool;
    type AtomicCount = AtomicU64;

    fn channel<T: Send + 'static>() -> (Self::Sender<T>, Self::Receiver<T>) {
        shuttle::sync::mpsc::channel()
    }

    fn sync_channel<T: Send + 'static>(bound: usize) -> (Self::SyncSender<T>, Self::Receiver<T>) {
        shuttle::sync::mpsc::sync_channel(bound)
    }

    fn wait<'a, T: Send + 'static>(
        condvar: &Self::Condvar,
        mut guard: MutexGuard<'a, Self, T>,
    ) -> MutexGuard<'a, Self, T> {
        note(
            "waits on a condition, releasing",
            Some(guard.mutex),
            String::new,
            false,
        );
        if let Some(inner) = guard.inner.take() {
            deadlock_drain::released(guard.mutex.id);
            guard.inner = Some(
                condvar
                    .condvar
                    .wait(inner)
                    .unwrap_or_else(PoisonError::into_inner),
            );
            deadlock_drain::acquired(guard.mutex.id);
        }
        first_step();
        note("woke, holding", Some(guard.mutex), String::new, false);
        guard
    }

    fn current_thread_key() -> u64 {
        usize::from(shuttle::current::me()) as u64
    }

    fn current_thread_name() -> Option<String> {
        shuttle::thread::current().name().map(str::to_string)
    }

    fn spawn<T, F>(name: String, body: F) -> Self::JoinHandle<T>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        // Spawning is a call's step too (a bank may hand work to a helper thread), and the
        // helper cannot run before this.
        first_step();
        deadlock_drain::spawned();
        shuttle::thread::Builder::new()
            .name(name)
            .spawn(body)
            .expect("shuttle refused to start a thread")
    }

    fn yield_now() {
        note("yields", None, String::new, false);
        shuttle::thread::yield_now();
        first_step();
    }
}

/// Shuttle's mutex, noting lock and unlock in the trace.
#[derive(Debug, Default)]
pub struct ShuttleMutex<T>(shuttle::sync::Mutex<T>);

/// The guard of a [`ShuttleMutex`]; notes the unlock when dropped.
#[derive(Debug)]
pub struct ShuttleMutexGuard<'a, T: 'static> {
    inner: Option<shuttle::sync::MutexGuard<'a, T>>,
    mutex: Object,
}

impl<T: 'static> Deref for ShuttleMutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.inner
            .as_ref()
            .expect("a guard holds its lock until dropped")
    }
}

impl<T: 'static> DerefMut for ShuttleMutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        self.inner
            .as_mut()
            .expect("a guard holds its lock until dropped")
    }
}

impl<T: 'static> Drop for ShuttleMutexGuard<'_, T> {
    fn drop(&mut self) {
        // Noted before the release: releasing is a scheduling point, and another thread's "got"
        // must not appear in the trace before this one's "released".
        if let Some(inner) = self.inner.take() {
            note_value("released", self.mutex, String::new, || {
                describe_value(&*inner)
            });
            deadlock_drain::released(self.mutex.id);
            drop(inner);
        }
    }
}

// A poisoned lock means another shuttle task panicked, which already fails the execution; the
// value is still readable, so poisoning is ignored rather than turned into a second panic.
impl<T: Send + 'static> Lock<T> for ShuttleMutex<T> {
    type Guard<'a>
        = ShuttleMutexGuard<'a, T>
    where
        T: 'a;

    fn new(value: T) -> Self {
        Self(shuttle::sync::Mutex::new(value))
    }
    fn lock(&self) -> Self::Guard<'_> {
        let mutex = Object::at("mutex", self);
        ShuttleMutexGuard {
            inner: Some(take(&self.0, mutex)),
            mutex,
        }
    }
    fn try_lock(&self) -> Option<Self::Guard<'_>> {
        let mutex = Object::at("mutex", self);
        let inner = self.0.try_lock().ok();
        first_step();
        note(
            "tries",
            Some(mutex),
            || {
                if inner.is_some() {
                    ": got it"
                } else {
                    ": busy"
                }
                .to_string()
            },
            false,
        );
        inner.map(|inner| {
            deadlock_drain::acquired(mutex.id);
            ShuttleMutexGuard {
                inner: Some(inner),
                mutex,
            }
        })
    }
}

/// Takes `lock` (named `mutex` in the trace), blocking: the steps of [`Lock::lock`].
fn take<T>(lock: &shuttle::sync::Mutex<T>, mutex: Object) -> shuttle::sync::MutexGuard<'_, T> {
    note("wants", Some(mutex), String::new, false);
    // Unwinds with `Drained` if this wait would complete a deadlock (see `deadlock_drain`).
    deadlock_drain::before_lock(mutex.id);
    let inner = lock.lock().unwrap_or_else(PoisonError::into_inner);
    if deadlock_drain::is_draining() {
        // Woken by a drained thread's release: give the mutex back and unwind too.
        drop(inner);
        std::panic::resume_unwind(Box::new(Drained));
    }
    first_step();
    note("got", Some(mutex), String::new, false);
    deadlock_drain::acquired(mutex.id);
    inner
}

/// The shared or exclusive guard of a shuttle read-write lock; notes the release when dropped
/// (before it, as [`ShuttleMutexGuard`] does).
#[derive(Debug)]
pub struct ShuttleRwLockGuard<G> {
    inner: Option<G>,
    lock: Object,
}

impl<G: Deref> Deref for ShuttleRwLockGuard<G> {
    type Target = G::Target;
    fn deref(&self) -> &G::Target {
        self.inner
            .as_ref()
            .expect("a guard holds its lock until dropped")
    }
}

impl<G: DerefMut> DerefMut for ShuttleRwLockGuard<G> {
    fn deref_mut(&mut self) -> &mut G::Target {
        self.inner
            .as_mut()
            .expect("a guard holds its lock until dropped")
    }
}

impl<G> Drop for ShuttleRwLockGuard<G> {
    fn drop(&mut self) {
        if let Some(inner) = self.inner.take() {
            note("released", Some(self.lock), String::new, false);
            drop(inner);
        }
    }
}

impl<G> ShuttleRwLockGuard<G> {
    /// Notes `verb` (`got to read`, `got to write`) and wraps the guard.
    fn got(verb: &str, lock: Object, inner: G) -> Self {
        note(verb, Some(lock), String::new, false);
        Self {
            inner: Some(inner),
            lock,
        }
    }
}

impl<T: Send + Sync> ReadWriteLock<T> for shuttle::sync::RwLock<T> {
    type ReadGuard<'a>
        = ShuttleRwLockGuard<shuttle::sync::RwLockReadGuard<'a, T>>
    where
        T: 'a;
    type WriteGuard<'a>
        = ShuttleRwLockGuard<shuttle::sync::RwLockWriteGuard<'a, T>>
    where
        T: 'a;

    fn new(value: T) -> Self {
        shuttle::sync::RwLock::new(value)
    }
    fn read(&self) -> Self::ReadGuard<'_> {
        let lock = Object::at("rwlock", self);
        note("wants to read", Some(lock), String::new, false);
        let inner = shuttle::sync::RwLock::read(self).unwrap_or_else(PoisonError::into_inner);
        first_step();
        ShuttleRwLockGuard::got("got to read", lock, inner)
    }
    fn write(&self) -> Self::WriteGuard<'_> {
        let lock = Object::at("rwlock", self);
        note("wants to write", Some(lock), String::new, false);
        let inner = shuttle::sync::RwLock::write(self).unwrap_or_else(PoisonError::into_inner);
        first_step();
        ShuttleRwLockGuard::got("got to write", lock, inner)
    }
    fn try_read(&self) -> Option<Self::ReadGuard<'_>> {
        let lock = Object::at("rwlock", self);
        let inner = shuttle::sync::RwLock::try_read(self).ok();
        first_step();
        let verb = if inner.is_some() {
            "tried and got to read"
        } else {
            "tried to read: busy"
        };
        match inner {
            Some(inner) => Some(ShuttleRwLockGuard::got(verb, lock, inner)),
            None => {
                note(verb, Some(lock), String::new, false);
                None
            }
        }
    }
    fn try_write(&self) -> Option<Self::WriteGuard<'_>> {
        let lock = Object::at("rwlock", self);
        let inner = shuttle::sync::RwLock::try_write(self).ok();
        first_step();
        let verb = if inner.is_some() {
            "tried and got to write"
        } else {
            "tried to write: busy"
        };
        match inner {
            Some(inner) => Some(ShuttleRwLockGuard::got(verb, lock, inner)),
            None => {
                note(verb, Some(lock), String::new, false);
                None
            }
        }
    }
}

/// Shuttle's condition variable, noting notifications in the trace.
#[derive(Debug, Default)]
pub struct ShuttleCondvar {
    condvar: shuttle::sync::Condvar,
}

impl ConditionVariable for ShuttleCondvar {
    fn new() -> Self {
        Self::default()
    }
    fn notify_one(&self) {
        note("notifies one waiter", None, String::new, false);
        self.condvar.notify_one();
        first_step();
    }
    fn notify_all(&self) {
        note("notifies every waiter", None, String::new, false);
        self.condvar.notify_all();
        first_step();
    }
}

impl AtomicFlag for AtomicBool {
    fn new(value: bool) -> Self {
        AtomicBool::new(value)
    }
    fn load(&self) -> bool {
        let value = AtomicBool::load(self, Ordering::SeqCst);
        first_step();
        note_value(
            "reads",
            Object::at("flag", self),
            || format!(": {value}"),
            || Some(value.to_string()),
        );
        value
    }
    fn store(&self, value: bool) {
        AtomicBool::store(self, value, Ordering::SeqCst);
        first_step();
        note_value(
            "writes",
            Object::at("flag", self),
            || format!(": {value}"),
            || Some(value.to_string()),
        );
    }
    fn swap(&self, value: bool) -> bool {
        let before = AtomicBool::swap(self, value, Ordering::SeqCst);
        first_step();
        note_value(
            "swaps",
            Object::at("flag", self),
            || format!(": {before} → {value}"),
            || Some(value.to_string()),
        );
        before
    }
    fn compare_exchange(&self, current: bool, new: bool) -> Result<bool, bool> {
        let result =
            AtomicBool::compare_exchange(self, current, new, Ordering::SeqCst, Ordering::SeqCst);
        first_step();
        note_value(
            "compare-and-swaps",
            Object::at("flag", self),
            || match result {
                Ok(_) => format!(": {current} → {new}"),
                Err(seen) => format!(": expected {current}, found {seen}, unchanged"),
            },
            || Some(result.map_or_else(|seen| seen, |_| new).to_string()),
        );
        result
    }
}

impl AtomicCount for AtomicU64 {
    fn new(value: u64) -> Self {
        AtomicU64::new(value)
    }
    fn load(&self) -> u64 {
        let value = AtomicU64::load(self, Ordering::SeqCst);
        first_step();
        note_value(
            "reads",
            Object::at("counter", self),
            || format!(": {value}"),
            || Some(value.to_string()),
        );
        value
    }
    fn store(&self, value: u64) {
        AtomicU64::store(self, value, Ordering::SeqCst);
        first_step();
        note_value(
            "writes",
            Object::at("counter", self),
            || format!(": {value}"),
            || Some(value.to_string()),
        );
    }
    fn fetch_add(&self, amount: u64) -> u64 {
        let before = AtomicU64::fetch_add(self, amount, Ordering::SeqCst);
        first_step();
        note_value(
            "adds to",
            Object::at("counter", self),
            || format!(": {before} + {amount}"),
            || Some(before.wrapping_add(amount).to_string()),
        );
        before
    }
    fn fetch_sub(&self, amount: u64) -> u64 {
        let before = AtomicU64::fetch_sub(self, amount, Ordering::SeqCst);
        first_step();
        note_value(
            "subtracts from",
            Object::at("counter", self),
            || format!(": {before} − {amount}"),
            || Some(before.wrapping_sub(amount).to_string()),
        );
        before
    }
    fn compare_exchange(&self, current: u64, new: u64) -> Result<u64, u64> {
        let result =
            AtomicU64::compare_exchange(self, current, new, Ordering::SeqCst, Ordering::SeqCst);
        first_step();
        note_value(
            "compare-and-swaps",
            Object::at("counter", self),
            || match result {
                Ok(_) => format!(": {current} → {new}"),
                Err(seen) => format!(": expected {current}, found {seen}, unchanged"),
            },
            || Some(result.map_or_else(|seen| seen, |_| new).to_string()),
        );
        result
    }
}

impl AtomicMoney for AtomicI64 {
    fn new(value: Money) -> Self {
        AtomicI64::new(value)
    }
    fn load(&self) -> Money {
        let value = AtomicI64::load(self, Ordering::SeqCst);
        first_step();
        note_value(
            "reads",
            Object::at("cell", self),
            || format!(": {value}"),
            || Some(value.to_string()),
        );
        value
    }
    fn store(&self, value: Money) {
        AtomicI64::store(self, value, Ordering::SeqCst);
        first_step();
        note_value(
            "writes",
            Object::at("cell", self),
            || format!(": {value}"),
            || Some(value.to_string()),
        );
    }
    fn compare_exchange(&self, current: Money, new: Money) -> Result<Money, Money> {
        let result =
            AtomicI64::compare_exchange(self, current, new, Ordering::SeqCst, Ordering::SeqCst);
        first_step();
        note_value(
            "compare-and-swaps",
            Object::at("cell", self),
            || match result {
                Ok(_) => format!(": {current} → {new}"),
                Err(seen) => format!(": expected {current}, found {seen}, unchanged"),
            },
            || Some(result.map_or_else(|seen| seen, |_| new).to_string()),
        );
        result
    }
    fn fetch_add(&self, amount: Money) -> Money {
        let before = AtomicI64::fetch_add(self, amount, Ordering::SeqCst);
        first_step();
        note_value(
            "adds to",
            Object::at("cell", self),
            || format!(": {before} + {amount}"),
            || Some(before.wrapping_add(amount).to_string()),
        );
        before
    }
    fn fetch_sub(&self, amount: Money) -> Money {
        let before = AtomicI64::fetch_sub(self, amount, Ordering::SeqCst);
        first_step();
        note_value(
            "subtracts from",
            Object::at("cell", self),
            || format!(": {before} − {amount}"),
            || Some(before.wrapping_sub(amount).to_string()),
        );
        before
    }
    fn swap(&self, value: Money) -> Money {
        let before = AtomicI64::swap(self, value, Ordering::SeqCst);
        first_step();
        note_value(
            "swaps",
            Object::at("cell", self),
            || format!(": {before} → {value}"),
            || Some(value.to_string()),
        );
        before
    }
}

impl<T: Send> ChannelSender<T> for shuttle::sync::mpsc::Sender<T> {
    fn send(&self, value: T) -> Result<(), T> {
        note("sends on a channel", None, String::new, false);
        let sent = shuttle::sync::mpsc::Sender::send(self, value).map_err(|error| error.0);
        first_step();
        sent
    }
}

impl<T: Send> ChannelSender<T> for shuttle::sync::mpsc::SyncSender<T> {
    fn send(&self, value: T) -> Result<(), T> {
        note("sends on a bounded channel", None, String::new, false);
        let sent = shuttle::sync::mpsc::SyncSender::send(self, value).map_err(|error| error.0);
        first_step();
        sent
    }
}

impl<T: Send> ChannelReceiver<T> for shuttle::sync::mpsc::Receiver<T> {
    fn recv(&self) -> Option<T> {
        note("waits to receive", None, String::new, false);
        let received = shuttle::sync::mpsc::Receiver::recv(self).ok();
        first_step();
        note(
            if received.is_some() {
                "received"
            } else {
                "found the channel closed"
            },
            None,
            String::new,
            false,
        );
        received
    }
    fn try_recv(&self) -> TryRecv<T> {
        let received = shuttle::sync::mpsc::Receiver::try_recv(self);
        first_step();
        let (verb, received) = match received {
            Ok(value) => ("tried and received", TryRecv::Value(value)),
            Err(shuttle::sync::mpsc::TryRecvError::Empty) => {
                ("tried to receive: nothing yet", TryRecv::Empty)
            }
            Err(shuttle::sync::mpsc::TryRecvError::Disconnected) => (
                "tried to receive: the channel is closed",
                TryRecv::Disconnected,
            ),
        };
        note(verb, None, String::new, false);
        received
    }
}

impl<T> Joinable<T> for shuttle::thread::JoinHandle<T> {
    fn join(self) -> std::thread::Result<T> {
        deadlock_drain::before_join(usize::from(self.thread().id()));
        let joined = shuttle::thread::JoinHandle::join(self);
        deadlock_drain::joined();
        first_step();
        joined
    }
}
