//! A second, independent decision procedure for the cross-check: Lowe's just-in-time tree search
//! depth first, one configuration at a time, memoising (event, balances, calls placed early),
//! with every call checked against its real result (a call that never returned may give
//! anything). It shares no code with the checker's walk: it works on [`Operation`]s and
//! [`SequentialBank`] directly. It was this workspace's decision procedure until the frontier
//! walk replaced it (it must exhaust every order before a late violation, so it is kept to
//! histories of a few thousand calls here).

use bank_core::model::SequentialBank;
use bank_stress::linearizability::{Call, History, Outcome};
use std::collections::HashSet;

fn apply(bank: &mut SequentialBank, call: Call) -> Outcome {
    match call {
        Call::Transfer { from, to, amount } => Outcome::Transfer(bank.transfer(from, to, amount)),
        Call::Audit => Outcome::Audit(bank.balances().to_vec()),
    }
}

/// Whether `history` of a bank that opened with `initial` is linearizable (a call that never
/// returned may have taken effect, with any result, or not).
pub fn linearizable(initial: &[i64], history: &History) -> bool {
    let operations = history.operations().expect("well-formed");
    let Ok(start) = SequentialBank::open(initial) else {
        return true;
    };
    // Per event: the call it invokes or returns, and whether it is an invocation.
    let mut of_event = vec![(0, true); history.events.len()];
    for (index, operation) in operations.iter().enumerate() {
        of_event[operation.invoked_at] = (index, true);
        if let Some(at) = operation.returned_at {
            of_event[at] = (index, false);
        }
    }
    let fits = |bank: &mut SequentialBank, index: usize| {
        let outcome = apply(bank, operations[index].call);
        operations[index]
            .outcome
            .as_ref()
            .is_none_or(|real| *real == outcome)
    };
    struct Node {
        at_event: usize,
        bank: SequentialBank,
        pending: Vec<usize>,
        placed_early: Vec<usize>,
    }
    let mut tried: HashSet<(usize, Vec<i64>, Vec<usize>)> = HashSet::new();
    let mut stack = vec![Node {
        at_event: 0,
        bank: start,
        pending: Vec::new(),
        placed_early: Vec::new(),
    }];
    while let Some(mut node) = stack.pop() {
        let returning = loop {
            let Some(&(operation, is_invocation)) = of_event.get(node.at_event) else {
                return true;
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
            continue;
        }
        for &candidate in &node.pending {
            if candidate == returning || node.placed_early.contains(&candidate) {
                continue;
            }
            let mut bank = node.bank.clone();
            if !fits(&mut bank, candidate) {
                continue;
            }
            let mut placed_early = node.placed_early.clone();
            placed_early.push(candidate);
            placed_early.sort_unstable();
            stack.push(Node {
                at_event: node.at_event,
                bank,
                pending: node.pending.clone(),
                placed_early,
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
            });
        }
    }
    false
}
