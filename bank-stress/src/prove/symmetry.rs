//! Symmetry reduction: `prove` checks one workload of each class of workloads that every bank
//! (or, for account renaming, every bank that declares it) treats alike.
//!
//! **Permuting threads** (every bank). A workload's threads run the same code on their own
//! operation lists; the `Bank` contract makes an operation's effect depend on its arguments and
//! the bank's state, never on which thread calls it (the runtime exposes a thread's name for
//! traces, and no bank branches on it). So workload W and W' (W with its threads listed in another
//! order) have the same executions up to renaming threads, with one difference: the harness
//! starts worker 0 first. A worker that has not been started yet has done nothing, so any
//! execution of W is matched by one of W' in which the harness starts every worker before the
//! workers move, and the workers then take the same steps, relabelled. Every execution therefore
//! shows W' the same audits, final balances, overdrafts and deadlocks as one execution of W, and
//! the other way round; its history of calls and results is W's with threads renamed, and
//! linearizability is blind to thread names (real-time order and results are what it compares). Under a preemption bound this holds because switches to and from the
//! harness are free (see `checker/preemption_bounded.rs`): the matching execution has exactly as
//! many worker-to-worker preemptions. The scope keeps one workload per multiset of thread
//! programs (the threads in non-decreasing order).
//!
//! **Renaming accounts** (only banks with `accounts_are_names`). If a bank uses account numbers
//! only as names, running W' = W with accounts renamed by a permutation p is running W with every
//! balance and audit entry renamed by p: the same totals, the same lowest balance, the same
//! deadlocks. The totals-and-balances invariants are about totals, the lowest balance and
//! deadlock, all of which are blind to names. Linearizability is too: the history of W' is W's
//! with accounts renamed in every call and result (an error names its account, renamed alike),
//! and the sequential bank treats account numbers only as names, so an order explains one
//! history exactly when the renamed order explains the other. W and W' have the same verdict. A bank that does anything in account
//! order while other threads run (locks accounts in index order; audits account 0, then 1, …
//! without excluding transfers) is *not* blind: `nested-locks` (audit locks account 0 then 1, a
//! transfer locks its source then its destination) deadlocks on `1→0 ‖ audit` and not on
//! `0→1 ‖ audit`. For those banks accounts are never renamed. The catalog sets the flag per
//! variant; a bank checked through the public API gets it only if its author asserts it.
//!
//! Both reductions are tested: on a small scope, every workload's verdict equals the verdict of
//! the one workload of its class that `prove` keeps, for every catalog variant
//! (`tests/prove_scope.rs`).

use bank_core::{Money, Op, Workload};

/// An operation's sort key.
type OpKey = (u8, usize, usize, Money);
/// A thread program's sort key.
type ProgramKey = (usize, Vec<OpKey>);

/// A sort key for one operation, in the order the scope's alphabet lists operations.
fn op_key(op: &Op) -> OpKey {
    match *op {
        Op::Transfer { from, to, amount } => (0, from, to, amount),
        Op::Audit => (1, 0, 0, 0),
    }
}

/// A sort key for one thread's program: shorter first, then operation by operation.
fn program_key(program: &[Op]) -> ProgramKey {
    (program.len(), program.iter().map(op_key).collect())
}

/// The workload with its threads in non-decreasing program order.
pub fn sort_threads(mut workload: Workload) -> Workload {
    workload
        .threads
        .sort_by_cached_key(|program| program_key(program));
    workload
}

/// The workload with account `a` renamed `renaming[a]`.
pub fn rename_accounts(workload: &Workload, renaming: &[usize]) -> Workload {
    let mut balances = vec![0; workload.balances.len()];
    for (account, &balance) in workload.balances.iter().enumerate() {
        balances[renaming[account]] = balance;
    }
    let threads = workload
        .threads
        .iter()
        .map(|program| {
            program
                .iter()
                .map(|op| match *op {
                    Op::Transfer { from, to, amount } => Op::Transfer {
                        from: renaming[from],
                        to: renaming[to],
                        amount,
                    },
                    Op::Audit => Op::Audit,
                })
                .collect()
        })
        .collect();
    Workload { balances, threads }
}

/// Every permutation of `0..n`, the identity first.
pub fn permutations(n: usize) -> Vec<Vec<usize>> {
    let mut all = vec![Vec::new()];
    for _ in 0..n {
        all = all
            .into_iter()
            .flat_map(|prefix: Vec<usize>| {
                let unused: Vec<usize> = (0..n).filter(|c| !prefix.contains(c)).collect();
                unused
                    .into_iter()
                    .map(move |next| {
                        let mut longer = prefix.clone();
                        longer.push(next);
                        longer
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
    }
    all
}

/// A total order on workloads of the same shape, for choosing one per class.
fn workload_key(workload: &Workload) -> (Vec<Money>, Vec<ProgramKey>) {
    (
        workload.balances.clone(),
        workload.threads.iter().map(|p| program_key(p)).collect(),
    )
}

/// The one workload of `workload`'s class that `prove` keeps: threads sorted, and, when accounts
/// are names, the least renaming.
pub fn representative(workload: &Workload, accounts_are_names: bool) -> Workload {
    let sorted = sort_threads(workload.clone());
    if !accounts_are_names {
        return sorted;
    }
    permutations(workload.balances.len())
        .iter()
        .map(|renaming| sort_threads(rename_accounts(workload, renaming)))
        .min_by_key(workload_key)
        .unwrap_or(sorted)
}

/// Whether `workload` is the one of its class that `prove` keeps.
pub fn is_representative(workload: &Workload, accounts_are_names: bool) -> bool {
    representative(workload, accounts_are_names) == *workload
}
