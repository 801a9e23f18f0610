//! Iterative context bounding (Musuvathi & Qadeer, "Iterative context bounding for systematic
//! testing of multithreaded programs", PLDI 2007) as a shuttle [`Scheduler`]: a depth-first
//! enumeration of every schedule with at most `bound` preemptions, or of every schedule at all
//! when there is no bound.
//!
//! Why: a transfer is about ten scheduling points, so two threads of two transfers each already
//! have ~10^11 interleavings and plain DFS cannot finish. Most concurrency bugs need very few
//! preemptions (the lost update needs one), and the schedules with at most P preemptions grow
//! polynomially, not exponentially, with the length of the program. A result under this
//! scheduler therefore says "proven for every schedule with ≤ P preemptions", never "proven".
//!
//! The harness thread (task 0) starts the workers, joins them and reads the final balances; it
//! touches no bank state while workers run. It runs whenever it is runnable, so it starts every
//! worker before any worker moves and its later steps (waking from a join) commute with every
//! worker step. That removes only interleavings of harness steps, never an interleaving of the
//! workers' steps: the search covers every interleaving of the workers (within the bound), which
//! is every behaviour the bank can show.
//!
//! What counts as a preemption: running a worker other than the last worker that ran, while that
//! one could have gone on (it is runnable and its last step was not a yield). A switch when the
//! running worker blocks, finishes or yields is free, as in CHESS. The harness is invisible to the
//! count: going from worker A to the harness to worker B costs what going from A to B would. So
//! the count depends only on the workers' steps, which the thread-symmetry reduction of `prove`
//! needs, and it is never more than the usual count (a switch away from an enabled thread), so
//! every interleaving of the workers with ≤ P preemptions in the usual sense is explored.
//!
//! The enumeration: the scheduler keeps the decisions of the last execution, each with the
//! options allowed at that point (the running thread first, then the others in task order,
//! leaving out any option that would exceed the bound). The next execution replays the longest
//! prefix that still has an untried option at its last level, takes that option, and then always
//! takes the first allowed option. When no level has an untried option, the enumeration is
//! complete and [`Scheduler::new_execution`] returns `None`. The program under test must be
//! deterministic given the schedule (every bank on `ShuttleThreads` is).

use shuttle::scheduler::{Schedule, Scheduler, Task, TaskId};

/// The harness thread: shuttle's first task, the one that runs the test body.
const HARNESS: usize = 0;

/// Where `next_u64`'s sequence starts in every execution.
const DATA_SEED: u64 = 0x1234_5678;

/// One scheduling decision of the last execution.
#[derive(Debug, Clone)]
struct Level {
    /// The threads that may be chosen here, in exploration order, each with whether choosing it
    /// is a preemption.
    options: Vec<(TaskId, bool)>,
    /// Which option the last execution took.
    chosen: usize,
}

/// Every schedule with at most `bound` preemptions (all schedules when `bound` is `None`),
/// depth first.
#[derive(Debug, Clone)]
pub struct PreemptionBounded {
    bound: Option<usize>,
    levels: Vec<Level>,
    /// The next decision's index in the execution under way.
    step: usize,
    /// Preemptions taken so far in the execution under way.
    preemptions: usize,
    /// The last worker that ran in the execution under way, and whether its last step yielded.
    last_worker: Option<(TaskId, bool)>,
    /// Whether an execution has started (the first one has nothing to backtrack).
    started: bool,
    /// Deterministic data for `next_u64` (the banks ask for none).
    data: u64,
}

impl PreemptionBounded {
    /// Every schedule with at most `bound` preemptions; `None` for every schedule.
    pub fn new(bound: Option<usize>) -> Self {
        Self {
            bound,
            levels: Vec::new(),
            step: 0,
            preemptions: 0,
            last_worker: None,
            started: false,
            data: DATA_SEED,
        }
    }

    /// Moves the last level that has an untried option to that option, dropping the levels
    /// below it; `false` when every level is exhausted.
    fn backtrack(&mut self) -> bool {
        while let Some(level) = self.levels.last_mut() {
            if level.chosen + 1 < level.options.len() {
                level.chosen += 1;
                return true;
            }
            self.levels.pop();
        }
        false
    }

    /// Whether the preemptions taken so far leave room for one more.
    fn may_preempt(&self) -> bool {
        self.bound.is_none_or(|bound| self.preemptions < bound)
    }
}

impl Scheduler for PreemptionBounded {
    fn new_execution(&mut self) -> Option<Schedule> {
        if self.started && !self.backtrack() {
            return None;
        }
        self.started = true;
        self.step = 0;
        self.preemptions = 0;
        self.last_worker = None;
        self.data = DATA_SEED;
        Some(Schedule::new(DATA_SEED))
    }

    fn next_task(
        &mut self,
        runnable: &[&Task],
        current: Option<TaskId>,
        is_yielding: bool,
    ) -> Option<TaskId> {
        if is_yielding
            && let (Some(yielder), Some((worker, yielded))) = (current, self.last_worker.as_mut())
            && yielder == *worker
        {
            *yielded = true;
        }
        if self.step == self.levels.len() {
            // A decision this prefix has not made before: list the allowed options.
            let is_runnable = |id: TaskId| runnable.iter().any(|task| task.id() == id);
            // The worker whose turn it still is: switching to another worker preempts it.
            let interrupted = self
                .last_worker
                .filter(|&(worker, yielded)| !yielded && is_runnable(worker))
                .map(|(worker, _)| worker);
            let harness = runnable
                .iter()
                .map(|task| task.id())
                .find(|&id| usize::from(id) == HARNESS);
            let first = harness.or(current.filter(|&id| !is_yielding && is_runnable(id)));
            let mut options = Vec::with_capacity(runnable.len());
            let candidates = first.into_iter().chain(
                runnable
                    .iter()
                    .map(|task| task.id())
                    .filter(|&id| Some(id) != first),
            );
            for id in candidates {
                if harness.is_some() && Some(id) != harness {
                    // The harness runs whenever it can (see the module doc).
                    continue;
                }
                let preemption =
                    usize::from(id) != HARNESS && interrupted.is_some_and(|worker| worker != id);
                if preemption && !self.may_preempt() {
                    continue;
                }
                options.push((id, preemption));
            }
            if options.is_empty() {
                return None;
            }
            self.levels.push(Level { options, chosen: 0 });
        }
        let level = &self.levels[self.step];
        let (choice, preempts) = level.options[level.chosen];
        debug_assert!(
            runnable.iter().any(|task| task.id() == choice),
            "the program under test is not deterministic: a replayed choice is not runnable"
        );
        if preempts {
            self.preemptions += 1;
        }
        if usize::from(choice) != HARNESS {
            self.last_worker = Some((choice, false));
        }
        self.step += 1;
        Some(choice)
    }

    fn next_u64(&mut self) -> u64 {
        // splitmix64, the same sequence in every execution. No bank draws random data; one that
        // did would not replay, since replay feeds it another sequence.
        self.data = self.data.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.data;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

#[cfg(test)]
mod tests {
    use super::PreemptionBounded;
    use shuttle::scheduler::Scheduler;

    #[test]
    fn random_data_is_splitmix64_from_a_fixed_seed_again_in_every_execution() {
        // The reference values of splitmix64 from state 0x1234_5678 (Steele, Lea and Flood's
        // generator, as in java.util.SplittableRandom).
        let expected = [0x38f1_dc39_d190_6b6f_u64, 0xdfe4_1422_36dd_9517];
        let mut scheduler = PreemptionBounded::new(Some(1));
        assert!(scheduler.new_execution().is_some());
        let first = [scheduler.next_u64(), scheduler.next_u64()];
        assert_eq!(first, expected);
        // A new execution replays the same data (no bank's run depends on the one before).
        scheduler.levels.push(super::Level {
            options: vec![(shuttle::scheduler::TaskId::from(1), false); 2],
            chosen: 0,
        });
        assert!(scheduler.new_execution().is_some());
        assert_eq!([scheduler.next_u64(), scheduler.next_u64()], expected);
    }
}
