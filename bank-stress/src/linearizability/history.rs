//! A history: every `transfer` and `audit` call the threads made, with its arguments, its result,
//! and when it was invoked and when it returned, as one sequence of events in real-time order.
//!
//! Under shuttle the order is exact: one task runs at a time, and the events are appended as they
//! happen. On real threads each worker stamps its call and its return from one shared atomic
//! counter ([`Stamps`]), and the events are merged by stamp: a call whose return stamp is below
//! another's invocation stamp really returned before the other was invoked, so the order never
//! invents a real-time constraint (wall clocks are not ordered across cores).

use bank_core::{AccountId, Money, Op, TransferError};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

/// What a thread asked the bank for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Call {
    /// `transfer(from, to, amount)`.
    Transfer {
        /// Source account.
        from: AccountId,
        /// Destination account.
        to: AccountId,
        /// Amount.
        amount: Money,
    },
    /// `audit()`.
    Audit,
}

impl Call {
    /// The call a workload operation makes.
    pub fn of(op: Op) -> Self {
        match op {
            Op::Transfer { from, to, amount } => Self::Transfer { from, to, amount },
            Op::Audit => Self::Audit,
        }
    }
}

impl std::fmt::Display for Call {
    /// `0→1 $2` or `audit`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Transfer { from, to, amount } => write!(f, "{from}→{to} ${amount}"),
            Self::Audit => f.write_str("audit"),
        }
    }
}

/// What the bank answered.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// A transfer's result.
    Transfer(Result<(), TransferError>),
    /// An audit's balances.
    Audit(Vec<Money>),
}

impl std::fmt::Display for Outcome {
    /// `done`, `refused: …`, or `[1, 0]`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Transfer(Ok(())) => f.write_str("done"),
            Self::Transfer(Err(why)) => write!(f, "refused: {why}"),
            Self::Audit(balances) => write!(f, "{balances:?}"),
        }
    }
}

/// One event of a history.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    /// Thread `thread` called the bank.
    Invoke {
        /// The workload thread.
        thread: usize,
        /// The call.
        call: Call,
    },
    /// Thread `thread`'s pending call returned.
    Return {
        /// The workload thread.
        thread: usize,
        /// What the bank answered.
        outcome: Outcome,
    },
}

/// The events of one execution, in real-time order. A thread has at most one call pending.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct History {
    /// The events, in order.
    pub events: Vec<Event>,
}

/// One call of a history with its result, as the checker and the tables see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    /// The workload thread that made it.
    pub thread: usize,
    /// Its position among that thread's calls, from 0.
    pub index_in_thread: usize,
    /// The call.
    pub call: Call,
    /// Its result, or `None` if it never returned (a deadlock, or the end of a prefix).
    pub outcome: Option<Outcome>,
    /// The index of its invocation event.
    pub invoked_at: usize,
    /// The index of its return event.
    pub returned_at: Option<usize>,
}

impl History {
    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// Records a call.
    pub fn invoke(&mut self, thread: usize, call: Call) {
        self.events.push(Event::Invoke { thread, call });
    }

    /// Records the return of `thread`'s pending call.
    pub fn answer(&mut self, thread: usize, outcome: Outcome) {
        self.events.push(Event::Return { thread, outcome });
    }

    /// The first `len` events.
    pub fn prefix(&self, len: usize) -> History {
        History {
            events: self.events[..len.min(self.events.len())].to_vec(),
        }
    }

    /// The calls, in the order they were invoked, each paired with its return.
    ///
    /// # Errors
    /// A malformed history: a return with no call pending on its thread, or a call while one is
    /// still pending.
    pub fn operations(&self) -> Result<Vec<Operation>, MalformedHistory> {
        let mut operations: Vec<Operation> = Vec::new();
        // Per thread number (any `usize`): the call pending, and the calls made so far.
        let mut threads: HashMap<usize, (Option<usize>, usize)> = HashMap::new();
        for (at, event) in self.events.iter().enumerate() {
            let thread = match event {
                Event::Invoke { thread, .. } | Event::Return { thread, .. } => *thread,
            };
            let (pending, calls) = threads.entry(thread).or_default();
            match event {
                Event::Invoke { call, .. } => {
                    if pending.is_some() {
                        return Err(MalformedHistory { event: at });
                    }
                    *pending = Some(operations.len());
                    operations.push(Operation {
                        thread,
                        index_in_thread: *calls,
                        call: *call,
                        outcome: None,
                        invoked_at: at,
                        returned_at: None,
                    });
                    *calls += 1;
                }
                Event::Return { outcome, .. } => {
                    let Some(operation) = pending.take() else {
                        return Err(MalformedHistory { event: at });
                    };
                    operations[operation].outcome = Some(outcome.clone());
                    operations[operation].returned_at = Some(at);
                }
            }
        }
        Ok(operations)
    }
}

/// A history whose events cannot come from threads that make one call at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MalformedHistory {
    /// The index of the first event that does not fit.
    pub event: usize,
}

impl std::fmt::Display for MalformedHistory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "event {} does not fit: a return with no call pending on its thread, or a second call \
             while one is pending",
            self.event
        )
    }
}

/// The shared counter real threads stamp their calls and returns from.
#[derive(Debug, Default)]
pub struct Stamps(AtomicU64);

impl Stamps {
    /// The next stamp. `SeqCst`: every thread sees the stamps in one order consistent with each
    /// thread's program order, which is what makes "returned before invoked" a real-time fact.
    pub fn next(&self) -> u64 {
        self.0.fetch_add(1, Ordering::SeqCst)
    }
}

/// One real thread's events, each with its stamp and, for returns, the microseconds since the
/// run started.
#[derive(Debug, Clone, Default)]
pub struct StampedEvents {
    /// `(stamp, micros, event)`, in the thread's order (so by increasing stamp).
    pub events: Vec<(u64, Option<u64>, Event)>,
    /// The thread made a call it did not record (its recording cap was reached).
    pub capped: bool,
}

impl StampedEvents {
    /// Calls recorded so far.
    pub fn calls(&self) -> usize {
        self.events.len().div_ceil(2)
    }

    /// Stamps and records a call.
    pub fn invoke(&mut self, stamps: &Stamps, thread: usize, call: Call) {
        self.events
            .push((stamps.next(), None, Event::Invoke { thread, call }));
    }

    /// Stamps and records a return, `micros` after the run started.
    pub fn answer(&mut self, stamps: &Stamps, thread: usize, outcome: Outcome, micros: u64) {
        self.events.push((
            stamps.next(),
            Some(micros),
            Event::Return { thread, outcome },
        ));
    }

    /// The stamp of the last event, if any.
    pub fn last_stamp(&self) -> Option<u64> {
        self.events.last().map(|(stamp, _, _)| *stamp)
    }
}

/// Every thread's stamped events merged into one history by stamp, keeping only the events
/// stamped below `cut` (a prefix of the real history: a call invoked before the cut that returned
/// after it is pending), with each event's micros.
pub fn merge_stamped(threads: Vec<StampedEvents>, cut: u64) -> (History, Vec<Option<u64>>) {
    let mut all: Vec<(u64, Option<u64>, Event)> = threads
        .into_iter()
        .flat_map(|thread| thread.events)
        .filter(|(stamp, _, _)| *stamp < cut)
        .collect();
    all.sort_by_key(|(stamp, _, _)| *stamp);
    let micros = all.iter().map(|(_, micros, _)| *micros).collect();
    let history = History {
        events: all.into_iter().map(|(_, _, event)| event).collect(),
    };
    (history, micros)
}
