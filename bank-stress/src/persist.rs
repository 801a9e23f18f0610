//! Replay files: every counterexample persisted as JSON (variant, invariant, workload, strategy,
//! seed, schedule) under `target/bank-stress/replays/`, and read back by `cargo xtask replay`.

use crate::checker::Counterexample;
use std::path::{Path, PathBuf};

/// What a replay file holds.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ReplayFile {
    /// The catalog id of the variant it was found in.
    pub variant: String,
    /// The counterexample (workload, strategy, seed, iteration, schedule, anomaly).
    pub counterexample: Counterexample,
}

/// `target/bank-stress/replays` under the workspace's target directory (`CARGO_TARGET_DIR` when
/// set).
pub fn default_replay_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"));
    target.join("bank-stress").join("replays")
}

/// The workspace's root: the parent of this crate's manifest directory.
fn workspace_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

/// Writes the counterexample to `dir/<variant>-<finding>-<hash>.json` and returns the path. The
/// hash is of the workload and schedule, so two different counterexamples never share a name
/// (another seed, another shard) and the same one always gets the same name.
pub fn save(
    dir: &Path,
    variant: &str,
    counterexample: &Counterexample,
) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let hash = crate::workloads::fnv1a(
        format!("{:?} {}", counterexample.workload, counterexample.schedule).as_bytes(),
    );
    let path = dir.join(format!(
        "{variant}-{}-{:08x}.json",
        counterexample.finding.key(),
        hash >> 32
    ));
    let file = ReplayFile {
        variant: variant.to_string(),
        counterexample: counterexample.clone(),
    };
    let text = serde_json::to_string_pretty(&file).map_err(std::io::Error::other)?;
    crate::files::write_atomically(&path, (text + "\n").as_bytes())?;
    Ok(path)
}

/// Reads a replay file; the error says what is wrong with it in one line. A file is refused
/// here, before anything is replayed, when no run of this tool could have written it: a workload
/// the checker would refuse (too few accounts, a negative balance, a transfer naming an account
/// the bank lacks), balances whose total no balance can hold, or a schedule that does not parse
/// or names a thread the workload does not have. (A zero, negative or same-account transfer is
/// a workload like any other: the bank must refuse it, and a replay whose schedule no longer
/// fits an edited one says so as "diverged".)
pub fn load(path: &Path) -> Result<ReplayFile, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|error| format!("cannot read {}: {error}", path.display()))?;
    let file: ReplayFile = serde_json::from_str(&text)
        .map_err(|error| format!("{} is not a replay file: {error}", path.display()))?;
    validate(&file)
        .map_err(|why| format!("{} is not a valid replay file: {why}", path.display()))?;
    Ok(file)
}

/// What [`load`] refuses (see there).
fn validate(file: &ReplayFile) -> Result<(), String> {
    let workload = &file.counterexample.workload;
    crate::checker::validate_workload(workload).map_err(|error| error.to_string())?;
    let total = bank_core::bank::total(&workload.balances);
    if total > i128::from(bank_core::Money::MAX) {
        return Err(format!(
            "workload: the balances total {total}, more than a balance can hold ({})",
            bank_core::Money::MAX
        ));
    }
    let schedule: crate::checker::RecordedSchedule = file
        .counterexample
        .schedule
        .parse()
        .map_err(|why| format!("schedule: {why}"))?;
    let threads = workload.threads.len();
    if let Some(task) = schedule
        .steps
        .iter()
        .flatten()
        .find(|&&task| task > threads)
    {
        return Err(format!(
            "schedule: it names thread {task}, but the workload has {threads} thread(s) (1..={threads}; 0 is the main thread)"
        ));
    }
    Ok(())
}
