//! Colour for the few words a reader scans for: green for what agrees with the catalog, red for
//! what contradicts it or failed, yellow for what proves nothing either way. The styles are
//! written as ANSI codes into the text; `output.rs` prints through `anstream`, which strips them
//! when stdout is not a terminal, when `NO_COLOR` is set, or under `--color never`, and keeps them
//! under `--color always` (the same rules clap applies to its own help and errors).

use anstyle::{AnsiColor, Style};

const GOOD: Style = AnsiColor::Green.on_default();
const BAD: Style = AnsiColor::Red.on_default().bold();
const UNSURE: Style = AnsiColor::Yellow.on_default();

fn paint(style: Style, text: &str) -> String {
    format!("{}{text}{}", style.render(), style.render_reset())
}

/// Agrees with the catalog (`ok`, `PASS`, `proven`).
pub fn good(text: &str) -> String {
    paint(GOOD, text)
}

/// Contradicts the catalog or failed (`FAIL`, `CONTRADICTS`, `REPRODUCED`).
pub fn bad(text: &str) -> String {
    paint(BAD, text)
}

/// Proves nothing either way (`not found`, `not observed`, `cut short`).
pub fn unsure(text: &str) -> String {
    paint(UNSURE, text)
}
