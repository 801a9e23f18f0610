//! `missed-audit-lock`: the lecture's "a missed lock".
//!
//! Lesson: a lock protects only the code that takes it. Mechanism: one bank lock around each
//! whole transfer (check, debit, yield, credit), but the audit reads the balances without it.
//! Expected verdict: audits see a transfer half done (snapshot conservation breaks); transfers
//! are serialised, so the final total is right and no account is overdrawn; no deadlock. Not
//! linearizable: the half-done state the audit returns is no state of any serial order.

use super::shared_steps::yield_between_debit_and_credit;
use crate::bank::{
    AccountId, Bank, BankOptions, Money, OpenBank, OpenError, TransferError, check_funds,
    validate_initial, validate_request,
};
use crate::runtime::{AtomicMoney, Lock, Runtime};

/// The bank whose audit forgot the lock.
pub struct MissedAuditLockBank<R: Runtime> {
    // invariant: every write to `balances` happens while `transfer_lock` is held.
    transfer_lock: R::Mutex<()>,
    balances: Vec<R::AtomicMoney>,
    options: BankOptions,
}

impl<R: Runtime> OpenBank for MissedAuditLockBank<R> {
    fn open(initial: &[Money], options: BankOptions) -> Result<Self, OpenError> {
        validate_initial(initial)?;
        Ok(Self {
            transfer_lock: R::Mutex::new(()),
            balances: initial.iter().map(|&b| R::AtomicMoney::new(b)).collect(),
            options,
        })
    }
}

impl<R: Runtime> Bank for MissedAuditLockBank<R> {
    fn account_count(&self) -> usize {
        self.balances.len()
    }

    fn transfer(&self, from: AccountId, to: AccountId, amount: Money) -> Result<(), TransferError> {
        validate_request(self.balances.len(), from, to, amount)?;
        let _held = self.transfer_lock.lock();
        let (from_balance, to_balance) = (self.balances[from].load(), self.balances[to].load());
        check_funds(from, from_balance, to, to_balance, amount)?;
        self.balances[from].store(from_balance - amount);
        yield_between_debit_and_credit::<R>(self.options);
        self.balances[to].store(to_balance + amount);
        Ok(())
    }

    fn audit(&self) -> Vec<Money> {
        // The missed lock: this should take `transfer_lock` and does not.
        self.balances.iter().map(AtomicMoney::load).collect()
    }

    fn balances(&self) -> Vec<Money> {
        let _held = self.transfer_lock.lock();
        self.balances.iter().map(AtomicMoney::load).collect()
    }
}
