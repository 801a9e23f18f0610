//! Banks the catalog does not know, checked the way a user would: through the public API only
//! (`check`, `check_workloads`, `default_exploration`, `generated_workloads`).
//!
//! - Correct banks whose threads retry with a yield (a try-lock spin, a two-lock bank that backs
//!   off, an optimistic reader that re-reads until its snapshot is stable) must get no flag under
//!   any strategy: exhaustive search is fair (a thread that yields gives way), so a spinning
//!   waiter cannot starve the lock holder into a false "deadlock".
//! - Broken banks with bugs the old generators could not reach (a code path only for amounts of
//!   4 or more; a bug that needs three accounts; one that needs two transfers in flight at once)
//!   must each be flagged with the right invariant by the default exploration alone.

use bank_core::bank::{check_funds, validate_request};
use bank_core::runtime::{AtomicMoney, Lock, Runtime};
use bank_core::{AccountId, Bank, Invariant, Money, ShuttleThreads, TransferError};
use bank_stress::checker::{Budget, CheckReport, Shown, Strategy, check, check_workloads};
use bank_stress::workloads::{default_exploration, default_workload, generated_workloads};

type Shuttle = ShuttleThreads;

// ---------------------------------------------------------------------------------------------
// Correct banks that retry with a yield.

/// One bank lock, taken by spinning: `try_lock`, and on failure `yield_now` and try again.
struct SpinLockBank<R: Runtime> {
    accounts: R::Mutex<Vec<Money>>,
}

impl<R: Runtime> SpinLockBank<R> {
    fn open(balances: &[Money]) -> Self {
        Self {
            accounts: R::Mutex::new(balances.to_vec()),
        }
    }

    fn locked(&self) -> <R::Mutex<Vec<Money>> as Lock<Vec<Money>>>::Guard<'_> {
        loop {
            if let Some(guard) = self.accounts.try_lock() {
                return guard;
            }
            R::yield_now();
        }
    }
}

impl<R: Runtime> Bank for SpinLockBank<R> {
    fn account_count(&self) -> usize {
        self.locked().len()
    }
    fn transfer(&self, from: AccountId, to: AccountId, amount: Money) -> Result<(), TransferError> {
        let mut accounts = self.locked();
        validate_request(accounts.len(), from, to, amount)?;
        check_funds(from, accounts[from], to, accounts[to], amount)?;
        accounts[from] -= amount;
        R::yield_now();
        accounts[to] += amount;
        Ok(())
    }
    fn audit(&self) -> Vec<Money> {
        self.locked().clone()
    }
    fn balances(&self) -> Vec<Money> {
        self.audit()
    }
}

/// A lock per account. A transfer takes the from-account's lock, then *tries* the to-account's;
/// if that is busy it lets go of both, yields, and starts again (no lock order, no deadlock).
/// The audit takes every lock in index order, each by the same try-and-back-off.
struct BackOffBank<R: Runtime> {
    accounts: Vec<R::Mutex<Money>>,
}

impl<R: Runtime> BackOffBank<R> {
    fn open(balances: &[Money]) -> Self {
        Self {
            accounts: balances.iter().map(|&b| R::Mutex::new(b)).collect(),
        }
    }
}

impl<R: Runtime> Bank for BackOffBank<R> {
    fn account_count(&self) -> usize {
        self.accounts.len()
    }
    fn transfer(&self, from: AccountId, to: AccountId, amount: Money) -> Result<(), TransferError> {
        validate_request(self.accounts.len(), from, to, amount)?;
        loop {
            let mut from_guard = self.accounts[from].lock();
            let Some(mut to_guard) = self.accounts[to].try_lock() else {
                drop(from_guard);
                R::yield_now();
                continue;
            };
            check_funds(from, *from_guard, to, *to_guard, amount)?;
            *from_guard -= amount;
            R::yield_now();
            *to_guard += amount;
            return Ok(());
        }
    }
    fn audit(&self) -> Vec<Money> {
        'again: loop {
            let mut guards = Vec::new();
            for account in &self.accounts {
                let Some(guard) = account.try_lock() else {
                    drop(guards);
                    R::yield_now();
                    continue 'again;
                };
                guards.push(guard);
            }
            return guards.iter().map(|guard| **guard).collect();
        }
    }
    fn balances(&self) -> Vec<Money> {
        self.audit()
    }
}

/// Writers serialise on one lock and bump a version around every change (odd while writing);
/// the audit takes no lock: it reads the version, the balances, and the version again, and
/// re-reads (after a yield) until it saw an even, unchanged version: a sequence lock.
struct SeqLockBank<R: Runtime> {
    writer: R::Mutex<()>,
    version: R::AtomicMoney,
    balances: Vec<R::AtomicMoney>,
}

impl<R: Runtime> SeqLockBank<R> {
    fn open(balances: &[Money]) -> Self {
        Self {
            writer: R::Mutex::new(()),
            version: R::AtomicMoney::new(0),
            balances: balances.iter().map(|&b| R::AtomicMoney::new(b)).collect(),
        }
    }
}

impl<R: Runtime> Bank for SeqLockBank<R> {
    fn account_count(&self) -> usize {
        self.balances.len()
    }
    fn transfer(&self, from: AccountId, to: AccountId, amount: Money) -> Result<(), TransferError> {
        validate_request(self.balances.len(), from, to, amount)?;
        let _writer = self.writer.lock();
        let (from_balance, to_balance) = (self.balances[from].load(), self.balances[to].load());
        check_funds(from, from_balance, to, to_balance, amount)?;
        self.version.store(self.version.load() + 1);
        self.balances[from].store(from_balance - amount);
        R::yield_now();
        self.balances[to].store(to_balance + amount);
        self.version.store(self.version.load() + 1);
        Ok(())
    }
    fn audit(&self) -> Vec<Money> {
        loop {
            let before = self.version.load();
            if before % 2 == 0 {
                let seen: Vec<Money> = self.balances.iter().map(AtomicMoney::load).collect();
                if self.version.load() == before {
                    return seen;
                }
            }
            R::yield_now();
        }
    }
    fn balances(&self) -> Vec<Money> {
        self.balances.iter().map(AtomicMoney::load).collect()
    }
}

// ---------------------------------------------------------------------------------------------
// Broken banks whose bugs need what the old generators never produced.

/// Correct under one lock, except for an "express lane" for large transfers (4 or more), which
/// skips the lock: its debit is a load and a store with a yield in between.
struct ExpressLaneBank<R: Runtime> {
    lock: R::Mutex<()>,
    balances: Vec<R::AtomicMoney>,
}

impl<R: Runtime> ExpressLaneBank<R> {
    fn open(balances: &[Money]) -> Self {
        Self {
            lock: R::Mutex::new(()),
            balances: balances.iter().map(|&b| R::AtomicMoney::new(b)).collect(),
        }
    }

    fn apply(&self, from: AccountId, to: AccountId, amount: Money) -> Result<(), TransferError> {
        let from_balance = self.balances[from].load();
        check_funds(from, from_balance, to, self.balances[to].load(), amount)?;
        self.balances[from].store(from_balance - amount);
        R::yield_now();
        self.balances[to].store(self.balances[to].load() + amount);
        Ok(())
    }
}

impl<R: Runtime> Bank for ExpressLaneBank<R> {
    fn account_count(&self) -> usize {
        self.balances.len()
    }
    fn transfer(&self, from: AccountId, to: AccountId, amount: Money) -> Result<(), TransferError> {
        validate_request(self.balances.len(), from, to, amount)?;
        if amount >= 4 {
            return self.apply(from, to, amount);
        }
        let _lock = self.lock.lock();
        self.apply(from, to, amount)
    }
    fn audit(&self) -> Vec<Money> {
        let _lock = self.lock.lock();
        self.balances.iter().map(AtomicMoney::load).collect()
    }
    fn balances(&self) -> Vec<Money> {
        self.balances.iter().map(AtomicMoney::load).collect()
    }
}

/// Two locks by account "kind": accounts 0 and 1 are checking accounts under one lock; the rest
/// are savings, and any transfer that touches a savings account takes only the savings lock.
/// With two accounts it is the global-lock bank; a third account lets a checking-to-checking
/// transfer and a checking-to-savings transfer change the same checking account at once.
struct TwoKindsBank<R: Runtime> {
    checking: R::Mutex<()>,
    savings: R::Mutex<()>,
    balances: Vec<R::AtomicMoney>,
}

impl<R: Runtime> TwoKindsBank<R> {
    fn open(balances: &[Money]) -> Self {
        Self {
            checking: R::Mutex::new(()),
            savings: R::Mutex::new(()),
            balances: balances.iter().map(|&b| R::AtomicMoney::new(b)).collect(),
        }
    }
}

impl<R: Runtime> Bank for TwoKindsBank<R> {
    fn account_count(&self) -> usize {
        self.balances.len()
    }
    fn transfer(&self, from: AccountId, to: AccountId, amount: Money) -> Result<(), TransferError> {
        validate_request(self.balances.len(), from, to, amount)?;
        let _lock = if from >= 2 || to >= 2 {
            self.savings.lock()
        } else {
            self.checking.lock()
        };
        let from_balance = self.balances[from].load();
        check_funds(from, from_balance, to, self.balances[to].load(), amount)?;
        self.balances[from].store(from_balance - amount);
        R::yield_now();
        self.balances[to].store(self.balances[to].load() + amount);
        Ok(())
    }
    fn audit(&self) -> Vec<Money> {
        let _checking = self.checking.lock();
        let _savings = self.savings.lock();
        self.balances.iter().map(AtomicMoney::load).collect()
    }
    fn balances(&self) -> Vec<Money> {
        self.balances.iter().map(AtomicMoney::load).collect()
    }
}

/// Transfers run without a lock; the audit takes a lock-free snapshot and corrects it for the
/// money in flight, which every transfer records in a single "pending" slot (to-account and
/// amount) for the time between its debit and its credit. One transfer in flight is corrected
/// exactly; a second one overwrites the slot, and the audit miscounts.
struct PendingSlotBank<R: Runtime> {
    gate: R::Mutex<()>,
    balances: Vec<R::AtomicMoney>,
    pending: R::AtomicMoney,
}

impl<R: Runtime> PendingSlotBank<R> {
    fn open(balances: &[Money]) -> Self {
        Self {
            gate: R::Mutex::new(()),
            balances: balances.iter().map(|&b| R::AtomicMoney::new(b)).collect(),
            pending: R::AtomicMoney::new(0),
        }
    }
}

impl<R: Runtime> Bank for PendingSlotBank<R> {
    fn account_count(&self) -> usize {
        self.balances.len()
    }
    fn transfer(&self, from: AccountId, to: AccountId, amount: Money) -> Result<(), TransferError> {
        validate_request(self.balances.len(), from, to, amount)?;
        // Each account is changed only by compare-and-swap, so no update is lost.
        loop {
            let from_balance = self.balances[from].load();
            check_funds(from, from_balance, to, self.balances[to].load(), amount)?;
            // Debit and mark in flight under the gate, so the audit sees both or neither.
            let gate = self.gate.lock();
            if self.balances[from]
                .compare_exchange(from_balance, from_balance - amount)
                .is_err()
            {
                drop(gate);
                continue;
            }
            self.pending.store(amount);
            drop(gate);
            break;
        }
        R::yield_now();
        let gate = self.gate.lock();
        let mut to_balance = self.balances[to].load();
        while let Err(seen) = self.balances[to].compare_exchange(to_balance, to_balance + amount) {
            to_balance = seen;
        }
        self.pending.store(0);
        drop(gate);
        Ok(())
    }
    fn audit(&self) -> Vec<Money> {
        let _gate = self.gate.lock();
        let mut seen: Vec<Money> = self.balances.iter().map(AtomicMoney::load).collect();
        // Count the money in flight back into the first account, so the total is right.
        seen[0] += self.pending.load();
        seen
    }
    fn balances(&self) -> Vec<Money> {
        self.balances.iter().map(AtomicMoney::load).collect()
    }
}

// ---------------------------------------------------------------------------------------------

fn no_flag(report: &CheckReport, what: &str) {
    assert!(
        report.counterexamples.is_empty() && report.livelock.is_none() && report.panic.is_none(),
        "{what}: a correct bank was flagged: {:#?}",
        report.findings().collect::<Vec<_>>()
    );
}

fn every_strategy() -> Vec<Strategy> {
    vec![
        Strategy::Random,
        Strategy::Pct { depth: 2 },
        Strategy::Pct { depth: 3 },
        Strategy::Dfs,
    ]
}

#[test]
fn correct_banks_that_retry_with_a_yield_get_no_flag_on_the_default_workload() {
    for strategy in every_strategy() {
        let budget = Budget::single(strategy, 2_000, 7);
        let name = strategy.name();
        no_flag(
            &check(SpinLockBank::<Shuttle>::open, &default_workload(), &budget).unwrap(),
            &format!("spin lock, {name}"),
        );
        no_flag(
            &check(BackOffBank::<Shuttle>::open, &default_workload(), &budget).unwrap(),
            &format!("back-off, {name}"),
        );
        no_flag(
            &check(SeqLockBank::<Shuttle>::open, &default_workload(), &budget).unwrap(),
            &format!("sequence lock, {name}"),
        );
    }
}

#[test]
fn a_spinning_waiter_under_dfs_is_proven_correct_not_called_a_deadlock() {
    // Small enough for DFS to finish: the proof, not just "nothing found".
    let workload = bank_core::Workload {
        balances: vec![1, 1],
        threads: vec![
            vec![bank_stress::workloads::transfer(0, 1, 1)],
            vec![bank_core::Op::Audit],
        ],
    };
    let report = check(
        SpinLockBank::<Shuttle>::open,
        &workload,
        &Budget::single(Strategy::Dfs, 100_000, 1),
    )
    .unwrap();
    no_flag(&report, "spin lock, DFS");
    assert!(
        matches!(
            report.shown(Invariant::DeadlockFree),
            Shown::Proven { workloads: 1, .. }
        ),
        "{:?}",
        report.shown(Invariant::DeadlockFree)
    );
}

#[test]
fn correct_banks_that_retry_with_a_yield_get_no_flag_on_256_generated_workloads() {
    let workloads = generated_workloads(256, *b"outsider banks: generated 256 w.");
    assert_eq!(workloads.len(), 256);
    let budget = Budget {
        strategies: every_strategy(),
        iterations: 60,
        seed: 11,
    };
    no_flag(
        &check_workloads(SpinLockBank::<Shuttle>::open, &workloads, &budget).unwrap(),
        "spin lock, generated",
    );
    no_flag(
        &check_workloads(BackOffBank::<Shuttle>::open, &workloads, &budget).unwrap(),
        "back-off, generated",
    );
    no_flag(
        &check_workloads(SeqLockBank::<Shuttle>::open, &workloads, &budget).unwrap(),
        "sequence lock, generated",
    );
}

/// The default exploration, as `cargo xtask explore` runs it for the catalog.
fn default_check<B: Bank + 'static>(
    open: impl Fn(&[Money]) -> B + Clone + Send + Sync + 'static,
) -> CheckReport {
    check_workloads(
        open,
        &default_exploration(),
        &Budget::portfolio(1_000, 0x0BAD_BA4C),
    )
    .unwrap()
}

#[test]
fn a_bug_only_on_large_amounts_is_found_by_the_default_exploration() {
    let report = default_check(ExpressLaneBank::<Shuttle>::open);
    assert!(
        report.breaks(Invariant::FinalConservation),
        "lost update on the express lane: {:?}",
        report.observed
    );
    let found = report.counterexample(Invariant::FinalConservation).unwrap();
    assert!(
        found
            .workload
            .threads
            .iter()
            .flatten()
            .any(|op| matches!(op, bank_core::Op::Transfer { amount, .. } if *amount >= 4)),
        "the counterexample uses the large-amount path: {:?}",
        found.workload
    );
    assert!(!report.breaks(Invariant::DeadlockFree));
}

#[test]
fn a_bug_that_needs_three_accounts_is_found_by_the_default_exploration() {
    let report = default_check(TwoKindsBank::<Shuttle>::open);
    assert!(
        report.breaks(Invariant::FinalConservation),
        "{:?}",
        report.observed
    );
    let found = report.counterexample(Invariant::FinalConservation).unwrap();
    assert!(found.workload.balances.len() >= 3, "{:?}", found.workload);
    // With two accounts it is a correct global-lock bank: DFS proves it on the default workload.
    let two = check(
        TwoKindsBank::<Shuttle>::open,
        &bank_core::Workload {
            balances: vec![1, 1],
            threads: vec![
                vec![bank_stress::workloads::transfer(0, 1, 1)],
                vec![bank_stress::workloads::transfer(1, 0, 1)],
            ],
        },
        &Budget::single(Strategy::Dfs, 100_000, 1),
    )
    .unwrap();
    assert!(two.counterexamples.is_empty(), "{:?}", two.counterexamples);
}

#[test]
fn a_bug_that_needs_two_transfers_in_flight_is_found_by_the_default_exploration() {
    let report = default_check(PendingSlotBank::<Shuttle>::open);
    assert!(
        report.breaks(Invariant::SnapshotConservation),
        "{:?}",
        report.observed
    );
    for invariant in [
        Invariant::FinalConservation,
        Invariant::NoOverdraft,
        Invariant::DeadlockFree,
    ] {
        assert!(!report.breaks(invariant), "{invariant}");
    }
}
