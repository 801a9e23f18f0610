//! A bank of your own, checked the way the catalog's banks are: copy this crate, replace the bank,
//! keep [`BANKS`], `src/main.rs` (the whole command line for them: `cargo run -- explore`,
//! `prove`, `stress --report DIR`, `replay FILE`, …) and the tests (`tests/check.rs`: the one-call
//! library check; `tests/cli.rs`: every command through `main`).
//!
//! [`TellerBank`] keeps a lock per account, taken in index order (no deadlock), and a gate built
//! from a mutex and a condition variable: an audit closes the gate, waits until no transfer is in
//! flight, reads every balance, and opens the gate again, so it never sees money in flight.
//! [`HastyTellerBank`] is the same bank with one mistake: its audit does not wait for the
//! transfers in flight. The checker finds that in one call, with a minimal counterexample and a
//! replay file.
//!
//! The rules every bank must follow to be checked are in `bank_core::runtime`'s doc: only the
//! runtime's primitives (here `R::Mutex`, `R::Condvar`, `R::wait`), deterministic given the
//! schedule, and a yield in every retry loop.

use bank_core::bank::{check_funds, validate_initial, validate_request};
use bank_core::runtime::{ConditionVariable, Lock, Runtime};
use bank_core::{
    AccountId, Bank, BankOptions, Invariant, Money, OpenBank, OpenError, Subject, TransferError,
    Verdicts, openers,
};

/// The banks this crate checks, as subjects: an id, an opener per runtime (`openers!`: real
/// threads and shuttle), and what the checker should find. Every command of `src/main.rs` works on these.
pub static BANKS: [Subject; 2] = [
    Subject::new("teller", openers!(TellerBank)).expecting(Verdicts::ALL_HOLD),
    Subject::new("hasty-teller", openers!(HastyTellerBank)).expecting(Verdicts::breaking(&[
        Invariant::SnapshotConservation,
        Invariant::Linearizable,
    ])),
];

/// Who is in the bank right now.
#[derive(Debug, Default)]
struct Gate {
    transfers_in_flight: usize,
    audit_waiting: bool,
}

/// Per-account locks in index order, and an audit gate. `WAITS_FOR_TRANSFERS` is the one line
/// that tells the correct bank from the hasty one.
pub struct TellerBank<R: Runtime, const WAITS_FOR_TRANSFERS: bool = true> {
    accounts: Vec<R::Mutex<Money>>,
    gate: R::Mutex<Gate>,
    changed: R::Condvar,
}

/// The same bank, except that its audit does not wait for the transfers in flight.
pub type HastyTellerBank<R> = TellerBank<R, false>;

impl<R: Runtime, const WAITS_FOR_TRANSFERS: bool> TellerBank<R, WAITS_FOR_TRANSFERS> {
    /// Opens the bank; for the checker, `TellerBank::<ShuttleThreads>::open` (or
    /// `HastyTellerBank::<ShuttleThreads>::open`).
    pub fn open(initial: &[Money]) -> Self {
        Self::try_open(initial).expect("the checker validates every workload")
    }

    /// Opens the bank, or says why the opening balances are unusable.
    pub fn try_open(initial: &[Money]) -> Result<Self, OpenError> {
        validate_initial(initial)?;
        Ok(Self {
            accounts: initial
                .iter()
                .map(|&balance| R::Mutex::new(balance))
                .collect(),
            gate: R::Mutex::new(Gate::default()),
            changed: R::Condvar::new(),
        })
    }
}

/// What a [`Subject`]'s openers call (through `open_boxed`).
impl<R: Runtime, const WAITS_FOR_TRANSFERS: bool> OpenBank for TellerBank<R, WAITS_FOR_TRANSFERS> {
    fn open(initial: &[Money], _options: BankOptions) -> Result<Self, OpenError> {
        Self::try_open(initial)
    }
}

impl<R: Runtime, const WAITS_FOR_TRANSFERS: bool> Bank for TellerBank<R, WAITS_FOR_TRANSFERS> {
    fn account_count(&self) -> usize {
        self.accounts.len()
    }

    fn transfer(&self, from: AccountId, to: AccountId, amount: Money) -> Result<(), TransferError> {
        validate_request(self.accounts.len(), from, to, amount)?;
        {
            // An audit waiting to start goes first.
            let mut gate = self.gate.lock();
            while gate.audit_waiting {
                gate = R::wait(&self.changed, gate);
            }
            gate.transfers_in_flight += 1;
        }
        let result = {
            let (low, high) = (from.min(to), from.max(to));
            let mut low_guard = self.accounts[low].lock();
            let mut high_guard = self.accounts[high].lock();
            let (from_balance, to_balance) = if from < to {
                (&mut *low_guard, &mut *high_guard)
            } else {
                (&mut *high_guard, &mut *low_guard)
            };
            check_funds(from, *from_balance, to, *to_balance, amount).map(|()| {
                *from_balance -= amount;
                R::yield_now();
                *to_balance += amount;
            })
        };
        let mut gate = self.gate.lock();
        gate.transfers_in_flight -= 1;
        drop(gate);
        self.changed.notify_all();
        result
    }

    fn audit(&self) -> Vec<Money> {
        let mut gate = self.gate.lock();
        // Another audit first: one audit at a time holds the gate.
        while gate.audit_waiting {
            gate = R::wait(&self.changed, gate);
        }
        gate.audit_waiting = true;
        while WAITS_FOR_TRANSFERS && gate.transfers_in_flight > 0 {
            gate = R::wait(&self.changed, gate);
        }
        drop(gate);
        let seen = self
            .accounts
            .iter()
            .map(|account| *account.lock())
            .collect();
        self.gate.lock().audit_waiting = false;
        self.changed.notify_all();
        seen
    }

    fn balances(&self) -> Vec<Money> {
        self.accounts
            .iter()
            .map(|account| *account.lock())
            .collect()
    }
}
