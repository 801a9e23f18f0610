//! The course's CPython timings for the seed workload, and the comparison of a campaign's wall
//! times with them.
//!
//! Source: `../shared/notes/course-bank.md` — the course's CPython programs, run on this
//! project's 2-core machine class: the unsafe bank about 0.9–1.2 s, the safe bank with one global
//! lock about 4.9–5.2 s, the fine-grained bank about 5.1–5.2 s (the threaded part). Each variant
//! is compared with the program it comes from, at the *low* end of that program's range, so a
//! ratio is never flattered. Variants the course did not time (a deadlocking state, a live-typed
//! intermediate step, or designs beyond the course) have no comparison.

use super::report::{CampaignReport, RunOutcome};

/// The course's CPython unsafe bank on this machine class: about 95% of its 49,995 audits
/// inconsistent (≈ 47,000) in about 1.2 s of threaded time, i.e. about 39,000 inconsistent audits
/// per second. The rate at which a bank *shows* its race, which is what a bug-finding tool is for.
pub const CPYTHON_UNSAFE_INCONSISTENT_PER_SECOND: f64 = 47_000.0 / 1.2;

/// The low end of the course's CPython timing of the program a variant comes from, in seconds.
pub fn cpython_seconds(variant_id: &str) -> Option<f64> {
    match variant_id {
        "unsafe" => Some(0.9),
        // safe_bank.py as published, and with its funds check moved under the lock.
        "global-lock-toctou" | "global-lock" => Some(4.9),
        // safe_bank_fine_grained.py, with its funds check moved under the locks.
        "ordered-locks" => Some(5.1),
        _ => None,
    }
}

/// One variant's wall times over a campaign's runs, against CPython.
#[derive(Debug, Clone, PartialEq)]
pub struct SeedTiming {
    /// The variant's id.
    pub id: String,
    /// Runs that finished (a deadlocked or hung run has no meaningful time).
    pub runs: usize,
    /// The median wall time of those runs, in seconds.
    pub median_seconds: f64,
    /// The fastest run.
    pub min_seconds: f64,
    /// The slowest run.
    pub max_seconds: f64,
    /// The course's CPython time for the program the variant comes from, if the course timed it.
    pub cpython_seconds: Option<f64>,
    /// The median over those runs of inconsistent audits per second of wall time.
    pub inconsistent_per_second: f64,
}

impl SeedTiming {
    /// How many times faster than CPython the median run was.
    pub fn speedup(&self) -> Option<f64> {
        self.cpython_seconds
            .map(|cpython| cpython / self.median_seconds)
    }
}

/// Each variant's timing over the runs in `report` where every thread finished.
pub fn seed_timings(report: &CampaignReport) -> Vec<SeedTiming> {
    report
        .variants
        .iter()
        .filter_map(|variant| {
            let finished = || {
                report.runs.iter().filter(|run| {
                    run.variant == variant.id
                        && run.deadlock.is_none()
                        && run.outcome == RunOutcome::Completed
                })
            };
            let mut walls: Vec<f64> = finished().map(|run| run.wall_seconds).collect();
            walls.sort_by(f64::total_cmp);
            let mut rates: Vec<f64> = finished()
                .map(|run| run.inconsistent_audits as f64 / run.wall_seconds.max(1e-9))
                .collect();
            rates.sort_by(f64::total_cmp);
            let (&min_seconds, &max_seconds) = (walls.first()?, walls.last()?);
            Some(SeedTiming {
                id: variant.id.clone(),
                runs: walls.len(),
                median_seconds: walls[walls.len() / 2],
                min_seconds,
                max_seconds,
                cpython_seconds: cpython_seconds(&variant.id),
                inconsistent_per_second: rates[rates.len() / 2],
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stress::RunRecord;

    fn run(variant: &str, run: usize, wall_seconds: f64, deadlocked: bool) -> RunRecord {
        let mut record: RunRecord = serde_json::from_value(serde_json::json!({
            "variant": variant, "run": run, "seed": 1, "expected_total": 10, "transfers": 1,
            "transfers_applied": 1, "audits": 1, "inconsistent_audits": 0,
            "first_inconsistent": null, "lowest_total": 10, "highest_total": 10,
            "min_balance": 0, "final_total": 10, "threads_finished": 5,
            "wall_seconds": wall_seconds, "deadlock": null, "samples": []
        }))
        .unwrap();
        if deadlocked {
            record.deadlock = Some(crate::stress::DeadlockReport {
                threads: vec!["a".into()],
                detail: String::new(),
            });
        }
        record
    }

    #[test]
    fn the_median_of_finished_runs_is_compared_with_the_low_end_of_cpython() {
        let report = CampaignReport::from_runs(
            &bank_core::catalog::SUBJECTS.refs(),
            vec![
                run("global-lock", 0, 0.030, false),
                run("global-lock", 1, 0.010, false),
                run("global-lock", 2, 0.049, false),
                run("global-lock", 3, 9.0, true),
                run("nested-locks", 0, 3.0, true),
                run("atomic", 0, 0.5, false),
            ],
            1,
            "seed",
            None,
            serde_json::Value::Null,
        );
        let timings = seed_timings(&report);
        assert_eq!(
            timings.len(),
            2,
            "a variant with no finished run has no timing"
        );
        let global = &timings[0];
        assert_eq!(global.id, "global-lock");
        assert_eq!(global.runs, 3, "the deadlocked run is left out");
        assert_eq!(
            (
                global.min_seconds,
                global.median_seconds,
                global.max_seconds
            ),
            (0.010, 0.030, 0.049)
        );
        let speedup = global.speedup().unwrap();
        assert!((speedup - 4.9 / 0.030).abs() < 1e-9, "{speedup}");
        assert_eq!(timings[1].id, "atomic");
        assert_eq!(timings[1].speedup(), None, "the course never timed it");
    }
}
