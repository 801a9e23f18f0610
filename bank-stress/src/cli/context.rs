//! What the process's commands work on (its subjects) and how it is run again (its invocation),
//! set once per process by [`super::Program::new`]. Global because clap looks a `--variant` up
//! among the subjects while it parses, before any command has been given them.

use bank_core::Subjects;
use std::sync::OnceLock;

/// What the process's commands work on: set once, by [`super::main`] or [`super::Program::new`],
/// before any flag is parsed (a `--variant` is looked up among these subjects while clap parses it).
struct Context {
    subjects: Subjects,
    /// How a user runs this program again, in the commands it prints (`cargo xtask`).
    invocation: &'static str,
}

static CONTEXT: OnceLock<Context> = OnceLock::new();

/// The subjects the commands work on (the catalog until a program says otherwise).
pub fn subjects() -> Subjects {
    CONTEXT
        .get()
        .map_or(bank_core::catalog::SUBJECTS, |context| context.subjects)
}

/// How the program is run again, in the replay commands it prints.
pub fn invocation() -> &'static str {
    CONTEXT
        .get()
        .map_or("cargo xtask", |context| context.invocation)
}

/// Sets the subjects and the invocation, once per process.
pub(super) fn set(subjects: Subjects, invocation: &'static str) -> Result<(), String> {
    CONTEXT
        .set(Context {
            subjects,
            invocation,
        })
        .map_err(|_| "the command line was set up twice in one process".to_string())
}
