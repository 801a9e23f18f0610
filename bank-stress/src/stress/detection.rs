//! Detection rates: the stress tool's performance figure. Over several campaigns (one per seed),
//! for every break the catalog expects, how many runs showed it, how many whole campaigns showed
//! it (in at least one of their runs), and the median time to its first observation in a run.

use super::report::CampaignReport;
use bank_core::{Invariant, Subject, Verdict};

/// One expected break over a set of campaigns.
#[derive(Debug, Clone, PartialEq)]
pub struct DetectionRow {
    /// The variant's id.
    pub variant: &'static str,
    /// The invariant the catalog says it breaks.
    pub invariant: Invariant,
    /// Runs that showed the break.
    pub runs_showing: usize,
    /// Runs of the variant over all campaigns.
    pub runs: usize,
    /// Campaigns in which at least one run showed it.
    pub campaigns_showing: usize,
    /// Campaigns that ran the variant.
    pub campaigns: usize,
    /// The median, over the runs that showed it, of the time to the first observation (µs).
    pub median_micros_to_first: Option<u64>,
}

impl DetectionRow {
    /// Every campaign showed the break.
    pub fn always_shown(&self) -> bool {
        self.campaigns > 0 && self.campaigns_showing == self.campaigns
    }
}

/// Every expected break of every subject the campaigns ran, in the order of `subjects` (a subject
/// that states no expectations has no expected break to detect).
pub fn detection_rows(subjects: &[&Subject], campaigns: &[CampaignReport]) -> Vec<DetectionRow> {
    let mut rows = Vec::new();
    for variant in subjects {
        for invariant in Invariant::ALL {
            if variant.expects(invariant) != Some(Verdict::Breaks) {
                continue;
            }
            let mut row = DetectionRow {
                variant: variant.id,
                invariant,
                runs_showing: 0,
                runs: 0,
                campaigns_showing: 0,
                campaigns: 0,
                median_micros_to_first: None,
            };
            let mut firsts = Vec::new();
            for campaign in campaigns {
                let runs: Vec<_> = campaign
                    .runs
                    .iter()
                    .filter(|run| run.variant == variant.id)
                    .collect();
                if runs.is_empty() {
                    continue;
                }
                row.campaigns += 1;
                row.runs += runs.len();
                let showing: Vec<_> = runs
                    .iter()
                    .filter(|run| run.observed().get(invariant) == Verdict::Breaks)
                    .collect();
                row.runs_showing += showing.len();
                row.campaigns_showing += usize::from(!showing.is_empty());
                firsts.extend(
                    showing
                        .iter()
                        .filter_map(|run| run.first_break_micros(invariant)),
                );
            }
            firsts.sort_unstable();
            row.median_micros_to_first = firsts.get(firsts.len() / 2).copied();
            if row.runs > 0 {
                rows.push(row);
            }
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stress::report::{AuditSample, RunRecord};

    fn run(variant: &str, run: usize, first_bad_audit: Option<u64>) -> RunRecord {
        RunRecord {
            variant: variant.into(),
            run,
            expected_total: 10,
            final_total: Some(10),
            inconsistent_audits: u64::from(first_bad_audit.is_some()),
            first_inconsistent: first_bad_audit.map(|micros| AuditSample {
                micros,
                total: 9,
                thread: 0,
                min_balance: 0,
            }),
            ..RunRecord::default()
        }
    }

    fn campaign(runs: Vec<RunRecord>) -> CampaignReport {
        CampaignReport::from_runs(
            &bank_core::catalog::SUBJECTS.refs(),
            runs,
            1,
            "default",
            None,
            serde_json::Value::Null,
        )
    }

    #[test]
    fn rows_count_runs_and_campaigns_and_take_the_median_first_observation() {
        let campaigns = [
            campaign(vec![
                run("missed-audit-lock", 0, Some(300)),
                run("missed-audit-lock", 1, None),
            ]),
            campaign(vec![
                run("missed-audit-lock", 0, None),
                run("missed-audit-lock", 1, None),
            ]),
            campaign(vec![
                run("missed-audit-lock", 0, Some(100)),
                run("missed-audit-lock", 1, Some(200)),
            ]),
        ];
        let rows = detection_rows(&bank_core::catalog::SUBJECTS.refs(), &campaigns);
        assert_eq!(rows.len(), 2, "missed-audit-lock expects two breaks");
        assert_eq!(rows[1].invariant, Invariant::Linearizable);
        let row = &rows[0];
        assert_eq!(row.invariant, Invariant::SnapshotConservation);
        assert_eq!((row.runs_showing, row.runs), (3, 6));
        assert_eq!((row.campaigns_showing, row.campaigns), (2, 3));
        assert_eq!(row.median_micros_to_first, Some(200));
        assert!(!row.always_shown());
    }
}
