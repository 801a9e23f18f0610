//! Your own bank, checked in one call: what `cargo xtask explore` does for the catalog (the
//! default exploration, minimisation, replay files), for any bank written against
//! `bank_core::Bank` and the runtime type parameter.
//!
//! ```no_run
//! # use bank_core::{Money, ShuttleThreads, Verdicts};
//! # struct MyBank;
//! # impl MyBank { fn open(_: &[Money]) -> bank_core::variants::global_lock::GlobalLockBank<ShuttleThreads> { unimplemented!() } }
//! // In a test: panics with the whole report if a verdict disagrees.
//! bank_stress::own_bank::assert_bank("my-bank", MyBank::open, Verdicts::ALL_HOLD);
//! ```
//!
//! A failing check writes one replay file per finding (under `target/bank-stress/replays/<name>/`
//! by default) and prints the command that replays it; [`replay_file`] replays one from a test
//! that names the same opener.
//!
//! Shuttle prints a line to stderr for every deadlock it reports; a check redirects stderr while
//! it explores so that none reaches the user (the redirection is process-wide: another test's
//! stderr printed at that moment is lost too; when stderr is already redirected, nothing is).

use crate::checker::{
    Budget, CheckError, CheckReport, Counterexample, ReplayOutcome, Shown, check_workloads, replay,
};
use crate::matrix::minimal_counterexample_of;
use crate::persist;
use crate::workloads::default_exploration;
use bank_core::{Bank, Invariant, Money, Op, Verdict, Verdicts, Workload};
use std::fmt;
use std::path::{Path, PathBuf};

/// The seed of a check's random and PCT schedulers unless [`BankCheck::budget`] says otherwise.
pub const DEFAULT_SEED: u64 = 0x0BAD_BA4C;
/// Schedules per strategy and workload unless [`BankCheck::budget`] says otherwise (as
/// `cargo xtask explore`).
pub const DEFAULT_SCHEDULES: usize = 1_500;

/// A check of one bank: what to explore, what to expect, where replay files go.
#[derive(Debug, Clone)]
pub struct BankCheck {
    name: String,
    workloads: Vec<Workload>,
    budget: Budget,
    expected: Option<Verdicts>,
    replay_dir: Option<PathBuf>,
}

impl BankCheck {
    /// A check named `name` (used in the report and the replay files' folder): the default
    /// exploration (`workloads::default_exploration`), the portfolio of strategies with
    /// [`DEFAULT_SCHEDULES`] each, no expectation, replay files under
    /// `target/bank-stress/replays/<name>/`.
    pub fn new(name: &str) -> Self {
        Self {
            name: name.to_string(),
            workloads: default_exploration(),
            budget: Budget::portfolio(DEFAULT_SCHEDULES, DEFAULT_SEED),
            expected: None,
            replay_dir: Some(persist::default_replay_dir().join(name)),
        }
    }

    /// Explores these workloads instead of the default exploration.
    pub fn workloads(self, workloads: Vec<Workload>) -> Self {
        Self { workloads, ..self }
    }

    /// Explores within this budget (strategies, schedules per strategy and workload, seed).
    pub fn budget(self, budget: Budget) -> Self {
        Self { budget, ..self }
    }

    /// Stops at the first finding.
    pub fn stop_at_first_break(self) -> Self {
        Self {
            budget: self.budget.stopping_at_first_break(),
            ..self
        }
    }

    /// The verdict the bank should get per invariant: an expected break must be shown, an
    /// expected hold must not break.
    pub fn expect(self, expected: Verdicts) -> Self {
        Self {
            expected: Some(expected),
            ..self
        }
    }

    /// Writes replay files into `dir` (`None`: writes none).
    pub fn replay_dir(self, dir: Option<PathBuf>) -> Self {
        Self {
            replay_dir: dir,
            ..self
        }
    }

    /// Runs the check on banks opened by `open` (on `bank_core::ShuttleThreads`): explores,
    /// minimises every finding, writes its replay file, and returns the report.
    pub fn run<B, F>(&self, open: F) -> Result<BankReport, CheckError>
    where
        B: Bank + 'static,
        F: Fn(&[Money]) -> B + Clone + Send + Sync + 'static,
    {
        let quiet = gag::Gag::stderr().ok();
        let check = check_workloads(open.clone(), &self.workloads, &self.budget)?;
        let minimal: Vec<Counterexample> = check
            .findings()
            .map(|found| minimal_counterexample_of(open.clone(), found))
            .collect();
        drop(quiet);
        let mut findings = Vec::new();
        for counterexample in minimal {
            let replay_file = match &self.replay_dir {
                Some(dir) => Some(persist::save(dir, &self.name, &counterexample).map_err(
                    |error| {
                        CheckError::Io(format!(
                            "cannot write a replay file in {}: {error}",
                            dir.display()
                        ))
                    },
                )?),
                None => None,
            };
            findings.push(MinimalFinding {
                counterexample,
                replay_file,
            });
        }
        Ok(BankReport {
            name: self.name.clone(),
            check,
            findings,
            expected: self.expected,
        })
    }
}

/// One finding, minimised, and where its replay file is.
#[derive(Debug, Clone)]
pub struct MinimalFinding {
    /// The minimal counterexample.
    pub counterexample: Counterexample,
    /// Its replay file, if the check wrote one.
    pub replay_file: Option<PathBuf>,
}

/// What a [`BankCheck`] found, with every verdict's evidence.
#[derive(Debug, Clone)]
pub struct BankReport {
    /// The check's name.
    pub name: String,
    /// The checker's report (over every workload).
    pub check: CheckReport,
    /// Every finding, minimised.
    pub findings: Vec<MinimalFinding>,
    /// What was expected, if anything.
    pub expected: Option<Verdicts>,
}

impl BankReport {
    /// What was shown about one invariant.
    pub fn shown(&self, invariant: Invariant) -> Shown {
        self.check.shown(invariant)
    }

    /// Every way the report disagrees with the expectation, in words; a livelock and a panic
    /// always disagree.
    pub fn disagreements(&self) -> Vec<String> {
        let mut disagreements = Vec::new();
        if let Some(expected) = self.expected {
            for invariant in Invariant::ALL {
                let shown = self.shown(invariant);
                match expected.get(invariant) {
                    Verdict::Breaks if shown != Shown::Breaks => disagreements.push(format!(
                        "{invariant}: expected to break, {}",
                        shown.describe()
                    )),
                    Verdict::Holds if shown == Shown::Breaks => {
                        disagreements.push(format!("{invariant}: expected to hold, but breaks"))
                    }
                    _ => {}
                }
            }
        }
        if self.check.livelock.is_some() {
            disagreements.push("a livelock: a fair schedule never finished".into());
        }
        if let Some(panic) = &self.check.panic {
            disagreements.push(format!(
                "the bank panicked: {}",
                panic.anomaly.message.as_deref().unwrap_or("?")
            ));
        }
        disagreements
    }

    /// Nothing disagrees with the expectation (without one: no livelock, no panic).
    pub fn agrees(&self) -> bool {
        self.disagreements().is_empty()
    }
}

impl fmt::Display for BankReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{}: {} workload(s), {} schedules in {:.1} s",
            self.name,
            self.check.workloads,
            self.check.schedules(),
            self.check.elapsed().as_secs_f64()
        )?;
        for invariant in Invariant::ALL {
            let expected = self
                .expected
                .map(|expected| format!(" (expected: {})", expected.get(invariant)))
                .unwrap_or_default();
            writeln!(
                f,
                "  {:<22} {}{expected}",
                invariant.key(),
                self.shown(invariant).describe()
            )?;
        }
        for finding in &self.findings {
            let found = &finding.counterexample;
            writeln!(
                f,
                "  {}: balances {:?}; threads {}",
                found.finding,
                found.workload.balances,
                describe_threads(&found.workload.threads)
            )?;
            let anomaly = &found.anomaly;
            if let Some(message) = &anomaly.message {
                writeln!(f, "    {message}")?;
            } else {
                writeln!(
                    f,
                    "    expected total {}, seen {}; lowest balance {}",
                    anomaly.expected_total,
                    anomaly
                        .observed_total
                        .map_or("-".to_string(), |total| total.to_string()),
                    anomaly.min_balance
                )?;
            }
            if let Some(table) = &anomaly.linearizability {
                // The history as `explore` shows it: the minimal prefix, one column per thread,
                // the closest order and the call no order can place.
                for line in table.lines() {
                    writeln!(f, "    {line}")?;
                }
            }
            writeln!(f, "    schedule {}", found.schedule)?;
            if let Some(path) = &finding.replay_file {
                writeln!(
                    f,
                    "    replay: bank_stress::own_bank::replay_file(<your opener>, {:?})",
                    path.display().to_string()
                )?;
            }
        }
        let disagreements = self.disagreements();
        if disagreements.is_empty() {
            if self.expected.is_some() {
                writeln!(f, "  agrees with every expected verdict")?;
            }
        } else {
            for disagreement in disagreements {
                writeln!(f, "  DISAGREES: {disagreement}")?;
            }
        }
        Ok(())
    }
}

/// `[0→1 $1, audit] [1→0 $2]`
pub fn describe_threads(threads: &[Vec<Op>]) -> String {
    threads
        .iter()
        .map(|ops| {
            let ops: Vec<String> = ops
                .iter()
                .map(|op| match op {
                    Op::Transfer { from, to, amount } => format!("{from}→{to} ${amount}"),
                    Op::Audit => "audit".to_string(),
                })
                .collect();
            format!("[{}]", ops.join(", "))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Checks a bank with the default exploration and panics with the whole report unless every
/// verdict agrees with `expected`: the one call for a `#[test]`.
pub fn assert_bank<B, F>(name: &str, open: F, expected: Verdicts) -> BankReport
where
    B: Bank + 'static,
    F: Fn(&[Money]) -> B + Clone + Send + Sync + 'static,
{
    let report = match BankCheck::new(name).expect(expected).run(open) {
        Ok(report) => report,
        Err(error) => panic!("{name}: the check could not run: {error}"),
    };
    assert!(report.agrees(), "\n{report}");
    report
}

/// Replays one replay file written by a check, on banks opened by `open` (the same opener the
/// check was given).
pub fn replay_file<B, F>(open: F, path: &Path) -> Result<ReplayOutcome, String>
where
    B: Bank + 'static,
    F: Fn(&[Money]) -> B + Send + Sync + 'static,
{
    let file = persist::load(path)?;
    let _quiet = gag::Gag::stderr().ok();
    replay(open, &file.counterexample)
        .map_err(|error| format!("{} is not a valid replay file: {error}", path.display()))
}
