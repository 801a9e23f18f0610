//! Experiment: how fast does the seed workload run under `parking_lot`'s mutex (what `OsThreads`
//! uses) and under `std::sync::Mutex`? Defines a runtime of its own with the std mutex (the
//! variants are generic over it). The figures, and those of the mutex `OsThreads` used before
//! (`LazyWakeMutex`, now only in git history), are in BENCHMARKS.md.
//!
//! Run: `cargo run --release -p bank-core --example lock_experiment`.

use bank_core::runtime::{Lock, OsThreads, Runtime};
use bank_core::variants::{global_lock::GlobalLockBank, ordered_locks::OrderedLocksBank};
use bank_core::{BankOptions, OpenBank, WorkloadShape};
use std::time::{Duration, Instant};

/// `std::sync::Mutex` behind the runtime's lock trait.
#[derive(Debug, Default)]
pub struct StdMutex<T>(std::sync::Mutex<T>);

impl<T: Send> Lock<T> for StdMutex<T> {
    type Guard<'a>
        = std::sync::MutexGuard<'a, T>
    where
        T: 'a;

    fn new(value: T) -> Self {
        Self(std::sync::Mutex::new(value))
    }
    fn lock(&self) -> Self::Guard<'_> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
    fn try_lock(&self) -> Option<Self::Guard<'_>> {
        self.0.try_lock().ok()
    }
}

/// `std::sync::Condvar`, to go with the std mutex.
struct StdCondvar(std::sync::Condvar);

impl bank_core::runtime::ConditionVariable for StdCondvar {
    fn new() -> Self {
        Self(std::sync::Condvar::new())
    }
    fn notify_one(&self) {
        self.0.notify_one();
    }
    fn notify_all(&self) {
        self.0.notify_all();
    }
}

/// `OsThreads` with the std mutex (and condition variable) in place of parking_lot's.
struct StdThreads;
impl Runtime for StdThreads {
    type Mutex<T: Send + 'static> = StdMutex<T>;
    type RwLock<T: Send + Sync + 'static> = <OsThreads as Runtime>::RwLock<T>;
    type AtomicMoney = <OsThreads as Runtime>::AtomicMoney;
    type Sender<T: Send + 'static> = <OsThreads as Runtime>::Sender<T>;
    type Receiver<T: Send + 'static> = <OsThreads as Runtime>::Receiver<T>;
    type JoinHandle<T: Send + 'static> = <OsThreads as Runtime>::JoinHandle<T>;
    type SyncSender<T: Send + 'static> = <OsThreads as Runtime>::SyncSender<T>;
    type Condvar = StdCondvar;
    type AtomicFlag = <OsThreads as Runtime>::AtomicFlag;
    type AtomicCount = <OsThreads as Runtime>::AtomicCount;
    fn channel<T: Send + 'static>() -> (Self::Sender<T>, Self::Receiver<T>) {
        OsThreads::channel()
    }
    fn sync_channel<T: Send + 'static>(bound: usize) -> (Self::SyncSender<T>, Self::Receiver<T>) {
        OsThreads::sync_channel(bound)
    }
    fn wait<'a, T: Send + 'static>(
        condvar: &Self::Condvar,
        guard: bank_core::runtime::MutexGuard<'a, Self, T>,
    ) -> bank_core::runtime::MutexGuard<'a, Self, T> {
        condvar
            .0
            .wait(guard)
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
    fn current_thread_key() -> u64 {
        OsThreads::current_thread_key()
    }
    fn current_thread_name() -> Option<String> {
        OsThreads::current_thread_name()
    }
    fn spawn<T: Send + 'static, F: FnOnce() -> T + Send + 'static>(
        name: String,
        body: F,
    ) -> Self::JoinHandle<T> {
        OsThreads::spawn(name, body)
    }
    fn yield_now() {
        std::thread::yield_now();
    }
}

fn time<B: OpenBank>(name: &str, work: &[Vec<(usize, usize, i64)>]) {
    let shape = WorkloadShape::seed();
    let mut runs: Vec<Duration> = (0..9)
        .map(|_| {
            let bank = B::open(&shape.balances, BankOptions::default()).unwrap();
            let started = Instant::now();
            std::thread::scope(|scope| {
                for mine in work {
                    let bank = &bank;
                    scope.spawn(move || {
                        for &(from, to, amount) in mine {
                            let _ = bank.transfer(from, to, amount);
                            std::hint::black_box(bank.audit());
                        }
                    });
                }
            });
            started.elapsed()
        })
        .collect();
    runs.sort();
    println!(
        "{name:<40} median of 9 {:>7.1} ms  ({:.0}× CPython 5.0 s)",
        runs[4].as_secs_f64() * 1e3,
        5.0 / runs[4].as_secs_f64()
    );
}

fn main() {
    let shape = WorkloadShape::seed();
    let work: Vec<Vec<_>> = (0..shape.threads)
        .map(|thread| shape.transfers(7, thread).collect())
        .collect();
    time::<GlobalLockBank<OsThreads>>("global-lock, parking_lot (OsThreads)", &work);
    time::<GlobalLockBank<StdThreads>>("global-lock, std::sync::Mutex", &work);
    time::<OrderedLocksBank<OsThreads>>("ordered-locks, parking_lot (OsThreads)", &work);
    time::<OrderedLocksBank<StdThreads>>("ordered-locks, std::sync::Mutex", &work);
}
