//! `cargo xtask replay FILE`: re-runs one persisted counterexample deterministically. Exit 1
//! reproduced, 0 not reproduced (the whole schedule ran), 3 diverged, 4 failed differently, 2 a
//! bad file.

use super::outcome::Outcome;
use crate::checker::{
    Counterexample, ReplayOutcome, replay, replay_with_trace, timeline, timeline_html,
};
use crate::cli::flags::{ReplayArgs, parse_variant};
use crate::matrix::shuttle_opener;
use crate::persist;
use bank_core::Subject;
use bank_core::instrumentation::trace::TraceEvent;
use std::path::Path;

pub fn run(args: &ReplayArgs) -> Result<Outcome, String> {
    crate::cli::outputs::check_report(
        args.html.as_deref(),
        "--html",
        crate::cli::outputs::PageKind::Replay,
    )?;
    let file = persist::load(&args.file)?;
    let variant = parse_variant(&file.variant)
        .map_err(|why| format!("{}: variant {:?}: {why}", args.file.display(), file.variant))?;
    let counterexample = &file.counterexample;
    print_intro(variant, counterexample);
    let replayed = replay_quietly(args, variant, counterexample)?;
    if args.trace {
        replayed.print_trace();
    }
    if let Some(dir) = &args.html {
        replayed.write_page(dir, &args.file)?;
    }
    Ok(replayed.report())
}

/// The opening line: what is replayed, and how it was found.
fn print_intro(variant: &Subject, counterexample: &Counterexample) {
    outln!(
        "replaying {} / {} (found by {}, execution {}; {} threads, {} ops) on its recorded schedule",
        variant.id,
        counterexample.finding,
        counterexample.strategy.name(),
        counterexample.iteration,
        counterexample.workload.threads.len(),
        counterexample.workload.op_count()
    );
}

/// Replays the counterexample on its schedule (tracing every step if `--trace` or `--html`
/// asks for the steps), with shuttle's own messages kept off stderr.
fn replay_quietly<'a>(
    args: &ReplayArgs,
    variant: &'static Subject,
    counterexample: &'a Counterexample,
) -> Result<Replayed<'a>, String> {
    let _quiet = gag::Gag::stderr().ok();
    let traced = args.trace || args.html.is_some();
    let (outcome, events) = if traced {
        replay_with_trace(shuttle_opener(variant), counterexample)
    } else {
        replay(shuttle_opener(variant), counterexample).map(|outcome| (outcome, Vec::new()))
    }
    .map_err(|error| {
        format!(
            "{} is not a valid replay file: {error}",
            args.file.display()
        )
    })?;
    drop(_quiet);
    Ok(Replayed {
        variant,
        counterexample,
        outcome,
        events,
    })
}

/// A counterexample replayed: how it ended, and the steps it took (none unless traced).
struct Replayed<'a> {
    variant: &'static Subject,
    counterexample: &'a Counterexample,
    outcome: ReplayOutcome,
    events: Vec<TraceEvent>,
}

impl Replayed<'_> {
    /// Whether the replay reproduced a deadlock, whose trace then ends with who waits for whom.
    fn deadlocked(&self) -> bool {
        self.outcome.reproduced()
            && matches!(
                self.counterexample.finding,
                crate::checker::Finding::Broke(bank_core::Invariant::DeadlockFree)
            )
    }

    /// `--trace`: the workload, then the timeline of every thread's steps (and, for a deadlock,
    /// what each unfinished thread waits for).
    fn print_trace(&self) {
        let counterexample = self.counterexample;
        outln!(
            "workload: balances {:?}; {}",
            counterexample.workload.balances,
            counterexample
                .workload
                .threads
                .iter()
                .enumerate()
                .map(|(index, ops)| format!(
                    "{} {}",
                    crate::thread_names::worker(index),
                    crate::own_bank::describe_threads(std::slice::from_ref(ops))
                ))
                .collect::<Vec<_>>()
                .join(", ")
        );
        outln!(
            "main-thread opens the bank, starts the workers, joins them and reads the final balances.\n"
        );
        out!("{}", timeline(&self.events));
        if self.deadlocked() {
            for wait in crate::checker::waits_for(&self.events) {
                outln!("       {wait}");
            }
            outln!(
                "       every unfinished thread now waits for something another one holds: DEADLOCK"
            );
        }
        outln!();
    }

    /// `--html DIR`: the timeline as a page, `DIR/index.html`, introduced by what was replayed
    /// from `file` and whether it reproduced.
    fn write_page(&self, dir: &Path, file: &Path) -> Result<(), String> {
        let title = format!(
            "{} / {}: the counterexample step by step",
            self.variant.id, self.counterexample.finding
        );
        let intro = self.page_intro(file);
        crate::cli::outputs::write_report(dir, &timeline_html(&title, &intro, &self.events))
    }

    /// The page's introduction: the workload, its columns, where it was replayed from, and
    /// how each unfinished thread ended.
    fn page_intro(&self, file: &Path) -> String {
        let (counterexample, events) = (self.counterexample, &self.events);
        // The main thread has a column only if it took a step in the trace (a deadlock's ends
        // with it blocked in its join, before it reads anything).
        let main_column = if events.iter().any(|event| event.thread == "main-thread") {
            ", then main-thread, which opens the bank, starts the workers, joins them and reads the final balances"
        } else {
            " (main-thread, which starts the workers and joins them, takes no step of its own here)"
        };
        let intro = format!(
            "workload: balances {:?}; {} threads. Columns: the workload's threads{main_column}. Cells and locks of each kind are numbered from 0 in memory order (a bank that keeps one per account in a list gets the account's number); a highlighted row is where an invariant broke. Replayed from {}: {}.",
            counterexample.workload.balances,
            counterexample.workload.threads.len(),
            file.display(),
            if self.outcome.reproduced() {
                "the finding reproduced"
            } else {
                "the finding did NOT reproduce (see the command's output)"
            }
        );
        let waits = crate::checker::waits_for(events);
        match (waits.is_empty(), self.deadlocked()) {
            (true, _) => intro,
            (false, false) => format!("{intro} At the end: {}.", waits.join("; ")),
            // The terminal's last row, on the page too.
            (false, true) => format!(
                "{intro} At the end: {}. Every unfinished thread now waits for something another one holds: DEADLOCK.",
                waits.join("; ")
            ),
        }
    }

    /// The closing line, and the outcome whose exit code says how the replay ended.
    fn report(self) -> Outcome {
        let (variant, counterexample) = (self.variant, self.counterexample);
        match self.outcome {
            ReplayOutcome::Reproduced { seen, .. } => {
                outln!(
                    "{}: {} shows {} again ({seen})",
                    crate::cli::style::bad("REPRODUCED"),
                    variant.id,
                    counterexample.finding
                );
                if let Some(table) = &counterexample.anomaly.linearizability {
                    for line in table.lines() {
                        outln!("  {line}");
                    }
                }
                Outcome::Finding
            }
            ReplayOutcome::NotReproduced(why) => {
                outln!(
                    "{}: the whole schedule ran and {why}",
                    crate::cli::style::good("not reproduced")
                );
                Outcome::Agrees
            }
            ReplayOutcome::Diverged { step, detail } => {
                outln!(
                    "{} at step {step}: {detail}; the bank takes another path now, so this schedule says nothing about it (explore it again)",
                    crate::cli::style::unsure("DIVERGED")
                );
                Outcome::Diverged
            }
            ReplayOutcome::FailedDifferently(message) => {
                outln!(
                    "{}: {message}",
                    crate::cli::style::bad("FAILED DIFFERENTLY")
                );
                Outcome::FailedDifferently
            }
        }
    }
}
