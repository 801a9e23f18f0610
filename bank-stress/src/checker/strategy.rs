//! How the checker explores: a [`Strategy`] (random, PCT, DFS) and a [`Budget`] (which
//! strategies, how many schedules each, the seed). [`Strategy::scheduler`] is the one place that
//! turns a strategy into a shuttle scheduler, always under the fairness wrapper; [`CHOICES`]
//! is the one list the command line offers. Adding a strategy is this file only: a variant, its
//! arms in `scheduler`, `exhaustive_bound` and `name`, and (to offer it) a line of `CHOICES`.

use super::fair::Fair;
use super::preemption_bounded::PreemptionBounded;
use shuttle::scheduler::{DfsScheduler, PctScheduler, RandomScheduler, Scheduler};

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
    /// Exhaustive depth-first enumeration of every interleaving of the workload's threads with
    /// at most this many preemptions (iterative context bounding; `None`: no bound), up to the
    /// iteration budget. See `checker/preemption_bounded.rs`.
    PreemptionBounded {
        /// The most preemptions a schedule may have; `None` for every interleaving.
        preemptions: Option<usize>,
    },
}

impl Strategy {
    /// Random, PCT at depths 2 and 3, and DFS: the portfolio.
    pub const PORTFOLIO: [Strategy; 4] = [
        Strategy::Random,
        Strategy::Pct { depth: 2 },
        Strategy::Pct { depth: 3 },
        Strategy::Dfs,
    ];

    /// The shuttle scheduler that explores this way within `budget`, under [`Fair`]: a thread
    /// that yields gives way to the runnable ones.
    pub fn scheduler(self, budget: &Budget) -> Box<dyn Scheduler> {
        match self {
            Self::Random => Box::new(Fair::new(RandomScheduler::new_from_seed(
                budget.seed,
                budget.iterations,
            ))),
            Self::Pct { depth } => Box::new(Fair::new(PctScheduler::new_from_seed(
                budget.seed,
                depth,
                budget.iterations,
            ))),
            Self::Dfs => Box::new(Fair::new(DfsScheduler::new(Some(budget.iterations), false))),
            Self::PreemptionBounded { preemptions } => {
                Box::new(Fair::new(PreemptionBounded::new(preemptions)))
            }
        }
    }

    /// For an exhaustive strategy, the preemption bound of what it enumerates (`Some(None)`:
    /// every schedule); `None` for a sampling strategy.
    pub fn exhaustive_bound(self) -> Option<Option<usize>> {
        match self {
            Self::Random | Self::Pct { .. } => None,
            Self::Dfs => Some(None),
            Self::PreemptionBounded { preemptions } => Some(preemptions),
        }
    }

    /// The name used in reports and replay files (`random`, `pct-2`, `pct-3`, `dfs`; `dfs-p2`
    /// for DFS over the workers' interleavings with at most 2 preemptions, `dfs-workers` for all
    /// of them).
    pub fn name(self) -> String {
        match self {
            Self::Random => "random".into(),
            Self::Pct { depth } => format!("pct-{depth}"),
            Self::Dfs => "dfs".into(),
            Self::PreemptionBounded {
                preemptions: Some(preemptions),
            } => format!("dfs-p{preemptions}"),
            Self::PreemptionBounded { preemptions: None } => "dfs-workers".into(),
        }
    }
}

/// A choice `explore --strategy NAME` offers: its name, its help, and the strategies it runs in
/// turn. The command line reads this list and nothing else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StrategyChoice {
    /// The name on the command line.
    pub name: &'static str,
    /// One line for `--help`.
    pub help: &'static str,
    /// What it runs, one after another.
    pub strategies: &'static [Strategy],
}

/// Every choice of `explore --strategy`, the default (`portfolio`) last.
pub const CHOICES: &[StrategyChoice] = &[
    StrategyChoice {
        name: "random",
        help: "Shuttle's random scheduler",
        strategies: &[Strategy::Random],
    },
    StrategyChoice {
        name: "pct",
        help: "PCT at depths 2 and 3",
        strategies: &[Strategy::Pct { depth: 2 }, Strategy::Pct { depth: 3 }],
    },
    StrategyChoice {
        name: "dfs",
        help: "Exhaustive depth-first enumeration, up to the iteration budget",
        strategies: &[Strategy::Dfs],
    },
    StrategyChoice {
        name: "portfolio",
        help: "Random, PCT 2, PCT 3 and DFS, one after another",
        strategies: &Strategy::PORTFOLIO,
    },
];

/// How much to explore.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Budget {
    /// Strategies to run, one after another, each with the full iteration budget.
    pub strategies: Vec<Strategy>,
    /// Executions per strategy (DFS stops earlier when it has enumerated every schedule).
    pub iterations: usize,
    /// The seed for the random and PCT schedulers.
    pub seed: u64,
    /// Stop at the first finding (a broken invariant, a livelock or a panic) instead of looking
    /// for every invariant's.
    pub stop_at_first_break: bool,
}

impl Budget {
    /// One strategy.
    pub fn single(strategy: Strategy, iterations: usize, seed: u64) -> Self {
        Self {
            strategies: vec![strategy],
            iterations,
            seed,
            stop_at_first_break: false,
        }
    }

    /// Every strategy in [`Strategy::PORTFOLIO`].
    pub fn portfolio(iterations: usize, seed: u64) -> Self {
        Self {
            strategies: Strategy::PORTFOLIO.to_vec(),
            iterations,
            seed,
            stop_at_first_break: false,
        }
    }

    /// The same budget, stopping at the first finding.
    pub fn stopping_at_first_break(self) -> Self {
        Self {
            stop_at_first_break: true,
            ..self
        }
    }
}
