//! Every variant, driven from one thread, agrees with the sequential reference model.
//!
//! proptest-state-machine generates operation sequences against [`SequentialBank`], valid and
//! invalid ones alike (unknown accounts, self-transfers, zero and negative amounts, overdrafts,
//! amounts and balances near `i64::MAX`), applies each to the variant on real threads, and checks
//! the same result, the same error and the same balances after every step. The RNG seed is fixed
//! so that the run is deterministic; failures shrink to a minimal sequence.

use bank_core::catalog::CATALOG;
use bank_core::model::SequentialBank;
use bank_core::runtime::{Openers, open_boxed};
use bank_core::{AccountId, Bank, BankOptions, Money, OpenBank, Subject, TransferError};
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence, RngSeed, TestRunner};
use proptest_state_machine::{ReferenceStateMachine, StateMachineTest};
use std::cell::Cell;

/// One step of a generated sequence.
#[derive(Debug, Clone)]
enum Step {
    Transfer {
        from: AccountId,
        to: AccountId,
        amount: Money,
    },
    Audit,
}

/// The model plus what it answered to the last step.
#[derive(Debug, Clone)]
struct ModelState {
    bank: SequentialBank,
    last_result: Option<Result<(), TransferError>>,
}

/// Balances from tiny to the edge of `i64`, so that overflow is reachable.
fn arb_balance() -> impl Strategy<Value = Money> {
    prop_oneof![4 => 0..=500i64, 1 => Just(i64::MAX), 1 => Just(i64::MAX - 1), 1 => (i64::MAX - 100)..=i64::MAX]
}

/// Amounts including the edges: zero, negative, one, near `i64::MAX`.
fn arb_amount() -> impl Strategy<Value = Money> {
    prop_oneof![
        6 => 1..=300i64,
        1 => Just(0),
        1 => Just(-1),
        1 => Just(i64::MIN),
        1 => Just(i64::MAX),
        1 => (i64::MAX - 100)..=i64::MAX,
    ]
}

/// The reference state machine over the sequential model.
struct Model;

impl ReferenceStateMachine for Model {
    type State = ModelState;
    type Transition = Step;

    fn init_state() -> BoxedStrategy<ModelState> {
        prop::collection::vec(arb_balance(), 2..=5)
            .prop_map(|balances| ModelState {
                bank: SequentialBank::open(&balances).expect("generated balances are valid"),
                last_result: None,
            })
            .boxed()
    }

    fn transitions(state: &ModelState) -> BoxedStrategy<Step> {
        // One past the last account, to generate unknown accounts too.
        let accounts = state.bank.balances().len() + 1;
        prop_oneof![
            6 => (0..accounts, 0..accounts, arb_amount()).prop_map(|(from, to, amount)| Step::Transfer { from, to, amount }),
            1 => (0..accounts).prop_map(|account| Step::Transfer { from: account, to: account, amount: 1 }),
            2 => Just(Step::Audit),
        ]
        .boxed()
    }

    fn apply(mut state: ModelState, step: &Step) -> ModelState {
        state.last_result = match *step {
            Step::Transfer { from, to, amount } => Some(state.bank.transfer(from, to, amount)),
            Step::Audit => None,
        };
        state
    }
}

thread_local! {
    /// The subject the state machine test is driving (set by the test for each subject in turn).
    static SUBJECT: Cell<Option<&'static Subject>> = const { Cell::new(None) };
}

fn subject() -> &'static Subject {
    SUBJECT
        .get()
        .expect("a subject is set before its test runs")
}

/// The current [`SUBJECT`], on real threads, against the model.
struct SubjectAgainstModel;

impl StateMachineTest for SubjectAgainstModel {
    type SystemUnderTest = Box<dyn Bank>;
    type Reference = Model;

    fn init_test(model: &ModelState) -> Box<dyn Bank> {
        (subject().open.os)(model.bank.balances(), BankOptions::default())
            .expect("the model accepted these balances")
    }

    fn apply(bank: Box<dyn Bank>, model: &ModelState, step: Step) -> Box<dyn Bank> {
        let id = subject().id;
        match step {
            Step::Transfer { from, to, amount } => {
                let result = bank.transfer(from, to, amount);
                let expected = model.last_result.expect("the model answered the transfer");
                assert_eq!(result, expected, "{id}: transfer({from}, {to}, {amount})");
            }
            Step::Audit => assert_eq!(bank.audit(), model.bank.balances(), "{id}: audit"),
        }
        bank
    }

    fn check_invariants(bank: &Box<dyn Bank>, model: &ModelState) {
        assert_eq!(
            bank.balances(),
            model.bank.balances(),
            "{}: balances",
            subject().id
        );
        assert_eq!(bank.account_count(), model.bank.balances().len());
    }
}

fn config() -> Config {
    Config {
        cases: 128,
        rng_seed: RngSeed::Fixed(0x5EED_BA4C),
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "proptest-regressions/sequential_model.txt",
        ))),
        ..Config::default()
    }
}

/// Runs the state machine test against `subject`: 128 generated sequences of 1 to 40 steps,
/// shrunk to a minimal one on failure.
fn agrees_with_the_model(subject: &'static Subject) -> Result<(), String> {
    SUBJECT.set(Some(subject));
    let mut runner = TestRunner::new(config());
    let result = runner.run(
        &Model::sequential_strategy(1..40),
        |(initial, transitions, seen)| {
            SubjectAgainstModel::test_sequential(config(), initial, transitions, seen);
            Ok(())
        },
    );
    SUBJECT.set(None);
    result.map_err(|error| format!("{}: {error}", subject.id))
}

/// Every subject of the catalog, in turn: a new variant is tested without a line here changing.
#[test]
fn every_variant_agrees_with_the_model_on_one_thread() {
    let failures: Vec<String> = CATALOG
        .iter()
        .filter_map(|subject| agrees_with_the_model(subject).err())
        .collect();
    assert!(failures.is_empty(), "{failures:#?}");
}

/// The test can fail: a bank that refuses every transfer disagrees with the model at once.
#[test]
fn a_bank_that_disagrees_with_the_model_is_caught() {
    static REFUSER: [Subject; 1] = [Subject::new(
        "refuses-everything",
        Openers {
            os: open_boxed::<Refuser>,
            shuttle: open_boxed::<Refuser>,
        },
    )];
    let error = agrees_with_the_model(&REFUSER[0]).expect_err("the refuser disagrees");
    assert!(error.starts_with("refuses-everything: "), "{error}");
}

/// Holds balances and refuses every transfer, as if every account were short of funds.
struct Refuser(Vec<Money>);

impl OpenBank for Refuser {
    fn open(balances: &[Money], _: BankOptions) -> Result<Self, bank_core::OpenError> {
        Ok(Self(balances.to_vec()))
    }
}

impl Bank for Refuser {
    fn account_count(&self) -> usize {
        self.0.len()
    }
    fn transfer(&self, from: AccountId, _: AccountId, amount: Money) -> Result<(), TransferError> {
        Err(TransferError::InsufficientFunds {
            account: from,
            amount,
        })
    }
    fn audit(&self) -> Vec<Money> {
        self.0.clone()
    }
}

/// The model itself: the edges it must refuse, with the typed error for each.
#[test]
fn the_model_refuses_each_invalid_transfer_with_its_error() {
    let mut bank = SequentialBank::open(&[100, i64::MAX]).unwrap();
    assert_eq!(
        bank.transfer(2, 0, 1),
        Err(TransferError::UnknownAccount(2))
    );
    assert_eq!(
        bank.transfer(0, 7, 1),
        Err(TransferError::UnknownAccount(7))
    );
    assert_eq!(bank.transfer(1, 1, 1), Err(TransferError::SameAccount(1)));
    assert_eq!(bank.transfer(0, 1, 0), Err(TransferError::InvalidAmount(0)));
    assert_eq!(
        bank.transfer(0, 1, -5),
        Err(TransferError::InvalidAmount(-5))
    );
    assert_eq!(
        bank.transfer(0, 1, 101),
        Err(TransferError::InsufficientFunds {
            account: 0,
            amount: 101
        })
    );
    assert_eq!(
        bank.transfer(0, 1, 1),
        Err(TransferError::Overflow { account: 1 })
    );
    assert_eq!(
        bank.balances(),
        [100, i64::MAX],
        "refused transfers change nothing"
    );
    assert_eq!(bank.transfer(1, 0, 50), Ok(()));
    assert_eq!(bank.balances(), [150, i64::MAX - 50]);
}

/// Errors are read by people (the CLI prints them): each one names what went wrong.
#[test]
fn every_error_says_what_went_wrong() {
    assert_eq!(
        TransferError::UnknownAccount(7).to_string(),
        "unknown account 7"
    );
    assert_eq!(
        TransferError::SameAccount(2).to_string(),
        "cannot transfer from account 2 to itself"
    );
    assert_eq!(
        TransferError::InvalidAmount(-5).to_string(),
        "amount -5 is not positive"
    );
    assert_eq!(
        TransferError::InsufficientFunds {
            account: 0,
            amount: 101
        }
        .to_string(),
        "account 0 holds less than 101"
    );
    assert_eq!(
        TransferError::Overflow { account: 1 }.to_string(),
        "crediting account 1 would overflow"
    );
    use bank_core::OpenError;
    assert_eq!(
        OpenError::TooFewAccounts(1).to_string(),
        "a bank needs at least 2 accounts, got 1"
    );
    assert_eq!(
        OpenError::NegativeBalance {
            account: 3,
            balance: -1
        }
        .to_string(),
        "account 3 opens with negative balance -1"
    );
    assert_eq!(
        SequentialBank::open(&[5]),
        Err(OpenError::TooFewAccounts(1))
    );
    assert_eq!(
        SequentialBank::open(&[5, -1]),
        Err(OpenError::NegativeBalance {
            account: 1,
            balance: -1
        })
    );
    assert!(
        SequentialBank::open(&[0, 0]).is_ok(),
        "empty accounts are fine"
    );
}
