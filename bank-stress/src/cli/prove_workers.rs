//! `prove`'s worker processes: the variant's task list split into one slice per job, each slice
//! proven by a child process (`xtask prove-worker`, hidden) with its own shuttle runner, and the
//! slices' proofs combined ([`VariantProof::combine`]) into the variant's proof.
//!
//! Why processes and not threads: shuttle maps a coroutine stack for each task of a runner and
//! unmaps it when the runner ends or an execution is aborted (a deadlock caught by shuttle), and
//! an aborted execution leaks what its tasks owned. In one process, every unmap interrupts the
//! other worker threads' cores to flush their TLBs, and the leaks of a deadlocking variant stay
//! for the variants proven after it. Measured on this 2-core machine (BENCHMARKS.md §7):
//! `nested-locks` ran 109 k schedules/s on one thread, 86 k/s/core on two threads of one process,
//! and 110 k/s/core in two processes; `two-level` ran 117 k/s/core alone and 107 k/s/core after
//! two deadlocking variants in the same process.
//!
//! How the slices are chosen: the `--shard I/N` convention, one level down. Worker `j` of `J`
//! proves shard `(I − 1) + N·j + 1` of `N·J` (workload `k` belongs to it when
//! `k mod N·J = (I − 1) + N·j`); the workers' slices are disjoint and together are exactly
//! shard `I/N`'s (all workloads without `--shard`). Which workload is in which slice is fixed, so
//! the result does not depend on timing; the first counterexample of a finding is the one with
//! the lowest workload index over every slice, as in one process.
//!
//! The protocol: the parent writes a [`WorkerJob`] as JSON to the child's standard input; the
//! child writes `progress DONE TOTAL` lines while it works and one `proof JSON` line at the end
//! to its standard output, and exits 0. On an error it says why on standard error and exits 2.

use super::outcome::Outcome;
use crate::prove::{ProveOptions, Scope, VariantProof, plan, prove_variant};
use crate::shard::Shard;
use bank_core::Subject;
use std::io::{BufRead, BufReader, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStderr, ChildStdout, Command, Stdio};
use std::sync::Mutex;

/// What one worker process proves.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct WorkerJob {
    /// The catalog id of the variant.
    pub variant: String,
    /// The whole scope (its per-variant smaller scopes included).
    pub scope: Scope,
    /// The slice: shard `index` (0-based) of `count`.
    pub shard: [usize; 2],
    /// The most schedules per workload.
    pub schedule_cap: usize,
    /// Whether shuttle's own messages go to the terminal.
    pub verbose: bool,
}

/// Proves `variant` over `scope` (or over the workloads of `outer`, one shard of it) in `jobs`
/// worker processes (no more than it has workloads); `progress` is told (done, total) workloads
/// as they finish. If a worker fails, the others are stopped and its error is returned.
pub fn prove(
    variant: &Subject,
    scope: &Scope,
    outer: Option<Shard>,
    jobs: usize,
    schedule_cap: usize,
    verbose: bool,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<VariantProof, String> {
    let outer = outer.unwrap_or(Shard { index: 0, count: 1 });
    let (_, tasks) = plan(scope.parts_for(variant), variant.accounts_are_names);
    let owned = (0..tasks.len()).filter(|&task| outer.owns(task)).count();
    let jobs = jobs.min(owned.max(1));
    let executable = this_program()?;
    let split = Split {
        variant,
        scope,
        outer,
        jobs,
        schedule_cap,
        verbose,
    };
    let (workers, outputs) = split.start_workers(&executable)?;
    let slices = read_slices(&workers, outputs, verbose, progress)?;
    VariantProof::combine(slices)
}

/// How one variant's proof is split: into `jobs` slices of the shard `outer`, one per worker.
struct Split<'a> {
    variant: &'a Subject,
    scope: &'a Scope,
    outer: Shard,
    jobs: usize,
    schedule_cap: usize,
    verbose: bool,
}

impl Split<'_> {
    /// The job of worker `worker`: its slice, shard `(I − 1) + N·j + 1` of `N·J`.
    fn job(&self, worker: usize) -> WorkerJob {
        WorkerJob {
            variant: self.variant.id.to_string(),
            scope: self.scope.clone(),
            shard: [
                self.outer.index + self.outer.count * worker,
                self.outer.count * self.jobs,
            ],
            schedule_cap: self.schedule_cap,
            verbose: self.verbose,
        }
    }

    /// Starts one worker process per slice; if one cannot start, those already started are
    /// stopped and its error is returned.
    fn start_workers(&self, executable: &Path) -> Result<(Vec<Worker>, Vec<Output>), String> {
        let jobs = self.jobs;
        let mut workers = Vec::with_capacity(jobs);
        let mut outputs = Vec::with_capacity(jobs);
        for worker in 0..jobs {
            match Worker::start(executable, &self.job(worker)) {
                Ok((started, output)) => {
                    workers.push(started);
                    outputs.push(output);
                }
                Err(error) => {
                    for started in &workers {
                        started.kill();
                    }
                    return Err(format!("prove worker {} of {jobs}: {error}", worker + 1));
                }
            }
        }
        Ok((workers, outputs))
    }
}

/// Reads every worker's slice, adding up their progress for `progress`; the first failure
/// stops the other workers and is the error returned.
fn read_slices(
    workers: &[Worker],
    outputs: Vec<Output>,
    verbose: bool,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<Vec<VariantProof>, String> {
    let jobs = workers.len();
    let counts = Mutex::new(vec![(0, 0); jobs]);
    let report_progress = |worker: usize, done: usize, total: usize| {
        let mut counts = lock(&counts);
        counts[worker] = (done, total);
        // Every worker reports its first workload at once (one that owns none never reports).
        let (done, total) = counts
            .iter()
            .fold((0, 0), |(d, t), &(done, total)| (d + done, t + total));
        progress(done, total);
    };
    // The first failure stops the other workers (whose own "killed" is then no news).
    let first_failure: Mutex<Option<String>> = Mutex::new(None);
    let fail = |worker: usize, error: String| {
        let mut first = lock(&first_failure);
        if first.is_none() {
            *first = Some(format!("prove worker {} of {jobs}: {error}", worker + 1));
            for other in workers {
                other.kill();
            }
        }
    };
    let slices = read_in_threads(workers, outputs, verbose, &report_progress, &fail);
    if let Some(failure) = first_failure
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
    {
        return Err(failure);
    }
    let slices: Option<Vec<VariantProof>> = slices.into_iter().collect();
    slices.ok_or_else(|| "a prove worker's reader thread panicked".to_string())
}

/// Reads each worker's output on a thread of its own, so that every worker runs at once; a
/// slice is `None` where its worker failed (and `fail` was told why) or its thread panicked.
fn read_in_threads(
    workers: &[Worker],
    outputs: Vec<Output>,
    verbose: bool,
    report_progress: &(impl Fn(usize, usize, usize) + Sync),
    fail: &(impl Fn(usize, String) + Sync),
) -> Vec<Option<VariantProof>> {
    std::thread::scope(|threads| {
        let handles: Vec<_> = workers
            .iter()
            .zip(outputs)
            .enumerate()
            .map(|(worker, (this, output))| {
                threads.spawn(move || {
                    this.finish(output, verbose, |done, total| {
                        report_progress(worker, done, total)
                    })
                    .map_err(|error| fail(worker, error))
                    .ok()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| handle.join().ok().flatten())
            .collect()
    })
}

/// This very program, to start the workers with: on Linux `/proc/self/exe`, which stays the
/// running binary even if a build replaces the file meanwhile.
fn this_program() -> Result<PathBuf, String> {
    let own = Path::new("/proc/self/exe");
    if own.exists() {
        return Ok(own.to_path_buf());
    }
    std::env::current_exe()
        .map_err(|error| format!("cannot find this program to start prove workers: {error}"))
}

/// A started worker process. Any thread may stop it while another reads its [`Output`].
struct Worker {
    child: Mutex<Child>,
}

/// What a worker process writes: the protocol's lines, and (unless `--verbose`) its errors.
struct Output {
    stdout: Option<ChildStdout>,
    stderr: Option<ChildStderr>,
}

impl Worker {
    /// Starts a worker process on `job`.
    fn start(executable: &Path, job: &WorkerJob) -> Result<(Self, Output), String> {
        let mut command = Command::new(executable);
        #[cfg(unix)]
        {
            // Shown by `ps` and `top` instead of `/proc/self/exe`.
            use std::os::unix::process::CommandExt;
            command.arg0(std::env::args_os().next().unwrap_or_else(|| "xtask".into()));
        }
        let mut child = command
            .arg("prove-worker")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(if job.verbose {
                Stdio::inherit()
            } else {
                Stdio::piped()
            })
            .spawn()
            .map_err(|error| format!("cannot start {}: {error}", executable.display()))?;
        let text = serde_json::to_string(job).map_err(|error| error.to_string())?;
        if let Some(mut stdin) = child.stdin.take() {
            // A child that died at once shows up in its exit status.
            let _ = stdin.write_all(text.as_bytes());
        }
        let output = Output {
            stdout: child.stdout.take(),
            stderr: child.stderr.take(),
        };
        Ok((
            Self {
                child: Mutex::new(child),
            },
            output,
        ))
    }

    /// Stops the worker (nothing if it has ended already).
    fn kill(&self) {
        let _ = lock(&self.child).kill();
    }

    /// Reads the worker's output until it ends, and returns its proof.
    fn finish(
        &self,
        output: Output,
        verbose: bool,
        progress: impl Fn(usize, usize),
    ) -> Result<VariantProof, String> {
        // Standard error is read on its own thread, so that a child writing much there never
        // blocks.
        let stderr = output.stderr;
        let errors = std::thread::spawn(move || {
            let mut text = String::new();
            if let Some(mut stderr) = stderr {
                let _ = stderr.read_to_string(&mut text);
            }
            text
        });
        let mut proof = Err("without writing its proof".to_string());
        if let Some(stdout) = output.stdout {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else {
                    proof = Err("after writing output that is not text".into());
                    self.kill();
                    break;
                };
                if let Some(counts) = line.strip_prefix("progress ") {
                    let mut numbers = counts.split(' ').filter_map(|n| n.parse::<usize>().ok());
                    if let (Some(done), Some(total)) = (numbers.next(), numbers.next()) {
                        progress(done, total);
                    }
                } else if let Some(json) = line.strip_prefix("proof ") {
                    proof = serde_json::from_str::<VariantProof>(json).map_err(|error| {
                        format!("after writing a proof that is not readable ({error})")
                    });
                }
            }
        }
        // Its output has ended, so the child has ended or is ending: the wait is short, and a
        // kill from another thread never waits long for this lock.
        let status = lock(&self.child)
            .wait()
            .map_err(|error| format!("cannot wait for it: {error}"))?;
        let errors = errors.join().unwrap_or_default();
        match proof {
            Ok(proof) if status.success() => Ok(proof),
            Ok(_) => Err(format!("it ended ({status}) after writing its proof")),
            Err(why) => {
                let said = errors
                    .lines()
                    .rev()
                    .find(|line| !line.trim().is_empty())
                    .map(str::to_string)
                    .unwrap_or_else(|| {
                        if verbose {
                            "its messages are above".to_string()
                        } else {
                            "no message".to_string()
                        }
                    });
                Err(format!("it ended ({status}) {why}: {said}"))
            }
        }
    }
}

/// Locks a mutex, ignoring poisoning (nothing here is left half-written by a panic).
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// The hidden `prove-worker` command: reads a [`WorkerJob`] on standard input, proves it on this
/// thread, and writes the protocol's lines on standard output.
pub fn run_worker() -> Result<Outcome, String> {
    const STARTED_BY: &str =
        "prove-worker is started by `cargo xtask prove`, with a job on standard input";
    if std::io::stdin().is_terminal() {
        return Err(STARTED_BY.into());
    }
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .map_err(|error| format!("cannot read the job: {error}"))?;
    let job: WorkerJob =
        serde_json::from_str(&text).map_err(|error| format!("{STARTED_BY}: {error}"))?;
    let variant = super::context::subjects()
        .find(&job.variant)
        .ok_or_else(|| format!("unknown variant '{}'", job.variant))?;
    let [index, count] = job.shard;
    if count == 0 || index >= count {
        return Err(format!("shard {index} of {count} does not exist"));
    }
    let stdout = Mutex::new(std::io::stdout());
    let write = |line: String| {
        let mut stdout = stdout.lock().unwrap_or_else(|e| e.into_inner());
        if writeln!(stdout, "{line}")
            .and_then(|()| stdout.flush())
            .is_err()
        {
            // The parent is gone (killed, or its pipe closed): nobody will read the proof.
            std::process::exit(2);
        }
    };
    let progress = |done: usize, total: usize| {
        if done.is_multiple_of(64) || done == total || done == 1 {
            write(format!("progress {done} {total}"));
        }
    };
    let options = ProveOptions {
        jobs: 1,
        shard: Some(Shard { index, count }),
        schedule_cap: job.schedule_cap,
        progress: Some(&progress),
    };
    // Shuttle prints two lines for every deadlock it reports; the checker records them.
    let quiet = if job.verbose {
        None
    } else {
        gag::Gag::stderr().ok()
    };
    // A panic that escapes the checker is a bug; its message would go to the silenced stderr,
    // so it is caught and returned, and the parent shows it.
    let proof = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        prove_variant(variant, &job.scope, &options)
    }));
    drop(quiet);
    let proof = match proof {
        Ok(proof) => proof.map_err(|error| error.to_string())?,
        Err(payload) => {
            let message = payload
                .downcast_ref::<&str>()
                .map(|text| text.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic without a message".into());
            return Err(format!("the proof panicked: {message}"));
        }
    };
    let json = serde_json::to_string(&proof).map_err(|error| error.to_string())?;
    write(format!("proof {json}"));
    Ok(Outcome::Agrees)
}
