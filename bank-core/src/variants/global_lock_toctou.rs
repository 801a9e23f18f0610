//! `global-lock-toctou`: the safe bank as the course published it.
//!
//! Lesson: check-then-act. Mechanism: one bank lock around debit, yield and credit, and the audit
//! takes it too; but the funds check reads the balance before the lock is taken (here: under a
//! short lock that is released before the transfer takes the lock again), so two transfers can
//! both pass the check on the same money. Expected verdict: the total is always conserved, in
//! every audit and at the end, but a balance can go negative (no overdraft breaks); no deadlock.
//! The course never notices this. Not linearizable: two transfers of the same money both report
//! done, and no serial order accepts the second (the sequential bank refuses it).

use super::shared_steps::yield_between_debit_and_credit;
use crate::bank::{
    AccountId, Bank, BankOptions, Money, OpenBank, OpenError, TransferError, check_funds,
    validate_initial, validate_request,
};
use crate::runtime::{Lock, Runtime};

/// The bank with the check outside its lock.
pub struct GlobalLockToctouBank<R: Runtime> {
    accounts: R::Mutex<Vec<Money>>,
    account_count: usize,
    options: BankOptions,
}

impl<R: Runtime> OpenBank for GlobalLockToctouBank<R> {
    fn open(initial: &[Money], options: BankOptions) -> Result<Self, OpenError> {
        validate_initial(initial)?;
        Ok(Self {
            accounts: R::Mutex::new(initial.to_vec()),
            account_count: initial.len(),
            options,
        })
    }
}

impl<R: Runtime> Bank for GlobalLockToctouBank<R> {
    fn account_count(&self) -> usize {
        self.account_count
    }

    fn transfer(&self, from: AccountId, to: AccountId, amount: Money) -> Result<(), TransferError> {
        validate_request(self.account_count, from, to, amount)?;
        // Check...
        let (from_balance, to_balance) = {
            let accounts = self.accounts.lock();
            (accounts[from], accounts[to])
        };
        check_funds(from, from_balance, to, to_balance, amount)?;
        // ...then act, after the lock was let go: the check may no longer be true. Wrapping
        // arithmetic keeps a racy overdraft from panicking; the checker sees it anyway.
        let mut accounts = self.accounts.lock();
        accounts[from] = accounts[from].wrapping_sub(amount);
        yield_between_debit_and_credit::<R>(self.options);
        accounts[to] = accounts[to].wrapping_add(amount);
        Ok(())
    }

    fn audit(&self) -> Vec<Money> {
        self.accounts.lock().clone()
    }
}
