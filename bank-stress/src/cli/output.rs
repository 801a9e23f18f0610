//! Printing that survives a closed pipe. `cargo xtask stress | head -2` closes stdout after two
//! lines; `println!` would then panic and the campaign's `--json` would never be written. These
//! macros stop printing quietly once stdout is gone, and the command carries on to the end.
//!
//! They print through `anstream`, which keeps the colours of `style.rs` on a terminal and strips
//! them when stdout is a pipe or a file, when `NO_COLOR` is set, or under `--color never`
//! (`--color always` keeps them everywhere; `cli/mod.rs` sets the choice once).

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

/// Set once a write to stdout failed: nobody is reading any more.
static CLOSED: AtomicBool = AtomicBool::new(false);

/// Writes `text` (and a newline) to stdout, unless stdout is already known to be closed.
pub fn write(text: std::fmt::Arguments<'_>, newline: bool) {
    if CLOSED.load(Ordering::Relaxed) {
        return;
    }
    let mut stdout = anstream::stdout().lock();
    let written = stdout
        .write_fmt(text)
        .and_then(|()| {
            if newline {
                stdout.write_all(b"\n")
            } else {
                Ok(())
            }
        })
        .and_then(|()| if newline { stdout.flush() } else { Ok(()) });
    if written.is_err() {
        CLOSED.store(true, Ordering::Relaxed);
    }
}

/// `println!` that stops quietly on a closed stdout.
#[macro_export]
macro_rules! outln {
    () => {
        $crate::cli::output::write(format_args!(""), true)
    };
    ($($arg:tt)*) => {
        $crate::cli::output::write(format_args!($($arg)*), true)
    };
}

/// `print!` that stops quietly on a closed stdout.
#[macro_export]
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::cli::output::write(format_args!($($arg)*), false)
    };
}
