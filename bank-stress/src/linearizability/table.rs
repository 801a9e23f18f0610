//! A violation as people read it, lincheck-style: the minimal prefix as a table with one column
//! per thread and one row per call (the events each call spans, so overlapping calls are
//! visible), then the closest sequential order the search found and the call it could not place.

use super::history::Operation;
use super::search::Violation;
use crate::checker::thread_name;

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

/// `worker-0's 0→1 $1`
fn name(operation: &Operation) -> String {
    format!("{}'s {}", thread_name(operation.thread), operation.call)
}

/// The rows of the table: per call in invocation order, the cell in its thread's column, and
/// whether it is the call that cannot be placed.
pub fn rows(violation: &Violation) -> Vec<(Vec<String>, bool)> {
    let threads = thread_count(violation);
    violation
        .operations
        .iter()
        .enumerate()
        .map(|(index, operation)| {
            let mut cells = vec![String::new(); threads];
            cells[operation.thread] = cell(operation);
            (cells, index == violation.unplaceable)
        })
        .collect()
}

/// The closest order as text: `worker-1's 0→1 $1, then worker-0's audit`, or `(none)`.
pub fn closest_order(violation: &Violation) -> String {
    if violation.closest_order.is_empty() {
        return "(no call could be placed first)".to_string();
    }
    violation
        .closest_order
        .iter()
        .map(|&index| name(&violation.operations[index]))
        .collect::<Vec<_>>()
        .join(", then ")
}

/// The sentence about the call that cannot be placed.
pub fn unplaceable(violation: &Violation) -> String {
    let operation = &violation.operations[violation.unplaceable];
    let answered = operation
        .outcome
        .as_ref()
        .map_or_else(|| "nothing".to_string(), ToString::to_string);
    format!(
        "{} answered {answered}, but no order of the calls that respects real time gives that: \
         after the closest order, the sequential bank answers {}",
        name(operation),
        violation.sequential_outcome
    )
}

/// The whole explanation, for the terminal.
pub fn render_text(violation: &Violation) -> String {
    let threads = thread_count(violation);
    let headers: Vec<String> = (0..threads).map(thread_name).collect();
    let rows = rows(violation);
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
    let mut text = format!(
        "not linearizable: the first {} events have no sequential order\n",
        violation.prefix_len
    );
    text.push_str(&line(&headers, " "));
    for (cells, is_unplaceable) in &rows {
        text.push_str(&line(cells, if *is_unplaceable { "✗" } else { " " }));
    }
    text.push_str(&format!(
        "  closest sequential order: {}\n",
        closest_order(violation)
    ));
    text.push_str(&format!("  ✗ {}\n", unplaceable(violation)));
    text
}
