//! A replayed counterexample as a timeline a reader can follow without the source: one column per
//! thread, one row per step, the step where an invariant broke marked.

use bank_core::runtime::trace::TraceEvent;
use maud::{DOCTYPE, Markup, PreEscaped, html};
use std::fmt::Write;

/// The widest a column gets; longer steps are cut with `…`.
const MAX_COLUMN: usize = 72;

/// For each step that reads, writes or releases a value, the values of every object known so far
/// (`cell 1 = 0 · cell 2 = 1`); `None` for the other steps. A write that leaves a value as it was
/// is shown too: that is what a lost update looks like. This
/// is the "balances after the step" column: a cell, or a mutex around one account, holds a balance;
/// a mutex around the whole bank holds the list of balances.
pub fn values_after(events: &[TraceEvent]) -> Vec<Option<String>> {
    let mut known: Vec<(String, String)> = Vec::new();
    events
        .iter()
        .map(|event| {
            let (Some(object), Some(value)) = (&event.object, &event.value) else {
                return None;
            };
            match known.iter_mut().find(|(name, _)| name == object) {
                Some((_, old)) => *old = value.clone(),
                None => known.push((object.clone(), value.clone())),
            }
            Some(
                known
                    .iter()
                    .map(|(name, value)| format!("{name} = {value}"))
                    .collect::<Vec<_>>()
                    .join(" · "),
            )
        })
        .collect()
}

/// The heading of the values column.
const VALUES: &str = "values after the step";

/// Renders `events` as a text table: `worker-0`, `worker-1`, … (the workload's threads), then
/// `main-thread` (which spawns the workers, joins them and reads the final balances).
pub fn timeline(events: &[TraceEvent]) -> String {
    let threads = columns(events);
    let width = |thread: &str| {
        events
            .iter()
            .filter(|event| event.thread == thread)
            .map(|event| event.text.chars().count())
            .chain([thread.chars().count()])
            .max()
            .unwrap_or(0)
            .min(MAX_COLUMN)
    };
    let widths: Vec<usize> = threads.iter().map(|thread| width(thread)).collect();
    let mut table = String::new();
    let _ = write!(table, "{:>5}  ", "step");
    for (thread, width) in threads.iter().zip(&widths) {
        let _ = write!(table, "{thread:<width$}  ");
    }
    let values = values_after(events);
    let with_values = values.iter().any(Option::is_some);
    if with_values {
        let _ = write!(table, "{VALUES}");
    }
    table = table.trim_end().to_string();
    table.push('\n');
    for (step, event) in events.iter().enumerate() {
        let _ = write!(table, "{:>5}  ", step + 1);
        for (thread, width) in threads.iter().zip(&widths) {
            let cell = if event.thread == *thread {
                cut(&event.text, *width)
            } else {
                String::new()
            };
            let _ = write!(table, "{cell:<width$}  ");
        }
        if let Some(Some(state)) = values.get(step) {
            let _ = write!(table, "{state}");
        }
        let mut row = table.split_off(table.rfind('\n').map_or(0, |i| i + 1));
        row = row.trim_end().to_string();
        if event.breaks {
            row.push_str("   ← BROKEN HERE");
        }
        table.push_str(&row);
        table.push('\n');
    }
    table
}

/// Who waits for whom at the end of the trace: for each thread still waiting for a mutex it
/// asked for, the mutex and the thread holding it (`worker-0 waits for mutex 2, held by
/// worker-1`). For a deadlock, this is the cycle.
pub fn waits_for(events: &[TraceEvent]) -> Vec<String> {
    let mut wants: Vec<(String, String)> = Vec::new();
    let mut holder: Vec<(String, String)> = Vec::new();
    for event in events {
        let (verb, rest) = match event.text.split_once(" mutex ") {
            Some(split) => split,
            None => continue,
        };
        // `tries mutex 2: got it`, `waits on a condition, releasing mutex 1`.
        let (number, result) = rest.split_once(':').unwrap_or((rest, ""));
        let object = format!("mutex {}", number.trim());
        let verb = match verb {
            "tries" if result.contains("got it") => "got",
            "waits on a condition, releasing" => "released",
            other => other,
        };
        match verb {
            "wants" => {
                wants.retain(|(thread, _)| *thread != event.thread);
                wants.push((event.thread.clone(), object));
            }
            "got" | "woke, holding" => {
                wants.retain(|(thread, _)| *thread != event.thread);
                holder.retain(|(_, held)| *held != object);
                holder.push((event.thread.clone(), object));
            }
            "released" => {
                holder.retain(|(_, held)| *held != object);
                if event.text.starts_with("waits on a condition") {
                    wants.retain(|(thread, _)| *thread != event.thread);
                    wants.push((event.thread.clone(), format!("notify:{object}")));
                }
            }
            _ => {}
        }
    }
    wants
        .into_iter()
        .map(|(thread, object)| {
            if let Some(mutex) = object.strip_prefix("notify:") {
                return format!(
                    "{thread} waits to be notified (a condition on {mutex}); nobody notifies it"
                );
            }
            let by = holder
                .iter()
                .find(|(_, held)| *held == object)
                .map_or("no thread of the trace".to_string(), |(t, _)| t.clone());
            format!("{thread} waits for {object}, held by {by}")
        })
        .collect()
}

/// The same timeline as a self-contained HTML page (no script, no external file), titled
/// `title`, the breaking step's row highlighted. Carries the stress report's generator mark, so
/// `--html` may replace an earlier page of ours and nothing else.
pub fn timeline_html(title: &str, intro: &str, events: &[TraceEvent]) -> String {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                (PreEscaped(crate::stress::GENERATOR_MARK))
                title { (title) }
                style {
                    "body{font-family:system-ui,sans-serif;margin:2em;color:#222}"
                    (PreEscaped(TIMELINE_CSS))
                }
            }
            body {
                h1 { (title) }
                p { (intro) }
                (timeline_table_html(events))
            }
        }
    }
    .into_string()
}

/// The CSS a [`timeline_table_html`] table needs.
pub const TIMELINE_CSS: &str = "table.timeline{border-collapse:collapse}\
table.timeline td,table.timeline th{border:1px solid #ccc;padding:2px 8px;font-family:ui-monospace,monospace;font-size:90%;text-align:left;vertical-align:top}\
table.timeline tr.broken td{background:#fcc;font-weight:bold}";

/// The timeline as an HTML table (one column per thread, the breaking row highlighted), for
/// a page of its own or a section of the stress report.
pub fn timeline_table_html(events: &[TraceEvent]) -> Markup {
    let threads = columns(events);
    let values = values_after(events);
    let with_values = values.iter().any(Option::is_some);
    html! {
        table.timeline {
            tr {
                th { "step" }
                @for thread in &threads { th { (thread) } }
                @if with_values { th { (VALUES) } }
            }
            @for (step, event) in events.iter().enumerate() {
                tr.broken[event.breaks] {
                    td { (step + 1) }
                    @for thread in &threads {
                        td { @if event.thread == *thread { (event.text) } }
                    }
                    @if with_values {
                        td { (values.get(step).cloned().flatten().unwrap_or_default()) }
                    }
                }
            }
        }
    }
}

/// The threads, one column each: the workload's workers in order, then `main-thread`.
fn columns(events: &[TraceEvent]) -> Vec<&str> {
    let mut threads: Vec<&str> = Vec::new();
    for event in events {
        if !threads.contains(&event.thread.as_str()) {
            threads.push(&event.thread);
        }
    }
    // Workers by number (worker-2 before worker-10), then anything else, main-thread last.
    threads.sort_by_key(|thread| {
        let number = thread
            .strip_prefix("worker-")
            .and_then(|number| number.parse::<usize>().ok());
        (*thread == "main-thread", number.is_none(), number, *thread)
    });
    threads
}

fn cut(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_string()
    } else {
        let mut cut: String = text.chars().take(width.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(thread: &str, text: &str, breaks: bool) -> TraceEvent {
        TraceEvent {
            thread: thread.into(),
            text: text.into(),
            breaks,
            object: None,
            value: None,
        }
    }

    #[test]
    fn the_html_page_has_a_column_per_thread_and_highlights_the_breaking_row() {
        let page = timeline_html(
            "unsafe <lost update>",
            "two workers",
            &[
                event("worker-0", "reads cell 1: 1", false),
                event(
                    "main-thread",
                    "reads the final balances [0, 0], total 0 ≠ 1",
                    true,
                ),
            ],
        );
        assert!(
            page.contains("<th>worker-0</th><th>main-thread</th>"),
            "{page}"
        );
        assert_eq!(page.matches("<tr class=\"broken\">").count(), 1, "{page}");
        assert!(page.contains("unsafe &lt;lost update&gt;"), "{page}");
        assert!(page.contains(crate::stress::GENERATOR_MARK));
        assert!(!page.contains("<script"));
    }

    #[test]
    fn one_column_per_thread_main_last_and_the_breaking_step_marked() {
        let table = timeline(&[
            event("worker-1", "reads cell 1: 1", false),
            event("main-thread", "got mutex 1", false),
            event("worker-0", "ends audit: [0, 0], total 0 ≠ 1", true),
        ]);
        let lines: Vec<&str> = table.lines().collect();
        assert!(lines[0].starts_with(" step  worker-0"), "{table}");
        assert!(
            lines[0].find("worker-1") < lines[0].find("main-thread"),
            "{table}"
        );
        assert!(lines[3].ends_with("← BROKEN HERE"), "{table}");
        assert!(!lines[1].contains("BROKEN"), "{table}");
        assert_eq!(lines.len(), 4);
    }
}
