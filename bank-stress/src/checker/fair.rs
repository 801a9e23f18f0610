//! A fairness wrapper for any shuttle scheduler, after CHESS's fair scheduler (Musuvathi &
//! Qadeer, "Fair stateless model checking", PLDI 2008): a thread that yields gives way.
//!
//! Why: shuttle's DFS ignores yields and always runs the lowest-numbered runnable thread, so a
//! correct bank whose waiter spins (`try_lock`, release, `yield_now`, try again) is explored down
//! the schedule where the waiter spins for ever and the lock holder never runs. That schedule is
//! unfair, not a bug; reported as a livelock it would accuse a correct bank.
//!
//! The rule: when thread `t` yields, every other thread runnable at that moment gets priority
//! over `t`; `t` may not be scheduled while any of them is still runnable and has not been
//! scheduled since. A priority ends when its thread is scheduled or stops being runnable (blocks
//! or finishes). If the rule would leave no thread to run (two yielders waiting on each other),
//! every runnable thread is allowed.
//!
//! What this costs in coverage, stated with every proof: exhaustive search under the wrapper
//! explores every *fair* schedule, i.e. every schedule in which a thread that yields lets the
//! threads runnable at its yield take a step first. Schedules in which a thread yields and then
//! runs on ahead of runnable threads are not explored; the yield asks for exactly that not to
//! happen, and every bank's yield is either the lesson's `sleep(0)` (where letting others in is
//! the point) or a retry loop's back-off.

use shuttle::scheduler::{Schedule, Scheduler, Task, TaskId};

/// `inner`, with yielding threads giving way.
#[derive(Debug)]
pub struct Fair<S> {
    inner: S,
    /// For each thread that yielded (by task number): the threads it must let run first.
    gives_way_to: Vec<Vec<TaskId>>,
}

impl<S: Scheduler> Fair<S> {
    /// Wraps `inner`.
    pub fn new(inner: S) -> Self {
        Self {
            inner,
            gives_way_to: Vec::new(),
        }
    }
}

impl<S: Scheduler> Scheduler for Fair<S> {
    fn new_execution(&mut self) -> Option<Schedule> {
        self.gives_way_to.clear();
        self.inner.new_execution()
    }

    fn next_task(
        &mut self,
        runnable: &[&Task],
        current: Option<TaskId>,
        is_yielding: bool,
    ) -> Option<TaskId> {
        let is_runnable = |id: &TaskId| runnable.iter().any(|task| task.id() == *id);
        for waits in &mut self.gives_way_to {
            waits.retain(is_runnable);
        }
        if is_yielding && let Some(yielder) = current {
            let index = usize::from(yielder);
            if self.gives_way_to.len() <= index {
                self.gives_way_to.resize_with(index + 1, Vec::new);
            }
            self.gives_way_to[index] = runnable
                .iter()
                .map(|task| task.id())
                .filter(|&id| id != yielder)
                .collect();
        }
        if self.gives_way_to.iter().all(Vec::is_empty) {
            // Nobody is giving way (the common case): no list to build.
            let choice = self.inner.next_task(runnable, current, is_yielding)?;
            return Some(choice);
        }
        let must_wait = |task: &&&Task| {
            self.gives_way_to
                .get(usize::from(task.id()))
                .is_some_and(|waits| !waits.is_empty())
        };
        let allowed: Vec<&Task> = runnable
            .iter()
            .filter(|task| !must_wait(task))
            .copied()
            .collect();
        let choice = if allowed.is_empty() {
            self.inner.next_task(runnable, current, is_yielding)
        } else {
            self.inner.next_task(&allowed, current, is_yielding)
        }?;
        for waits in &mut self.gives_way_to {
            waits.retain(|&id| id != choice);
        }
        Some(choice)
    }

    fn next_u64(&mut self) -> u64 {
        self.inner.next_u64()
    }
}
