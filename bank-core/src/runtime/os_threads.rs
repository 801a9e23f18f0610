//! [`OsThreads`]: real OS threads with `parking_lot` locks, std atomics and std channels. The
//! runtime for stress campaigns and benchmarks.
//!
//! Its mutex is [`YieldingMutex`]: a `parking_lot::Mutex` that, when the lock is taken, yields
//! and retries up to [`YIELD_TRIES`] times before parking. The lecture's workload yields *while
//! holding* the lock; with plain parking every waiter goes to sleep and every unlock pays a futex
//! wake and a context switch. Measured on the seed workload (BENCHMARKS.md): global-lock from
//! about 270 ms to about 120–150 ms. Waiters still park in the end, so parking_lot's deadlock
//! detection (the stress watchdog) keeps working.

use super::{AtomicMoney, ChannelReceiver, ChannelSender, Joinable, Lock, ReadWriteLock, Runtime};
use crate::bank::Money;
use std::sync::atomic::{AtomicI64, Ordering};

/// Real OS threads.
#[derive(Debug, Clone, Copy, Default)]
pub struct OsThreads;

impl Runtime for OsThreads {
    type Mutex<T: Send + 'static> = YieldingMutex<T>;
    type RwLock<T: Send + Sync + 'static> = parking_lot::RwLock<T>;
    type AtomicMoney = AtomicI64;
    type Sender<T: Send + 'static> = std::sync::mpsc::Sender<T>;
    type Receiver<T: Send + 'static> = std::sync::mpsc::Receiver<T>;
    type JoinHandle<T: Send + 'static> = std::thread::JoinHandle<T>;

    fn channel<T: Send + 'static>() -> (Self::Sender<T>, Self::Receiver<T>) {
        std::sync::mpsc::channel()
    }

    fn spawn<T, F>(name: String, body: F) -> Self::JoinHandle<T>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        std::thread::Builder::new()
            .name(name)
            .spawn(body)
            .expect("the OS refused to start a thread")
    }

    fn yield_now() {
        std::thread::yield_now();
    }
}

/// How many times a waiter yields and retries before it parks.
pub const YIELD_TRIES: usize = 1024;

/// A `parking_lot::Mutex` whose waiters yield and retry up to `TRIES` times before parking (see
/// the module doc). `TRIES` defaults to [`YIELD_TRIES`]; other values are for experiments.
#[derive(Debug, Default)]
pub struct YieldingMutex<T, const TRIES: usize = YIELD_TRIES>(parking_lot::Mutex<T>);

impl<T: Send, const TRIES: usize> Lock<T> for YieldingMutex<T, TRIES> {
    type Guard<'a>
        = parking_lot::MutexGuard<'a, T>
    where
        T: 'a;

    fn new(value: T) -> Self {
        Self(parking_lot::Mutex::new(value))
    }
    fn lock(&self) -> Self::Guard<'_> {
        for _ in 0..TRIES {
            if let Some(guard) = self.0.try_lock() {
                return guard;
            }
            std::thread::yield_now();
        }
        self.0.lock()
    }
    fn try_lock(&self) -> Option<Self::Guard<'_>> {
        self.0.try_lock()
    }
}

impl<T: Send + Sync> ReadWriteLock<T> for parking_lot::RwLock<T> {
    type ReadGuard<'a>
        = parking_lot::RwLockReadGuard<'a, T>
    where
        T: 'a;
    type WriteGuard<'a>
        = parking_lot::RwLockWriteGuard<'a, T>
    where
        T: 'a;

    fn new(value: T) -> Self {
        parking_lot::RwLock::new(value)
    }
    fn read(&self) -> Self::ReadGuard<'_> {
        parking_lot::RwLock::read(self)
    }
    fn write(&self) -> Self::WriteGuard<'_> {
        parking_lot::RwLock::write(self)
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
}

impl<T: Send> ChannelSender<T> for std::sync::mpsc::Sender<T> {
    fn send(&self, value: T) -> Result<(), T> {
        std::sync::mpsc::Sender::send(self, value).map_err(|error| error.0)
    }
}

impl<T: Send> ChannelReceiver<T> for std::sync::mpsc::Receiver<T> {
    fn recv(&self) -> Option<T> {
        std::sync::mpsc::Receiver::recv(self).ok()
    }
}

impl<T> Joinable<T> for std::thread::JoinHandle<T> {
    fn join(self) -> std::thread::Result<T> {
        std::thread::JoinHandle::join(self)
    }
}
