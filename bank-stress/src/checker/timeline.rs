//! A replayed counterexample as a timeline a reader can follow without the source: one column per
//! thread, one row per step, the step where an invariant broke marked.

use crate::thread_names;
use bank_core::instrumentation::trace::TraceEvent;
use maud::{DOCTYPE, Markup, PreEscaped, html};
use std::fmt::Write;

/// The widest a column of the text table gets; longer steps wrap onto the next lines.
const MAX_COLUMN: usize = 36;

/// For each step that reads, writes or releases a value, the values of every object known so far
/// (`cell 0 = 0 · cell 1 = 1`); `None` for the other steps. A write that leaves a value as it was
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
                None => {
                    known.push((object.clone(), value.clone()));
                    known.sort_by(|(a, _), (b, _)| name_order(a).cmp(&name_order(b)));
                }
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

/// `cell 2` sorts as (`cell`, 2): before `cell 10`.
fn name_order(name: &str) -> (&str, usize) {
    let (kind, number) = name.rsplit_once(' ').unwrap_or((name, ""));
    (kind, number.parse().unwrap_or(usize::MAX))
}

/// The heading of the values column.
const VALUES: &str = "values after the step";

/// Renders `events` as a text table: `worker-0`, `worker-1`, … (the workload's threads), then
/// `main-thread` (which spawns the workers, joins them and reads the final balances). A cell
/// wider than [`MAX_COLUMN`] wraps at its spaces onto the next lines, so the table fits a
/// terminal; the mark of a step where an invariant broke ends its first line.
pub fn timeline(events: &[TraceEvent]) -> String {
    let threads = columns(events);
    let width = |thread: &str| {
        events
            .iter()
            .filter(|event| event.thread == thread)
            .flat_map(|event| wrap(&event.text, MAX_COLUMN))
            .map(|line| line.chars().count())
            .chain([thread.chars().count()])
            .max()
            .unwrap_or(0)
    };
    let widths: Vec<usize> = threads.iter().map(|thread| width(thread)).collect();
    let values = values_after(events);
    let with_values = values.iter().any(Option::is_some);
    let mut table = String::new();
    let mut header = format!("{:>5}  ", "step");
    for (thread, width) in threads.iter().zip(&widths) {
        let _ = write!(header, "{thread:<width$}  ");
    }
    if with_values {
        header.push_str(VALUES);
    }
    table.push_str(header.trim_end());
    table.push('\n');
    for (step, event) in events.iter().enumerate() {
        let own = wrap(&event.text, MAX_COLUMN);
        let state = values
            .get(step)
            .cloned()
            .flatten()
            .map_or_else(Vec::new, |state| wrap_at(&state, MAX_COLUMN, " · "));
        for line in 0..own.len().max(state.len()).max(1) {
            let mut row = if line == 0 {
                format!("{:>5}  ", step + 1)
            } else {
                " ".repeat(7)
            };
            for (thread, width) in threads.iter().zip(&widths) {
                let cell = if event.thread == *thread {
                    own.get(line).map_or("", String::as_str)
                } else {
                    ""
                };
                let _ = write!(row, "{cell:<width$}  ");
            }
            row.push_str(state.get(line).map_or("", String::as_str));
            let mut row = row.trim_end().to_string();
            if line == 0 && event.breaks {
                row.push_str("   ← BROKEN HERE");
            }
            table.push_str(&row);
            table.push('\n');
        }
    }
    table
}

/// `text` cut at its spaces into lines of at most `width` characters (a word longer than that
/// gets a line of its own).
fn wrap(text: &str, width: usize) -> Vec<String> {
    wrap_at(text, width, " ")
}

/// `text` cut at `separator` into lines of at most `width` characters where it can be; the
/// separator is kept at the end of each line but the last, trimmed.
fn wrap_at(text: &str, width: usize, separator: &str) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for (index, word) in text.split(separator).enumerate() {
        let piece = if index == 0 {
            word.to_string()
        } else {
            format!("{separator}{word}")
        };
        if !line.is_empty() && line.chars().count() + piece.chars().count() > width {
            lines.push(line.trim_end().to_string());
            line = word.to_string();
        } else {
            line.push_str(&piece);
        }
    }
    lines.push(line.trim_end().to_string());
    lines
}

/// Who waits for whom at the end of the trace: for each thread still waiting for a mutex it
/// asked for, the mutex and the thread holding it (`worker-0 waits for mutex 1, held by
/// worker-1`). For a deadlock, this is the cycle.
pub fn waits_for(events: &[TraceEvent]) -> Vec<String> {
    let (waits, holders) = pending_waits(events);
    waits
        .into_iter()
        .map(|wait| {
            if wait.for_notify {
                return format!(
                    "{} waits to be notified (a condition on {}); nobody notifies it",
                    wait.thread, wait.object
                );
            }
            let by = holders
                .iter()
                .find(|holder| holder.object == wait.object)
                .map_or("no thread of the trace", |holder| holder.thread.as_str());
            format!("{} waits for {}, held by {by}", wait.thread, wait.object)
        })
        .collect()
}

/// A thread still waiting at the end of the trace.
struct Wait {
    thread: String,
    /// `mutex 1`.
    object: String,
    /// The step at which it started waiting.
    step: usize,
    /// It waits on a condition (to be notified), not for the mutex itself.
    for_notify: bool,
}

/// A thread holding a mutex at the end of the trace.
struct Holder {
    thread: String,
    /// `mutex 1`.
    object: String,
    /// The step at which it took it.
    step: usize,
}

/// The waits still pending at the end of the trace, and who holds which mutex then.
fn pending_waits(events: &[TraceEvent]) -> (Vec<Wait>, Vec<Holder>) {
    let mut waits: Vec<Wait> = Vec::new();
    let mut holders: Vec<Holder> = Vec::new();
    for (step, event) in events.iter().enumerate() {
        let Some(object) = event.object.as_ref().filter(|o| o.starts_with("mutex ")) else {
            continue;
        };
        // The text is `{verb} {object}{detail}`: `tries mutex 1: got it`, `waits on a condition,
        // releasing mutex 0`.
        let Some((verb, detail)) = event.text.split_once(&format!(" {object}")) else {
            continue;
        };
        let verb = match verb {
            "tries" if detail.contains("got it") => "got",
            other => other,
        };
        let start_waiting = |waits: &mut Vec<Wait>, for_notify: bool| {
            waits.retain(|wait| wait.thread != event.thread);
            waits.push(Wait {
                thread: event.thread.clone(),
                object: object.clone(),
                step,
                for_notify,
            });
        };
        match verb {
            "wants" => start_waiting(&mut waits, false),
            "got" | "woke, holding" => {
                waits.retain(|wait| wait.thread != event.thread);
                holders.retain(|holder| holder.object != *object);
                holders.push(Holder {
                    thread: event.thread.clone(),
                    object: object.clone(),
                    step,
                });
            }
            "released" => holders.retain(|holder| holder.object != *object),
            "waits on a condition, releasing" => {
                holders.retain(|holder| holder.object != *object);
                start_waiting(&mut waits, true);
            }
            _ => {}
        }
    }
    (waits, holders)
}

/// Marks the steps where an invariant broke that the checker's own marks (an audit's or the final
/// read's wrong total, a call no sequential order allows) cannot see: the first step that leaves
/// a balance below zero (`(a balance below zero)`), and, when the trace ends with threads waiting
/// for good, the step at which each started waiting (`(waits for ever)`), or, if the mutex was
/// free then, the step at which the thread that keeps it took it (`(worker-0 waits for it from
/// here on, for ever)`).
pub fn mark_where_it_broke(events: &mut [TraceEvent]) {
    let below_zero = |value: &str| {
        value
            .split(|c: char| !(c.is_ascii_digit() || c == '-'))
            .any(|number| number.parse::<i128>().is_ok_and(|n| n < 0))
    };
    let first_overdraft = events
        .iter()
        .position(|event| event.object.is_some() && event.value.as_deref().is_some_and(below_zero));
    if let Some(step) = first_overdraft {
        events[step].breaks = true;
        events[step].text.push_str(" (a balance below zero)");
    }
    // A thread that asked for a mutex while it was free (and was preempted before taking it)
    // blocks for good only when another thread takes it and keeps it: the mark goes there.
    let (waits, holders) = pending_waits(events);
    for wait in waits {
        let taken_later = holders
            .iter()
            .find(|holder| holder.object == wait.object && holder.step > wait.step)
            .filter(|_| !wait.for_notify);
        match taken_later {
            Some(holder) => {
                events[holder.step].breaks = true;
                events[holder.step].text.push_str(&format!(
                    " ({} waits for it from here on, for ever)",
                    wait.thread
                ));
            }
            None => {
                events[wait.step].breaks = true;
                events[wait.step].text.push_str(" (waits for ever)");
            }
        }
    }
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
                (PreEscaped(crate::page_marks::GENERATOR_MARK))
                (PreEscaped(crate::page_marks::REPLAY_PAGE_MARK))
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
table.timeline tr.broken td{background:#fcc;font-weight:bold}\
table.timeline span.value{white-space:nowrap}";

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
                        // Each value kept whole (`cell 0 = -1`); a line breaks only between them.
                        td.values {
                            @for (index, value) in values.get(step).cloned().flatten().unwrap_or_default().split(" · ").enumerate() {
                                @if index > 0 { " · " }
                                span.value { (value) }
                            }
                        }
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
        let number = thread_names::worker_index(thread);
        (
            *thread == thread_names::MAIN_THREAD,
            number.is_none(),
            number,
            *thread,
        )
    });
    threads
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
        assert!(page.contains(crate::page_marks::GENERATOR_MARK));
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

    fn valued(thread: &str, text: &str, object: &str, value: &str) -> TraceEvent {
        TraceEvent {
            object: Some(object.into()),
            value: Some(value.into()),
            ..event(thread, text, false)
        }
    }

    #[test]
    fn the_first_overdraft_and_every_wait_for_ever_are_marked() {
        let mut events = vec![
            valued("worker-0", "writes cell 0: 0", "cell 0", "0"),
            valued("worker-1", "writes cell 0: -1", "cell 0", "-1"),
            valued("worker-1", "writes cell 0: -2", "cell 0", "-2"),
            TraceEvent {
                object: Some("mutex 0".into()),
                ..event("worker-0", "wants mutex 0", false)
            },
            TraceEvent {
                object: Some("mutex 1".into()),
                ..event("worker-1", "got mutex 1", false)
            },
            TraceEvent {
                object: Some("mutex 1".into()),
                ..event("worker-1", "released mutex 1", false)
            },
        ];
        mark_where_it_broke(&mut events);
        let marked: Vec<&str> = events
            .iter()
            .filter(|event| event.breaks)
            .map(|event| event.text.as_str())
            .collect();
        assert_eq!(
            marked,
            [
                "writes cell 0: -1 (a balance below zero)",
                "wants mutex 0 (waits for ever)"
            ]
        );
    }

    /// A thread that asks for a free mutex and is preempted before it takes it does not wait for
    /// ever there: it blocks for good only once another thread takes the mutex and keeps it, so
    /// the mark goes on that step.
    #[test]
    fn a_wait_for_ever_is_marked_where_the_mutex_is_taken_for_good() {
        let on = |thread: &str, text: &str, mutex: &str| TraceEvent {
            object: Some(mutex.into()),
            ..event(thread, text, false)
        };
        let mut events = vec![
            on("worker-0", "got mutex 0", "mutex 0"),
            on("worker-0", "wants mutex 1", "mutex 1"),
            on("worker-1", "got mutex 1", "mutex 1"),
            on("worker-1", "wants mutex 0", "mutex 0"),
        ];
        mark_where_it_broke(&mut events);
        let marked: Vec<(&str, &str)> = events
            .iter()
            .filter(|event| event.breaks)
            .map(|event| (event.thread.as_str(), event.text.as_str()))
            .collect();
        assert_eq!(
            marked,
            [
                (
                    "worker-1",
                    "got mutex 1 (worker-0 waits for it from here on, for ever)"
                ),
                ("worker-1", "wants mutex 0 (waits for ever)"),
            ]
        );
    }

    #[test]
    fn long_cells_wrap_at_spaces_and_the_mark_ends_the_first_line() {
        let text = "reads the final balances [-1, 1], total 0 ≠ 1, a negative balance";
        assert_eq!(
            wrap(text, 36),
            [
                "reads the final balances [-1, 1],",
                "total 0 ≠ 1, a negative balance"
            ]
        );
        assert_eq!(wrap("short", 36), ["short"]);
        let table = timeline(&[event("main-thread", text, true)]);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines.len(), 3, "{table}");
        assert!(lines[1].ends_with("[-1, 1],   ← BROKEN HERE"), "{table}");
        assert!(
            lines[2].trim() == "total 0 ≠ 1, a negative balance",
            "{table}"
        );
    }
}
