//! A scope: the bounded space of workloads `prove` enumerates, and how far it explores each
//! workload's schedules.
//!
//! The small-scope hypothesis (Jackson, behind Alloy; also TLA+'s model checking practice): most
//! concurrency bugs have a small counterexample, so checking *every* workload of a small scope,
//! under every schedule, says more than sampling a few large ones. A [`ScopePart`] names the
//! bounds (threads, operations per thread, accounts, opening balances, amounts, audits) and the
//! schedule bound (every schedule, or every schedule with ≤ P preemptions); a [`Scope`] is a list
//! of parts, whose results are stated part by part.
//!
//! Operations are transfers between two *distinct* accounts and audits. A transfer from an
//! account to itself is refused by every bank before it touches anything (`validate_request`), so
//! it adds workloads and no behaviour.

use bank_core::{Money, Op, Workload};
use std::collections::BTreeMap;
use std::fmt;
use std::ops::RangeInclusive;

/// One part of a scope: every workload within these bounds, and the schedules to explore.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ScopePart {
    /// At most this many threads (from 1).
    pub threads: usize,
    /// At most this many operations per thread (from 1).
    pub ops_per_thread: usize,
    /// At most this many accounts (from 2).
    pub accounts: usize,
    /// Every opening balance in this range (inclusive).
    pub balances: RangeInclusive<Money>,
    /// Every transfer amount in this range (inclusive).
    pub amounts: RangeInclusive<Money>,
    /// Whether audits are among the operations.
    pub audits: bool,
    /// Explore every schedule with at most this many preemptions; `None`: every schedule.
    pub preemptions: Option<usize>,
}

/// A named list of parts, and the smaller parts some variants get instead.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Scope {
    /// The name it was chosen by (`default`, `quick`, `nightly`, or `custom`).
    pub name: String,
    /// The parts, each stated on its own.
    pub parts: Vec<ScopePart>,
    /// Variants proven over other parts than `parts` (by id), because `parts` would take too
    /// long for them; every report states the parts each variant was proven over.
    #[serde(default)]
    pub smaller_for: BTreeMap<String, Vec<ScopePart>>,
}

/// The bounds every named scope shares: balances 0..=2, amounts 1..=2, audits included.
fn part(threads: usize, ops: usize, accounts: usize, preemptions: Option<usize>) -> ScopePart {
    ScopePart {
        threads,
        ops_per_thread: ops,
        accounts,
        balances: 0..=2,
        amounts: 1..=2,
        audits: true,
        preemptions,
    }
}

impl Scope {
    /// The parts `variant` is proven over.
    pub fn parts_for(&self, variant: &bank_core::Subject) -> &[ScopePart] {
        self.smaller_for.get(variant.id).unwrap_or(&self.parts)
    }

    /// The names [`Scope::named`] knows.
    pub const NAMES: [&'static str; 3] = ["quick", "default", "nightly"];

    /// `cargo test`'s proof: every workload of ≤ 2 threads × 1 operation over 2 accounts, every
    /// interleaving; and every workload of ≤ 3 threads × 1 operation over ≤ 3 accounts with
    /// balances 0..=1 and amount 1, every interleaving with ≤ 2 preemptions (the smallest part
    /// where an audit can return balances that sum right and never existed). The actor (whose
    /// owner thread and reply channels make every interleaving of two clients 2.5 million
    /// schedules) gets only the first part, with ≤ 2 preemptions.
    pub fn quick() -> Self {
        Self {
            name: "quick".into(),
            parts: vec![
                part(2, 1, 2, None),
                ScopePart {
                    balances: 0..=1,
                    amounts: 1..=1,
                    ..part(3, 1, 3, Some(2))
                },
            ],
            smaller_for: BTreeMap::from([("actor".to_string(), vec![part(2, 1, 2, Some(2))])]),
        }
    }

    /// `cargo xtask prove`'s default: ≤ 2 threads × 1 operation over ≤ 3 accounts with every
    /// interleaving, and ≤ 2 threads × ≤ 2 operations over 2 accounts and ≤ 3 threads × 1
    /// operation over ≤ 3 accounts with ≤ 2 preemptions. The actor gets ≤ 2 threads × 1 operation
    /// over 2 accounts with every interleaving, and ≤ 2 threads × ≤ 2 operations and ≤ 3 threads
    /// × 1 operation over 2 accounts with ≤ 1 preemption (its full share would take over half an
    /// hour: BENCHMARKS.md §7).
    pub fn default_scope() -> Self {
        Self {
            name: "default".into(),
            parts: vec![
                part(2, 1, 3, None),
                part(2, 2, 2, Some(2)),
                part(3, 1, 3, Some(2)),
            ],
            smaller_for: BTreeMap::from([(
                "actor".to_string(),
                vec![
                    part(2, 1, 2, None),
                    part(2, 2, 2, Some(1)),
                    part(3, 1, 2, Some(1)),
                ],
            )]),
        }
    }

    /// The nightly tier's, strictly larger than the default: the default scope with ≤ 3
    /// preemptions instead of ≤ 2, plus ≤ 2 threads × 1 operation over ≤ 4 accounts with every
    /// interleaving. The actor: its default parts with ≤ 2 preemptions instead of ≤ 1, plus ≤ 2
    /// threads × 1 operation over ≤ 3 accounts with every interleaving.
    pub fn nightly() -> Self {
        let mut scope = Self::default_scope().with_bounds_raised_by(1);
        scope.name = "nightly".into();
        scope.parts.push(part(2, 1, 4, None));
        if let Some(actor) = scope.smaller_for.get_mut("actor") {
            actor.push(part(2, 1, 3, None));
        }
        scope
    }

    /// The same scope with every bounded part's preemption bound raised by `more`.
    fn with_bounds_raised_by(mut self, more: usize) -> Self {
        for part in self
            .parts
            .iter_mut()
            .chain(self.smaller_for.values_mut().flatten())
        {
            if let Some(bound) = part.preemptions.as_mut() {
                *bound += more;
            }
        }
        self
    }

    /// A scope by name, or `None`.
    pub fn named(name: &str) -> Option<Self> {
        match name {
            "quick" => Some(Self::quick()),
            "default" => Some(Self::default_scope()),
            "nightly" => Some(Self::nightly()),
            _ => None,
        }
    }

    /// Parses a scope: a name from [`Scope::NAMES`], or one custom part written
    /// `threads=T,ops=O,accounts=A[,balances=L..=H][,amounts=L..=H][,audits=yes|no][,preemptions=P|all]`.
    pub fn parse(text: &str) -> Result<Self, String> {
        if let Some(scope) = Self::named(text) {
            return Ok(scope);
        }
        if !text.contains('=') {
            return Err(format!(
                "unknown scope '{text}': use one of {} or threads=T,ops=O,accounts=A[,balances=L..=H][,amounts=L..=H][,audits=yes|no][,preemptions=P|all]",
                Self::NAMES.join(", ")
            ));
        }
        let mut custom = part(0, 0, 0, Some(2));
        let mut given: Vec<&str> = Vec::new();
        for field in text.split(',') {
            let (key, value) = field
                .split_once('=')
                .ok_or_else(|| format!("'{field}' is not key=value"))?;
            let value = value.trim();
            if given.contains(&key.trim()) {
                return Err(format!(
                    "scope field '{}' is given twice: give each field once",
                    key.trim()
                ));
            }
            given.push(key.trim());
            match key.trim() {
                "threads" => custom.threads = count(key, value)?,
                "ops" => custom.ops_per_thread = count(key, value)?,
                "accounts" => custom.accounts = count(key, value)?,
                "balances" => custom.balances = range(key, value)?,
                "amounts" => custom.amounts = range(key, value)?,
                "audits" => {
                    custom.audits = match value {
                        "yes" => true,
                        "no" => false,
                        _ => return Err(format!("audits={value}: use yes or no")),
                    }
                }
                "preemptions" => {
                    custom.preemptions =
                        if value == "all" {
                            None
                        } else {
                            Some(value.parse().map_err(|_| {
                                format!("preemptions={value}: use a number or 'all'")
                            })?)
                        }
                }
                other => {
                    return Err(format!(
                        "unknown scope field '{other}' (threads, ops, accounts, balances, amounts, audits, preemptions)"
                    ));
                }
            }
        }
        custom.validate()?;
        Ok(Self {
            name: "custom".into(),
            parts: vec![custom],
            smaller_for: BTreeMap::new(),
        })
    }

    /// The same scope with every bounded part's preemption bound replaced by `bound`.
    pub fn with_preemptions(mut self, bound: usize) -> Self {
        for part in self
            .parts
            .iter_mut()
            .chain(self.smaller_for.values_mut().flatten())
        {
            if part.preemptions.is_some() {
                part.preemptions = Some(bound);
            }
        }
        self
    }
}

/// A positive count.
fn count(key: &str, value: &str) -> Result<usize, String> {
    match value.parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!("{key}={value}: use a positive whole number")),
    }
}

/// `L..=H` (or a single `N`).
fn range(key: &str, value: &str) -> Result<RangeInclusive<Money>, String> {
    let bad = || format!("{key}={value}: use L..=H, e.g. 0..=2");
    let (low, high) = value.split_once("..=").unwrap_or((value, value));
    let low: Money = low.trim().parse().map_err(|_| bad())?;
    let high: Money = high.trim().parse().map_err(|_| bad())?;
    if low > high {
        return Err(bad());
    }
    Ok(low..=high)
}

impl ScopePart {
    /// Refuses bounds that make no workload, or far too many to enumerate.
    pub fn validate(&self) -> Result<(), String> {
        if self.threads == 0 || self.ops_per_thread == 0 {
            return Err("threads and ops must be at least 1".into());
        }
        if self.accounts < 2 {
            return Err("accounts must be at least 2 (a transfer needs two)".into());
        }
        if *self.balances.start() < 0 {
            return Err("balances must not be negative".into());
        }
        if *self.amounts.start() < 1 {
            return Err("amounts must be at least 1".into());
        }
        match self.raw_count() {
            Some(raw) if raw <= 10_000_000 => {}
            Some(raw) => {
                return Err(format!(
                    "this scope has {raw} workloads before reduction; the limit is 10,000,000"
                ));
            }
            None => {
                return Err(format!(
                    "this scope has more than {} workloads before reduction (more than can be counted); the limit is 10,000,000",
                    u128::MAX
                ));
            }
        }
        Ok(())
    }

    /// Whether some workload of the part can observe `invariant`: snapshot conservation needs an
    /// audit; the others are seen in every execution (the final read, every call's result,
    /// every blocked thread).
    pub fn observes(&self, invariant: bank_core::Invariant) -> bool {
        invariant != bank_core::Invariant::SnapshotConservation || self.audits
    }

    /// The operations a thread may perform over `accounts` accounts: every transfer between two
    /// distinct accounts with every amount, then the audit.
    pub fn alphabet(&self, accounts: usize) -> Vec<Op> {
        let mut ops = Vec::new();
        for from in 0..accounts {
            for to in 0..accounts {
                if from == to {
                    continue;
                }
                for amount in self.amounts.clone() {
                    ops.push(Op::Transfer { from, to, amount });
                }
            }
        }
        if self.audits {
            ops.push(Op::Audit);
        }
        ops
    }

    /// Every sequence of 1 to `ops_per_thread` operations over `accounts` accounts, shortest
    /// first.
    pub fn thread_programs(&self, accounts: usize) -> Vec<Vec<Op>> {
        let alphabet = self.alphabet(accounts);
        let mut all: Vec<Vec<Op>> = Vec::new();
        let mut layer: Vec<Vec<Op>> = vec![Vec::new()];
        for _ in 0..self.ops_per_thread {
            layer = layer
                .iter()
                .flat_map(|prefix| {
                    alphabet.iter().map(move |&op| {
                        let mut program = prefix.clone();
                        program.push(op);
                        program
                    })
                })
                .collect();
            all.extend(layer.iter().cloned());
        }
        all
    }

    /// Every opening balance vector over `accounts` accounts.
    pub fn opening_balances(&self, accounts: usize) -> Vec<Vec<Money>> {
        let mut all = vec![Vec::new()];
        for _ in 0..accounts {
            all = all
                .iter()
                .flat_map(|prefix| {
                    self.balances.clone().map(move |balance| {
                        let mut balances: Vec<Money> = prefix.clone();
                        balances.push(balance);
                        balances
                    })
                })
                .collect();
        }
        all
    }

    /// How many workloads the part has before any reduction: for each account count and thread
    /// count, (opening balance vectors) × (thread programs)^(threads), with the threads ordered.
    /// `None` when there are more than a `u128` counts.
    pub fn raw_count(&self) -> Option<u128> {
        let mut total: u128 = 0;
        let width = |range: &RangeInclusive<Money>| {
            (i128::from(*range.end()) - i128::from(*range.start()) + 1).max(0) as u128
        };
        for accounts in 2..=self.accounts {
            let balance_values = width(&self.balances);
            let amounts = width(&self.amounts);
            let letters = ((accounts * (accounts - 1)) as u128)
                .checked_mul(amounts)?
                .checked_add(u128::from(self.audits))?;
            let mut programs: u128 = 0;
            for length in 1..=u32::try_from(self.ops_per_thread).ok()? {
                programs = programs.checked_add(letters.checked_pow(length)?)?;
            }
            let openings = balance_values.checked_pow(u32::try_from(accounts).ok()?)?;
            for threads in 1..=u32::try_from(self.threads).ok()? {
                total = total.checked_add(openings.checked_mul(programs.checked_pow(threads)?)?)?;
            }
        }
        Some(total)
    }

    /// Every workload of the part with its threads in non-decreasing program order (one per
    /// multiset of thread programs: the thread-symmetry reduction, see `symmetry.rs`), or every
    /// ordered tuple when `ordered_threads` is set (no reduction, for tests).
    pub fn workloads(&self, ordered_threads: bool) -> Vec<Workload> {
        let mut workloads = Vec::new();
        for threads in 1..=self.threads {
            for accounts in 2..=self.accounts {
                let programs = self.thread_programs(accounts);
                let mut tuples: Vec<Vec<usize>> = vec![Vec::new()];
                for _ in 0..threads {
                    tuples = tuples
                        .iter()
                        .flat_map(|prefix| {
                            let first = if ordered_threads {
                                0
                            } else {
                                prefix.last().copied().unwrap_or(0)
                            };
                            (first..programs.len()).map(move |index| {
                                let mut tuple = prefix.clone();
                                tuple.push(index);
                                tuple
                            })
                        })
                        .collect();
                }
                for balances in self.opening_balances(accounts) {
                    for tuple in &tuples {
                        workloads.push(Workload {
                            balances: balances.clone(),
                            threads: tuple.iter().map(|&i| programs[i].clone()).collect(),
                        });
                    }
                }
            }
        }
        workloads
    }
}

impl fmt::Display for ScopePart {
    /// `≤ 2 threads × ≤ 2 ops, 2 accounts, balances 0..=2, amounts 1..=2, audits, ≤ 2
    /// preemptions`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let accounts = if self.accounts == 2 {
            "2 accounts".to_string()
        } else {
            format!("2–{} accounts", self.accounts)
        };
        write!(
            f,
            "≤ {} threads × ≤ {} op{}, {accounts}, balances {}..={}, amounts {}..={}, {}, {}",
            self.threads,
            self.ops_per_thread,
            if self.ops_per_thread == 1 { "" } else { "s" },
            self.balances.start(),
            self.balances.end(),
            self.amounts.start(),
            self.amounts.end(),
            if self.audits { "audits" } else { "no audits" },
            match self.preemptions {
                None => "every fair interleaving".to_string(),
                Some(1) => "every fair interleaving with ≤ 1 preemption".to_string(),
                Some(bound) => format!("every fair interleaving with ≤ {bound} preemptions"),
            }
        )
    }
}
