//! `two-level`: beyond the course; cheap audits without stopping every account lock in turn.
//!
//! Lesson: a reader-writer "gate" separates the two kinds of work. Mechanism: a transfer takes the
//! gate's shared (read) side, then its two account locks in ascending index order; the audit takes
//! the gate's exclusive (write) side, which waits until no transfer is in flight, then reads every
//! account. Expected verdict: every invariant holds, and it cannot deadlock (the gate is always
//! taken before any account lock, and account locks in one order). Linearizable: a transfer
//! works under the gate's read side and both account locks, the audit under the write side, so
//! an audit excludes every transfer and transfers on shared accounts exclude each other; each
//! call takes effect at one moment within it.

use super::shared_steps::{lock_all_in_index_order, lock_pair_in_index_order, move_money};
use crate::bank::{
    AccountId, Bank, BankOptions, Money, OpenBank, OpenError, TransferError, validate_initial,
    validate_request,
};
use crate::runtime::{Lock, ReadWriteLock, Runtime};

/// The bank with a gate over per-account locks.
pub struct TwoLevelBank<R: Runtime> {
    // invariant: taken before any account lock; its write side excludes every transfer.
    gate: R::RwLock<()>,
    // invariant: account locks are taken in ascending index order.
    accounts: Vec<R::Mutex<Money>>,
    options: BankOptions,
}

impl<R: Runtime> OpenBank for TwoLevelBank<R> {
    fn open(initial: &[Money], options: BankOptions) -> Result<Self, OpenError> {
        validate_initial(initial)?;
        Ok(Self {
            gate: R::RwLock::new(()),
            accounts: initial.iter().map(|&b| R::Mutex::new(b)).collect(),
            options,
        })
    }
}

impl<R: Runtime> Bank for TwoLevelBank<R> {
    fn account_count(&self) -> usize {
        self.accounts.len()
    }

    fn transfer(&self, from: AccountId, to: AccountId, amount: Money) -> Result<(), TransferError> {
        validate_request(self.accounts.len(), from, to, amount)?;
        let _shared = self.gate.read();
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
        let _exclusive = self.gate.write();
        // No transfer holds an account lock now, so these locks are free; they are still taken so
        // the reads are ordinary synchronised reads.
        lock_all_in_index_order::<R>(&self.accounts)
    }
}
