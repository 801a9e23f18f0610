//! `cargo xtask list`: the catalog as a table, or as JSON with `--json`.

use crate::Outcome;
use crate::flags::ListArgs;
use bank_core::{CATALOG, Invariant};
use serde_json::json;

pub fn run(args: &ListArgs) -> Result<Outcome, String> {
    if args.json {
        let variants: Vec<_> = CATALOG
            .iter()
            .map(|variant| json!({"id": variant.id, "lesson": variant.lesson, "expected": variant.expected}))
            .collect();
        let text = serde_json::to_string_pretty(&json!({ "variants": variants }))
            .map_err(|error| error.to_string())?;
        outln!("{text}");
        return Ok(Outcome::Agrees);
    }
    outln!(
        "{:<20} {:<9} {:<9} {:<9} {:<9} lesson",
        "variant",
        "snapshot",
        "final",
        "overdraft",
        "deadlock"
    );
    for variant in CATALOG {
        let verdicts = Invariant::ALL.map(|invariant| variant.expected.get(invariant).to_string());
        outln!(
            "{:<20} {:<9} {:<9} {:<9} {:<9} {}",
            variant.id,
            verdicts[0],
            verdicts[1],
            verdicts[2],
            verdicts[3],
            variant.lesson
        );
    }
    outln!(
        "\nsnapshot = every audit sums to the starting total; final = the total after all threads finish;"
    );
    outln!("overdraft = no balance ever negative; deadlock = every run finishes.");
    Ok(Outcome::Agrees)
}
