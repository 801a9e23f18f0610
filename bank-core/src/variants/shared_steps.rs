//! The steps the variants share, so that they differ only where their designs do: the body of a
//! transfer once its locks are held (`move_money`: the funds check, the debit, the lecture's
//! yield, the credit), that yield on its own, and taking account locks in the global order.

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
