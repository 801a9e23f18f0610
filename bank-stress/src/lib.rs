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
//! - [`shard`]: `--shard I/N`, one deterministic slice of a campaign's runs or a proof's tasks.
//! - [`stress`]: real-thread campaigns with a deadlock watchdog, presets and sharding.
//! - [`page_marks`]: the marks our HTML pages carry, so none replaces a page it should not.
//! - [`thread_names`]: the names threads go by in every report.
//! - [`cli`]: the command line (`list`, `explore`, `prove`, `replay`, `stress`, `merge`,
//!   `detection`) for any set of subjects: `cargo xtask` on the catalog, `cli::main` on yours.

pub mod checker;
pub mod cli;
pub mod files;
pub mod linearizability;
pub mod matrix;
pub mod own_bank;
pub mod page_marks;
pub mod persist;
pub mod prove;
pub mod shard;
pub mod stress;
pub mod thread_names;
pub mod workloads;
