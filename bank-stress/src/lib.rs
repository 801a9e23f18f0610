//! bank-stress: the checker that proves the catalog's verdicts.
//!
//! - [`checker`]: explores a workload's schedules under shuttle (random, PCT, DFS, portfolio)
//!   against any `Bank`, and returns a report with minimal, replayable counterexamples.
//! - [`workloads`]: the checker's default workloads and the proptest strategies that generate
//!   small workloads to explore and shrink.
//! - [`files`]: output files checked before the work and written atomically.
//! - [`persist`]: counterexamples written to and read from replay files under `target/`.
//! - [`linearizability`]: histories of calls and results, and whether one is linearizable
//!   against the sequential bank (with the minimal prefix that is not).
//! - [`matrix`]: every catalog variant checked against its expected verdict.
//! - [`prove`]: every workload of a scope, every schedule (or every schedule with ≤ P
//!   preemptions), on every core: `proven`, `breaks` or `not found` per invariant.
//! - [`own_bank`]: any bank checked in one call (`assert_bank`, `BankCheck`), and its replays.
//! - [`stress`]: real-thread campaigns with a deadlock watchdog, presets and sharding.
//! - [`cli`]: the command line (`list`, `explore`, `prove`, `replay`, `stress`, `merge`,
//!   `detection`) for any set of subjects: `cargo xtask` on the catalog, `cli::main` on yours.

pub mod checker;
pub mod cli;
pub mod files;
pub mod linearizability;
pub mod matrix;
pub mod own_bank;
pub mod persist;
pub mod prove;
pub mod stress;
pub mod workloads;
