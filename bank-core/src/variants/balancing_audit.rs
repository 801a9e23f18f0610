//! `balancing-audit`: ordered per-account locks, and an audit that reads one account at a time
//! and starts again until the books balance.
//!
//! Lesson: a total that balances is not a snapshot. Reading accounts one lock at a time sees each
//! at a different moment; retrying until the sum is right hides the symptom the lecture's audit
//! checks, not the bug: the audit can return balances that sum right but that the bank never
//! held. Mechanism: transfers lock both accounts in index order (as `ordered-locks`); the audit
//! locks account 0, reads it, releases it, then account 1, …, and if the sum differs from the
//! opening total it yields and reads them all again.
//! Expected verdict: the four totals-and-balances invariants hold: every audit it returns sums to
//! the total (it retries until so), every balance it returns was that account's balance at some
//! moment (never negative), transfers are those of `ordered-locks`, and the audit holds one lock
//! at a time (no deadlock; it retries only while transfers move money, and they finish).
//! `linearizable` breaks: over three accounts `[1, 0, 1]`, if 0→1 $1 runs whole after the audit
//! read account 0, and 2→1 $1 starts only after 0→1 returned and runs whole after the audit read
//! account 1, the audit returns `[1, 1, 0]`: account 0 from before both, account 1 between them,
//! account 2 after both. The sum is right, and with 0→1 before 2→1 in real time no serial order
//! passes through it (the bank went `[1, 0, 1]`, `[0, 1, 1]`, `[0, 2, 0]`). If the two
//! transfers overlap, "2→1, audit, 0→1" explains it, which is why the break needs that order.

use super::shared_steps::{lock_pair_in_index_order, move_money};
use crate::bank::{
    AccountId, Bank, BankOptions, Money, OpenBank, OpenError, TransferError, total,
    validate_initial, validate_request,
};
use crate::runtime::{Lock, Runtime};

/// The bank whose audit rereads until the sum is right.
pub struct BalancingAuditBank<R: Runtime> {
    // invariant: transfers take locks in ascending index order; the audit holds one at a time.
    accounts: Vec<R::Mutex<Money>>,
    opening_total: i128,
    options: BankOptions,
}

impl<R: Runtime> OpenBank for BalancingAuditBank<R> {
    fn open(initial: &[Money], options: BankOptions) -> Result<Self, OpenError> {
        validate_initial(initial)?;
        Ok(Self {
            accounts: initial.iter().map(|&b| R::Mutex::new(b)).collect(),
            opening_total: total(initial),
            options,
        })
    }
}

impl<R: Runtime> Bank for BalancingAuditBank<R> {
    fn account_count(&self) -> usize {
        self.accounts.len()
    }

    fn transfer(&self, from: AccountId, to: AccountId, amount: Money) -> Result<(), TransferError> {
        validate_request(self.accounts.len(), from, to, amount)?;
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
        loop {
            let seen: Vec<Money> = self
                .accounts
                .iter()
                .map(|account| *account.lock())
                .collect();
            if total(&seen) == self.opening_total {
                return seen;
            }
            // Money is in flight between the reads: let the transfer finish, read again.
            R::yield_now();
        }
    }
}
