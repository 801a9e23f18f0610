//! "When did this call start?" under shuttle: the moment its first primitive step runs.
//!
//! A history's invocation point may be anywhere before the call's first effect. Recording it
//! where the caller enters the call is too early under the checker's fair scheduler: when a thread
//! yields, every other runnable thread must take a step first, and a thread that has not begun its
//! next call takes that step by running up to the call's first scheduling point and parking
//! there. Its invocation would then precede calls that in fact finish before it does anything,
//! and histories where it starts later (which real threads produce) would never be checked.
//!
//! So the checker registers the invocation with [`at_first_step`], and every `ShuttleThreads`
//! primitive calls [`first_step`] right after its scheduling point, when the step itself runs.
//! Nothing else runs between that scheduling point and the hook (shuttle runs one task at a time),
//! so the invocation lands exactly at the call's first step. A call that takes no step at all
//! (refused before touching anything) is recorded at its return by the caller (see
//! [`take_pending`]).
//!
//! Per OS thread, like [`super::trace`]: one shuttle execution runs all its tasks on one OS thread.

use std::cell::RefCell;

type Hook = Box<dyn FnOnce()>;

thread_local! {
    static PENDING: RefCell<Vec<(shuttle::current::TaskId, Hook)>> = const { RefCell::new(Vec::new()) };
}

/// Runs `hook` at the current shuttle task's next primitive step (replacing any hook it had);
/// right away outside a shuttle execution.
pub fn at_first_step(hook: impl FnOnce() + 'static) {
    let Some(me) = shuttle::current::try_get_current_task() else {
        hook();
        return;
    };
    PENDING.with(|pending| {
        let mut pending = pending.borrow_mut();
        pending.retain(|(task, _)| *task != me);
        pending.push((me, Box::new(hook)));
    });
}

/// Called by every `ShuttleThreads` primitive once its step runs: runs the current task's hook,
/// if it has one. Cheap when no hook is pending.
pub fn first_step() {
    let hook = PENDING.with(|pending| {
        let mut pending = pending.borrow_mut();
        if pending.is_empty() {
            return None;
        }
        let me = shuttle::current::try_get_current_task()?;
        let position = pending.iter().position(|(task, _)| *task == me)?;
        Some(pending.swap_remove(position).1)
    });
    if let Some(hook) = hook {
        hook();
    }
}

/// Removes and returns the current task's hook if no step has run it (a call that took no
/// step), so the caller can run it before recording the return.
pub fn take_pending() -> Option<Box<dyn FnOnce()>> {
    let me = shuttle::current::try_get_current_task()?;
    PENDING.with(|pending| {
        let mut pending = pending.borrow_mut();
        let position = pending.iter().position(|(task, _)| *task == me)?;
        Some(pending.swap_remove(position).1)
    })
}

/// Drops every pending hook (an execution that ended with calls never started).
pub fn clear() {
    PENDING.with(|pending| pending.borrow_mut().clear());
}
