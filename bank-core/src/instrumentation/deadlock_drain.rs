//! Ending a deadlocked shuttle execution without a panic, so that exploring the schedules of a
//! bank that deadlocks costs about what exploring any other bank does.
//!
//! Why: shuttle reports a deadlock by panicking out of `Runner::run`. The blocked tasks'
//! coroutine stacks are then leaked and unmapped, the runner is rebuilt, and the next execution
//! maps fresh stacks: about 40 µs per deadlocking schedule against 9 µs for any other
//! (BENCHMARKS.md §7), which made the deadlocking variants the slowest to prove.
//!
//! How: the checker's workload runner registers the main thread and each worker, `ShuttleMutex`
//! and `join` tell this module who waits for which mutex or thread and who holds which mutex,
//! and the checker's scheduler tells it which tasks were runnable at each decision. A worker
//! about to wait for a mutex another task holds completes a deadlock when every other task is
//! blocked or doomed, and can be drained: the main thread is blocked joining (not runnable at the
//! last decision, not woken since), and every other worker waits, through a chain of held
//! mutexes, for the one about to block (a runnable one is doomed: its next step is a failing
//! attempt). Shuttle would block that worker at once (its unfair mutex blocks without a
//! scheduling point), run each doomed thread to its failing attempt, in every order, and find no
//! task to run. Instead the worker records the blocked tasks and unwinds with [`Drained`]
//! (`resume_unwind`: no panic hook, no message). Unwinding drops its guards, which
//! wakes the threads waiting for them; each wakes inside `lock`, sees the drain, and unwinds
//! too. The workload runner catches [`Drained`] in each worker, the main thread joins them and
//! skips its final read, and the execution ends normally. The checker then reports the deadlock
//! exactly as it reports shuttle's (the same blocked tasks, in shuttle's words); its scheduler
//! makes the drain's steps without counting them as decisions, and a counterexample it keeps gets
//! its whole schedule by a replay that runs on from the point of no return until shuttle's own
//! detector fires. What a drain skips: the orders in which the doomed threads make their failing
//! attempts after that point, which change nothing (no value, no observation, no call); they
//! are counted once, not once per order, so a deadlocking bank's schedule count is slightly
//! lower than without drains (0.7 % on nested-locks' 2 threads × 2 operations).
//!
//! When it does not apply, shuttle's own detector still does, as before: a bank that starts
//! threads of its own, a thread blocked in anything but a mutex or a join (a read-write lock, a
//! condition variable, a channel), a deadlock completed by the main thread's join, and every
//! execution the checker did not [`enable`] (replays among them: a replayed deadlock is always
//! shuttle's own).
//!
//! Per OS thread, like [`super::trace`]: one shuttle execution runs all its tasks on one OS thread.

use std::cell::{Cell, RefCell};

/// The payload a drained thread unwinds with. Not a panic: `resume_unwind` runs no hook.
#[derive(Debug)]
pub struct Drained;

/// What a registered task is doing, as far as deadlock goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Activity {
    /// Anything that is not blocked on a mutex or a join (it may be running, or blocked on
    /// something this module does not track: either way, not known to be stuck).
    Running,
    /// About to block, or blocked, on the mutex at this address.
    WaitsFor(usize),
    /// Joining the task with this index.
    Joins(usize),
    /// Done.
    Finished,
}

#[derive(Debug, Default)]
struct Execution {
    /// Per task index: its activity once registered (`None`: not registered).
    activities: Vec<Option<Activity>>,
    /// Per task index: its name (`main-thread`, `worker-0`), valid once registered. The buffers
    /// are kept from one execution to the next: no allocation per execution.
    names: Vec<String>,
    /// Threads started with `ShuttleThreads::spawn` (registered or not).
    spawned: usize,
    /// Which task holds the mutex at each address.
    holders: Vec<(usize, usize)>,
    /// Once a deadlock was found: the blocked tasks, in task order.
    drained: Option<Vec<(usize, String)>>,
    /// The tasks runnable at the scheduler's last decision.
    runnable: Vec<usize>,
    /// Tasks made runnable since then (a mutex they wait for released, a thread they join done).
    woken: Vec<usize>,
}

impl Execution {
    /// Empty, keeping the buffers.
    fn clear(&mut self, on: bool) {
        ACTIVE.with(|active| active.set(on));
        DRAINING.with(|draining| draining.set(false));
        self.activities.clear();
        self.spawned = 0;
        self.holders.clear();
        self.drained = None;
        self.runnable.clear();
        self.woken.clear();
    }

    fn activity(&self, task: usize) -> Option<Activity> {
        self.activities.get(task).copied().flatten()
    }
}

thread_local! {
    static ENABLED: Cell<bool> = const { Cell::new(false) };
    /// Drains are on in the execution under way: the one check every hook makes first (a
    /// constant-initialised cell, so that a bank that never deadlocks pays almost nothing).
    static ACTIVE: Cell<bool> = const { Cell::new(false) };
    /// A deadlock was found and the execution is being drained.
    static DRAINING: Cell<bool> = const { Cell::new(false) };
    static EXECUTION: RefCell<Execution> = RefCell::new(Execution::default());
}

/// Allows (or forbids) drains in the executions this OS thread runs from now on. The checker
/// allows them only under schedulers that make the drain's steps without counting them.
pub fn enable(on: bool) {
    ENABLED.with(|enabled| enabled.set(on));
}

/// Whether drains are allowed on this OS thread.
pub fn is_enabled() -> bool {
    ENABLED.with(Cell::get)
}

/// Forgets the last execution (its drain among it): called by the checker's scheduler before
/// each execution's first decision, which comes before the workload runner's
/// [`begin_execution`].
pub fn reset() {
    if ACTIVE.with(Cell::get) || DRAINING.with(Cell::get) {
        EXECUTION.with(|execution| execution.borrow_mut().clear(false));
    }
}

/// Starts a new execution's bookkeeping, registering the current task (the main thread) under
/// `name`.
pub fn begin_execution(name: &str) {
    let on = is_enabled();
    if !on {
        reset();
        return;
    }
    EXECUTION.with(|execution| {
        let mut execution = execution.borrow_mut();
        execution.clear(on);
        if on && let Some(me) = current() {
            set(&mut execution, me, Some(name), Activity::Running);
        }
    });
}

/// Registers the current task (a worker of the workload) under `name`.
pub fn register_current(name: &str) {
    with_on(|execution| {
        if let Some(me) = current() {
            set(execution, me, Some(name), Activity::Running);
        }
    });
}

/// The current task is done.
pub fn finished() {
    with_on(|execution| {
        if let Some(me) = current() {
            set(execution, me, None, Activity::Finished);
            wake(execution, Activity::Joins(me));
        }
    });
}

/// Called by the scheduler at each decision, with the tasks runnable then.
pub fn decision(runnable: impl Iterator<Item = usize>) {
    with_on(|execution| {
        execution.runnable.clear();
        execution.runnable.extend(runnable);
        execution.woken.clear();
    });
}

/// A thread was started (by the workload runner or by the bank).
pub(crate) fn spawned() {
    with_on(|execution| execution.spawned += 1);
}

/// Whether a deadlock was found in this execution and its threads are being unwound.
pub fn is_draining() -> bool {
    DRAINING.with(Cell::get)
}

/// The deadlock found in this execution, in shuttle's words (`deadlock! blocked tasks:
/// [main-thread (task main-thread(0)), worker-0 (task worker-0(1)), …]`), if any.
pub fn deadlock_message() -> Option<String> {
    if !is_draining() {
        return None;
    }
    EXECUTION.with(|execution| {
        let execution = execution.borrow();
        let blocked = execution.drained.as_ref()?;
        let tasks: Vec<String> = blocked
            .iter()
            .map(|(index, name)| format!("{name} (task {name}({index}))"))
            .collect();
        Some(format!("deadlock! blocked tasks: [{}]", tasks.join(", ")))
    })
}

/// Called by a mutex's `lock` before it asks shuttle for the mutex at `address`: records the
/// wait and unwinds with [`Drained`] if this wait completes a deadlock.
pub(crate) fn before_lock(address: usize) {
    let deadlocked = with_on(|execution| {
        let me = current()?;
        set(execution, me, None, Activity::WaitsFor(address));
        let completes = holder(execution, address).is_some_and(|holder| holder != me)
            && everyone_else_blocked_behind(execution, me);
        if completes {
            let blocked = (0..execution.activities.len())
                .filter(|&task| is_unfinished(execution, task))
                .map(|task| (task, execution.names[task].clone()))
                .collect();
            execution.drained = Some(blocked);
            DRAINING.with(|draining| draining.set(true));
        }
        Some(completes)
    });
    if deadlocked == Some(Some(true)) {
        std::panic::resume_unwind(Box::new(Drained));
    }
}

/// Called by a mutex's `lock` or `try_lock` once the current task holds the mutex at `address`.
/// During a drain the caller must unwind with [`Drained`] instead of going on (see
/// [`is_draining`]).
pub(crate) fn acquired(address: usize) {
    with_on(|execution| {
        if let Some(me) = current() {
            set(execution, me, None, Activity::Running);
            execution.holders.retain(|&(held, _)| held != address);
            execution.holders.push((address, me));
        }
    });
}

/// Called when the mutex at `address` is released (a guard dropped, or a condition wait).
pub(crate) fn released(address: usize) {
    with_on(|execution| {
        execution.holders.retain(|&(held, _)| held != address);
        wake(execution, Activity::WaitsFor(address));
    });
}

/// Called by `join` before it waits for task `child`.
pub(crate) fn before_join(child: usize) {
    with_on(|execution| {
        if let Some(me) = current() {
            set(execution, me, None, Activity::Joins(child));
        }
    });
}

/// Called by `join` once it returned.
pub(crate) fn joined() {
    with_on(|execution| {
        if let Some(me) = current() {
            set(execution, me, None, Activity::Running);
        }
    });
}

/// Runs `f` on this execution's bookkeeping if drains are on in it.
fn with_on<R>(f: impl FnOnce(&mut Execution) -> R) -> Option<R> {
    if !ACTIVE.with(Cell::get) {
        return None;
    }
    EXECUTION.with(|execution| Some(f(&mut execution.borrow_mut())))
}

/// The current shuttle task's index.
fn current() -> Option<usize> {
    shuttle::current::try_get_current_task().map(usize::from)
}

fn set(execution: &mut Execution, task: usize, name: Option<&str>, activity: Activity) {
    if execution.activities.len() <= task {
        execution.activities.resize(task + 1, None);
    }
    if execution.names.len() <= task {
        execution.names.resize_with(task + 1, String::new);
    }
    match (&mut execution.activities[task], name) {
        (Some(known), _) => *known = activity,
        (slot @ None, Some(name)) => {
            *slot = Some(activity);
            execution.names[task].clear();
            execution.names[task].push_str(name);
        }
        // An unregistered task (a thread the bank started) is not tracked.
        (None, None) => {}
    }
}

fn holder(execution: &Execution, address: usize) -> Option<usize> {
    execution
        .holders
        .iter()
        .find(|&&(held, _)| held == address)
        .map(|&(_, task)| task)
}

/// Every task doing `activity` may run again.
fn wake(execution: &mut Execution, activity: Activity) {
    for task in 0..execution.activities.len() {
        if execution.activities[task] == Some(activity) {
            execution.woken.push(task);
        }
    }
}

/// Whether `me`, about to wait for a held mutex, completes a deadlock that draining `me` ends.
/// Every thread started is registered; the main thread is blocked joining (not runnable at the
/// last decision, not woken since); every other unfinished worker waits for a held mutex (it is
/// blocked, or runnable but doomed: its next step is a failing attempt), through a chain of held
/// mutexes that ends at `me`. Then no step of any thread can change anything any more: shuttle
/// would let the doomed threads fail their attempts, in every order, and report the deadlock.
fn everyone_else_blocked_behind(execution: &Execution, me: usize) -> bool {
    let registered = execution.activities.iter().flatten().count();
    // The main thread is registered but was not spawned.
    if registered != execution.spawned + 1 {
        return false;
    }
    (0..execution.activities.len()).all(|task| match execution.activity(task) {
        None | Some(Activity::Finished) => true,
        Some(_) if task == me => true,
        Some(Activity::Joins(_)) => !may_run(execution, task),
        Some(Activity::WaitsFor(_)) => waits_for(execution, task, me),
        Some(Activity::Running) => false,
    })
}

fn is_unfinished(execution: &Execution, task: usize) -> bool {
    matches!(execution.activity(task), Some(activity) if activity != Activity::Finished)
}

/// Whether `task` was runnable at the last decision or was woken since.
fn may_run(execution: &Execution, task: usize) -> bool {
    execution.runnable.contains(&task) || execution.woken.contains(&task)
}

/// Whether `task` waits, through a chain of held mutexes, for `target`.
fn waits_for(execution: &Execution, mut task: usize, target: usize) -> bool {
    // A chain visits each task at most once; longer means a cycle that does not reach `target`.
    for _ in 0..execution.activities.len() {
        let Some(Activity::WaitsFor(address)) = execution.activity(task) else {
            return false;
        };
        match holder(execution, address) {
            Some(holder) if holder == target => return true,
            Some(holder) => task = holder,
            None => return false,
        }
    }
    false
}
