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

/// `bank-stress/replays` under the caller's target folder: `CARGO_TARGET_DIR` when set; else the
/// `target` folder of the workspace of the crate being run or tested (cargo tells a test or a
/// `cargo run` its manifest folder at run time: a user's crate, not this one); else of the
/// workspace around the current folder; else this workspace's.
pub fn default_replay_dir() -> PathBuf {
    replay_dir_for(
        std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from),
        std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from),
        std::env::current_dir().ok(),
    )
}

/// [`default_replay_dir`] from what the environment says.
fn replay_dir_for(
    target_dir: Option<PathBuf>,
    manifest_dir: Option<PathBuf>,
    current_dir: Option<PathBuf>,
) -> PathBuf {
    let built_here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let target = target_dir.unwrap_or_else(|| {
        [manifest_dir, current_dir]
            .into_iter()
            .flatten()
            .find_map(|dir| workspace_of(&dir))
            .or_else(|| workspace_of(built_here))
            .unwrap_or_else(|| built_here.to_path_buf())
            .join("target")
    });
    target.join("bank-stress").join("replays")
}

/// The workspace a folder belongs to: the nearest folder at or above it that holds a
/// `Cargo.lock` (a workspace's, or a lone crate's).
fn workspace_of(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .find(|folder| folder.join("Cargo.lock").is_file())
        .map(Path::to_path_buf)
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

#[cfg(test)]
mod tests {
    use super::replay_dir_for;
    use std::path::PathBuf;

    #[test]
    fn replay_files_go_under_the_callers_target_folder() {
        let dir = tempfile::tempdir().unwrap();
        let workspace = dir.path().join("their-workspace");
        let member = workspace.join("their-bank");
        std::fs::create_dir_all(member.join("src")).unwrap();
        std::fs::write(workspace.join("Cargo.lock"), "").unwrap();
        let replays = |target: PathBuf| target.join("bank-stress").join("replays");
        // CARGO_TARGET_DIR wins.
        assert_eq!(
            replay_dir_for(Some("/elsewhere".into()), Some(member.clone()), None),
            replays("/elsewhere".into())
        );
        // The crate cargo runs: its workspace's target, not this crate's.
        assert_eq!(
            replay_dir_for(None, Some(member.clone()), None),
            replays(workspace.join("target"))
        );
        // No cargo: the workspace around the current folder.
        assert_eq!(
            replay_dir_for(None, None, Some(member.join("src"))),
            replays(workspace.join("target"))
        );
    }
}
