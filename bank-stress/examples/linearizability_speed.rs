//! How fast the linearizability search decides histories (BENCHMARKS.md §8):
//!
//! 1. small histories, 5 threads × 20 calls over the seed's six accounts, taken from real-thread
//!    runs of `global-lock` (linearizable) and `unsafe` (not): the median and worst time per
//!    history;
//! 2. the lecture's seed workload (5 threads × 9,999 transfers, an audit after each) on real
//!    threads, whole: calls checked per second.
//!
//! `cargo run --release -p bank-stress --example linearizability_speed`

use bank_core::{Bank, BankOptions, CATALOG, WorkloadShape};
use bank_stress::linearizability::history::{StampedEvents, Stamps, merge_stamped};
use bank_stress::linearizability::{Call, History, Linearizability, Outcome, SearchBound, check};
use std::sync::Arc;
use std::time::Instant;

/// One real-thread run of `variant` on `shape`, recorded.
fn record(variant: &str, shape: &WorkloadShape, seed: u64) -> History {
    let info = CATALOG.iter().find(|info| info.id == variant).unwrap();
    let bank: Arc<dyn Bank> =
        Arc::from((info.open_os)(&shape.balances, BankOptions::default()).unwrap());
    let stamps = Arc::new(Stamps::default());
    let started = Instant::now();
    let workers: Vec<_> = (0..shape.threads)
        .map(|thread| {
            let (bank, stamps) = (Arc::clone(&bank), Arc::clone(&stamps));
            let transfers = shape.transfers(seed, thread);
            let audit = shape.audit_after_each_transfer;
            std::thread::spawn(move || {
                let mut events = StampedEvents::default();
                let micros = || started.elapsed().as_micros() as u64;
                for (from, to, amount) in transfers {
                    events.invoke(&stamps, thread, Call::Transfer { from, to, amount });
                    let result = bank.transfer(from, to, amount);
                    events.answer(&stamps, thread, Outcome::Transfer(result), micros());
                    if audit {
                        events.invoke(&stamps, thread, Call::Audit);
                        let seen = bank.audit();
                        events.answer(&stamps, thread, Outcome::Audit(seen), micros());
                    }
                }
                events
            })
        })
        .collect();
    let events = workers
        .into_iter()
        .map(|worker| worker.join().unwrap())
        .collect();
    merge_stamped(events, u64::MAX).0
}

fn verdict_word(answer: &Linearizability) -> &'static str {
    match answer {
        Linearizability::Linearizable { .. } => "linearizable",
        Linearizability::NotLinearizable(_) => "not linearizable",
        Linearizability::Unknown { .. } => "unknown",
    }
}

fn main() {
    let seed_shape = WorkloadShape::seed();
    println!("1. histories of 5 threads × 20 calls (10 transfers, each followed by an audit)");
    let small = WorkloadShape {
        transfers_per_thread: 10,
        ..seed_shape.clone()
    };
    for variant in ["global-lock", "ordered-locks", "unsafe", "busy-refuses"] {
        let mut times = Vec::new();
        let mut verdicts = std::collections::BTreeMap::<&str, usize>::new();
        for seed in 0..200 {
            let history = record(variant, &small, seed);
            let started = Instant::now();
            let answer = check(&small.balances, &history, SearchBound::default()).unwrap();
            times.push(started.elapsed().as_secs_f64() * 1e3);
            *verdicts.entry(verdict_word(&answer)).or_default() += 1;
        }
        times.sort_by(f64::total_cmp);
        println!(
            "  {variant:<14} 200 histories: median {:.3} ms, p99 {:.3} ms, worst {:.3} ms; {verdicts:?}",
            times[100], times[197], times[199]
        );
    }
    println!("2. the seed workload: 5 threads × 9,999 transfers, an audit after each");
    for variant in [
        "global-lock",
        "ordered-locks",
        "two-level",
        "unsafe",
        "busy-refuses",
    ] {
        let history = record(variant, &seed_shape, 1);
        let calls = history.events.len() / 2;
        let started = Instant::now();
        let answer = check(&seed_shape.balances, &history, SearchBound::default()).unwrap();
        let seconds = started.elapsed().as_secs_f64();
        let decided_at = match &answer {
            Linearizability::NotLinearizable(violation) => {
                format!(
                    " (decided at event {} of {})",
                    violation.prefix_len,
                    history.events.len()
                )
            }
            _ => String::new(),
        };
        println!(
            "  {variant:<14} {calls} calls: {} in {seconds:.3} s, {:.0} calls/s{decided_at}",
            verdict_word(&answer),
            calls as f64 / seconds
        );
    }
}
