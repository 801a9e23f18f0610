//! The bank variants the course walks through, and a few beyond it. One file each; each file's
//! doc says its lesson, its mechanism and its expected verdict (the catalog holds the verdicts).
//!
//! - [`unsafe_bank`] (`unsafe`): no locking at all; the lecture's unsafe bank.
//! - [`missed_audit_lock`] (`missed-audit-lock`): transfers locked, the audit not.
//! - [`global_lock_toctou`] (`global-lock-toctou`): one lock, funds checked before taking it.
//! - [`global_lock`] (`global-lock`): everything under one lock.
//! - [`nested_locks`] (`nested-locks`): per-account locks taken from-account first; deadlocks.
//! - [`unordered_audit`] (`unordered-audit`): ordered transfers, audit in another order; deadlocks.
//! - [`ordered_locks`] (`ordered-locks`): per-account locks in one global order everywhere.
//! - [`atomic`] (`atomic`): per-account atomics; audits see money in flight.
//! - [`two_level`] (`two-level`): a read/write gate over ordered account locks.
//! - [`actor`] (`actor`): one owner thread applies every request from a channel.
//! - [`busy_refuses`] (`busy-refuses`): a transfer that finds a lock busy says "insufficient funds".
//! - [`balancing_audit`] (`balancing-audit`): the audit rereads accounts until the sum is right.

pub mod actor;
pub mod atomic;
pub mod balancing_audit;
pub mod busy_refuses;
pub mod global_lock;
pub mod global_lock_toctou;
pub mod missed_audit_lock;
pub mod nested_locks;
pub mod ordered_locks;
pub mod two_level;
pub mod unordered_audit;
pub mod unsafe_bank;

use crate::bank::{AccountId, BankOptions, Money, TransferError, check_funds};
use crate::runtime::{Lock, Runtime};

/// The guard a runtime's mutex around one balance hands out.
type BalanceGuard<'a, R> = <<R as Runtime>::Mutex<Money> as Lock<Money>>::Guard<'a>;

/// The lecture's `sleep(0)` between debit and credit: gives other threads the chance to see the
/// bank mid-transfer. Every variant calls it at that point.
pub(crate) fn yield_between_debit_and_credit<R: Runtime>(options: BankOptions) {
    if options.yield_between_debit_and_credit {
        R::yield_now();
    }
}

/// The body of a transfer once the variant holds whatever its design says protects both balances:
/// the funds check, the debit, the lesson's yield, the credit.
pub(crate) fn move_money<R: Runtime>(
    (from, to, amount): (AccountId, AccountId, Money),
    from_balance: &mut Money,
    to_balance: &mut Money,
    options: BankOptions,
) -> Result<(), TransferError> {
    check_funds(from, *from_balance, to, *to_balance, amount)?;
    *from_balance -= amount;
    yield_between_debit_and_credit::<R>(options);
    *to_balance += amount;
    Ok(())
}

/// Locks the two accounts in ascending index order (the global lock order) and returns the guards
/// as (from, to).
pub(crate) fn lock_pair_in_index_order<R: Runtime>(
    accounts: &[R::Mutex<Money>],
    from: AccountId,
    to: AccountId,
) -> (BalanceGuard<'_, R>, BalanceGuard<'_, R>) {
    if from < to {
        let from_guard = accounts[from].lock();
        (from_guard, accounts[to].lock())
    } else {
        let to_guard = accounts[to].lock();
        (accounts[from].lock(), to_guard)
    }
}

/// Locks every account in ascending index order, reads all balances, then releases them all.
pub(crate) fn lock_all_in_index_order<R: Runtime>(accounts: &[R::Mutex<Money>]) -> Vec<Money> {
    let guards: Vec<_> = accounts.iter().map(Lock::lock).collect();
    guards.iter().map(|guard| **guard).collect()
}
