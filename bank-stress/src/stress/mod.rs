//! Real-thread stress campaigns: the lecture's experiment on OS threads (the `OsThreads`
//! runtime), fast, and never hanging.
//!
//! Real threads cannot force a schedule, so a break the catalog expects but a run did not happen
//! to show is "not observed", not a failure; a break of an invariant expected to hold is.
//!
//! - `preset.rs`: the campaign sizes (`seed` is exactly the lecture's workload).
//! - `campaign.rs`: which runs a campaign (or one shard of it) makes, in order.
//! - `run_spec.rs`: what one run is, before it runs; `run.rs`: one run of one variant; `worker.rs` one of its threads; `watchdog.rs` the main
//!   thread's watch over them (deadlocks, the time bound, Ctrl-C), which never waits for ever.
//! - `history_check.rs`: each run's history of calls and results, checked for linearizability.
//! - `report.rs`: per-run records and per-variant summaries; `merge.rs`: shard reports merged
//!   into the whole campaign's.
//! - `detection.rs`: detection rates over several campaigns (`cargo xtask detection`).
//! - `course_timing.rs`: the course's CPython timings, and each variant's wall times against them.
//! - `html.rs`: the self-contained HTML report (markup written with `maud`).
//! - `charts.rs`: its SVG charts, drawn with `plotters`.
//! - `numbers.rs`: numbers with their thousands grouped, as the report prints them.

mod campaign;
mod charts;
mod course_timing;
mod detection;
mod history_check;
pub(crate) mod html;
mod merge;
mod numbers;
mod preset;
mod report;
mod run;
mod run_spec;
mod watchdog;
mod worker;

pub use crate::shard::Shard;
pub use campaign::{Campaign, Interrupted, Ran, RunEvent};
pub use course_timing::{
    CPYTHON_UNSAFE_INCONSISTENT_PER_SECOND, SeedTiming, cpython_seconds, seed_timings,
};
pub use detection::{DetectionRow, detection_rows};
pub use history_check::{CALLS_PER_WORKER, HistoryCheck, HistoryVerdict, check_run_history};
pub use html::{CounterexampleSection, render as render_html, render_with as render_html_with};
pub use merge::merge;
pub use preset::Preset;
pub use report::{
    AuditSample, CampaignReport, DeadlockReport, Observed, RunOutcome, RunRecord, VariantSummary,
};
pub use run::{RecordedHistory, run_once, run_recorded};
pub use run_spec::{RunError, RunSpec};
