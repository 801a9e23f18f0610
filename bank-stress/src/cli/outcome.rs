//! How a command ended, and the process's exit code for each ending (documented in the module
//! doc of [`super`] and in the README).

/// Everything agrees with the stated expectations.
pub const EXIT_OK: u8 = 0;
/// A verdict contradicts an expectation, a bank panicked, or a replayed violation reproduced.
pub const EXIT_FINDING: u8 = 1;
/// Bad usage or input: the message says which flag or file.
pub const EXIT_USAGE: u8 = 2;
/// `replay`: the bank no longer follows the recorded schedule.
pub const EXIT_DIVERGED: u8 = 3;
/// `replay`: it failed, but not as recorded.
pub const EXIT_FAILED_DIFFERENTLY: u8 = 4;
/// `stress`: interrupted by Ctrl-C (128 + SIGINT, as a shell reports a process it interrupted).
pub const EXIT_INTERRUPTED: u8 = 130;

/// How a command ended.
pub enum Outcome {
    /// Nothing contradicts an expectation.
    Agrees,
    /// Something does (or a violation reproduced).
    Finding,
    /// A replayed schedule no longer fits the bank.
    Diverged,
    /// A replay failed with another failure than the recorded one.
    FailedDifferently,
    /// Interrupted by Ctrl-C; what finished was reported.
    Interrupted,
}
