//! The checker's workloads: the default ones every exploration covers, and proptest strategies
//! that generate small workloads (2–4 threads, 2–6 accounts, 1–4 operations per thread) for
//! proptest to explore and shrink.
//!
//! The generators reach every class of value a bank's code may branch on: amounts of 1–3 and of
//! 4–12, zero and `i64::MAX`, an amount equal to the paying account's opening balance and one
//! more than it; balances of 0–3 and of up to 24 (room for several successful transfers at once).

use bank_core::{Money, Op, Workload};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

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

/// What [`default_workload`] cannot show: three accounts with money enough that two transfers
/// succeed at once (each thread's transfer can run while the other's is in flight), a chain of
/// transfers through the middle account, and an audit on each side.
pub fn three_account_workload() -> Workload {
    Workload {
        balances: vec![4, 4, 4],
        threads: vec![
            vec![transfer(0, 1, 4), Op::Audit],
            vec![transfer(1, 2, 4)],
            vec![transfer(2, 0, 5), Op::Audit],
        ],
    }
}

/// What two accounts cannot show: an audit returning balances that sum right but never existed.
/// The audit reads account 0 before `0→1`, account 1 after `0→1` returned and before `2→1`
/// starts, and account 2 after both (`balancing-audit` returns `[1, 1, 0]`; the bank went
/// `[1, 0, 1]`, `[0, 1, 1]`, `[0, 2, 0]`, and with `0→1` before `2→1` in real time no serial
/// order passes through `[1, 1, 0]`).
pub fn never_existing_state_workload() -> Workload {
    Workload {
        balances: vec![1, 0, 1],
        threads: vec![
            vec![Op::Audit],
            vec![transfer(0, 1, 1)],
            vec![transfer(2, 1, 1)],
        ],
    }
}

/// How many generated workloads the default exploration adds to the two hand-written ones.
pub const GENERATED_IN_DEFAULT_EXPLORATION: usize = 24;

/// The seed of the generated workloads in the default exploration (fixed: the same workloads on
/// every machine and every run).
const DEFAULT_EXPLORATION_SEED: [u8; 32] = *b"the unsafe bank, proven, 2026-11";

/// The default exploration: [`default_workload`], [`three_account_workload`], and
/// [`GENERATED_IN_DEFAULT_EXPLORATION`] workloads drawn by [`arb_workload`] from a fixed seed.
pub fn default_exploration() -> Vec<Workload> {
    let mut workloads = vec![default_workload(), three_account_workload()];
    workloads.extend(generated_workloads(
        GENERATED_IN_DEFAULT_EXPLORATION,
        DEFAULT_EXPLORATION_SEED,
    ));
    workloads
}

/// `count` workloads drawn by [`arb_workload`] from `seed`: the same ones for the same seed.
pub fn generated_workloads(count: usize, seed: [u8; 32]) -> Vec<Workload> {
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &seed),
    );
    let strategy = arb_workload();
    (0..count)
        .filter_map(|_| strategy.new_tree(&mut runner).ok())
        .map(|tree| tree.current())
        .collect()
}

/// A transfer op.
pub fn transfer(from: usize, to: usize, amount: Money) -> Op {
    Op::Transfer { from, to, amount }
}

/// The most accounts a generated workload has; account indices are generated below this and
/// reduced modulo the workload's account count, so shrinking the count keeps every op valid.
const MAX_ACCOUNTS: usize = 6;

/// An amount as generated, before the balances are known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AmountChoice {
    /// This amount.
    Literal(Money),
    /// The paying account's opening balance plus this (0: all of it; 1: one more than it has).
    OpeningBalancePlus(Money),
}

/// Amounts, mostly small, with the edges: zero, `i64::MAX`, larger amounts (4–12), and an amount
/// equal to (or one more than) the paying account's opening balance.
pub fn arb_amount() -> impl Strategy<Value = AmountChoice> {
    prop_oneof![
        6 => (1..=3i64).prop_map(AmountChoice::Literal),
        2 => (4..=12i64).prop_map(AmountChoice::Literal),
        1 => Just(AmountChoice::Literal(0)),
        1 => Just(AmountChoice::Literal(i64::MAX)),
        2 => (0..=1i64).prop_map(AmountChoice::OpeningBalancePlus),
    ]
}

/// One operation as generated: mostly transfers, some audits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpChoice {
    /// A transfer; the accounts are reduced modulo the account count.
    Transfer(usize, usize, AmountChoice),
    /// An audit.
    Audit,
}

/// One operation: mostly transfers, some audits.
pub fn arb_op() -> impl Strategy<Value = OpChoice> {
    prop_oneof![
        3 => (0..MAX_ACCOUNTS, 0..MAX_ACCOUNTS, arb_amount())
            .prop_map(|(from, to, amount)| OpChoice::Transfer(from, to, amount)),
        2 => Just(OpChoice::Audit),
    ]
}

/// A balance: mostly 0–3, sometimes up to 24 (room for several successful transfers at once).
pub fn arb_balance() -> impl Strategy<Value = Money> {
    prop_oneof![3 => 0..=3i64, 1 => 4..=24i64]
}

/// A workload of 2–4 threads, 2–6 accounts, 1–4 operations per thread.
/// Shrinks towards fewer threads and operations first (proptest shrinks a tuple's parts in
/// order), then fewer accounts and smaller values.
pub fn arb_workload() -> impl Strategy<Value = Workload> {
    (
        prop::collection::vec(prop::collection::vec(arb_op(), 1..=4), 2..=4),
        2..=MAX_ACCOUNTS,
        prop::collection::vec(arb_balance(), MAX_ACCOUNTS),
    )
        .prop_map(|(threads, accounts, balances)| with_accounts(threads, &balances[..accounts]))
}

/// A workload on these accounts: every op's account indices reduced modulo their count, and
/// amounts relative to a balance resolved against it.
fn with_accounts(threads: Vec<Vec<OpChoice>>, balances: &[Money]) -> Workload {
    let accounts = balances.len();
    let resolve = |op: OpChoice| match op {
        OpChoice::Transfer(from, to, amount) => {
            let (from, to) = (from % accounts, to % accounts);
            let amount = match amount {
                AmountChoice::Literal(amount) => amount,
                AmountChoice::OpeningBalancePlus(extra) => balances[from].saturating_add(extra),
            };
            Op::Transfer { from, to, amount }
        }
        OpChoice::Audit => Op::Audit,
    };
    Workload {
        balances: balances.to_vec(),
        threads: threads
            .into_iter()
            .map(|ops| ops.into_iter().map(resolve).collect())
            .collect(),
    }
}

/// Greedy minimisation after proptest's shrink, which stops at local minima (it does not go
/// back to deleting operations once it has started shrinking values). Tries, until nothing more
/// helps: removing a thread, removing an operation, merging two accounts, and lowering an
/// amount or a balance; keeps each change under which `still_fails` stays true. Where no single
/// change keeps it failing, tries every pair of changes once (an overdraft that needs a refill
/// to pass the funds check loses the refill and the large amount together). Deterministic.
pub fn minimise(mut workload: Workload, still_fails: impl Fn(&Workload) -> bool) -> Workload {
    loop {
        let candidates = smaller_candidates(&workload);
        if let Some(smaller) = candidates.iter().find(|candidate| still_fails(candidate)) {
            workload = smaller.clone();
            continue;
        }
        let Some(smaller) = candidates
            .iter()
            .flat_map(smaller_candidates)
            .find(|candidate| still_fails(candidate))
        else {
            return workload;
        };
        workload = smaller;
    }
}

/// `workload` with account `merged` folded into account `into`: its balance added there, every
/// op that named it now naming `into`, and the accounts after it renumbered down by one.
fn merge_accounts(workload: &Workload, merged: usize, into: usize) -> Workload {
    let mut balances = workload.balances.clone();
    balances[into] = balances[into].saturating_add(balances[merged]);
    balances.remove(merged);
    let rename = |account: usize| {
        let account = if account == merged { into } else { account };
        if account > merged {
            account - 1
        } else {
            account
        }
    };
    let threads = workload
        .threads
        .iter()
        .map(|ops| {
            ops.iter()
                .map(|op| match *op {
                    Op::Transfer { from, to, amount } => Op::Transfer {
                        from: rename(from),
                        to: rename(to),
                        amount,
                    },
                    Op::Audit => Op::Audit,
                })
                .collect()
        })
        .collect();
    Workload { balances, threads }
}

/// Every one-step simplification of `workload`, simplest first.
fn smaller_candidates(workload: &Workload) -> Vec<Workload> {
    let mut candidates = Vec::new();
    for thread in 0..workload.threads.len() {
        let mut threads = workload.threads.clone();
        threads.remove(thread);
        candidates.push(Workload {
            balances: workload.balances.clone(),
            threads,
        });
    }
    for (thread, ops) in workload.threads.iter().enumerate() {
        for op in 0..ops.len() {
            let mut threads = workload.threads.clone();
            threads[thread].remove(op);
            threads.retain(|ops| !ops.is_empty());
            candidates.push(Workload {
                balances: workload.balances.clone(),
                threads,
            });
        }
    }
    if workload.balances.len() > 2 {
        for merged in 0..workload.balances.len() {
            for into in (0..workload.balances.len()).filter(|&into| into != merged) {
                candidates.push(merge_accounts(workload, merged, into));
            }
        }
    }
    for (thread, ops) in workload.threads.iter().enumerate() {
        for (index, op) in ops.iter().enumerate() {
            if let Op::Transfer { from, to, amount } = *op
                && amount > 1
            {
                // Halve first (large amounts shrink in a few steps), then one less.
                let smaller = [amount.min(24) / 2, amount.min(25) - 1];
                for amount in smaller.into_iter().filter(|&smaller| smaller > 0) {
                    let mut threads = workload.threads.clone();
                    threads[thread][index] = Op::Transfer { from, to, amount };
                    candidates.push(Workload {
                        balances: workload.balances.clone(),
                        threads,
                    });
                }
            }
        }
    }
    for account in 0..workload.balances.len() {
        let balance = workload.balances[account];
        for smaller in [balance / 2, balance - 1] {
            if balance > 0 && smaller >= 0 {
                let mut balances = workload.balances.clone();
                balances[account] = smaller;
                candidates.push(Workload {
                    balances,
                    threads: workload.threads.clone(),
                });
            }
        }
    }
    candidates.retain(|candidate| !candidate.threads.is_empty());
    candidates
}

/// A seed for shuttle derived from the workload itself, so that the same proptest case always
/// explores the same schedules (FNV-1a over the workload's debug form).
pub fn seed_for(workload: &Workload) -> u64 {
    fnv1a(format!("{workload:?}").as_bytes())
}

/// FNV-1a over `bytes`: the same value on every machine and run of this build (std's hasher is
/// randomly keyed). The text hashed is a `Debug` form, so a Rust release that changed it would
/// change the values; they name files and seed explorations, and prove nothing by being stable.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Three small workloads DFS enumerates completely, one per kind of conflict: a transfer against
/// an audit, opposite transfers, and two transfers from the same account. Tests use them as
/// fixed examples; the proof over every small workload is `prove`'s quick scope.
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
