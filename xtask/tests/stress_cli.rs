//! `cargo xtask stress` and `merge` as a user meets them: bad input exits 2 with one line naming
//! the flag, nothing panics, and shard reports merge.

mod support;

use std::path::PathBuf;
use support::*;

#[test]
fn every_bad_stress_input_exits_2_naming_the_flag() {
    for (args, flag) in [
        (vec!["--threads", "0"], "--threads"),
        (vec!["--accounts", "1"], "--accounts"),
        (vec!["--accounts", "many"], "--accounts"),
        (vec!["--variant", "vault"], "--variant"),
        (vec!["--shard", "3/2"], "--shard"),
        (vec!["--shard", "0/2"], "--shard"),
        (vec!["--shard", "1of2"], "--shard"),
        (vec!["--shard", "0/0"], "--shard"),
        (vec!["--duration", "0s"], "--duration"),
        (vec!["--duration", "soon"], "--duration"),
        (vec!["--transfers", "0"], "--transfers"),
        (vec!["--preset", "gentle"], "--preset"),
        (vec!["--runs", "0"], "--runs"),
        (vec!["--threads", "-1"], "--threads"),
        (vec!["--noise", "loud"], "--noise"),
        (vec!["--duration", "30d"], "--duration"),
        // A negative probability is a bad noise level, not an unknown argument.
        (vec!["--noise", "-0.1"], "is not a noise level"),
    ] {
        let output = xtask(&[&["stress"], args.as_slice()].concat());
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        let first = stderr.lines().next().unwrap_or_default();
        assert!(first.starts_with("error: "), "{args:?}: {stderr}");
        assert!(stderr.contains(flag), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

#[test]
fn two_shards_merge_into_one_report() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("stress-shards");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = |name: &str| dir.join(name).to_str().unwrap().to_string();
    let common = [
        "stress",
        "--preset",
        "quick",
        "--transfers",
        "200",
        "--variant",
        "global-lock",
        "--variant",
        "ordered-locks",
        "--variant",
        "atomic",
        // Exact counts below: a loaded machine must not cut a run short.
        "--time-bound",
        "10m",
    ];
    for shard in ["1/2", "2/2"] {
        let file = path(&format!("shard-{}.json", &shard[..1]));
        let output = xtask(&[&common[..], &["--shard", shard, "--json", &file]].concat());
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&output.stdout)
        );
    }
    let output = xtask(&[
        "merge",
        &path("shard-1.json"),
        &path("shard-2.json"),
        "--json",
        &path("merged.json"),
    ]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    let merged: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path("merged.json")).unwrap()).unwrap();
    let ids: Vec<_> = merged["variants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, ["global-lock", "ordered-locks", "atomic"]);
    assert_eq!(merged["shard"], serde_json::Value::Null);
    for variant in merged["variants"].as_array().unwrap() {
        assert_eq!(variant["transfers"], 4 * 200, "{variant}");
    }
    let again = xtask(&[
        "merge",
        &path("shard-1.json"),
        &path("shard-1.json"),
        "--json",
        &path("twice.json"),
    ]);
    assert_eq!(again.status.code(), Some(2));
}

#[test]
fn the_seed_preset_times_each_variant_against_cpython_and_other_shapes_do_not() {
    let seed = xtask(&[
        "stress",
        "--preset",
        "seed",
        "--variant",
        "global-lock",
        "--runs",
        "3",
        "--time-bound",
        "10m",
    ]);
    assert_eq!(seed.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&seed.stdout);
    assert!(
        stdout.contains("the seed workload against the course's CPython"),
        "{stdout}"
    );
    let row = stdout
        .lines()
        .rev()
        .find(|line| line.starts_with("global-lock "))
        .expect("a timing row for global-lock");
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(cells[1], "3", "three runs: {row}");
    assert_eq!(
        cells[5], "4.9",
        "compared with the global-lock program: {row}"
    );
    assert!(cells[6].ends_with('×'), "{row}");
    // Three runs of the lecture's 49,995 transfers each.
    assert!(stdout.contains(" 149985 "), "{stdout}");

    // Not the lecture's workload: no comparison with the lecture's timings.
    let smaller = xtask(&[
        "stress",
        "--preset",
        "seed",
        "--variant",
        "global-lock",
        "--threads",
        "4",
    ]);
    assert_eq!(smaller.status.code(), Some(0));
    assert!(!String::from_utf8_lossy(&smaller.stdout).contains("CPython"));
}

#[test]
fn the_report_adds_the_shuttle_counterexamples_step_by_step_when_given_their_replay_files() {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("report-counterexamples");
    let _ = std::fs::remove_dir_all(&dir);
    let replays =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../bank-stress/tests/regressions");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args([
            "stress",
            "--preset",
            "quick",
            "--variant",
            "global-lock",
            "--report",
        ])
        .arg(&dir)
        .arg("--counterexamples")
        .arg(&replays)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let page = std::fs::read_to_string(dir.join("index.html")).unwrap();
    assert!(page.contains("<h2 id=\"counterexamples\">Shuttle counterexamples</h2>"));
    assert!(page.contains("<h3>unsafe / final_conservation</h3>"));
    assert!(page.contains("it reproduces"));
    assert_eq!(
        page.matches("<table class=\"timeline\">").count(),
        14,
        "one trace per committed counterexample"
    );
    assert!(
        page.contains("class=\"broken\""),
        "the breaking step is marked"
    );
    // Without --report, --counterexamples is a usage error.
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["stress", "--preset", "quick", "--counterexamples"])
        .arg(&replays)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}

/// A Ctrl-C ends a campaign with the summary of the runs that finished (and its JSON), the run
/// under way stopped and left out, and exits 130, as a shell reports an interrupted process.
#[test]
fn ctrl_c_ends_a_campaign_with_the_summary_of_the_runs_that_finished() {
    use std::io::{BufRead, BufReader, Read};
    let dir = scratch("stress-ctrl-c");
    let json = dir.join("partial.json");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args([
            "stress",
            "--preset",
            "quick",
            "--variant",
            "global-lock",
            "--runs",
            "10000",
            "--transfers",
            "200",
            "--json",
            json.to_str().unwrap(),
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut seen = String::new();
    // Two runs reported: the campaign is well under way (its lines are the synchronisation).
    for line in lines.by_ref() {
        let line = line.unwrap();
        seen.push_str(&line);
        seen.push('\n');
        if line.contains("global-lock run 1 done") {
            break;
        }
    }
    let interrupted = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(interrupted.success());
    for line in lines {
        seen.push_str(&line.unwrap());
        seen.push('\n');
    }
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130), "{seen}{stderr}");
    assert!(
        seen.contains("stress: interrupted (Ctrl-C) after "),
        "{seen}"
    );
    assert!(seen.contains("of 10000 run(s)"), "{seen}");
    assert!(
        seen.contains("nothing contradicts the expected verdicts"),
        "{seen}"
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let runs = report["runs"].as_array().unwrap().len();
    assert!((2..10000).contains(&runs), "{runs} runs in the JSON");
}
