//! The sequential reference model: what a bank means when only one thread uses it.
//!
//! Every variant, driven from a single thread, must agree with this model on every result,
//! balance and error (the state-machine tests in `tests/sequential_model.rs` check it). The
//! `actor` variant's owner thread applies requests with the same rules.

use crate::bank::{
    AccountId, Money, OpenError, TransferError, check_funds, validate_initial, validate_request,
};

/// A single-threaded bank: a plain vector of balances.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SequentialBank {
    // invariant: every balance is non-negative, and their total never changes.
    balances: Vec<Money>,
}

impl SequentialBank {
    /// Opens a model bank with these balances.
    pub fn open(initial: &[Money]) -> Result<Self, OpenError> {
        validate_initial(initial)?;
        Ok(Self {
            balances: initial.to_vec(),
        })
    }

    /// Applies one transfer, or refuses it and changes nothing.
    pub fn transfer(
        &mut self,
        from: AccountId,
        to: AccountId,
        amount: Money,
    ) -> Result<(), TransferError> {
        validate_request(self.balances.len(), from, to, amount)?;
        check_funds(from, self.balances[from], to, self.balances[to], amount)?;
        self.balances[from] -= amount;
        self.balances[to] += amount;
        Ok(())
    }

    /// The balances.
    pub fn balances(&self) -> &[Money] {
        &self.balances
    }
}
