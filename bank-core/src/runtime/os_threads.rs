//! [`OsThreads`]: real OS threads with `parking_lot`'s mutex and read-write lock, std atomics and
//! std channels. The runtime for stress campaigns and benchmarks.
//!
//! `parking_lot` is the lock the workspace was designed around: its deadlock detector (the
//! `deadlock_detection` feature, which bank-stress turns on) sees every thread parked on one of
//! these locks, and the stress tool's watchdog reads it. A faster mutex of our own was tried and
//! dropped: it kept each thread on the lock for long stretches, which made the lecture's
//! workload fast and hid ~550× more races (BENCHMARKS.md, history).
//!
//! Every primitive first calls [`noise::perturb`](super::noise): with schedule noise installed on
//! the calling thread, it may yield or spin there (lock, unlock, every atomic operation, the
//! yield point, channel send and receive). Without noise that is one thread-local read.

use super::noise::perturb;
use super::primitives::{
    AtomicCount, AtomicFlag, AtomicMoney, ChannelReceiver, ChannelSender, ConditionVariable,
    Joinable, Lock, MutexGuard, ReadWriteLock, Runtime, TryRecv,
};
use crate::bank::Money;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};

/// Real OS threads.
#[derive(Debug, Clone, Copy, Default)]
pub struct OsThreads;

impl Runtime for OsThreads {
    type Mutex<T: Send + 'static> = OsMutex<T>;
    type RwLock<T: Send + Sync + 'static> = OsRwLock<T>;
    type AtomicMoney = OsAtomicMoney;
    type Sender<T: Send + 'static> = OsSender<T>;
    type Receiver<T: Send + 'static> = OsReceiver<T>;
    type SyncSender<T: Send + 'static> = OsSyncSender<T>;
    type JoinHandle<T: Send + 'static> = std::thread::JoinHandle<T>;
    type Condvar = OsCondvar;
    type AtomicFlag = OsAtomicFlag;
    type AtomicCount = OsAtomicCount;

    fn channel<T: Send + 'static>() -> (Self::Sender<T>, Self::Receiver<T>) {
        let (sender, receiver) = std::sync::mpsc::channel();
        (OsSender(sender), OsReceiver(receiver))
    }

    fn sync_channel<T: Send + 'static>(bound: usize) -> (Self::SyncSender<T>, Self::Receiver<T>) {
        let (sender, receiver) = std::sync::mpsc::sync_channel(bound);
        (OsSyncSender(sender), OsReceiver(receiver))
    }

    fn wait<'a, T: Send + 'static>(
        condvar: &Self::Condvar,
        mut guard: MutexGuard<'a, Self, T>,
    ) -> MutexGuard<'a, Self, T> {
        perturb();
        if let Some(inner) = guard.0.as_mut() {
            condvar.0.wait(inner);
        }
        guard
    }

    fn current_thread_key() -> u64 {
        // Numbered on first use, from one counter: unique among the process's threads.
        static NEXT: AtomicU64 = AtomicU64::new(0);
        thread_local! {
            static KEY: u64 = NEXT.fetch_add(1, Ordering::Relaxed);
        }
        KEY.with(|key| *key)
    }

    fn current_thread_name() -> Option<String> {
        std::thread::current().name().map(str::to_string)
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
        perturb();
        std::thread::yield_now();
    }
}

/// `parking_lot::Mutex` with schedule-noise points at lock and unlock.
#[derive(Debug, Default)]
pub struct OsMutex<T>(parking_lot::Mutex<T>);

/// The guard of an [`OsMutex`]; the noise point of the unlock runs after the lock is released.
#[derive(Debug)]
pub struct OsMutexGuard<'a, T>(Option<parking_lot::MutexGuard<'a, T>>);

impl<T> Deref for OsMutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.0
            .as_ref()
            .expect("a guard holds its lock until dropped")
    }
}

impl<T> DerefMut for OsMutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        self.0
            .as_mut()
            .expect("a guard holds its lock until dropped")
    }
}

impl<T> Drop for OsMutexGuard<'_, T> {
    fn drop(&mut self) {
        drop(self.0.take());
        perturb();
    }
}

impl<T: Send> Lock<T> for OsMutex<T> {
    type Guard<'a>
        = OsMutexGuard<'a, T>
    where
        T: 'a;

    fn new(value: T) -> Self {
        Self(parking_lot::Mutex::new(value))
    }
    fn lock(&self) -> Self::Guard<'_> {
        perturb();
        OsMutexGuard(Some(self.0.lock()))
    }
    fn try_lock(&self) -> Option<Self::Guard<'_>> {
        perturb();
        self.0.try_lock().map(|guard| OsMutexGuard(Some(guard)))
    }
}

/// `parking_lot::RwLock` with schedule-noise points where either side is taken.
#[derive(Debug, Default)]
pub struct OsRwLock<T>(parking_lot::RwLock<T>);

impl<T: Send + Sync> ReadWriteLock<T> for OsRwLock<T> {
    type ReadGuard<'a>
        = parking_lot::RwLockReadGuard<'a, T>
    where
        T: 'a;
    type WriteGuard<'a>
        = parking_lot::RwLockWriteGuard<'a, T>
    where
        T: 'a;

    fn new(value: T) -> Self {
        Self(parking_lot::RwLock::new(value))
    }
    fn read(&self) -> Self::ReadGuard<'_> {
        perturb();
        self.0.read()
    }
    fn write(&self) -> Self::WriteGuard<'_> {
        perturb();
        self.0.write()
    }
    fn try_read(&self) -> Option<Self::ReadGuard<'_>> {
        perturb();
        self.0.try_read()
    }
    fn try_write(&self) -> Option<Self::WriteGuard<'_>> {
        perturb();
        self.0.try_write()
    }
}

/// `parking_lot::Condvar` with a schedule-noise point at every notification and wait.
#[derive(Debug, Default)]
pub struct OsCondvar(parking_lot::Condvar);

impl ConditionVariable for OsCondvar {
    fn new() -> Self {
        Self(parking_lot::Condvar::new())
    }
    fn notify_one(&self) {
        perturb();
        self.0.notify_one();
    }
    fn notify_all(&self) {
        perturb();
        self.0.notify_all();
    }
}

/// A std `AtomicBool` with a schedule-noise point before every operation.
#[derive(Debug, Default)]
pub struct OsAtomicFlag(AtomicBool);

impl AtomicFlag for OsAtomicFlag {
    fn new(value: bool) -> Self {
        Self(AtomicBool::new(value))
    }
    fn load(&self) -> bool {
        perturb();
        self.0.load(Ordering::SeqCst)
    }
    fn store(&self, value: bool) {
        perturb();
        self.0.store(value, Ordering::SeqCst);
    }
    fn swap(&self, value: bool) -> bool {
        perturb();
        self.0.swap(value, Ordering::SeqCst)
    }
    fn compare_exchange(&self, current: bool, new: bool) -> Result<bool, bool> {
        perturb();
        self.0
            .compare_exchange(current, new, Ordering::SeqCst, Ordering::SeqCst)
    }
}

/// A std `AtomicU64` with a schedule-noise point before every operation.
#[derive(Debug, Default)]
pub struct OsAtomicCount(AtomicU64);

impl AtomicCount for OsAtomicCount {
    fn new(value: u64) -> Self {
        Self(AtomicU64::new(value))
    }
    fn load(&self) -> u64 {
        perturb();
        self.0.load(Ordering::SeqCst)
    }
    fn store(&self, value: u64) {
        perturb();
        self.0.store(value, Ordering::SeqCst);
    }
    fn fetch_add(&self, amount: u64) -> u64 {
        perturb();
        self.0.fetch_add(amount, Ordering::SeqCst)
    }
    fn fetch_sub(&self, amount: u64) -> u64 {
        perturb();
        self.0.fetch_sub(amount, Ordering::SeqCst)
    }
    fn compare_exchange(&self, current: u64, new: u64) -> Result<u64, u64> {
        perturb();
        self.0
            .compare_exchange(current, new, Ordering::SeqCst, Ordering::SeqCst)
    }
}

/// A std `AtomicI64` with a schedule-noise point before every operation.
#[derive(Debug, Default)]
pub struct OsAtomicMoney(AtomicI64);

impl AtomicMoney for OsAtomicMoney {
    fn new(value: Money) -> Self {
        Self(AtomicI64::new(value))
    }
    fn load(&self) -> Money {
        perturb();
        self.0.load(Ordering::SeqCst)
    }
    fn store(&self, value: Money) {
        perturb();
        self.0.store(value, Ordering::SeqCst);
    }
    fn compare_exchange(&self, current: Money, new: Money) -> Result<Money, Money> {
        perturb();
        self.0
            .compare_exchange(current, new, Ordering::SeqCst, Ordering::SeqCst)
    }
    fn fetch_add(&self, amount: Money) -> Money {
        perturb();
        self.0.fetch_add(amount, Ordering::SeqCst)
    }
    fn fetch_sub(&self, amount: Money) -> Money {
        perturb();
        self.0.fetch_sub(amount, Ordering::SeqCst)
    }
    fn swap(&self, value: Money) -> Money {
        perturb();
        self.0.swap(value, Ordering::SeqCst)
    }
}

/// A std channel's sending half with a schedule-noise point per send.
#[derive(Debug)]
pub struct OsSender<T>(std::sync::mpsc::Sender<T>);

impl<T: Send> ChannelSender<T> for OsSender<T> {
    fn send(&self, value: T) -> Result<(), T> {
        perturb();
        self.0.send(value).map_err(|error| error.0)
    }
}

/// A std bounded channel's sending half with a schedule-noise point per send.
#[derive(Debug)]
pub struct OsSyncSender<T>(std::sync::mpsc::SyncSender<T>);

impl<T: Send> ChannelSender<T> for OsSyncSender<T> {
    fn send(&self, value: T) -> Result<(), T> {
        perturb();
        self.0.send(value).map_err(|error| error.0)
    }
}

/// A std channel's receiving half with a schedule-noise point per receive.
#[derive(Debug)]
pub struct OsReceiver<T>(std::sync::mpsc::Receiver<T>);

impl<T: Send> ChannelReceiver<T> for OsReceiver<T> {
    fn recv(&self) -> Option<T> {
        perturb();
        self.0.recv().ok()
    }
    fn try_recv(&self) -> TryRecv<T> {
        perturb();
        match self.0.try_recv() {
            Ok(value) => TryRecv::Value(value),
            Err(std::sync::mpsc::TryRecvError::Empty) => TryRecv::Empty,
            Err(std::sync::mpsc::TryRecvError::Disconnected) => TryRecv::Disconnected,
        }
    }
}

impl<T> Joinable<T> for std::thread::JoinHandle<T> {
    fn join(self) -> std::thread::Result<T> {
        std::thread::JoinHandle::join(self)
    }
}
