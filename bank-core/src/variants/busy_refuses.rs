//! `busy-refuses`: per-account locks where a transfer that finds its destination busy gives up
//! and reports insufficient funds.
//!
//! Lesson: a refusal is a result too. A transfer that backs off from a busy lock (to avoid the
//! deadlock of `nested-locks`) and blames the balance refuses transfers that any serial order
//! would accept; totals and balances never show it. Mechanism: one lock per account; a transfer
//! locks its source account, then only *tries* the destination's lock; if that is held, it
//! releases the source and returns `InsufficientFunds` although the money is there. The audit
//! locks every account in index order.
//! Expected verdict: the four totals-and-balances invariants hold: money moves only under both
//! locks, and no wait cycle can form (a transfer never waits while holding a lock: it waits only
//! for its source, holding nothing, and only tries the destination; audits all lock in index
//! order). `linearizable` breaks: with 0→1 and 1→0 racing
//! over two funded accounts, each locks its source and finds the other's busy, and a refusal for
//! insufficient funds is impossible in every serial order (both sources hold enough throughout).

use super::shared_steps::{lock_all_in_index_order, move_money};
use crate::bank::{
    AccountId, Bank, BankOptions, Money, OpenBank, OpenError, TransferError, validate_initial,
    validate_request,
};
use crate::runtime::{Lock, Runtime};

/// The bank whose transfers back off from a busy destination and blame the balance.
pub struct BusyRefusesBank<R: Runtime> {
    // invariant: a transfer holds at most its source lock while it only tries the destination's.
    accounts: Vec<R::Mutex<Money>>,
    options: BankOptions,
}

impl<R: Runtime> OpenBank for BusyRefusesBank<R> {
    fn open(initial: &[Money], options: BankOptions) -> Result<Self, OpenError> {
        validate_initial(initial)?;
        Ok(Self {
            accounts: initial.iter().map(|&b| R::Mutex::new(b)).collect(),
            options,
        })
    }
}

impl<R: Runtime> Bank for BusyRefusesBank<R> {
    fn account_count(&self) -> usize {
        self.accounts.len()
    }

    fn transfer(&self, from: AccountId, to: AccountId, amount: Money) -> Result<(), TransferError> {
        validate_request(self.accounts.len(), from, to, amount)?;
        let mut from_balance = self.accounts[from].lock();
        let Some(mut to_balance) = self.accounts[to].try_lock() else {
            // The bug: the destination is busy, not the source short of money.
            return Err(TransferError::InsufficientFunds {
                account: from,
                amount,
            });
        };
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
