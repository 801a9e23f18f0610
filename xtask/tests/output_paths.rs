//! Output paths never destroy (issue 27): a device or a symlink named as `--json` is written
//! through, never replaced by a regular file; `-` is standard output; a write error fails the
//! command, and a pipe no one reads fails it at once; an output that is also an input, a report
//! folder of another kind and a missing `--counterexamples` folder are refused before any work;
//! no temporary file's name reaches a message.

mod support;

use std::os::unix::fs::FileTypeExt;
use std::path::Path;
use support::*;

/// A quick stress campaign of one variant writing its JSON to `json`, plus `more` flags.
fn quick(json: &str, more: &[&str]) -> std::process::Output {
    quick_in(None, json, more)
}

/// [`quick`], run in folder `dir` if given.
fn quick_in(dir: Option<&Path>, json: &str, more: &[&str]) -> std::process::Output {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_xtask"));
    if let Some(dir) = dir {
        command.current_dir(dir);
    }
    command
        .args([
            "stress",
            "--preset",
            "quick",
            "--variant",
            "global-lock",
            "--transfers",
            "50",
            "--json",
            json,
        ])
        .args(more)
        .output()
        .expect("the xtask binary runs")
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

// The special files below are made in a scratch folder (a device node like /dev/full, a link
// like /dev/stdout), never the system's own: run as root, a regression would otherwise replace
// /dev/full with a regular file.

/// A character device like /dev/full (major 1, minor 7) in a scratch folder, if this user may
/// make device nodes.
fn full_device(dir: &Path) -> Option<std::path::PathBuf> {
    let full = dir.join("full");
    let made = std::process::Command::new("mknod")
        .args([full.to_str().unwrap(), "c", "1", "7"])
        .stderr(std::process::Stdio::null())
        .status();
    made.is_ok_and(|status| status.success()).then_some(full)
}

#[test]
fn a_json_to_a_full_device_fails_and_says_why_and_the_device_stays() {
    let dir = scratch("output-paths-full");
    let Some(full) = full_device(&dir) else {
        return;
    };
    let output = quick(full.to_str().unwrap(), &[]);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    let said = stderr(&output);
    assert!(said.contains("--json") && said.contains("full"), "{said}");
    assert!(said.to_lowercase().contains("space"), "{said}");
    assert!(
        !stdout(&output).contains("JSON report:"),
        "{}",
        text(&output)
    );
    let kind = std::fs::metadata(&full).unwrap().file_type();
    assert!(kind.is_char_device(), "the device was replaced");
}

#[test]
fn a_json_of_dash_goes_to_standard_output() {
    let dir = scratch("output-paths-dash");
    let output = quick_in(Some(&dir), "-", &[]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let out = stdout(&output);
    assert!(out.contains("\"preset\": \"quick\""), "{out}");
    assert!(!dir.join("-").exists(), "a file named - was written");
}

#[test]
fn a_json_through_a_link_to_standard_output_is_written_through_not_replaced() {
    let dir = scratch("output-paths-stdout");
    let link = dir.join("stdout");
    std::os::unix::fs::symlink("/proc/self/fd/1", &link).unwrap();
    let output = quick(link.to_str().unwrap(), &[]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert!(
        stdout(&output).contains("\"preset\": \"quick\""),
        "{}",
        text(&output)
    );
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink(),
        "the link was replaced"
    );
}

#[test]
fn a_json_through_a_symlink_writes_its_target_and_keeps_the_link() {
    let dir = scratch("output-paths-symlink");
    let target = dir.join("target.json");
    std::fs::write(&target, "old").unwrap();
    let link = dir.join("link.json");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let output = quick(link.to_str().unwrap(), &[]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let written = std::fs::read_to_string(&target).unwrap();
    assert!(written.contains("\"preset\": \"quick\""), "{written}");
    // A link to nowhere is refused before the work.
    let dangling = dir.join("dangling.json");
    std::os::unix::fs::symlink(dir.join("nowhere/at/all.json"), &dangling).unwrap();
    let output = quick(dangling.to_str().unwrap(), &[]);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(stderr(&output).contains("--json"), "{}", text(&output));
    assert!(!stdout(&output).contains("done in"), "{}", text(&output));
}

#[test]
fn a_json_to_a_named_pipe_no_one_reads_fails_at_once_and_the_pipe_stays() {
    let dir = scratch("output-paths-fifo");
    let pipe = dir.join("pipe");
    let made = std::process::Command::new("mkfifo").arg(&pipe).status();
    if !made.is_ok_and(|status| status.success()) {
        return;
    }
    let output = quick(pipe.to_str().unwrap(), &[]);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    let said = stderr(&output);
    assert!(
        said.contains("--json") && said.contains("no one reads"),
        "{said}"
    );
    assert!(std::fs::metadata(&pipe).unwrap().file_type().is_fifo());
}

#[test]
fn no_temporary_file_name_reaches_a_message() {
    let output = quick("/proc/no-such-report.json", &[]);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    let said = stderr(&output);
    assert!(said.contains("--json"), "{said}");
    assert!(!said.contains(".tmp"), "{said}");
}

#[test]
fn merge_refuses_to_write_over_one_of_its_inputs() {
    let dir = scratch("output-paths-merge");
    let input = dir.join("a.json");
    let output = quick(input.to_str().unwrap(), &[]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let before = std::fs::read(&input).unwrap();
    let input = input.to_str().unwrap();
    let output = xtask(&["merge", input, "--json", input]);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    let said = stderr(&output);
    assert!(
        said.contains("--json") && said.contains("also an input"),
        "{said}"
    );
    assert_eq!(std::fs::read(input).unwrap(), before);
}

#[test]
fn replay_refuses_a_folder_that_holds_a_stress_report() {
    let dir = scratch("output-paths-replay-html");
    let report = dir.join("report");
    let json = dir.join("run.json");
    let output = quick(
        json.to_str().unwrap(),
        &["--report", report.to_str().unwrap()],
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let page = std::fs::read(report.join("index.html")).unwrap();
    let replay_file = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../bank-stress/tests/regressions/unsafe-linearizable-fc0f1d1b.json");
    let output = xtask(&[
        "replay",
        replay_file.to_str().unwrap(),
        "--html",
        report.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    let said = stderr(&output);
    assert!(
        said.contains("--html") && !said.contains("--report"),
        "{said}"
    );
    assert!(said.contains("stress report"), "{said}");
    assert!(!stdout(&output).contains("replaying"), "{}", text(&output));
    assert_eq!(std::fs::read(report.join("index.html")).unwrap(), page);
    // A folder holding a replay page takes another replay page.
    let pages = dir.join("pages");
    for _ in 0..2 {
        let output = xtask(&[
            "replay",
            replay_file.to_str().unwrap(),
            "--html",
            pages.to_str().unwrap(),
        ]);
        assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    }
    // And a stress report is not written over a replay page.
    let output = quick(
        json.to_str().unwrap(),
        &["--report", pages.to_str().unwrap()],
    );
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(stderr(&output).contains("replay page"), "{}", text(&output));
}

#[test]
fn stress_refuses_a_missing_counterexamples_folder_before_the_work() {
    let dir = scratch("output-paths-counterexamples");
    let report = dir.join("report");
    let output = quick(
        dir.join("run.json").to_str().unwrap(),
        &[
            "--report",
            report.to_str().unwrap(),
            "--counterexamples",
            dir.join("missing").to_str().unwrap(),
        ],
    );
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(
        stderr(&output).contains("--counterexamples"),
        "{}",
        text(&output)
    );
    assert!(!stdout(&output).contains("done in"), "{}", text(&output));
    assert!(!report.exists(), "an empty report folder was left behind");
}
