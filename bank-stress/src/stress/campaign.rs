//! A campaign: which runs (variant × seed) to make, in a fixed order that sharding partitions,
//! and running them one after another.

use super::report::CampaignReport;
use super::run::{Progress, RunError, run_once};
use super::{Preset, Shard};
use bank_core::runtime::Noise;
use bank_core::{VariantInfo, WorkloadShape};
use std::time::Duration;

/// One run to make.
#[derive(Debug, Clone)]
pub struct RunSpec {
    /// The variant.
    pub variant: &'static VariantInfo,
    /// The run's number within the variant.
    pub run: usize,
    /// The workload seed (campaign seed + run number).
    pub seed: u64,
    /// The workload.
    pub shape: WorkloadShape,
    /// The lesson's yield between debit and credit.
    pub yield_between_debit_and_credit: bool,
    /// Stop the run on purpose after this long (soak), if set.
    pub duration: Option<Duration>,
    /// Stop the run after `duration` plus this, and call it cut short.
    pub time_bound: Duration,
    /// Schedule noise in every worker.
    pub noise: Noise,
}

/// A whole campaign's settings.
#[derive(Debug, Clone)]
pub struct Campaign {
    /// The preset the sizes came from.
    pub preset: Preset,
    /// The variants, in catalog order.
    pub variants: Vec<&'static VariantInfo>,
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

    /// Runs this shard's runs one after another; `observe` is told before each run starts (with
    /// its progress counter) and after it ends.
    pub fn run(
        &self,
        mut observe: impl FnMut(&RunSpec, Option<&super::RunRecord>, &Progress),
    ) -> Result<CampaignReport, RunError> {
        let mut records = Vec::new();
        for spec in self.my_runs() {
            let progress = Progress::default();
            observe(&spec, None, &progress);
            let record = run_once(&spec, &progress)?;
            observe(&spec, Some(&record), &progress);
            records.push(record);
        }
        Ok(CampaignReport::from_runs(
            records,
            self.seed,
            self.preset.name(),
            self.shard.map(|s| s.to_string()),
            self.config(),
        ))
    }
}
