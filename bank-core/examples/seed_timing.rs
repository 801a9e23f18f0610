//! Times the lecture's seed workload (5 threads × 9,999 transfers, an audit after each, the yield
//! kept) on real threads for the variants named on the command line, median of 7 runs, and the
//! floor: the same number of bare `yield_now` calls on the same threads.
//!
//! Run: `cargo run --release -p bank-core --example seed_timing -- global-lock ordered-locks`.
//! Built this way parking_lot has no deadlock detection (bank-stress enables it for the
//! watchdog), so the figure is the bank's own cost.

use bank_core::{BankOptions, WorkloadShape, catalog};
use std::time::{Duration, Instant};

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn main() {
    let shape = WorkloadShape::seed();
    let work: Vec<Vec<_>> = (0..shape.threads)
        .map(|thread| shape.transfers(7, thread).collect())
        .collect();
    let floor = median(
        (0..7)
            .map(|_| {
                let started = Instant::now();
                std::thread::scope(|scope| {
                    for _ in 0..shape.threads {
                        scope.spawn(|| {
                            (0..shape.transfers_per_thread).for_each(|_| std::thread::yield_now())
                        });
                    }
                });
                started.elapsed()
            })
            .collect(),
    );
    println!(
        "floor (5 threads × 9,999 yields): {:.1} ms",
        floor.as_secs_f64() * 1e3
    );
    for id in std::env::args().skip(1) {
        let variant = catalog::find(&id).unwrap_or_else(|| panic!("unknown variant {id}"));
        let runs: Vec<Duration> = (0..7)
            .map(|_| {
                let bank = (variant.open_os)(&shape.balances, BankOptions::default()).unwrap();
                let started = Instant::now();
                std::thread::scope(|scope| {
                    for mine in &work {
                        let bank = &bank;
                        scope.spawn(move || {
                            for &(from, to, amount) in mine {
                                let _ = bank.transfer(from, to, amount);
                                std::hint::black_box(bank.audit());
                            }
                        });
                    }
                });
                started.elapsed()
            })
            .collect();
        let best = median(runs);
        println!(
            "{id}: median {:.1} ms = {:.0}× the course's CPython (5.0 s), {:.1}× the floor",
            best.as_secs_f64() * 1e3,
            5.0 / best.as_secs_f64(),
            best.as_secs_f64() / floor.as_secs_f64()
        );
    }
}
