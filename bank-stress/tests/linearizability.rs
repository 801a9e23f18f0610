//! The linearizability search against hand-built histories whose answer is known, and against a
//! brute-force oracle (every order of every subset of calls) on thousands of small random
//! histories from a fixed seed.

use bank_core::TransferError;
use bank_core::model::SequentialBank;
use bank_stress::linearizability::history::Operation;
use bank_stress::linearizability::{
    Call, Decider, Decision, Exhausted, History, Limits, Linearizability, Outcome, SearchBounds,
    check, decide, table,
};
use rand::{RngExt, SeedableRng, rngs::SmallRng};

fn transfer(from: usize, to: usize, amount: i64) -> Call {
    Call::Transfer { from, to, amount }
}

const DONE: Outcome = Outcome::Transfer(Ok(()));

fn verdict(initial: &[i64], history: &History) -> Linearizability {
    check(initial, history, SearchBounds::default()).expect("well-formed")
}

#[test]
fn calls_one_after_another_are_linearizable_in_their_order() {
    let mut history = History::default();
    history.invoke(0, transfer(0, 1, 1));
    history.answer(0, DONE);
    history.invoke(1, Call::Audit);
    history.answer(1, Outcome::Audit(vec![0, 2]));
    assert_eq!(
        verdict(&[1, 1], &history),
        Linearizability::Linearizable { order: vec![0, 1] }
    );
}

#[test]
fn an_audit_overlapping_a_transfer_may_see_before_or_after_but_nothing_else() {
    for (seen, linearizable) in [([1, 1], true), ([0, 2], true), ([0, 1], false)] {
        let mut history = History::default();
        history.invoke(0, transfer(0, 1, 1));
        history.invoke(1, Call::Audit);
        history.answer(1, Outcome::Audit(seen.to_vec()));
        history.answer(0, DONE);
        let answer = verdict(&[1, 1], &history);
        assert_eq!(
            matches!(answer, Linearizability::Linearizable { .. }),
            linearizable,
            "{seen:?}: {answer:?}"
        );
    }
}

/// Two transfers both done, both taking the only dollar: the lost update the unsafe bank shows.
#[test]
fn a_lost_update_seen_by_a_later_audit_is_not_linearizable_and_the_prefix_ends_at_the_audit() {
    let mut history = History::default();
    history.invoke(0, transfer(0, 1, 1));
    history.invoke(1, transfer(0, 1, 1));
    history.answer(0, DONE);
    history.answer(1, DONE);
    let Linearizability::NotLinearizable(violation) = verdict(&[1, 0], &history) else {
        panic!("two transfers of the only dollar cannot both succeed");
    };
    assert_eq!(
        violation.prefix_len, 4,
        "the second return is the first that cannot fit"
    );
    assert_eq!(violation.unplaceable, 1);
    assert_eq!(violation.closest_order, vec![0]);
    assert_eq!(
        violation.sequential_outcome,
        Outcome::Transfer(Err(TransferError::InsufficientFunds {
            account: 0,
            amount: 1
        }))
    );
    let text = table::render_text(&violation, &bank_stress::thread_names::history_columns(2));
    assert!(text.contains("worker-1's 0→1 $1 answered done"), "{text}");
    assert!(
        text.contains("closest sequential order: worker-0's 0→1 $1"),
        "{text}"
    );
}

#[test]
fn a_refusal_while_the_money_is_there_is_not_linearizable() {
    let mut history = History::default();
    history.invoke(0, transfer(0, 1, 1));
    history.invoke(1, transfer(1, 0, 1));
    history.answer(1, DONE);
    history.answer(
        0,
        Outcome::Transfer(Err(TransferError::InsufficientFunds {
            account: 0,
            amount: 1,
        })),
    );
    assert!(matches!(
        verdict(&[1, 1], &history),
        Linearizability::NotLinearizable(_)
    ));
}

/// A call still pending at the end of a prefix may take effect or not, with any result: the
/// minimal prefix is found even when the full history's results would cut it shorter.
#[test]
fn the_minimal_prefix_leaves_results_of_calls_still_pending_open() {
    let mut history = History::default();
    // worker-0's transfer is pending while worker-1 audits a state only it explains; its own
    // result (refused) comes later and contradicts that audit.
    history.invoke(0, transfer(0, 1, 1));
    history.invoke(1, Call::Audit);
    history.answer(1, Outcome::Audit(vec![0, 2]));
    history.answer(
        0,
        Outcome::Transfer(Err(TransferError::InsufficientFunds {
            account: 0,
            amount: 1,
        })),
    );
    let Linearizability::NotLinearizable(violation) = verdict(&[1, 1], &history) else {
        panic!("the audit saw a transfer that then said it was refused");
    };
    assert_eq!(violation.prefix_len, 4);
    assert_eq!(violation.unplaceable, 0);
    assert!(matches!(
        verdict(&[1, 1], &history.prefix(3)),
        Linearizability::Linearizable { .. }
    ));
}

#[test]
fn a_call_that_never_returns_may_have_taken_effect() {
    let mut history = History::default();
    history.invoke(0, transfer(0, 1, 1));
    history.invoke(1, Call::Audit);
    history.answer(1, Outcome::Audit(vec![0, 2]));
    assert_eq!(
        verdict(&[1, 1], &history),
        Linearizability::Linearizable { order: vec![0, 1] }
    );
}

#[test]
fn a_search_over_its_budget_says_unknown() {
    let mut history = History::default();
    for thread in 0..4 {
        history.invoke(thread, transfer(thread % 2, 1 - thread % 2, 1));
    }
    history.invoke(4, Call::Audit);
    history.answer(4, Outcome::Audit(vec![9, 9]));
    let answer = check(&[2, 2], &history, SearchBounds::configurations(3)).unwrap();
    assert!(
        matches!(answer, Linearizability::Unknown { .. }),
        "{answer:?}"
    );
    let unbounded = check(&[2, 2], &history, SearchBounds::default()).unwrap();
    assert!(matches!(unbounded, Linearizability::NotLinearizable(_)));
}

#[test]
fn a_history_threads_could_not_produce_is_an_error() {
    let mut history = History::default();
    history.answer(0, DONE);
    assert_eq!(
        check(&[1], &history, SearchBounds::default())
            .unwrap_err()
            .event,
        0
    );
    let mut twice = History::default();
    twice.invoke(0, Call::Audit);
    twice.invoke(0, Call::Audit);
    assert_eq!(
        check(&[1], &twice, SearchBounds::default())
            .unwrap_err()
            .event,
        1
    );
}

/// The explanation of a violation is true and as long as it can be: the closest order respects
/// real time and every result of a call that returned (calls still pending may give anything),
/// leaves out the unplaceable call, places every call that returned before the unplaceable one
/// was invoked, is at least as long as any order that places every call returned before the
/// prefix's end, and the sequential answer after it is what the sequential bank gives there,
/// not what the call really answered.
fn assert_explained(
    case: usize,
    initial: &[i64],
    violation: &bank_stress::linearizability::Violation,
) {
    let operations = &violation.operations;
    let last = violation.prefix_len - 1;
    let unplaceable = violation.unplaceable;
    let order = &violation.closest_order;
    assert!(!order.contains(&unplaceable), "case {case}: {order:?}");
    let mut bank = SequentialBank::open(initial).unwrap();
    for (position, &index) in order.iter().enumerate() {
        let operation = &operations[index];
        for earlier in operations {
            if earlier
                .returned_at
                .is_some_and(|at| at < operation.invoked_at)
            {
                let placed_before = order[..position]
                    .iter()
                    .any(|&other| operations[other] == *earlier);
                assert!(placed_before, "case {case}: {order:?} breaks real time");
            }
        }
        let outcome = apply_call(&mut bank, operation.call);
        if operation.returned_at.is_some_and(|at| at < last) {
            assert_eq!(
                operation.outcome.as_ref(),
                Some(&outcome),
                "case {case}: {order:?}"
            );
        }
    }
    let invoked = operations[unplaceable].invoked_at;
    for (index, operation) in operations.iter().enumerate() {
        if operation.returned_at.is_some_and(|at| at < invoked) {
            assert!(
                order.contains(&index),
                "case {case}: {order:?} leaves out {index}"
            );
        }
    }
    let answer = apply_call(&mut bank, operations[unplaceable].call);
    assert_eq!(answer, violation.sequential_outcome, "case {case}");
    assert_ne!(
        Some(&answer),
        operations[unplaceable].outcome.as_ref(),
        "case {case}"
    );
    if operations.len() <= 7 {
        assert!(
            order.len() >= longest_order(initial, operations, unplaceable, last),
            "case {case}: a longer order exists than {order:?}"
        );
    }
}

fn apply_call(bank: &mut SequentialBank, call: Call) -> Outcome {
    match call {
        Call::Transfer { from, to, amount } => Outcome::Transfer(bank.transfer(from, to, amount)),
        Call::Audit => Outcome::Audit(bank.balances().to_vec()),
    }
}

/// The longest order, by brute force, that places every call returned before the prefix's last
/// event (and not the unplaceable one): the search considers every such order, so the one it
/// gives is at least as long.
fn longest_order(
    initial: &[i64],
    operations: &[Operation],
    unplaceable: usize,
    last: usize,
) -> usize {
    fn go(
        bank: &SequentialBank,
        operations: &[Operation],
        unplaceable: usize,
        last: usize,
        placed: &mut Vec<bool>,
        best: &mut usize,
    ) {
        let complete = operations.iter().enumerate().all(|(index, operation)| {
            placed[index] || operation.returned_at.is_none_or(|at| at >= last)
        });
        if complete {
            *best = (*best).max(placed.iter().filter(|&&done| done).count());
        }
        for candidate in 0..operations.len() {
            if placed[candidate] || candidate == unplaceable {
                continue;
            }
            let ready = operations.iter().zip(placed.iter()).all(|(other, &done)| {
                done || other
                    .returned_at
                    .is_none_or(|at| at > operations[candidate].invoked_at)
            });
            if !ready {
                continue;
            }
            let mut next = bank.clone();
            let outcome = apply_call(&mut next, operations[candidate].call);
            let returned_before = operations[candidate]
                .returned_at
                .is_some_and(|at| at < last);
            if returned_before && operations[candidate].outcome.as_ref() != Some(&outcome) {
                continue;
            }
            placed[candidate] = true;
            go(&next, operations, unplaceable, last, placed, best);
            placed[candidate] = false;
        }
    }
    let mut best = 0;
    let bank = SequentialBank::open(initial).unwrap();
    go(
        &bank,
        operations,
        unplaceable,
        last,
        &mut vec![false; operations.len()],
        &mut best,
    );
    best
}

// ---- the brute-force oracle -------------------------------------------------------------------

/// Whether some order of some of the calls (every returned call, any of the pending ones)
/// respects real time and gives every returned call its result.
fn brute_force(initial: &[i64], operations: &[Operation]) -> bool {
    fn extend(bank: &SequentialBank, operations: &[Operation], placed: &mut Vec<bool>) -> bool {
        if operations
            .iter()
            .zip(placed.iter())
            .all(|(operation, &done)| done || operation.returned_at.is_none())
        {
            return true;
        }
        for candidate in 0..operations.len() {
            if placed[candidate] {
                continue;
            }
            // Real time: every call that returned before this one was invoked is placed.
            let ready = operations.iter().zip(placed.iter()).all(|(other, &done)| {
                done || other
                    .returned_at
                    .is_none_or(|returned| returned > operations[candidate].invoked_at)
            });
            if !ready {
                continue;
            }
            let mut next = bank.clone();
            let outcome = match operations[candidate].call {
                Call::Transfer { from, to, amount } => {
                    Outcome::Transfer(next.transfer(from, to, amount))
                }
                Call::Audit => Outcome::Audit(next.balances().to_vec()),
            };
            if operations[candidate]
                .outcome
                .as_ref()
                .is_some_and(|real| *real != outcome)
            {
                continue;
            }
            placed[candidate] = true;
            if extend(&next, operations, placed) {
                placed[candidate] = false;
                return true;
            }
            placed[candidate] = false;
        }
        false
    }
    let bank = SequentialBank::open(initial).unwrap();
    let mut placed = vec![false; operations.len()];
    extend(&bank, operations, &mut placed)
}

/// A random history of 2–3 threads × 1–3 calls over 2–3 accounts: each call takes effect at a
/// random point of its interval (so the results are those of a linearizable bank), then, half
/// the time, one result is corrupted.
fn random_history(rng: &mut SmallRng) -> (Vec<i64>, History) {
    let accounts = rng.random_range(2..=3);
    let initial: Vec<i64> = (0..accounts).map(|_| rng.random_range(0..=2)).collect();
    let threads = rng.random_range(2..=3);
    let calls: Vec<Vec<Call>> = (0..threads)
        .map(|_| {
            (0..rng.random_range(1..=3))
                .map(|_| {
                    if rng.random_bool(0.3) {
                        Call::Audit
                    } else {
                        let from = rng.random_range(0..accounts);
                        let to = (from + rng.random_range(1..accounts)) % accounts;
                        transfer(from, to, rng.random_range(1..=2))
                    }
                })
                .collect()
        })
        .collect();
    // Interleave: each thread's next step is invoke, take effect, or return.
    let mut bank = SequentialBank::open(&initial).unwrap();
    let mut history = History::default();
    let mut stage = vec![0u8; threads];
    let mut results: Vec<Option<Outcome>> = vec![None; threads];
    let mut next_call = vec![0usize; threads];
    loop {
        let live: Vec<usize> = (0..threads)
            .filter(|&thread| stage[thread] != 0 || next_call[thread] < calls[thread].len())
            .collect();
        if live.is_empty() {
            break;
        }
        let thread = live[rng.random_range(0..live.len())];
        match stage[thread] {
            0 => {
                history.invoke(thread, calls[thread][next_call[thread]]);
                stage[thread] = 1;
            }
            1 => {
                let call = calls[thread][next_call[thread]];
                results[thread] = Some(match call {
                    Call::Transfer { from, to, amount } => {
                        Outcome::Transfer(bank.transfer(from, to, amount))
                    }
                    Call::Audit => Outcome::Audit(bank.balances().to_vec()),
                });
                stage[thread] = 2;
            }
            _ => {
                history.answer(thread, results[thread].take().unwrap());
                stage[thread] = 0;
                next_call[thread] += 1;
            }
        }
    }
    if rng.random_bool(0.5) {
        let returns: Vec<usize> = (0..history.events.len())
            .filter(|&at| {
                matches!(
                    history.events[at],
                    bank_stress::linearizability::Event::Return { .. }
                )
            })
            .collect();
        let at = returns[rng.random_range(0..returns.len())];
        if let bank_stress::linearizability::Event::Return { outcome, .. } = &mut history.events[at]
        {
            *outcome = match outcome {
                Outcome::Audit(balances) => {
                    let index = rng.random_range(0..balances.len());
                    balances[index] += if rng.random_bool(0.5) { 1 } else { -1 };
                    Outcome::Audit(balances.clone())
                }
                Outcome::Transfer(Ok(())) => {
                    Outcome::Transfer(Err(TransferError::InsufficientFunds {
                        account: 0,
                        amount: 1,
                    }))
                }
                Outcome::Transfer(Err(_)) => DONE,
            };
        }
    }
    // Half the time, cut the history short, leaving calls pending.
    if rng.random_bool(0.5) {
        let len = rng.random_range(1..=history.events.len());
        history = history.prefix(len);
    }
    (initial, history)
}

#[test]
fn the_search_agrees_with_brute_force_on_small_random_histories() {
    let mut rng = SmallRng::seed_from_u64(0x11ea_2ab1);
    let (mut linearizable, mut not) = (0, 0);
    for case in 0..3000 {
        let (initial, history) = random_history(&mut rng);
        let operations = history.operations().unwrap();
        let expected = brute_force(&initial, &operations);
        match verdict(&initial, &history) {
            Linearizability::Linearizable { order } => {
                assert!(expected, "case {case}: {initial:?} {history:?}");
                linearizable += 1;
                // The order given is a witness: replaying it gives every returned result.
                let mut bank = SequentialBank::open(&initial).unwrap();
                for &index in &order {
                    let operation = &operations[index];
                    let outcome = match operation.call {
                        Call::Transfer { from, to, amount } => {
                            Outcome::Transfer(bank.transfer(from, to, amount))
                        }
                        Call::Audit => Outcome::Audit(bank.balances().to_vec()),
                    };
                    if let Some(real) = &operation.outcome {
                        assert_eq!(*real, outcome, "case {case}: witness {order:?}");
                    }
                }
                assert!(
                    operations
                        .iter()
                        .enumerate()
                        .all(|(index, op)| op.returned_at.is_none() || order.contains(&index)),
                    "case {case}: the witness leaves out a returned call"
                );
                // And it respects real time: a call that returned before another was invoked
                // comes first.
                for (position, &index) in order.iter().enumerate() {
                    for &later in &order[position + 1..] {
                        assert!(
                            operations[later]
                                .returned_at
                                .is_none_or(|at| at > operations[index].invoked_at),
                            "case {case}: witness {order:?} puts {later} after {index}"
                        );
                    }
                }
            }
            Linearizability::NotLinearizable(violation) => {
                assert!(!expected, "case {case}: {initial:?} {history:?}");
                assert!(
                    violation.minimal,
                    "case {case}: tiny histories fit the budget"
                );
                not += 1;
                // Minimal: the prefix is not linearizable, one event shorter is.
                let prefix = history.prefix(violation.prefix_len);
                assert!(
                    !brute_force(&initial, &prefix.operations().unwrap()),
                    "case {case}"
                );
                let shorter = history.prefix(violation.prefix_len - 1);
                assert!(
                    brute_force(&initial, &shorter.operations().unwrap()),
                    "case {case}"
                );
                assert_eq!(
                    violation.operations[violation.unplaceable].returned_at,
                    Some(violation.prefix_len - 1),
                    "case {case}: the unplaceable call returns at the prefix's end"
                );
                assert_explained(case, &initial, &violation);
            }
            Linearizability::Unknown { .. } => panic!("case {case}: tiny histories fit the budget"),
        }
    }
    assert!(
        linearizable > 500 && not > 500,
        "{linearizable} linearizable, {not} not"
    );
}

/// Under any budget, a history with no order is never called linearizable: "unknown", or not
/// linearizable with the minimal prefix, or (when the decision fit the budget and the search for
/// the minimal prefix did not) not linearizable with the whole history as the prefix. And the
/// budget is a threshold: below some number of configurations every answer is "unknown", from it
/// on every answer is decided.
#[test]
fn a_small_budget_never_turns_a_violation_into_linearizable() {
    let mut history = History::default();
    for thread in 0..4 {
        history.invoke(thread, transfer(thread % 2, 1 - thread % 2, 1));
    }
    history.invoke(4, Call::Audit);
    history.answer(4, Outcome::Audit(vec![9, 9]));
    let mut answers = Vec::new();
    for expansions in 0..400 {
        answers.push(
            match check(&[2, 2], &history, SearchBounds::configurations(expansions)).unwrap() {
                Linearizability::Linearizable { .. } => panic!("{expansions}: called linearizable"),
                Linearizability::Unknown { .. } => "unknown",
                Linearizability::NotLinearizable(violation) if violation.minimal => {
                    assert_eq!(violation.prefix_len, 6);
                    "minimal"
                }
                Linearizability::NotLinearizable(violation) => {
                    assert_eq!(violation.prefix_len, history.events.len());
                    // The audit is the call no order can place.
                    assert_eq!(
                        violation.operations[violation.unplaceable].call,
                        Call::Audit
                    );
                    "whole history"
                }
            },
        );
    }
    let decided_from = answers
        .iter()
        .position(|answer| *answer != "unknown")
        .unwrap();
    assert!(
        answers[..decided_from]
            .iter()
            .all(|answer| *answer == "unknown")
            && answers[decided_from..]
                .iter()
                .all(|answer| *answer != "unknown"),
        "{answers:?}"
    );
    assert_eq!(answers.last(), Some(&"minimal"));
    println!("decided from {decided_from} configurations: {answers:?}");
}

/// Each stage has its own bound. A decision within its bound stays a violation when the
/// explanation's bound runs out: "not linearizable", over the whole history, with the call the
/// decision could not place and the order it got furthest with, said plainly to be not minimal.
/// The decision's bound is a threshold of its own: below it "unknown".
///
/// worker-0's transfer is pending while worker-1's audit sees it done; the decision (every result
/// real: worker-0's transfer was refused) fails at the audit, but the minimal prefix runs on to
/// worker-0's refusal, where its early success dies; worker-2's later calls are not in it.
#[test]
fn a_violation_decided_within_budget_stays_a_violation_when_its_explanation_is_not() {
    let refused = Outcome::Transfer(Err(TransferError::InsufficientFunds {
        account: 0,
        amount: 1,
    }));
    let mut history = History::default();
    history.invoke(0, transfer(0, 1, 1));
    history.invoke(1, Call::Audit);
    history.answer(1, Outcome::Audit(vec![0, 2]));
    history.invoke(2, transfer(1, 0, 1));
    history.answer(2, DONE);
    history.answer(0, refused);
    history.invoke(2, Call::Audit);
    history.answer(2, Outcome::Audit(vec![2, 0]));
    let answer = |decision, explanation| {
        let bounds = SearchBounds {
            decision: Limits::configurations(decision),
            explanation: Limits::configurations(explanation),
        };
        check(&[1, 1], &history, bounds).unwrap()
    };
    let decided_from = (0..100)
        .find(|&decision| !matches!(answer(decision, u64::MAX), Linearizability::Unknown { .. }))
        .unwrap();
    for decision in 0..decided_from {
        assert!(matches!(
            answer(decision, u64::MAX),
            Linearizability::Unknown {
                exhausted: Exhausted::Configurations,
                ..
            }
        ));
    }
    let explained_from = (0..100)
        .find(|&explanation| {
            matches!(answer(decided_from, explanation), Linearizability::NotLinearizable(violation) if violation.minimal)
        })
        .unwrap();
    assert!(explained_from > 0);
    for explanation in 0..explained_from {
        let Linearizability::NotLinearizable(violation) = answer(decided_from, explanation) else {
            panic!("{explanation}: the decision fits");
        };
        assert!(!violation.minimal, "{explanation}");
        assert_eq!(violation.prefix_len, 8);
        // The audit: the first call the decision could not place.
        assert_eq!(violation.unplaceable, 1);
        assert_eq!(violation.closest_order, Vec::<usize>::new());
        assert_eq!(violation.sequential_outcome, Outcome::Audit(vec![1, 1]));
        let text = table::render_text(&violation, &bank_stress::thread_names::history_columns(3));
        assert!(
            text.contains("no shorter failing prefix was found within the search bound"),
            "{text}"
        );
    }
    let Linearizability::NotLinearizable(violation) = answer(decided_from, explained_from) else {
        panic!("both stages fit");
    };
    assert!(violation.minimal);
    assert_eq!(violation.prefix_len, 6);
    assert_eq!(violation.unplaceable, 0);
    // Only worker-0's success explains the audit, so nothing can be placed before worker-0's
    // call, where the sequential bank does it.
    assert_eq!(violation.closest_order, Vec::<usize>::new());
    assert_eq!(violation.sequential_outcome, DONE);
    println!("decided from {decided_from}, explained from {explained_from} configurations");
}

/// Calls placed early are remembered as a set: five overlapping transfers placed before an
/// audit in any order reach the same configurations. The decision creates at most one
/// configuration per subset of the five (32) and one for the audit's failed placement, never
/// one per order (5! = 120 orders of all five alone); the explanation restarts at the audit
/// (nothing pending returns after it), where nothing is left to place: it creates none.
#[test]
fn configurations_that_place_the_same_calls_early_are_one() {
    let mut history = History::default();
    for thread in 0..5 {
        history.invoke(thread, transfer(thread % 2, 1 - thread % 2, 1));
    }
    for thread in 0..5 {
        history.answer(thread, DONE);
    }
    history.invoke(5, Call::Audit);
    history.answer(5, Outcome::Audit(vec![9, 9]));
    let first_budget = |decided: &dyn Fn(&Linearizability) -> bool,
                        stage: &dyn Fn(u64) -> SearchBounds| {
        (0..200)
            .find(|&configurations| {
                decided(&check(&[3, 3], &history, stage(configurations)).unwrap())
            })
            .unwrap()
    };
    let decision = first_budget(
        &|answer| !matches!(answer, Linearizability::Unknown { .. }),
        &|configurations| SearchBounds {
            decision: Limits::configurations(configurations),
            explanation: Limits::default(),
        },
    );
    let explanation = first_budget(
        &|answer| matches!(answer, Linearizability::NotLinearizable(violation) if violation.minimal),
        &|configurations| SearchBounds {
            decision: Limits::default(),
            explanation: Limits::configurations(configurations),
        },
    );
    assert_eq!((decision, explanation), (33, 0));
}

/// A wall-clock limit answers "unknown" and says so: a history whose decision takes many
/// configurations, under a limit already over.
#[test]
fn a_time_limit_answers_unknown_and_says_it_was_time() {
    let mut history = History::default();
    history.invoke(0, transfer(0, 1, 1));
    history.invoke(1, Call::Audit);
    history.answer(0, DONE);
    history.answer(1, Outcome::Audit(vec![1, 1]));
    for _ in 0..20_000 {
        history.invoke(0, transfer(1, 0, 1));
        history.invoke(1, transfer(0, 1, 1));
        history.answer(0, DONE);
        history.answer(1, DONE);
    }
    let bounds = SearchBounds {
        decision: Limits {
            configurations: u64::MAX,
            time: Some(std::time::Duration::ZERO),
        },
        explanation: Limits::default(),
    };
    assert!(matches!(
        check(&[1, 1], &history, bounds).unwrap(),
        Linearizability::Unknown {
            exhausted: Exhausted::Time,
            ..
        }
    ));
    assert!(matches!(
        check(&[1, 1], &history, SearchBounds::default()).unwrap(),
        Linearizability::Linearizable { .. }
    ));
}

/// A long history explained by a long order: the order's chain of steps is freed without
/// recursion (a recursive free of 200,000 steps overflows a test thread's stack).
#[test]
fn a_long_history_is_decided_and_its_order_freed() {
    let mut history = History::default();
    // Out of return order first, so the cheap witness gives way to the search.
    history.invoke(0, transfer(0, 1, 1));
    history.invoke(1, Call::Audit);
    history.answer(0, DONE);
    history.answer(1, Outcome::Audit(vec![1, 1]));
    // Then back and forth: [0, 2] → [1, 1] → [0, 2] …
    for _ in 0..100_000 {
        history.invoke(0, transfer(1, 0, 1));
        history.answer(0, DONE);
        history.invoke(1, transfer(0, 1, 1));
        history.answer(1, DONE);
    }
    let Linearizability::Linearizable { order } = verdict(&[1, 1], &history) else {
        panic!("every transfer follows the last");
    };
    assert_eq!(order.len(), 200_002);
    assert_eq!(&order[..2], &[1, 0]);
}

/// A time limit too far off to be a time (`Duration::MAX`) is no limit, not a panic.
#[test]
fn a_time_limit_of_duration_max_is_no_limit() {
    let mut history = History::default();
    history.invoke(0, transfer(0, 1, 1));
    history.invoke(1, Call::Audit);
    history.answer(0, DONE);
    history.answer(1, Outcome::Audit(vec![1, 1]));
    let limits = Limits {
        configurations: 1_000,
        time: Some(std::time::Duration::MAX),
    };
    assert_eq!(
        decide(&[1, 1], &history, limits),
        Ok(Decision::Linearizable)
    );
    let bounds = SearchBounds {
        decision: limits,
        explanation: limits,
    };
    assert!(matches!(
        check(&[1, 1], &history, bounds),
        Ok(Linearizability::Linearizable { .. })
    ));
}

/// Thread numbers may be any `usize`: they are names, not indices.
#[test]
fn thread_numbers_are_names_even_the_largest() {
    let mut history = History::default();
    history.invoke(usize::MAX, transfer(0, 1, 1));
    history.invoke(1 << 40, Call::Audit);
    history.answer(usize::MAX, DONE);
    history.answer(1 << 40, Outcome::Audit(vec![1, 1]));
    assert_eq!(
        decide(&[1, 1], &history, Limits::default()),
        Ok(Decision::Linearizable)
    );
    assert!(matches!(
        verdict(&[1, 1], &history),
        Linearizability::Linearizable { .. }
    ));
    history.invoke(7, Call::Audit);
    history.answer(7, Outcome::Audit(vec![2, 0]));
    let Linearizability::NotLinearizable(violation) = verdict(&[1, 1], &history) else {
        panic!("an audit of a state the bank was never in");
    };
    assert_eq!((violation.prefix_len, violation.unplaceable), (6, 2));
    assert_eq!(violation.operations[0].thread, usize::MAX);
}

/// More threads than the first bit-set word holds: the configurations are widened while a call
/// is placed early, and both answers survive it (a linearizable history, then a violation after
/// the widening).
#[test]
fn configurations_widened_for_a_new_thread_keep_their_early_placements() {
    let mut history = History::default();
    history.invoke(0, transfer(0, 1, 1));
    history.invoke(1, Call::Audit);
    // Needs worker-0's transfer placed early.
    history.answer(1, Outcome::Audit(vec![0, 1]));
    history.invoke(2, Call::Audit);
    history.answer(0, DONE);
    // Every thread from 3 to 99 makes one audit while worker-2's is pending: 100 threads, two
    // words per bit set.
    for thread in 3..100 {
        history.invoke(thread, Call::Audit);
        history.answer(thread, Outcome::Audit(vec![0, 1]));
    }
    history.answer(2, Outcome::Audit(vec![0, 1]));
    assert_eq!(
        decide(&[1, 0], &history, Limits::default()),
        Ok(Decision::Linearizable)
    );
    let mut decider = Decider::new(&[1, 0], 1, Limits::default());
    for event in history.events.clone() {
        decider.push(event).unwrap();
    }
    assert_eq!(decider.finish(), Decision::Linearizable);
    let mut bad = history.clone();
    bad.invoke(200, Call::Audit);
    bad.answer(200, Outcome::Audit(vec![1, 0]));
    let events = bad.events.len();
    assert_eq!(
        decide(&[1, 0], &bad, Limits::default()),
        Ok(Decision::NotLinearizable { event: events - 1 })
    );
    assert!(matches!(
        verdict(&[1, 0], &bad),
        Linearizability::NotLinearizable(violation) if violation.minimal && violation.prefix_len == events
    ));
}

/// A table with a column per thread is drawn only when it fits 100 columns; a wider one (six
/// threads auditing six accounts) becomes a list, one call per line with its thread's name, so
/// that a terminal shows it whole instead of a wall of wrapped lines.
#[test]
fn a_table_too_wide_for_a_terminal_is_drawn_one_call_per_line() {
    let balances = vec![10_000_i64; 6];
    let mut history = History::default();
    for thread in 0..6 {
        history.invoke(thread, Call::Audit);
    }
    for thread in 0..5 {
        history.answer(thread, Outcome::Audit(balances.clone()));
    }
    let mut wrong = balances.clone();
    wrong[0] += 1;
    history.answer(5, Outcome::Audit(wrong));
    let Linearizability::NotLinearizable(violation) = verdict(&balances, &history) else {
        panic!("an audit of money that is not there");
    };
    let names = bank_stress::thread_names::history_columns(6);
    for text in [
        table::render_text(&violation, &names),
        table::render_window(&violation, &names),
    ] {
        let (sentences, table): (Vec<&str>, Vec<&str>) = text.lines().partition(|line| {
            line.starts_with("not linearizable")
                || line.contains("closest sequential order")
                || line.contains("no order of the calls")
        });
        assert_eq!(sentences.len(), 3, "{text}");
        assert_eq!(table.len(), 6, "one line per call: {text}");
        for line in table {
            assert!(line.chars().count() <= table::MAX_TABLE_COLUMNS, "{line}");
        }
        assert!(text.contains("one per line"), "{text}");
        assert!(text.contains("  ✗ worker-5  audit → [10001,"), "{text}");
    }
    // A narrow one keeps its columns.
    let mut narrow = History::default();
    narrow.invoke(0, transfer(0, 1, 1));
    narrow.invoke(1, transfer(0, 1, 1));
    narrow.answer(0, DONE);
    narrow.answer(1, DONE);
    let Linearizability::NotLinearizable(violation) = verdict(&[1, 0], &narrow) else {
        panic!("two transfers of the only dollar");
    };
    let text = table::render_text(&violation, &bank_stress::thread_names::history_columns(2));
    assert!(text.contains(" │ "), "{text}");
    assert!(!text.contains("one per line"), "{text}");
}
