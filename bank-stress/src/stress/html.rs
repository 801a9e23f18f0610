//! A self-contained HTML report of a stress campaign: per variant, the audited total over time
//! (as Jepsen's bank test plots it) with inconsistent audits in red against the expected total,
//! and the throughput of every variant. Inline SVG and CSS only; no script, no external file.

use super::report::{CampaignReport, Observed, RunOutcome, RunRecord, VariantSummary};
use bank_core::Invariant;
use std::fmt::Write;

/// The mark every report page carries, so a tool can tell its own earlier report from a user's
/// page before replacing it.
pub const GENERATOR_MARK: &str = "<meta name=\"generator\" content=\"bank-stress\">";

const CHART_WIDTH: f64 = 640.0;
const CHART_HEIGHT: f64 = 180.0;
const MARGIN: f64 = 48.0;

/// One shuttle counterexample for the report's last section: a heading (variant / finding), a
/// line on what it is and how to replay it, and its step-by-step table
/// (`checker::timeline_table_html`).
#[derive(Debug, Clone)]
pub struct CounterexampleSection {
    /// `unsafe / final_conservation`.
    pub heading: String,
    /// The workload, what the replay showed, and the replay command.
    pub summary: String,
    /// The timeline table, already HTML.
    pub table_html: String,
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
    let mut page = String::new();
    let _ = writeln!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"generator\" content=\"bank-stress\"><title>Bank stress report: {preset}</title>\n<style>\
body{{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:1100px}}\
table{{border-collapse:collapse;margin:1em 0}}td,th{{border:1px solid #ccc;padding:3px 6px;text-align:right;font-size:90%;white-space:nowrap}}\
td:first-child,th:first-child{{text-align:left}}.fail{{background:#fcc}}.ok{{background:#dfd}}.unseen{{background:#eee}}\
.verdict{{font-size:120%;padding:.4em .6em}}\
section{{margin:2em 0}}h2{{margin-bottom:.2em}}.note{{color:#666;font-size:90%}}svg text{{font-size:11px}}\
{timeline_css}</style></head><body>\n<h1>Bank stress report</h1>\n<p>preset <b>{preset}</b>, seed {seed}{shard}, {runs} run(s).</p>",
        preset = escape(&report.preset),
        timeline_css = crate::checker::TIMELINE_CSS,
        seed = report.seed,
        shard = report
            .shard
            .as_deref()
            .map(|s| format!(", shard {}", escape(s)))
            .unwrap_or_default(),
        runs = report.runs.len()
    );
    page.push_str(&verdict_line(report));
    page.push_str(&verdict_table(report));
    page.push_str("<section><h2>Throughput</h2>\n");
    page.push_str(&throughput_chart(&report.variants));
    page.push_str("</section>\n");
    for variant in &report.variants {
        let _ = writeln!(
            page,
            "<section><h2 id=\"{id}\">{id}</h2>",
            id = escape(&variant.id)
        );
        if let Some(info) = bank_core::catalog::find(&variant.id) {
            let _ = writeln!(
                page,
                "<p class=\"lesson\"><b>Lesson:</b> {} <span class=\"note\">({}; {})</span></p>",
                escape(info.lesson),
                escape(info.from),
                escape(info.mechanism)
            );
        }
        let runs: Vec<&RunRecord> = report
            .runs
            .iter()
            .filter(|run| run.variant == variant.id)
            .collect();
        if !runs.is_empty() {
            page.push_str(&totals_chart(&runs));
            page.push_str(&lowest_balance_chart(&runs));
        }
        page.push_str(&runs_table(report, &variant.id));
        if let Some(run) = runs
            .iter()
            .find(|run| run.linearizability.explanation.is_some())
            && let Some(explanation) = &run.linearizability.explanation
        {
            let _ = writeln!(
                page,
                "<p><b>Not linearizable</b> (run {}, {} calls checked):</p><pre class=\"history\">{}</pre>",
                run.run,
                run.linearizability.calls,
                escape(explanation)
            );
        }
        if let Some((thread, message)) = &variant.panic {
            let _ = writeln!(
                page,
                "<p class=\"fail\"><b>Panic</b> in {}: {}</p>",
                escape(thread),
                escape(message)
            );
        }
        if let Some(deadlock) = &variant.deadlock {
            let _ = writeln!(
                page,
                "<p><b>Deadlock</b> ({}):</p><pre>{}</pre>",
                escape(&deadlock.threads.join(", ")),
                escape(&deadlock.detail)
            );
        }
        page.push_str("</section>\n");
    }
    if !counterexamples.is_empty() {
        page.push_str(
            "<section><h2 id=\"counterexamples\">Shuttle counterexamples</h2>\n<p class=\"note\">Each minimal counterexample the schedule explorer found, replayed step by step: one column per thread (main-thread opens the bank, starts the workers, joins them and reads the final balances); the highlighted row is where the invariant broke.</p>\n",
        );
        for found in counterexamples {
            let history = found.history_table.as_ref().map_or(String::new(), |table| {
                format!("<pre class=\"history\">{}</pre>\n", escape(table))
            });
            let _ = writeln!(
                page,
                "<h3>{}</h3>\n<p>{}</p>\n{history}{}",
                escape(&found.heading),
                escape(&found.summary),
                found.table_html
            );
        }
        page.push_str("</section>\n");
    }
    page.push_str("</body></html>\n");
    page
}

/// One line per run of a variant: how it ended, what it did, and its noise.
fn runs_table(report: &CampaignReport, variant: &str) -> String {
    let mut table = String::from(
        "<table><tr><th>run</th><th>seed</th><th>noise</th><th>ended</th><th>transfers</th><th>inconsistent audits</th><th>lowest balance</th><th>wall s</th></tr>\n",
    );
    for run in report.runs.iter().filter(|run| run.variant == variant) {
        let ended = match (&run.outcome, run.planned_transfers) {
            (RunOutcome::CutShort, Some(planned)) => {
                format!("cut short at {} of {planned} transfers", run.transfers)
            }
            (outcome, _) => outcome.label().to_string(),
        };
        let class = match run.outcome {
            RunOutcome::Panicked { .. } => " class=\"fail\"",
            RunOutcome::CutShort => " class=\"unseen\"",
            _ => "",
        };
        let _ = writeln!(
            table,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td{class}>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.2}</td></tr>",
            run.run,
            run.seed,
            escape(&run.noise),
            escape(&ended),
            run.transfers,
            run.inconsistent_audits,
            run.min_balance,
            run.wall_seconds
        );
    }
    table.push_str("</table>\n");
    table
}

/// "Did it pass, and what broke?" first: the overall verdict and the counts behind it.
fn verdict_line(report: &CampaignReport) -> String {
    let (shown, expected) = report.expected_breaks_observed();
    let contradictions = report.contradictions().len();
    let panics = report.panics().len();
    let (class, verdict) = if !report.agrees() {
        (
            "fail",
            "FAIL: a run broke what the catalog says holds, or a bank panicked".to_string(),
        )
    } else if let Some(shard) = &report.shard {
        // A shard, or a partial merge: it passes for its own runs only.
        (
            "unseen",
            format!(
                "PARTIAL ({}): nothing in these runs contradicts the catalog, but they are not the whole campaign",
                escape(shard)
            ),
        )
    } else {
        ("ok", "PASS: nothing contradicts the catalog".to_string())
    };
    format!(
        "<p class=\"verdict {class}\"><b>{verdict}.</b> {} variant(s), {} run(s): {shown} of {expected} expected breaks observed, {contradictions} contradiction(s), {panics} panic(s).</p>\n\
<p class=\"note\">Legend: <span class=\"ok\">&nbsp;green&nbsp;</span> the run agrees with the catalog (a green \"breaks\" is a break the catalog expects: the lesson shown); \
<span class=\"unseen\">&nbsp;grey&nbsp;</span> not observed: an expected break real threads did not happen to show (not a failure); \
<span class=\"fail\">&nbsp;red&nbsp;</span> contradicts the catalog: a failure. Each cell also says what the catalog expects.</p>\n",
        report.variants.len(),
        report.runs.len()
    )
}

fn verdict_table(report: &CampaignReport) -> String {
    let mut table = String::from("<table><tr><th>variant</th>");
    for invariant in Invariant::ALL {
        let _ = write!(
            table,
            "<th title=\"{}\">{}</th>",
            invariant.key(),
            invariant.title()
        );
    }
    table.push_str("<th>transfers/s</th><th>audits</th><th>inconsistent</th><th>min bal</th><th>final</th></tr>\n");
    for variant in &report.variants {
        let _ = write!(
            table,
            "<tr><td><a href=\"#{id}\">{id}</a></td>",
            id = escape(&variant.id)
        );
        for invariant in Invariant::ALL {
            let expected = variant.expected.get(invariant);
            let (class, text) = match variant.comparison(invariant) {
                Observed::AsExpected => (
                    "ok",
                    format!("{} (expected {expected})", variant.observed.get(invariant)),
                ),
                Observed::NotObserved => ("unseen", "not observed (expected breaks)".to_string()),
                Observed::Contradicts => (
                    "fail",
                    format!("{} (expected holds)", variant.observed.get(invariant)),
                ),
            };
            let _ = write!(table, "<td class=\"{class}\">{text}</td>");
        }
        let _ = writeln!(
            table,
            "<td>{:.0}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            variant.transfers_per_sec,
            variant.audits,
            variant.inconsistent_audits,
            variant.min_balance,
            variant.final_total.map_or("-".into(), |t| t.to_string())
        );
    }
    table.push_str("</table>\n<p class=\"note\">\"not observed\": the catalog expects a break that real threads did not happen to show.</p>\n");
    table
}

/// Horizontal bars: transfers per second per variant.
fn throughput_chart(variants: &[VariantSummary]) -> String {
    let row = 22.0;
    let height = row * variants.len() as f64 + 10.0;
    let max = variants
        .iter()
        .map(|v| v.transfers_per_sec)
        .fold(1.0, f64::max);
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{height}\" role=\"img\" aria-label=\"throughput per variant\">\n",
        w = CHART_WIDTH + 200.0
    );
    for (index, variant) in variants.iter().enumerate() {
        let y = index as f64 * row + 5.0;
        let width = variant.transfers_per_sec / max * CHART_WIDTH;
        let _ = writeln!(
            svg,
            "<text x=\"0\" y=\"{ty}\">{id}</text><rect x=\"140\" y=\"{y}\" width=\"{width:.1}\" height=\"16\" fill=\"#4a7ebb\"/><text x=\"{tx:.1}\" y=\"{ty}\">{rate:.0}/s</text>",
            ty = y + 12.0,
            id = escape(&variant.id),
            tx = 145.0 + width,
            rate = variant.transfers_per_sec
        );
    }
    svg.push_str("</svg>\n");
    svg
}

/// The lowest balance in each sampled audit over time, against zero: an overdraft shows as dots
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
fn lowest_balance_chart(runs: &[&RunRecord]) -> String {
    if runs.iter().all(|run| run.samples.is_empty()) {
        return String::new();
    }
    let chart = scatter(
        runs,
        "lowest balance",
        0,
        |sample| i128::from(sample.min_balance),
        |balance| balance < 0,
    );
    format!(
        "{chart}<p class=\"note\">{}: the lowest balance in each sampled audit; red: below zero, an overdraft (lowest seen: {}); dashed: zero.</p>\n",
        which_runs(runs),
        runs.iter().map(|run| run.min_balance).min().unwrap_or(0)
    )
}

/// The audited total over time, every run of the variant overlaid: grey dots for consistent
/// audits, red for inconsistent ones, a dashed line at the expected total.
fn totals_chart(runs: &[&RunRecord]) -> String {
    if runs.iter().all(|run| run.samples.is_empty()) {
        return "<p class=\"note\">No audit finished in any run (see the deadlock below).</p>\n"
            .into();
    }
    let expected = runs[0].expected_total;
    let chart = scatter(
        runs,
        "audited total",
        expected,
        |sample| sample.total,
        |total| total != expected,
    );
    format!(
        "{chart}<p class=\"note\">{}: the total of each sampled audit; {} audits, {} inconsistent (red), consistent ones grey; {} samples drawn; dashed: the expected total.</p>\n",
        which_runs(runs),
        runs.iter().map(|run| run.audits).sum::<u64>(),
        runs.iter().map(|run| run.inconsistent_audits).sum::<u64>(),
        runs.iter().map(|run| run.samples.len()).sum::<usize>()
    )
}

/// One dot per sampled audit of every run: `value` (y) over time since its run started (x),
/// against the dashed `reference` line; red where `bad`, grey elsewhere. Both axes are titled.
fn scatter(
    runs: &[&RunRecord],
    what: &str,
    reference: i128,
    value: impl Fn(&super::report::AuditSample) -> i128,
    bad: impl Fn(i128) -> bool,
) -> String {
    let samples = || runs.iter().flat_map(|run| run.samples.iter());
    let lowest = samples().map(&value).fold(reference, i128::min) as f64;
    let highest = samples().map(&value).fold(reference, i128::max) as f64;
    let span = (highest - lowest).max(1.0);
    let last = samples().map(|s| s.micros).max().unwrap_or(1).max(1) as f64;
    let left = MARGIN + 16.0;
    let x = |micros: u64| left + micros as f64 / last * (CHART_WIDTH - left);
    let y = |v: f64| 10.0 + (highest - v) / span * (CHART_HEIGHT - 42.0);
    let reference_y = y(reference as f64);
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{CHART_WIDTH}\" height=\"{CHART_HEIGHT}\" role=\"img\" aria-label=\"{what} over time, {runs_label}\">\n\
<line x1=\"{left}\" y1=\"{reference_y:.1}\" x2=\"{CHART_WIDTH}\" y2=\"{reference_y:.1}\" stroke=\"#2a2\" stroke-dasharray=\"4 3\"/>\n\
<text x=\"16\" y=\"{label_y:.1}\">{reference}</text>{extremes}\n\
<text x=\"11\" y=\"{middle:.1}\" transform=\"rotate(-90 11 {middle:.1})\" text-anchor=\"middle\">{what}</text>\n\
<text x=\"{left}\" y=\"{ticks}\">0</text><text x=\"{end:.1}\" y=\"{ticks}\" text-anchor=\"end\">{last}</text>\n\
<text x=\"{centre:.1}\" y=\"{axis}\" text-anchor=\"middle\">time since the run started (µs)</text>\n",
        runs_label = which_runs(runs),
        // The highest and lowest values, each labelled only where it is not the reference (a
        // flat chart gets one label, not three copies of it).
        extremes = [(highest, 14.0), (lowest, CHART_HEIGHT - 30.0)]
            .iter()
            .filter(|(value, _)| *value != reference as f64)
            .map(|(value, y)| format!("<text x=\"16\" y=\"{y:.1}\">{value}</text>"))
            .collect::<String>(),
        label_y = reference_y + 4.0,
        middle = (CHART_HEIGHT - 32.0) / 2.0,
        ticks = CHART_HEIGHT - 16.0,
        axis = CHART_HEIGHT - 2.0,
        end = CHART_WIDTH - 2.0,
        centre = (left + CHART_WIDTH) / 2.0,
    );
    for sample in samples() {
        let v = value(sample);
        let colour = if bad(v) { "#d22" } else { "#999" };
        let _ = writeln!(
            svg,
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"2\" fill=\"{colour}\"/>",
            x(sample.micros),
            y(v as f64)
        );
    }
    svg.push_str("</svg>\n");
    svg
}

/// `text` made safe inside HTML text and attribute values.
pub(crate) fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::render;
    use crate::stress::report::{
        AuditSample, CampaignReport, DeadlockReport, RunOutcome, RunRecord,
    };

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
        assert_eq!(
            page.matches("fill=\"#d22\"").count(),
            2,
            "two inconsistent audits, in red"
        );
        assert_eq!(
            page.matches("fill=\"#999\"").count(),
            4 + 6,
            "four consistent totals, and six lowest balances none below zero, in grey"
        );
        assert!(
            page.contains("PASS: nothing contradicts the catalog"),
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
        assert_eq!(page.matches("fill=\"#d22\"").count(), 1);
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
        let report =
            CampaignReport::from_runs(vec![cut, panicked], 7, "quick", None, serde_json::json!({}));
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
