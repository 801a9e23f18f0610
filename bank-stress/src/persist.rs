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

/// Reads a replay file; the error says what is wrong with it in one line.
pub fn load(path: &Path) -> Result<ReplayFile, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|error| format!("cannot read {}: {error}", path.display()))?;
    serde_json::from_str(&text)
        .map_err(|error| format!("{} is not a replay file: {error}", path.display()))
}
