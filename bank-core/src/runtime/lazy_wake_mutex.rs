//! [`LazyWakeMutex`]: the mutex of [`OsThreads`](super::OsThreads), built for a workload whose
//! threads hold the lock across a `yield_now` and take it again right after releasing it.
//!
//! # Why not `parking_lot::Mutex`
//! In the lecture's workload five threads on two cores each run "lock, debit, yield, credit,
//! unlock; lock, audit, unlock" in a loop. With `parking_lot` every waiter parks, and every unlock
//! wakes one (a futex system call on the releasing thread). The woken thread finds the lock
//! taken again (the releasing thread re-locks within nanoseconds), parks again, and the next
//! unlock wakes it again. Those wakes, and the context switches they cause on the holder's core,
//! cost about 5 µs per transfer: 270 ms for the seed workload, where the yields alone take 25 ms
//! (BENCHMARKS.md has the measurements).
//!
//! # The design
//! - **One watcher, everyone else parked.** The first waiter becomes the *watcher*: it polls the
//!   lock for about 25 µs (with `spin_loop` pauses, on the other core), then sleeps on a key of its
//!   own. Further waiters park on the lock's key, as in `parking_lot`. With at most one polling
//!   thread, the holder's `yield_now` finds no one else to run on its core and costs a bare system
//!   call.
//! - **Lazy wake.** When the holder releases a lock whose watcher sleeps, it does not wake it at
//!   once: it will most likely take the lock again itself. It records a *deferred wake* instead
//!   and performs it when it has to wait itself (in this lock's slow path, or in any other
//!   blocking call of the runtime: see [`flush_deferred_wakes`]) or when the thread ends. A
//!   thread that hands a lock on for good therefore always wakes its watcher, and a thread that
//!   keeps re-taking it never pays for a wake.
//! - **Bounded watching, then a fair hand-off.** A watcher that has waited [`WATCH_LIMIT`] stops
//!   watching: it parks on the lock's key like everyone else and sets a `FAIR` bit; the next unlock
//!   then hands the lock directly to the longest-parked thread (the lock stays locked, so no one
//!   can barge in). This bounds how long a thread can be kept out, keeps stress runs interleaving,
//!   and puts every long-waiting thread into an untimed park, where `parking_lot`'s deadlock
//!   detector (the stress watchdog) sees it: timed waits are invisible to it.
//!
//! Measured on the seed workload (5 threads × 9,999 transfers, audit after each, yield kept;
//! BENCHMARKS.md): global-lock about 27 ms instead of 270 ms, ordered-locks about 34 ms instead
//! of 310 ms.
//!
//! # Safety
//! This is the one module of the workspace with `unsafe` code: implementing
//! [`lock_api::RawMutex`] is an `unsafe impl` (we promise mutual exclusion) and
//! `parking_lot_core`'s park/unpark and deadlock-detection hooks are `unsafe fn`s. The argument
//! for each is next to it.
#![allow(unsafe_code)]

use parking_lot_core::{
    DEFAULT_PARK_TOKEN, ParkResult, UnparkResult, UnparkToken, deadlock as detector,
};
use std::cell::RefCell;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::{Duration, Instant};

/// A mutex whose releases wake a sleeping waiter lazily (see the module doc).
pub type LazyWakeMutex<T> = lock_api::Mutex<RawLazyWakeMutex, T>;

/// Its guard.
pub type LazyWakeMutexGuard<'a, T> = lock_api::MutexGuard<'a, RawLazyWakeMutex, T>;

/// The lock is held.
const LOCKED: u8 = 1;
/// Threads are (or are about to be) parked on the lock's key, waiting for an unlock to wake them.
const PARKED: u8 = 1 << 1;
/// One waiter is the watcher (polling, or asleep on the watch key).
const WATCHER: u8 = 1 << 2;
/// The watcher is asleep on the watch key; whoever unlocks owes it a (deferred) wake.
const ASLEEP: u8 = 1 << 3;
/// A waiter has waited `WATCH_LIMIT`: the next unlock hands the lock to the longest-parked
/// thread instead of releasing it. Only ever set while [`LOCKED`] is set.
const FAIR: u8 = 1 << 4;

/// How many times the watcher looks at the lock before it sleeps …
const WATCH_CHECKS: u32 = 16;
/// … with this many `spin_loop` pauses between looks (a pause is about 25 ns on this machine
/// class, so the watcher polls for about 25 µs).
const WATCH_PAUSES: u32 = 64;
/// How long a waiter may watch before it parks for good and asks for a fair hand-off.
pub const WATCH_LIMIT: Duration = Duration::from_millis(1);

/// Unpark token: the lock was handed over; the woken thread owns it.
const TOKEN_HANDOFF: UnparkToken = UnparkToken(1);
/// Unpark token: the lock was released; the woken thread competes for it.
const TOKEN_NORMAL: UnparkToken = UnparkToken(0);

/// The raw lock: one byte of state (the bits above). Aligned to 2, so its size is 2 and
/// `key + 1`, the watch key, is the address of its own padding byte: no other object's key.
#[repr(align(2))]
pub struct RawLazyWakeMutex {
    state: AtomicU8,
}

// The watch key relies on it.
const _: () = assert!(std::mem::size_of::<RawLazyWakeMutex>() == 2);

// SAFETY: mutual exclusion. LOCKED is only ever set by a successful compare-exchange from a state
// without LOCKED (acquire), or kept set while ownership passes to exactly one unparked thread
// (the fair hand-off, under parking_lot_core's bucket lock); it is only cleared by the owner's
// unlock. So at most one guard exists at a time.
unsafe impl lock_api::RawMutex for RawLazyWakeMutex {
    #[allow(clippy::declare_interior_mutable_const)]
    const INIT: Self = Self {
        state: AtomicU8::new(0),
    };

    type Guard = lock_api::GuardNoSend;

    #[inline]
    fn lock(&self) -> Self::Guard {
        if self.try_acquire().is_err() {
            self.lock_slow();
        }
        // SAFETY: the key is this lock's address, and we now hold the lock.
        unsafe { detector::acquire_resource(self.key()) };
        lock_api::GuardNoSend::new()
    }

    #[inline]
    fn try_lock(&self) -> Option<Self::Guard> {
        self.try_acquire().ok()?;
        // SAFETY: as in `lock`.
        unsafe { detector::acquire_resource(self.key()) };
        Some(lock_api::GuardNoSend::new())
    }

    #[inline]
    unsafe fn unlock(&self, _guard: Self::Guard) {
        // SAFETY: the caller holds the lock (the contract of this method), registered in `lock`.
        unsafe { detector::release_resource(self.key()) };
        if self
            .state
            .compare_exchange(LOCKED, 0, Ordering::Release, Ordering::Relaxed)
            .is_err()
        {
            self.unlock_slow();
        }
    }

    #[inline]
    fn is_locked(&self) -> bool {
        self.state.load(Ordering::Relaxed) & LOCKED != 0
    }
}

impl RawLazyWakeMutex {
    /// The key waiters park on, and the resource key the deadlock detector knows the lock by.
    fn key(&self) -> usize {
        std::ptr::from_ref(self).addr()
    }

    /// The key the watcher sleeps on: the lock's second byte, so no other lock's key.
    fn watch_key(&self) -> usize {
        self.key() + 1
    }

    /// Takes the lock if it is free, whoever is waiting (barging keeps the holder running).
    #[inline]
    fn try_acquire(&self) -> Result<(), u8> {
        let mut state = self.state.load(Ordering::Relaxed);
        while state & LOCKED == 0 {
            match self.state.compare_exchange_weak(
                state,
                state | LOCKED,
                Ordering::Acquire,
                Ordering::Relaxed,
            ) {
                Ok(_) => return Ok(()),
                Err(now) => state = now,
            }
        }
        Err(state)
    }

    #[cold]
    fn lock_slow(&self) {
        // We are about to wait: first wake anyone we left asleep, or they might be waiting for us.
        flush_deferred_wakes();
        let mut may_watch = true;
        let mut state = self.state.load(Ordering::Relaxed);
        loop {
            if state & LOCKED == 0 {
                match self.state.compare_exchange_weak(
                    state,
                    state | LOCKED,
                    Ordering::Acquire,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => return,
                    Err(now) => state = now,
                }
                continue;
            }
            if may_watch && state & WATCHER == 0 {
                if let Err(now) = self.state.compare_exchange_weak(
                    state,
                    state | WATCHER,
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                ) {
                    state = now;
                    continue;
                }
                if self.watch() {
                    return;
                }
                // Watched too long: now parked-in-waiting, with a fair hand-off requested.
                may_watch = false;
                state = self.state.load(Ordering::Relaxed);
                continue;
            }
            if state & PARKED == 0
                && let Err(now) = self.state.compare_exchange_weak(
                    state,
                    state | PARKED,
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                )
            {
                state = now;
                continue;
            }
            let validate = || waiter_may_park(self.state.load(Ordering::Relaxed));
            let timed_out = |_, _| {};
            // SAFETY: the key is an address we own; `validate` and `timed_out` neither panic nor
            // call into parking_lot; there is no `before_sleep` work.
            let result = unsafe {
                parking_lot_core::park(
                    self.key(),
                    validate,
                    || {},
                    timed_out,
                    DEFAULT_PARK_TOKEN,
                    None,
                )
            };
            if result == ParkResult::Unparked(TOKEN_HANDOFF) {
                return;
            }
            may_watch = true;
            state = self.state.load(Ordering::Relaxed);
        }
    }

    /// Called holding the WATCHER role. Returns `true` holding the lock (the role given up), or
    /// `false` after [`WATCH_LIMIT`], with the role given up and PARKED | FAIR set: the caller
    /// then parks on the lock's key and the next unlock hands the lock over.
    fn watch(&self) -> bool {
        let started = Instant::now();
        loop {
            for _ in 0..WATCH_CHECKS {
                let state = self.state.load(Ordering::Relaxed);
                if state & LOCKED == 0
                    && self
                        .state
                        .compare_exchange_weak(
                            state,
                            (state | LOCKED) & !WATCHER,
                            Ordering::Acquire,
                            Ordering::Relaxed,
                        )
                        .is_ok()
                {
                    return true;
                }
                for _ in 0..WATCH_PAUSES {
                    std::hint::spin_loop();
                }
            }
            let deadline = started + WATCH_LIMIT;
            if Instant::now() >= deadline {
                return self.stop_watching();
            }
            self.state.fetch_or(ASLEEP, Ordering::Relaxed);
            let validate = || watcher_may_sleep(self.state.load(Ordering::Relaxed));
            // SAFETY: the watch key is derived from an address we own; the closures neither panic
            // nor call into parking_lot.
            unsafe {
                parking_lot_core::park(
                    self.watch_key(),
                    validate,
                    || {},
                    |_, _| {},
                    DEFAULT_PARK_TOKEN,
                    Some(deadline),
                );
            }
            self.state.fetch_and(!ASLEEP, Ordering::Relaxed);
        }
    }

    /// Gives up the WATCHER role: takes the lock if it is free (returns `true`), else marks the
    /// thread as parked and asks for a fair hand-off (returns `false`).
    fn stop_watching(&self) -> bool {
        let mut state = self.state.load(Ordering::Relaxed);
        loop {
            let (next, acquired) = if state & LOCKED == 0 {
                ((state | LOCKED) & !WATCHER, true)
            } else {
                ((state & !WATCHER) | PARKED | FAIR, false)
            };
            match self.state.compare_exchange_weak(
                state,
                next,
                Ordering::Acquire,
                Ordering::Relaxed,
            ) {
                Ok(_) => return acquired,
                Err(now) => state = now,
            }
        }
    }

    #[cold]
    fn unlock_slow(&self) {
        let mut state = self.state.load(Ordering::Relaxed);
        loop {
            if state & FAIR != 0 {
                return self.hand_off();
            }
            match self.state.compare_exchange_weak(
                state,
                state & !LOCKED,
                Ordering::Release,
                Ordering::Relaxed,
            ) {
                Ok(_) => break,
                Err(now) => state = now,
            }
        }
        self.after_release(state);
    }

    /// Wakes whoever the release of a lock in `previous` state is owed to.
    fn after_release(&self, previous: u8) {
        if previous & WATCHER != 0 {
            if previous & ASLEEP != 0 {
                defer_wake(self.watch_key());
            }
        } else if previous & PARKED != 0 {
            let callback = |result: UnparkResult| {
                if !result.have_more_threads {
                    self.state.fetch_and(!PARKED, Ordering::Relaxed);
                }
                TOKEN_NORMAL
            };
            // SAFETY: the key is an address we own; the callback neither panics nor calls into
            // parking_lot.
            unsafe { parking_lot_core::unpark_one(self.key(), callback) };
        }
    }

    /// The fair unlock: passes the lock, still locked, to the longest-parked thread.
    fn hand_off(&self) {
        let mut released = None;
        let callback = |result: UnparkResult| {
            let parked = if result.have_more_threads { 0 } else { PARKED };
            if result.unparked_threads != 0 {
                self.state.fetch_and(!(FAIR | parked), Ordering::Relaxed);
                TOKEN_HANDOFF
            } else {
                // The thread that asked has not parked yet: release; it will find the lock free.
                released = Some(
                    self.state
                        .fetch_and(!(LOCKED | FAIR | parked), Ordering::Release),
                );
                TOKEN_NORMAL
            }
        };
        // SAFETY: as in `after_release`.
        unsafe { parking_lot_core::unpark_one(self.key(), callback) };
        if let Some(previous) = released {
            self.after_release(previous & !PARKED);
        }
    }
}

/// A waiter may park on the lock's key only while the lock is held and marked as having parked
/// waiters: then the holder's unlock is sure to see PARKED and wake someone.
fn waiter_may_park(state: u8) -> bool {
    state & LOCKED != 0 && state & PARKED != 0
}

/// The watcher may sleep only while the lock is held and it is marked ASLEEP: then the holder's
/// unlock is sure to owe it a (deferred) wake.
fn watcher_may_sleep(state: u8) -> bool {
    state & (LOCKED | ASLEEP) == LOCKED | ASLEEP
}

/// The most deferred wakes a thread keeps; beyond that, a release wakes at once.
const MAX_DEFERRED: usize = 8;

/// The watch keys this thread owes a wake; flushed when the thread waits or ends.
struct DeferredWakes(RefCell<Vec<usize>>);

impl Drop for DeferredWakes {
    fn drop(&mut self) {
        for key in self.0.get_mut().drain(..) {
            wake(key);
        }
    }
}

thread_local! {
    static DEFERRED_WAKES: DeferredWakes = const { DeferredWakes(RefCell::new(Vec::new())) };
}

fn defer_wake(watch_key: usize) {
    let deferred = DEFERRED_WAKES.try_with(|deferred| {
        let mut keys = deferred.0.borrow_mut();
        if keys.contains(&watch_key) {
            true
        } else if keys.len() < MAX_DEFERRED {
            keys.push(watch_key);
            true
        } else {
            false
        }
    });
    if !matches!(deferred, Ok(true)) {
        wake(watch_key);
    }
}

/// Performs the wakes this thread owes to sleeping watchers. The lock's slow path calls it, and
/// so does every blocking call of [`OsThreads`](super::OsThreads) (read-write locks, channel
/// receives, joins): a thread must not block while a watcher sleeps on a lock it released.
/// Blocking elsewhere delays a watcher by at most [`WATCH_LIMIT`].
pub fn flush_deferred_wakes() {
    let keys = DEFERRED_WAKES
        .try_with(|deferred| std::mem::take(&mut *deferred.0.borrow_mut()))
        .unwrap_or_default();
    for key in keys {
        wake(key);
    }
}

fn wake(watch_key: usize) {
    // SAFETY: unparking by key touches no lock memory, so a key whose lock is gone (or reused by
    // another lock) wakes no one or wakes a thread that re-checks its lock and sleeps again.
    unsafe { parking_lot_core::unpark_all(watch_key, TOKEN_NORMAL) };
}

/// The state machine, one transition at a time, on one thread: the rare branches (a watcher that
/// gives up and finds the lock free, a fair hand-off that finds no one parked) that threads
/// racing in the integration tests seldom reach, and the conditions under which a thread may
/// go to sleep, whose mistakes would be lost wake-ups.
#[cfg(test)]
mod tests {
    use super::*;
    use lock_api::RawMutex as _;

    fn lock_in(state: u8) -> RawLazyWakeMutex {
        RawLazyWakeMutex {
            state: AtomicU8::new(state),
        }
    }

    fn deferred() -> Vec<usize> {
        DEFERRED_WAKES.with(|deferred| deferred.0.borrow().clone())
    }

    #[test]
    fn a_waiter_parks_only_on_a_held_lock_marked_parked() {
        assert!(waiter_may_park(LOCKED | PARKED));
        assert!(waiter_may_park(LOCKED | PARKED | WATCHER | ASLEEP | FAIR));
        assert!(!waiter_may_park(PARKED), "released before it parked");
        assert!(!waiter_may_park(LOCKED), "PARKED cleared by the last wake");
        assert!(!waiter_may_park(PARKED | WATCHER | ASLEEP));
    }

    #[test]
    fn the_watcher_sleeps_only_on_a_held_lock_while_marked_asleep() {
        assert!(watcher_may_sleep(LOCKED | ASLEEP | WATCHER));
        assert!(watcher_may_sleep(LOCKED | ASLEEP | WATCHER | PARKED | FAIR));
        assert!(
            !watcher_may_sleep(ASLEEP | WATCHER),
            "released before it slept"
        );
        assert!(
            !watcher_may_sleep(LOCKED | WATCHER),
            "not marked asleep: no wake is owed"
        );
    }

    #[test]
    fn a_watcher_that_gives_up_on_a_free_lock_takes_it() {
        let lock = lock_in(WATCHER | PARKED);
        assert!(lock.stop_watching());
        assert_eq!(lock.state.load(Ordering::Relaxed), LOCKED | PARKED);
    }

    #[test]
    fn a_watcher_that_gives_up_on_a_held_lock_queues_and_asks_for_a_hand_off() {
        let lock = lock_in(LOCKED | WATCHER | PARKED);
        assert!(!lock.stop_watching());
        assert_eq!(lock.state.load(Ordering::Relaxed), LOCKED | PARKED | FAIR);
        let lock = lock_in(LOCKED | WATCHER);
        assert!(!lock.stop_watching());
        assert_eq!(lock.state.load(Ordering::Relaxed), LOCKED | PARKED | FAIR);
    }

    #[test]
    fn a_fair_unlock_with_no_one_parked_yet_releases_the_lock() {
        // The waiter that asked for the hand-off has not parked yet: the lock must be left free
        // (it will take it), not held by no one.
        let lock = lock_in(LOCKED | PARKED | FAIR);
        // SAFETY: the state says LOCKED and no guard exists; this test owns the lock.
        unsafe { lock.unlock(lock_api::GuardNoSend::new()) };
        assert_eq!(lock.state.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn a_release_owes_a_sleeping_watcher_a_deferred_wake_and_an_awake_one_none() {
        flush_deferred_wakes();
        let awake = lock_in(LOCKED | WATCHER);
        // SAFETY: as above.
        unsafe { awake.unlock(lock_api::GuardNoSend::new()) };
        assert_eq!(awake.state.load(Ordering::Relaxed), WATCHER);
        assert!(deferred().is_empty(), "a polling watcher needs no wake");

        let asleep = lock_in(LOCKED | WATCHER | ASLEEP | PARKED);
        // SAFETY: as above.
        unsafe { asleep.unlock(lock_api::GuardNoSend::new()) };
        assert_eq!(
            asleep.state.load(Ordering::Relaxed),
            WATCHER | ASLEEP | PARKED,
            "parked threads are the watcher's to wake, later"
        );
        assert_eq!(deferred(), [asleep.watch_key()]);
        flush_deferred_wakes();
        assert!(deferred().is_empty());
    }

    #[test]
    fn deferred_wakes_are_kept_once_each_up_to_the_limit() {
        flush_deferred_wakes();
        let locks: Vec<RawLazyWakeMutex> = (0..=MAX_DEFERRED)
            .map(|_| lock_in(LOCKED | WATCHER | ASLEEP))
            .collect();
        for lock in &locks {
            defer_wake(lock.watch_key());
            defer_wake(lock.watch_key());
        }
        let kept: Vec<usize> = locks[..MAX_DEFERRED]
            .iter()
            .map(|l| l.watch_key())
            .collect();
        assert_eq!(deferred(), kept, "one past the limit is woken at once");
        flush_deferred_wakes();
    }
}
