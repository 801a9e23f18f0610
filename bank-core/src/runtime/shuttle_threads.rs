//! [`ShuttleThreads`]: shuttle's controlled threads and stand-in primitives. Every lock, atomic
//! operation, channel operation and yield is a scheduling point that shuttle's schedulers
//! (random, PCT, DFS) choose how to interleave. Only usable inside a shuttle execution.

use super::{
    AtomicMoney, ChannelReceiver, ChannelSender, ConditionVariable, Joinable, Lock, MutexGuard,
    ReadWriteLock, Runtime,
};
use crate::bank::Money;
use shuttle::sync::atomic::{AtomicI64, Ordering};
use std::sync::PoisonError;

/// Threads scheduled by shuttle.
#[derive(Debug, Clone, Copy, Default)]
pub struct ShuttleThreads;

impl Runtime for ShuttleThreads {
    type Mutex<T: Send + 'static> = shuttle::sync::Mutex<T>;
    type RwLock<T: Send + Sync + 'static> = shuttle::sync::RwLock<T>;
    type AtomicMoney = AtomicI64;
    type Sender<T: Send + 'static> = shuttle::sync::mpsc::Sender<T>;
    type Receiver<T: Send + 'static> = shuttle::sync::mpsc::Receiver<T>;
    type SyncSender<T: Send + 'static> = shuttle::sync::mpsc::SyncSender<T>;
    type JoinHandle<T: Send + 'static> = shuttle::thread::JoinHandle<T>;
    type Condvar = shuttle::sync::Condvar;

    fn channel<T: Send + 'static>() -> (Self::Sender<T>, Self::Receiver<T>) {
        shuttle::sync::mpsc::channel()
    }

    fn sync_channel<T: Send + 'static>(bound: usize) -> (Self::SyncSender<T>, Self::Receiver<T>) {
        shuttle::sync::mpsc::sync_channel(bound)
    }

    fn wait<'a, T: Send + 'static>(
        condvar: &Self::Condvar,
        guard: MutexGuard<'a, Self, T>,
    ) -> MutexGuard<'a, Self, T> {
        condvar.wait(guard).unwrap_or_else(PoisonError::into_inner)
    }

    fn current_thread_name() -> Option<String> {
        shuttle::thread::current().name().map(str::to_string)
    }

    fn spawn<T, F>(name: String, body: F) -> Self::JoinHandle<T>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        shuttle::thread::Builder::new()
            .name(name)
            .spawn(body)
            .expect("shuttle refused to start a thread")
    }

    fn yield_now() {
        shuttle::thread::yield_now();
    }
}

// A poisoned lock means another shuttle task panicked, which already fails the execution; the
// value is still readable, so poisoning is ignored rather than turned into a second panic.
impl<T: Send> Lock<T> for shuttle::sync::Mutex<T> {
    type Guard<'a>
        = shuttle::sync::MutexGuard<'a, T>
    where
        T: 'a;

    fn new(value: T) -> Self {
        shuttle::sync::Mutex::new(value)
    }
    fn lock(&self) -> Self::Guard<'_> {
        shuttle::sync::Mutex::lock(self).unwrap_or_else(PoisonError::into_inner)
    }
    fn try_lock(&self) -> Option<Self::Guard<'_>> {
        shuttle::sync::Mutex::try_lock(self).ok()
    }
}

impl<T: Send + Sync> ReadWriteLock<T> for shuttle::sync::RwLock<T> {
    type ReadGuard<'a>
        = shuttle::sync::RwLockReadGuard<'a, T>
    where
        T: 'a;
    type WriteGuard<'a>
        = shuttle::sync::RwLockWriteGuard<'a, T>
    where
        T: 'a;

    fn new(value: T) -> Self {
        shuttle::sync::RwLock::new(value)
    }
    fn read(&self) -> Self::ReadGuard<'_> {
        shuttle::sync::RwLock::read(self).unwrap_or_else(PoisonError::into_inner)
    }
    fn write(&self) -> Self::WriteGuard<'_> {
        shuttle::sync::RwLock::write(self).unwrap_or_else(PoisonError::into_inner)
    }
    fn try_read(&self) -> Option<Self::ReadGuard<'_>> {
        shuttle::sync::RwLock::try_read(self).ok()
    }
    fn try_write(&self) -> Option<Self::WriteGuard<'_>> {
        shuttle::sync::RwLock::try_write(self).ok()
    }
}

impl ConditionVariable for shuttle::sync::Condvar {
    fn new() -> Self {
        shuttle::sync::Condvar::new()
    }
    fn notify_one(&self) {
        shuttle::sync::Condvar::notify_one(self);
    }
    fn notify_all(&self) {
        shuttle::sync::Condvar::notify_all(self);
    }
}

impl AtomicMoney for AtomicI64 {
    fn new(value: Money) -> Self {
        AtomicI64::new(value)
    }
    fn load(&self) -> Money {
        AtomicI64::load(self, Ordering::SeqCst)
    }
    fn store(&self, value: Money) {
        AtomicI64::store(self, value, Ordering::SeqCst);
    }
    fn compare_exchange(&self, current: Money, new: Money) -> Result<Money, Money> {
        AtomicI64::compare_exchange(self, current, new, Ordering::SeqCst, Ordering::SeqCst)
    }
    fn fetch_add(&self, amount: Money) -> Money {
        AtomicI64::fetch_add(self, amount, Ordering::SeqCst)
    }
    fn fetch_sub(&self, amount: Money) -> Money {
        AtomicI64::fetch_sub(self, amount, Ordering::SeqCst)
    }
    fn swap(&self, value: Money) -> Money {
        AtomicI64::swap(self, value, Ordering::SeqCst)
    }
}

impl<T: Send> ChannelSender<T> for shuttle::sync::mpsc::Sender<T> {
    fn send(&self, value: T) -> Result<(), T> {
        shuttle::sync::mpsc::Sender::send(self, value).map_err(|error| error.0)
    }
}

impl<T: Send> ChannelSender<T> for shuttle::sync::mpsc::SyncSender<T> {
    fn send(&self, value: T) -> Result<(), T> {
        shuttle::sync::mpsc::SyncSender::send(self, value).map_err(|error| error.0)
    }
}

impl<T: Send> ChannelReceiver<T> for shuttle::sync::mpsc::Receiver<T> {
    fn recv(&self) -> Option<T> {
        shuttle::sync::mpsc::Receiver::recv(self).ok()
    }
}

impl<T> Joinable<T> for shuttle::thread::JoinHandle<T> {
    fn join(self) -> std::thread::Result<T> {
        shuttle::thread::JoinHandle::join(self)
    }
}
