//! Every command of `cargo xtask`, for this crate's banks: `cargo run -- list`, `cargo run --
//! explore`, `cargo run -- prove --scope quick`, `cargo run -- stress --report DIR`, `cargo run --
//! replay FILE`, `merge`, `detection`. Same output, JSON and exit codes as `cargo xtask`.

fn main() -> std::process::ExitCode {
    bank_stress::cli::main(&my_bank_example::BANKS)
}
