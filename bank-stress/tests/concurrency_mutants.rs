//! Hand-written concurrency mutants: the bugs that matter most, each a small test-only bank
//! written against bank-core's public abstraction, which the checker must flag with the right
//! invariant. cargo-mutants can delete a line or flip an operator; it cannot release a lock early
//! or reverse a lock order for some pairs only. These can.

use bank_core::bank::{check_funds, validate_request};
use bank_core::runtime::{AtomicMoney, Lock, Runtime};
use bank_core::{
    AccountId, Bank, Invariant, Money, ShuttleThreads, TransferError, Verdict, Workload,
};
use bank_stress::checker::{Budget, CheckReport, check};
use bank_stress::workloads::{default_workload, dfs_proof_workloads};

/// Explores the default workload and the DFS proof bounds, with the portfolio.
fn explore<B: Bank + 'static>(open: fn(&[Money]) -> B) -> Vec<CheckReport> {
    let mut workloads: Vec<Workload> = vec![default_workload()];
    workloads.extend(
        dfs_proof_workloads()
            .into_iter()
            .map(|(_, workload)| workload),
    );
    workloads
        .iter()
        .map(|workload| check(open, workload, &Budget::portfolio(2_000, 11)).unwrap())
        .collect()
}

fn flagged(reports: &[CheckReport], invariant: Invariant) -> bool {
    reports
        .iter()
        .any(|report| report.observed.get(invariant) == Verdict::Breaks)
}

fn accounts<R: Runtime>(balances: &[Money]) -> Vec<R::Mutex<Money>> {
    balances
        .iter()
        .map(|&balance| R::Mutex::new(balance))
        .collect()
}

// --- A lock released between debit and credit ------------------------------------------------

/// The global-lock bank, but the transfer lets go of the lock around the yield.
struct LockReleasedMidTransfer<R: Runtime>(R::Mutex<Vec<Money>>);

impl<R: Runtime> Bank for LockReleasedMidTransfer<R> {
    fn account_count(&self) -> usize {
        self.0.lock().len()
    }
    fn transfer(&self, from: AccountId, to: AccountId, amount: Money) -> Result<(), TransferError> {
        validate_request(self.account_count(), from, to, amount)?;
        {
            let mut balances = self.0.lock();
            check_funds(from, balances[from], to, balances[to], amount)?;
            balances[from] -= amount;
        }
        R::yield_now();
        self.0.lock()[to] += amount;
        Ok(())
    }
    fn audit(&self) -> Vec<Money> {
        self.0.lock().clone()
    }
}

#[test]
fn a_lock_released_between_debit_and_credit_is_flagged_as_money_in_flight() {
    let reports = explore(|balances| {
        LockReleasedMidTransfer::<ShuttleThreads>(ShuttleThreads::new_mutex(balances.to_vec()))
    });
    assert!(flagged(&reports, Invariant::SnapshotConservation));
    assert!(
        !flagged(&reports, Invariant::FinalConservation)
            && !flagged(&reports, Invariant::DeadlockFree)
    );
}

// --- Lock order reversed for some pairs only ---------------------------------------------------

/// The ordered-locks bank, except that transfers between accounts 0 and 1 lock the higher index
/// first.
struct OrderReversedForOnePair<R: Runtime>(Vec<R::Mutex<Money>>);

impl<R: Runtime> Bank for OrderReversedForOnePair<R> {
    fn account_count(&self) -> usize {
        self.0.len()
    }
    fn transfer(&self, from: AccountId, to: AccountId, amount: Money) -> Result<(), TransferError> {
        validate_request(self.0.len(), from, to, amount)?;
        let (low, high) = (from.min(to), from.max(to));
        let (mut first, mut second) = if (low, high) == (0, 1) {
            let high_guard = self.0[high].lock();
            (self.0[low].lock(), high_guard)
        } else {
            let low_guard = self.0[low].lock();
            (low_guard, self.0[high].lock())
        };
        let (from_balance, to_balance) = if from == low {
            (&mut *first, &mut *second)
        } else {
            (&mut *second, &mut *first)
        };
        check_funds(from, *from_balance, to, *to_balance, amount)?;
        *from_balance -= amount;
        R::yield_now();
        *to_balance += amount;
        Ok(())
    }
    fn audit(&self) -> Vec<Money> {
        let guards: Vec<_> = self.0.iter().map(|lock| lock.lock()).collect();
        guards.iter().map(|guard| **guard).collect()
    }
}

#[test]
fn a_lock_order_reversed_for_one_pair_is_flagged_as_a_deadlock() {
    let reports = explore(|balances| {
        OrderReversedForOnePair::<ShuttleThreads>(accounts::<ShuttleThreads>(balances))
    });
    assert!(flagged(&reports, Invariant::DeadlockFree));
}

// --- An audit that skips busy accounts ---------------------------------------------------------

/// The ordered-locks bank, but the audit uses `try_lock` and counts a busy account as empty.
struct AuditSkipsBusyAccounts<R: Runtime>(Vec<R::Mutex<Money>>);

impl<R: Runtime> Bank for AuditSkipsBusyAccounts<R> {
    fn account_count(&self) -> usize {
        self.0.len()
    }
    fn transfer(&self, from: AccountId, to: AccountId, amount: Money) -> Result<(), TransferError> {
        validate_request(self.0.len(), from, to, amount)?;
        let (low, high) = (from.min(to), from.max(to));
        let mut low_guard = self.0[low].lock();
        let mut high_guard = self.0[high].lock();
        let (from_balance, to_balance) = if from == low {
            (&mut *low_guard, &mut *high_guard)
        } else {
            (&mut *high_guard, &mut *low_guard)
        };
        check_funds(from, *from_balance, to, *to_balance, amount)?;
        *from_balance -= amount;
        R::yield_now();
        *to_balance += amount;
        Ok(())
    }
    fn audit(&self) -> Vec<Money> {
        let guards: Vec<_> = self.0.iter().map(|lock| lock.try_lock()).collect();
        guards
            .iter()
            .map(|guard| guard.as_ref().map_or(0, |balance| **balance))
            .collect()
    }
    fn balances(&self) -> Vec<Money> {
        let guards: Vec<_> = self.0.iter().map(|lock| lock.lock()).collect();
        guards.iter().map(|guard| **guard).collect()
    }
}

#[test]
fn an_audit_that_skips_busy_accounts_is_flagged_as_a_wrong_snapshot() {
    let reports = explore(|balances| {
        AuditSkipsBusyAccounts::<ShuttleThreads>(accounts::<ShuttleThreads>(balances))
    });
    assert!(flagged(&reports, Invariant::SnapshotConservation));
    assert!(
        !flagged(&reports, Invariant::DeadlockFree),
        "try_lock cannot deadlock"
    );
}

// --- Check-then-act moved outside the lock -----------------------------------------------------

/// The global-lock bank with the funds check done under a separate, earlier lock.
struct CheckOutsideTheLock<R: Runtime>(R::Mutex<Vec<Money>>);

impl<R: Runtime> Bank for CheckOutsideTheLock<R> {
    fn account_count(&self) -> usize {
        self.0.lock().len()
    }
    fn transfer(&self, from: AccountId, to: AccountId, amount: Money) -> Result<(), TransferError> {
        validate_request(self.account_count(), from, to, amount)?;
        let (from_balance, to_balance) = {
            let balances = self.0.lock();
            (balances[from], balances[to])
        };
        check_funds(from, from_balance, to, to_balance, amount)?;
        let mut balances = self.0.lock();
        balances[from] -= amount;
        R::yield_now();
        balances[to] += amount;
        Ok(())
    }
    fn audit(&self) -> Vec<Money> {
        self.0.lock().clone()
    }
}

#[test]
fn a_check_moved_outside_the_lock_is_flagged_as_an_overdraft() {
    let reports = explore(|balances| {
        CheckOutsideTheLock::<ShuttleThreads>(ShuttleThreads::new_mutex(balances.to_vec()))
    });
    assert!(flagged(&reports, Invariant::NoOverdraft));
    assert!(
        !flagged(&reports, Invariant::SnapshotConservation)
            && !flagged(&reports, Invariant::FinalConservation)
    );
}

// --- A load and a store in place of an atomic read-modify-write --------------------------------

/// The atomic bank with its compare-and-swap loops replaced by a load and a store.
struct LoadStoreInsteadOfCas<R: Runtime>(Vec<R::AtomicMoney>);

impl<R: Runtime> Bank for LoadStoreInsteadOfCas<R> {
    fn account_count(&self) -> usize {
        self.0.len()
    }
    fn transfer(&self, from: AccountId, to: AccountId, amount: Money) -> Result<(), TransferError> {
        validate_request(self.0.len(), from, to, amount)?;
        let seen = self.0[from].load();
        check_funds(from, seen, to, self.0[to].load(), amount)?;
        self.0[from].store(seen - amount);
        R::yield_now();
        let seen = self.0[to].load();
        self.0[to].store(seen + amount);
        Ok(())
    }
    fn audit(&self) -> Vec<Money> {
        self.0.iter().map(AtomicMoney::load).collect()
    }
}

#[test]
fn a_load_and_store_in_place_of_compare_and_swap_is_flagged_as_lost_money() {
    let reports = explore(|balances| {
        LoadStoreInsteadOfCas::<ShuttleThreads>(
            balances
                .iter()
                .map(|&b| <ShuttleThreads as Runtime>::AtomicMoney::new(b))
                .collect(),
        )
    });
    assert!(
        flagged(&reports, Invariant::FinalConservation),
        "two racing read-modify-writes lose an update"
    );
    // Its debit stores `seen - amount` from the very load its funds check used, so it can lose or
    // invent money but never store a negative balance: the checker must not claim an overdraft.
    assert!(!flagged(&reports, Invariant::NoOverdraft));
}

/// A small helper so the openers above stay one line.
trait NewMutex {
    fn new_mutex(balances: Vec<Money>) -> <ShuttleThreads as Runtime>::Mutex<Vec<Money>>;
}

impl NewMutex for ShuttleThreads {
    fn new_mutex(balances: Vec<Money>) -> <ShuttleThreads as Runtime>::Mutex<Vec<Money>> {
        <ShuttleThreads as Runtime>::Mutex::new(balances)
    }
}
