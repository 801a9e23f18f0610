//! One step of the just-in-time walk (Lowe, "Testing for linearizability", 2017): what the
//! configurations before a call's return become once that call has to be in the order.
//!
//! A *configuration* is the sequential bank's balances plus the calls already placed in the
//! order but not yet returned. At a return, each configuration is extended by placing pending
//! calls one at a time until the returning call is placed, and configurations that agree on
//! (balances, calls placed early) are one. The walk keeps only the *frontier*, the configurations
//! before the next return, so its memory is bounded by the calls that overlap in time.
//!
//! Which early placements are tried is the walk's whole cost, and two rules keep it small:
//!
//! - **Deciding** ([`Mode::Decide`]) knows every call's real result (it reads ahead to the
//!   returns of the pending calls), so a call is placed early only where it gives that result.
//! - **Explaining** ([`Mode::Explain`]) looks for the minimal failing prefix, where a call still
//!   pending at the prefix's end may have taken effect with any result. Placing a call early with
//!   a result that changes nothing (an audit, a refused transfer) and is not its real one is
//!   never needed: the configuration without it has the same balances, and the call may stay
//!   unplaced for as long as it is pending, while the one with it dies when the call returns.
//!   So only a transfer that *succeeds* may be placed with a result other than its real one
//!   (marked *fabricated*: it dies at the call's return, but explains the prefixes before it).
//!
//! A call that never returns has no real result: it may have taken effect (a successful
//! transfer) or not; placing it with a result that changes nothing is never needed.

use super::history::{Call, Outcome};
use bank_core::Money;
use bank_core::TransferError;
use bank_core::bank::{check_funds, validate_request};
use hashbrown::HashTable;
use std::hash::BuildHasher;
use std::rc::Rc;
use std::time::Instant;

/// Which placements a step tries (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    /// Every placed call gives its real result.
    Decide,
    /// A call still pending may be placed with a successful transfer's result it did not give.
    Explain,
    /// At the return no configuration gets past, for the closest order only: any call still
    /// pending may be placed with any result (the longest order, as the minimal prefix allows).
    Closest,
}

/// A call invoked and not yet returned, as the walk sees it.
#[derive(Debug, Clone)]
pub(super) struct PendingCall {
    /// Its index among the history's calls (in invocation order).
    pub operation: usize,
    pub call: Call,
    /// What it really answered; `None` if it never returns.
    pub real: Option<Outcome>,
}

/// The order a configuration has placed so far. The decision alone keeps none (`()`); the full
/// check keeps a shared chain ([`Chain`]) to give a witness order and the closest order.
pub(super) trait Trail: Clone {
    fn start() -> Self;
    #[must_use]
    fn then(&self, operation: usize) -> Self;
}

impl Trail for () {
    fn start() -> Self {}
    fn then(&self, _: usize) -> Self {}
}

/// One step of an order, shared between the configurations that extend it.
pub(super) struct Placed {
    operation: usize,
    /// Calls placed up to and including this one.
    depth: usize,
    before: Chain,
}

/// An order as a chain of steps, newest first.
pub(super) type Chain = Option<Rc<Placed>>;

impl Trail for Chain {
    fn start() -> Self {
        None
    }
    fn then(&self, operation: usize) -> Self {
        Some(Rc::new(Placed {
            operation,
            depth: depth(self) + 1,
            before: self.clone(),
        }))
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

/// Calls in the chain.
pub(super) fn depth(chain: &Chain) -> usize {
    chain.as_ref().map_or(0, |step| step.depth)
}

/// The chain as an order, oldest first.
pub(super) fn order_of(chain: &Chain) -> Vec<usize> {
    let mut order = Vec::with_capacity(depth(chain));
    let mut last = chain.as_ref();
    while let Some(step) = last {
        order.push(step.operation);
        last = step.before.as_ref();
    }
    order.reverse();
    order
}

/// The chain up to (not including) `operation`'s place in it.
pub(super) fn chain_before(chain: &Chain, operation: usize) -> Chain {
    let mut last = chain.as_ref();
    while let Some(step) = last {
        if step.operation == operation {
            return step.before.clone();
        }
        last = step.before.as_ref();
    }
    None
}

/// A configuration, packed into one allocation so that it hashes and compares as one slice:
/// the balances, then one bit per thread for "its pending call is placed early", then one bit
/// per thread for "placed with a result it did not give" (see [`Mode::Explain`]).
#[derive(Clone)]
pub(super) struct Configuration<T> {
    pub packed: Box<[Money]>,
    pub trail: T,
}

/// The shape of a packed configuration.
#[derive(Debug, Clone, Copy)]
pub(super) struct Layout {
    pub accounts: usize,
    /// 64-bit words per bit set.
    pub words: usize,
}

impl Layout {
    pub fn new(accounts: usize, threads: usize) -> Self {
        Self {
            accounts,
            words: threads.div_ceil(64).max(1),
        }
    }

    /// The configuration of a bank that opened with `balances`, nothing placed.
    pub fn start(self, balances: &[Money]) -> Box<[Money]> {
        let mut packed = vec![0; self.accounts + 2 * self.words];
        packed[..self.accounts].copy_from_slice(balances);
        packed.into_boxed_slice()
    }

    fn bit(self, packed: &[Money], set: usize, thread: usize) -> bool {
        let word = packed[self.accounts + set * self.words + thread / 64];
        (word as u64 >> (thread % 64)) & 1 == 1
    }

    fn flip(self, packed: &mut [Money], set: usize, thread: usize) {
        let word = &mut packed[self.accounts + set * self.words + thread / 64];
        *word = (*word as u64 ^ (1u64 << (thread % 64))) as Money;
    }

    pub fn is_placed(self, packed: &[Money], thread: usize) -> bool {
        self.bit(packed, 0, thread)
    }

    pub fn is_fabricated(self, packed: &[Money], thread: usize) -> bool {
        self.bit(packed, 1, thread)
    }

    pub fn balances(self, packed: &[Money]) -> &[Money] {
        &packed[..self.accounts]
    }
}

/// A transfer applied to `balances` by the sequential bank's rules
/// ([`bank_core::model::SequentialBank::transfer`]: the same checks, in the same order).
pub(super) fn transfer(
    balances: &mut [Money],
    from: usize,
    to: usize,
    amount: Money,
) -> Result<(), TransferError> {
    validate_request(balances.len(), from, to, amount)?;
    check_funds(from, balances[from], to, balances[to], amount)?;
    balances[from] -= amount;
    balances[to] += amount;
    Ok(())
}

/// The sequential bank's answer to `call` on `balances` (applied).
pub(super) fn apply(balances: &mut [Money], call: Call) -> Outcome {
    match call {
        Call::Transfer { from, to, amount } => {
            Outcome::Transfer(transfer(balances, from, to, amount))
        }
        Call::Audit => Outcome::Audit(balances.to_vec()),
    }
}

/// Whether `call`, applied to `balances`, gives `real` (audits compared without allocating).
pub(super) fn gives(balances: &mut [Money], call: Call, real: &Outcome) -> bool {
    match (call, real) {
        (Call::Audit, Outcome::Audit(seen)) => seen.as_slice() == &*balances,
        (Call::Transfer { from, to, amount }, Outcome::Transfer(result)) => {
            transfer(balances, from, to, amount) == *result
        }
        _ => false,
    }
}

/// How an early placement went: not worth keeping, placed with its real result, or placed with a
/// successful transfer's result it did not give.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Early {
    Skip,
    Real,
    Fabricated,
}

/// Places `pending` early on `balances` (applied when kept), by `mode`'s rules.
fn place_early(balances: &mut [Money], pending: &PendingCall, mode: Mode) -> Early {
    let (real, changes_state) = match (pending.call, &pending.real) {
        (Call::Audit, Some(Outcome::Audit(seen))) => (seen.as_slice() == &*balances, false),
        (Call::Audit, _) => (false, false),
        (Call::Transfer { from, to, amount }, real) => {
            let result = transfer(balances, from, to, amount);
            let real = match real {
                Some(Outcome::Transfer(given)) => *given == result,
                // It never returns: only its effect can matter.
                None => result.is_ok(),
                Some(Outcome::Audit(_)) => false,
            };
            (real, result.is_ok())
        }
    };
    match mode {
        _ if real => Early::Real,
        Mode::Explain if changes_state => Early::Fabricated,
        Mode::Closest => Early::Fabricated,
        _ => Early::Skip,
    }
}

/// Why a walk stopped before its answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Exhausted {
    /// It created as many configurations as its bound allows.
    Configurations,
    /// It ran as long as its time limit allows.
    Time,
}

impl std::fmt::Display for Exhausted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Configurations => "its bound of configurations ran out",
            Self::Time => "its time limit ran out",
        })
    }
}

/// What a walk may still spend.
#[derive(Debug, Clone)]
pub(super) struct Budget {
    pub configurations: u64,
    pub spent: u64,
    pub deadline: Option<Instant>,
}

impl Budget {
    /// Counts one configuration created.
    fn spend(&mut self) -> Result<(), Exhausted> {
        // Indices of a step's configurations are 31-bit (see `FRONTIER`).
        if self.spent >= self.configurations.min(u64::from(FRONTIER - 1)) {
            return Err(Exhausted::Configurations);
        }
        self.spent += 1;
        // The clock is read every 1,024 configurations: a limit is overrun by fewer than that
        // many (microseconds).
        if self.spent.is_multiple_of(1024)
            && self
                .deadline
                .is_some_and(|deadline| Instant::now() >= deadline)
        {
            return Err(Exhausted::Time);
        }
        Ok(())
    }
}

/// The hash of a packed configuration: foldhash with a fixed seed, so which configuration
/// survives a merge is the same on every run.
fn hash_of(packed: &[Money]) -> u64 {
    foldhash::fast::FixedState::with_seed(0).hash_one(packed)
}

/// What a step needs to know besides the frontier.
pub(super) struct Step<'a> {
    pub layout: Layout,
    /// The pending call of each thread, if any.
    pub pending: &'a [Option<PendingCall>],
    /// The thread whose call returns now.
    pub returning: usize,
    pub mode: Mode,
}

/// Marks an index into the frontier (rather than into the step's own configurations).
const FRONTIER: u32 = 1 << 31;

/// Reused between steps so that a step allocates only the configurations it creates: the
/// configurations reached are kept once, and the sets of them hold indices.
pub(super) struct Scratch<T> {
    /// Configurations this step created (before placing the returning call).
    created: Vec<Configuration<T>>,
    /// Every configuration reached: an index into `created`, or into the frontier with
    /// [`FRONTIER`] set.
    seen: HashTable<u32>,
    /// The answer's configurations, by index into it.
    kept: HashTable<u32>,
    /// Reached and not yet extended.
    stack: Vec<u32>,
    current: Vec<Money>,
    candidate: Vec<Money>,
}

impl<T> Default for Scratch<T> {
    fn default() -> Self {
        Self {
            created: Vec::new(),
            seen: HashTable::new(),
            kept: HashTable::new(),
            stack: Vec::new(),
            current: Vec::new(),
            candidate: Vec::new(),
        }
    }
}

/// The configuration an index of `seen` names.
fn reached<'a, T>(
    frontier: &'a [Configuration<T>],
    created: &'a [Configuration<T>],
    index: u32,
) -> &'a Configuration<T> {
    if index & FRONTIER != 0 {
        &frontier[(index & !FRONTIER) as usize]
    } else {
        &created[index as usize]
    }
}

/// Adds `packed` to `next` unless it is there already.
fn keep<T>(
    next: &mut Vec<Configuration<T>>,
    kept: &mut HashTable<u32>,
    packed: &[Money],
    trail: T,
) {
    let hash = hash_of(packed);
    if kept
        .find(hash, |&index| &*next[index as usize].packed == packed)
        .is_some()
    {
        return;
    }
    kept.insert_unique(hash, next.len() as u32, |&index| {
        hash_of(&next[index as usize].packed)
    });
    next.push(Configuration {
        packed: packed.into(),
        trail,
    });
}

/// Sees each configuration that had to place the returning call: `true` for one that placed it
/// early with a result it did not give.
pub(super) type Consider<'a, T> = &'a mut dyn FnMut(&Configuration<T>, bool);

/// Every configuration before a call's return that some configuration of `frontier` reaches,
/// once the returning call is placed; `consider` sees every configuration that had to place it
/// (for the closest order), with `true` for one that placed it early with a result it did not
/// give. An empty answer means no order explains the call's result.
pub(super) fn step<T: Trail>(
    frontier: &[Configuration<T>],
    step: &Step,
    budget: &mut Budget,
    scratch: &mut Scratch<T>,
    mut consider: Option<Consider<T>>,
) -> Result<Vec<Configuration<T>>, Exhausted> {
    let Step {
        layout,
        pending,
        returning,
        mode: _,
    } = *step;
    let mine = pending[returning]
        .as_ref()
        .expect("a return has its call pending");
    let real = mine.real.as_ref().expect("a returning call has its result");
    let mut next = Vec::new();
    let Scratch {
        created,
        seen,
        kept,
        stack,
        current,
        candidate,
    } = scratch;
    kept.clear();
    start_from(frontier, created, seen, stack);
    while let Some(index) = stack.pop() {
        let configuration = reached(frontier, created, index);
        current.clear();
        current.extend_from_slice(&configuration.packed);
        let trail = configuration.trail.clone();
        if layout.is_placed(current, returning) {
            let fabricated = layout.is_fabricated(current, returning);
            if let Some(consider) = consider.as_deref_mut() {
                consider(configuration, fabricated);
            }
            if !fabricated {
                layout.flip(current, 0, returning);
                keep(&mut next, kept, current, trail);
            }
            continue;
        }
        if let Some(consider) = consider.as_deref_mut() {
            consider(configuration, false);
        }
        // Another pending call first.
        place_one_more(
            frontier,
            Reached {
                created,
                seen,
                stack,
            },
            candidate,
            current,
            &trail,
            step,
            budget,
        )?;
        // The returning call now, with the result it really gave.
        if gives(&mut current[..layout.accounts], mine.call, real) {
            let before = next.len();
            keep(&mut next, kept, current, trail.then(mine.operation));
            if next.len() > before {
                budget.spend()?;
            }
        }
    }
    Ok(next)
}

/// Empties a step's scratch space and starts its walk from every configuration of `frontier`.
fn start_from<T>(
    frontier: &[Configuration<T>],
    created: &mut Vec<Configuration<T>>,
    seen: &mut HashTable<u32>,
    stack: &mut Vec<u32>,
) {
    created.clear();
    seen.clear();
    stack.clear();
    for (index, configuration) in frontier.iter().enumerate() {
        let index = index as u32 | FRONTIER;
        remember(
            seen,
            frontier,
            created,
            hash_of(&configuration.packed),
            index,
        );
        stack.push(index);
    }
}

/// What a step has reached so far: the configurations it created, the set of every one reached
/// (by index, see [`FRONTIER`]), and those not yet extended.
struct Reached<'a, T> {
    created: &'a mut Vec<Configuration<T>>,
    seen: &'a mut HashTable<u32>,
    stack: &'a mut Vec<u32>,
}

/// Adds the configuration at `index` (hashed `hash`) to the set of those reached.
fn remember<T>(
    seen: &mut HashTable<u32>,
    frontier: &[Configuration<T>],
    created: &[Configuration<T>],
    hash: u64,
    index: u32,
) {
    seen.insert_unique(hash, index, |&index| {
        hash_of(&reached(frontier, created, index).packed)
    });
}

/// Every configuration `current` (its order `trail`) reaches by placing one more pending call
/// early, by the step's mode, that was not reached before: created, remembered and queued.
fn place_one_more<T: Trail>(
    frontier: &[Configuration<T>],
    reached_so_far: Reached<'_, T>,
    candidate: &mut Vec<Money>,
    current: &[Money],
    trail: &T,
    step: &Step,
    budget: &mut Budget,
) -> Result<(), Exhausted> {
    let Reached {
        created,
        seen,
        stack,
    } = reached_so_far;
    let layout = step.layout;
    for (thread, other) in step.pending.iter().enumerate() {
        let Some(other) = other else { continue };
        if thread == step.returning || layout.is_placed(current, thread) {
            continue;
        }
        candidate.clear();
        candidate.extend_from_slice(current);
        let placed = place_early(&mut candidate[..layout.accounts], other, step.mode);
        if placed == Early::Skip {
            continue;
        }
        layout.flip(candidate, 0, thread);
        if placed == Early::Fabricated {
            layout.flip(candidate, 1, thread);
        }
        let hash = hash_of(candidate);
        let already = seen.find(hash, |&index| {
            *reached(frontier, created, index).packed == **candidate
        });
        if already.is_some() {
            continue;
        }
        budget.spend()?;
        let index = created.len() as u32;
        created.push(Configuration {
            packed: candidate.as_slice().into(),
            trail: trail.then(other.operation),
        });
        remember(seen, frontier, created, hash, index);
        stack.push(index);
    }
    Ok(())
}
