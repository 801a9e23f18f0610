//! `unordered-audit`: the course's first commit of the fine-grained bank.
//!
//! Lesson: a lock order must be global; one code path that disagrees is enough to deadlock.
//! Mechanism: transfers take both account locks in ascending index order (the fix for
//! `nested-locks`), but the audit takes every account lock in *descending* order (in the course:
//! list order against identity order). An audit holding account 1 and waiting for account 0
//! deadlocks with a transfer holding account 0 and waiting for account 1.
//! Expected verdict: every run that finishes conserves money and overdraws nothing; deadlock
//! freedom breaks. Linearizable: transfers and the audit each hold every lock they touch for the
//! whole of their work (two-phase locking), so each takes effect at one moment within its call.

use super::shared_steps::{lock_all_in_index_order, lock_pair_in_index_order, move_money};
use crate::bank::{
    AccountId, Bank, BankOptions, Money, OpenBank, OpenError, TransferError, validate_initial,
    validate_request,
};
use crate::runtime::{Lock, Runtime};

/// The bank whose audit takes the locks in the opposite order.
pub struct UnorderedAuditBank<R: Runtime> {
    accounts: Vec<R::Mutex<Money>>,
    options: BankOptions,
}

impl<R: Runtime> OpenBank for UnorderedAuditBank<R> {
    fn open(initial: &[Money], options: BankOptions) -> Result<Self, OpenError> {
        validate_initial(initial)?;
        Ok(Self {
            accounts: initial.iter().map(|&b| R::Mutex::new(b)).collect(),
            options,
        })
    }
}

impl<R: Runtime> Bank for UnorderedAuditBank<R> {
    fn account_count(&self) -> usize {
        self.accounts.len()
    }

    fn transfer(&self, from: AccountId, to: AccountId, amount: Money) -> Result<(), TransferError> {
        validate_request(self.accounts.len(), from, to, amount)?;
        // Lock order: ascending account index.
        let (mut from_balance, mut to_balance) =
            lock_pair_in_index_order::<R>(&self.accounts, from, to);
        move_money::<R>(
            (from, to, amount),
            &mut from_balance,
            &mut to_balance,
            self.options,
        )
    }

    fn audit(&self) -> Vec<Money> {
        // Lock order: descending account index, against the transfers' ascending order (the bug).
        let mut guards: Vec<_> = self.accounts.iter().rev().map(Lock::lock).collect();
        guards.reverse();
        guards.iter().map(|guard| **guard).collect()
    }

    fn balances(&self) -> Vec<Money> {
        lock_all_in_index_order::<R>(&self.accounts)
    }
}
