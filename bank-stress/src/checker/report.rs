//! What the checker returns: per invariant, holds or breaks, and for each break the first
//! counterexample with an anomaly summary in the spirit of Jepsen's bank checker.

use bank_core::{Invariant, Money, Verdict, Verdicts, Workload};
use std::time::Duration;

/// A way to explore schedules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// Shuttle's uniformly random scheduler.
    Random,
    /// Probabilistic Concurrency Testing (Burckhardt et al., ASPLOS 2010) with this bug depth.
    Pct {
        /// How many priority change points (bug depth) PCT aims for.
        depth: usize,
    },
    /// Exhaustive depth-first enumeration of schedules, up to the iteration budget.
    Dfs,
}

impl Strategy {
    /// Random, PCT at depths 2 and 3, and DFS: the portfolio.
    pub const PORTFOLIO: [Strategy; 4] = [
        Strategy::Random,
        Strategy::Pct { depth: 2 },
        Strategy::Pct { depth: 3 },
        Strategy::Dfs,
    ];

    /// The name used in reports and replay files (`random`, `pct-2`, `pct-3`, `dfs`).
    pub fn name(self) -> String {
        match self {
            Self::Random => "random".into(),
            Self::Pct { depth } => format!("pct-{depth}"),
            Self::Dfs => "dfs".into(),
        }
    }

    /// Parses [`Strategy::name`]'s form.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "random" => Some(Self::Random),
            "dfs" => Some(Self::Dfs),
            _ => name
                .strip_prefix("pct-")?
                .parse()
                .ok()
                .filter(|&depth| depth > 0)
                .map(|depth| Self::Pct { depth }),
        }
    }
}

/// How much to explore.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Budget {
    /// Strategies to run, one after another, each with the full iteration budget.
    pub strategies: Vec<Strategy>,
    /// Executions per strategy (DFS stops earlier when it has enumerated every schedule).
    pub iterations: usize,
    /// The seed for the random and PCT schedulers.
    pub seed: u64,
}

impl Budget {
    /// One strategy.
    pub fn single(strategy: Strategy, iterations: usize, seed: u64) -> Self {
        Self {
            strategies: vec![strategy],
            iterations,
            seed,
        }
    }

    /// Every strategy in [`Strategy::PORTFOLIO`].
    pub fn portfolio(iterations: usize, seed: u64) -> Self {
        Self {
            strategies: Strategy::PORTFOLIO.to_vec(),
            iterations,
            seed,
        }
    }
}

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
}

/// The first execution found that breaks one invariant, with all it takes to replay it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Counterexample {
    /// The invariant it breaks.
    pub invariant: Invariant,
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

/// One strategy's part of a check.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StrategyRun {
    /// The strategy.
    pub strategy: Strategy,
    /// Executions explored.
    pub schedules: usize,
    /// The strategy ran out of schedules before the budget: for DFS, every schedule of this
    /// workload was enumerated, so a "holds" is a proof within this bound.
    pub completed: bool,
    /// Wall time.
    pub elapsed: Duration,
}

/// The checker's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckReport {
    /// Per invariant: `Breaks` when a counterexample was found, `Holds` otherwise.
    pub observed: Verdicts,
    /// The first counterexample per broken invariant, in [`Invariant::ALL`] order.
    pub counterexamples: Vec<Counterexample>,
    /// Each strategy's run.
    pub runs: Vec<StrategyRun>,
    /// The bank panicked (not a deadlock): a bug in the bank or the workload, not a verdict.
    pub panic: Option<Counterexample>,
}

impl CheckReport {
    /// The counterexample for one invariant, if it broke.
    pub fn counterexample(&self, invariant: Invariant) -> Option<&Counterexample> {
        self.counterexamples
            .iter()
            .find(|found| found.invariant == invariant)
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

    /// A DFS run enumerated every schedule.
    pub fn exhaustive(&self) -> bool {
        self.runs
            .iter()
            .any(|run| run.strategy == Strategy::Dfs && run.completed)
    }
}
