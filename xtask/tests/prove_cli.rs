//! `cargo xtask prove` as a user meets it: a proof that agrees exits 0 and says what it proved, a
//! bad scope exits 2 naming the field, a schedule cap too small to finish is "not found" (never
//! "proven") and fails, shards merge back into the whole proof with the same verdicts, and worker
//! processes prove exactly what one process proves.

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
        (
            "threads=2,ops=1,accounts=2,threads=3",
            "scope field 'threads' is given twice",
        ),
        // Too many to count is said so, not printed as if exact.
        (
            "threads=99,ops=99,accounts=2",
            "more than 340282366920938463463374607431768211455 workloads before reduction (more than can be counted)",
        ),
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

/// A proof's JSON without what may differ between runs of the same proof: seconds and the
/// number of workers.
fn evidence_and_findings(json: &std::path::Path) -> serde_json::Value {
    let mut proof: serde_json::Value =
        serde_json::from_slice(&std::fs::read(json).unwrap()).unwrap();
    proof["wall_seconds"] = serde_json::Value::Null;
    proof["jobs"] = serde_json::Value::Null;
    for variant in proof["variants"].as_array_mut().unwrap() {
        for part in variant["parts"].as_array_mut().unwrap() {
            part["seconds"] = serde_json::Value::Null;
        }
    }
    proof
}

#[test]
fn worker_processes_prove_exactly_what_one_process_proves() {
    let dir = scratch("prove-workers");
    let mut proofs = Vec::new();
    // Three workers on two accounts' scope: uneven slices, and more workers than cores here.
    for jobs in ["1", "3"] {
        let json = dir.join(format!("proof-{jobs}.json"));
        let output = xtask(&[
            "prove",
            "--scope",
            "quick",
            "--variant",
            "nested-locks",
            "--variant",
            "unsafe",
            "--jobs",
            jobs,
            "--json",
            json.to_str().unwrap(),
            "--replay-dir",
            dir.join("replays").to_str().unwrap(),
        ]);
        let all = text(&output);
        assert_eq!(output.status.code(), Some(0), "--jobs {jobs}: {all}");
        let says = if jobs == "1" {
            "in this process".to_string()
        } else {
            format!("in {jobs} worker processes")
        };
        assert!(all.contains(&says), "{all}");
        proofs.push(evidence_and_findings(&json));
    }
    // The same workloads explored, the same schedules counted, the same first counterexample of
    // every finding (the lowest workload index over every worker's slice), the same verdicts.
    assert_eq!(proofs[0], proofs[1]);
    assert!(
        proofs[0]["variants"][0]["first"]
            .as_object()
            .unwrap()
            .contains_key("deadlock_free"),
        "nested-locks deadlocks in the quick scope"
    );
}

#[test]
fn a_shard_split_between_worker_processes_merges_like_any_shard() {
    let dir = scratch("prove-shard-workers");
    let scope = "threads=2,ops=1,accounts=2,preemptions=1";
    let mut shards = Vec::new();
    for (shard, jobs) in [("1/2", "2"), ("2/2", "1")] {
        let path = dir.join(format!("shard-{}.json", &shard[..1]));
        let output = xtask(&[
            "prove",
            "--scope",
            scope,
            "--variant",
            "unsafe",
            "--shard",
            shard,
            "--jobs",
            jobs,
            "--json",
            path.to_str().unwrap(),
        ]);
        assert_eq!(output.status.code(), Some(0), "{}", text(&output));
        shards.push(path);
    }
    let whole = dir.join("whole.json");
    let output = xtask(&[
        "prove",
        "--scope",
        scope,
        "--variant",
        "unsafe",
        "--jobs",
        "1",
        "--json",
        whole.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
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
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let (mut merged, mut whole) = (
        evidence_and_findings(&merged),
        evidence_and_findings(&whole),
    );
    // Minimal counterexamples are made after merging; compare what the exploration found.
    for proof in [&mut merged, &mut whole] {
        for variant in proof["variants"].as_array_mut().unwrap() {
            variant["minimal"] = serde_json::Value::Null;
        }
    }
    assert_eq!(merged, whole);
}

#[test]
fn a_prove_worker_started_by_hand_says_what_it_needs_and_exits_2() {
    let output = xtask(&["prove-worker"]);
    assert_eq!(output.status.code(), Some(2));
    let all = text(&output);
    assert!(
        all.contains("started by `cargo xtask prove`, with a job on standard input"),
        "{all}"
    );
    assert_eq!(all.trim().lines().count(), 1, "{all}");
}

/// A scope without audits cannot observe snapshot conservation: the proof says so ("cannot be
/// shown"), neither "proven" (vacuously, for a bank that keeps it; against the catalog, for one
/// whose audits break it) nor "breaks", and it is no contradiction; the other verdicts stand.
#[test]
fn an_invariant_no_workload_of_the_scope_can_observe_is_neither_proven_nor_a_contradiction() {
    let dir = scratch("prove-no-audits");
    let json = dir.join("proof.json");
    let output = xtask(&[
        "prove",
        "--scope",
        "threads=2,ops=1,accounts=2,audits=no",
        "--variant",
        "unsafe",
        "--variant",
        "global-lock",
        "--json",
        json.to_str().unwrap(),
        "--replay-dir",
        dir.join("replays").to_str().unwrap(),
    ]);
    let all = text(&output);
    assert!(!all.contains("CONTRADICTS"), "{all}");
    assert_eq!(all.matches("cannot be shown (scope)").count(), 2, "{all}");
    let proof: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    for variant in proof["variants"].as_array().unwrap() {
        assert!(
            variant["first"].get("snapshot_conservation").is_none(),
            "{variant}"
        );
    }
    // unsafe's lost update needs no audit: it still breaks final conservation.
    assert!(all.contains("breaks ok"), "{all}");
    assert_eq!(output.status.code(), Some(0), "{all}");
}

/// Shards of two custom scopes that differ only in their preemption bound are refused, and the
/// message says where they differ (both are named 'custom').
#[test]
fn shards_of_custom_scopes_that_differ_are_refused_saying_how() {
    let dir = scratch("prove-merge-custom");
    let shard = |bound: &str, index: &str| {
        let json = dir.join(format!("shard-{index}.json"));
        let output = xtask(&[
            "prove",
            "--scope",
            &format!("threads=2,ops=1,accounts=2,preemptions={bound}"),
            "--variant",
            "global-lock",
            "--shard",
            &format!("{index}/2"),
            "--json",
            json.to_str().unwrap(),
            "--replay-dir",
            dir.join("replays").to_str().unwrap(),
        ]);
        assert_eq!(output.status.code(), Some(0), "{}", text(&output));
        json
    };
    let (one, two) = (shard("0", "1"), shard("1", "2"));
    let output = xtask(&[
        "merge",
        one.to_str().unwrap(),
        two.to_str().unwrap(),
        "--json",
        dir.join("merged.json").to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    let said = text(&output);
    assert!(
        said.contains("proves another scope than shard 1/2: its part 1 is"),
        "{said}"
    );
    assert!(!said.contains("'custom', another shard 'custom'"), "{said}");
}
