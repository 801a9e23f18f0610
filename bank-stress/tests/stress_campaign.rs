//! The stress campaign machinery: the watchdog reports a deadlock instead of hanging, a hung run
//! is abandoned at its time bound, and sharding then merging gives the unsharded campaign.
//!
//! Real-thread races are not reproducible, so the watchdog is tested with banks that deadlock or
//! hang *deterministically*, and merging is tested on what does not depend on the interleaving.

use bank_core::Invariant;
use bank_core::catalog::find;
use bank_core::runtime::{Lock, Noise, OsMutex};
use bank_core::{
    AccountId, Bank, BankOptions, Money, OpenError, TransferError, Verdict, WorkloadShape,
};
use bank_core::{Subject, Verdicts};
use bank_stress::stress::{
    Campaign, Preset, RunOutcome, RunRecord, RunSpec, Shard, merge, run_once,
};
use std::sync::Barrier;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// The first two transfers (whatever their accounts) take two of the runtime's locks in opposite
/// orders, and a barrier makes sure each holds its first lock before taking the second: a
/// deadlock every time.
struct CertainDeadlockBank {
    // The runtime's own mutex: its waiters must end up where parking_lot's detector sees them.
    locks: [OsMutex<()>; 2],
    both_hold_one: Barrier,
    callers: AtomicUsize,
}

impl Bank for CertainDeadlockBank {
    fn account_count(&self) -> usize {
        2
    }
    fn transfer(&self, _: AccountId, _: AccountId, _: Money) -> Result<(), TransferError> {
        let (first, second) = if self.callers.fetch_add(1, Ordering::SeqCst) == 0 {
            (0, 1)
        } else {
            (1, 0)
        };
        let _held = self.locks[first].lock();
        self.both_hold_one.wait();
        let _also = self.locks[second].lock();
        Ok(())
    }
    fn audit(&self) -> Vec<Money> {
        vec![1, 1]
    }
    fn balances(&self) -> Vec<Money> {
        vec![1, 1]
    }
}

fn open_certain_deadlock(_: &[Money], _: BankOptions) -> Result<Box<dyn Bank>, OpenError> {
    Ok(Box::new(CertainDeadlockBank {
        locks: [OsMutex::new(()), OsMutex::new(())],
        both_hold_one: Barrier::new(2),
        callers: AtomicUsize::new(0),
    }))
}

/// Every transfer waits on a barrier no second thread ever reaches: a hang that is not a lock
/// cycle, so parking_lot cannot see it.
struct HangingBank(Barrier);

impl Bank for HangingBank {
    fn account_count(&self) -> usize {
        2
    }
    fn transfer(&self, _: AccountId, _: AccountId, _: Money) -> Result<(), TransferError> {
        self.0.wait();
        Ok(())
    }
    fn audit(&self) -> Vec<Money> {
        vec![1, 1]
    }
    fn balances(&self) -> Vec<Money> {
        vec![1, 1]
    }
}

fn open_hanging(_: &[Money], _: BankOptions) -> Result<Box<dyn Bank>, OpenError> {
    Ok(Box::new(HangingBank(Barrier::new(3))))
}

/// The catalog's subjects, which the reports here are summarised against.
fn catalog() -> Vec<&'static Subject> {
    bank_core::catalog::SUBJECTS.refs()
}

fn test_variant(id: &'static str, open: bank_core::subject::Opener) -> &'static Subject {
    let open = bank_core::runtime::Openers {
        os: open,
        shuttle: open,
    };
    Box::leak(Box::new(Subject::new(id, open).expecting(
        Verdicts::breaking(&[bank_core::Invariant::DeadlockFree]),
    )))
}

fn spec(variant: &'static Subject, threads: usize, time_bound: Duration) -> RunSpec {
    RunSpec {
        variant,
        run: 0,
        seed: 1,
        shape: WorkloadShape {
            balances: vec![1, 1],
            threads,
            transfers_per_thread: 10,
            ..WorkloadShape::seed()
        },
        yield_between_debit_and_credit: true,
        duration: None,
        time_bound,
        noise: Noise::NONE,
    }
}

#[test]
fn the_watchdog_reports_a_lock_cycle_instead_of_hanging() {
    // The time bound is far beyond the watchdog's period: the run must end on the detected cycle.
    let record = run_once(
        &spec(
            test_variant("certain-deadlock", open_certain_deadlock),
            2,
            Duration::from_secs(20),
        ),
        &Default::default(),
    )
    .unwrap();
    let deadlock = record.deadlock.clone().expect("the deadlock is reported");
    assert!(
        deadlock.detail.starts_with("cycle 1:"),
        "found by parking_lot's detector: {}",
        deadlock.detail
    );
    assert_eq!(
        deadlock.threads,
        ["certain-deadlock-worker-0", "certain-deadlock-worker-1"]
    );
    assert_eq!(record.final_total, None, "a deadlocked bank is not read");
    assert_eq!(shown(&record, Invariant::DeadlockFree), Verdict::Breaks);
}

#[test]
fn a_hang_without_a_lock_cycle_is_abandoned_at_the_time_bound() {
    let record = run_once(
        &spec(
            test_variant("hanging", open_hanging),
            2,
            Duration::from_millis(200),
        ),
        &Default::default(),
    )
    .unwrap();
    let deadlock = record.deadlock.clone().expect("the hang is reported");
    assert!(
        deadlock.detail.contains("completed no operation"),
        "{}",
        deadlock.detail
    );
    assert_eq!(record.threads_finished, 0);
    assert_eq!(record.outcome, RunOutcome::Hung);
    assert_eq!(shown(&record, Invariant::DeadlockFree), Verdict::Breaks);
}

fn small_campaign(shard: Option<Shard>) -> Campaign {
    Campaign {
        preset: Preset::Quick,
        variants: ["unsafe", "global-lock", "ordered-locks"]
            .map(|id| find(id).unwrap())
            .to_vec(),
        shape: WorkloadShape {
            threads: 3,
            transfers_per_thread: 300,
            ..WorkloadShape::seed()
        },
        runs_per_variant: 3,
        seed: 99,
        yield_between_debit_and_credit: true,
        duration: None,
        // Exact counts are asserted: no loaded machine may cut a run short.
        time_bound: Duration::from_secs(600),
        noise: Noise::LOW,
        shard,
    }
}

#[test]
fn shards_partition_the_campaign_and_merge_back_into_it() {
    let whole = small_campaign(None).run(|_| {}).unwrap();
    let shards: Vec<_> = (0..2)
        .map(|index| {
            small_campaign(Some(Shard { index, count: 2 }))
                .run(|_| {})
                .unwrap()
        })
        .collect();
    assert_eq!(
        shards[0].runs.len() + shards[1].runs.len(),
        whole.runs.len()
    );
    let merged = merge(&catalog(), shards.clone(), false).unwrap();
    assert_eq!(merged.shard, None);
    assert_eq!(
        (merged.seed, &merged.preset, &merged.config),
        (whole.seed, &whole.preset, &whole.config)
    );
    // The same runs, with the same seeds and the same work done (interleavings differ run to run).
    let key = |report: &bank_stress::stress::CampaignReport| {
        report
            .runs
            .iter()
            .map(|run| {
                (
                    run.variant.clone(),
                    run.run,
                    run.seed,
                    run.transfers,
                    run.audits,
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(key(&merged), key(&whole));
    for (merged, whole) in merged.variants.iter().zip(&whole.variants) {
        assert_eq!(
            (&merged.id, merged.expected, merged.transfers, merged.audits),
            (&whole.id, whole.expected, whole.transfers, whole.audits)
        );
    }
    // And the summaries are exactly those of the shards' records put together.
    let recomputed = bank_stress::stress::CampaignReport::from_runs(
        &bank_core::catalog::SUBJECTS.refs(),
        shards.iter().flat_map(|shard| shard.runs.clone()).collect(),
        99,
        "quick",
        None,
        whole.config.clone(),
    );
    assert_eq!(merged, recomputed);
}

#[test]
fn merging_refuses_a_run_twice_or_another_campaign() {
    let shard = small_campaign(Some(Shard { index: 0, count: 3 }))
        .run(|_| {})
        .unwrap();
    assert!(
        merge(&catalog(), vec![shard.clone(), shard.clone()], false)
            .unwrap_err()
            .contains("shard 1/3 appears twice")
    );
    let mut other = shard.clone();
    other.seed += 1;
    other.shard = Some("2/3".into());
    assert!(
        merge(&catalog(), vec![shard, other], true)
            .unwrap_err()
            .contains("seed 100 differs from the first report's seed 99")
    );
    assert!(merge(&catalog(), vec![], false).is_err());
}

#[test]
fn correct_variants_never_contradict_the_catalog_on_real_threads() {
    let mut campaign = small_campaign(None);
    // Every variant the catalog says keeps every invariant.
    campaign.variants = bank_core::CATALOG
        .iter()
        .filter(|subject| subject.expected == Some(bank_core::Verdicts::ALL_HOLD))
        .collect();
    assert!(!campaign.variants.is_empty());
    let report = campaign.run(|_| {}).unwrap();
    assert!(
        report.contradictions().is_empty(),
        "{:?}",
        report.contradictions()
    );
    for variant in &report.variants {
        assert_eq!(variant.inconsistent_audits, 0, "{}", variant.id);
        assert_eq!(variant.final_total, Some(44_500), "{}", variant.id);
        assert!(
            variant.audits > 0 && variant.transfers == 3 * 3 * 300,
            "{}",
            variant.id
        );
    }
}

/// Every transfer takes a millisecond: slow, but alive (and correct: one lock around a model).
struct SlowBank(std::sync::Mutex<bank_core::model::SequentialBank>);

impl Bank for SlowBank {
    fn account_count(&self) -> usize {
        self.balances().len()
    }
    fn transfer(&self, from: AccountId, to: AccountId, amount: Money) -> Result<(), TransferError> {
        // Simulated work, not synchronisation: nothing waits for this sleep to end.
        std::thread::sleep(Duration::from_millis(1));
        self.0.lock().unwrap().transfer(from, to, amount)
    }
    fn audit(&self) -> Vec<Money> {
        self.balances()
    }
    fn balances(&self) -> Vec<Money> {
        self.0.lock().unwrap().balances().to_vec()
    }
}

fn open_slow(initial: &[Money], _: BankOptions) -> Result<Box<dyn Bank>, OpenError> {
    Ok(Box::new(SlowBank(std::sync::Mutex::new(
        bank_core::model::SequentialBank::open(initial)?,
    ))))
}

#[test]
fn a_slow_run_stopped_at_its_time_bound_is_not_a_deadlock() {
    let mut slow = spec(
        test_variant("slow", open_slow),
        2,
        Duration::from_millis(100),
    );
    slow.shape.transfers_per_thread = 100_000;
    let record = run_once(&slow, &Default::default()).unwrap();
    assert_eq!(record.deadlock, None, "the threads stopped when asked");
    assert_eq!(record.threads_finished, 2);
    assert!(record.transfers < 200_000, "stopped early at the bound");
    assert_eq!(record.outcome, RunOutcome::CutShort);
    assert_eq!(record.planned_transfers, Some(200_000));
    assert_eq!(
        record.observed(),
        Verdicts::ALL_HOLD,
        "cut short is no break"
    );
}

/// Always broken, whatever the interleaving, so real threads must report it every time: a bank
/// that creates a unit of money on every transfer (final and snapshot conservation break), one
/// whose transfers always overdraw (no overdraft breaks), one whose audit always misreports, and
/// one that panics on its tenth transfer.
#[derive(Default)]
struct AlwaysBroken {
    kind: &'static str,
    balances: std::sync::Mutex<Vec<Money>>,
    transfers: AtomicUsize,
}

impl Bank for AlwaysBroken {
    fn account_count(&self) -> usize {
        2
    }
    fn transfer(&self, from: AccountId, to: AccountId, amount: Money) -> Result<(), TransferError> {
        let count = self.transfers.fetch_add(1, Ordering::SeqCst);
        // The panic below must be the only one: a poisoned lock is still read.
        let mut balances = self
            .balances
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match self.kind {
            "creates-money" => balances[to] += 1,
            // Always from account 0 to account 1, whatever was asked: account 0 goes below zero
            // by its fifth transfer and stays there, whatever the interleaving (moving money
            // both ways, as it once did, left the lowest balance to the schedule).
            "overdraws" => {
                let _ = (from, to);
                balances[0] -= amount + 1_000;
                balances[1] += amount + 1_000;
            }
            "panics" if count == 9 => panic!("the bank's own bug at transfer {count}"),
            _ => {}
        }
        Ok(())
    }
    fn audit(&self) -> Vec<Money> {
        let mut seen = self
            .balances
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        if self.kind == "audits-wrong" {
            seen[0] += 1;
        }
        seen
    }
    fn balances(&self) -> Vec<Money> {
        self.balances
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

fn open_always_broken(kind: &'static str) -> bank_core::subject::Opener {
    match kind {
        "creates-money" => |b, _| Ok(Box::new(AlwaysBroken::new("creates-money", b))),
        "overdraws" => |b, _| Ok(Box::new(AlwaysBroken::new("overdraws", b))),
        "audits-wrong" => |b, _| Ok(Box::new(AlwaysBroken::new("audits-wrong", b))),
        _ => |b, _| Ok(Box::new(AlwaysBroken::new("panics", b))),
    }
}

impl AlwaysBroken {
    fn new(kind: &'static str, balances: &[Money]) -> Self {
        Self {
            kind,
            balances: std::sync::Mutex::new(balances.to_vec()),
            transfers: AtomicUsize::new(0),
        }
    }
}

/// What `record` showed for one invariant.
fn shown(record: &RunRecord, invariant: Invariant) -> Verdict {
    record.observed().get(invariant)
}

fn broken_run(kind: &'static str) -> bank_stress::stress::RunRecord {
    let mut spec = spec(
        test_variant(kind, open_always_broken(kind)),
        3,
        Duration::from_secs(60),
    );
    spec.shape.balances = vec![5_000, 5_000];
    spec.shape.transfers_per_thread = 50;
    run_once(&spec, &Default::default()).unwrap()
}

#[test]
fn real_threads_report_a_bank_that_creates_money_under_both_conservation_invariants() {
    let record = broken_run("creates-money");
    let observed = record.observed();
    assert_eq!(
        observed.get(bank_core::Invariant::FinalConservation),
        Verdict::Breaks
    );
    assert_eq!(
        observed.get(bank_core::Invariant::SnapshotConservation),
        Verdict::Breaks
    );
    assert_eq!(
        observed.get(bank_core::Invariant::NoOverdraft),
        Verdict::Holds
    );
    assert_eq!(record.final_total, Some(10_000 + 150));
    assert_eq!(
        record.inconsistent_audits, 150,
        "every audit after a transfer"
    );
    assert_eq!(record.outcome, RunOutcome::Completed);
}

#[test]
fn real_threads_report_a_bank_that_overdraws_as_an_overdraft() {
    let record = broken_run("overdraws");
    assert_eq!(shown(&record, Invariant::NoOverdraft), Verdict::Breaks);
    assert!(record.min_balance < 0);
    assert!(record.first_overdraft_micros.is_some());
    assert_eq!(shown(&record, Invariant::FinalConservation), Verdict::Holds);
}

#[test]
fn real_threads_report_an_audit_that_always_misreports() {
    let record = broken_run("audits-wrong");
    assert_eq!(
        shown(&record, Invariant::SnapshotConservation),
        Verdict::Breaks
    );
    assert_eq!(record.inconsistent_audits, record.audits);
    assert_eq!(record.audits, 150);
    assert_eq!(shown(&record, Invariant::FinalConservation), Verdict::Holds);
}

#[test]
fn a_worker_that_panics_is_its_own_outcome_not_a_deadlock_or_a_hang() {
    let record = broken_run("panics");
    match &record.outcome {
        RunOutcome::Panicked { thread, message } => {
            assert!(thread.starts_with("panics-worker-"), "{thread}");
            assert!(message.contains("the bank's own bug"), "{message}");
        }
        other => panic!("expected a panic, got {other:?}"),
    }
    assert_eq!(shown(&record, Invariant::DeadlockFree), Verdict::Holds);
    assert_eq!(record.deadlock, None);
    // Nothing the threads saw is lost: nine transfers were made before the panic.
    assert!(record.transfers >= 9, "{}", record.transfers);
    let report = bank_stress::stress::CampaignReport::from_runs(
        &bank_core::catalog::SUBJECTS.refs(),
        vec![RunRecord {
            variant: "global-lock".into(),
            ..record
        }],
        1,
        "quick",
        None,
        serde_json::Value::Null,
    );
    assert!(!report.agrees(), "a panic fails the campaign");
}

#[test]
fn a_deadlock_is_its_own_outcome_with_the_time_it_was_seen() {
    let record = run_once(
        &spec(
            test_variant("certain-deadlock", open_certain_deadlock),
            2,
            Duration::from_secs(20),
        ),
        &Default::default(),
    )
    .unwrap();
    assert_eq!(record.outcome, RunOutcome::Deadlock);
    assert!(record.deadlock_micros.is_some());
}
