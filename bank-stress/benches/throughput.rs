//! Transfers per second for every variant that finishes, at 1, 2 and 4 threads × 6 and 1,000
//! accounts, with and without the lesson's yield; and the limit: a single-threaded,
//! unsynchronised `Vec<i64>` transfer loop over the same generated transfers.
//!
//! Transfers are generated before timing (the RNG is not measured); each measured iteration opens
//! a bank, starts the threads together, and joins them. Run: `cargo bench --bench throughput`.

use bank_core::workload::SEED_BALANCES;
use bank_core::{BankOptions, CATALOG, Invariant, Money, Verdict, WorkloadShape};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::Duration;

const TRANSFERS_PER_THREAD: usize = 2_000;

fn balances(accounts: usize) -> Vec<Money> {
    SEED_BALANCES
        .iter()
        .copied()
        .cycle()
        .take(accounts)
        .collect()
}

fn transfers(accounts: usize, threads: usize) -> Vec<Vec<(usize, usize, Money)>> {
    let shape = WorkloadShape {
        balances: balances(accounts),
        threads,
        transfers_per_thread: TRANSFERS_PER_THREAD,
        ..WorkloadShape::seed()
    };
    (0..threads)
        .map(|thread| shape.transfers(42, thread).collect())
        .collect()
}

/// The physical limit: one thread, no synchronisation, the same checks and arithmetic.
fn unsynchronised_limit(balances: &mut [Money], transfers: &[Vec<(usize, usize, Money)>]) {
    for (from, to, amount) in transfers.iter().flatten().copied() {
        if balances[from] >= amount && balances[to].checked_add(amount).is_some() {
            balances[from] -= amount;
            balances[to] += amount;
        }
    }
}

fn throughput(c: &mut Criterion) {
    let mut group = c.benchmark_group("transfers");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1));
    for accounts in [6, 1_000] {
        for threads in [1, 2, 4] {
            let work = transfers(accounts, threads);
            group.throughput(Throughput::Elements(
                (threads * TRANSFERS_PER_THREAD) as u64,
            ));
            group.bench_with_input(
                BenchmarkId::new("limit", format!("{threads}t-{accounts}a")),
                &work,
                |b, work| {
                    b.iter(|| unsynchronised_limit(&mut balances(accounts), black_box(work)));
                },
            );
            for variant in CATALOG {
                // A variant that can deadlock may never finish with more than one thread.
                if threads > 1 && variant.expects(Invariant::DeadlockFree) == Some(Verdict::Breaks)
                {
                    continue;
                }
                for yielding in [true, false] {
                    let options = BankOptions {
                        yield_between_debit_and_credit: yielding,
                    };
                    let id = BenchmarkId::new(
                        variant.id,
                        format!(
                            "{threads}t-{accounts}a-{}",
                            if yielding { "yield" } else { "noyield" }
                        ),
                    );
                    group.bench_with_input(id, &work, |b, work| {
                        b.iter(|| {
                            let bank = (variant.open.os)(&balances(accounts), options).unwrap();
                            std::thread::scope(|scope| {
                                for mine in work {
                                    let bank = &bank;
                                    scope.spawn(move || {
                                        for &(from, to, amount) in mine {
                                            let _ = black_box(bank.transfer(from, to, amount));
                                        }
                                    });
                                }
                            });
                        });
                    });
                }
            }
        }
    }
    group.finish();
}

criterion_group!(benches, throughput);
criterion_main!(benches);
