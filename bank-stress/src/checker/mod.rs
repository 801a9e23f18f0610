//! The shuttle checker: explores a workload's schedules against any [`Bank`] and returns a
//! [`CheckReport`] value. No panic crosses this API: shuttle reports a deadlock by panicking, and
//! the checker catches it, records the deadlock as a counterexample, and resumes exploring with
//! the same scheduler.
//!
//! - `explore.rs`: [`check`]: every strategy of a budget in turn, each running executions until
//!   its budget is spent, it runs out of schedules, or nothing is left to find.
//! - `findings.rs`: the first counterexample of each invariant, and how an execution's
//!   observations (or its abort) become findings.
//! - `abort.rs`: the settings shuttle runs with, and its abort message read as a deadlock, a
//!   livelock or the bank's panic.
//! - `validation.rs`: what is refused before anything runs; `error.rs`: [`CheckError`].
//! - `schedule.rs`: a recorded schedule and its text form.
//! - `recorder.rs`: the scheduler wrapper that records decisions and counts executions.
//! - `execution.rs`: one execution of a workload, and what it observed.
//! - `fair.rs`: the fairness wrapper every strategy runs under (a thread that yields gives way).
//! - `preemption_bounded.rs`: DFS over every schedule with at most P preemptions.
//! - `strategy.rs`: strategies and budgets, and the one method that builds a scheduler.
//! - `report.rs`: findings, verdicts and the report.
//! - `replay.rs`: replaying one counterexample's schedule.
//! - `timeline.rs`: a replayed counterexample's trace as a table, one column per thread.
//! - `quiet_panics.rs`: no panic hook output for the panics exploration expects and catches.

mod abort;
mod error;
mod execution;
mod explore;
mod fair;
mod findings;
mod preemption_bounded;
mod quiet_panics;
mod recorder;
mod replay;
mod report;
mod schedule;
mod strategy;
mod timeline;
mod validation;

pub use abort::STEP_BOUND;
pub(crate) use abort::panic_message;
pub use error::CheckError;
pub use execution::{ObservationSink, Observations};
pub use explore::{check, check_workloads, drain_from_the_start};
pub use fair::Fair;
pub use preemption_bounded::PreemptionBounded;
pub use replay::{ReplayOutcome, replay, replay_with_trace};
pub use report::{Anomaly, CheckReport, Counterexample, Finding, Shown, StrategyRun};
pub use schedule::RecordedSchedule;
pub use strategy::{Budget, CHOICES, Strategy, StrategyChoice};
pub use timeline::{TIMELINE_CSS, timeline, timeline_html, timeline_table_html, waits_for};
pub(crate) use validation::validate_workload;
