//! `cargo xtask prove` as a user meets it: a proof that agrees exits 0 and says what it proved, a
//! bad scope exits 2 naming the field, a schedule cap too small to finish is "not found" (never
//! "proven") and fails, and shards merge back into the whole proof with the same verdicts.

mod support;

use std::path::PathBuf;
use support::*;

#[test]
fn a_proof_that_agrees_exits_0_and_states_its_scope_and_evidence() {
    let dir = scratch("prove-agrees");
    let json = dir.join("proof.json");
    let output = xtask(&[
        "prove",
        "--scope",
        "quick",
        "--variant",
        "global-lock",
        "--variant",
        "unsafe",
        "--json",
        json.to_str().unwrap(),
        "--replay-dir",
        dir.join("replays").to_str().unwrap(),
    ]);
    let all = text(&output);
    assert_eq!(output.status.code(), Some(0), "{all}");
    assert!(all.contains("≤ 2 threads × ≤ 1 op, 2 accounts, balances 0..=2, amounts 1..=2, audits, every fair interleaving"), "{all}");
    assert!(all.contains("2 variant(s): 4 of 4 expected breaks shown, 6 of 6 expected holds proven, 0 contradiction(s)"), "{all}");
    assert!(
        all.contains("270 → 96 workloads"),
        "global-lock renames accounts: {all}"
    );
    assert!(
        all.contains("270 → 180 workloads"),
        "unsafe does not: {all}"
    );
    assert!(all.contains("replay: cargo xtask replay"), "{all}");
    let proof: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(proof["kind"], "prove");
    // Every break's replay file reproduces it.
    let replays: Vec<PathBuf> = std::fs::read_dir(dir.join("replays"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    assert_eq!(replays.len(), 4, "{replays:?}");
    for replay in replays {
        let output = xtask(&["replay", replay.to_str().unwrap()]);
        assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    }
}

#[test]
fn a_bad_scope_exits_2_and_names_what_is_wrong() {
    for (scope, says) in [
        ("huge", "unknown scope 'huge'"),
        ("threads=2,ops=1,accounts=1", "accounts must be at least 2"),
        ("threads=2,ops=x,accounts=2", "ops=x"),
    ] {
        let output = xtask(&["prove", "--scope", scope]);
        assert_eq!(output.status.code(), Some(2), "{scope}");
        let all = text(&output);
        assert!(
            all.contains("--scope") && all.contains(says),
            "{scope}: {all}"
        );
    }
}

#[test]
fn a_search_cut_off_by_the_schedule_cap_is_not_found_never_proven_and_fails() {
    let output = xtask(&[
        "prove",
        "--scope",
        "threads=2,ops=1,accounts=2,preemptions=all",
        "--variant",
        "ordered-locks",
        "--schedule-cap",
        "3",
    ]);
    let all = text(&output);
    assert_eq!(output.status.code(), Some(1), "{all}");
    assert!(all.contains("not found (no proof)"), "{all}");
    assert!(!all.contains("proven ok"), "{all}");
    assert!(all.contains("NOT enumerated to the end"), "{all}");
}

#[test]
fn shards_merge_into_the_whole_proof_and_a_missing_shard_is_refused() {
    let dir = scratch("prove-shards");
    let scope = "threads=2,ops=1,accounts=2,preemptions=1";
    let mut shards = Vec::new();
    for shard in ["1/2", "2/2"] {
        let path = dir.join(format!("shard-{}.json", &shard[..1]));
        let output = xtask(&[
            "prove",
            "--scope",
            scope,
            "--variant",
            "unsafe",
            "--shard",
            shard,
            "--json",
            path.to_str().unwrap(),
            "--replay-dir",
            dir.join("replays").to_str().unwrap(),
        ]);
        let all = text(&output);
        assert_eq!(output.status.code(), Some(0), "{all}");
        assert!(all.contains("a shard proves nothing alone"), "{all}");
        assert!(
            !all.contains("proven ok"),
            "a shard alone proves nothing: {all}"
        );
        shards.push(path);
    }
    let merged = dir.join("merged.json");
    let output = xtask(&[
        "merge",
        shards[0].to_str().unwrap(),
        shards[1].to_str().unwrap(),
        "--json",
        merged.to_str().unwrap(),
        "--replay-dir",
        dir.join("replays").to_str().unwrap(),
    ]);
    let all = text(&output);
    assert_eq!(output.status.code(), Some(0), "{all}");
    assert!(
        all.contains("4 of 4 expected breaks shown, 1 of 1 expected holds proven"),
        "{all}"
    );
    let output = xtask(&[
        "merge",
        shards[0].to_str().unwrap(),
        "--json",
        dir.join("half.json").to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output).contains("shard 2/2 is missing"),
        "{}",
        text(&output)
    );
}
