//! `global-lock`: the safe bank, fixed.
//!
//! Lesson: one coarse lock makes every operation atomic. Mechanism: the funds check, debit, yield,
//! credit and the audit all run under one bank lock (the yield happens while holding it, as in the
//! lecture). Expected verdict: every invariant holds; it cannot deadlock (there is one lock).
//! Linearizable: each call does all its work under the one lock, so the moment it holds the lock
//! is its linearization point, and the calls' order of taking it is a serial order.

use super::shared_steps::move_money;
use crate::bank::{
    AccountId, Bank, BankOptions, Money, OpenBank, OpenError, TransferError, validate_initial,
    validate_request,
};
use crate::runtime::{Lock, Runtime};

/// The bank with one lock.
pub struct GlobalLockBank<R: Runtime> {
    // invariant: the total of `accounts` is the same whenever the lock is free.
    accounts: R::Mutex<Vec<Money>>,
    account_count: usize,
    options: BankOptions,
}

impl<R: Runtime> OpenBank for GlobalLockBank<R> {
    fn open(initial: &[Money], options: BankOptions) -> Result<Self, OpenError> {
        validate_initial(initial)?;
        Ok(Self {
            accounts: R::Mutex::new(initial.to_vec()),
            account_count: initial.len(),
            options,
        })
    }
}

impl<R: Runtime> Bank for GlobalLockBank<R> {
    fn account_count(&self) -> usize {
        self.account_count
    }

    fn transfer(&self, from: AccountId, to: AccountId, amount: Money) -> Result<(), TransferError> {
        validate_request(self.account_count, from, to, amount)?;
        let mut accounts = self.accounts.lock();
        let [from_balance, to_balance] = accounts
            .get_disjoint_mut([from, to])
            .expect("validated: distinct, in range");
        move_money::<R>((from, to, amount), from_balance, to_balance, self.options)
    }

    fn audit(&self) -> Vec<Money> {
        self.accounts.lock().clone()
    }
}
