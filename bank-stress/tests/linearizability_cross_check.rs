//! The frontier walk ([`check`] and [`decide`]) against an independent decision procedure (the
//! depth-first search in `support/depth_first.rs`, which shares no code with it) on long
//! histories: thousands generated from fixed seeds, most with a single late violation, and
//! real-thread histories of every catalog variant. Any disagreement fails the suite; so does a
//! violation whose prefix is not minimal by the other procedure's account. (Small histories are
//! checked against brute force in `tests/linearizability.rs`.)

#[path = "support/depth_first.rs"]
mod depth_first;

use bank_core::model::SequentialBank;
use bank_core::{BankOptions, CATALOG, Invariant, Op, TransferError, Verdict};
use bank_stress::linearizability::{
    Call, Decision, Event, History, Limits, Linearizability, Outcome, SearchBounds, check, decide,
    record,
};
use rand::{RngExt, SeedableRng, rngs::SmallRng};

/// Both procedures' answers on `history` agree, and a violation's prefix is minimal by the
/// depth-first search: not linearizable, and linearizable one event shorter. Returns whether
/// the history is linearizable.
fn agree(case: &str, initial: &[i64], history: &History) -> bool {
    let expected = depth_first::linearizable(initial, history);
    let decision = decide(initial, history, Limits::default()).unwrap();
    assert_eq!(
        decision == Decision::Linearizable,
        expected,
        "{case}: decide says {decision:?}"
    );
    match check(initial, history, SearchBounds::default()).unwrap() {
        Linearizability::Linearizable { .. } => {
            assert!(expected, "{case}: check says linearizable")
        }
        Linearizability::NotLinearizable(violation) => {
            assert!(!expected, "{case}: check says not linearizable");
            assert!(violation.minimal, "{case}: within the default bounds");
            let prefix = history.prefix(violation.prefix_len);
            assert!(
                !depth_first::linearizable(initial, &prefix),
                "{case}: the prefix of {} events is linearizable",
                violation.prefix_len
            );
            let shorter = history.prefix(violation.prefix_len - 1);
            assert!(
                depth_first::linearizable(initial, &shorter),
                "{case}: a shorter prefix than {} events is not linearizable",
                violation.prefix_len
            );
        }
        Linearizability::Unknown { .. } => panic!("{case}: unknown within the default bounds"),
    }
    expected
}

/// A linearizable history of `threads` threads over a few small accounts (so that transfers are
/// refused too): each call takes effect at a random point between its invocation and its return.
fn generated(rng: &mut SmallRng, threads: usize, calls_per_thread: usize) -> (Vec<i64>, History) {
    let accounts = rng.random_range(2..=4);
    let initial: Vec<i64> = (0..accounts).map(|_| rng.random_range(0..=4)).collect();
    let mut bank = SequentialBank::open(&initial).unwrap();
    let mut history = History::default();
    // Per thread: calls made, and the stage of the current one (0 not invoked, 1 invoked,
    // 2 taken effect with this result).
    let mut made = vec![0; threads];
    let mut stage: Vec<(u8, Option<(Call, Outcome)>)> = vec![(0, None); threads];
    let mut current: Vec<Option<Call>> = vec![None; threads];
    loop {
        let live: Vec<usize> = (0..threads)
            .filter(|&thread| stage[thread].0 != 0 || made[thread] < calls_per_thread)
            .collect();
        let Some(&thread) = live.get(rng.random_range(0..live.len().max(1))) else {
            break;
        };
        match stage[thread].0 {
            0 => {
                let call = if rng.random_bool(0.3) {
                    Call::Audit
                } else {
                    let from = rng.random_range(0..accounts);
                    let to = (from + rng.random_range(1..accounts)) % accounts;
                    Call::Transfer {
                        from,
                        to,
                        amount: rng.random_range(1..=3),
                    }
                };
                history.invoke(thread, call);
                current[thread] = Some(call);
                stage[thread].0 = 1;
            }
            1 => {
                let call = current[thread].unwrap();
                let outcome = match call {
                    Call::Transfer { from, to, amount } => {
                        Outcome::Transfer(bank.transfer(from, to, amount))
                    }
                    Call::Audit => Outcome::Audit(bank.balances().to_vec()),
                };
                stage[thread] = (2, Some((call, outcome)));
            }
            _ => {
                let (_, outcome) = stage[thread].1.take().unwrap();
                history.answer(thread, outcome);
                stage[thread].0 = 0;
                made[thread] += 1;
            }
        }
    }
    (initial, history)
}

/// One result among the last tenth of the returns, changed: an audit off by one in one account,
/// a success said to be refused, a refusal said to be a success.
fn corrupt_late(rng: &mut SmallRng, history: &mut History) {
    let returns: Vec<usize> = (0..history.events.len())
        .filter(|&at| matches!(history.events[at], Event::Return { .. }))
        .collect();
    let late = &returns[returns.len() * 9 / 10..];
    let at = late[rng.random_range(0..late.len())];
    if let Event::Return { outcome, .. } = &mut history.events[at] {
        *outcome = match outcome {
            Outcome::Audit(balances) => {
                let mut balances = balances.clone();
                let account = rng.random_range(0..balances.len());
                balances[account] += if rng.random_bool(0.5) { 1 } else { -1 };
                Outcome::Audit(balances)
            }
            Outcome::Transfer(Ok(())) => Outcome::Transfer(Err(TransferError::InsufficientFunds {
                account: 0,
                amount: 1,
            })),
            Outcome::Transfer(Err(_)) => Outcome::Transfer(Ok(())),
        };
    }
}

#[test]
fn the_walk_agrees_with_depth_first_search_on_long_generated_histories() {
    let mut rng = SmallRng::seed_from_u64(0x5eed_c4ec);
    let (mut linearizable, mut not) = (0, 0);
    for case in 0..2_000 {
        let threads = rng.random_range(2..=5);
        let calls = rng.random_range(20..=100);
        let (initial, mut history) = generated(&mut rng, threads, calls);
        if case % 4 != 0 {
            corrupt_late(&mut rng, &mut history);
        }
        // Now and then cut short, leaving calls pending for ever.
        if case % 7 == 0 {
            let len = history.events.len() - rng.random_range(1..=threads);
            history = history.prefix(len);
        }
        if agree(&format!("case {case}"), &initial, &history) {
            linearizable += 1;
        } else {
            not += 1;
        }
    }
    // Both kinds, many of each: a corrupted result late in a long history is usually a violation.
    assert!(
        linearizable > 400 && not > 800,
        "{linearizable} linearizable, {not} not"
    );
}

/// Real threads: every catalog variant, ten seeds, 5 threads × 100 calls over the seed's
/// accounts (transfers each followed by an audit; for a variant that deadlocks, transfers in
/// one direction only, which cannot).
#[test]
fn the_walk_agrees_with_depth_first_search_on_real_thread_histories_of_every_variant() {
    let balances = bank_core::WorkloadShape::seed().balances;
    for info in CATALOG {
        let deadlocks = info.expects(Invariant::DeadlockFree) == Some(Verdict::Breaks);
        let (mut linearizable, mut not) = (0, 0);
        for seed in 0..10u64 {
            let mut rng = SmallRng::seed_from_u64(seed);
            let threads: Vec<Vec<Op>> = (0..5)
                .map(|_| {
                    (0..50)
                        .flat_map(|_| {
                            let (from, to) = if deadlocks {
                                (0, 1)
                            } else {
                                let from = rng.random_range(0..balances.len());
                                (
                                    from,
                                    (from + rng.random_range(1..balances.len())) % balances.len(),
                                )
                            };
                            let transfer = Op::Transfer {
                                from,
                                to,
                                amount: rng.random_range(1..=100),
                            };
                            if deadlocks {
                                vec![transfer, transfer]
                            } else {
                                vec![transfer, Op::Audit]
                            }
                        })
                        .collect()
                })
                .collect();
            let bank = (info.open.os)(&balances, BankOptions::default()).unwrap();
            let history = record::on_threads(&*bank, &threads);
            if agree(&format!("{} seed {seed}", info.id), &balances, &history) {
                linearizable += 1;
            } else {
                not += 1;
            }
        }
        println!("{}: {linearizable} linearizable, {not} not", info.id);
    }
}
