//! The check: is a history linearizable against [`SequentialBank`], and if not, why?
//!
//! Wing & Gong's question, answered by Lowe's "just-in-time" linearisation (Lowe, "Testing for
//! linearizability", 2017) as one forward walk that keeps only the frontier of configurations
//! (the sequential bank's balances plus the calls placed in the order but not yet returned),
//! merged when they agree ([`super::walk`]). Three stages, each with its own bound:
//!
//! 1. a cheap witness: the calls in the order they returned (most histories are explained by it);
//! 2. the decision ([`super::decide`]): every placed call gives the result it really gave, which
//!    the walk reads ahead to know; linear in the history;
//! 3. for a violation, the explanation ([`super::explain`]): the minimal non-linearizable prefix
//!    (in a prefix, a call still pending may have taken effect or not, with any result), the call
//!    that cannot be placed at its end and the closest order, computed from the decision's
//!    frontier a few events before the violation, not by re-walking the history.
//!
//! A bound that runs out gives [`Linearizability::Unknown`] in the decision (never a guess) and
//! a violation marked not minimal in the explanation.

use super::decide::{Decision, Limits, Walker};
use super::explain::explain;
use super::history::{Call, Event, History, MalformedHistory, Outcome};
use super::violation::Violation;
pub use super::walk::Exhausted;
use super::walk::{Chain, order_of};
use bank_core::Money;
use bank_core::model::SequentialBank;

/// How much each stage of a check may spend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SearchBounds {
    /// The decision: past it, the answer is "unknown".
    pub decision: Limits,
    /// The explanation of a decided violation: past it, the violation stands and its prefix is
    /// the whole history, said to be not minimal.
    pub explanation: Limits,
}

impl SearchBounds {
    /// At most `configurations` configurations per stage, no time limit.
    pub const fn configurations(configurations: u64) -> Self {
        Self {
            decision: Limits::configurations(configurations),
            explanation: Limits::configurations(configurations),
        }
    }
}

/// The answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Linearizability {
    /// Some order of the calls respects real time and gives every result the bank gave. `order`
    /// lists one such order (indices into [`History::operations`]; calls that never returned and
    /// never took effect are left out).
    Linearizable {
        /// The order found.
        order: Vec<usize>,
    },
    /// No order exists.
    NotLinearizable(Violation),
    /// The decision's bound ran out first.
    Unknown {
        /// Which bound.
        exhausted: Exhausted,
        /// Configurations created before stopping.
        expansions: u64,
        /// Events processed before stopping.
        events_checked: usize,
    },
}

/// Checks `history` of a bank that opened with `initial` balances: decides, and explains a
/// violation. For the decision alone (no order, no explanation, less memory), see
/// [`super::decide()`].
///
/// # Errors
/// A history that one-call-at-a-time threads could not have produced.
pub fn check(
    initial: &[Money],
    history: &History,
    bounds: SearchBounds,
) -> Result<Linearizability, MalformedHistory> {
    let Ok(start) = SequentialBank::open(initial) else {
        // A bank that cannot open has no calls to order.
        history.operations()?;
        return Ok(Linearizability::Linearizable { order: Vec::new() });
    };
    if let Some(order) = order_of_returns(&start, history) {
        return Ok(Linearizability::Linearizable { order });
    }
    let mut decider: Walker<Chain> = Walker::new(initial, 1, bounds.decision).keeping_window();
    for event in &history.events {
        decider.push(event.clone())?;
    }
    decider.finish_walk();
    Ok(match decider.answer() {
        None => Linearizability::Linearizable {
            order: decider
                .surviving()
                .map_or_else(Vec::new, |configuration| order_of(&configuration.trail)),
        },
        Some(Decision::Linearizable) => {
            unreachable!("the decider answers only when it stops early")
        }
        Some(&Decision::Unknown {
            exhausted,
            configurations,
            events_checked,
        }) => Linearizability::Unknown {
            exhausted,
            expansions: configurations,
            events_checked,
        },
        Some(&Decision::NotLinearizable { event }) => Linearizability::NotLinearizable(explain(
            history,
            &decider,
            event,
            bounds.explanation.budget(),
        )?),
    })
}

/// The cheap witness tried first: the calls in the order they returned. It respects real time
/// (a call that returned before another was invoked also returned first), so if every result
/// matches, the history is linearizable; most are. One pass over the events, allocating only the
/// order (it runs after every shuttle execution). `None` also for a malformed history, which the
/// full check then reports.
fn order_of_returns(start: &SequentialBank, history: &History) -> Option<Vec<usize>> {
    let mut bank = start.clone();
    let mut pending: Vec<Option<(usize, Call)>> = Vec::new();
    let mut invoked = 0;
    let mut order = Vec::with_capacity(history.events.len() / 2);
    for event in &history.events {
        match event {
            // A thread number too large to index by leaves the history to the full check.
            Event::Invoke { thread, .. } | Event::Return { thread, .. } if *thread >= 1 << 16 => {
                return None;
            }
            Event::Invoke { thread, call } => {
                if pending.len() <= *thread {
                    pending.resize(thread + 1, None);
                }
                if pending[*thread].replace((invoked, *call)).is_some() {
                    return None;
                }
                invoked += 1;
            }
            Event::Return { thread, outcome } => {
                let (index, call) = pending.get_mut(*thread)?.take()?;
                let fits = match (call, outcome) {
                    (Call::Transfer { from, to, amount }, Outcome::Transfer(result)) => {
                        bank.transfer(from, to, amount) == *result
                    }
                    (Call::Audit, Outcome::Audit(balances)) => {
                        bank.balances() == balances.as_slice()
                    }
                    _ => false,
                };
                if !fits {
                    return None;
                }
                order.push(index);
            }
        }
    }
    Some(order)
}

#[cfg(test)]
mod tests {
    use super::{Call, History, Outcome, SequentialBank, order_of_returns};

    /// The cheap witness decides alone when the calls' return order explains every result, and
    /// steps aside (for the full search) when it does not: the verdict would be the same either
    /// way, so only this test notices if it stops working.
    #[test]
    fn the_return_order_witness_accepts_what_it_explains_and_nothing_else() {
        let start = SequentialBank::open(&[1, 1]).unwrap();
        let mut history = History::default();
        history.invoke(
            0,
            Call::Transfer {
                from: 0,
                to: 1,
                amount: 1,
            },
        );
        history.invoke(1, Call::Audit);
        history.answer(0, Outcome::Transfer(Ok(())));
        history.answer(1, Outcome::Audit(vec![0, 2]));
        assert_eq!(order_of_returns(&start, &history), Some(vec![0, 1]));
        // The audit saw the state before the transfer, but returned after it: linearizable, yet
        // not in return order.
        let mut earlier = History::default();
        earlier.invoke(
            0,
            Call::Transfer {
                from: 0,
                to: 1,
                amount: 1,
            },
        );
        earlier.invoke(1, Call::Audit);
        earlier.answer(0, Outcome::Transfer(Ok(())));
        earlier.answer(1, Outcome::Audit(vec![1, 1]));
        assert_eq!(order_of_returns(&start, &earlier), None);
        // A wrong transfer result, a return with nothing pending, a second call while one is
        // pending.
        let mut refused = History::default();
        refused.invoke(
            0,
            Call::Transfer {
                from: 0,
                to: 1,
                amount: 2,
            },
        );
        refused.answer(0, Outcome::Transfer(Ok(())));
        assert_eq!(order_of_returns(&start, &refused), None);
        let mut orphan = History::default();
        orphan.answer(0, Outcome::Audit(vec![1, 1]));
        assert_eq!(order_of_returns(&start, &orphan), None);
        let mut twice = History::default();
        twice.invoke(3, Call::Audit);
        twice.invoke(3, Call::Audit);
        assert_eq!(order_of_returns(&start, &twice), None);
        // A pending call never returned is left out of the order.
        let mut pending = History::default();
        pending.invoke(1, Call::Audit);
        pending.invoke(0, Call::Audit);
        pending.answer(0, Outcome::Audit(vec![1, 1]));
        assert_eq!(order_of_returns(&start, &pending), Some(vec![1]));
    }
}
