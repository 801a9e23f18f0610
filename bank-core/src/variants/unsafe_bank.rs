//! `unsafe`: the lecture's unsafe bank.
//!
//! Lesson: shared mutable state without synchronisation. Mechanism: no locks; the funds check,
//! then the debit as a separate load and store, the yield, then the credit as a separate load and
//! store. (Balances are atomics only so that the races are defined behaviour in Rust; every
//! read-modify-write is split into a load and a store, exactly as Python's `-=` is.)
//! Expected verdict: audits see money in flight (snapshot conservation breaks); two racing
//! debits can lose an update (final conservation breaks); two transfers can both pass the funds
//! check (no overdraft breaks); it cannot deadlock. Not linearizable: an audit mid-transfer
//! returns balances no serial order passes through, and a lost update leaves final balances no
//! serial order of the transfers (all reported done) produces.

use super::shared_steps::yield_between_debit_and_credit;
use crate::bank::{
    AccountId, Bank, BankOptions, Money, OpenBank, OpenError, TransferError, check_funds,
    validate_initial, validate_request,
};
use crate::runtime::{AtomicMoney, Runtime};

/// The unsafe bank.
pub struct UnsafeBank<R: Runtime> {
    balances: Vec<R::AtomicMoney>,
    options: BankOptions,
}

impl<R: Runtime> OpenBank for UnsafeBank<R> {
    fn open(initial: &[Money], options: BankOptions) -> Result<Self, OpenError> {
        validate_initial(initial)?;
        Ok(Self {
            balances: initial.iter().map(|&b| R::AtomicMoney::new(b)).collect(),
            options,
        })
    }
}

impl<R: Runtime> Bank for UnsafeBank<R> {
    fn account_count(&self) -> usize {
        self.balances.len()
    }

    fn transfer(&self, from: AccountId, to: AccountId, amount: Money) -> Result<(), TransferError> {
        validate_request(self.balances.len(), from, to, amount)?;
        check_funds(
            from,
            self.balances[from].load(),
            to,
            self.balances[to].load(),
            amount,
        )?;
        // The race: another thread may change either balance between each load and its store.
        // Wrapping arithmetic keeps a racy overdraft from panicking; the checker sees it anyway.
        let from_balance = self.balances[from].load();
        self.balances[from].store(from_balance.wrapping_sub(amount));
        yield_between_debit_and_credit::<R>(self.options);
        let to_balance = self.balances[to].load();
        self.balances[to].store(to_balance.wrapping_add(amount));
        Ok(())
    }

    fn audit(&self) -> Vec<Money> {
        self.balances.iter().map(AtomicMoney::load).collect()
    }
}
