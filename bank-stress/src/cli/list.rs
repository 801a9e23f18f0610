//! `list`: the subjects (the catalog, or a crate's own banks) as a table, or as JSON with `--json`.

use super::outcome::Outcome;
use crate::cli::flags::ListArgs;
use bank_core::Invariant;
use serde_json::json;

pub fn run(args: &ListArgs) -> Result<Outcome, String> {
    if args.json {
        let variants: Vec<_> = super::context::subjects()
            .iter()
            .map(|variant| {
                json!({
                    "id": variant.id,
                    "lesson": variant.about.map(|about| about.lesson),
                    "expected": variant.expected,
                })
            })
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
    for variant in super::context::subjects().iter() {
        let mut row = format!("{:<20}", variant.id);
        for invariant in Invariant::ALL {
            let expected = variant
                .expects(invariant)
                .map_or("(not stated)".to_string(), |verdict| verdict.to_string());
            row.push_str(&format!(" {expected:<13}"));
        }
        outln!("{row} {}", variant.about.map_or("", |about| about.lesson));
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
