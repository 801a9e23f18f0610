//! What the checker returns: per invariant a verdict that says what was shown (`breaks` with a
//! counterexample that replays, `proven` when every schedule of the workloads was explored, `not
//! found` when a budget of sampled schedules found nothing), the first counterexample of each
//! finding with an anomaly summary in the spirit of Jepsen's bank checker, and livelocks and bank
//! panics as findings of their own.

use super::strategy::Strategy;
use bank_core::{Invariant, Money, Verdict, Verdicts, Workload};
use std::time::Duration;

/// What was abnormal in the counterexample's execution (Jepsen's bank checker reports the same).
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Anomaly {
    /// The total every audit should see.
    pub expected_total: i128,
    /// The total that broke conservation (the first bad audit, or the final total).
    pub observed_total: Option<i128>,
    /// The lowest total any audit or the final read saw.
    pub lowest_total: Option<i128>,
    /// The highest total any audit or the final read saw.
    pub highest_total: Option<i128>,
    /// The most negative balance seen (0 when none was negative).
    pub min_balance: Money,
    /// For a deadlock: the blocked threads, by name.
    pub blocked_threads: Vec<String>,
    /// For a deadlock or a panic: shuttle's message.
    pub message: Option<String>,
    /// For a history that is not linearizable: its minimal prefix as a table with one column per
    /// thread, the closest sequential order and the call that cannot be placed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub linearizability: Option<String>,
}

/// What a counterexample shows.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Finding {
    /// An invariant broke. A deadlock (every unfinished thread blocked, including on a lock it
    /// already holds) breaks `deadlock_free`.
    Broke(Invariant),
    /// The step bound was reached under a fair schedule with threads still runnable: the
    /// workload never finishes although nobody is blocked.
    Livelock,
    /// The bank panicked (not a deadlock): a bug in the bank, with its message.
    Panic,
}

impl Finding {
    /// The name used in replay file names and JSON (`no_overdraft`, `livelock`, `panic`).
    pub fn key(self) -> &'static str {
        match self {
            Self::Broke(invariant) => invariant.key(),
            Self::Livelock => "livelock",
            Self::Panic => "panic",
        }
    }

    /// The invariant, for a broken one.
    pub fn invariant(self) -> Option<Invariant> {
        match self {
            Self::Broke(invariant) => Some(invariant),
            Self::Livelock | Self::Panic => None,
        }
    }
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Broke(invariant) => write!(f, "{invariant}"),
            Self::Livelock => f.write_str("livelock"),
            Self::Panic => f.write_str("panic"),
        }
    }
}

/// What the checker could say about one invariant: never more than was shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", tag = "verdict")]
pub enum Shown {
    /// A counterexample that replays.
    Breaks,
    /// Every fair schedule of every workload checked was explored (DFS finished) and none broke it;
    /// proven for those workloads only, and, with a `preemption_bound`, only for the schedules
    /// with at most that many preemptions. An execution that deadlocks shows no audit and no final
    /// total, so the other invariants are proven for every execution that finishes.
    Proven {
        /// Workloads whose every schedule was explored.
        workloads: usize,
        /// Schedules explored in all.
        schedules: usize,
        /// The most preemptions of the schedules explored, when the enumeration was bounded.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        preemption_bound: Option<usize>,
    },
    /// No break in the schedules sampled; not a proof.
    NotFound {
        /// Schedules explored in all.
        schedules: usize,
        /// Whether a DFS ran and did not finish (ran out of budget).
        dfs_incomplete: bool,
    },
}

impl Shown {
    /// The verdict word: `breaks`, `proven`, `not found`.
    pub fn word(self) -> &'static str {
        match self {
            Self::Breaks => "breaks",
            Self::Proven { .. } => "proven",
            Self::NotFound { .. } => "not found",
        }
    }

    /// What was shown, with its evidence (`proven (2 workloads, 1,234 schedules)`).
    pub fn describe(self) -> String {
        match self {
            Self::Breaks => "breaks".into(),
            Self::Proven {
                workloads,
                schedules,
                preemption_bound,
            } => format!(
                "proven for every fair schedule{} of {workloads} workload(s) ({schedules} schedules)",
                preemption_bound.map_or(String::new(), |bound| format!(
                    " with ≤ {bound} preemption{}",
                    if bound == 1 { "" } else { "s" }
                ))
            ),
            Self::NotFound {
                schedules,
                dfs_incomplete,
            } => format!(
                "not found in {schedules} schedules{}",
                if dfs_incomplete {
                    " (DFS incomplete)"
                } else {
                    ""
                }
            ),
        }
    }

    /// Whether this agrees with the catalog's expected verdict: an expected break must be shown;
    /// an expected hold must not break (proven or not found both agree; only `proven` proves).
    pub fn agrees_with(self, expected: Verdict) -> bool {
        match expected {
            Verdict::Breaks => self == Self::Breaks,
            Verdict::Holds => self != Self::Breaks,
        }
    }
}

/// The first execution found that shows one finding, with all it takes to replay it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Counterexample {
    /// What it shows.
    pub finding: Finding,
    /// The accounts and each thread's operations.
    pub workload: Workload,
    /// The strategy that found it.
    pub strategy: Strategy,
    /// The seed that strategy was given.
    pub seed: u64,
    /// Which execution of that strategy's run found it (from 1).
    pub iteration: usize,
    /// The recorded schedule (see `RecordedSchedule`); replays the execution exactly.
    pub schedule: String,
    /// What went wrong, in numbers.
    pub anomaly: Anomaly,
}

/// One strategy's part of a check, on one workload.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StrategyRun {
    /// The strategy.
    pub strategy: Strategy,
    /// Executions explored.
    pub schedules: usize,
    /// The strategy ran out of schedules before the budget: for DFS, every fair schedule of this
    /// workload was enumerated.
    pub completed: bool,
    /// Executions that ended without observing the invariants: a livelock or a bank panic.
    #[serde(default)]
    pub unfinished: usize,
    /// Wall time.
    pub elapsed: Duration,
}

/// The checker's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckReport {
    /// Per invariant: `Breaks` when a counterexample was found, `Holds` otherwise (see
    /// [`CheckReport::shown`] for whether a `Holds` was proven or only not found).
    pub observed: Verdicts,
    /// The first counterexample per broken invariant, in [`Invariant::ALL`] order.
    pub counterexamples: Vec<Counterexample>,
    /// Each strategy's run, per workload.
    pub runs: Vec<StrategyRun>,
    /// Workloads explored.
    pub workloads: usize,
    /// The bank panicked (not a deadlock): a bug in the bank, not a verdict on an invariant.
    pub panic: Option<Counterexample>,
    /// A fair schedule reached the step bound with threads still runnable.
    pub livelock: Option<Counterexample>,
    /// Executions whose history the linearizability search could not decide within its bound:
    /// while any remain, `linearizable` is at most "not found".
    pub undecided_histories: usize,
}

impl CheckReport {
    /// What was shown about one invariant: breaks, proven (every workload's DFS finished, and no
    /// execution was cut off by a livelock or a panic), or not found.
    pub fn shown(&self, invariant: Invariant) -> Shown {
        if self.breaks(invariant) {
            return Shown::Breaks;
        }
        let dfs_runs: Vec<&StrategyRun> = self.exhaustive_runs().collect();
        let unfinished: usize = self.runs.iter().map(|run| run.unfinished).sum();
        let undecided = invariant == Invariant::Linearizable && self.undecided_histories > 0;
        if self.exhaustive() && unfinished == 0 && !undecided {
            Shown::Proven {
                workloads: self.workloads,
                schedules: dfs_runs.iter().map(|run| run.schedules).sum(),
                preemption_bound: dfs_runs
                    .iter()
                    .filter_map(|run| run.strategy.exhaustive_bound().flatten())
                    .min(),
            }
        } else {
            Shown::NotFound {
                schedules: self.schedules(),
                dfs_incomplete: dfs_runs.iter().any(|run| !run.completed),
            }
        }
    }

    /// Every counterexample: the broken invariants', then a livelock's and a panic's.
    pub fn findings(&self) -> impl Iterator<Item = &Counterexample> {
        self.counterexamples
            .iter()
            .chain(&self.livelock)
            .chain(&self.panic)
    }

    /// Folds the report of another workload's check into this one: a break anywhere breaks, a
    /// proof needs every workload proven.
    pub fn absorb(&mut self, other: CheckReport) {
        for found in other.counterexamples {
            if let Some(invariant) = found.finding.invariant()
                && !self.breaks(invariant)
            {
                self.observed.set(invariant, Verdict::Breaks);
                self.counterexamples.push(found);
            }
        }
        self.counterexamples.sort_by_key(|found| found.finding);
        self.runs.extend(other.runs);
        self.workloads += other.workloads;
        self.panic = self.panic.take().or(other.panic);
        self.livelock = self.livelock.take().or(other.livelock);
        self.undecided_histories += other.undecided_histories;
    }

    /// The counterexample for one invariant, if it broke.
    pub fn counterexample(&self, invariant: Invariant) -> Option<&Counterexample> {
        self.counterexamples
            .iter()
            .find(|found| found.finding == Finding::Broke(invariant))
    }

    /// Whether an invariant broke.
    pub fn breaks(&self, invariant: Invariant) -> bool {
        self.observed.get(invariant) == Verdict::Breaks
    }

    /// Executions explored over all strategies.
    pub fn schedules(&self) -> usize {
        self.runs.iter().map(|run| run.schedules).sum()
    }

    /// Wall time over all strategies.
    pub fn elapsed(&self) -> Duration {
        self.runs.iter().map(|run| run.elapsed).sum()
    }

    /// Executions per second over all strategies.
    pub fn schedules_per_sec(&self) -> f64 {
        let seconds = self.elapsed().as_secs_f64();
        if seconds > 0.0 {
            self.schedules() as f64 / seconds
        } else {
            0.0
        }
    }

    /// The runs of exhaustive strategies (DFS, bounded or not).
    fn exhaustive_runs(&self) -> impl Iterator<Item = &StrategyRun> {
        self.runs
            .iter()
            .filter(|run| run.strategy.exhaustive_bound().is_some())
    }

    /// DFS runs (bounded or not) that enumerated every fair schedule of their workload within
    /// their bound.
    pub fn dfs_completed(&self) -> usize {
        self.exhaustive_runs().filter(|run| run.completed).count()
    }

    /// Every workload's DFS enumerated every fair schedule (within its bound, if any): every DFS
    /// run finished, and there was one per workload at least.
    pub fn exhaustive(&self) -> bool {
        let dfs_runs = self.exhaustive_runs().count();
        self.workloads > 0 && dfs_runs >= self.workloads && self.dfs_completed() == dfs_runs
    }
}
