//! What one real-thread run is, before it runs: its bank, workload, seed, noise and bounds
//! ([`RunSpec`]), the progress counter it feeds, its workers' names, and why it could not start.

use bank_core::runtime::Noise;
use bank_core::{Subject, WorkloadShape};
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

/// One run to make.
#[derive(Debug, Clone)]
pub struct RunSpec {
    /// The variant.
    pub variant: &'static Subject,
    /// The run's number within the variant.
    pub run: usize,
    /// The workload seed (campaign seed + run number).
    pub seed: u64,
    /// The workload.
    pub shape: WorkloadShape,
    /// The lesson's yield between debit and credit.
    pub yield_between_debit_and_credit: bool,
    /// Stop the run on purpose after this long (soak), if set.
    pub duration: Option<Duration>,
    /// Stop the run after `duration` plus this, and call it cut short.
    pub time_bound: Duration,
    /// Schedule noise in every worker.
    pub noise: Noise,
}

/// Progress shared with whoever draws it: transfers done so far, over all threads.
pub type Progress = Arc<AtomicU64>;

/// Why a run could not be made at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunError {
    /// The variant refused the workload's balances.
    Open(String),
    /// The OS refused to start a worker thread.
    Spawn(String),
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Open(why) => write!(f, "the bank refused the workload: {why}"),
            Self::Spawn(why) => write!(f, "could not start a worker thread: {why}"),
        }
    }
}

impl std::error::Error for RunError {}

/// A worker's thread name: the variant and the worker's index.
pub(super) fn worker_name(spec: &RunSpec, index: usize) -> String {
    crate::thread_names::os_worker(spec.variant.id, index)
}
