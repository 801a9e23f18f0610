//! A self-contained HTML report of a stress campaign: the verdict and a legend first, then per
//! variant the audited total and the lowest balance over time (as Jepsen's bank test plots
//! them), every run overlaid, wrong values in red, and the throughput of every variant; last,
//! the shuttle counterexamples with their step-by-step traces. Inline SVG and CSS only; no
//! script, no external file.
//!
//! The markup is written with `maud` (escaped by construction) and the charts are drawn by
//! `plotters` (`charts.rs`).

use super::charts::{self, Series};
use super::numbers::{grouped, grouped_rounded};
use super::report::{CampaignReport, Observed, RunOutcome, RunRecord, VariantSummary};
use crate::page_marks::{CAMPAIGN_PAGE_MARK, GENERATOR_MARK};
use bank_core::Invariant;
use maud::{DOCTYPE, Markup, PreEscaped, html};

/// The page's style sheet (the timeline tables add `checker::TIMELINE_CSS`).
/// Laid out for a laptop and a 1400-pixel projector alike: the whole width, headers that wrap,
/// explanations that wrap rather than scroll.
const PAGE_CSS: &str = "body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}\
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 6px;text-align:right;font-size:90%;white-space:nowrap}th{white-space:normal}\
td:first-child,th:first-child{text-align:left}.fail{background:#fcc}.ok{background:#dfd}.unseen{background:#eee}\
td.ok,td.fail,td.unseen{white-space:normal;min-width:6em}\
.verdict{font-size:120%;padding:.4em .6em}\
section{margin:2em 0}h2{margin-bottom:.2em}.note{color:#666;font-size:90%}svg text{font-size:12px}\
pre{white-space:pre-wrap;overflow-wrap:anywhere}.wide{overflow-x:auto}";

/// One shuttle counterexample for the report's last section: a heading (variant / finding), a
/// line on what it is and how to replay it, and its step-by-step table
/// (`checker::timeline_table_html`).
#[derive(Debug, Clone)]
pub struct CounterexampleSection {
    /// `unsafe / final_conservation`.
    pub heading: String,
    /// The workload, what the replay showed, and the replay command.
    pub summary: String,
    /// The timeline table.
    pub table: Markup,
    /// For a history that is not linearizable: the thread table of its minimal prefix, the
    /// closest sequential order and the call that cannot be placed (text).
    pub history_table: Option<String>,
}

/// Renders the report as one HTML page.
pub fn render(report: &CampaignReport) -> String {
    render_with(report, &[])
}

/// Renders the report as one HTML page, ending with a section of shuttle counterexamples and
/// their traces (from `explore` or `prove` replay files) when any are given.
pub fn render_with(report: &CampaignReport, counterexamples: &[CounterexampleSection]) -> String {
    let shard = report
        .shard
        .as_deref()
        .map(|shard| format!(", shard {shard}"))
        .unwrap_or_default();
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                (PreEscaped(GENERATOR_MARK))
                (PreEscaped(CAMPAIGN_PAGE_MARK))
                title { "Bank stress report: " (report.preset) }
                style { (PreEscaped(PAGE_CSS)) (PreEscaped(crate::checker::TIMELINE_CSS)) }
            }
            body {
                h1 { "Bank stress report" }
                p {
                    "preset " b { (report.preset) } ", seed " (report.seed) (shard) ", "
                    (report.runs.len()) " run(s)."
                }
                (verdict_line(report))
                div.wide { (verdict_table(report)) }
                section {
                    h2 { "Throughput" }
                    (chart("throughput per variant", charts::throughput(&report.variants)))
                }
                @for variant in &report.variants {
                    (variant_section(report, variant))
                }
                @if !counterexamples.is_empty() {
                    (counterexamples_section(counterexamples))
                }
            }
        }
    }
    .into_string()
}

/// A chart (an SVG string from `charts`) labelled for screen readers.
fn chart(label: &str, svg: String) -> Markup {
    html! {
        div role="img" aria-label=(label) { (PreEscaped(svg)) }
    }
}

/// One variant: its lesson, its charts, its runs, and what went wrong (a history that is not
/// linearizable, a panic, a deadlock).
fn variant_section(report: &CampaignReport, variant: &VariantSummary) -> Markup {
    let runs: Vec<&RunRecord> = report
        .runs
        .iter()
        .filter(|run| run.variant == variant.id)
        .collect();
    let not_linearizable = runs.iter().find_map(|run| {
        run.linearizability
            .explanation
            .as_ref()
            .map(|explanation| (run, explanation))
    });
    html! {
        section {
            h2 id=(variant.id) { (variant.id) }
            @if let Some(info) = &variant.about {
                p.lesson {
                    b { "Lesson:" } " " (info.lesson) " "
                    span.note { "(" (info.from) "; " (info.mechanism) ")" }
                }
            }
            @if !runs.is_empty() {
                (totals_chart(&runs))
                (lowest_balance_chart(&runs))
            }
            (runs_table(&runs))
            @if let Some((run, explanation)) = not_linearizable {
                p {
                    b { "Not linearizable" } " (run " (run.run) ", "
                    (run.linearizability.calls) " calls checked):"
                }
                pre.history { (explanation) }
            }
            @if let Some((thread, message)) = &variant.panic {
                p.fail { b { "Panic" } " in " (thread) ": " (message) }
            }
            @if let Some(deadlock) = &variant.deadlock {
                p { b { "Deadlock" } " (" (deadlock.threads.join(", ")) "):" }
                pre { (deadlock.detail) }
            }
        }
    }
}

/// The shuttle counterexamples, each replayed step by step.
fn counterexamples_section(counterexamples: &[CounterexampleSection]) -> Markup {
    html! {
        section {
            h2 id="counterexamples" { "Shuttle counterexamples" }
            p.note {
                "Each minimal counterexample the schedule explorer found, replayed step by step: \
                 one column per thread (main-thread opens the bank, starts the workers, joins \
                 them and reads the final balances); the highlighted row is where the invariant \
                 broke."
            }
            @for found in counterexamples {
                h3 { (found.heading) }
                p { (found.summary) }
                @if let Some(table) = &found.history_table {
                    pre.history { (table) }
                }
                div.wide { (found.table) }
            }
        }
    }
}

/// One line per run of a variant: how it ended, what it did, and its noise.
fn runs_table(runs: &[&RunRecord]) -> Markup {
    html! {
        table {
            tr {
                th { "run" } th { "seed" } th { "noise" } th { "ended" } th { "transfers" }
                th { "inconsistent audits" } th { "lowest balance below zero" } th { "wall s" }
            }
            @for run in runs {
                tr {
                    td { (run.run) }
                    td { (run.seed) }
                    td { (run.noise) }
                    td class=[outcome_class(&run.outcome)] { (ended(run)) }
                    td { (run.transfers) }
                    td { (run.inconsistent_audits) }
                    td { (below_zero(run.min_balance)) }
                    td { (format!("{:.2}", run.wall_seconds)) }
                }
            }
        }
    }
}

/// How a run ended, in words: `completed`, `cut short at 554 of 8000 transfers`, …
fn ended(run: &RunRecord) -> String {
    match (&run.outcome, run.planned_transfers) {
        (RunOutcome::CutShort, Some(planned)) => {
            format!("cut short at {} of {planned} transfers", run.transfers)
        }
        (outcome, _) => outcome.label().to_string(),
    }
}

/// The lowest balance a run saw if it was below zero (an overdraft), `none` otherwise.
fn below_zero(lowest: bank_core::Money) -> String {
    if lowest < 0 {
        lowest.to_string()
    } else {
        "none".to_string()
    }
}

/// A panic is a failure (red); a run cut short covered less than planned (grey).
fn outcome_class(outcome: &RunOutcome) -> Option<&'static str> {
    match outcome {
        RunOutcome::Panicked { .. } => Some("fail"),
        RunOutcome::CutShort => Some("unseen"),
        _ => None,
    }
}

/// "Did it pass, and what broke?" first: the overall verdict and the counts behind it.
fn verdict_line(report: &CampaignReport) -> Markup {
    let (shown, expected) = report.expected_breaks_observed();
    let contradictions = report.contradictions().len();
    let panics = report.panics().len();
    let (class, verdict) = if !report.agrees() {
        (
            "fail",
            "FAIL: a run broke what it is expected to keep, or a bank panicked".to_string(),
        )
    } else if let Some(shard) = &report.shard {
        // A shard, or a partial merge: it passes for its own runs only.
        (
            "unseen",
            format!(
                "PARTIAL ({shard}): nothing in these runs contradicts the expected verdicts, but they are not the whole campaign"
            ),
        )
    } else {
        (
            "ok",
            "PASS: nothing contradicts the expected verdicts".to_string(),
        )
    };
    html! {
        p class={ "verdict " (class) } {
            b { (verdict) "." } " "
            (report.variants.len()) " variant(s), " (report.runs.len()) " run(s): "
            (shown) " of " (expected) " expected breaks observed, "
            (contradictions) " contradiction(s), " (panics) " panic(s)."
        }
        p.note {
            "Legend: " span.ok { "\u{a0}green\u{a0}" }
            " the run agrees with the expected verdict (a green \"breaks\" is an expected \
             break: the lesson shown); "
            span.unseen { "\u{a0}grey\u{a0}" }
            " not observed: an expected break real threads did not happen to show (not a \
             failure); "
            span.fail { "\u{a0}red\u{a0}" }
            " contradicts the expected verdict: a failure. Each cell also says what is expected."
        }
    }
}

/// Per variant and invariant, observed against expected, and the variant's counts.
fn verdict_table(report: &CampaignReport) -> Markup {
    html! {
        table {
            tr {
                th { "variant" }
                @for invariant in Invariant::ALL {
                    th title=(invariant.key()) { (invariant.title()) }
                }
                th { "transfers/s" } th { "audits" } th { "inconsistent" } th { "below zero" }
                th { "final" }
            }
            @for variant in &report.variants {
                tr {
                    td { a href={ "#" (variant.id) } { (variant.id) } }
                    @for invariant in Invariant::ALL {
                        (verdict_cell(variant, invariant))
                    }
                    td { (grouped_rounded(variant.transfers_per_sec)) }
                    td { (grouped(variant.audits)) }
                    td { (grouped(variant.inconsistent_audits)) }
                    td { (below_zero(variant.min_balance)) }
                    td { (variant.final_total.map_or("-".into(), grouped)) }
                }
            }
        }
        p.note {
            "\"not observed\": an expected break that real threads did not happen to show."
        }
    }
}

/// One invariant of one variant: what was observed, and what the catalog expects.
fn verdict_cell(variant: &VariantSummary, invariant: Invariant) -> Markup {
    let expected = variant
        .expected
        .map_or("no expectation stated".to_string(), |expected| {
            format!("expected {}", expected.get(invariant))
        });
    let observed = variant.observed.get(invariant);
    let (class, text) = match variant.comparison(invariant) {
        Observed::AsExpected => ("ok", observed.to_string()),
        Observed::NotObserved => ("unseen", "not observed".to_string()),
        Observed::Contradicts => ("fail", observed.to_string()),
        Observed::NoExpectation => ("stated-none", observed.to_string()),
    };
    html! { td class=(class) { (text) br; span.note { (expected) } } }
}

/// Which runs a chart overlays: `run 0` or `runs 0–8 (9 runs overlaid)`.
fn which_runs(runs: &[&RunRecord]) -> String {
    match runs {
        [one] => format!("run {}", one.run),
        _ => format!(
            "runs {}–{} ({} runs overlaid)",
            runs.iter().map(|run| run.run).min().unwrap_or(0),
            runs.iter().map(|run| run.run).max().unwrap_or(0),
            runs.len()
        ),
    }
}

/// The lowest balance of each sampled audit over time, every run of the variant overlaid: red
/// below zero (an overdraft), grey elsewhere, a dashed line at zero.
fn lowest_balance_chart(runs: &[&RunRecord]) -> Markup {
    if runs.iter().all(|run| run.samples.is_empty()) {
        return html! {};
    }
    let series = Series {
        what: "lowest balance",
        reference: 0,
        value: |sample| i128::from(sample.min_balance),
        wrong: |balance, zero| balance < zero,
    };
    html! {
        (chart(&format!("lowest balance over time, {}", which_runs(runs)), charts::scatter(runs, &series)))
        p.note {
            (which_runs(runs)) ": the lowest balance in each sampled audit; red: below zero, an \
             overdraft (lowest sampled: "
            (grouped(runs.iter().flat_map(|run| run.samples.iter()).map(|sample| sample.min_balance).min().unwrap_or(0)))
            "; below zero in any audit of these runs: "
            (below_zero(runs.iter().map(|run| run.min_balance).min().unwrap_or(0)))
            "); dashed: zero."
        }
    }
}

/// The audited total over time, every run of the variant overlaid: grey dots for consistent
/// audits, red for inconsistent ones, a dashed line at the expected total.
fn totals_chart(runs: &[&RunRecord]) -> Markup {
    if runs.iter().all(|run| run.samples.is_empty()) {
        return html! {
            p.note { "No audit finished in any run (see the deadlock below)." }
        };
    }
    let series = Series {
        what: "audited total",
        reference: runs[0].expected_total,
        value: |sample| sample.total,
        wrong: |total, expected| total != expected,
    };
    html! {
        (chart(&format!("audited total over time, {}", which_runs(runs)), charts::scatter(runs, &series)))
        p.note {
            (which_runs(runs)) ": the total of each sampled audit; "
            (grouped(runs.iter().map(|run| run.audits).sum::<u64>())) " audits, "
            (grouped(runs.iter().map(|run| run.inconsistent_audits).sum::<u64>()))
            " inconsistent (red), consistent ones grey; "
            (grouped(runs.iter().map(|run| run.samples.len() as u64).sum::<u64>()))
            " samples drawn; dashed: the expected total."
        }
    }
}

#[cfg(test)]
mod tests {
    use super::render;
    use crate::stress::charts::{RIGHT, WRONG};
    use crate::stress::report::{
        AuditSample, CampaignReport, DeadlockReport, RunOutcome, RunRecord,
    };

    /// How a dot of `colour` starts in plotters' SVG.
    fn dots(colour: plotters::style::RGBColor) -> String {
        let (r, g, b) = (colour.0, colour.1, colour.2);
        format!("opacity=\"1\" fill=\"#{r:02X}{g:02X}{b:02X}\"")
    }

    /// The red dots, after checking that every dot is red or grey.
    fn red_dots(page: &str) -> usize {
        let red = page.matches(&dots(WRONG)).count();
        let grey = page.matches(&dots(RIGHT)).count();
        assert_eq!(
            page.matches("<circle").count(),
            red + grey,
            "every dot is red or grey"
        );
        red
    }

    fn run(variant: &str, totals: &[i128], deadlock: Option<DeadlockReport>) -> RunRecord {
        RunRecord {
            variant: variant.into(),
            expected_total: 100,
            audits: totals.len() as u64,
            inconsistent_audits: totals.iter().filter(|&&t| t != 100).count() as u64,
            samples: totals
                .iter()
                .enumerate()
                .map(|(i, &total)| AuditSample {
                    micros: i as u64 * 10,
                    total,
                    thread: 0,
                    min_balance: 0,
                })
                .collect(),
            final_total: deadlock.is_none().then_some(100),
            outcome: if deadlock.is_some() {
                RunOutcome::Deadlock
            } else {
                RunOutcome::Completed
            },
            deadlock,
            wall_seconds: 0.5,
            transfers: 10,
            ..RunRecord::default()
        }
    }

    #[test]
    fn the_page_charts_every_variant_and_marks_inconsistent_audits_in_red() {
        let report = CampaignReport::from_runs(
            &bank_core::catalog::SUBJECTS.refs(),
            vec![
                run("unsafe", &[100, 97, 100, 103], None),
                run("global-lock", &[100, 100], None),
                run(
                    "nested-locks <&>",
                    &[],
                    Some(DeadlockReport {
                        threads: vec!["w-0".into(), "w-1".into()],
                        detail: "cycle 1:".into(),
                    }),
                ),
            ],
            7,
            "quick",
            None,
            serde_json::json!({}),
        );
        let page = render(&report);
        assert!(page.starts_with("<!DOCTYPE html>") && page.trim_end().ends_with("</html>"));
        assert_eq!(red_dots(&page), 2, "two inconsistent audits, in red");
        assert_eq!(
            page.matches(&dots(RIGHT)).count(),
            4 + 6,
            "four consistent totals, and six lowest balances none below zero, in grey"
        );
        assert!(
            page.contains("PASS: nothing contradicts the expected verdicts"),
            "the verdict first"
        );
        assert!(page.contains("Legend:"), "a legend");
        assert!(page.contains("aria-label=\"lowest balance over time, run 0\""));
        assert!(
            page.contains("<h2 id=\"unsafe\">unsafe</h2>")
                && page.contains("<h2 id=\"global-lock\">")
        );
        assert!(page.contains("aria-label=\"throughput per variant\""));
        assert!(
            !page.contains("src=") && !page.contains("<script"),
            "self-contained"
        );
        assert!(!page.contains("<&>"), "names are escaped");
        assert!(
            page.contains("time since the run started (µs)"),
            "an x-axis title"
        );
    }

    #[test]
    fn every_run_of_a_variant_is_charted_not_only_the_first() {
        let mut second = run("unsafe", &[100, 90], None);
        second.run = 1;
        let report = CampaignReport::from_runs(
            &bank_core::catalog::SUBJECTS.refs(),
            vec![run("unsafe", &[100, 100, 100], None), second],
            7,
            "default",
            None,
            serde_json::json!({}),
        );
        let page = render(&report);
        assert!(
            page.contains("aria-label=\"audited total over time, runs 0–1 (2 runs overlaid)\""),
            "{page}"
        );
        // Run 1's inconsistent audit (90) is drawn, in red, with run 0's five consistent dots.
        assert_eq!(red_dots(&page), 1);
        assert!(page.contains("3 inconsistent") || page.contains("1 inconsistent"));
    }

    #[test]
    fn every_run_shows_how_it_ended_and_a_panic_is_marked_as_a_failure() {
        let cut = RunRecord {
            outcome: RunOutcome::CutShort,
            planned_transfers: Some(8_000),
            transfers: 554,
            ..run("global-lock", &[100], None)
        };
        let panicked = RunRecord {
            run: 1,
            outcome: RunOutcome::Panicked {
                thread: "global-lock-worker-2".into(),
                message: "the bank's own bug".into(),
            },
            ..run("global-lock", &[100], None)
        };
        let report = CampaignReport::from_runs(
            &bank_core::catalog::SUBJECTS.refs(),
            vec![cut, panicked],
            7,
            "quick",
            None,
            serde_json::json!({}),
        );
        let page = render(&report);
        assert!(
            page.contains("cut short at 554 of 8000 transfers"),
            "{page}"
        );
        assert!(
            page.contains("<b>Panic</b> in global-lock-worker-2: the bank&#39;s own bug")
                || page.contains("<b>Panic</b> in global-lock-worker-2: the bank's own bug"),
            "{page}"
        );
    }
}
