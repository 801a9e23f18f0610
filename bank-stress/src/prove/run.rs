//! Running a proof: the task list (every kept workload of every part, once), and the workers
//! that explore it, one shuttle runner per worker thread.
//!
//! Parallelism: shuttle runs an execution on the calling OS thread (its tasks are coroutines),
//! and the checker keeps its state per thread, so `jobs` OS threads each take the next workload
//! from a shared counter and explore it with their own runner. Which worker explores which
//! workload varies; what is reported does not (results are folded in task order, and the first
//! counterexample of each finding is the one with the lowest workload index).
//!
//! Sharding: task `k` belongs to shard `k mod N + 1`, as a stress campaign's run `k` does.

use super::report::{PartEvidence, VariantProof, record};
use super::scope::{Scope, ScopePart};
use super::symmetry::is_representative;
use crate::checker::{self, Budget, CheckError, CheckReport, Strategy};
use crate::shard::Shard;
use bank_core::{Bank, Money, Workload};
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// How to run a proof.
#[derive(Clone, Copy)]
pub struct ProveOptions<'a> {
    /// Worker threads (at least 1).
    pub jobs: usize,
    /// Only this shard's workloads.
    pub shard: Option<Shard>,
    /// The most schedules to explore per workload; a workload with more is reported unfinished
    /// ("not found", never "proven").
    pub schedule_cap: usize,
    /// Called after each workload with (done, total) for this variant.
    pub progress: Option<&'a (dyn Fn(usize, usize) + Sync)>,
}

impl ProveOptions<'_> {
    /// Every core of the machine, no shard, a cap of 5,000,000 schedules per workload.
    pub fn new() -> Self {
        Self {
            jobs: std::thread::available_parallelism().map_or(1, usize::from),
            shard: None,
            schedule_cap: 5_000_000,
            progress: None,
        }
    }
}

impl Default for ProveOptions<'_> {
    fn default() -> Self {
        Self::new()
    }
}

/// One workload to explore, and how far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task {
    /// The scope part it belongs to.
    pub part: usize,
    /// The workload.
    pub workload: Workload,
    /// Its schedule bound (`None`: every schedule).
    pub preemptions: Option<usize>,
}

/// Whether exploring with bound `earlier` covers exploring with bound `later`.
fn covers(earlier: Option<usize>, later: Option<usize>) -> bool {
    match (earlier, later) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some(a), Some(b)) => a >= b,
    }
}

/// Every part's evidence (counts only) and the task list: each part's representatives, minus
/// those an earlier part already explores at least as far.
pub fn plan(scope: &[ScopePart], accounts_are_names: bool) -> (Vec<PartEvidence>, Vec<Task>) {
    let mut explored: HashMap<Workload, Option<usize>> = HashMap::new();
    let mut parts = Vec::new();
    let mut tasks = Vec::new();
    for (index, part) in scope.iter().enumerate() {
        let kept: Vec<Workload> = part
            .workloads(false)
            .into_iter()
            .filter(|workload| is_representative(workload, accounts_are_names))
            .collect();
        let mut covered = 0;
        for workload in &kept {
            match explored.get(workload) {
                Some(&earlier) if covers(earlier, part.preemptions) => covered += 1,
                _ => {
                    explored.insert(workload.clone(), part.preemptions);
                    tasks.push(Task {
                        part: index,
                        workload: workload.clone(),
                        preemptions: part.preemptions,
                    });
                }
            }
        }
        parts.push(PartEvidence {
            part: part.clone(),
            // A validated part has at most 10,000,000.
            raw_workloads: part.raw_count().unwrap_or(u128::MAX),
            workloads: kept.len(),
            covered_by_earlier_part: covered,
            run: 0,
            exhausted: 0,
            unfinished: 0,
            schedules: 0,
            seconds: 0.0,
        });
    }
    (parts, tasks)
}

/// The strategy that explores a task's schedules.
fn strategy(preemptions: Option<usize>) -> Strategy {
    Strategy::PreemptionBounded { preemptions }
}

/// Proves `scope` for the bank `open` builds (on shuttle's runtime), named `name`.
/// `accounts_are_names` allows renaming accounts in the reduction: assert it only for a bank that
/// uses account numbers as names (see `symmetry.rs`).
pub fn prove_bank<B, F>(
    name: &str,
    open: F,
    accounts_are_names: bool,
    scope: &Scope,
    options: &ProveOptions<'_>,
) -> Result<VariantProof, CheckError>
where
    B: Bank + 'static,
    F: Fn(&[Money]) -> B + Clone + Send + Sync + 'static,
{
    // A bank's name is only a name: the scope's own parts, whatever it is called (a catalog
    // variant's smaller parts are chosen by `prove_variant`, from the catalog entry).
    prove_parts(name, open, accounts_are_names, &scope.parts, options)
}

/// [`prove_bank`] over these parts.
pub(crate) fn prove_parts<B, F>(
    name: &str,
    open: F,
    accounts_are_names: bool,
    scope: &[ScopePart],
    options: &ProveOptions<'_>,
) -> Result<VariantProof, CheckError>
where
    B: Bank + 'static,
    F: Fn(&[Money]) -> B + Clone + Send + Sync + 'static,
{
    validate(scope, options)?;
    let (mut parts, tasks) = plan(scope, accounts_are_names);
    let owned: Vec<usize> = (0..tasks.len())
        .filter(|&index| options.shard.is_none_or(|shard| shard.owns(index)))
        .collect();
    let results = run_tasks(&open, &tasks, &owned, options)?;
    let mut proof = VariantProof {
        variant: name.to_string(),
        accounts_are_names,
        parts: Vec::new(),
        tasks_fingerprint: crate::workloads::fnv1a(format!("{tasks:?}").as_bytes()),
        first: Default::default(),
        minimal: Default::default(),
    };
    for (index, report) in results {
        let evidence = &mut parts[tasks[index].part];
        evidence.run += 1;
        if report.exhaustive() {
            evidence.exhausted += 1;
        }
        evidence.unfinished += report.runs.iter().map(|run| run.unfinished).sum::<usize>();
        evidence.schedules += report.schedules() as u64;
        evidence.seconds += report.elapsed().as_secs_f64();
        for found in report.findings() {
            record(&mut proof, index, found.clone());
        }
    }
    proof.parts = parts;
    Ok(proof)
}

/// Refuses a scope that proves nothing (no part, or a part with no workload) and options that
/// run nothing, before any work.
fn validate(scope: &[ScopePart], options: &ProveOptions<'_>) -> Result<(), CheckError> {
    if scope.is_empty() {
        // Nothing explored proves nothing.
        return Err(CheckError::InvalidScope("it has no part".into()));
    }
    for part in scope {
        part.validate().map_err(CheckError::InvalidScope)?;
    }
    if options.jobs == 0 || options.schedule_cap == 0 {
        return Err(CheckError::InvalidBudget(
            "jobs and the schedule cap must be at least 1".into(),
        ));
    }
    Ok(())
}

/// Checks the `owned` tasks on `options.jobs` threads, each taking the next task until none is
/// left; the reports in task order, or the first error.
fn run_tasks<B, F>(
    open: &F,
    tasks: &[Task],
    owned: &[usize],
    options: &ProveOptions<'_>,
) -> Result<Vec<(usize, CheckReport)>, CheckError>
where
    B: Bank + 'static,
    F: Fn(&[Money]) -> B + Clone + Send + Sync + 'static,
{
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let results: Mutex<Vec<(usize, CheckReport)>> = Mutex::new(Vec::with_capacity(owned.len()));
    let failure: Mutex<Option<CheckError>> = Mutex::new(None);
    std::thread::scope(|threads| {
        for _ in 0..options.jobs.min(owned.len().max(1)) {
            threads.spawn(|| {
                loop {
                    let slot = next.fetch_add(1, Ordering::Relaxed);
                    let Some(&index) = owned.get(slot) else { break };
                    let task = &tasks[index];
                    let budget =
                        Budget::single(strategy(task.preemptions), options.schedule_cap, 0);
                    match checker::check(open.clone(), &task.workload, &budget) {
                        Ok(report) => lock(&results).push((index, report)),
                        Err(error) => {
                            lock(&failure).get_or_insert(error);
                            break;
                        }
                    }
                    let finished = done.fetch_add(1, Ordering::Relaxed) + 1;
                    if let Some(progress) = options.progress {
                        progress(finished, owned.len());
                    }
                }
            });
        }
    });
    if let Some(error) = failure.into_inner().unwrap_or_else(|e| e.into_inner()) {
        return Err(error);
    }
    let mut results = results.into_inner().unwrap_or_else(|e| e.into_inner());
    results.sort_by_key(|(index, _)| *index);
    Ok(results)
}

/// Locks a mutex, ignoring poisoning (a worker that panicked has nothing half-written here).
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}
