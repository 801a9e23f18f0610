//! The checker is a library: a bank written outside this workspace, against bank-core's public
//! abstraction only, is checked exactly like the course's variants.

use bank_core::bank::{check_funds, validate_request};
use bank_core::runtime::{AtomicMoney, Lock, Runtime};
use bank_core::{AccountId, Bank, Invariant, Money, ShuttleThreads, TransferError, Verdict};
use bank_stress::checker::{Budget, Finding, Shown, check};
use bank_stress::workloads::default_workload;

/// A bank someone might write: a lock for transfers, and an "optimised" audit that reads a
/// running total kept in an atomic, updated in two steps.
struct LedgerBank<R: Runtime> {
    accounts: R::Mutex<Vec<Money>>,
    in_flight: R::AtomicMoney,
}

impl<R: Runtime> LedgerBank<R> {
    fn open(balances: &[Money]) -> Self {
        Self {
            accounts: R::Mutex::new(balances.to_vec()),
            in_flight: R::AtomicMoney::new(0),
        }
    }
}

impl<R: Runtime> Bank for LedgerBank<R> {
    fn account_count(&self) -> usize {
        self.accounts.lock().len()
    }
    fn transfer(&self, from: AccountId, to: AccountId, amount: Money) -> Result<(), TransferError> {
        validate_request(self.account_count(), from, to, amount)?;
        {
            let mut accounts = self.accounts.lock();
            check_funds(from, accounts[from], to, accounts[to], amount)?;
            accounts[from] -= amount;
        }
        // The bug: the money is outside every account between these two critical sections.
        self.in_flight.store(self.in_flight.load() + amount);
        R::yield_now();
        self.in_flight.store(self.in_flight.load() - amount);
        self.accounts.lock()[to] += amount;
        Ok(())
    }
    fn audit(&self) -> Vec<Money> {
        self.accounts.lock().clone()
    }
}

#[test]
fn a_bank_defined_outside_the_workspace_gets_a_report_with_counterexamples() {
    let report = check(
        LedgerBank::<ShuttleThreads>::open,
        &default_workload(),
        &Budget::portfolio(500, 3),
    )
    .unwrap();
    assert_eq!(
        report.observed.get(Invariant::SnapshotConservation),
        Verdict::Breaks
    );
    assert_eq!(report.observed.get(Invariant::DeadlockFree), Verdict::Holds);
    let found = report
        .counterexample(Invariant::SnapshotConservation)
        .unwrap();
    assert_eq!(found.anomaly.expected_total, 2);
    assert!(found.anomaly.lowest_total < Some(2), "{:?}", found.anomaly);
}

#[test]
fn bad_input_is_an_error_value_not_a_panic() {
    let empty = bank_core::Workload {
        balances: vec![1],
        threads: vec![vec![]],
    };
    let error = check(
        LedgerBank::<ShuttleThreads>::open,
        &empty,
        &Budget::portfolio(10, 0),
    )
    .unwrap_err();
    assert!(error.to_string().contains("at least 2 accounts"), "{error}");
    let error = check(
        LedgerBank::<ShuttleThreads>::open,
        &default_workload(),
        &Budget::portfolio(0, 0),
    )
    .unwrap_err();
    assert!(error.to_string().contains("zero iterations"), "{error}");
}

/// A bank that panics on every transfer: a bug in the bank, not a verdict.
struct PanickingBank;

impl Bank for PanickingBank {
    fn account_count(&self) -> usize {
        2
    }
    fn transfer(&self, _: AccountId, _: AccountId, _: Money) -> Result<(), TransferError> {
        panic!("the bank's own bug");
    }
    fn audit(&self) -> Vec<Money> {
        vec![1, 1]
    }
    fn balances(&self) -> Vec<Money> {
        vec![1, 1]
    }
}

#[test]
fn a_panicking_bank_is_its_own_finding_and_does_not_end_the_exploration() {
    let report = check(
        |_: &[Money]| PanickingBank,
        &default_workload(),
        &Budget::portfolio(50, 3),
    )
    .unwrap();
    let panic = report.panic.as_ref().expect("the panic is reported");
    assert_eq!(panic.finding, Finding::Panic);
    assert!(
        panic
            .anomaly
            .message
            .as_deref()
            .is_some_and(|m| m.contains("the bank's own bug")),
        "{:?}",
        panic.anomaly
    );
    assert!(
        !report.breaks(Invariant::DeadlockFree),
        "a panic is not a deadlock"
    );
    assert_eq!(
        report.runs.len(),
        4,
        "every strategy still runs: a panic ends its execution, not the exploration"
    );
    assert!(report.schedules() > 1);
    assert!(
        matches!(
            report.shown(Invariant::SnapshotConservation),
            Shown::NotFound { .. }
        ),
        "executions cut off by a panic prove nothing"
    );
}

/// A transfer that waits, yielding, for a flag nobody sets: a livelock, not a deadlock.
struct SpinningBank<R: Runtime>(R::AtomicMoney);

impl<R: Runtime> Bank for SpinningBank<R> {
    fn account_count(&self) -> usize {
        2
    }
    fn transfer(&self, _: AccountId, _: AccountId, _: Money) -> Result<(), TransferError> {
        while self.0.load() == 0 {
            R::yield_now();
        }
        Ok(())
    }
    fn audit(&self) -> Vec<Money> {
        vec![1, 1]
    }
    fn balances(&self) -> Vec<Money> {
        vec![1, 1]
    }
}

#[test]
fn a_livelock_is_its_own_finding_at_the_step_bound_under_a_fair_schedule() {
    let open = |_: &[Money]| {
        SpinningBank::<ShuttleThreads>(<ShuttleThreads as Runtime>::AtomicMoney::new(0))
    };
    let report = check(
        open,
        &default_workload(),
        &Budget::single(bank_stress::checker::Strategy::Random, 3, 1),
    )
    .unwrap();
    let livelock = report
        .livelock
        .as_ref()
        .expect("a run that never finishes is a livelock");
    assert_eq!(livelock.finding, Finding::Livelock);
    assert!(
        !report.breaks(Invariant::DeadlockFree),
        "nobody is blocked: not a deadlock"
    );
    let message = livelock.anomaly.message.as_deref().unwrap_or_default();
    assert!(
        message.contains(&format!(
            "max_steps bound {}",
            bank_stress::checker::STEP_BOUND
        )),
        "{message}"
    );
    assert!(
        livelock.anomaly.blocked_threads.is_empty(),
        "nobody is blocked: they spin"
    );
}
