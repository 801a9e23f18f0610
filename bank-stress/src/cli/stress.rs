//! `cargo xtask stress`: real-thread campaigns, with progress, a table, deadlock details and JSON.

use super::outcome::Outcome;
use crate::cli::flags::StressArgs;
use crate::stress::{
    Campaign, CampaignReport, HistoryVerdict, Observed, Ran, RunEvent, RunOutcome, RunRecord,
    RunSpec, VariantSummary, seed_timings,
};
use bank_core::workload::SEED_BALANCES;
use bank_core::{Invariant, Subject};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

pub fn run(args: &StressArgs) -> Result<Outcome, String> {
    let campaign = campaign_from(args)?;
    crate::cli::outputs::check_campaign_outputs(
        args.json.as_deref(),
        args.report.as_deref(),
        args.counterexamples.as_deref(),
    )?;
    print_plan(&campaign);
    let ran = run_with_progress(&campaign)?;
    let report = ran.report;
    if let Some(interrupted) = ran.interrupted {
        outln!(
            "\nstress: interrupted (Ctrl-C) after {} of {} run(s); the run under way was stopped and left out. What the finished runs showed:",
            interrupted.finished,
            interrupted.planned
        );
    }
    print_summary(&report);
    if campaign.is_the_seed_workload() {
        print_seed_timings(&report);
    }
    if let Some(path) = &args.json {
        crate::cli::outputs::write_json(path, &report)?;
    }
    if let Some(dir) = &args.report {
        write_html(&report, dir, args.counterexamples.as_deref())?;
    }
    Ok(if ran.interrupted.is_some() {
        Outcome::Interrupted
    } else if report.agrees() {
        Outcome::Agrees
    } else {
        Outcome::Finding
    })
}

/// The opening line: the preset, how many runs (of which shard), and each run's shape.
fn print_plan(campaign: &Campaign) {
    let runs = campaign.my_runs().len();
    outln!(
        "stress: preset {}, {} variant(s), {} run(s){}, {} threads × {} transfers on {} accounts, yield {}, noise {}, seed {}",
        campaign.preset.name(),
        campaign.variants.len(),
        runs,
        campaign
            .shard
            .map(|shard| format!(
                " (shard {shard}: these of the campaign's {})",
                campaign.all_runs().len()
            ))
            .unwrap_or_default(),
        campaign.shape.threads,
        if campaign.duration.is_some() {
            "∞ (until --duration)".to_string()
        } else {
            campaign.shape.transfers_per_thread.to_string()
        },
        campaign.shape.balances.len(),
        if campaign.yield_between_debit_and_credit {
            "on"
        } else {
            "off"
        },
        campaign.noise,
        campaign.seed
    );
}

/// Runs the campaign until it ends or a Ctrl-C stops it, with a progress bar on a terminal (a
/// line per run started otherwise) and a line per run once its history is checked.
fn run_with_progress(campaign: &Campaign) -> Result<Ran, String> {
    let terminal = std::io::stderr().is_terminal();
    let mut bar: Option<ProgressBar> = None;
    let mut eta = CampaignEta::new(campaign.my_runs().len());
    // A run's history is checked while the next run runs: its line comes once the check ends,
    // printed above the next run's bar.
    let cancel = cancel_on_ctrl_c();
    campaign
        .run_until(&cancel, |event| match event {
            RunEvent::Started(spec, progress) if terminal => {
                bar = Some(start_bar(spec, progress, &eta.progress()));
            }
            RunEvent::Started(spec, _) => outln!(
                "stress: {} {} run {} (seed {}) started",
                eta.progress(),
                spec.variant.id,
                spec.run,
                spec.seed
            ),
            RunEvent::Ran(_) => {
                if let Some(bar) = bar.take() {
                    bar.finish_and_clear();
                }
                eta.finished_one();
            }
            RunEvent::Checked(_, record) => {
                let line = format!("stress: {}", describe_run(record));
                match &bar {
                    Some(bar) => bar.suspend(|| outln!("{line}")),
                    None => outln!("{line}"),
                }
            }
        })
        .map_err(|error| format!("stress: {error}"))
}

/// A flag set by the first Ctrl-C (SIGINT): the campaign stops its run under way and reports the
/// runs that finished. A second Ctrl-C ends the process at once, with the signal's exit status.
/// If the handler cannot be installed (another one is), Ctrl-C keeps its default behaviour.
fn cancel_on_ctrl_c() -> Arc<std::sync::atomic::AtomicBool> {
    let cancel = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = Arc::clone(&cancel);
    let _ = ctrlc::set_handler(move || {
        if flag.swap(true, Ordering::SeqCst) {
            std::process::exit(super::outcome::EXIT_INTERRUPTED.into());
        }
    });
    cancel
}

/// The campaign the flags describe: the preset's sizes, overridden by any flag given.
pub fn campaign_from(args: &StressArgs) -> Result<Campaign, String> {
    let preset = args.preset;
    let mut shape = preset.shape();
    if let Some(threads) = args.threads {
        shape.threads = usize::try_from(threads).map_err(|_| "--threads: too many")?;
    }
    if let Some(accounts) = args.accounts {
        let accounts = usize::try_from(accounts).map_err(|_| "--accounts: too many")?;
        shape.balances = SEED_BALANCES
            .iter()
            .copied()
            .cycle()
            .take(accounts)
            .collect();
    }
    if let Some(transfers) = args.transfers {
        shape.transfers_per_thread =
            usize::try_from(transfers).map_err(|_| "--transfers: too many")?;
    } else if args.duration.is_some() {
        // A run of a given length: transfers until --duration, whatever the preset's count.
        shape.transfers_per_thread = usize::MAX;
    }
    let duration = args.duration.or(preset.duration());
    let variants: Vec<&'static Subject> = if args.variants.is_empty() {
        super::context::subjects().refs()
    } else {
        super::context::subjects()
            .iter()
            .filter(|variant| args.variants.iter().any(|chosen| chosen.id == variant.id))
            .collect()
    };
    Ok(Campaign {
        preset,
        variants,
        shape,
        runs_per_variant: match args.runs {
            Some(runs) => usize::try_from(runs).map_err(|_| "--runs: too many")?,
            None => preset.runs_per_variant(),
        },
        seed: args.seed,
        yield_between_debit_and_credit: !args.no_yield,
        duration,
        time_bound: args.time_bound.unwrap_or(preset.time_bound()),
        noise: args.noise.unwrap_or(preset.noise()),
        shard: args.shard,
    })
}

/// The campaign-level progress: which run of how many, and when the campaign should end, from
/// the mean time of the runs so far.
struct CampaignEta {
    total: usize,
    done: usize,
    started: std::time::Instant,
}

impl CampaignEta {
    fn new(total: usize) -> Self {
        Self {
            total,
            done: 0,
            started: std::time::Instant::now(),
        }
    }

    fn finished_one(&mut self) {
        self.done += 1;
    }

    /// `[run 4 of 40, about 1m 12s left]` (no estimate before the first run ends).
    fn progress(&self) -> String {
        let run = format!("run {} of {}", self.done + 1, self.total);
        if self.done == 0 {
            return format!("[{run}]");
        }
        let mean = self.started.elapsed() / self.done as u32;
        let left = mean * (self.total - self.done) as u32;
        let left = Duration::from_secs(left.as_secs());
        format!("[{run}, about {} left]", humantime::format_duration(left))
    }
}

fn start_bar(spec: &RunSpec, progress: &Arc<AtomicU64>, campaign: &str) -> ProgressBar {
    let planned =
        (spec.shape.threads as u64).saturating_mul(spec.shape.transfers_per_thread as u64);
    let bar = if spec.duration.is_some() {
        ProgressBar::new_spinner()
    } else {
        ProgressBar::new(planned)
    };
    bar.set_style(
        ProgressStyle::with_template(
            "{msg} {prefix:>20} [{elapsed_precise}] {wide_bar} {pos}/{len} transfers",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.set_prefix(format!("{} #{}", spec.variant.id, spec.run));
    bar.set_message(campaign.to_string());
    let (ticker, progress, campaign) = (bar.clone(), Arc::clone(progress), campaign.to_string());
    std::thread::spawn(move || {
        // A run whose transfers stop moving is either blocked (the watchdog will tell within
        // its grace period) or slow; say so instead of showing a frozen bar.
        let (mut last, mut since) = (u64::MAX, std::time::Instant::now());
        while !ticker.is_finished() {
            let position = progress.load(Ordering::Relaxed);
            if position != last {
                (last, since) = (position, std::time::Instant::now());
                ticker.set_message(campaign.clone());
            } else if since.elapsed() >= Duration::from_secs(1) {
                ticker.set_message(format!(
                    "{campaign} no transfer for {}s: waiting for the deadlock watchdog or the time bound",
                    since.elapsed().as_secs()
                ));
            }
            ticker.set_position(position);
            std::thread::sleep(Duration::from_millis(100));
        }
    });
    bar
}

fn describe_run(record: &RunRecord) -> String {
    let outcome = match (&record.outcome, &record.deadlock) {
        (RunOutcome::Panicked { thread, message }, _) => format!("PANIC in {thread}: {message}"),
        (RunOutcome::Deadlock | RunOutcome::Hung, Some(deadlock)) => format!(
            "{} ({})",
            record.outcome.label().to_uppercase(),
            deadlock.threads.join(", ")
        ),
        (RunOutcome::CutShort, _) => format!(
            "cut short by its time bound at {} of {} transfers",
            record.transfers,
            record
                .planned_transfers
                .map_or("?".to_string(), |planned| planned.to_string())
        ),
        _ => format!(
            "final total {}",
            record.final_total.map_or("-".into(), |t| t.to_string())
        ),
    };
    let history = &record.linearizability;
    let checked = match history.verdict {
        HistoryVerdict::NotChecked => "history not checked".to_string(),
        verdict => format!(
            "history of {} calls {} ({:.2}s to check{})",
            history.calls,
            match verdict {
                HistoryVerdict::Linearizable => "linearizable",
                HistoryVerdict::NotLinearizable => "NOT linearizable",
                _ => "undecided within the search bound",
            },
            history.check_seconds,
            if history.truncated {
                ", a prefix: the recording cap was reached"
            } else {
                ""
            }
        ),
    };
    format!(
        "{} run {} done in {:.2}s: {} transfers, {} audits, {} inconsistent, {}, {}; {checked}",
        record.variant,
        record.run,
        record.wall_seconds,
        record.transfers,
        record.audits,
        record.inconsistent_audits,
        match record.min_balance {
            lowest if lowest < 0 => format!("a balance as low as {lowest}"),
            _ => "no balance below zero".to_string(),
        },
        outcome
    )
}

/// The per-variant table, then every deadlock's details.
pub fn print_summary(report: &CampaignReport) {
    print_summary_header();
    for variant in &report.variants {
        print_summary_row(variant);
    }
    for variant in &report.variants {
        print_findings(report, variant);
    }
    for variant in &report.variants {
        print_notes(variant);
    }
    print_conclusion(report);
}

/// The summary table's header: a column per invariant, then the campaign's measurements.
fn print_summary_header() {
    outln!();
    out!("{:<20}", "variant");
    for invariant in Invariant::ALL {
        out!(" {:<21}", invariant.title());
    }
    outln!(
        " {:>12} {:>9} {:>12} {:>17} {:>8} {:>8} {:>7}",
        "transfers/s",
        "audits",
        "inconsistent",
        "audit totals",
        "below 0",
        "final",
        "wall s"
    );
}

/// One variant's row: each invariant's verdict against the catalog, then its measurements.
fn print_summary_row(variant: &VariantSummary) {
    out!("{:<20}", variant.id);
    for invariant in Invariant::ALL {
        let cell = summary_cell(variant, invariant);
        out!(" {cell}");
    }
    let range = match (variant.lowest_total, variant.highest_total) {
        (Some(low), Some(high)) => format!("{low}..{high}"),
        _ => "-".into(),
    };
    outln!(
        " {:>12.0} {:>9} {:>12} {:>17} {:>8} {:>8} {:>7.2}",
        variant.transfers_per_sec,
        variant.audits,
        variant.inconsistent_audits,
        range,
        match variant.min_balance {
            lowest if lowest < 0 => lowest.to_string(),
            _ => "none".to_string(),
        },
        variant.final_total.map_or("-".into(), |t| t.to_string()),
        variant.wall_seconds
    );
}

/// One invariant's cell: what the runs observed, and how that compares with the catalog,
/// coloured to match.
fn summary_cell(variant: &VariantSummary, invariant: Invariant) -> String {
    match variant.comparison(invariant) {
        Observed::AsExpected => crate::cli::style::good(&format!(
            "{:<21}",
            format!("{} ok", variant.observed.get(invariant))
        )),
        Observed::NotObserved => crate::cli::style::unsure(&format!("{:<21}", "not observed")),
        Observed::Contradicts => crate::cli::style::bad(&format!(
            "{:<21}",
            format!("{} FAIL", variant.observed.get(invariant))
        )),
        Observed::NoExpectation => match variant.observed.get(invariant) {
            bank_core::Verdict::Breaks => format!("{:<21}", "breaks"),
            bank_core::Verdict::Holds => format!("{:<21}", "no break seen"),
        },
    }
}

/// What a variant's runs showed in detail: a history that is not linearizable, the first
/// inconsistent audit, and a deadlock or hang with its threads.
fn print_findings(report: &CampaignReport, variant: &VariantSummary) {
    if let Some(run) = report
        .runs
        .iter()
        .find(|run| run.variant == variant.id && run.linearizability.explanation.is_some())
        && let Some(explanation) = &run.linearizability.explanation
    {
        outln!("{} run {}: {}", variant.id, run.run, explanation.trim_end());
    }
    if let Some(first) = variant.first_inconsistent {
        outln!(
            "{}: first inconsistent audit at {} µs by worker {}: total {} instead of {}",
            variant.id,
            first.micros,
            first.thread,
            first.total,
            report
                .runs
                .iter()
                .find(|run| run.variant == variant.id)
                .map_or(0, |run| run.expected_total)
        );
    }
    if let Some(deadlock) = &variant.deadlock {
        let hung = report
            .runs
            .iter()
            .any(|run| run.variant == variant.id && run.outcome == RunOutcome::Hung);
        outln!(
            "{}: {} observed; threads abandoned: {}",
            variant.id,
            if hung {
                "a hang (no lock cycle visible)"
            } else {
                "deadlock"
            },
            deadlock.threads.join(", ")
        );
        for line in deadlock.detail.lines() {
            outln!("    {line}");
        }
    }
}

/// A variant's runs cut short by the time bound (no failure), and its panic (a failure).
fn print_notes(variant: &VariantSummary) {
    if variant.cut_short_runs > 0 {
        outln!(
            "{}: {} run(s) cut short by the time bound (fewer transfers than planned; not a failure)",
            variant.id,
            variant.cut_short_runs
        );
    }
    if let Some((thread, message)) = &variant.panic {
        outln!(
            "{}: {}: {thread} panicked: {message}",
            crate::cli::style::bad("FAIL"),
            variant.id
        );
    }
}

/// The closing lines: the counts of breaks observed, contradictions and panics, then either
/// that nothing contradicts the expected verdicts or each contradiction.
fn print_conclusion(report: &CampaignReport) {
    let contradictions = report.contradictions();
    let (shown, expected) = report.expected_breaks_observed();
    outln!(
        "\n{} variant(s), {} run(s): {shown} of {expected} expected breaks observed, {} contradiction(s), {} panic(s)",
        report.variants.len(),
        report.runs.len(),
        contradictions.len(),
        report.panics().len()
    );
    if contradictions.is_empty() && report.panics().is_empty() {
        outln!("nothing contradicts the expected verdicts");
        if shown < expected {
            outln!(
                "(\"not observed\": an expected break that real threads did not happen to show)"
            );
        }
    } else {
        for (variant, invariant) in contradictions {
            outln!(
                "{}: {variant} broke {invariant}, which it is expected to keep",
                crate::cli::style::bad("FAIL")
            );
        }
    }
}

/// Writes `DIR/index.html`.
pub fn write_html(
    report: &CampaignReport,
    dir: &std::path::Path,
    counterexamples: Option<&std::path::Path>,
) -> Result<(), String> {
    let sections = match counterexamples {
        Some(replays) => counterexample_sections(replays)?,
        None => Vec::new(),
    };
    crate::cli::outputs::write_report(dir, &crate::stress::render_html_with(report, &sections))
}

/// Every replay file in `dir` (as `explore` and `prove` write them), replayed with its trace, as
/// a section of the HTML report.
pub fn counterexample_sections(
    dir: &std::path::Path,
) -> Result<Vec<crate::stress::CounterexampleSection>, String> {
    let entries = std::fs::read_dir(dir)
        .map_err(|error| format!("--counterexamples: cannot read {}: {error}", dir.display()))?;
    let mut files: Vec<std::path::PathBuf> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    files.sort();
    let _quiet = gag::Gag::stderr().ok();
    let mut sections = Vec::new();
    // The same counterexample saved twice (by two runs, under two names) is shown once.
    let mut shown: Vec<(String, String, bank_core::Workload, String)> = Vec::new();
    for path in files {
        let file = crate::persist::load(&path)?;
        let key = (
            file.variant.clone(),
            file.counterexample.finding.to_string(),
            file.counterexample.workload.clone(),
            file.counterexample.schedule.clone(),
        );
        if shown.contains(&key) {
            continue;
        }
        shown.push(key);
        let variant = super::context::subjects()
            .find(&file.variant)
            .ok_or_else(|| format!("{}: unknown variant '{}'", path.display(), file.variant))?;
        let found = &file.counterexample;
        let (outcome, events) =
            crate::checker::replay_with_trace(crate::matrix::shuttle_opener(variant), found)
                .map_err(|error| format!("{}: {error}", path.display()))?;
        sections.push(crate::stress::CounterexampleSection {
            heading: format!("{} / {}", variant.id, found.finding),
            summary: format!(
                "balances {:?}; threads {}; found by {}; replayed now: {}. Replay: {} replay {} --trace",
                found.workload.balances,
                crate::own_bank::describe_threads(&found.workload.threads),
                found.strategy.name(),
                if outcome.reproduced() {
                    "it reproduces"
                } else {
                    "it does NOT reproduce (the bank changed?)"
                },
                super::context::invocation(),
                path.display()
            ),
            table: crate::checker::timeline_table_html(&events),
            history_table: found.anomaly.linearizability.clone(),
        });
    }
    Ok(sections)
}

/// The lecture's workload, timed: each variant's median wall time against the course's CPython.
fn print_seed_timings(report: &CampaignReport) {
    outln!(
        "\nthe seed workload against the course's CPython (low end of its range, course-bank.md):"
    );
    outln!(
        "{:<20} {:>5} {:>10} {:>10} {:>10} {:>10} {:>9} {:>15}",
        "variant",
        "runs",
        "median ms",
        "min ms",
        "max ms",
        "CPython s",
        "× faster",
        "inconsistent/s"
    );
    for timing in seed_timings(report) {
        outln!(
            "{:<20} {:>5} {:>10.1} {:>10.1} {:>10.1} {:>10} {:>9} {:>15.0}",
            timing.id,
            timing.runs,
            timing.median_seconds * 1e3,
            timing.min_seconds * 1e3,
            timing.max_seconds * 1e3,
            timing
                .cpython_seconds
                .map_or("-".to_string(), |seconds| format!("{seconds:.1}")),
            timing
                .speedup()
                .map_or("-".to_string(), |speedup| format!("{speedup:.0}×")),
            timing.inconsistent_per_second,
        );
    }
    outln!(
        "the course's CPython unsafe bank: about {:.0} inconsistent audits/s (≈ 47,000 of 49,995 in ≈ 1.2 s)",
        crate::stress::CPYTHON_UNSAFE_INCONSISTENT_PER_SECOND
    );
}
