//! The explanation of a violation, computed around it: the minimal non-linearizable prefix, the
//! call that cannot be placed at its end, and the closest order.
//!
//! The decision ([`super::decide`]) stops at the first return `F` that no configuration gets past
//! with every call giving its real result. Every shorter prefix is linearizable, so the minimal
//! prefix ends at `F` or later: in a prefix, a call still pending may have taken effect with any
//! result ([`Mode::Explain`]), which can carry the walk past `F`.
//!
//! The explanation does not re-walk the history. It restarts from the decision's frontier at a
//! *cut* `c`: the invocation of the oldest call pending at `F` that returns after `F` (or `F`
//! itself). Every call pending at `c` returns by `F`, so in the true prefix walk, a
//! configuration that placed one of them before `c` with a result other than its real one is
//! dead by `F`; what survives at any event from `F` on is exactly what the walk from the
//! decision's frontier at `c` (every result real) reaches. Its work is the few events around the
//! violation.

use super::decide::Walker;
use super::history::{Event, History, MalformedHistory, Operation, Outcome};
use super::violation::Violation;
use super::walk::{self, Budget, Chain, Configuration, Layout, Mode, PendingCall, Scratch, Step};
use bank_core::Money;

/// Explains the violation `decider` found at event `failed` of `history`, within `budget`. When
/// the budget runs out, the explanation is the whole history (not minimal) with the call the
/// decision could not place.
pub(super) fn explain(
    history: &History,
    decider: &Walker<Chain>,
    failed: usize,
    mut budget: Budget,
) -> Result<Violation, MalformedHistory> {
    let operations = history.operations()?;
    let (frontier, window, layout, pending) = decider.remains();
    let returns_after = |operation: &Operation| operation.returned_at.is_some_and(|at| at > failed);
    let cut = operations
        .iter()
        .filter(|operation| operation.invoked_at < failed && returns_after(operation))
        .map(|operation| operation.invoked_at)
        .min()
        .unwrap_or(failed);
    let (start, configurations) = window
        .iter()
        .rev()
        .find(|(processed, _)| *processed <= cut)
        .expect("the window reaches back to the oldest pending call");
    match walk_from(
        history,
        &operations,
        decider,
        *start,
        configurations,
        &mut budget,
    ) {
        Some(violation) => Ok(violation),
        None => {
            // Out of budget: the whole history, and the decision's closest order at `failed`.
            let (closest_order, sequential_outcome) = closest(
                layout,
                frontier,
                pending,
                decider.slot_of(thread_of(&history.events[failed])),
                Mode::Decide,
            );
            Ok(Violation {
                prefix_len: history.events.len(),
                unplaceable: operation_returning_at(&operations, failed),
                closest_order,
                sequential_outcome,
                operations,
                minimal: false,
            })
        }
    }
}

fn thread_of(event: &Event) -> usize {
    match event {
        Event::Invoke { thread, .. } | Event::Return { thread, .. } => *thread,
    }
}

fn operation_returning_at(operations: &[Operation], event: usize) -> usize {
    operations
        .iter()
        .position(|operation| operation.returned_at == Some(event))
        .expect("the failed event is a return")
}

/// The prefix walk from the frontier after `start` events; `None` if the budget runs out (or,
/// which would be a bug, the walk survives the whole history the decision refused).
fn walk_from(
    history: &History,
    operations: &[Operation],
    walker: &Walker<Chain>,
    start: usize,
    configurations: &[Configuration<Chain>],
    budget: &mut Budget,
) -> Option<Violation> {
    let (_, _, layout, slots) = walker.remains();
    let mut pending: Vec<Option<PendingCall>> = vec![None; slots.len()];
    let mut operation_of_event = vec![usize::MAX; history.events.len()];
    for (index, operation) in operations.iter().enumerate() {
        operation_of_event[operation.invoked_at] = index;
        if let Some(at) = operation.returned_at {
            operation_of_event[at] = index;
        }
        if operation.invoked_at < start && operation.returned_at.is_none_or(|at| at >= start) {
            pending[walker.slot_of(operation.thread)] = Some(pending_call(index, operation));
        }
    }
    let mut frontier = configurations.to_vec();
    let mut scratch = Scratch::default();
    for (at, event) in history.events.iter().enumerate().skip(start) {
        let index = operation_of_event[at];
        let returning = match event {
            Event::Invoke { thread, .. } => {
                pending[walker.slot_of(*thread)] = Some(pending_call(index, &operations[index]));
                continue;
            }
            Event::Return { thread, .. } => walker.slot_of(*thread),
        };
        let step = Step {
            layout,
            pending: &pending,
            returning,
            mode: Mode::Explain,
        };
        let next = walk::step(&frontier, &step, budget, &mut scratch, None).ok()?;
        if next.is_empty() {
            let (closest_order, sequential_outcome) =
                closest(layout, &frontier, &pending, returning, Mode::Closest);
            let prefix_len = at + 1;
            return Some(Violation {
                prefix_len,
                operations: history.prefix(prefix_len).operations().ok()?,
                unplaceable: index,
                closest_order,
                sequential_outcome,
                minimal: true,
            });
        }
        frontier = next;
        pending[returning] = None;
    }
    None
}

fn pending_call(index: usize, operation: &Operation) -> PendingCall {
    PendingCall {
        operation: index,
        call: operation.call,
        real: operation.outcome.clone(),
    }
}

/// Configurations the closest order's search may create, beyond the explanation's bound (its
/// one step places every pending call with any result, which for many threads is many orders;
/// past this many, the longest order found so far is the one given).
const CLOSEST_BOUND: u64 = 100_000;

/// The longest order the frontier reaches before it must place `returning`'s call, the first
/// found of that length, and what the sequential bank answers to the call after it. `mode` says
/// which placements count: [`Mode::Closest`] for a prefix (a call still pending may give any
/// result), [`Mode::Decide`] for the whole history (every call gives its real result).
fn closest(
    layout: Layout,
    frontier: &[Configuration<Chain>],
    pending: &[Option<PendingCall>],
    returning: usize,
    mode: Mode,
) -> (Vec<usize>, Outcome) {
    let mine = pending[returning]
        .as_ref()
        .expect("the unplaceable call is pending");
    let mut best: Option<(usize, Chain, Outcome)> = None;
    let mut consider = |configuration: &Configuration<Chain>, placed_early: bool| {
        let (chain, answer) = if placed_early {
            // Placed early as a successful transfer it did not say it was.
            (
                walk::chain_before(&configuration.trail, mine.operation),
                Outcome::Transfer(Ok(())),
            )
        } else {
            let mut balances: Vec<Money> = layout.balances(&configuration.packed).to_vec();
            (
                configuration.trail.clone(),
                walk::apply(&mut balances, mine.call),
            )
        };
        let depth = walk::depth(&chain);
        if best.as_ref().is_none_or(|(longest, _, _)| depth > *longest) {
            best = Some((depth, chain, answer));
        }
    };
    let step = Step {
        layout,
        pending,
        returning,
        mode,
    };
    // A closure over the pending calls' orders: small for a handful of threads; with hundreds,
    // the longest order found within this many configurations is the one given.
    let mut local = Budget {
        configurations: CLOSEST_BOUND,
        spent: 0,
        deadline: None,
    };
    let _ = walk::step(
        frontier,
        &step,
        &mut local,
        &mut Scratch::default(),
        Some(&mut consider),
    );
    let (_, chain, answer) = best.expect("the frontier is not empty");
    (walk::order_of(&chain), answer)
}
