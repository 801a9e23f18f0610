//! The decision: is a history linearizable? One forward walk over the events, keeping only the
//! frontier of configurations ([`super::walk`]), every placed call giving the result it really
//! gave.
//!
//! It reads events as a stream ([`Decider::push`], then [`Decider::finish`]), and looks ahead
//! only as far as it must: a return is processed once every call pending at that moment has
//! returned in the stream (or the stream has ended), because a call can be placed early only
//! where it gives its real result. So its memory is the frontier plus the events since the
//! oldest call still pending, bounded by the calls that overlap in time, never by the history's
//! length; and its time is linear in the history, times the configurations of each window. (A
//! call that never returns, a deadlocked thread's, overlaps everything after it: the stream is
//! then held from its invocation to the end.)
//!
//! The answer is exact: linearizable, not linearizable (with the return that no configuration
//! gets past), or unknown when a stated bound (configurations, or wall-clock time) runs out.

use super::history::{Call, Event, History, MalformedHistory, Outcome};
use super::walk::{
    self, Budget, Configuration, Exhausted, Layout, Mode, PendingCall, Scratch, Step, Trail,
};
use bank_core::Money;
use std::collections::{HashMap, VecDeque};
use std::rc::Rc;
use std::time::{Duration, Instant};

/// How much a stage of the check may spend before it stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Configurations it may create.
    pub configurations: u64,
    /// Wall-clock time it may take (`None`: no limit).
    pub time: Option<Duration>,
}

impl Limits {
    /// No limit of time, at most `configurations` configurations.
    pub const fn configurations(configurations: u64) -> Self {
        Self {
            configurations,
            time: None,
        }
    }

    pub(super) fn budget(self) -> Budget {
        Budget {
            configurations: self.configurations,
            spent: 0,
            // A limit too far off to be a time is no limit.
            deadline: self.time.and_then(|time| Instant::now().checked_add(time)),
        }
    }
}

impl Default for Limits {
    /// A hundred million configurations: a real-thread history of a million calls from a handful
    /// of threads needs a few million; no time limit.
    fn default() -> Self {
        Self::configurations(100_000_000)
    }
}

/// What the decision found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Some order of the calls respects real time and gives every result the bank gave.
    Linearizable,
    /// No order does: no configuration gets past the return at event `event`.
    NotLinearizable {
        /// The index of that return among the history's events.
        event: usize,
    },
    /// A bound ran out first.
    Unknown {
        /// Which one.
        exhausted: Exhausted,
        /// Configurations created before stopping.
        configurations: u64,
        /// Events processed before stopping.
        events_checked: usize,
    },
}

/// Decides `history` of a bank that opened with `initial` balances.
///
/// # Errors
/// A history that one-call-at-a-time threads could not have produced.
pub fn decide(
    initial: &[Money],
    history: &History,
    limits: Limits,
) -> Result<Decision, MalformedHistory> {
    // One word of thread bits to start with: widened if the history names more threads.
    let mut decider = Decider::new(initial, 1, limits);
    for event in &history.events {
        decider.push(event.clone())?;
    }
    Ok(decider.finish())
}

/// An event read but not processed yet: an invocation (its call), or a return (its thread).
#[derive(Debug)]
enum Buffered {
    Invoke { thread: usize, call: Call },
    Return { thread: usize },
}

/// The decision as a stream: [`Decider::push`] each event as it comes, then
/// [`Decider::finish`]. Its memory is bounded by the calls that overlap in time.
pub struct Decider(Walker<()>);

impl Decider {
    /// A decision for a bank that opened with `initial`, whose history names `threads` threads
    /// (a hint: more are accepted, at the cost of repacking; thread numbers may be any `usize`).
    pub fn new(initial: &[Money], threads: usize, limits: Limits) -> Self {
        Self(Walker::new(initial, threads, limits))
    }

    /// Reads the next event. Once an answer is known, later events are only checked for form.
    ///
    /// # Errors
    /// An event one-call-at-a-time threads could not have produced after the ones before it.
    pub fn push(&mut self, event: Event) -> Result<(), MalformedHistory> {
        self.0.push(event)
    }

    /// Ends the stream (calls still pending never return) and gives the answer.
    pub fn finish(mut self) -> Decision {
        self.0.finish_walk();
        self.0.end.take().unwrap_or(Decision::Linearizable)
    }
}

/// What the explanation starts from: the frontier before the return no configuration got past,
/// the window of frontiers since the oldest pending call (each with the events processed before
/// it), the layout, and the pending calls.
pub(super) type Remains<'a, T> = (
    &'a [Configuration<T>],
    &'a Window<T>,
    Layout,
    &'a [Option<PendingCall>],
);

/// Frontiers, each with the number of events processed before it, oldest first.
pub(super) type Window<T> = VecDeque<(usize, Rc<Vec<Configuration<T>>>)>;

/// The walk behind the decision. `T` is what each configuration remembers of its order:
/// nothing for [`Decider`]; the chain of placed calls for the full check, which also keeps the
/// frontiers since the oldest call still pending (the *window*), from which the explanation
/// starts.
pub(super) struct Walker<T: Trail> {
    layout: Layout,
    /// Whether the bank opened at all (a bank that cannot open has no calls to order).
    opened: bool,
    frontier: Rc<Vec<Configuration<T>>>,
    /// Thread numbers to the dense slots that index everything below and the bit sets.
    slots: HashMap<usize, usize, foldhash::fast::FixedState>,
    /// Each thread's pending call, once processed.
    pending: Vec<Option<PendingCall>>,
    /// Per thread: whether a call is open in what was pushed (to refuse malformed input).
    open: Vec<bool>,
    /// Per thread: results pushed for calls whose invocation is still in the buffer.
    results: Vec<VecDeque<Outcome>>,
    /// Processed calls still waiting for their result.
    unresolved: usize,
    buffer: VecDeque<Buffered>,
    pushed: usize,
    processed: usize,
    calls: usize,
    budget: Budget,
    scratch: Scratch<T>,
    end: Option<Decision>,
    keep_window: bool,
    /// `(events processed, frontier then)`, oldest first, while `keep_window`.
    window: Window<T>,
    /// The invocation event of each pending call, oldest first (for the window).
    invoked_at: VecDeque<(usize, usize)>,
}

impl<T: Trail> Walker<T> {
    pub(super) fn new(initial: &[Money], threads: usize, limits: Limits) -> Self {
        let opened = bank_core::model::SequentialBank::open(initial).is_ok();
        let layout = Layout::new(initial.len(), threads.max(1));
        Self {
            layout,
            opened,
            frontier: Rc::new(vec![Configuration {
                packed: layout.start(initial),
                trail: T::start(),
            }]),
            slots: HashMap::default(),
            pending: Vec::new(),
            open: Vec::new(),
            results: Vec::new(),
            unresolved: 0,
            buffer: VecDeque::new(),
            pushed: 0,
            processed: 0,
            calls: 0,
            budget: limits.budget(),
            scratch: Scratch::default(),
            end: None,
            keep_window: false,
            window: VecDeque::new(),
            invoked_at: VecDeque::new(),
        }
    }

    pub(super) fn keeping_window(mut self) -> Self {
        self.keep_window = true;
        self.window.push_back((0, Rc::clone(&self.frontier)));
        self
    }

    /// See [`Decider::push`].
    pub(super) fn push(&mut self, event: Event) -> Result<(), MalformedHistory> {
        let at = self.pushed;
        let thread = self.slot(match &event {
            Event::Invoke { thread, .. } | Event::Return { thread, .. } => *thread,
        });
        let is_invocation = matches!(event, Event::Invoke { .. });
        if self.open[thread] == is_invocation {
            return Err(MalformedHistory { event: at });
        }
        self.open[thread] = is_invocation;
        self.pushed += 1;
        if self.end.is_some() || !self.opened {
            return Ok(());
        }
        match event {
            Event::Invoke { call, .. } => self.buffer.push_back(Buffered::Invoke { thread, call }),
            Event::Return { outcome, .. } => {
                match &mut self.pending[thread] {
                    Some(call) if call.real.is_none() => {
                        call.real = Some(outcome);
                        self.unresolved -= 1;
                    }
                    _ => self.results[thread].push_back(outcome),
                }
                self.buffer.push_back(Buffered::Return { thread });
            }
        }
        self.advance(false);
        Ok(())
    }

    /// Ends the stream and processes what is left.
    pub(super) fn finish_walk(&mut self) {
        if self.end.is_none() && self.opened {
            self.advance(true);
        }
    }

    /// Processes buffered events while it can: a return waits until every pending call's result
    /// is known (or, at the end, is known never to come).
    fn advance(&mut self, at_end: bool) {
        while self.end.is_none() {
            let Some(front) = self.buffer.front() else {
                return;
            };
            if matches!(front, Buffered::Return { .. }) && self.unresolved > 0 && !at_end {
                return;
            }
            let event = self.processed;
            match self.buffer.pop_front().expect("looked at") {
                Buffered::Invoke { thread, call } => {
                    let real = self.results[thread].pop_front();
                    self.unresolved += usize::from(real.is_none());
                    self.pending[thread] = Some(PendingCall {
                        operation: self.calls,
                        call,
                        real,
                    });
                    self.calls += 1;
                    self.invoked_at.push_back((thread, event));
                }
                Buffered::Return { thread } => self.settle(thread, event),
            }
            self.processed += 1;
        }
    }

    /// The return of `thread`'s call at `event`.
    fn settle(&mut self, thread: usize, event: usize) {
        let step = Step {
            layout: self.layout,
            pending: &self.pending,
            returning: thread,
            mode: Mode::Decide,
        };
        match walk::step(
            &self.frontier,
            &step,
            &mut self.budget,
            &mut self.scratch,
            None,
        ) {
            Err(exhausted) => {
                self.end = Some(Decision::Unknown {
                    exhausted,
                    configurations: self.budget.spent,
                    events_checked: event,
                });
            }
            Ok(next) if next.is_empty() => {
                self.end = Some(Decision::NotLinearizable { event });
            }
            Ok(next) => {
                self.frontier = Rc::new(next);
                self.pending[thread] = None;
                self.invoked_at.retain(|&(pending, _)| pending != thread);
                if self.keep_window {
                    self.window
                        .push_back((event + 1, Rc::clone(&self.frontier)));
                    // The explanation starts no later than the oldest pending call's invocation.
                    let oldest = self.invoked_at.front().map_or(event + 1, |&(_, at)| at);
                    while self.window.len() >= 2 && self.window[1].0 <= oldest {
                        self.window.pop_front();
                    }
                }
            }
        }
    }

    /// The dense slot of a thread number (any `usize`), given in order of first appearance.
    fn slot(&mut self, thread: usize) -> usize {
        let next = self.slots.len();
        let slot = *self.slots.entry(thread).or_insert(next);
        if slot == next {
            self.open.push(false);
            self.results.push(VecDeque::new());
            self.pending.push(None);
            if slot >= self.layout.words * 64 {
                self.repack(slot + 1);
            }
        }
        slot
    }

    /// The slot of a thread number already seen.
    pub(super) fn slot_of(&self, thread: usize) -> usize {
        self.slots[&thread]
    }

    /// Widens every configuration's thread bit sets for `threads` threads.
    fn repack(&mut self, threads: usize) {
        let old = self.layout;
        let new = Layout::new(old.accounts, threads);
        let widen = |configurations: &Vec<Configuration<T>>| {
            configurations
                .iter()
                .map(|configuration| {
                    let mut packed = new.start(old.balances(&configuration.packed));
                    let words = &configuration.packed[old.accounts..];
                    for set in 0..2 {
                        for word in 0..old.words {
                            packed[new.accounts + set * new.words + word] =
                                words[set * old.words + word];
                        }
                    }
                    Configuration {
                        packed,
                        trail: configuration.trail.clone(),
                    }
                })
                .collect::<Vec<_>>()
        };
        self.frontier = Rc::new(widen(&self.frontier));
        for (_, frontier) in &mut self.window {
            *frontier = Rc::new(widen(frontier));
        }
        self.layout = new;
    }

    /// The frontier before the return no configuration got past, the window of frontiers, and
    /// the layout: what the explanation starts from.
    pub(super) fn remains(&self) -> Remains<'_, T> {
        (&self.frontier, &self.window, self.layout, &self.pending)
    }

    pub(super) fn answer(&self) -> Option<&Decision> {
        self.end.as_ref()
    }

    /// A witness order, when the history was found linearizable (the first surviving
    /// configuration's).
    pub(super) fn surviving(&self) -> Option<&Configuration<T>> {
        self.frontier.first()
    }
}
