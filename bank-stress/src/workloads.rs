//! The checker's workloads: a default one per purpose, and proptest strategies that generate
//! small workloads (2–4 threads, 2–6 accounts, 1–4 operations per thread) for proptest to explore
//! and shrink.

use bank_core::{Money, Op, Workload};
use proptest::prelude::*;

/// The default exploration workload: small enough to explore thousands of schedules a second,
/// rich enough that every break in the catalog is reachable. Two accounts holding 1 each; two
/// threads draw 1 from account 0 (one of them must fail the funds check unless the check races:
/// overdraft, lost update), a third sends 2 the other way (lock-order deadlock), and two audits
/// watch (money in flight, audit-order deadlock).
///
/// The third transfer is of 2, not 1, so that it can only run after a 0→1 transfer completed:
/// a refill of account 0 between a racing check and its debit would hide the overdraft, and make
/// it a depth-3 bug that PCT at depth 2 never finds (measured: none in 100,000 schedules).
pub fn default_workload() -> Workload {
    Workload {
        balances: vec![1, 1],
        threads: vec![
            vec![transfer(0, 1, 1), Op::Audit],
            vec![transfer(0, 1, 1)],
            vec![transfer(1, 0, 2), Op::Audit],
        ],
    }
}

/// A transfer op.
pub fn transfer(from: usize, to: usize, amount: Money) -> Op {
    Op::Transfer { from, to, amount }
}

/// The most accounts a generated workload has; account indices are generated below this and
/// reduced modulo the workload's account count, so shrinking the count keeps every op valid.
const MAX_ACCOUNTS: usize = 6;

/// Amounts, mostly small, with the edges: zero, one, the largest balance, `i64::MAX`.
pub fn arb_amount() -> impl Strategy<Value = Money> {
    prop_oneof![8 => 1..=3i64, 1 => Just(0i64), 1 => Just(i64::MAX)]
}

/// One operation: mostly transfers, some audits.
pub fn arb_op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0..MAX_ACCOUNTS, 0..MAX_ACCOUNTS, arb_amount()).prop_map(|(from, to, amount)| Op::Transfer { from, to, amount }),
        2 => Just(Op::Audit),
    ]
}

/// A workload of 2–4 threads, 2–6 accounts holding 0–3 each, 1–4 operations per thread.
/// Shrinks towards fewer threads, fewer operations, fewer accounts and smaller values.
pub fn arb_workload() -> impl Strategy<Value = Workload> {
    (
        2..=MAX_ACCOUNTS,
        prop::collection::vec(0..=3i64, MAX_ACCOUNTS),
        prop::collection::vec(prop::collection::vec(arb_op(), 1..=4), 2..=4),
    )
        .prop_map(|(accounts, balances, threads)| Workload {
            balances: balances[..accounts].to_vec(),
            threads: threads
                .into_iter()
                .map(|ops| {
                    ops.into_iter()
                        .map(|op| match op {
                            Op::Transfer { from, to, amount } => Op::Transfer {
                                from: from % accounts,
                                to: to % accounts,
                                amount,
                            },
                            Op::Audit => Op::Audit,
                        })
                        .collect()
                })
                .collect(),
        })
}

/// A seed for shuttle derived from the workload itself, so that the same proptest case always
/// explores the same schedules (FNV-1a over the workload's debug form).
pub fn seed_for(workload: &Workload) -> u64 {
    format!("{workload:?}")
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
        })
}

/// The small bounds DFS enumerates completely, one per kind of conflict: a transfer against an
/// audit, opposite transfers, and two transfers from the same account. A variant that holds on
/// all of them has been proven within these bounds.
pub fn dfs_proof_workloads() -> Vec<(&'static str, Workload)> {
    let two_accounts = || vec![1, 1];
    vec![
        (
            "transfer-vs-audit",
            Workload {
                balances: two_accounts(),
                threads: vec![vec![transfer(0, 1, 1)], vec![Op::Audit]],
            },
        ),
        (
            "opposite-transfers",
            Workload {
                balances: two_accounts(),
                threads: vec![vec![transfer(0, 1, 1)], vec![transfer(1, 0, 1)]],
            },
        ),
        (
            "same-source",
            Workload {
                balances: two_accounts(),
                threads: vec![vec![transfer(0, 1, 1)], vec![transfer(0, 1, 1)]],
            },
        ),
    ]
}

/// The `actor` variant creates a reply channel per request, so two client threads already make
/// more than three million schedules; its exhaustive bound is one client against the owner thread.
pub fn dfs_single_client_workload() -> Workload {
    Workload {
        balances: vec![1, 1],
        threads: vec![vec![transfer(0, 1, 1), Op::Audit, transfer(1, 0, 1)]],
    }
}
