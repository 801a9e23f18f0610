//! A history recorded from any bank on real threads: each thread stamps its call before making
//! it and its result after it returns, from one shared counter ([`Stamps`]), and the threads'
//! events are merged by stamp (see [`super::history`] for why that order is a real-time fact).
//!
//! ```
//! use bank_core::{Op, Workload};
//! use bank_stress::linearizability::{Limits, Decision, decide, record};
//! # use bank_core::{Bank, Money, TransferError};
//! # struct Mine(std::sync::Mutex<Vec<Money>>);
//! # impl Bank for Mine {
//! #     fn account_count(&self) -> usize { 2 }
//! #     fn transfer(&self, from: usize, to: usize, amount: Money) -> Result<(), TransferError> {
//! #         let mut b = self.0.lock().unwrap();
//! #         let mut model = bank_core::model::SequentialBank::open(&b).unwrap();
//! #         model.transfer(from, to, amount)?;
//! #         b.copy_from_slice(model.balances());
//! #         Ok(())
//! #     }
//! #     fn audit(&self) -> Vec<Money> { self.0.lock().unwrap().clone() }
//! # }
//! let workload = Workload {
//!     balances: vec![10, 10],
//!     threads: vec![vec![Op::Transfer { from: 0, to: 1, amount: 3 }, Op::Audit]; 4],
//! };
//! let bank = Mine(std::sync::Mutex::new(workload.balances.clone()));
//! let history = record::on_threads(&bank, &workload.threads);
//! let answer = decide(&workload.balances, &history, Limits::default()).unwrap();
//! assert_eq!(answer, Decision::Linearizable);
//! ```

use super::history::{Call, History, Outcome, StampedEvents, Stamps, merge_stamped};
use bank_core::{Bank, Op};
use std::sync::Barrier;
use std::time::Instant;

/// Runs `threads[t]` on real thread `t` against `bank`, all started together, and returns the
/// history of every call and result. A call that never returns (a deadlocked bank) holds this
/// call too: run a bank that may deadlock under the stress tool, whose watchdog abandons it.
pub fn on_threads<B: Bank + ?Sized>(bank: &B, threads: &[Vec<Op>]) -> History {
    let stamps = Stamps::default();
    let start = Barrier::new(threads.len());
    let started = Instant::now();
    let events = std::thread::scope(|scope| {
        let workers: Vec<_> = threads
            .iter()
            .enumerate()
            .map(|(thread, ops)| {
                let (stamps, start) = (&stamps, &start);
                scope.spawn(move || {
                    let mut events = StampedEvents::default();
                    let micros =
                        || u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
                    start.wait();
                    for &op in ops {
                        events.invoke(stamps, thread, Call::of(op));
                        let outcome = match op {
                            Op::Transfer { from, to, amount } => {
                                Outcome::Transfer(bank.transfer(from, to, amount))
                            }
                            Op::Audit => Outcome::Audit(bank.audit()),
                        };
                        events.answer(stamps, thread, outcome, micros());
                    }
                    events
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|worker| {
                worker
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    merge_stamped(events, u64::MAX).0
}
