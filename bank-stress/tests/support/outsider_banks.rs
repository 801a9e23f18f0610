//! Banks the catalog does not know, written against the public API only: correct ones whose
//! threads retry with a yield, and broken ones whose bugs need what small generators never
//! produce. Shared by `tests/outsider_banks.rs` (the verdicts) and
//! `examples/first_detection.rs` (how many schedules each strategy needs to find each bug).

#![allow(dead_code)]

use bank_core::bank::{check_funds, validate_request};
use bank_core::runtime::{AtomicMoney, Lock, Runtime};
use bank_core::{AccountId, Bank, Money, TransferError};

// ---------------------------------------------------------------------------------------------
// Correct banks that retry with a yield.

/// One bank lock, taken by spinning: `try_lock`, and on failure `yield_now` and try again.
pub struct SpinLockBank<R: Runtime> {
    accounts: R::Mutex<Vec<Money>>,
}

impl<R: Runtime> SpinLockBank<R> {
    pub fn open(balances: &[Money]) -> Self {
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
}

/// A lock per account. A transfer takes the from-account's lock, then *tries* the to-account's;
/// if that is busy it lets go of both, yields, and starts again (no lock order, no deadlock).
/// The audit takes every lock in index order, each by the same try-and-back-off.
pub struct BackOffBank<R: Runtime> {
    accounts: Vec<R::Mutex<Money>>,
}

impl<R: Runtime> BackOffBank<R> {
    pub fn open(balances: &[Money]) -> Self {
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
}

/// Writers serialise on one lock and bump a version around every change (odd while writing);
/// the audit takes no lock: it reads the version, the balances, and the version again, and
/// re-reads (after a yield) until it saw an even, unchanged version: a sequence lock.
pub struct SeqLockBank<R: Runtime> {
    writer: R::Mutex<()>,
    version: R::AtomicMoney,
    balances: Vec<R::AtomicMoney>,
}

impl<R: Runtime> SeqLockBank<R> {
    pub fn open(balances: &[Money]) -> Self {
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
pub struct ExpressLaneBank<R: Runtime> {
    lock: R::Mutex<()>,
    balances: Vec<R::AtomicMoney>,
}

impl<R: Runtime> ExpressLaneBank<R> {
    pub fn open(balances: &[Money]) -> Self {
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
pub struct TwoKindsBank<R: Runtime> {
    checking: R::Mutex<()>,
    savings: R::Mutex<()>,
    balances: Vec<R::AtomicMoney>,
}

impl<R: Runtime> TwoKindsBank<R> {
    pub fn open(balances: &[Money]) -> Self {
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
pub struct PendingSlotBank<R: Runtime> {
    gate: R::Mutex<()>,
    balances: Vec<R::AtomicMoney>,
    pending: R::AtomicMoney,
}

impl<R: Runtime> PendingSlotBank<R> {
    pub fn open(balances: &[Money]) -> Self {
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
