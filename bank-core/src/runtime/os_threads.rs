//! [`OsThreads`]: real OS threads with [`LazyWakeMutex`], `parking_lot` read-write locks, std
//! atomics and std channels. The runtime for stress campaigns and benchmarks.
//!
//! The mutex is our own (see `lazy_wake_mutex.rs` for why: the lecture's threads yield while
//! holding the lock, which makes `parking_lot`'s wake-on-every-unlock expensive). Its releases
//! may leave a deferred wake with the releasing thread, so every blocking call here first
//! performs them ([`flush_deferred_wakes`]): a thread must not block while a waiter sleeps on a
//! lock it released.

use super::lazy_wake_mutex::{
    LazyWakeMutex, LazyWakeMutexGuard, RawLazyWakeMutex, flush_deferred_wakes,
};
use super::{AtomicMoney, ChannelReceiver, ChannelSender, Joinable, Lock, ReadWriteLock, Runtime};
use crate::bank::Money;
use std::sync::atomic::{AtomicI64, Ordering};

/// Real OS threads.
#[derive(Debug, Clone, Copy, Default)]
pub struct OsThreads;

impl Runtime for OsThreads {
    type Mutex<T: Send + 'static> = LazyWakeMutex<T>;
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

impl<T: Send> Lock<T> for lock_api::Mutex<RawLazyWakeMutex, T> {
    type Guard<'a>
        = LazyWakeMutexGuard<'a, T>
    where
        T: 'a;

    fn new(value: T) -> Self {
        lock_api::Mutex::new(value)
    }
    fn lock(&self) -> Self::Guard<'_> {
        lock_api::Mutex::lock(self)
    }
    fn try_lock(&self) -> Option<Self::Guard<'_>> {
        lock_api::Mutex::try_lock(self)
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
        self.try_read().unwrap_or_else(|| {
            flush_deferred_wakes();
            parking_lot::RwLock::read(self)
        })
    }
    fn write(&self) -> Self::WriteGuard<'_> {
        self.try_write().unwrap_or_else(|| {
            flush_deferred_wakes();
            parking_lot::RwLock::write(self)
        })
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
        match self.try_recv() {
            Ok(value) => Some(value),
            Err(std::sync::mpsc::TryRecvError::Disconnected) => None,
            Err(std::sync::mpsc::TryRecvError::Empty) => {
                flush_deferred_wakes();
                std::sync::mpsc::Receiver::recv(self).ok()
            }
        }
    }
}

impl<T> Joinable<T> for std::thread::JoinHandle<T> {
    fn join(self) -> std::thread::Result<T> {
        flush_deferred_wakes();
        std::thread::JoinHandle::join(self)
    }
}
