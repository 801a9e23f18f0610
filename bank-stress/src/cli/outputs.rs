//! The files a command writes (`--json FILE`, `--report DIR`): checked before any work starts, so
//! an unwritable path cannot lose a long campaign's results, and written atomically.
//!
//! A report folder (`--report`, `--html`) that already exists is written over only if it holds
//! nothing but a page of ours of the same kind (an `index.html` carrying the generator mark and
//! the kind's mark: a stress report, or a replay page), and the command says so; any other
//! folder is refused. `--json -` writes the JSON to standard output, after the command's text.
//! How devices, symlinks and named pipes are treated: `crate::files`.

use crate::files::{check_writable, write_atomically};
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

/// Whether `--json` names standard output.
fn is_stdout(path: &Path) -> bool {
    path == Path::new("-")
}

/// Checks `--json FILE` before the work.
pub fn check_json(path: Option<&Path>) -> Result<(), String> {
    match path {
        Some(path) if is_stdout(path) => Ok(()),
        Some(path) => check_writable(path)
            .map_err(|error| format!("--json: cannot write {}: {error}", path.display())),
        None => Ok(()),
    }
}

/// Refuses a `--json FILE` that is also one of the command's inputs.
pub fn check_not_an_input(json: &Path, inputs: &[std::path::PathBuf]) -> Result<(), String> {
    match inputs
        .iter()
        .find(|input| crate::files::same_file(input, json))
    {
        Some(input) => Err(format!(
            "--json: {} is also an input ({}); choose another file",
            json.display(),
            input.display()
        )),
        None => Ok(()),
    }
}

/// What a report folder's page is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageKind {
    /// A stress campaign's report (`stress --report`, `merge --report`).
    Campaign,
    /// A replayed counterexample's trace (`replay --html`).
    Replay,
}

impl PageKind {
    fn mark(self) -> &'static str {
        match self {
            Self::Campaign => crate::page_marks::CAMPAIGN_PAGE_MARK,
            Self::Replay => crate::page_marks::REPLAY_PAGE_MARK,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Campaign => "stress report",
            Self::Replay => "replay page",
        }
    }

    fn other(self) -> Self {
        match self {
            Self::Campaign => Self::Replay,
            Self::Replay => Self::Campaign,
        }
    }
}

/// Checks a report folder (`flag` DIR) before the work: creatable, writable, and either new,
/// empty, or holding only an earlier page of the same kind.
pub fn check_report(dir: Option<&Path>, flag: &str, kind: PageKind) -> Result<(), String> {
    let Some(dir) = dir else {
        return Ok(());
    };
    if dir.exists() {
        let entries: Vec<String> = std::fs::read_dir(dir)
            .map_err(|error| format!("{flag}: cannot read {}: {error}", dir.display()))?
            .filter_map(|entry| entry.ok())
            .map(|entry| entry.file_name().to_string_lossy().into_owned())
            .collect();
        if entries.iter().any(|name| name != REPORT_PAGE) {
            return Err(format!(
                "{flag}: {} already holds files that are not a report of ours; choose a new folder",
                dir.display()
            ));
        }
        if !entries.is_empty() {
            let page = std::fs::read_to_string(dir.join(REPORT_PAGE)).unwrap_or_default();
            let ours = page.contains(crate::page_marks::GENERATOR_MARK);
            if !ours {
                return Err(format!(
                    "{flag}: {} already holds a page that is not a report of ours; choose a new folder",
                    dir.display()
                ));
            }
            if page.contains(kind.other().mark()) {
                return Err(format!(
                    "{flag}: {} holds a {}, not a {}; choose a new folder",
                    dir.display(),
                    kind.other().name(),
                    kind.name()
                ));
            }
            if !page.contains(kind.mark()) {
                return Err(format!(
                    "{flag}: {} holds a page of ours from an older version, which may be a {}; \
                     choose a new folder",
                    dir.display(),
                    kind.other().name()
                ));
            }
        }
    }
    check_writable(&dir.join(REPORT_PAGE))
        .map_err(|error| format!("{flag}: cannot write in {}: {error}", dir.display()))
}

/// Checks a stress campaign's outputs before the work: `--json`, the `--counterexamples` folder
/// it reads, and the `--report` folder (distinct from the JSON).
pub fn check_campaign_outputs(
    json: Option<&Path>,
    report: Option<&Path>,
    counterexamples: Option<&Path>,
) -> Result<(), String> {
    check_distinct(json, report)?;
    check_json(json)?;
    check_readable_folder(counterexamples, "--counterexamples")?;
    check_report(report, "--report", PageKind::Campaign)
}

/// Checks a folder of replay files (`flag` DIR) that the command will read, before the work.
pub fn check_readable_folder(dir: Option<&Path>, flag: &str) -> Result<(), String> {
    match dir {
        Some(dir) => std::fs::read_dir(dir)
            .map(drop)
            .map_err(|error| format!("{flag}: cannot read {}: {error}", dir.display())),
        None => Ok(()),
    }
}

/// Writes `--json FILE`.
pub fn write_json(path: &Path, value: &impl serde::Serialize) -> Result<(), String> {
    let text = serde_json::to_string_pretty(value).map_err(|error| error.to_string())?;
    if is_stdout(path) {
        outln!("{text}");
        return Ok(());
    }
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
    crate::files::check_writable(&dir.join("replay.json"))
        .map_err(|error| format!("--replay-dir: cannot write in {}: {error}", dir.display()))
}
