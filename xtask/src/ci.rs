//! `cargo xtask ci`: the pull-request tier of the pipeline, run the same way on a laptop and in
//! GitHub Actions (`.github/workflows/pull-request.yml` only calls this). The stages are listed
//! here and nowhere else.

use bank_stress::cli::Outcome;
use bank_stress::outln;
use clap::Args;
use std::process::Command;
use std::time::Instant;

/// `cargo xtask ci`'s flags.
#[derive(Debug, Args)]
pub struct CiArgs {
    /// Run only this stage (repeatable); every stage by default.
    #[arg(long = "stage", value_name = "NAME")]
    pub stages: Vec<String>,
    /// Print the stages and their commands, and run nothing.
    #[arg(long)]
    pub list: bool,
}

/// One stage: a name and the command it runs.
struct Stage {
    name: &'static str,
    program: Program,
    args: &'static [&'static str],
}

/// What a stage runs.
enum Program {
    /// `cargo` itself.
    Cargo,
    /// `cargo xtask`, the very command users run. Not this process's own executable: an earlier
    /// stage (nextest) may rebuild `target/debug/xtask` with the workspace's test features and
    /// replace the running binary, whose path then points at a deleted file.
    Xtask,
}

/// The pull-request tier, in order.
const STAGES: &[Stage] = &[
    Stage {
        name: "fmt",
        program: Program::Cargo,
        args: &["fmt", "--all", "--check"],
    },
    Stage {
        name: "clippy",
        program: Program::Cargo,
        args: &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ],
    },
    // JUnit XML lands in target/nextest/ci/junit.xml (see .config/nextest.toml).
    Stage {
        name: "tests",
        program: Program::Cargo,
        args: &["nextest", "run", "--workspace", "--profile", "ci"],
    },
    Stage {
        name: "explore",
        program: Program::Xtask,
        args: &["explore", "--json", "target/ci/explore.json"],
    },
    Stage {
        name: "prove",
        program: Program::Xtask,
        args: &[
            "prove",
            "--scope",
            "quick",
            "--json",
            "target/ci/prove.json",
        ],
    },
    Stage {
        name: "stress",
        program: Program::Xtask,
        args: &[
            "stress",
            "--preset",
            "quick",
            "--json",
            "target/ci/stress-quick.json",
            "--report",
            "target/ci/stress-report",
        ],
    },
    // A bank the catalog does not know, through its own crate's command line: the quick scope
    // proven (about 100 s on two cores).
    Stage {
        name: "own-bank",
        program: Program::Cargo,
        args: &[
            "run",
            "--quiet",
            "-p",
            "my-bank-example",
            "--",
            "prove",
            "--scope",
            "quick",
            "--json",
            "target/ci/own-bank-prove.json",
        ],
    },
];

pub fn run(args: &CiArgs) -> Result<Outcome, String> {
    if args.list {
        for stage in STAGES {
            outln!("{:<8} {}", stage.name, describe(stage));
        }
        return Ok(Outcome::Agrees);
    }
    for name in &args.stages {
        if !STAGES.iter().any(|stage| stage.name == name) {
            let known: Vec<_> = STAGES.iter().map(|stage| stage.name).collect();
            return Err(format!(
                "--stage: unknown stage {name:?} (known: {})",
                known.join(", ")
            ));
        }
    }
    let chosen = STAGES.iter().filter(|stage| {
        args.stages.is_empty() || args.stages.iter().any(|name| name == stage.name)
    });
    std::fs::create_dir_all("target/ci")
        .map_err(|error| format!("cannot create target/ci: {error}"))?;
    for stage in chosen {
        outln!("== ci: {} ({})", stage.name, describe(stage));
        let started = Instant::now();
        let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
        if let Program::Xtask = stage.program {
            command.arg("xtask");
        }
        let status = command
            .args(stage.args)
            .status()
            .map_err(|error| format!("stage {}: cannot start: {error}", stage.name))?;
        outln!(
            "== ci: {} {} in {:.1}s",
            stage.name,
            if status.success() { "passed" } else { "FAILED" },
            started.elapsed().as_secs_f64()
        );
        if !status.success() {
            if stage.name == "tests" && status.code() == Some(101) && !nextest_installed() {
                return Err("stage tests: cargo-nextest is not installed (cargo install --locked cargo-nextest)".into());
            }
            return Ok(Outcome::Finding);
        }
    }
    outln!("== ci: every stage passed");
    Ok(Outcome::Agrees)
}

fn describe(stage: &Stage) -> String {
    let program = match stage.program {
        Program::Cargo => "cargo",
        Program::Xtask => "cargo xtask",
    };
    format!("{program} {}", stage.args.join(" "))
}

fn nextest_installed() -> bool {
    Command::new("cargo")
        .args(["nextest", "--version"])
        .output()
        .is_ok_and(|output| output.status.success())
}
