//! Every variant also runs under shuttle's scheduler, in the same test binary as the real-thread
//! tests, with no feature flags: the runtime is a type parameter, not a cargo feature.
//!
//! One thread (so no variant can deadlock or race) drives a fixed sequence through each variant's
//! shuttle build and compares it with the sequential model. The concurrent verdicts themselves are
//! proven in `bank-stress`.

use bank_core::BankOptions;
use bank_core::catalog::CATALOG;
use bank_core::model::SequentialBank;

#[test]
fn every_variant_agrees_with_the_model_under_shuttle_on_one_thread() {
    for variant in CATALOG {
        shuttle::check_random(
            move || {
                let opening = [30, 0, 12];
                let bank = (variant.open.shuttle)(&opening, BankOptions::default()).unwrap();
                let mut model = SequentialBank::open(&opening).unwrap();
                for (from, to, amount) in [
                    (0, 1, 10),
                    (1, 2, 11),
                    (1, 2, 10),
                    (2, 0, 22),
                    (0, 0, 1),
                    (3, 0, 1),
                ] {
                    assert_eq!(
                        bank.transfer(from, to, amount),
                        model.transfer(from, to, amount),
                        "{}",
                        variant.id
                    );
                    assert_eq!(bank.audit(), model.balances(), "{}", variant.id);
                }
            },
            3,
        );
    }
}

#[test]
fn a_variant_opened_on_os_threads_runs_outside_shuttle() {
    for variant in CATALOG {
        let bank = (variant.open.os)(&[5, 5], BankOptions::default()).unwrap();
        assert_eq!(bank.transfer(0, 1, 5), Ok(()), "{}", variant.id);
        assert_eq!(bank.balances(), [0, 10], "{}", variant.id);
    }
}
