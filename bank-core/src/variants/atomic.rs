//! `atomic`: beyond the course; lock-free accounts.
//!
//! Lesson: making each account's updates atomic is not the same as making a transfer atomic.
//! Mechanism: one atomic cell per account; the withdrawal is a compare-and-swap loop that checks
//! funds and debits in one step (so no account is ever overdrawn), then the yield, then the
//! deposit as a compare-and-swap loop with overflow checked. The audit reads each cell atomically,
//! but not all cells at one instant. Expected verdict: an audit can see money in flight between
//! withdrawal and deposit (snapshot conservation breaks); the final total is always right, no
//! account goes negative, and there is nothing to deadlock on. Not linearizable: an audit that
//! sees the withdrawal but not the deposit returns a state no serial order passes through.

use super::shared_steps::yield_between_debit_and_credit;
use crate::bank::{
    AccountId, Bank, BankOptions, Money, OpenBank, OpenError, TransferError, check_funds,
    validate_initial, validate_request,
};
use crate::runtime::{AtomicMoney, Runtime};

/// The bank of atomic accounts.
pub struct AtomicBank<R: Runtime> {
    balances: Vec<R::AtomicMoney>,
    options: BankOptions,
}

impl<R: Runtime> AtomicBank<R> {
    /// Applies `update` to the cell with a compare-and-swap loop; `update` may refuse.
    fn update(
        cell: &R::AtomicMoney,
        update: impl Fn(Money) -> Result<Money, TransferError>,
    ) -> Result<(), TransferError> {
        let mut seen = cell.load();
        loop {
            let new = update(seen)?;
            match cell.compare_exchange(seen, new) {
                Ok(_) => return Ok(()),
                Err(now) => seen = now,
            }
        }
    }
}

impl<R: Runtime> OpenBank for AtomicBank<R> {
    fn open(initial: &[Money], options: BankOptions) -> Result<Self, OpenError> {
        validate_initial(initial)?;
        Ok(Self {
            balances: initial.iter().map(|&b| R::AtomicMoney::new(b)).collect(),
            options,
        })
    }
}

impl<R: Runtime> Bank for AtomicBank<R> {
    fn account_count(&self) -> usize {
        self.balances.len()
    }

    fn transfer(&self, from: AccountId, to: AccountId, amount: Money) -> Result<(), TransferError> {
        validate_request(self.balances.len(), from, to, amount)?;
        // Check funds and overflow up front, in the model's order, so that one thread alone sees
        // the same errors as the sequential model. Both are checked again below, atomically,
        // because another thread may change either balance in between.
        check_funds(
            from,
            self.balances[from].load(),
            to,
            self.balances[to].load(),
            amount,
        )?;
        Self::update(&self.balances[from], |balance| {
            if balance < amount {
                Err(TransferError::InsufficientFunds {
                    account: from,
                    amount,
                })
            } else {
                Ok(balance - amount)
            }
        })?;
        yield_between_debit_and_credit::<R>(self.options);
        let deposited = Self::update(&self.balances[to], |balance| {
            balance
                .checked_add(amount)
                .ok_or(TransferError::Overflow { account: to })
        });
        if deposited.is_err() {
            // Give the withdrawal back: the money left `from` and must not vanish.
            Self::update(&self.balances[from], |balance| {
                Ok(balance.wrapping_add(amount))
            })?;
        }
        deposited
    }

    fn audit(&self) -> Vec<Money> {
        self.balances.iter().map(AtomicMoney::load).collect()
    }
}
