//! `cargo xtask merge FILE… --json OUT`: shard reports back into one campaign report.

use crate::Outcome;
use crate::flags::MergeArgs;
use bank_stress::stress::{CampaignReport, merge};

pub fn run(args: &MergeArgs) -> Result<Outcome, String> {
    let mut reports = Vec::new();
    for path in &args.files {
        let text = std::fs::read_to_string(path)
            .map_err(|error| format!("cannot read {}: {error}", path.display()))?;
        let report: CampaignReport = serde_json::from_str(&text)
            .map_err(|error| format!("{} is not a stress report: {error}", path.display()))?;
        reports.push(report);
    }
    let merged = merge(reports)?;
    let text = serde_json::to_string_pretty(&merged).map_err(|error| error.to_string())?;
    std::fs::write(&args.json, text + "\n")
        .map_err(|error| format!("--json: cannot write {}: {error}", args.json.display()))?;
    println!(
        "merged {} report(s), {} runs, into {}",
        args.files.len(),
        merged.runs.len(),
        args.json.display()
    );
    crate::stress::print_summary(&merged);
    if let Some(dir) = &args.report {
        crate::stress::write_html(&merged, dir)?;
    }
    Ok(if merged.contradictions().is_empty() {
        Outcome::Agrees
    } else {
        Outcome::Finding
    })
}
