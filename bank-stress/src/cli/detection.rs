//! `cargo xtask detection`: the stress tool's performance figure. Runs the same campaign once per
//! seed (1..=N) at each noise level, and prints, for every break the catalog expects, how many
//! runs and campaigns showed it and the median time to its first observation. Exit 0 when every
//! expected break was shown by every campaign at every level, 1 otherwise.

use super::outcome::Outcome;
use crate::cli::flags::{DetectionArgs, StressArgs};
use crate::cli::stress::campaign_from;
use crate::stress::{CampaignReport, detection_rows};
use std::time::Instant;

pub fn run(args: &DetectionArgs) -> Result<Outcome, String> {
    let mut everything_shown = true;
    for &noise in &args.noise {
        let mut campaigns: Vec<CampaignReport> = Vec::new();
        let mut walls = Vec::new();
        for seed in 1..=args.seeds {
            let stress = StressArgs {
                variants: args.variants.clone(),
                preset: args.preset,
                seed,
                noise: Some(noise),
                ..StressArgs::default()
            };
            let campaign = campaign_from(&stress)?;
            let started = Instant::now();
            let report = campaign
                .run(|_| {})
                .map_err(|error| format!("detection: {error}"))?;
            walls.push(started.elapsed().as_secs_f64());
            eprintln!(
                "detection: noise {noise}, seed {seed}: {:.1} s",
                walls.last().copied().unwrap_or_default()
            );
            campaigns.push(report);
        }
        walls.sort_by(f64::total_cmp);
        outln!(
            "\nnoise {noise}: {} campaign(s) of preset {}, seeds 1..={}; campaign wall time median {:.1} s, max {:.1} s",
            campaigns.len(),
            campaigns
                .first()
                .map_or("?", |campaign| campaign.preset.as_str()),
            args.seeds,
            walls.get(walls.len() / 2).copied().unwrap_or_default(),
            walls.last().copied().unwrap_or_default(),
        );
        outln!(
            "| variant | invariant | runs showing it | campaigns showing it | median time to first observation |"
        );
        outln!("|---|---|---|---|---|");
        for row in detection_rows(&super::context::subjects().refs(), &campaigns) {
            everything_shown &= row.always_shown();
            outln!(
                "| `{}` | {} | {} / {} | {} / {} | {} |",
                row.variant,
                row.invariant.title(),
                row.runs_showing,
                row.runs,
                row.campaigns_showing,
                row.campaigns,
                row.median_micros_to_first
                    .map_or("-".to_string(), |micros| format!(
                        "{:.1} ms",
                        micros as f64 / 1e3
                    )),
            );
        }
    }
    Ok(if everything_shown {
        outln!("\nevery expected break was shown by every campaign");
        Outcome::Agrees
    } else {
        outln!("\nsome expected break was not shown by some campaign");
        Outcome::Finding
    })
}
