//! `cargo xtask merge FILE… --json OUT`: shard reports back into one campaign report.

use crate::Outcome;
use crate::flags::MergeArgs;
use bank_stress::stress::{CampaignReport, merge};

pub fn run(args: &MergeArgs) -> Result<Outcome, String> {
    crate::outputs::check_distinct(Some(&args.json), args.report.as_deref())?;
    crate::outputs::check_json(Some(&args.json))?;
    crate::outputs::check_report(args.report.as_deref())?;
    let mut reports = Vec::new();
    for path in &args.files {
        let text = std::fs::read_to_string(path)
            .map_err(|error| format!("cannot read {}: {error}", path.display()))?;
        let report: CampaignReport = serde_json::from_str(&text)
            .map_err(|error| format!("{} is not a stress report: {error}", path.display()))?;
        reports.push(report);
    }
    let merged = merge(reports, args.allow_partial)?;
    crate::outputs::write_json(&args.json, &merged)?;
    outln!(
        "merged {} report(s), {} runs, into {}{}",
        args.files.len(),
        merged.runs.len(),
        args.json.display(),
        merged
            .shard
            .as_deref()
            .map(|partial| format!(" — PARTIAL ({partial}): not the whole campaign"))
            .unwrap_or_default()
    );
    crate::stress::print_summary(&merged);
    if let Some(dir) = &args.report {
        crate::stress::write_html(&merged, dir)?;
    }
    Ok(if merged.agrees() {
        Outcome::Agrees
    } else {
        Outcome::Finding
    })
}
