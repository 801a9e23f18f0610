//! This crate's banks through its own `main` (`bank_stress::cli::main(&BANKS)`): every command
//! `cargo xtask` has, with the same exit codes, on banks the catalog does not know.

use std::path::PathBuf;
use std::process::{Command, Output};

/// Runs this crate's binary with `args`.
fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_my-bank-example"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs")
}

/// Standard output, then standard error, as text.
fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// An empty folder `name` under the test target directory.
fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn list_shows_this_crates_banks_and_nothing_of_the_catalog() {
    let output = run(&["list"]);
    let shown = text(&output);
    assert_eq!(output.status.code(), Some(0), "{shown}");
    assert!(shown.contains("teller"), "{shown}");
    assert!(shown.contains("hasty-teller"), "{shown}");
    assert!(!shown.contains("global-lock"), "{shown}");
    let unknown = run(&["explore", "--variant", "global-lock"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        text(&unknown).contains("known: teller, hasty-teller"),
        "{}",
        text(&unknown)
    );
}

#[test]
fn explore_finds_the_hasty_teller_and_its_replay_file_reproduces() {
    let replays = scratch("explore-replays");
    let output = run(&[
        "explore",
        "--variant",
        "hasty-teller",
        "--iterations",
        "200",
        "--replay-dir",
        replays.to_str().unwrap(),
    ]);
    let shown = text(&output);
    // The expected breaks were shown: the run agrees with what BANKS says.
    assert_eq!(output.status.code(), Some(0), "{shown}");
    assert!(
        shown.contains("replay: cargo run -- replay"),
        "the replay command names this program: {shown}"
    );
    let file = std::fs::read_dir(&replays)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .find(|path| path.extension().is_some_and(|ext| ext == "json"))
        .unwrap_or_else(|| panic!("a replay file in {}: {shown}", replays.display()));
    let replayed = run(&["replay", file.to_str().unwrap()]);
    // 1: the recorded violation reproduced.
    assert_eq!(replayed.status.code(), Some(1), "{}", text(&replayed));
}

/// Every interleaving of two threads with one call each on two accounts: a scope small enough for
/// a test (`cargo run -- prove --scope quick` takes about 100 s on two cores; `.ci/run` runs it).
#[test]
fn prove_proves_the_teller_and_breaks_the_hasty_teller_over_a_scope() {
    let replays = scratch("prove-replays");
    let output = run(&[
        "prove",
        "--scope",
        "threads=2,ops=1,accounts=2",
        "--replay-dir",
        replays.to_str().unwrap(),
    ]);
    let shown = text(&output);
    assert_eq!(output.status.code(), Some(0), "{shown}");
    assert!(
        shown.contains("2 of 2 expected breaks shown, 8 of 8 expected holds proven"),
        "{shown}"
    );
    assert!(!shown.contains("CONTRADICTS"), "{shown}");
}

#[test]
fn stress_runs_both_banks_on_real_threads_and_writes_the_html_report() {
    let dir = scratch("stress-report");
    let report = dir.join("report");
    let json = dir.join("stress.json");
    let output = run(&[
        "stress",
        "--preset",
        "quick",
        "--runs",
        "1",
        "--report",
        report.to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
    ]);
    let shown = text(&output);
    assert_eq!(output.status.code(), Some(0), "{shown}");
    let page = std::fs::read_to_string(report.join("index.html")).expect("the report is written");
    assert!(page.contains("hasty-teller"), "the report names the bank");
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let ids: Vec<&str> = summary["variants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|variant| variant["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["teller", "hasty-teller"]);
}
