//! Merging shard reports of one campaign into the report of the whole (`cargo xtask merge`):
//! the one place that decides whether reports belong together, and which shards are there.

use super::report::{CampaignReport, RunRecord, position_among};
use crate::shard::Shard;
use bank_core::Subject;

/// Merges shard reports of one campaign into the report of the whole: same seed, preset and
/// sizes, every run's variant in the catalog, no run twice, and every shard `1/N` … `N/N` present.
/// With `allow_partial`, missing shards are allowed and the merged report's `shard` names the ones
/// it has and lacks (`partial: has shard(s) 1/4, 3/4; lacks 2/4, 4/4`), so it never passes for the
/// whole campaign. Every present shard must hold exactly the runs it owns, each with its seed.
pub fn merge(
    subjects: &[&Subject],
    reports: Vec<CampaignReport>,
    allow_partial: bool,
) -> Result<CampaignReport, String> {
    let first = reports.first().ok_or("nothing to merge")?;
    let (seed, preset, config) = (first.seed, first.preset.clone(), first.config.clone());
    let count = shard_of(first)?.map(|shard| shard.count);
    let mut present = Vec::new();
    let mut runs: Vec<RunRecord> = Vec::new();
    for report in &reports {
        let name = report.shard.as_deref().unwrap_or("(whole campaign)");
        same_campaign(report, first, name)?;
        present.push(new_shard(report, count, &present)?);
        if let Some(shard) = shard_of(report)? {
            holds_what_it_owns(report, shard, name)?;
        }
        for run in &report.runs {
            admissible_run(run, seed, subjects, &runs, name)?;
            runs.push(run.clone());
        }
    }
    let shard = shards_label(present, count.unwrap_or(1), allow_partial)?;
    Ok(CampaignReport::from_runs(
        subjects, runs, seed, &preset, shard, config,
    ))
}

/// A report's shard, if it names one.
fn shard_of(report: &CampaignReport) -> Result<Option<Shard>, String> {
    report
        .shard
        .as_deref()
        .map(|text| {
            text.parse::<Shard>()
                .map_err(|why| format!("shard {text:?}: {why}"))
        })
        .transpose()
}

/// `report` comes from the same campaign as `first`: the same seed, preset and configuration.
fn same_campaign(
    report: &CampaignReport,
    first: &CampaignReport,
    name: &str,
) -> Result<(), String> {
    let (seed, preset) = (first.seed, &first.preset);
    if report.seed != seed {
        return Err(format!(
            "shard {name}: seed {} differs from the first report's seed {seed}",
            report.seed
        ));
    }
    if report.preset != *preset {
        return Err(format!(
            "shard {name}: preset {} differs from the first report's preset {preset}",
            report.preset
        ));
    }
    if report.config != first.config {
        return Err(format!(
            "shard {name}: {} differs from the first report's",
            differing_fields(&report.config, &first.config)
        ));
    }
    Ok(())
}

/// The index of `report`'s shard: one of the first report's `count` shards, not seen before. A
/// whole campaign's report merges with nothing.
fn new_shard(
    report: &CampaignReport,
    count: Option<usize>,
    present: &[usize],
) -> Result<usize, String> {
    match (shard_of(report)?, count) {
        (Some(shard), Some(count)) if shard.count == count => {
            if present.contains(&shard.index) {
                return Err(format!("shard {shard} appears twice"));
            }
            Ok(shard.index)
        }
        (Some(shard), Some(count)) => Err(format!(
            "shard {shard} is one of {} shards, the first report's one of {count}",
            shard.count
        )),
        _ => Err(
            "a whole campaign's report cannot be merged with other reports; merge shard reports (--shard I/N)".into(),
        ),
    }
}

/// A shard holds exactly the runs it owns (when its configuration says which runs are planned).
fn holds_what_it_owns(report: &CampaignReport, shard: Shard, name: &str) -> Result<(), String> {
    let Some(planned) = planned_runs(&report.config) else {
        return Ok(());
    };
    let owned: Vec<&(String, usize)> = planned
        .iter()
        .enumerate()
        .filter(|(k, _)| shard.owns(*k))
        .map(|(_, run)| run)
        .collect();
    let has = |variant: &str, run: usize| {
        report
            .runs
            .iter()
            .any(|record| record.variant == variant && record.run == run)
    };
    if let Some((variant, run)) = owned.iter().find(|(variant, run)| !has(variant, *run)) {
        return Err(format!(
            "shard {name} lacks run {run} of {variant}, which it owns: the report is incomplete"
        ));
    }
    if report.runs.len() != owned.len() {
        return Err(format!(
            "shard {name} has {} runs where it owns {}",
            report.runs.len(),
            owned.len()
        ));
    }
    Ok(())
}

/// A run may join the merge: its seed is the campaign's plus its number, its bank is among
/// `subjects`, and no report seen so far holds it.
fn admissible_run(
    run: &RunRecord,
    seed: u64,
    subjects: &[&Subject],
    runs: &[RunRecord],
    name: &str,
) -> Result<(), String> {
    if run.seed != seed.wrapping_add(run.run as u64) {
        return Err(format!(
            "shard {name}: run {} of {} has seed {}, not the campaign's seed + {} = {}",
            run.run,
            run.variant,
            run.seed,
            run.run,
            seed.wrapping_add(run.run as u64)
        ));
    }
    if position_among(subjects, &run.variant) == usize::MAX {
        return Err(format!(
            "shard {name}: run {} is of {:?}, which is not among the banks this command knows ({})",
            run.run,
            run.variant,
            subjects
                .iter()
                .map(|subject| subject.id)
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if runs
        .iter()
        .any(|known| known.variant == run.variant && known.run == run.run)
    {
        return Err(format!(
            "run {} of {} appears in two reports",
            run.run, run.variant
        ));
    }
    Ok(())
}

/// The merged report's `shard`: none when every shard is present; with `allow_partial`, which it
/// has and lacks; otherwise an error naming the missing ones.
fn shards_label(
    mut present: Vec<usize>,
    count: usize,
    allow_partial: bool,
) -> Result<Option<String>, String> {
    let missing: Vec<String> = (0..count)
        .filter(|index| !present.contains(index))
        .map(|index| Shard { index, count }.to_string())
        .collect();
    if missing.is_empty() {
        Ok(None)
    } else if allow_partial {
        present.sort_unstable();
        Ok(Some(format!(
            "partial: has shard(s) {}; lacks {}",
            present
                .iter()
                .map(|&index| Shard { index, count }.to_string())
                .collect::<Vec<_>>()
                .join(", "),
            missing.join(", ")
        )))
    } else {
        Err(format!(
            "missing shard(s) {}; merge every shard, or pass --allow-partial",
            missing.join(", ")
        ))
    }
}

/// Every run a campaign's config plans, in campaign order: (variant, run number); `None` when
/// the config does not say (reports written before it did).
fn planned_runs(config: &serde_json::Value) -> Option<Vec<(String, usize)>> {
    let variants = config.get("variants")?.as_array()?;
    let runs = usize::try_from(config.get("runs_per_variant")?.as_u64()?).ok()?;
    Some(
        variants
            .iter()
            .filter_map(|variant| variant.as_str())
            .flat_map(|variant| (0..runs).map(move |run| (variant.to_string(), run)))
            .collect(),
    )
}

/// The names of the top-level fields in which two configs differ (`threads, balances`).
fn differing_fields(a: &serde_json::Value, b: &serde_json::Value) -> String {
    let (Some(a), Some(b)) = (a.as_object(), b.as_object()) else {
        return "its configuration".into();
    };
    let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    let differing: Vec<String> = keys
        .into_iter()
        .filter(|key| a.get(*key) != b.get(*key))
        .map(|key| {
            format!(
                "{key} ({} vs {})",
                a.get(key).map_or("absent".into(), |v| v.to_string()),
                b.get(key).map_or("absent".into(), |v| v.to_string())
            )
        })
        .collect();
    differing.join(", ")
}
