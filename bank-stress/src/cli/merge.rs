//! `cargo xtask merge FILE… --json OUT`: shard reports back into one campaign report, or shard
//! proofs (`prove --shard I/N --json FILE`) back into the whole proof.

use super::outcome::Outcome;
use crate::cli::flags::MergeArgs;
use crate::persist;
use crate::prove::ProofReport;
use crate::stress::{CampaignReport, merge};
use std::path::PathBuf;

pub fn run(args: &MergeArgs) -> Result<Outcome, String> {
    crate::cli::outputs::check_not_an_input(&args.json, &args.files)?;
    crate::cli::outputs::check_campaign_outputs(
        Some(&args.json),
        args.report.as_deref(),
        args.counterexamples.as_deref(),
    )?;
    let texts = read_inputs(&args.files)?;
    let proofs = texts.iter().filter(|(_, text)| is_proof(text)).count();
    if proofs > 0 {
        if proofs != texts.len() {
            return Err("cannot merge proofs with stress reports".into());
        }
        return merge_proofs(args, &texts);
    }
    merge_reports(args, &texts)
}

/// Reads every input file whole, in the order given, before anything is merged.
fn read_inputs(files: &[PathBuf]) -> Result<Vec<(&PathBuf, String)>, String> {
    let mut texts = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(path)
            .map_err(|error| format!("cannot read {}: {error}", path.display()))?;
        texts.push((path, text));
    }
    Ok(texts)
}

/// Whether a file's text is a proof shard (its `kind` says so) rather than a stress report.
fn is_proof(text: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .and_then(|value| {
            value
                .get("kind")
                .and_then(|kind| kind.as_str().map(String::from))
        })
        .is_some_and(|kind| kind == ProofReport::KIND)
}

/// Puts proof shards back into the whole proof, which then finishes as `prove` does; the flags
/// that only stress campaigns take are refused first.
fn merge_proofs(args: &MergeArgs, texts: &[(&PathBuf, String)]) -> Result<Outcome, String> {
    if args.report.is_some() {
        return Err("--report is for stress campaigns; a proof has no HTML report".into());
    }
    if args.allow_partial {
        return Err("--allow-partial is for stress campaigns: a proof needs every shard".into());
    }
    let mut shards = Vec::new();
    for (path, text) in texts {
        let shard: ProofReport = serde_json::from_str(text)
            .map_err(|error| format!("{} is not a proof: {error}", path.display()))?;
        shards.push(shard);
    }
    let whole = ProofReport::merge(shards)?;
    outln!("merged {} proof shard(s)", args.files.len());
    let replay_dir = args
        .replay_dir
        .clone()
        .unwrap_or_else(persist::default_replay_dir);
    crate::cli::outputs::check_replay_dir(&replay_dir)?;
    crate::cli::prove::finish(whole, &replay_dir, Some(&args.json), true)
}

/// Puts stress reports back into one campaign report: writes its JSON, prints its summary, and
/// writes the HTML report if asked for.
fn merge_reports(args: &MergeArgs, texts: &[(&PathBuf, String)]) -> Result<Outcome, String> {
    let mut reports = Vec::new();
    for (path, text) in texts {
        let report: CampaignReport = serde_json::from_str(text)
            .map_err(|error| format!("{} is not a stress report: {error}", path.display()))?;
        reports.push(report);
    }
    let merged = merge(
        &super::context::subjects().refs(),
        reports,
        args.allow_partial,
    )?;
    crate::cli::outputs::write_json(&args.json, &merged)?;
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
    crate::cli::stress::print_summary(&merged);
    if let Some(dir) = &args.report {
        crate::cli::stress::write_html(&merged, dir, args.counterexamples.as_deref())?;
    }
    Ok(if merged.agrees() {
        Outcome::Agrees
    } else {
        Outcome::Finding
    })
}
