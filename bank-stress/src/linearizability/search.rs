//! The search: is a history linearizable against [`SequentialBank`]?
//!
//! Wing & Gong's question, answered the way Lowe's "just-in-time" linearisation does (Lowe,
//! "Testing for linearizability", 2017) with Porcupine's memoisation: walk the events in order,
//! keeping every *configuration* the history so far allows — the sequential bank's state plus
//! the calls already placed in the order but not yet returned. A call's return forces it into
//! the order: each configuration is extended by placing pending calls (each must give the result
//! it really gave) until that call is placed, and configurations that agree on (state, calls
//! placed early) are merged. If none survives, no order exists.
//!
//! Only calls pending at the same time are ever reordered, so the breadth-first walk keeps only
//! the configurations of one window of overlapping calls. The depth-first decision (which runs
//! first, see [`check`]) remembers every configuration it tried, so its memory grows with the work
//! done, up to the budget. A budget of configuration expansions per stage bounds the work:
//! exhausting it yields [`Linearizability::Unknown`], never a guess.
//!
//! For a violation the search returns the *minimal* non-linearizable prefix (every shorter prefix
//! has an order; in a prefix, calls that have not returned yet may take effect or not, with any
//! result), the call that cannot be placed at its end, and the longest order found before it.

use super::history::{Call, Event, History, MalformedHistory, Operation, Outcome};
use bank_core::Money;
use bank_core::model::SequentialBank;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, DefaultHasher};
use std::rc::Rc;

/// How much work a check may do before it answers "unknown".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SearchBound {
    /// Configurations the search may create, over the whole history.
    pub expansions: u64,
}

impl Default for SearchBound {
    /// Ten million configurations: far beyond any shuttle history (a few calls), and enough for
    /// real-thread histories of hundreds of thousands of calls from a handful of threads.
    fn default() -> Self {
        Self {
            expansions: 10_000_000,
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
    /// The budget ran out first.
    Unknown {
        /// Configurations created before stopping.
        expansions: u64,
        /// Events processed before stopping.
        events_checked: usize,
    },
}

/// Why a history is not linearizable, as briefly as it can be said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// Events in the minimal non-linearizable prefix; its last event is the return of the call
    /// that cannot be placed.
    pub prefix_len: usize,
    /// The calls of that prefix (a call returning after the prefix shows as pending).
    pub operations: Vec<Operation>,
    /// The call that cannot be placed (an index into `operations`).
    pub unplaceable: usize,
    /// The longest order of the prefix's calls the search found, respecting real time and every
    /// result, before it had to place the unplaceable call.
    pub closest_order: Vec<usize>,
    /// What the sequential bank would have answered to the unplaceable call at the end of
    /// `closest_order`.
    pub sequential_outcome: Outcome,
    /// Whether the prefix is the minimal one. `false` only when the depth-first search proved
    /// the history not linearizable and the breadth-first walk ran out of budget before finding
    /// the minimal prefix: the prefix is then the whole history.
    pub minimal: bool,
}

/// Checks `history` of a bank that opened with `initial` balances.
///
/// # Errors
/// A history that one-call-at-a-time threads could not have produced.
pub fn check(
    initial: &[Money],
    history: &History,
    bound: SearchBound,
) -> Result<Linearizability, MalformedHistory> {
    let Ok(start) = SequentialBank::open(initial) else {
        // A bank that cannot open has no calls to order.
        history.operations()?;
        return Ok(Linearizability::Linearizable { order: Vec::new() });
    };
    if let Some(order) = order_of_returns(&start, history) {
        return Ok(Linearizability::Linearizable { order });
    }
    let operations = history.operations()?;
    Ok(
        match depth_first(&start, &operations, &events_of(history, &operations), bound) {
            Decision::Linearizable(order) => Linearizability::Linearizable { order },
            Decision::Unknown {
                expansions,
                events_checked,
            } => Linearizability::Unknown {
                expansions,
                events_checked,
            },
            Decision::NotLinearizable(furthest) => {
                // Not linearizable: the breadth-first walk finds the minimal prefix and explains it.
                // If its budget runs out first, the answer stands (the depth-first search was
                // complete); the explanation is then the whole history and the call the depth-first
                // search could place last.
                match search(&start, history, &operations, bound) {
                    Walk::Died {
                        at_event,
                        unplaceable,
                        closest_order,
                        sequential_outcome,
                    } => {
                        let prefix_len = at_event + 1;
                        let operations = history.prefix(prefix_len).operations()?;
                        Linearizability::NotLinearizable(Violation {
                            prefix_len,
                            operations,
                            unplaceable,
                            closest_order,
                            sequential_outcome,
                            minimal: true,
                        })
                    }
                    Walk::Survived | Walk::OutOfBudget => {
                        Linearizability::NotLinearizable(Violation {
                            prefix_len: history.events.len(),
                            unplaceable: furthest.returning,
                            closest_order: furthest.order,
                            sequential_outcome: furthest.sequential_outcome,
                            operations,
                            minimal: false,
                        })
                    }
                }
            }
        },
    )
}

/// Where the depth-first search got furthest before it had to give up: the return it could not
/// get past, the order it had built, and the sequential answer to that call there.
struct Furthest {
    returning: usize,
    order: Vec<usize>,
    sequential_outcome: Outcome,
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

/// The sequential bank's answer to one call, applied to `bank`.
pub(super) fn apply(bank: &mut SequentialBank, call: Call) -> Outcome {
    match call {
        Call::Transfer { from, to, amount } => Outcome::Transfer(bank.transfer(from, to, amount)),
        Call::Audit => Outcome::Audit(bank.balances().to_vec()),
    }
}

/// One step of an order, shared between the configurations that extend it.
struct Placed {
    operation: usize,
    /// Calls placed up to and including this one.
    depth: usize,
    before: Option<Rc<Placed>>,
}

impl Placed {
    /// `operation` placed after `before`.
    fn after(operation: usize, before: Option<Rc<Placed>>) -> Rc<Placed> {
        Rc::new(Placed {
            operation,
            depth: order_depth(before.as_ref()) + 1,
            before,
        })
    }
}

impl Drop for Placed {
    /// Unlinks the chain iteratively: a real-thread order is hundreds of thousands of calls long,
    /// too deep for the recursive drop.
    fn drop(&mut self) {
        let mut next = self.before.take();
        while let Some(step) = next {
            next = match Rc::try_unwrap(step) {
                Ok(mut alone) => alone.before.take(),
                Err(_) => None,
            };
        }
    }
}

fn order_of(mut last: Option<&Rc<Placed>>) -> Vec<usize> {
    let mut order = Vec::new();
    while let Some(step) = last {
        order.push(step.operation);
        last = step.before.as_ref();
    }
    order.reverse();
    order
}

/// A call placed in the order before it returned, with the result the sequential bank gave it
/// there; its real result must match when it returns.
type PlacedEarly = Vec<(usize, Outcome)>;

/// A configuration: the sequential state and the calls placed but not yet returned (sorted by
/// call), with their results.
#[derive(Clone, PartialEq, Eq, Hash)]
struct Key {
    balances: Vec<Money>,
    placed_early: PlacedEarly,
}

struct Configuration {
    bank: SequentialBank,
    placed_early: PlacedEarly,
    order: Option<Rc<Placed>>,
}

/// How the breadth-first walk ended (it runs only on histories already found not
/// linearizable, so surviving means a bug in one of the two searches).
enum Walk {
    Survived,
    Died {
        at_event: usize,
        unplaceable: usize,
        closest_order: Vec<usize>,
        sequential_outcome: Outcome,
    },
    OutOfBudget,
}

/// A hasher with no random seed.
type Fixed = BuildHasherDefault<DefaultHasher>;

/// The decision, depth first (Lowe's just-in-time tree search): one configuration at a time,
/// moving forward through the events; at a return, first place the returning call, and only when
/// that leads nowhere, place other pending calls before it, one by one. Every call placed must
/// give the result it really gave (the whole history is known here), so the search follows one
/// order and backtracks only locally; configurations already tried at an event are memoised.
/// Complete and sound for the whole history; it does not find the minimal prefix (see [`search`]).
fn depth_first(
    start: &SequentialBank,
    operations: &[Operation],
    of_event: &[(usize, bool)],
    bound: SearchBound,
) -> Decision {
    struct Node {
        at_event: usize,
        bank: SequentialBank,
        pending: Vec<usize>,
        placed_early: Vec<usize>,
        order: Option<Rc<Placed>>,
    }
    let fits = |bank: &mut SequentialBank, index: usize| {
        let outcome = apply(bank, operations[index].call);
        operations[index]
            .outcome
            .as_ref()
            .is_none_or(|real| *real == outcome)
    };
    let mut tried: HashSet<(usize, Vec<Money>, Vec<usize>), Fixed> = HashSet::default();
    let mut furthest: Option<(usize, usize, Option<Rc<Placed>>, SequentialBank)> = None;
    let mut expansions: u64 = 0;
    let mut stack = vec![Node {
        at_event: 0,
        bank: start.clone(),
        pending: Vec::new(),
        placed_early: Vec::new(),
        order: None,
    }];
    'nodes: while let Some(mut node) = stack.pop() {
        // Invocations, and returns of calls already placed, need no choice.
        let returning = loop {
            let Some(&(operation, is_invocation)) = of_event.get(node.at_event) else {
                return Decision::Linearizable(order_of(node.order.as_ref()));
            };
            if is_invocation {
                node.pending.push(operation);
            } else if let Some(position) = node.placed_early.iter().position(|&p| p == operation) {
                node.placed_early.remove(position);
                node.pending.retain(|&p| p != operation);
            } else {
                break operation;
            }
            node.at_event += 1;
        };
        if !tried.insert((
            node.at_event,
            node.bank.balances().to_vec(),
            node.placed_early.clone(),
        )) {
            continue 'nodes;
        }
        if furthest
            .as_ref()
            .is_none_or(|(at, _, _, _)| node.at_event > *at)
        {
            furthest = Some((
                node.at_event,
                returning,
                node.order.clone(),
                node.bank.clone(),
            ));
        }
        expansions += 1;
        if expansions > bound.expansions {
            return Decision::Unknown {
                expansions,
                events_checked: node.at_event,
            };
        }
        // Children, pushed so that "place the returning call now" is tried first.
        for &candidate in node.pending.iter().rev() {
            if candidate == returning || node.placed_early.contains(&candidate) {
                continue;
            }
            let mut bank = node.bank.clone();
            if !fits(&mut bank, candidate) {
                continue;
            }
            // Kept sorted: configurations that placed the same calls early are one.
            let mut placed_early = node.placed_early.clone();
            placed_early.push(candidate);
            placed_early.sort_unstable();
            stack.push(Node {
                at_event: node.at_event,
                bank,
                pending: node.pending.clone(),
                placed_early,
                order: Some(Placed::after(candidate, node.order.clone())),
            });
        }
        let mut bank = node.bank.clone();
        if fits(&mut bank, returning) {
            let mut pending = node.pending;
            pending.retain(|&p| p != returning);
            stack.push(Node {
                at_event: node.at_event + 1,
                bank,
                pending,
                placed_early: node.placed_early,
                order: Some(Placed::after(returning, node.order)),
            });
        }
    }
    let (_, returning, order, mut bank) =
        furthest.expect("a history with no linearization has a return the search reached");
    Decision::NotLinearizable(Furthest {
        returning,
        order: order_of(order.as_ref()),
        sequential_outcome: apply(&mut bank, operations[returning].call),
    })
}

/// What the depth-first search decided.
enum Decision {
    Linearizable(Vec<usize>),
    NotLinearizable(Furthest),
    Unknown {
        expansions: u64,
        events_checked: usize,
    },
}

/// Per event: the call it invokes or returns, and whether it is an invocation.
fn events_of(history: &History, operations: &[Operation]) -> Vec<(usize, bool)> {
    let mut of_event: Vec<(usize, bool)> = vec![(0, true); history.events.len()];
    for (index, operation) in operations.iter().enumerate() {
        of_event[operation.invoked_at] = (index, true);
        if let Some(at) = operation.returned_at {
            of_event[at] = (index, false);
        }
    }
    of_event
}

/// The just-in-time walk over `history`'s events.
fn search(
    start: &SequentialBank,
    history: &History,
    operations: &[Operation],
    bound: SearchBound,
) -> Walk {
    let of_event = events_of(history, operations);
    let mut configurations = vec![Configuration {
        bank: start.clone(),
        placed_early: Vec::new(),
        order: None,
    }];
    let mut pending: Vec<usize> = Vec::new();
    let mut expansions: u64 = 0;
    for (at_event, &(operation, is_invocation)) in of_event.iter().enumerate() {
        if is_invocation {
            pending.push(operation);
            continue;
        }
        let returning = operation;
        // A fixed hasher: which configurations the narrow walk keeps is the same on every run.
        let mut survivors: HashMap<Key, Configuration, Fixed> = HashMap::default();
        let mut seen: HashSet<Key, Fixed> = HashSet::default();
        // The longest order found before the returning call, and the result it gets there.
        let mut deepest: Option<(usize, Option<Rc<Placed>>, Outcome)> = None;
        // (Only worked out for a configuration deeper than the best so far.)
        let mut consider = |before: Option<Rc<Placed>>, outcome: &dyn Fn() -> Outcome| {
            let depth = order_depth(before.as_ref());
            if deepest.as_ref().is_none_or(|(best, _, _)| depth > *best) {
                deepest = Some((depth, before, outcome()));
            }
        };
        let mut stack = configurations;
        let real = operations[returning].outcome.as_ref();
        while let Some(configuration) = stack.pop() {
            if let Some(position) = configuration
                .placed_early
                .iter()
                .position(|(placed, _)| *placed == returning)
            {
                // Placed before it returned: it survives if the result it was given there is the
                // one it returned.
                let mut placed_early = configuration.placed_early;
                let (_, given) = placed_early.remove(position);
                if Some(&given) != real {
                    consider(
                        order_before(configuration.order.as_ref(), returning),
                        &|| given.clone(),
                    );
                } else {
                    let key = Key {
                        balances: configuration.bank.balances().to_vec(),
                        placed_early: placed_early.clone(),
                    };
                    survivors.entry(key).or_insert(Configuration {
                        placed_early,
                        ..configuration
                    });
                }
                continue;
            }
            for &candidate in &pending {
                if configuration
                    .placed_early
                    .iter()
                    .any(|(placed, _)| *placed == candidate)
                {
                    continue;
                }
                let mut bank = configuration.bank.clone();
                let outcome = apply(&mut bank, operations[candidate].call);
                if candidate == returning && Some(&outcome) != real {
                    continue;
                }
                // Kept sorted by call: configurations that placed the same calls early, with
                // the same results, are one.
                let mut placed_early = configuration.placed_early.clone();
                placed_early.push((candidate, outcome));
                placed_early.sort_unstable_by_key(|(placed, _)| *placed);
                let key = Key {
                    balances: bank.balances().to_vec(),
                    placed_early: placed_early.clone(),
                };
                if !seen.insert(key) {
                    continue;
                }
                expansions += 1;
                if expansions > bound.expansions {
                    return Walk::OutOfBudget;
                }
                stack.push(Configuration {
                    bank,
                    placed_early,
                    order: Some(Placed::after(candidate, configuration.order.clone())),
                });
            }
            let call = operations[returning].call;
            consider(configuration.order, &|| {
                apply(&mut configuration.bank.clone(), call)
            });
        }
        pending.retain(|&operation| operation != returning);
        if survivors.is_empty() {
            let (_, closest, sequential_outcome) =
                deepest.expect("every configuration is considered before it is dropped");
            return Walk::Died {
                at_event,
                unplaceable: returning,
                closest_order: order_of(closest.as_ref()),
                sequential_outcome,
            };
        }
        configurations = survivors.into_values().collect();
    }
    Walk::Survived
}

/// The order up to (not including) `operation`'s place in it.
fn order_before(mut last: Option<&Rc<Placed>>, operation: usize) -> Option<Rc<Placed>> {
    while let Some(step) = last {
        if step.operation == operation {
            return step.before.clone();
        }
        last = step.before.as_ref();
    }
    None
}

fn order_depth(last: Option<&Rc<Placed>>) -> usize {
    last.map_or(0, |step| step.depth)
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
