//! Tidy checks, as rust-analyzer's `xtask/src/tidy.rs` does: the documents and the code say the
//! same thing. The README's verdict table is the catalog; no variant reaches past the runtime;
//! every variant's module doc names its expected verdict; ARCHITECTURE.md's code map names every
//! source file.

mod support;

use bank_core::{CATALOG, Invariant, Verdict};
use std::path::Path;
use support::{rust_files, workspace};

fn read(relative: &str) -> String {
    std::fs::read_to_string(workspace().join(relative))
        .unwrap_or_else(|error| panic!("{relative}: {error}"))
}

/// The README verdict table's rows: id and every verdict cell's first word.
fn readme_verdicts(readme: &str) -> Vec<(String, Vec<String>)> {
    readme
        .lines()
        .skip_while(|line| !line.starts_with("| id | from | mechanism |"))
        .take_while(|line| line.starts_with('|'))
        .filter(|line| line.starts_with("| `"))
        .filter_map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            // "", id, from, mechanism, one verdict per invariant, ""
            let verdicts_end = 4 + bank_core::Invariant::ALL.len();
            (cells.len() == verdicts_end + 1).then(|| {
                let id = cells[1].trim_matches('`').to_string();
                let verdicts = cells[4..verdicts_end]
                    .iter()
                    .map(|cell| cell.split_whitespace().next().unwrap_or("").to_string())
                    .collect();
                (id, verdicts)
            })
        })
        .collect()
}

/// Differences between the README's verdict table and the catalog, in words.
fn table_disagreements(readme: &str) -> Vec<String> {
    let rows = readme_verdicts(readme);
    let mut problems = Vec::new();
    for variant in CATALOG {
        let Some((_, cells)) = rows.iter().find(|(id, _)| id == variant.id) else {
            problems.push(format!("{} has no row in the README's table", variant.id));
            continue;
        };
        for (invariant, cell) in Invariant::ALL.into_iter().zip(cells) {
            let expected = match variant
                .expected
                .expect("catalog entries state their verdicts")
                .get(invariant)
            {
                Verdict::Breaks => "breaks",
                Verdict::Holds => "holds",
            };
            if cell != expected {
                problems.push(format!(
                    "{} / {invariant}: README says {cell:?}, the catalog {expected:?}",
                    variant.id
                ));
            }
        }
    }
    for (id, _) in &rows {
        if !CATALOG.iter().any(|variant| variant.id == id) {
            problems.push(format!("the README's table has {id}, the catalog does not"));
        }
    }
    problems
}

#[test]
fn the_readme_verdict_table_is_the_catalog() {
    let problems = table_disagreements(&read("README.md"));
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn the_table_check_fails_when_one_cell_is_changed_by_hand() {
    let readme = read("README.md");
    let row = readme
        .lines()
        .find(|line| line.starts_with("| `global-lock` |"))
        .expect("global-lock's row");
    let edited = readme.replace(row, &row.replacen("| holds |", "| breaks |", 1));
    assert_ne!(edited, readme, "the edit applied");
    let problems = table_disagreements(&edited);
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert!(problems[0].starts_with("global-lock / "), "{problems:#?}");
}

#[test]
fn no_variant_reaches_past_the_runtime_and_each_names_its_expected_verdict() {
    let variants = workspace().join("bank-core/src/variants");
    let declared = std::fs::read_to_string(variants.join("mod.rs")).unwrap();
    for path in rust_files(&variants) {
        let text = std::fs::read_to_string(&path).unwrap();
        for forbidden in ["std::sync", "parking_lot", "shuttle"] {
            assert!(
                !text.contains(forbidden),
                "{} uses {forbidden}: a variant may use only its runtime's primitives",
                path.display()
            );
        }
        // A variant is a `pub mod` of `variants/mod.rs`; the shared steps are not one.
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        if declared.contains(&format!("pub mod {stem};")) {
            let doc: String = text
                .lines()
                .take_while(|line| line.starts_with("//!"))
                .collect::<Vec<_>>()
                .join("\n");
            assert!(
                doc.contains("Expected verdict"),
                "{}: its module doc does not name its expected verdict",
                path.display()
            );
        }
    }
}

#[test]
fn the_architecture_code_map_names_every_source_file() {
    let architecture = read("ARCHITECTURE.md");
    let mut missing = Vec::new();
    for crate_src in [
        "bank-core/src",
        "bank-stress/src",
        "xtask/src",
        "examples/my-bank/src",
    ] {
        for path in rust_files(&workspace().join(crate_src)) {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let folder = path
                .parent()
                .and_then(Path::file_name)
                .map(|folder| format!("`{}/`", folder.to_string_lossy()))
                .unwrap_or_default();
            // lib.rs, main.rs and mod.rs are named by their crate or folder.
            let covered = architecture.contains(&name)
                || (matches!(name.as_str(), "lib.rs" | "main.rs" | "mod.rs"))
                || (folder == "`variants/`" && architecture.contains(&folder));
            if !covered {
                missing.push(
                    path.strip_prefix(workspace())
                        .unwrap()
                        .display()
                        .to_string(),
                );
            }
        }
    }
    assert!(
        missing.is_empty(),
        "ARCHITECTURE.md's code map does not name: {missing:#?}"
    );
}
