//! The lecture's seed workload, exactly: 5 threads × 9,999 transfers on the six seed accounts,
//! the yield between debit and credit kept, an audit of the whole bank after every transfer.
//! Every variant that finishes, against two floors:
//! - `floor/5-threads-yielding`: the same threads doing nothing but the 49,995 yields;
//! - `floor/1-thread-yielding`: one thread making all 49,995 yield system calls, no one else
//!   runnable (what a yield costs when it gives the core to no one).
//!
//! Transfers are generated before timing; each iteration opens a bank, starts the threads and
//! joins them (as `cargo xtask stress --preset seed` does). Run: `cargo bench --bench seed`.
//! The course's CPython programs take 4.9–5.2 s (global lock) and 5.1–5.2 s (fine-grained) on
//! this machine class; BENCHMARKS.md has the ratios.

use bank_core::{BankOptions, CATALOG, Invariant, Money, Verdict, WorkloadShape};
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::Duration;

/// `cargo xtask stress`'s default campaign seed: run 0 of `--preset seed` makes these transfers.
const CAMPAIGN_SEED: u64 = 0x0BAD_BA4C;

fn seed_workload(c: &mut Criterion) {
    let shape = WorkloadShape::seed();
    let work: Vec<Vec<(usize, usize, Money)>> = (0..shape.threads)
        .map(|thread| shape.transfers(CAMPAIGN_SEED, thread).collect())
        .collect();
    let yields = shape.threads * shape.transfers_per_thread;

    let mut group = c.benchmark_group("seed");
    group
        .sample_size(15)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    group.bench_function("floor/5-threads-yielding", |b| {
        b.iter(|| {
            std::thread::scope(|scope| {
                for _ in 0..shape.threads {
                    scope.spawn(|| {
                        for _ in 0..shape.transfers_per_thread {
                            std::thread::yield_now();
                        }
                    });
                }
            });
        });
    });
    group.bench_function("floor/1-thread-yielding", |b| {
        b.iter(|| {
            for _ in 0..yields {
                std::thread::yield_now();
            }
        });
    });
    for variant in CATALOG
        .iter()
        .filter(|variant| variant.expects(Invariant::DeadlockFree) == Some(Verdict::Holds))
    {
        group.bench_function(variant.id, |b| {
            b.iter(|| {
                let bank = (variant.open.os)(&shape.balances, BankOptions::default()).unwrap();
                std::thread::scope(|scope| {
                    for mine in &work {
                        let bank = &bank;
                        scope.spawn(move || {
                            for &(from, to, amount) in mine {
                                let _ = black_box(bank.transfer(from, to, amount));
                                black_box(bank.audit());
                            }
                        });
                    }
                });
            });
        });
    }
    group.finish();
}

criterion_group!(benches, seed_workload);
criterion_main!(benches);
