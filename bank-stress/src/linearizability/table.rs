//! A violation as people read it, lincheck-style: the minimal prefix as a table with one column
//! per thread and one row per call (the events each call spans, so overlapping calls are
//! visible), then the closest sequential order the search found and the call it could not place.

use super::history::Operation;
use super::violation::Violation;

/// How a column is headed: a thread number to a name.
pub type Names<'a> = &'a dyn Fn(usize) -> String;

/// Rows shown at most around the unplaceable call in a long (real-thread) history.
const WINDOW_ROWS: usize = 24;

/// One cell's text: `0→1 $1 → done  (events 0–3)`, or `audit …  (event 4, no return)`.
fn cell(operation: &Operation) -> String {
    match (&operation.outcome, operation.returned_at) {
        (Some(outcome), Some(returned)) => format!(
            "{} → {outcome}  (events {}–{returned})",
            operation.call, operation.invoked_at
        ),
        _ => format!(
            "{} …  (event {}, no return yet)",
            operation.call, operation.invoked_at
        ),
    }
}

/// The thread columns the violation needs.
fn thread_count(violation: &Violation) -> usize {
    violation
        .operations
        .iter()
        .map(|operation| operation.thread + 1)
        .max()
        .unwrap_or(0)
}

/// `worker-0's 0→1 $1`, or `the final read`.
fn name(operation: &Operation, names: Names) -> String {
    format!("{}'s {}", names(operation.thread), operation.call)
}

/// The rows of the table: per call in invocation order, the cell in its thread's column, and
/// whether it is the call that cannot be placed. With `window`, only the calls around the
/// unplaceable one: those not finished when it was invoked, and each thread's call before them.
pub fn rows(violation: &Violation, window: bool) -> Vec<(Vec<String>, bool)> {
    let threads = thread_count(violation);
    let shown = shown_calls(violation, window);
    violation
        .operations
        .iter()
        .enumerate()
        .filter(|(index, _)| shown[*index])
        .map(|(index, operation)| {
            let mut cells = vec![String::new(); threads];
            cells[operation.thread] = cell(operation);
            (cells, index == violation.unplaceable)
        })
        .collect()
}

/// Which calls the table shows.
fn shown_calls(violation: &Violation, window: bool) -> Vec<bool> {
    let operations = &violation.operations;
    if !window {
        return vec![true; operations.len()];
    }
    let invoked = operations[violation.unplaceable].invoked_at;
    let mut shown: Vec<bool> = operations
        .iter()
        .map(|operation| operation.returned_at.is_none_or(|at| at > invoked))
        .collect();
    // Each thread's last call that returned before the unplaceable one was invoked: the state
    // it left is part of the story.
    for thread in 0..thread_count(violation) {
        if let Some(last) = operations
            .iter()
            .rposition(|op| op.thread == thread && op.returned_at.is_some_and(|at| at < invoked))
        {
            shown[last] = true;
        }
    }
    // Keep the rows nearest the unplaceable call.
    let mut kept = 0;
    for index in (0..operations.len()).rev() {
        if shown[index] {
            kept += 1;
            shown[index] = kept <= WINDOW_ROWS || index == violation.unplaceable;
        }
    }
    shown
}

/// The closest order as text: `worker-1's 0→1 $1, then worker-0's audit`; in a long history,
/// only its last calls.
pub fn closest_order(violation: &Violation, names: Names) -> String {
    if violation.closest_order.is_empty() {
        return "(no call could be placed first)".to_string();
    }
    let skip = violation.closest_order.len().saturating_sub(WINDOW_ROWS);
    let text = violation.closest_order[skip..]
        .iter()
        .map(|&index| name(&violation.operations[index], names))
        .collect::<Vec<_>>()
        .join(", then ");
    if skip > 0 {
        format!("… {skip} earlier calls, then {text}")
    } else {
        text
    }
}

/// The sentence about the call that cannot be placed.
pub fn unplaceable(violation: &Violation, names: Names) -> String {
    let operation = &violation.operations[violation.unplaceable];
    let answered = operation
        .outcome
        .as_ref()
        .map_or_else(|| "nothing".to_string(), ToString::to_string);
    format!(
        "{} answered {answered}, but no order of the calls that respects real time gives that: \
         after the closest order, the sequential bank answers {}",
        name(operation, names),
        violation.sequential_outcome
    )
}

/// The whole explanation, for the terminal: every call of the minimal prefix.
pub fn render_text(violation: &Violation, names: Names) -> String {
    render(violation, names, false)
}

/// The explanation for a long history: only the calls around the unplaceable one.
pub fn render_window(violation: &Violation, names: Names) -> String {
    render(violation, names, true)
}

/// The widest table drawn with a column per thread; a wider one is drawn as a list, one call per
/// line with its thread's name first (a 6-thread real-thread table is over 400 columns wide).
pub const MAX_TABLE_COLUMNS: usize = 100;

fn render(violation: &Violation, names: Names, window: bool) -> String {
    let threads = thread_count(violation);
    let headers: Vec<String> = (0..threads).map(names).collect();
    let rows = rows(violation, window);
    let widths: Vec<usize> = (0..threads)
        .map(|column| {
            rows.iter()
                .map(|(cells, _)| cells[column].chars().count())
                .chain([headers[column].chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: &[String], mark: &str| {
        let body: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(text, &width)| format!("{text:<width$}"))
            .collect();
        format!("  {mark} {}\n", body.join(" │ ").trim_end())
    };
    let shown = rows.len();
    let table: Vec<String> =
        std::iter::once(line(&headers, " "))
            .chain(rows.iter().map(|(cells, is_unplaceable)| {
                line(cells, if *is_unplaceable { "✗" } else { " " })
            }))
            .collect();
    let too_wide = table
        .iter()
        .any(|line| line.trim_end().chars().count() > MAX_TABLE_COLUMNS);
    let mut text = headline(violation, shown, too_wide);
    if too_wide {
        text.push_str(&one_call_per_line(&headers, &rows));
    } else {
        for row in &table {
            text.push_str(row);
        }
    }
    text.push_str(&format!(
        "  closest sequential order: {}\n",
        closest_order(violation, names)
    ));
    text.push_str(&format!("  ✗ {}\n", unplaceable(violation, names)));
    text
}

/// The first line: how many events have no sequential order, and how the calls follow.
fn headline(violation: &Violation, shown: usize, too_wide: bool) -> String {
    format!(
        "not linearizable: the {} {} events ({} calls) have no sequential order{}{}\n",
        if violation.minimal {
            "first"
        } else {
            "whole history's"
        },
        violation.prefix_len,
        violation.operations.len(),
        if violation.minimal {
            ""
        } else {
            " (no shorter failing prefix was found within the search bound)"
        },
        match (shown < violation.operations.len(), too_wide) {
            (true, false) => format!("; the {shown} calls around the one that cannot be placed:"),
            (true, true) =>
                format!("; the {shown} calls around the one that cannot be placed, one per line:"),
            (false, true) => "; its calls, one per line:".to_string(),
            (false, false) => String::new(),
        }
    )
}

/// The calls of a table too wide to draw: one per line, in invocation order, its thread's name
/// first.
fn one_call_per_line(headers: &[String], rows: &[(Vec<String>, bool)]) -> String {
    let name_width = headers
        .iter()
        .map(|name| name.chars().count())
        .max()
        .unwrap_or(0);
    let mut text = String::new();
    for (cells, is_unplaceable) in rows {
        if let Some((thread, cell)) = cells.iter().enumerate().find(|(_, cell)| !cell.is_empty()) {
            let mark = if *is_unplaceable { "✗" } else { " " };
            text.push_str(&format!(
                "  {mark} {:<name_width$}  {cell}\n",
                headers[thread]
            ));
        }
    }
    text
}
