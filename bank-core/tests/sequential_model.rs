//! Every variant, driven from one thread, agrees with the sequential reference model.
//!
//! proptest-state-machine generates operation sequences against [`SequentialBank`], valid and
//! invalid ones alike (unknown accounts, self-transfers, zero and negative amounts, overdrafts,
//! amounts and balances near `i64::MAX`), applies each to the variant on real threads, and checks
//! the same result, the same error and the same balances after every step. The RNG seed is fixed
//! so that the run is deterministic; failures shrink to a minimal sequence.

use bank_core::catalog::CATALOG;
use bank_core::model::SequentialBank;
use bank_core::{AccountId, Bank, BankOptions, Money, TransferError};
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence, RngSeed};
use proptest_state_machine::{ReferenceStateMachine, StateMachineTest, prop_state_machine};

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

/// The variant at `CATALOG[VARIANT]`, on real threads, against the model.
struct VariantAgainstModel<const VARIANT: usize>;

impl<const VARIANT: usize> StateMachineTest for VariantAgainstModel<VARIANT> {
    type SystemUnderTest = Box<dyn Bank>;
    type Reference = Model;

    fn init_test(model: &ModelState) -> Box<dyn Bank> {
        (CATALOG[VARIANT].open_os)(model.bank.balances(), BankOptions::default())
            .expect("the model accepted these balances")
    }

    fn apply(bank: Box<dyn Bank>, model: &ModelState, step: Step) -> Box<dyn Bank> {
        let id = CATALOG[VARIANT].id;
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
            CATALOG[VARIANT].id
        );
        assert_eq!(bank.account_count(), model.bank.balances().len());
    }
}

prop_state_machine! {
    #![proptest_config(Config {
        cases: 128,
        rng_seed: RngSeed::Fixed(0x5EED_BA4C),
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct("proptest-regressions/sequential_model.txt"))),
        ..Config::default()
    })]

    #[test]
    fn unsafe_bank_agrees_with_the_model_on_one_thread(sequential 1..40 => VariantAgainstModel<0>);
    #[test]
    fn missed_audit_lock_agrees_with_the_model_on_one_thread(sequential 1..40 => VariantAgainstModel<1>);
    #[test]
    fn global_lock_toctou_agrees_with_the_model_on_one_thread(sequential 1..40 => VariantAgainstModel<2>);
    #[test]
    fn global_lock_agrees_with_the_model_on_one_thread(sequential 1..40 => VariantAgainstModel<3>);
    #[test]
    fn nested_locks_agrees_with_the_model_on_one_thread(sequential 1..40 => VariantAgainstModel<4>);
    #[test]
    fn unordered_audit_agrees_with_the_model_on_one_thread(sequential 1..40 => VariantAgainstModel<5>);
    #[test]
    fn ordered_locks_agrees_with_the_model_on_one_thread(sequential 1..40 => VariantAgainstModel<6>);
    #[test]
    fn atomic_agrees_with_the_model_on_one_thread(sequential 1..40 => VariantAgainstModel<7>);
    #[test]
    fn two_level_agrees_with_the_model_on_one_thread(sequential 1..40 => VariantAgainstModel<8>);
    #[test]
    fn actor_agrees_with_the_model_on_one_thread(sequential 1..40 => VariantAgainstModel<9>);
    #[test]
    fn busy_refuses_agrees_with_the_model_on_one_thread(sequential 1..40 => VariantAgainstModel<10>);
    #[test]
    fn balancing_audit_agrees_with_the_model_on_one_thread(sequential 1..40 => VariantAgainstModel<11>);
}

/// The tests above index the catalog by position; this fails when a variant is added without a
/// model test of its own, or the order changes under them.
#[test]
fn every_catalog_variant_has_a_model_test() {
    let ids: Vec<_> = CATALOG.iter().map(|variant| variant.id).collect();
    assert_eq!(
        ids,
        [
            "unsafe",
            "missed-audit-lock",
            "global-lock-toctou",
            "global-lock",
            "nested-locks",
            "unordered-audit",
            "ordered-locks",
            "atomic",
            "two-level",
            "actor",
            "busy-refuses",
            "balancing-audit"
        ]
    );
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
