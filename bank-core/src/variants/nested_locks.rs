//! `nested-locks`: the lecture's first fine-grained attempt.
//!
//! Lesson: two locks taken in different orders by different threads deadlock. Mechanism: one
//! lock per account; a transfer takes the from-account's lock, then the to-account's. Transfers
//! A→B and B→A running together each hold one lock and wait forever for the other (the lecture's
//! program hangs at zero CPU). The audit takes every account lock in index order.
//! Expected verdict: every run that finishes conserves money and overdraws nothing, but a run can
//! deadlock (deadlock freedom breaks). Linearizable: a transfer checks and moves money while
//! holding both accounts' locks and the audit holds every lock, so each call takes effect at one
//! moment inside its interval (calls cut off by a deadlock have changed nothing anyone saw).

use super::shared_steps::{lock_all_in_index_order, move_money};
use crate::bank::{
    AccountId, Bank, BankOptions, Money, OpenBank, OpenError, TransferError, validate_initial,
    validate_request,
};
use crate::runtime::{Lock, Runtime};

/// The bank that locks from-account first.
pub struct NestedLocksBank<R: Runtime> {
    accounts: Vec<R::Mutex<Money>>,
    options: BankOptions,
}

impl<R: Runtime> OpenBank for NestedLocksBank<R> {
    fn open(initial: &[Money], options: BankOptions) -> Result<Self, OpenError> {
        validate_initial(initial)?;
        Ok(Self {
            accounts: initial.iter().map(|&b| R::Mutex::new(b)).collect(),
            options,
        })
    }
}

impl<R: Runtime> Bank for NestedLocksBank<R> {
    fn account_count(&self) -> usize {
        self.accounts.len()
    }

    fn transfer(&self, from: AccountId, to: AccountId, amount: Money) -> Result<(), TransferError> {
        validate_request(self.accounts.len(), from, to, amount)?;
        // Lock order: from-account, then to-account. No global order: this is the bug.
        let mut from_balance = self.accounts[from].lock();
        let mut to_balance = self.accounts[to].lock();
        move_money::<R>(
            (from, to, amount),
            &mut from_balance,
            &mut to_balance,
            self.options,
        )
    }

    fn audit(&self) -> Vec<Money> {
        lock_all_in_index_order::<R>(&self.accounts)
    }
}
