//! Experiment: which mutex runs the seed workload fastest? `parking_lot`'s (park at once), a
//! mutex whose waiters yield and retry before parking (the previous design), and
//! [`LazyWakeMutex`](bank_core::runtime::LazyWakeMutex), the one `OsThreads` uses now. Defines a
//! runtime of its own (the variants are generic over it).
//!
//! Run: `cargo run --release -p bank-core --example lock_experiment`.

use bank_core::runtime::{Lock, OsThreads, Runtime};
use bank_core::variants::{global_lock::GlobalLockBank, ordered_locks::OrderedLocksBank};
use bank_core::{BankOptions, OpenBank, WorkloadShape};
use std::time::{Duration, Instant};

/// A `parking_lot::Mutex` whose waiters yield and retry up to `TRIES` times before parking.
/// `OsThreads` used it (1,024 tries) before `LazyWakeMutex`.
#[derive(Debug, Default)]
pub struct YieldingMutex<T, const TRIES: usize>(parking_lot::Mutex<T>);

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

struct Yielding<const TRIES: usize>;
impl<const TRIES: usize> Runtime for Yielding<TRIES> {
    type Mutex<T: Send + 'static> = YieldingMutex<T, TRIES>;
    type RwLock<T: Send + Sync + 'static> = <OsThreads as Runtime>::RwLock<T>;
    type AtomicMoney = <OsThreads as Runtime>::AtomicMoney;
    type Sender<T: Send + 'static> = <OsThreads as Runtime>::Sender<T>;
    type Receiver<T: Send + 'static> = <OsThreads as Runtime>::Receiver<T>;
    type JoinHandle<T: Send + 'static> = <OsThreads as Runtime>::JoinHandle<T>;
    fn channel<T: Send + 'static>() -> (Self::Sender<T>, Self::Receiver<T>) {
        OsThreads::channel()
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
    let mut runs: Vec<Duration> = (0..7)
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
        "{name:<40} median {:>7.1} ms  ({:.0}× CPython 5.0 s)",
        runs[3].as_secs_f64() * 1e3,
        5.0 / runs[3].as_secs_f64()
    );
}

fn main() {
    let shape = WorkloadShape::seed();
    let work: Vec<Vec<_>> = (0..shape.threads)
        .map(|thread| shape.transfers(7, thread).collect())
        .collect();
    // Zero tries: park at once, i.e. a plain parking_lot mutex (OsThreads itself yields first).
    time::<GlobalLockBank<Yielding<0>>>("global-lock, parking_lot (park at once)", &work);
    time::<GlobalLockBank<Yielding<8>>>("global-lock, yield 8 tries then park", &work);
    time::<GlobalLockBank<Yielding<64>>>("global-lock, yield 64 tries then park", &work);
    time::<GlobalLockBank<Yielding<1024>>>("global-lock, yield 1024 tries then park", &work);
    time::<GlobalLockBank<Yielding<1_000_000>>>("global-lock, yield up to 10^6 tries", &work);
    time::<GlobalLockBank<OsThreads>>("global-lock, LazyWakeMutex (OsThreads)", &work);
    time::<OrderedLocksBank<Yielding<0>>>("ordered-locks, parking_lot (park at once)", &work);
    time::<OrderedLocksBank<Yielding<1_000_000>>>("ordered-locks, yield up to 10^6 tries", &work);
    time::<OrderedLocksBank<Yielding<64>>>("ordered-locks, yield 64 tries then park", &work);
    time::<OrderedLocksBank<Yielding<1024>>>("ordered-locks, yield 1024 tries then park", &work);
    time::<OrderedLocksBank<OsThreads>>("ordered-locks, LazyWakeMutex (OsThreads)", &work);
}
