//! The runtime primitives behave as their traits promise, on both runtimes; and every variant
//! calls the lesson's yield exactly once per transfer (only when asked to).

use bank_core::runtime::{AtomicMoney, Lock, OsThreads, Runtime, ShuttleThreads};
use bank_core::variants::{
    actor::ActorBank, atomic::AtomicBank, balancing_audit::BalancingAuditBank,
    busy_refuses::BusyRefusesBank, global_lock::GlobalLockBank,
    global_lock_toctou::GlobalLockToctouBank, missed_audit_lock::MissedAuditLockBank,
    nested_locks::NestedLocksBank, ordered_locks::OrderedLocksBank, two_level::TwoLevelBank,
    unordered_audit::UnorderedAuditBank, unsafe_bank::UnsafeBank,
};
use bank_core::{BankOptions, OpenBank};
use std::sync::atomic::{AtomicUsize, Ordering};

fn try_lock_takes_a_free_lock_and_refuses_a_held_one<R: Runtime>() {
    let lock = R::Mutex::new(5);
    assert_eq!(
        lock.try_lock().map(|guard| *guard),
        Some(5),
        "a free lock is taken"
    );
    let held = lock.lock();
    assert!(lock.try_lock().is_none(), "a held lock is refused");
    drop(held);
    assert!(lock.try_lock().is_some(), "and taken again once released");
    let cell = R::AtomicMoney::new(3);
    assert_eq!(cell.compare_exchange(4, 9), Err(3));
    assert_eq!(cell.compare_exchange(3, 9), Ok(3));
    assert_eq!(cell.load(), 9);
}

#[test]
fn os_threads_try_lock_takes_a_free_lock_and_refuses_a_held_one() {
    try_lock_takes_a_free_lock_and_refuses_a_held_one::<OsThreads>();
}

#[test]
fn shuttle_try_lock_takes_a_free_lock_and_refuses_a_held_one() {
    shuttle::check_random(
        try_lock_takes_a_free_lock_and_refuses_a_held_one::<ShuttleThreads>,
        1,
    );
}

/// Counts every yield a bank asks its runtime for.
static YIELDS: AtomicUsize = AtomicUsize::new(0);

/// OS threads, except that `yield_now` is counted.
struct CountingYields;

impl Runtime for CountingYields {
    type Mutex<T: Send + 'static> = <OsThreads as Runtime>::Mutex<T>;
    type RwLock<T: Send + Sync + 'static> = <OsThreads as Runtime>::RwLock<T>;
    type AtomicMoney = <OsThreads as Runtime>::AtomicMoney;
    type Sender<T: Send + 'static> = <OsThreads as Runtime>::Sender<T>;
    type Receiver<T: Send + 'static> = <OsThreads as Runtime>::Receiver<T>;
    type JoinHandle<T: Send + 'static> = <OsThreads as Runtime>::JoinHandle<T>;
    type SyncSender<T: Send + 'static> = <OsThreads as Runtime>::SyncSender<T>;
    type Condvar = <OsThreads as Runtime>::Condvar;
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
        OsThreads::wait(condvar, guard)
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
        YIELDS.fetch_add(1, Ordering::SeqCst);
    }
}

/// Three accepted transfers and one refused: with the yield on, exactly three yields.
fn yields_of<B: OpenBank>(yield_on: bool) -> usize {
    let bank = B::open(
        &[10, 10],
        BankOptions {
            yield_between_debit_and_credit: yield_on,
        },
    )
    .unwrap();
    let before = YIELDS.load(Ordering::SeqCst);
    for (from, to, amount) in [(0, 1, 3), (1, 0, 4), (0, 1, 1), (0, 1, 1_000)] {
        let _ = bank.transfer(from, to, amount);
    }
    let _ = bank.audit();
    let after = YIELDS.load(Ordering::SeqCst);
    drop(bank);
    after - before
}

#[test]
fn every_variant_yields_once_per_transfer_between_debit_and_credit_only_when_asked() {
    // One test, not ten: the counter is shared, so the variants must not run concurrently.
    type R = CountingYields;
    let counts = [
        (
            "unsafe",
            yields_of::<UnsafeBank<R>>(true),
            yields_of::<UnsafeBank<R>>(false),
        ),
        (
            "missed-audit-lock",
            yields_of::<MissedAuditLockBank<R>>(true),
            yields_of::<MissedAuditLockBank<R>>(false),
        ),
        (
            "global-lock-toctou",
            yields_of::<GlobalLockToctouBank<R>>(true),
            yields_of::<GlobalLockToctouBank<R>>(false),
        ),
        (
            "global-lock",
            yields_of::<GlobalLockBank<R>>(true),
            yields_of::<GlobalLockBank<R>>(false),
        ),
        (
            "nested-locks",
            yields_of::<NestedLocksBank<R>>(true),
            yields_of::<NestedLocksBank<R>>(false),
        ),
        (
            "unordered-audit",
            yields_of::<UnorderedAuditBank<R>>(true),
            yields_of::<UnorderedAuditBank<R>>(false),
        ),
        (
            "ordered-locks",
            yields_of::<OrderedLocksBank<R>>(true),
            yields_of::<OrderedLocksBank<R>>(false),
        ),
        (
            "atomic",
            yields_of::<AtomicBank<R>>(true),
            yields_of::<AtomicBank<R>>(false),
        ),
        (
            "two-level",
            yields_of::<TwoLevelBank<R>>(true),
            yields_of::<TwoLevelBank<R>>(false),
        ),
        (
            "actor",
            yields_of::<ActorBank<R>>(true),
            yields_of::<ActorBank<R>>(false),
        ),
        (
            "busy-refuses",
            yields_of::<BusyRefusesBank<R>>(true),
            yields_of::<BusyRefusesBank<R>>(false),
        ),
        (
            "balancing-audit",
            yields_of::<BalancingAuditBank<R>>(true),
            yields_of::<BalancingAuditBank<R>>(false),
        ),
    ];
    // A variant in the catalog fails here until it is added to the list above.
    let listed: Vec<&str> = counts.iter().map(|(id, _, _)| *id).collect();
    let catalog: Vec<&str> = bank_core::CATALOG
        .iter()
        .map(|variant| variant.id)
        .collect();
    assert_eq!(listed, catalog, "every catalog variant, in catalog order");
    for (id, on, off) in counts {
        assert_eq!((on, off), (3, 0), "{id}: yields with the option on, off");
    }
}

/// The rest of the runtime: atomic read-modify-writes, `try_read` / `try_write`, a condition
/// variable, a bounded channel and the current thread's name. Written once, run on both
/// runtimes.
fn the_whole_runtime_behaves_as_its_traits_promise<R: Runtime>() {
    use bank_core::runtime::{
        ChannelReceiver, ChannelSender, ConditionVariable, Joinable, ReadWriteLock,
    };
    use std::sync::Arc;

    let cell = R::AtomicMoney::new(10);
    assert_eq!(cell.fetch_add(5), 10);
    assert_eq!(cell.fetch_sub(3), 15);
    assert_eq!(cell.swap(100), 12);
    assert_eq!(cell.load(), 100);

    let gate = R::RwLock::new(1);
    {
        let _reader = gate.read();
        assert!(gate.try_write().is_none(), "a writer waits for readers");
    }
    {
        let _writer = gate.write();
        assert!(gate.try_read().is_none(), "a reader waits for the writer");
        assert!(gate.try_write().is_none());
    }
    assert!(gate.try_write().is_some(), "free again");

    // A condition variable: the worker waits until the flag is set.
    let shared = Arc::new((R::Mutex::new(false), R::Condvar::new()));
    let worker = {
        let shared = Arc::clone(&shared);
        R::spawn("waiter".into(), move || {
            assert_eq!(R::current_thread_name().as_deref(), Some("waiter"));
            let (flag, condvar) = &*shared;
            let mut ready = flag.lock();
            while !*ready {
                ready = R::wait(condvar, ready);
            }
            7
        })
    };
    *shared.0.lock() = true;
    shared.1.notify_all();
    assert_eq!(worker.join().ok(), Some(7));

    // A bounded channel of one: the second send waits for the first receive.
    let (sender, receiver) = R::sync_channel::<u32>(1);
    let producer = R::spawn("producer".into(), move || {
        for value in 0..3 {
            assert!(sender.send(value).is_ok());
        }
    });
    let received: Vec<u32> = (0..3).filter_map(|_| receiver.recv()).collect();
    assert_eq!(received, [0, 1, 2]);
    assert!(producer.join().is_ok());
    assert_eq!(receiver.recv(), None, "every sender is gone");
}

#[test]
fn os_threads_give_the_whole_runtime() {
    the_whole_runtime_behaves_as_its_traits_promise::<OsThreads>();
}

#[test]
fn shuttle_gives_the_whole_runtime_under_every_schedule_of_a_dfs() {
    shuttle::check_dfs(
        the_whole_runtime_behaves_as_its_traits_promise::<ShuttleThreads>,
        Some(20_000),
    );
}

/// The trace a replay prints shows read-write locks (wanted, got, released) and channels (sent,
/// received), not only mutexes and cells.
#[test]
fn the_trace_shows_read_write_locks_and_channels() {
    use bank_core::Bank;
    use bank_core::instrumentation::trace;
    let texts = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let sink = std::sync::Arc::clone(&texts);
    shuttle::check_random(
        move || {
            trace::start();
            let gated = TwoLevelBank::<ShuttleThreads>::open(&[1, 1], BankOptions::default())
                .expect("valid balances");
            gated.transfer(0, 1, 1).expect("funds");
            gated.audit();
            let actor = ActorBank::<ShuttleThreads>::open(&[1, 1], BankOptions::default())
                .expect("valid balances");
            actor.transfer(0, 1, 1).expect("funds");
            drop(actor);
            *sink.lock().unwrap() = trace::finish().into_iter().map(|e| e.text).collect();
        },
        1,
    );
    let texts = texts.lock().unwrap();
    for expected in [
        "wants to read rwlock",
        "got to read rwlock",
        "got to write rwlock",
        "released rwlock",
        "sends on a channel",
        "received",
    ] {
        assert!(
            texts.iter().any(|text| text.starts_with(expected)),
            "no '{expected}' in {texts:#?}"
        );
    }
}
