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
    let mut header = format!("{:<20}", "variant");
    for invariant in Invariant::ALL {
        header.push_str(&format!(" {:<13}", invariant.title()));
    }
    outln!("{header} lesson");
    for variant in CATALOG {
        let mut row = format!("{:<20}", variant.id);
        for invariant in Invariant::ALL {
            row.push_str(&format!(
                " {:<13}",
                variant.expected.get(invariant).to_string()
            ));
        }
        outln!("{row} {}", variant.lesson);
    }
    outln!(
        "\nsnapshot = every audit sums to the starting total; final = the total after all threads finish;"
    );
    outln!(
        "no-overdraft = no balance ever negative; deadlock-free = every run finishes; linearizable = every"
    );
    outln!("call's result is one the sequential bank gives in some order that respects real time.");
    outln!("breaks: the design violates it (the lesson); holds: it never does.");
    Ok(Outcome::Agrees)
}
