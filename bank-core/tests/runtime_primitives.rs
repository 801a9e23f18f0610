//! The runtime primitives behave as their traits promise, on both runtimes; and every variant
//! calls the lesson's yield exactly once per transfer (only when asked to).

use bank_core::instrumentation::trace;
use bank_core::runtime::{AtomicMoney, Lock, OsThreads, Runtime, ShuttleThreads};
use bank_core::variants::{actor::ActorBank, global_lock::GlobalLockBank, two_level::TwoLevelBank};
use bank_core::{Bank, BankOptions, Money, OpenBank, Subject, TransferError};
use std::sync::Arc;
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

/// Three accepted transfers and one refused, on the subject's shuttle bank, with the trace on:
/// how many steps were the lesson's yield. (Under shuttle every `R::yield_now` is a step of the
/// trace, so the count needs no runtime of its own, and every subject can be asked.)
fn yields_of(subject: &'static Subject, yield_on: bool) -> usize {
    let count = Arc::new(AtomicUsize::new(0));
    let sink = Arc::clone(&count);
    shuttle::check_random(
        move || {
            trace::start();
            let options = BankOptions {
                yield_between_debit_and_credit: yield_on,
            };
            let bank = (subject.open.shuttle)(&[10, 10], options).expect("valid balances");
            for (from, to, amount) in [(0, 1, 3), (1, 0, 4), (0, 1, 1), (0, 1, 1_000)] {
                let _ = bank.transfer(from, to, amount);
            }
            let _ = bank.audit();
            drop(bank);
            let yields = trace::finish()
                .iter()
                .filter(|event| event.text.starts_with("yields"))
                .count();
            sink.store(yields, Ordering::SeqCst);
        },
        1,
    );
    count.load(Ordering::SeqCst)
}

#[test]
fn every_variant_yields_once_per_transfer_between_debit_and_credit_only_when_asked() {
    for subject in bank_core::CATALOG {
        let (on, off) = (yields_of(subject, true), yields_of(subject, false));
        assert_eq!(
            (on, off),
            (3, 0),
            "{}: yields with the option on, off",
            subject.id
        );
    }
}

#[test]
fn the_yield_count_sees_a_yield_and_its_absence() {
    // The count is not blind: a bank that yields twice per transfer counts six.
    static TWICE: [Subject; 1] = [Subject::new("twice", bank_core::openers!(TwiceBank))];
    assert_eq!(yields_of(&TWICE[0], true), 6);
    assert_eq!(yields_of(&TWICE[0], false), 0);
}

/// The global-lock bank, yielding twice per accepted transfer.
struct TwiceBank<R: Runtime>(GlobalLockBank<R>, BankOptions);

impl<R: Runtime> OpenBank for TwiceBank<R> {
    fn open(balances: &[Money], options: BankOptions) -> Result<Self, bank_core::OpenError> {
        Ok(Self(GlobalLockBank::open(balances, options)?, options))
    }
}

impl<R: Runtime> Bank for TwiceBank<R> {
    fn account_count(&self) -> usize {
        self.0.account_count()
    }
    fn transfer(&self, from: usize, to: usize, amount: Money) -> Result<(), TransferError> {
        let result = self.0.transfer(from, to, amount);
        if result.is_ok() && self.1.yield_between_debit_and_credit {
            R::yield_now();
        }
        result
    }
    fn audit(&self) -> Vec<Money> {
        self.0.audit()
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

/// What banks written from outside needed and the runtime now gives: a flag and a counter, a
/// non-blocking receive, a value initialised once, state per thread. Written once,
/// run on both runtimes (under shuttle, on every schedule of a DFS).
fn the_additions_behave_as_promised<R: Runtime>() {
    use bank_core::runtime::{
        AtomicCount, AtomicFlag, ChannelReceiver, ChannelSender, Joinable, OnceCell, PerThread,
        TryRecv,
    };
    let flag = R::AtomicFlag::new(false);
    assert_eq!(flag.compare_exchange(true, false), Err(false));
    assert_eq!(flag.compare_exchange(false, true), Ok(false));
    assert!(flag.swap(false));
    flag.store(true);
    assert!(flag.load());
    let count = R::AtomicCount::new(u64::MAX);
    assert_eq!(count.fetch_add(2), u64::MAX, "wraps");
    assert_eq!(count.fetch_sub(1), 1);
    assert_eq!(count.compare_exchange(0, 7), Ok(0));
    count.store(9);
    assert_eq!(count.load(), 9);

    let (sender, receiver) = R::channel::<u8>();
    assert_eq!(receiver.try_recv(), TryRecv::Empty);
    sender.send(4).unwrap();
    assert_eq!(receiver.try_recv(), TryRecv::Value(4));
    drop(sender);
    assert_eq!(receiver.try_recv(), TryRecv::Disconnected);

    // Two threads race to initialise one cell: one initialiser runs, both see its value.
    let cell = Arc::new(OnceCell::<R, u8>::new());
    let runs = Arc::new(R::AtomicCount::new(0));
    let racers: Vec<_> = (1..=2u8)
        .map(|mine| {
            let (cell, runs) = (Arc::clone(&cell), Arc::clone(&runs));
            R::spawn(format!("racer-{mine}"), move || {
                *cell.get_or_init(|| {
                    runs.fetch_add(1);
                    mine
                })
            })
        })
        .collect();
    let seen: Vec<u8> = racers
        .into_iter()
        .map(|racer| racer.join().unwrap())
        .collect();
    assert_eq!(runs.load(), 1, "one initialiser ran");
    assert_eq!(seen[0], seen[1], "both see the one value");
    assert_eq!(cell.get(), Some(&seen[0]));

    // Each thread counts in its own state; the main thread's is untouched.
    let per_thread = Arc::new(PerThread::<R, u32>::new());
    let counters: Vec<_> = (0..2)
        .map(|index| {
            let per_thread = Arc::clone(&per_thread);
            R::spawn(format!("counter-{index}"), move || {
                for _ in 0..=index {
                    per_thread.with(|count| *count += 1);
                }
                per_thread.with(|count| *count)
            })
        })
        .collect();
    let counts: Vec<u32> = counters
        .into_iter()
        .map(|counter| counter.join().unwrap())
        .collect();
    assert_eq!(counts, [1, 2]);
    assert_eq!(per_thread.with(|count| *count), 0);
}

#[test]
fn os_threads_give_the_additions() {
    the_additions_behave_as_promised::<OsThreads>();
}

#[test]
fn shuttle_gives_the_additions_under_every_schedule_of_a_dfs() {
    // No bound: the search runs to its end, so every schedule is seen.
    shuttle::check_dfs(the_additions_behave_as_promised::<ShuttleThreads>, None);
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
