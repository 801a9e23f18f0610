//! Workloads: what the threads do to the bank.
//!
//! A [`Workload`] is explicit: the opening balances and each thread's list of operations. The
//! shuttle checker explores small explicit workloads; a [`WorkloadShape`] describes a large
//! random one (the lecture's is [`WorkloadShape::seed`]) that a seeded generator expands.

use crate::bank::{AccountId, Money};
use rand::{RngExt, SeedableRng, rngs::SmallRng};

/// One operation a thread performs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    /// Move `amount` from `from` to `to`.
    Transfer {
        /// Source account.
        from: AccountId,
        /// Destination account.
        to: AccountId,
        /// Amount.
        amount: Money,
    },
    /// Take a snapshot of every balance and check it.
    Audit,
}

/// Opening balances plus each thread's operations.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Workload {
    /// Account `i` opens with `balances[i]`.
    pub balances: Vec<Money>,
    /// Thread `t` performs `threads[t]` in order.
    pub threads: Vec<Vec<Op>>,
}

impl Workload {
    /// How many operations in all threads together.
    pub fn op_count(&self) -> usize {
        self.threads.iter().map(Vec::len).sum()
    }
}

/// The size and randomness of a generated workload.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct WorkloadShape {
    /// Opening balances.
    pub balances: Vec<Money>,
    /// Threads started together.
    pub threads: usize,
    /// Transfers each thread performs.
    pub transfers_per_thread: usize,
    /// Smallest amount, inclusive.
    pub min_amount: Money,
    /// Largest amount, inclusive.
    pub max_amount: Money,
    /// Audit the whole bank after every transfer, as the lecture's `validate_bank` does.
    pub audit_after_each_transfer: bool,
}

/// The lecture's six opening balances (total 44,500).
pub const SEED_BALANCES: [Money; 6] = [5000, 10000, 7500, 7000, 6000, 9000];

impl WorkloadShape {
    /// The lecture's workload: six accounts (total 44,500), five threads, 9,999 transfers each
    /// (`range(1, 10000)`), amounts uniform in 1..=100 between two distinct random accounts, and
    /// an audit after every transfer.
    pub fn seed() -> Self {
        Self {
            balances: SEED_BALANCES.to_vec(),
            threads: 5,
            transfers_per_thread: 9_999,
            min_amount: 1,
            max_amount: 100,
            audit_after_each_transfer: true,
        }
    }

    /// Thread `thread`'s random transfer generator for this shape, seeded from `seed`.
    pub fn transfers(&self, seed: u64, thread: usize) -> TransferStream {
        TransferStream {
            rng: SmallRng::seed_from_u64(
                seed ^ (thread as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15),
            ),
            accounts: self.balances.len(),
            min_amount: self.min_amount,
            max_amount: self.max_amount,
            remaining: self.transfers_per_thread,
        }
    }
}

/// One thread's transfers: account a1 at random, a2 at random until it differs, an amount
/// uniform in the shape's range (the lecture's loop body).
#[derive(Debug, Clone)]
pub struct TransferStream {
    rng: SmallRng,
    accounts: usize,
    min_amount: Money,
    max_amount: Money,
    remaining: usize,
}

impl Iterator for TransferStream {
    type Item = (AccountId, AccountId, Money);

    fn next(&mut self) -> Option<Self::Item> {
        if self.remaining == 0 || self.accounts < 2 {
            return None;
        }
        self.remaining -= 1;
        let from = self.rng.random_range(0..self.accounts);
        let mut to = self.rng.random_range(0..self.accounts);
        while to == from {
            to = self.rng.random_range(0..self.accounts);
        }
        let amount = self.rng.random_range(self.min_amount..=self.max_amount);
        Some((from, to, amount))
    }
}
