//! A step-by-step log of what each thread did at each runtime primitive, for showing a
//! counterexample as a timeline (`cargo xtask replay FILE --trace`).
//!
//! Off unless [`start`] was called on this OS thread. Shuttle runs every task of an execution as
//! a coroutine on the OS thread that runs the execution, so a thread-local log sees exactly the
//! execution being replayed, and nothing of other executions running on other OS threads (other
//! tests, say). `ShuttleThreads`' primitives and the checker's workload runner call [`note`].

use std::cell::RefCell;

/// Something a primitive acts on: a mutex, a read-write lock, a money cell or a channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Object {
    /// `mutex`, `rwlock`, `cell` or `channel`.
    pub kind: &'static str,
    /// Its address, to tell objects apart within one execution; [`finish`] replaces it by a
    /// number per kind, in memory order.
    pub id: usize,
}

impl Object {
    /// The object at `address`.
    pub fn at<T: ?Sized>(kind: &'static str, address: &T) -> Self {
        Self {
            kind,
            id: std::ptr::from_ref(address).cast::<()>() as usize,
        }
    }
}

/// One step of one thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceEvent {
    /// The thread's name (`main-thread`, `worker-0`, …).
    pub thread: String,
    /// What it did, with its objects already named (`got mutex 1`, `reads 1 from cell 2`).
    pub text: String,
    /// This step is where an invariant was seen broken.
    pub breaks: bool,
    /// The object the step acted on, named (`mutex 1`, `cell 2`), if any.
    pub object: Option<String>,
    /// That object's value after the step, when the step shows it (a cell read or written, a
    /// mutex or write lock released with a balance or the balances in it).
    pub value: Option<String>,
}

struct Raw {
    thread: String,
    verb: String,
    object: Option<Object>,
    detail: String,
    breaks: bool,
    value: Option<String>,
}

thread_local! {
    static LOG: RefCell<Option<Vec<Raw>>> = const { RefCell::new(None) };
}

/// Starts logging on this OS thread (clearing any earlier log).
pub fn start() {
    LOG.with(|log| *log.borrow_mut() = Some(Vec::new()));
}

/// Whether a log is being kept on this OS thread.
pub fn is_on() -> bool {
    LOG.with(|log| log.borrow().is_some())
}

/// Notes one step of the current thread: `verb`, the object it acts on, and a detail
/// (`"reads"`, cell 0x…, `" → 1"`). `breaks` marks the step where an invariant broke. Cheap when
/// no log is kept.
pub fn note(verb: &str, object: Option<Object>, detail: impl FnOnce() -> String, breaks: bool) {
    record(verb, object, detail, breaks, || None);
}

/// Notes a step that leaves `object` holding `value` (`writes`, cell 0x…, `": 1"`, `"1"`).
pub fn note_value(
    verb: &str,
    object: Object,
    detail: impl FnOnce() -> String,
    value: impl FnOnce() -> Option<String>,
) {
    record(verb, Some(object), detail, false, value);
}

/// A money value or a list of them, as the trace shows it; `None` for anything else (the trace
/// then shows the step without a value).
pub fn describe_value<T: 'static>(value: &T) -> Option<String> {
    let any = value as &dyn std::any::Any;
    any.downcast_ref::<crate::bank::Money>()
        .map(ToString::to_string)
        .or_else(|| {
            any.downcast_ref::<Vec<crate::bank::Money>>()
                .map(|balances| format!("{balances:?}"))
        })
}

fn record(
    verb: &str,
    object: Option<Object>,
    detail: impl FnOnce() -> String,
    breaks: bool,
    value: impl FnOnce() -> Option<String>,
) {
    if !is_on() {
        return;
    }
    let thread = shuttle::thread::current()
        .name()
        .unwrap_or("unnamed")
        .to_string();
    let detail = detail();
    let value = value();
    LOG.with(|log| {
        if let Some(log) = log.borrow_mut().as_mut() {
            log.push(Raw {
                thread,
                verb: verb.to_string(),
                object,
                detail,
                breaks,
                value,
            });
        }
    });
}

/// Stops logging and returns the log, each object named by its kind and a number from 0 in
/// memory order among the objects of its kind the log mentions (`mutex 0`, `mutex 1`, `cell 0`):
/// a bank that keeps one cell or one lock per account in a list gets the account's number.
pub fn finish() -> Vec<TraceEvent> {
    let raw = LOG.with(|log| log.borrow_mut().take()).unwrap_or_default();
    let mut objects: Vec<Object> = raw.iter().filter_map(|step| step.object).collect();
    objects.sort_by_key(|object| (object.kind, object.id));
    objects.dedup();
    raw.into_iter()
        .map(|step| {
            let object = step.object.map(|object| {
                let number = objects
                    .iter()
                    .filter(|known| known.kind == object.kind)
                    .position(|known| *known == object)
                    .unwrap_or(0);
                format!("{} {number}", object.kind)
            });
            TraceEvent {
                thread: step.thread,
                text: match &object {
                    Some(name) => format!("{} {name}{}", step.verb, step.detail),
                    None => format!("{}{}", step.verb, step.detail),
                },
                breaks: step.breaks,
                object,
                value: step.value,
            }
        })
        .collect()
}
