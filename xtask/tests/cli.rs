//! The xtask binary as a user meets it: exit codes, one-line errors, the list, explore and
//! replay round trip.

mod support;

use bank_core::Invariant;
use std::process::{Command, Output};
use support::*;

#[test]
fn list_json_has_every_id_with_its_expectations() {
    let output = xtask(&["list", "--json"]);
    assert!(output.status.success());
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let variants = json["variants"].as_array().unwrap();
    // Each row as the JSON says it, and as the catalog does: a variant added to the catalog is
    // checked here without a line of this test changing.
    let row = |id: &str, verdict: &dyn Fn(Invariant) -> String| {
        let verdicts: Vec<String> = Invariant::ALL.into_iter().map(verdict).collect();
        format!("{id} {}", verdicts.join(" "))
    };
    let rows: Vec<String> = variants
        .iter()
        .map(|v| {
            row(v["id"].as_str().unwrap(), &|invariant| {
                v["expected"][invariant.key()].as_str().unwrap().to_string()
            })
        })
        .collect();
    let catalog: Vec<String> = bank_core::CATALOG
        .iter()
        .map(|subject| {
            let expected = subject
                .expected
                .expect("catalog entries state their verdicts");
            row(subject.id, &|invariant| expected.get(invariant).to_string())
        })
        .collect();
    assert_eq!(rows, catalog);
    assert_eq!(
        rows[0], "unsafe breaks breaks breaks holds breaks",
        "the keys and words themselves"
    );
    assert!(
        variants
            .iter()
            .all(|v| !v["lesson"].as_str().unwrap().is_empty())
    );
}

#[test]
fn bad_usage_exits_2_with_clap_s_whole_message_naming_the_flag() {
    for (args, flag) in [
        (vec!["explore", "--variant", "no-such-bank"], "--variant"),
        (vec!["explore", "--iterations", "0"], "--iterations"),
        (vec!["explore", "--iterations", "lots"], "--iterations"),
        (vec!["explore", "--seed", "-1"], "-1"),
        (vec!["explore", "--strategy", "bogus"], "--strategy"),
    ] {
        let output = xtask(&args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.starts_with("error: "), "{args:?}: {stderr}");
        assert!(stderr.contains(flag), "{args:?}: {stderr}");
    }
    // The valid values, a "did you mean", and the usage line that clap gives.
    let preset = xtask(&["stress", "--preset", "nope"]);
    assert!(
        String::from_utf8_lossy(&preset.stderr)
            .contains("[possible values: seed, quick, default, tough, soak]")
    );
    let typo = xtask(&["stress", "--varient", "unsafe"]);
    assert!(
        String::from_utf8_lossy(&typo.stderr).contains("a similar argument exists: '--variant'")
    );
    let unknown = xtask(&["stress", "--variant", "unsafee"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("did you mean 'unsafe'?"));
    let missing = xtask(&["replay"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("Usage: cargo xtask replay <FILE>"));
}

#[test]
fn bare_cargo_xtask_prints_the_command_list_and_version_works() {
    let bare = xtask(&[]);
    assert_eq!(bare.status.code(), Some(0));
    let help = String::from_utf8_lossy(&bare.stdout);
    for command in [
        "list",
        "explore",
        "replay",
        "stress",
        "merge",
        "detection",
        "ci",
    ] {
        assert!(help.contains(&format!("  {command} ")), "{command}: {help}");
    }
    assert!(help.contains("not observed"), "the glossary: {help}");
    let version = xtask(&["--version"]);
    assert_eq!(version.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&version.stdout).starts_with("cargo xtask "));
}

#[test]
fn replay_of_a_missing_or_damaged_file_exits_2() {
    let dir = scratch("replay-bad-input");
    let damaged = dir.join("damaged.json");
    std::fs::write(&damaged, "{}").unwrap();
    for file in [dir.join("missing.json"), damaged] {
        let output = xtask(&["replay", file.to_str().unwrap()]);
        assert_eq!(output.status.code(), Some(2));
        assert_eq!(
            String::from_utf8_lossy(&output.stderr)
                .trim_end()
                .lines()
                .count(),
            1
        );
    }
}

/// A replay file edited into one no run could have written is a bad file (exit 2, the field
/// named), refused before anything is replayed or announced.
#[test]
fn an_edited_replay_file_no_run_could_have_written_exits_2_before_replaying() {
    let dir = scratch("replay-edited");
    let original: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../bank-stress/tests/regressions/unsafe-linearizable-fc0f1d1b.json"),
        )
        .unwrap(),
    )
    .unwrap();
    // (file name, the edit, what the refusal says)
    type Edit = (&'static str, fn(&mut serde_json::Value), &'static str);
    let edits: [Edit; 3] = [
        (
            "thread-9",
            |file| file["counterexample"]["schedule"] = "seed=1;0,9,1".into(),
            "names thread 9",
        ),
        (
            "huge-balances",
            |file| {
                file["counterexample"]["workload"]["balances"] =
                    serde_json::json!([i64::MAX, i64::MAX])
            },
            "more than a balance can hold",
        ),
        (
            "account-9",
            |file| file["counterexample"]["workload"]["threads"][0][0]["transfer"]["to"] = 9.into(),
            "only 2 accounts",
        ),
    ];
    for (name, edit, says) in edits {
        let mut file = original.clone();
        edit(&mut file);
        let path = dir.join(format!("{name}.json"));
        std::fs::write(&path, file.to_string()).unwrap();
        let output = xtask(&["replay", path.to_str().unwrap()]);
        assert_eq!(output.status.code(), Some(2), "{name}: {}", text(&output));
        let said = String::from_utf8_lossy(&output.stderr);
        assert!(said.contains(says), "{name}: {said}");
        assert!(
            !String::from_utf8_lossy(&output.stdout).contains("replaying"),
            "{name}: announced before it was refused: {}",
            text(&output)
        );
    }
}

#[test]
fn explore_writes_json_and_replay_files_and_the_unsafe_replay_reproduces() {
    let dir = scratch("explore-unsafe");
    let json_path = dir.join("report.json");
    let output = xtask(&[
        "explore",
        "--variant",
        "unsafe",
        "--variant",
        "global-lock",
        // Named twice, explored once.
        "--variant",
        "unsafe",
        "--iterations",
        "500",
        "--json",
        json_path.to_str().unwrap(),
        "--replay-dir",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json_path).unwrap()).unwrap();
    assert_eq!(json["variants"].as_array().unwrap().len(), 2, "{json}");
    let unsafe_bank = &json["variants"][0];
    for invariant in [
        "snapshot_conservation",
        "final_conservation",
        "no_overdraft",
        "deadlock_free",
    ] {
        let shown = &unsafe_bank["shown"][invariant];
        assert_eq!(shown["agrees"], true, "{invariant}: {shown}");
        let word = if unsafe_bank["expected"][invariant] == "breaks" {
            "breaks"
        } else {
            "not found"
        };
        assert_eq!(shown["verdict"], word, "{invariant}: {shown}");
    }
    let counterexamples = unsafe_bank["counterexamples"].as_array().unwrap();
    assert_eq!(counterexamples.len(), 4);
    for found in counterexamples {
        let threads = found["threads"].as_array().unwrap();
        let ops: usize = threads
            .iter()
            .map(|ops| ops.as_array().unwrap().len())
            .sum();
        assert!(threads.len() <= 2 && ops <= 2, "{found}");
        let replay = xtask(&["replay", found["replay_file"].as_str().unwrap()]);
        assert_eq!(
            replay.status.code(),
            Some(1),
            "{}",
            String::from_utf8_lossy(&replay.stdout)
        );
    }
    assert_eq!(
        json["variants"][1]["counterexamples"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
}

#[test]
fn a_replay_file_moved_onto_the_fixed_bank_diverges_with_its_own_exit_code() {
    let dir = scratch("explore-toctou");
    let output = xtask(&[
        "explore",
        "--variant",
        "global-lock-toctou",
        "--iterations",
        "300",
        "--replay-dir",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(0));
    let path = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .find(|path| {
            path.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("global-lock-toctou-no_overdraft-")
        })
        .expect("the overdraft's replay file");
    let fixed = std::fs::read_to_string(&path)
        .unwrap()
        .replace("\"global-lock-toctou\"", "\"global-lock\"");
    let moved = dir.join("moved.json");
    std::fs::write(&moved, fixed).unwrap();
    assert_eq!(
        xtask(&["replay", path.to_str().unwrap()]).status.code(),
        Some(1)
    );
    let moved = xtask(&["replay", moved.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&moved.stdout);
    assert_eq!(moved.status.code(), Some(3), "{stdout}");
    assert!(stdout.contains("DIVERGED at step"), "{stdout}");
}

#[test]
fn an_unfinished_dfs_says_not_found_never_holds_and_exits_1_for_an_expected_break() {
    let dir = scratch("explore-dfs-budget");
    let output = xtask(&[
        "explore",
        "--variant",
        "global-lock-toctou",
        "--strategy",
        "dfs",
        "--iterations",
        "2",
        "--replay-dir",
        dir.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(!stdout.contains("holds"), "{stdout}");
    assert!(
        stdout.contains("expected break not found in") && stdout.contains("(DFS incomplete)"),
        "{stdout}"
    );
}

#[test]
fn replay_trace_shows_the_unsafe_banks_lost_update_step_by_step() {
    let file = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../bank-stress/tests/regressions/unsafe-final_conservation-7e7028b4.json"
    );
    let output = xtask(&["replay", file, "--trace"]);
    assert_eq!(output.status.code(), Some(1), "reproduced");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let header = stdout
        .lines()
        .find(|line| line.trim_start().starts_with("step"))
        .expect("a table header");
    assert!(
        header.contains("worker-0")
            && header.contains("worker-1")
            && header.contains("main-thread"),
        "{stdout}"
    );
    // Cells are numbered in memory order: the unsafe bank's list of accounts, cell 0 is account 0.
    // The write that overdraws it is marked.
    let overdraft = stdout
        .lines()
        .find(|line| line.contains("writes cell 0: -1"))
        .expect("the overdraft");
    assert!(overdraft.ends_with("← BROKEN HERE"), "{stdout}");
    // The balances after each step: the lost credit writes 1 over 1.
    assert!(stdout.contains("values after the step"), "{stdout}");
    let lost = stdout
        .lines()
        .find(|line| line.trim_start().starts_with("17 "))
        .expect("step 17");
    assert!(
        lost.contains("writes cell 1: 1") && lost.trim_end().ends_with("cell 0 = -1 · cell 1 = 1"),
        "{lost}"
    );
    assert!(
        stdout.contains("reads the final balances [-1, 1],   ← BROKEN HERE")
            && stdout.contains("total 0 ≠ 1, a negative balance"),
        "{stdout}"
    );
    let dir = scratch("replay-html");
    let page_dir = dir.join("trace");
    let html = xtask(&["replay", file, "--html", page_dir.to_str().unwrap()]);
    assert_eq!(html.status.code(), Some(1));
    let page = std::fs::read_to_string(page_dir.join("index.html")).unwrap();
    // Three rows: the write that overdraws account 0, the second transfer's return, which no
    // serial order allows (linearizability), and the final read, whose total is wrong.
    assert_eq!(page.matches("<tr class=\"broken\">").count(), 3, "{page}");
    assert!(page.contains(
        "<th>worker-0</th><th>worker-1</th><th>main-thread</th><th>values after the step</th>"
    ));
}

#[test]
fn a_deadlock_trace_says_who_waits_for_which_lock_held_by_whom() {
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../bank-stress/tests/regressions/nested-locks-deadlock_free-f41ae447.json");
    let output = xtask(&["replay", file.to_str().unwrap(), "--trace"]);
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("worker-0 waits for mutex 1, held by worker-1")
            && stdout.contains("worker-1 waits for mutex 0, held by worker-0"),
        "{stdout}"
    );
    // The step at which each worker began to wait for good is marked: worker-1's request for a
    // mutex worker-0 holds, and, for worker-0, which asked for mutex 1 while it was free, the
    // step at which worker-1 took it (not worker-0's own earlier request).
    assert!(
        stdout.contains("wants mutex 0 (waits for ever)   ← BROKEN HERE"),
        "{stdout}"
    );
    assert!(
        stdout.contains("got mutex 1 (worker-0 waits for it   ← BROKEN HERE"),
        "{stdout}"
    );
    assert_eq!(stdout.matches("← BROKEN HERE").count(), 2, "{stdout}");
    assert!(
        !stdout.contains("blocked tasks"),
        "no shuttle internals: {stdout}"
    );
}

#[test]
fn colour_only_when_asked_or_on_a_terminal_and_never_under_no_color() {
    let ansi = |output: &Output| String::from_utf8_lossy(&output.stdout).contains("\u{1b}[");
    let piped = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["prove", "--scope", "quick", "--variant", "global-lock"])
        .env_remove("CLICOLOR_FORCE")
        .env_remove("CLICOLOR")
        .output()
        .unwrap();
    assert!(
        piped.status.success() && !ansi(&piped),
        "a pipe gets no colour"
    );
    let always = xtask(&[
        "--color",
        "always",
        "prove",
        "--scope",
        "quick",
        "--variant",
        "global-lock",
    ]);
    assert!(
        always.status.success() && ansi(&always),
        "--color always colours a pipe"
    );
    let never = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["replay", "--color", "never", "no-such-file.json"])
        .env("CLICOLOR_FORCE", "1")
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&never.stderr).contains("\u{1b}["));
    let bad = xtask(&["--color", "sometimes", "list"]);
    assert_eq!(bad.status.code(), Some(2));
    let styled_error = xtask(&["--color", "always", "prove", "--scope", "huge"]);
    assert!(
        String::from_utf8_lossy(&styled_error.stderr).contains("\u{1b}["),
        "--color always styles clap's usage errors too"
    );
}
