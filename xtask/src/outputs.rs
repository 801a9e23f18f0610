//! The files a command writes (`--json FILE`, `--report DIR`): checked before any work starts, so
//! an unwritable path cannot lose a long campaign's results, and written atomically.
//!
//! A `--report` folder that already exists is replaced only if it holds nothing but a report of
//! ours (an `index.html` carrying the generator mark), and the command says so; any other folder
//! is refused.

use bank_stress::files::{check_writable, write_atomically};
use std::path::Path;

/// The report page's name inside a `--report` folder.
const REPORT_PAGE: &str = "index.html";

/// Checks that `--json FILE` is not the page `--report DIR` will write.
pub fn check_distinct(json: Option<&Path>, report: Option<&Path>) -> Result<(), String> {
    if let (Some(json), Some(report)) = (json, report)
        && json == report.join(REPORT_PAGE)
    {
        return Err(format!(
            "--json: {} is the page --report writes; choose another file",
            json.display()
        ));
    }
    Ok(())
}

/// Checks `--json FILE` before the work.
pub fn check_json(path: Option<&Path>) -> Result<(), String> {
    match path {
        Some(path) => check_writable(path)
            .map_err(|error| format!("--json: cannot write {}: {error}", path.display())),
        None => Ok(()),
    }
}

/// Checks `--report DIR` before the work: creatable, writable, and either new, empty, or holding
/// only an earlier report.
pub fn check_report(dir: Option<&Path>) -> Result<(), String> {
    let Some(dir) = dir else {
        return Ok(());
    };
    if dir.exists() {
        let entries: Vec<String> = std::fs::read_dir(dir)
            .map_err(|error| format!("--report: cannot read {}: {error}", dir.display()))?
            .filter_map(|entry| entry.ok())
            .map(|entry| entry.file_name().to_string_lossy().into_owned())
            .collect();
        let page_is_ours = || {
            std::fs::read_to_string(dir.join(REPORT_PAGE))
                .is_ok_and(|page| page.contains(bank_stress::stress::GENERATOR_MARK))
        };
        if entries.iter().any(|name| name != REPORT_PAGE)
            || (!entries.is_empty() && !page_is_ours())
        {
            return Err(format!(
                "--report: {} already holds files that are not a report of ours; choose a new folder",
                dir.display()
            ));
        }
    }
    check_writable(&dir.join(REPORT_PAGE))
        .map_err(|error| format!("--report: cannot write in {}: {error}", dir.display()))
}

/// Writes `--json FILE`.
pub fn write_json(path: &Path, value: &impl serde::Serialize) -> Result<(), String> {
    let text = serde_json::to_string_pretty(value).map_err(|error| error.to_string())?;
    write_atomically(path, (text + "\n").as_bytes())
        .map_err(|error| format!("--json: cannot write {}: {error}", path.display()))?;
    outln!("JSON report: {}", path.display());
    Ok(())
}

/// Writes the report page into `--report DIR`, saying so when it replaces an earlier one.
pub fn write_report(dir: &Path, html: &str) -> Result<(), String> {
    let path = dir.join(REPORT_PAGE);
    let replacing = path.exists();
    write_atomically(&path, html.as_bytes())
        .map_err(|error| format!("--report: cannot write {}: {error}", path.display()))?;
    outln!(
        "HTML report: {}{}",
        path.display(),
        if replacing {
            " (replaced the earlier report)"
        } else {
            ""
        }
    );
    Ok(())
}

/// Refuses a `--replay-dir` that cannot be written, before any work.
pub fn check_replay_dir(dir: &Path) -> Result<(), String> {
    bank_stress::files::check_writable(&dir.join("replay.json"))
        .map_err(|error| format!("--replay-dir: cannot write in {}: {error}", dir.display()))
}
