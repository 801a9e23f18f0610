//! `cargo xtask prove`: every workload of a scope, every schedule (or every schedule with ≤ P
//! preemptions), for every variant, on every core; the verdicts with their evidence, the minimal
//! counterexample of each break with its replay file, and exit 0 when everything agrees with the
//! catalog. With more than one job, each variant's workloads are split between worker processes
//! (`prove_workers.rs`). `merge` puts `--shard` runs back together (see `finish`).

use super::outcome::Outcome;
use crate::cli::flags::ProveArgs;
use crate::cli::prove_workers;
use crate::persist;
use crate::prove::{ProofReport, ProofVerdict, ProveOptions, Scope, VariantProof, prove_variant};
use crate::shard::Shard;
use bank_core::{Invariant, Subject, Verdict};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Instant;

pub fn run(args: &ProveArgs) -> Result<Outcome, String> {
    crate::cli::outputs::check_json(args.json.as_deref())?;
    let replay_dir = args
        .replay_dir
        .clone()
        .unwrap_or_else(persist::default_replay_dir);
    crate::cli::outputs::check_replay_dir(&replay_dir)?;
    let variants = crate::cli::flags::chosen_variants(&args.variants);
    let plan = Plan::from_args(args);
    plan.print(&variants);
    let started = Instant::now();
    // Shuttle prints two lines for every deadlock it reports; the checker records them.
    let quiet = if args.verbose {
        None
    } else {
        gag::Gag::stderr().ok()
    };
    print_header();
    let mut proofs = Vec::new();
    for &variant in &variants {
        let proof = plan.prove(variant)?;
        print_row(&proof, plan.shard.is_none());
        proofs.push(proof);
    }
    drop(quiet);
    let report = ProofReport {
        kind: ProofReport::KIND.into(),
        scope: plan.scope,
        shard: plan.shard.map(|shard| [shard.index + 1, shard.count]),
        jobs: plan.jobs,
        schedule_cap: plan.schedule_cap,
        wall_seconds: started.elapsed().as_secs_f64(),
        variants: proofs,
    };
    finish(report, &replay_dir, args.json.as_deref(), false)
}

/// What `prove` proves and how, from its flags: the scope, the shard, the processes and the cap.
struct Plan {
    scope: Scope,
    /// `None` for the whole proof.
    shard: Option<Shard>,
    jobs: usize,
    schedule_cap: usize,
    verbose: bool,
    /// Whether a progress line goes to the terminal (asked before stderr is gagged).
    show_progress: bool,
}

impl Plan {
    /// The plan the flags ask for: the scope (with any preemption bound) and how it is split.
    fn from_args(args: &ProveArgs) -> Self {
        let mut scope = args.scope.clone();
        if let Some(bound) = args.preemptions {
            scope = scope.with_preemptions(bound as usize);
        }
        let jobs = args
            .jobs
            .map_or_else(|| ProveOptions::new().jobs, usize::from);
        Self {
            scope,
            // One shard of one is the whole proof.
            shard: args.shard.filter(|shard| shard.count > 1),
            jobs,
            schedule_cap: args.schedule_cap as usize,
            verbose: args.verbose,
            show_progress: std::io::stderr().is_terminal(),
        }
    }

    /// The opening lines: the scope, where it runs, and its parts (and any smaller ones a
    /// chosen variant gets).
    fn print(&self, variants: &[&'static Subject]) {
        let (scope, jobs) = (&self.scope, self.jobs);
        outln!(
            "prove: scope '{}' {}{}, at most {} schedules per workload",
            scope.name,
            if jobs > 1 {
                format!("in {jobs} worker processes")
            } else {
                "in this process".to_string()
            },
            self.shard
                .map(|shard| format!(", shard {shard}"))
                .unwrap_or_default(),
            self.schedule_cap
        );
        for (number, part) in scope.parts.iter().enumerate() {
            outln!("  part {}: {part}", number + 1);
        }
        for (variant, parts) in &scope.smaller_for {
            if variants.iter().any(|v| v.id == variant) {
                outln!("  {variant} gets a smaller scope (every part would take too long):");
                for (number, part) in parts.iter().enumerate() {
                    outln!("    part {}: {part}", number + 1);
                }
            }
        }
    }

    /// Proves one variant, in worker processes or in this one, with a progress line on the
    /// terminal that is cleared once the proof is done.
    fn prove(&self, variant: &'static Subject) -> Result<VariantProof, String> {
        let show_progress = self.show_progress;
        let progress = |done: usize, total: usize| {
            if show_progress && (done.is_multiple_of(64) || done == total) {
                // stderr is gagged while exploring; the progress line goes to the terminal.
                if let Ok(mut tty) = std::fs::OpenOptions::new().write(true).open("/dev/tty") {
                    use std::io::Write;
                    let _ = write!(tty, "\r  {:<20} {done}/{total} workloads", variant.id);
                    let _ = tty.flush();
                }
            }
        };
        let proof = if self.jobs > 1 {
            let (scope, shard, jobs) = (&self.scope, self.shard, self.jobs);
            let (cap, verbose) = (self.schedule_cap, self.verbose);
            prove_workers::prove(variant, scope, shard, jobs, cap, verbose, &progress)?
        } else {
            let options = ProveOptions {
                jobs: 1,
                shard: self.shard,
                schedule_cap: self.schedule_cap,
                progress: Some(&progress),
            };
            prove_variant(variant, &self.scope, &options).map_err(|error| error.to_string())?
        };
        if show_progress
            && let Ok(mut tty) = std::fs::OpenOptions::new().write(true).open("/dev/tty")
        {
            use std::io::Write;
            let _ = write!(tty, "\r{:60}\r", "");
        }
        Ok(proof)
    }
}

/// Minimises and saves every break, prints the report, writes the JSON, and decides the exit
/// code; shared by `prove` and `merge`.
pub fn finish(
    mut report: ProofReport,
    replay_dir: &Path,
    json: Option<&Path>,
    print_verdicts: bool,
) -> Result<Outcome, String> {
    let mut saved: Vec<(String, crate::checker::Counterexample, PathBuf)> = Vec::new();
    if report.shard.is_none() {
        let quiet = gag::Gag::stderr().ok();
        for proof in &mut report.variants {
            let variant = super::context::subjects()
                .find(&proof.variant)
                .ok_or_else(|| format!("unknown variant '{}' in the proof", proof.variant))?;
            crate::prove::minimise(variant, proof);
            for found in proof.minimal.values() {
                let path = persist::save(replay_dir, variant.id, found).map_err(|error| {
                    format!(
                        "cannot write a replay file in {}: {error}",
                        replay_dir.display()
                    )
                })?;
                saved.push((variant.id.to_string(), found.clone(), path));
            }
        }
        drop(quiet);
    }
    let whole = report.shard.is_none();
    if print_verdicts {
        print_header();
        for proof in &report.variants {
            print_row(proof, whole);
        }
    }
    if whole {
        outln!(
            "\n(proven: no fair interleaving of any workload of the variant's parts breaks it, within each part's preemption bound; the parts are listed below)"
        );
    }
    let cannot_be_shown = report.variants.iter().any(|proof| {
        Invariant::ALL
            .iter()
            .any(|&invariant| proof.verdict(invariant) == ProofVerdict::CannotBeShown)
    });
    if cannot_be_shown {
        outln!(
            "(cannot be shown: no workload of the scope can observe the invariant (snapshot conservation needs an audit), so it is neither proven nor broken here)"
        );
    }
    print_evidence(&report);
    if !saved.is_empty() {
        outln!(
            "\nminimal counterexamples (the first workload in enumeration order that shows each, shrunk):"
        );
        for (variant, found, path) in &saved {
            crate::cli::explore::print_counterexample(variant, found, path);
        }
    }
    let summary = summarise(&report);
    outln!("\n{}", summary.line);
    if let Some(path) = json {
        crate::cli::outputs::write_json(path, &report)?;
        outln!("wrote {}", path.display());
    }
    Ok(if summary.agrees {
        Outcome::Agrees
    } else {
        Outcome::Finding
    })
}

/// The closing line and whether the proof agrees with the catalog.
struct Summary {
    line: String,
    agrees: bool,
}

/// Whether a verdict contradicts the subject's expectation (never, for a subject that states
/// none). In a shard, an expected break that did not show is no contradiction: its workloads may
/// all belong to other shards.
fn contradicts(verdict: ProofVerdict, expected: Option<Verdict>, whole: bool) -> bool {
    match expected {
        None => false,
        Some(Verdict::Breaks) if !whole => false,
        Some(expected) => !verdict.agrees_with(expected),
    }
}

fn summarise(report: &ProofReport) -> Summary {
    let whole = report.shard.is_none();
    let (mut expected_breaks, mut shown, mut proven, mut holds, mut contradictions) =
        (0, 0, 0, 0, 0);
    let (mut unproven, mut unobservable) = (0, 0);
    for proof in &report.variants {
        let expected = expected_of(proof);
        for invariant in Invariant::ALL {
            let verdict = proof.verdict(invariant);
            let expected = expected.map(|expected| expected.get(invariant));
            match expected {
                // What the scope cannot show counts neither way.
                _ if verdict == ProofVerdict::CannotBeShown => unobservable += 1,
                // Nothing stated: the verdict stands alone.
                None => {}
                Some(Verdict::Breaks) => {
                    expected_breaks += 1;
                    if verdict == ProofVerdict::Breaks {
                        shown += 1;
                    }
                }
                Some(Verdict::Holds) => {
                    holds += 1;
                    match verdict {
                        ProofVerdict::Proven => proven += 1,
                        ProofVerdict::NotFound => unproven += 1,
                        ProofVerdict::Breaks | ProofVerdict::CannotBeShown => {}
                    }
                }
            }
            if contradicts(verdict, expected, whole) {
                contradictions += 1;
            }
        }
        if proof.first.contains_key("livelock") || proof.first.contains_key("panic") {
            contradictions += 1;
        }
    }
    let agrees = contradictions == 0 && (!whole || unproven == 0);
    let line = format!(
        "{} variant(s): {shown} of {expected_breaks} expected breaks shown, {proven} of {holds} expected holds proven{}{}, {contradictions} contradiction(s){}{} — {:.0} s",
        report.variants.len(),
        if unobservable > 0 {
            format!(", {unobservable} verdict(s) the scope cannot show")
        } else {
            String::new()
        },
        if whole {
            String::new()
        } else {
            " (a shard proves nothing alone: merge the shards)".to_string()
        },
        if whole && unproven > 0 {
            format!(", {unproven} hold(s) unproven")
        } else {
            String::new()
        },
        if agrees {
            String::new()
        } else {
            format!(" — {}", crate::cli::style::bad("FAIL"))
        },
        report.wall_seconds
    );
    Summary { line, agrees }
}

/// The subject's expectation for a proof's variant, if it states one.
fn expected_of(proof: &VariantProof) -> Option<bank_core::Verdicts> {
    super::context::subjects()
        .find(&proof.variant)
        .and_then(|subject| subject.expected)
}

/// The verdict table's header.
fn print_header() {
    outln!();
    out!("{:<20}", "variant");
    for invariant in Invariant::ALL {
        out!(" {:<23}", invariant.key());
    }
    outln!(
        " {:>12} {:>9} {:>12}",
        "schedules",
        "seconds",
        "sched/s/core"
    );
}

/// One variant's verdicts, printed as soon as its proof is done.
fn print_row(proof: &VariantProof, whole: bool) {
    let expected = expected_of(proof);
    out!("{:<20}", proof.variant);
    for invariant in Invariant::ALL {
        let verdict = proof.verdict(invariant);
        let expected = expected.map(|expected| expected.get(invariant));
        let mark = if contradicts(verdict, expected, whole) {
            "CONTRADICTS"
        } else if expected.is_none() {
            "(as shown)"
        } else if verdict == ProofVerdict::NotFound {
            if whole { "(no proof)" } else { "(shard)" }
        } else if verdict == ProofVerdict::CannotBeShown {
            "(scope)"
        } else {
            "ok"
        };
        let word = match verdict {
            ProofVerdict::CannotBeShown => "cannot be shown",
            _ => verdict.word(),
        };
        let cell = format!("{:<23}", format!("{word} {mark}"));
        let cell = match mark {
            "ok" => crate::cli::style::good(&cell),
            "CONTRADICTS" => crate::cli::style::bad(&cell),
            _ => crate::cli::style::unsure(&cell),
        };
        out!(" {cell}");
    }
    let seconds = proof.seconds();
    let rate = if seconds > 0.0 {
        proof.schedules() as f64 / seconds
    } else {
        0.0
    };
    outln!(" {:>12} {:>9.1} {:>12.0}", proof.schedules(), seconds, rate);
    for (key, found) in [("livelock", "a livelock"), ("panic", "a panic")] {
        if proof.first.contains_key(key) {
            outln!(
                "{:<20} also {found}: nothing is proven for the executions it cut off",
                ""
            );
        }
    }
}

/// Per variant and part: workloads before and after the reduction, explored, schedules, time.
fn print_evidence(report: &ProofReport) {
    outln!("\nevidence per part (workloads: before reduction → kept; explored here; schedules):");
    for proof in &report.variants {
        outln!(
            "  {}{}",
            proof.variant,
            if proof.accounts_are_names {
                " (threads and accounts renamed)"
            } else {
                " (threads permuted; accounts not renamed: the bank orders them)"
            }
        );
        for (number, part) in proof.parts.iter().enumerate() {
            let finished = if part.exhausted == part.run {
                String::new()
            } else {
                format!(
                    ", {} NOT enumerated to the end (the schedule cap, or every invariant broke first)",
                    part.run - part.exhausted
                )
            };
            outln!(
                "    part {}: {}\n      {} → {} workloads ({} covered by an earlier part), {} explored{finished}, {} schedules, {:.1} s",
                number + 1,
                part.part,
                part.raw_workloads,
                part.workloads,
                part.covered_by_earlier_part,
                part.run,
                part.schedules,
                part.seconds
            );
        }
    }
}
