//! What a stress campaign reports: a record per run, a summary per variant computed from the
//! records, and `merge`, which puts shard reports back together. Because summaries are computed
//! from run records only, merging the shards' records gives exactly the summary the unsharded
//! campaign computes from the same records.

use super::history_check::{HistoryCheck, HistoryVerdict};
use bank_core::{Invariant, Money, Subject, Verdict, Verdicts};

/// One audited total, for charts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct AuditSample {
    /// Microseconds since the run started.
    pub micros: u64,
    /// The audit's total.
    pub total: i128,
    /// Which worker audited.
    pub thread: usize,
    /// The lowest balance in that audit.
    #[serde(default)]
    pub min_balance: Money,
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum RunOutcome {
    /// Every thread made every planned transfer.
    #[default]
    Completed,
    /// Stopped on purpose after `--duration` (soak).
    Stopped,
    /// Reached its time bound and was stopped before making every planned transfer: not a
    /// failure, but the run covered less than planned.
    CutShort,
    /// A lock cycle among its threads (parking_lot's detector).
    Deadlock,
    /// Asked to stop, some thread completed no operation for seconds and no lock cycle was
    /// visible: blocked for good on something the detector cannot see (or spinning).
    Hung,
    /// A worker panicked: a bug in the bank, reported with its message.
    Panicked {
        /// The worker that panicked.
        thread: String,
        /// Its panic message.
        message: String,
    },
}

impl RunOutcome {
    /// A word or two for tables.
    pub fn label(&self) -> &'static str {
        match self {
            Self::Completed => "completed",
            Self::Stopped => "stopped",
            Self::CutShort => "cut short",
            Self::Deadlock => "deadlock",
            Self::Hung => "hung",
            Self::Panicked { .. } => "panicked",
        }
    }
}

/// A deadlock (or a run that never finished).
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct DeadlockReport {
    /// The blocked threads, by name.
    pub threads: Vec<String>,
    /// The cycle(s) and the bank frames of each thread's backtrace, or why the run was abandoned.
    pub detail: String,
}

/// One run of one variant.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct RunRecord {
    /// The variant's id.
    pub variant: String,
    /// The run's number within the variant.
    pub run: usize,
    /// The workload seed.
    pub seed: u64,
    /// The schedule noise its workers used (`none`, `low`, `high` or a probability).
    #[serde(default)]
    pub noise: String,
    /// How the run ended.
    #[serde(default)]
    pub outcome: RunOutcome,
    /// Transfers planned over all threads (`None` when the run goes on until `--duration`).
    #[serde(default)]
    pub planned_transfers: Option<u64>,
    /// The total every audit should see.
    pub expected_total: i128,
    /// Transfers attempted, by every thread (finished or not).
    pub transfers: u64,
    /// Of those, transfers the bank accepted.
    pub transfers_applied: u64,
    /// Audits made.
    pub audits: u64,
    /// Audits whose total differed from the expected total.
    pub inconsistent_audits: u64,
    /// The earliest inconsistent audit.
    pub first_inconsistent: Option<AuditSample>,
    /// The lowest audited total.
    pub lowest_total: Option<i128>,
    /// The highest audited total.
    pub highest_total: Option<i128>,
    /// The most negative balance seen in an audit or at the end (0 if none).
    pub min_balance: Money,
    /// The total after every thread finished (`None` after a deadlock).
    pub final_total: Option<i128>,
    /// Worker threads that finished.
    pub threads_finished: usize,
    /// Wall time of the threaded part.
    pub wall_seconds: f64,
    /// The deadlock, if one was observed (or the threads of a hung run).
    pub deadlock: Option<DeadlockReport>,
    /// When the watchdog saw the deadlock, in µs since the start.
    #[serde(default)]
    pub deadlock_micros: Option<u64>,
    /// When a negative balance was first seen (in an audit, or at the end), in µs since the start.
    #[serde(default)]
    pub first_overdraft_micros: Option<u64>,
    /// A sample of audited totals over time (every inconsistent one up to a cap).
    pub samples: Vec<AuditSample>,
    /// The linearizability check of the run's history of calls and results.
    #[serde(default)]
    pub linearizability: HistoryCheck,
}

impl RunRecord {
    /// The verdict this run shows for each invariant.
    pub fn observed(&self) -> Verdicts {
        let mut verdicts = Verdicts::ALL_HOLD;
        for invariant in Invariant::ALL {
            let broken = match invariant {
                Invariant::SnapshotConservation => self.inconsistent_audits > 0,
                Invariant::FinalConservation => self
                    .final_total
                    .is_some_and(|total| total != self.expected_total),
                Invariant::NoOverdraft => self.min_balance < 0,
                Invariant::DeadlockFree => {
                    matches!(self.outcome, RunOutcome::Deadlock | RunOutcome::Hung)
                }
                Invariant::Linearizable => {
                    self.linearizability.verdict == HistoryVerdict::NotLinearizable
                }
            };
            if broken {
                verdicts.set(invariant, Verdict::Breaks);
            }
        }
        verdicts
    }

    /// When each invariant was first seen broken in this run, in µs since its start.
    pub fn first_break_micros(&self, invariant: Invariant) -> Option<u64> {
        match invariant {
            Invariant::SnapshotConservation => self.first_inconsistent.map(|first| first.micros),
            Invariant::FinalConservation => self
                .final_total
                .filter(|&total| total != self.expected_total)
                .map(|_| (self.wall_seconds * 1e6) as u64),
            Invariant::NoOverdraft => self.first_overdraft_micros,
            Invariant::DeadlockFree => self.deadlock_micros.or_else(|| {
                (self.outcome == RunOutcome::Hung).then_some((self.wall_seconds * 1e6) as u64)
            }),
            Invariant::Linearizable => self.linearizability.first_violation_micros,
        }
    }
}

/// How an observed verdict compares with the catalog's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Observed {
    /// Observed what the catalog says.
    AsExpected,
    /// The catalog says it breaks; no run happened to show it (real threads cannot force it).
    NotObserved,
    /// The catalog says it holds, and a run broke it: a failure.
    Contradicts,
    /// The subject states no expectation: what the runs showed stands on its own.
    NoExpectation,
}

/// A subject's [`About`](bank_core::About), as the report writes it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AboutText {
    /// The lesson, in one line.
    pub lesson: String,
    /// Where in the course it comes from.
    pub from: String,
    /// How it synchronises, in one line.
    pub mechanism: String,
}

/// One variant over all its runs.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct VariantSummary {
    /// The variant's id.
    pub id: String,
    /// The subject's lesson, origin and mechanism, when it has them.
    #[serde(default)]
    pub about: Option<AboutText>,
    /// The subject's expected verdicts (`null` for a bank that states none).
    pub expected: Option<Verdicts>,
    /// What the runs showed: breaks if any run broke it.
    pub observed: Verdicts,
    /// Transfers attempted.
    pub transfers: u64,
    /// Audits.
    pub audits: u64,
    /// Inconsistent audits.
    pub inconsistent_audits: u64,
    /// The earliest inconsistent audit of the first run that had one.
    pub first_inconsistent: Option<AuditSample>,
    /// The lowest audited total.
    pub lowest_total: Option<i128>,
    /// The highest audited total.
    pub highest_total: Option<i128>,
    /// The most negative balance.
    pub min_balance: Money,
    /// The final total of the last run that finished.
    pub final_total: Option<i128>,
    /// Wall time over all runs.
    pub wall_seconds: f64,
    /// Transfers per second over all runs.
    pub transfers_per_sec: f64,
    /// The first deadlock observed.
    pub deadlock: Option<DeadlockReport>,
    /// Runs that reached their time bound before making every planned transfer.
    #[serde(default)]
    pub cut_short_runs: usize,
    /// The first panic of a worker: (thread, message). A bank bug, and a failure.
    #[serde(default)]
    pub panic: Option<(String, String)>,
    /// Per invariant, in words: `breaks` (as the catalog expects), `not observed` (an expected
    /// break no run showed), `holds`, or `breaks, contradicting the expected verdict`.
    #[serde(default)]
    pub shown: std::collections::BTreeMap<String, String>,
}

impl VariantSummary {
    /// How each invariant's observation compares with the catalog.
    pub fn comparison(&self, invariant: Invariant) -> Observed {
        let Some(expected) = self.expected else {
            return Observed::NoExpectation;
        };
        match (expected.get(invariant), self.observed.get(invariant)) {
            (Verdict::Holds, Verdict::Breaks) => Observed::Contradicts,
            (Verdict::Breaks, Verdict::Holds) => Observed::NotObserved,
            _ => Observed::AsExpected,
        }
    }

    /// Invariants the catalog says hold and a run broke.
    pub fn contradictions(&self) -> Vec<Invariant> {
        Invariant::ALL
            .into_iter()
            .filter(|&i| self.comparison(i) == Observed::Contradicts)
            .collect()
    }
}

/// A whole campaign (or one shard of it).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CampaignReport {
    /// One summary per variant, in catalog order.
    pub variants: Vec<VariantSummary>,
    /// The campaign seed.
    pub seed: u64,
    /// The preset name.
    pub preset: String,
    /// `I/N` for a shard's report, `None` for a whole (or merged) campaign.
    pub shard: Option<String>,
    /// The sizes the campaign ran with; shards must agree on them to merge.
    pub config: serde_json::Value,
    /// Every run's record, in campaign order.
    pub runs: Vec<RunRecord>,
}

impl CampaignReport {
    /// Builds the report from run records; summaries are computed from the records alone, each
    /// next to its subject's expected verdicts, in the order of `subjects` (runs of a subject not
    /// among them are kept but not summarised).
    pub fn from_runs(
        subjects: &[&Subject],
        mut runs: Vec<RunRecord>,
        seed: u64,
        preset: &str,
        shard: Option<String>,
        config: serde_json::Value,
    ) -> Self {
        runs.sort_by_key(|run| (position_among(subjects, &run.variant), run.run));
        let variants = subjects
            .iter()
            .filter_map(|variant| {
                let mine: Vec<&RunRecord> = runs
                    .iter()
                    .filter(|run| run.variant == variant.id)
                    .collect();
                (!mine.is_empty()).then(|| summarise(variant, &mine))
            })
            .collect();
        Self {
            variants,
            seed,
            preset: preset.to_string(),
            shard,
            config,
            runs,
        }
    }

    /// (observed, expected): how many of the breaks the catalog expects some run showed.
    pub fn expected_breaks_observed(&self) -> (usize, usize) {
        let (mut observed, mut expected) = (0, 0);
        for variant in &self.variants {
            for invariant in Invariant::ALL {
                if variant.expected.map(|e| e.get(invariant)) == Some(Verdict::Breaks) {
                    expected += 1;
                    observed += usize::from(variant.comparison(invariant) == Observed::AsExpected);
                }
            }
        }
        (observed, expected)
    }

    /// Variants some worker of which panicked: failures whatever the catalog says.
    pub fn panics(&self) -> Vec<&VariantSummary> {
        self.variants
            .iter()
            .filter(|variant| variant.panic.is_some())
            .collect()
    }

    /// Nothing contradicts the expected verdicts and no bank panicked.
    pub fn agrees(&self) -> bool {
        self.contradictions().is_empty() && self.panics().is_empty()
    }

    /// Every invariant expected to hold and some run broke, by variant.
    pub fn contradictions(&self) -> Vec<(String, Invariant)> {
        self.variants
            .iter()
            .flat_map(|v| v.contradictions().into_iter().map(|i| (v.id.clone(), i)))
            .collect()
    }
}

pub(super) fn position_among(subjects: &[&Subject], id: &str) -> usize {
    subjects
        .iter()
        .position(|variant| variant.id == id)
        .unwrap_or(usize::MAX)
}

fn summarise(subject: &Subject, runs: &[&RunRecord]) -> VariantSummary {
    let expected = subject.expected;
    let mut observed = Verdicts::ALL_HOLD;
    for run in runs {
        let verdicts = run.observed();
        for invariant in Invariant::ALL {
            if verdicts.get(invariant) == Verdict::Breaks {
                observed.set(invariant, Verdict::Breaks);
            }
        }
    }
    let transfers = runs.iter().map(|run| run.transfers).sum();
    let wall_seconds: f64 = runs.iter().map(|run| run.wall_seconds).sum();
    VariantSummary {
        id: subject.id.to_string(),
        about: subject.about.map(|about| AboutText {
            lesson: about.lesson.into(),
            from: about.from.into(),
            mechanism: about.mechanism.into(),
        }),
        expected,
        observed,
        transfers,
        audits: runs.iter().map(|run| run.audits).sum(),
        inconsistent_audits: runs.iter().map(|run| run.inconsistent_audits).sum(),
        first_inconsistent: runs.iter().find_map(|run| run.first_inconsistent),
        lowest_total: runs.iter().filter_map(|run| run.lowest_total).min(),
        highest_total: runs.iter().filter_map(|run| run.highest_total).max(),
        min_balance: runs.iter().map(|run| run.min_balance).min().unwrap_or(0),
        final_total: runs.iter().rev().find_map(|run| run.final_total),
        wall_seconds,
        transfers_per_sec: if wall_seconds > 0.0 {
            transfers as f64 / wall_seconds
        } else {
            0.0
        },
        deadlock: runs.iter().find_map(|run| run.deadlock.clone()),
        cut_short_runs: runs
            .iter()
            .filter(|run| run.outcome == RunOutcome::CutShort)
            .count(),
        panic: runs.iter().find_map(|run| match &run.outcome {
            RunOutcome::Panicked { thread, message } => Some((thread.clone(), message.clone())),
            _ => None,
        }),
        shown: Invariant::ALL
            .into_iter()
            .map(|invariant| {
                let word = match (expected.map(|e| e.get(invariant)), observed.get(invariant)) {
                    (Some(Verdict::Breaks), Verdict::Breaks) => "breaks",
                    (Some(Verdict::Breaks), Verdict::Holds) => "not observed",
                    (Some(Verdict::Holds), Verdict::Holds) => "holds",
                    (Some(Verdict::Holds), Verdict::Breaks) => {
                        "breaks, contradicting the expected verdict"
                    }
                    (None, Verdict::Breaks) => "breaks",
                    (None, Verdict::Holds) => "no break seen",
                };
                (invariant.key().to_string(), word.to_string())
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::merge::merge;
    use super::*;
    use crate::shard::Shard;

    fn record(variant: &str, run: usize) -> RunRecord {
        RunRecord {
            variant: variant.into(),
            run,
            seed: 1 + run as u64,
            expected_total: 100,
            final_total: Some(100),
            transfers: 1_000,
            audits: 1_000,
            wall_seconds: 0.5,
            ..RunRecord::default()
        }
    }

    fn report(runs: Vec<RunRecord>) -> CampaignReport {
        CampaignReport::from_runs(
            &bank_core::catalog::SUBJECTS.refs(),
            runs,
            1,
            "quick",
            None,
            serde_json::json!({"threads": 4}),
        )
    }

    #[test]
    fn a_run_breaks_exactly_what_it_observed() {
        assert_eq!(record("global-lock", 0).observed(), Verdicts::ALL_HOLD);
        let broken = RunRecord {
            inconsistent_audits: 3,
            min_balance: -1,
            final_total: Some(99),
            ..record("unsafe", 0)
        };
        let verdicts = broken.observed();
        assert_eq!(
            (
                verdicts.get(Invariant::SnapshotConservation),
                verdicts.get(Invariant::FinalConservation),
                verdicts.get(Invariant::NoOverdraft)
            ),
            (Verdict::Breaks, Verdict::Breaks, Verdict::Breaks)
        );
        assert_eq!(verdicts.get(Invariant::DeadlockFree), Verdict::Holds);
        let zero = RunRecord {
            min_balance: 0,
            ..record("unsafe", 0)
        };
        assert_eq!(
            zero.observed().get(Invariant::NoOverdraft),
            Verdict::Holds,
            "an empty account is not an overdraft"
        );
    }

    #[test]
    fn a_broken_holds_invariant_is_a_contradiction_and_an_unseen_break_is_not() {
        let summary = report(vec![
            RunRecord {
                inconsistent_audits: 1,
                ..record("global-lock", 0)
            },
            record("unsafe", 0),
        ]);
        assert_eq!(
            summary.contradictions(),
            [("global-lock".to_string(), Invariant::SnapshotConservation)]
        );
        let global = &summary.variants[1];
        assert_eq!(global.id, "global-lock");
        assert_eq!(
            global.comparison(Invariant::SnapshotConservation),
            Observed::Contradicts
        );
        assert_eq!(
            global.comparison(Invariant::FinalConservation),
            Observed::AsExpected
        );
        let unsafe_bank = &summary.variants[0];
        assert_eq!(
            unsafe_bank.comparison(Invariant::SnapshotConservation),
            Observed::NotObserved
        );
        assert!(unsafe_bank.contradictions().is_empty());
    }

    #[test]
    fn throughput_is_transfers_over_wall_time() {
        // 2,000 transfers in 0.5 s: 4,000 per second (values chosen so that no other arithmetic
        // on them gives the same answer).
        let quick = |run| RunRecord {
            wall_seconds: 0.25,
            ..record("global-lock", run)
        };
        let summary = report(vec![quick(0), quick(1)]);
        assert_eq!(summary.variants[0].transfers, 2_000);
        assert_eq!(summary.variants[0].transfers_per_sec, 4_000.0);
        let instant = report(vec![RunRecord {
            wall_seconds: 0.0,
            ..record("global-lock", 0)
        }]);
        assert_eq!(
            instant.variants[0].transfers_per_sec, 0.0,
            "no division by zero"
        );
    }

    fn shard(runs: Vec<RunRecord>, index: usize, count: usize) -> CampaignReport {
        let mut report = report(runs);
        report.shard = Some(Shard { index, count }.to_string());
        report
    }

    #[test]
    fn merging_refuses_shards_of_another_preset_or_size_and_names_the_field() {
        let base = shard(vec![record("global-lock", 0)], 0, 2);
        let mut other_preset = shard(vec![record("global-lock", 1)], 1, 2);
        other_preset.preset = "tough".into();
        let error = merge(
            &bank_core::catalog::SUBJECTS.refs(),
            vec![base.clone(), other_preset],
            false,
        )
        .unwrap_err();
        assert!(
            error.contains("preset tough differs from the first report's preset quick"),
            "{error}"
        );
        let mut other_size = shard(vec![record("global-lock", 1)], 1, 2);
        other_size.config = serde_json::json!({"threads": 8});
        let error = merge(
            &bank_core::catalog::SUBJECTS.refs(),
            vec![base.clone(), other_size],
            false,
        )
        .unwrap_err();
        assert!(error.contains("threads (8 vs 4)"), "{error}");
        let merged = merge(
            &bank_core::catalog::SUBJECTS.refs(),
            vec![base.clone(), shard(vec![record("global-lock", 1)], 1, 2)],
            false,
        )
        .unwrap();
        assert_eq!((merged.runs.len(), merged.shard), (2, None));
    }

    #[test]
    fn merging_an_incomplete_set_of_shards_is_refused_unless_allowed_and_then_labelled() {
        let shards = [
            shard(vec![record("global-lock", 0)], 0, 4),
            shard(vec![record("global-lock", 1)], 1, 4),
            shard(vec![record("global-lock", 2)], 3, 4),
        ];
        let error =
            merge(&bank_core::catalog::SUBJECTS.refs(), shards.to_vec(), false).unwrap_err();
        assert!(error.contains("missing shard(s) 3/4"), "{error}");
        let partial = merge(&bank_core::catalog::SUBJECTS.refs(), shards.to_vec(), true).unwrap();
        assert_eq!(
            partial.shard.as_deref(),
            Some("partial: has shard(s) 1/4, 2/4, 4/4; lacks 3/4")
        );
        let whole = report(vec![record("global-lock", 0)]);
        assert!(
            merge(
                &bank_core::catalog::SUBJECTS.refs(),
                vec![whole, shards[1].clone()],
                false
            )
            .unwrap_err()
            .contains("whole campaign")
        );
    }

    #[test]
    fn merging_refuses_a_variant_the_catalog_does_not_know() {
        let error = merge(
            &bank_core::catalog::SUBJECTS.refs(),
            vec![shard(vec![record("no-such-bank", 0)], 0, 1)],
            false,
        )
        .unwrap_err();
        assert!(error.contains("\"no-such-bank\""), "{error}");
    }
}
