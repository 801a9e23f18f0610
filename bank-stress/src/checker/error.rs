//! Why a check could not run at all: a typed error, because callers branch on its kind (an
//! unusable workload is the user's input; an I/O error is the machine's).

use std::fmt;

/// Why a check could not run at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckError {
    /// The workload is unusable (fewer than two accounts, a negative balance, no thread).
    InvalidWorkload(String),
    /// A proof's scope is unusable: it has no part, or a part holds no workload.
    InvalidScope(String),
    /// A recorded schedule does not parse.
    InvalidSchedule(String),
    /// The budget is unusable (no strategy, zero iterations).
    InvalidBudget(String),
    /// `SHUTTLE_RANDOM_SEED` is set: shuttle would silently replace every seed, and the report's
    /// seeds would be wrong.
    SeedOverriddenByEnvironment,
    /// A file could not be written.
    Io(String),
}

impl fmt::Display for CheckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidWorkload(why) => write!(f, "invalid workload: {why}"),
            Self::InvalidBudget(why) => write!(f, "invalid budget: {why}"),
            Self::InvalidSchedule(why) => write!(f, "invalid schedule: {why}"),
            Self::InvalidScope(why) => write!(f, "invalid scope: {why}"),
            Self::SeedOverriddenByEnvironment => {
                f.write_str("SHUTTLE_RANDOM_SEED is set and would override every seed; unset it")
            }
            Self::Io(why) => f.write_str(why),
        }
    }
}

impl std::error::Error for CheckError {}
