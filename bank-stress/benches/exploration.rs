//! Exploration speed: shuttle schedules per second for a 2-thread, 1-operation-each workload
//! (opposite transfers), per variant and strategy. Run: `cargo bench --bench exploration`.

use bank_core::{CATALOG, Workload};
use bank_stress::checker::{Budget, Strategy};
use bank_stress::matrix::check_variant;
use bank_stress::workloads::transfer;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use std::time::Duration;

const SCHEDULES: usize = 2_000;

fn exploration(c: &mut Criterion) {
    // Shuttle prints two lines to stderr for every deadlock it reports, whatever the panic hook;
    // `cargo xtask explore` sends them to /dev/null, and so does the bench (criterion reports on
    // stdout), so that a deadlocking variant is timed as the user runs it.
    let _quiet = gag::Gag::stderr().ok();
    let workload = Workload {
        balances: vec![1, 1],
        threads: vec![vec![transfer(0, 1, 1)], vec![transfer(1, 0, 1)]],
    };
    let mut group = c.benchmark_group("schedules");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(2));
    for variant in CATALOG {
        for strategy in [Strategy::Random, Strategy::Pct { depth: 3 }] {
            let budget = Budget::single(strategy, SCHEDULES, 1);
            group.throughput(Throughput::Elements(SCHEDULES as u64));
            group.bench_with_input(
                BenchmarkId::new(variant.id, strategy.name()),
                &budget,
                |b, budget| {
                    b.iter(|| check_variant(variant, &workload, budget).unwrap());
                },
            );
        }
    }
    group.finish();
}

criterion_group!(benches, exploration);
criterion_main!(benches);
