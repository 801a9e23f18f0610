//! A scheduler wrapper that records every decision of the current execution, counts executions,
//! enforces the iteration budget, and tells whether the inner scheduler ran out of schedules
//! (for DFS: the enumeration completed), and hands each finished execution's schedule to a
//! callback.
//!
//! The inner scheduler is shared (`Rc<RefCell<…>>`) so that exploration can resume with the same
//! scheduler after shuttle aborts a run on a deadlock: a new runner wraps the same inner state.

use super::schedule::RecordedSchedule;
use bank_core::instrumentation::deadlock_drain;
use shuttle::scheduler::{Schedule, Scheduler, Task, TaskId};
use std::cell::RefCell;
use std::rc::Rc;

/// What the recorder knows, shared with the checker.
#[derive(Debug, Default)]
pub struct RecorderState {
    /// Executions started so far.
    pub executions: usize,
    // invariant: `executions <= limit`.
    /// The most executions to start.
    pub limit: usize,
    /// The decisions of the execution under way (or the last one).
    pub current: RecordedSchedule,
    /// The inner scheduler had no more schedules to offer before the limit.
    pub exhausted: bool,
    /// Set to end exploration before the next execution.
    pub stop: bool,
    /// An execution was started and not yet handed to the callback (cleared by the checker when
    /// shuttle aborts an execution, which it reports itself).
    pub pending: bool,
}

/// Called with each finished execution's number (from 1) and schedule; returns `true` to stop.
pub type OnFinished = Box<dyn FnMut(usize, &RecordedSchedule) -> bool>;

/// The recording wrapper around an inner scheduler.
pub struct Recorder {
    /// The scheduler that makes the decisions.
    pub inner: Rc<RefCell<Box<dyn Scheduler>>>,
    /// Shared bookkeeping.
    pub state: Rc<RefCell<RecorderState>>,
    /// What to do when an execution finishes.
    pub on_finished: Rc<RefCell<OnFinished>>,
}

impl Scheduler for Recorder {
    fn new_execution(&mut self) -> Option<Schedule> {
        deadlock_drain::reset();
        let mut state = self.state.borrow_mut();
        if state.pending {
            state.pending = false;
            if (self.on_finished.borrow_mut())(state.executions, &state.current) {
                state.stop = true;
            }
        }
        if state.stop || state.executions >= state.limit {
            return None;
        }
        let Some(schedule) = self.inner.borrow_mut().new_execution() else {
            state.exhausted = true;
            return None;
        };
        state.executions += 1;
        state.pending = true;
        // The last execution's length is a good guess for this one's: no regrowing on the way.
        let capacity = state.current.steps.len();
        state.current = RecordedSchedule {
            seed: schedule.seed,
            steps: Vec::with_capacity(capacity),
        };
        Some(schedule)
    }

    fn next_task(
        &mut self,
        runnable: &[&Task],
        current: Option<TaskId>,
        is_yielding: bool,
    ) -> Option<TaskId> {
        if deadlock_drain::is_draining() {
            // The execution deadlocked and its threads are unwinding (see `deadlock_drain`): not
            // a decision of the schedule. The strategy is not asked and nothing is recorded; the
            // checker completes the schedule of a counterexample it keeps by replaying it
            // (`replay::complete_deadlock_schedule`).
            return runnable.first().map(|task| task.id());
        }
        deadlock_drain::decision(runnable.iter().map(|task| usize::from(task.id())));
        let chosen = self
            .inner
            .borrow_mut()
            .next_task(runnable, current, is_yielding);
        if let Some(task) = chosen {
            self.state
                .borrow_mut()
                .current
                .steps
                .push(Some(usize::from(task)));
        }
        chosen
    }

    fn next_u64(&mut self) -> u64 {
        self.state.borrow_mut().current.steps.push(None);
        self.inner.borrow_mut().next_u64()
    }
}
