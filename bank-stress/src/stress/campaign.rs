//! A campaign: which runs (variant × seed) to make, in a fixed order that sharding partitions,
//! and running them one after another.

use super::history_check::HistoryCheck;
use super::preset::Preset;
use super::report::CampaignReport;
use super::report::RunRecord;
use super::run::{RecordedHistory, run_recorded};
use super::run_spec::{Progress, RunError, RunSpec};
use crate::shard::Shard;
use bank_core::runtime::Noise;
use bank_core::{Subject, WorkloadShape};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// What a campaign tells its observer, in this order for each run (a run's `Checked` comes
/// after the next run's `Started` and `Ran`: its history is checked while the next run runs).
#[derive(Debug, Clone, Copy)]
pub enum RunEvent<'a> {
    /// The run starts; its transfers are counted in the progress counter.
    Started(&'a RunSpec, &'a Progress),
    /// Its threads are done (or abandoned); its history is being checked.
    Ran(&'a RunSpec),
    /// Its history is checked: the whole record.
    Checked(&'a RunSpec, &'a RunRecord),
}

/// A history being checked on a thread of its own (or, if the OS refuses a thread, at once).
enum Checking {
    Thread(std::thread::JoinHandle<HistoryCheck>),
    Done(HistoryCheck),
}

impl Checking {
    fn start(history: RecordedHistory) -> Self {
        // The history moves into the thread; if the thread cannot start, it comes back here.
        let slot = std::sync::Arc::new(std::sync::Mutex::new(Some(history)));
        let theirs = std::sync::Arc::clone(&slot);
        let spawned = std::thread::Builder::new()
            .name("history-check".to_string())
            .spawn(move || {
                let history = theirs
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .take()
                    .expect("taken once");
                history.check()
            });
        match spawned {
            Ok(handle) => Self::Thread(handle),
            Err(_) => Self::Done(
                slot.lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .take()
                    .expect("the thread never started")
                    .check(),
            ),
        }
    }

    fn wait(self) -> HistoryCheck {
        match self {
            Self::Thread(handle) => handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            Self::Done(check) => check,
        }
    }
}

/// A whole campaign's settings.
#[derive(Debug, Clone)]
pub struct Campaign {
    /// The preset the sizes came from.
    pub preset: Preset,
    /// The variants, in catalog order.
    pub variants: Vec<&'static Subject>,
    /// The workload.
    pub shape: WorkloadShape,
    /// Runs per variant.
    pub runs_per_variant: usize,
    /// The campaign seed.
    pub seed: u64,
    /// The lesson's yield.
    pub yield_between_debit_and_credit: bool,
    /// Planned run length (soak).
    pub duration: Option<Duration>,
    /// The bound on a run's time (beyond `duration`); a run that reaches it is cut short.
    pub time_bound: Duration,
    /// Schedule noise in every worker thread.
    pub noise: Noise,
    /// The shard to run, if any.
    pub shard: Option<Shard>,
}

impl Campaign {
    /// Whether every run is exactly the lecture's workload (the `seed` preset's shape, the yield
    /// kept, no time limit, no schedule noise), so its wall time may be compared with the
    /// course's CPython.
    pub fn is_the_seed_workload(&self) -> bool {
        self.shape == WorkloadShape::seed()
            && self.yield_between_debit_and_credit
            && self.duration.is_none()
            && !self.noise.is_on()
    }

    /// Every run of the whole campaign, in campaign order (variant by variant).
    pub fn all_runs(&self) -> Vec<RunSpec> {
        self.variants
            .iter()
            .flat_map(|&variant| {
                (0..self.runs_per_variant).map(move |run| RunSpec {
                    variant,
                    run,
                    seed: self.seed.wrapping_add(run as u64),
                    shape: self.shape.clone(),
                    yield_between_debit_and_credit: self.yield_between_debit_and_credit,
                    duration: self.duration,
                    time_bound: self.time_bound,
                    noise: self.noise,
                })
            })
            .collect()
    }

    /// The runs this shard owns (all of them without a shard).
    pub fn my_runs(&self) -> Vec<RunSpec> {
        self.all_runs()
            .into_iter()
            .enumerate()
            .filter(|(k, _)| self.shard.is_none_or(|shard| shard.owns(*k)))
            .map(|(_, spec)| spec)
            .collect()
    }

    /// The sizes, as recorded in the report (shards must agree on them to merge).
    pub fn config(&self) -> serde_json::Value {
        serde_json::json!({
            "variants": self.variants.iter().map(|variant| variant.id).collect::<Vec<_>>(),
            "balances": self.shape.balances,
            "threads": self.shape.threads,
            "transfers_per_thread": self.shape.transfers_per_thread,
            "amounts": [self.shape.min_amount, self.shape.max_amount],
            "runs_per_variant": self.runs_per_variant,
            "yield": self.yield_between_debit_and_credit,
            "duration_seconds": self.duration.map(|d| d.as_secs_f64()),
            "noise": self.noise.to_string(),
        })
    }

    /// Runs this shard's runs one after another, each run's history checked on a thread of its
    /// own while the next run runs (the check does not hold the campaign). `observe` is told
    /// when a run starts (with its progress counter), when its threads are done, and when its
    /// history is checked (with the whole record); a run's check ends before the run after the
    /// next starts, so the records come in campaign order and each is the same as if checked at
    /// once.
    pub fn run(&self, observe: impl FnMut(RunEvent<'_>)) -> Result<CampaignReport, RunError> {
        self.run_until(&AtomicBool::new(false), observe)
            .map(|ran| ran.report)
    }

    /// [`Campaign::run`] until `cancel` is set (a Ctrl-C): the run under way is stopped and
    /// left out, no later run starts, and the report holds the runs that finished.
    pub fn run_until(
        &self,
        cancel: &AtomicBool,
        mut observe: impl FnMut(RunEvent<'_>),
    ) -> Result<Ran, RunError> {
        let mut records = Vec::new();
        let mut checking: Option<(RunSpec, RunRecord, Checking)> = None;
        let mut checked = |(spec, mut record, check): (RunSpec, RunRecord, Checking),
                           observe: &mut dyn FnMut(RunEvent<'_>)| {
            record.linearizability = check.wait();
            observe(RunEvent::Checked(&spec, &record));
            records.push(record);
        };
        let runs = self.my_runs();
        let planned = runs.len();
        let mut interrupted = false;
        for spec in runs {
            if cancel.load(Ordering::Relaxed) {
                interrupted = true;
                break;
            }
            let progress = Progress::default();
            observe(RunEvent::Started(&spec, &progress));
            let ran = run_recorded(&spec, &progress, cancel);
            observe(RunEvent::Ran(&spec));
            if let Some(previous) = checking.take() {
                checked(previous, &mut observe);
            }
            let (record, history) = ran?;
            if cancel.load(Ordering::Relaxed)
                && record.outcome == super::report::RunOutcome::CutShort
            {
                // Stopped by the cancel, not by the bank: not a run of the campaign.
                interrupted = true;
                break;
            }
            checking = Some((spec, record, Checking::start(history)));
        }
        if let Some(last) = checking.take() {
            checked(last, &mut observe);
        }
        let finished = records.len();
        let report = CampaignReport::from_runs(
            &self.variants,
            records,
            self.seed,
            self.preset.name(),
            self.shard.map(|s| s.to_string()),
            self.config(),
        );
        Ok(Ran {
            report,
            interrupted: interrupted.then_some(Interrupted { finished, planned }),
        })
    }
}

/// What [`Campaign::run_until`] made.
#[derive(Debug)]
pub struct Ran {
    /// The report of the runs that finished.
    pub report: CampaignReport,
    /// Set when the campaign was cancelled before its last run.
    pub interrupted: Option<Interrupted>,
}

/// How far a cancelled campaign got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interrupted {
    /// Runs that finished (and are in the report).
    pub finished: usize,
    /// Runs the campaign (or its shard) planned.
    pub planned: usize,
}
