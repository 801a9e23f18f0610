//! `cargo xtask replay FILE`: re-runs one persisted counterexample deterministically.

use crate::Outcome;
use crate::flags::{ReplayArgs, parse_variant};
use bank_stress::checker::replay;
use bank_stress::matrix::shuttle_opener;
use bank_stress::persist;

pub fn run(args: &ReplayArgs) -> Result<Outcome, String> {
    let file = persist::load(&args.file)?;
    let variant = parse_variant(&file.variant)
        .map_err(|why| format!("{}: variant {:?}: {why}", args.file.display(), file.variant))?;
    let counterexample = &file.counterexample;
    outln!(
        "replaying {} / {} ({} seed {}, iteration {}, {} threads, {} ops)",
        variant.id,
        counterexample.finding,
        counterexample.strategy.name(),
        counterexample.seed,
        counterexample.iteration,
        counterexample.workload.threads.len(),
        counterexample.workload.op_count()
    );
    let _quiet = gag::Gag::stderr().ok();
    let outcome =
        replay(shuttle_opener(variant), counterexample).map_err(|error| error.to_string())?;
    drop(_quiet);
    if outcome.reproduced() {
        outln!(
            "REPRODUCED: {} shows {} again",
            variant.id,
            counterexample.finding
        );
        Ok(Outcome::Finding)
    } else {
        let bank_stress::checker::ReplayOutcome::NotReproduced(why) = outcome else {
            unreachable!()
        };
        outln!("not reproduced: {why}");
        Ok(Outcome::Agrees)
    }
}
