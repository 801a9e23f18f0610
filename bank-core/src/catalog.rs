//! The catalog: the single source of truth for every variant's id, lesson and expected verdict.
//!
//! The CLI, the tests and every report read this table instead of repeating it. Adding a variant
//! is one new file under `variants/` plus one entry in [`CATALOG`].

use crate::bank::{Bank, BankOptions, Money, OpenBank, OpenError};
use crate::runtime::{OsThreads, ShuttleThreads};
use crate::variants::{
    actor::ActorBank, atomic::AtomicBank, balancing_audit::BalancingAuditBank,
    busy_refuses::BusyRefusesBank, global_lock::GlobalLockBank,
    global_lock_toctou::GlobalLockToctouBank, missed_audit_lock::MissedAuditLockBank,
    nested_locks::NestedLocksBank, ordered_locks::OrderedLocksBank, two_level::TwoLevelBank,
    unordered_audit::UnorderedAuditBank, unsafe_bank::UnsafeBank,
};
use std::fmt;

/// A property a bank should have under concurrent use.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Invariant {
    /// Every audit sums to the starting total.
    SnapshotConservation,
    /// After every thread has finished, the total is the starting total.
    FinalConservation,
    /// No balance is ever negative, in any audit or at the end.
    NoOverdraft,
    /// Every run finishes.
    DeadlockFree,
    /// Every history of calls and results equals some sequential history of the
    /// [`SequentialBank`](crate::model::SequentialBank) that respects real-time order (Herlihy &
    /// Wing): no refusal, audit or result that no serial order would give.
    Linearizable,
}

impl Invariant {
    /// All five, in report order.
    pub const ALL: [Invariant; 5] = [
        Self::SnapshotConservation,
        Self::FinalConservation,
        Self::NoOverdraft,
        Self::DeadlockFree,
        Self::Linearizable,
    ];

    /// The key used in JSON reports and replay files.
    pub fn key(self) -> &'static str {
        match self {
            Self::SnapshotConservation => "snapshot_conservation",
            Self::FinalConservation => "final_conservation",
            Self::NoOverdraft => "no_overdraft",
            Self::DeadlockFree => "deadlock_free",
            Self::Linearizable => "linearizable",
        }
    }

    /// A short column title for tables.
    pub fn title(self) -> &'static str {
        match self {
            Self::SnapshotConservation => "snapshot",
            Self::FinalConservation => "final",
            Self::NoOverdraft => "no-overdraft",
            Self::DeadlockFree => "deadlock-free",
            Self::Linearizable => "linearizable",
        }
    }
}

impl fmt::Display for Invariant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// Whether an invariant holds or breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// No run violates it.
    Holds,
    /// Some run violates it.
    Breaks,
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Holds => "holds",
            Self::Breaks => "breaks",
        })
    }
}

/// One verdict per invariant, indexed by [`Invariant`]: a new invariant needs no new field, and
/// every catalog entry that does not break it stays as it is. In JSON, an object keyed by
/// [`Invariant::key`] (`{"snapshot_conservation": "breaks", …}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdicts([Verdict; Invariant::ALL.len()]);

impl Verdicts {
    /// Every invariant holds.
    pub const ALL_HOLD: Self = Self([Verdict::Holds; Invariant::ALL.len()]);

    /// These invariants break, every other holds.
    pub const fn breaking(broken: &[Invariant]) -> Self {
        let mut verdicts = [Verdict::Holds; Invariant::ALL.len()];
        let mut index = 0;
        while index < broken.len() {
            verdicts[broken[index] as usize] = Verdict::Breaks;
            index += 1;
        }
        Self(verdicts)
    }

    /// The verdict for one invariant.
    pub fn get(&self, invariant: Invariant) -> Verdict {
        self.0[invariant as usize]
    }

    /// Sets the verdict for one invariant.
    pub fn set(&mut self, invariant: Invariant, verdict: Verdict) {
        self.0[invariant as usize] = verdict;
    }

    /// The same verdicts with one changed.
    pub fn with(mut self, invariant: Invariant, verdict: Verdict) -> Self {
        self.set(invariant, verdict);
        self
    }
}

#[cfg(test)]
mod verdicts_tests {
    use super::{Invariant, Verdict, Verdicts};

    #[test]
    fn invariants_index_in_report_order_and_verdicts_round_trip_as_a_keyed_object() {
        for (position, invariant) in Invariant::ALL.into_iter().enumerate() {
            assert_eq!(invariant as usize, position, "{invariant}");
        }
        let verdicts = Verdicts::breaking(&[Invariant::NoOverdraft]);
        assert_eq!(verdicts.get(Invariant::NoOverdraft), Verdict::Breaks);
        assert_eq!(verdicts.get(Invariant::DeadlockFree), Verdict::Holds);
        let json = serde_json::to_string(&verdicts).unwrap();
        assert_eq!(
            json,
            r#"{"snapshot_conservation":"holds","final_conservation":"holds","no_overdraft":"breaks","deadlock_free":"holds","linearizable":"holds"}"#
        );
        assert_eq!(serde_json::from_str::<Verdicts>(&json).unwrap(), verdicts);
        let missing = r#"{"snapshot_conservation":"holds"}"#;
        assert!(
            serde_json::from_str::<Verdicts>(missing)
                .unwrap_err()
                .to_string()
                .contains("no verdict for final_conservation")
        );
    }
}

impl serde::Serialize for Verdicts {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(Invariant::ALL.len()))?;
        for invariant in Invariant::ALL {
            map.serialize_entry(invariant.key(), &self.get(invariant))?;
        }
        map.end()
    }
}

impl<'de> serde::Deserialize<'de> for Verdicts {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let map = std::collections::BTreeMap::<String, Verdict>::deserialize(deserializer)?;
        let mut verdicts = Self::ALL_HOLD;
        for invariant in Invariant::ALL {
            let verdict = map.get(invariant.key()).ok_or_else(|| {
                serde::de::Error::custom(format!("no verdict for {}", invariant.key()))
            })?;
            verdicts.set(invariant, *verdict);
        }
        Ok(verdicts)
    }
}

/// Opens a bank of one variant on one runtime, boxed.
pub type Opener = fn(&[Money], BankOptions) -> Result<Box<dyn Bank>, OpenError>;

/// Opens a `B` and boxes it; the catalog's entries are instances of this for each runtime.
pub fn open_boxed<B: OpenBank + 'static>(
    initial: &[Money],
    options: BankOptions,
) -> Result<Box<dyn Bank>, OpenError> {
    Ok(Box::new(B::open(initial, options)?))
}

/// One catalog entry.
#[derive(Clone, Copy)]
pub struct VariantInfo {
    /// The kebab-case id the CLI and every report use.
    pub id: &'static str,
    /// The lesson, in one line.
    pub lesson: &'static str,
    /// Where in the course it comes from.
    pub from: &'static str,
    /// How it synchronises, in one line.
    pub mechanism: &'static str,
    /// What the checker must find.
    pub expected: Verdicts,
    /// Whether the bank uses account numbers only as names: renaming the accounts of a workload
    /// renames the bank's behaviour and changes nothing else. `prove` merges workloads that differ
    /// by such a renaming only for these banks. It holds when every access that touches more than
    /// one account is serialised by one lock or one owner thread; it fails as soon as anything
    /// happens in index order while other threads run (locking in index order, or an audit
    /// reading account 0, then 1, … without excluding transfers), because the order then differs
    /// between a workload and its renaming.
    pub accounts_are_names: bool,
    /// Opens it on real OS threads.
    pub open_os: Opener,
    /// Opens it on shuttle's scheduler (only inside a shuttle execution).
    pub open_shuttle: Opener,
}

impl fmt::Debug for VariantInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VariantInfo")
            .field("id", &self.id)
            .field("expected", &self.expected)
            .finish_non_exhaustive()
    }
}

/// Every variant, in the order the course meets them.
pub static CATALOG: &[VariantInfo] = &[
    VariantInfo {
        id: "unsafe",
        lesson: "Shared mutable state without locks loses and invents money.",
        from: "the unsafe bank",
        mechanism: "no locking; funds check, debit as a separate load and store, yield, credit",
        expected: Verdicts::breaking(&[
            Invariant::SnapshotConservation,
            Invariant::FinalConservation,
            Invariant::NoOverdraft,
            Invariant::Linearizable,
        ]),
        accounts_are_names: false,
        open_os: open_boxed::<UnsafeBank<OsThreads>>,
        open_shuttle: open_boxed::<UnsafeBank<ShuttleThreads>>,
    },
    VariantInfo {
        id: "missed-audit-lock",
        lesson: "A lock protects only the code that takes it.",
        from: "lecture \"a missed lock\"",
        mechanism: "one bank lock around transfers; audit reads without it",
        expected: Verdicts::breaking(&[Invariant::SnapshotConservation, Invariant::Linearizable]),
        accounts_are_names: false,
        open_os: open_boxed::<MissedAuditLockBank<OsThreads>>,
        open_shuttle: open_boxed::<MissedAuditLockBank<ShuttleThreads>>,
    },
    VariantInfo {
        id: "global-lock-toctou",
        lesson: "Check-then-act outside the lock lets two transfers spend the same money.",
        from: "the safe bank as published",
        mechanism: "one bank lock, but the funds check runs before the lock is taken",
        expected: Verdicts::breaking(&[Invariant::NoOverdraft, Invariant::Linearizable]),
        accounts_are_names: true,
        open_os: open_boxed::<GlobalLockToctouBank<OsThreads>>,
        open_shuttle: open_boxed::<GlobalLockToctouBank<ShuttleThreads>>,
    },
    VariantInfo {
        id: "global-lock",
        lesson: "One coarse lock around everything is correct.",
        from: "the safe bank, fixed",
        mechanism: "check, debit, credit and audit all under the one lock",
        expected: Verdicts::ALL_HOLD,
        accounts_are_names: true,
        open_os: open_boxed::<GlobalLockBank<OsThreads>>,
        open_shuttle: open_boxed::<GlobalLockBank<ShuttleThreads>>,
    },
    VariantInfo {
        id: "nested-locks",
        lesson: "Two locks taken in opposite orders deadlock.",
        from: "lecture \"fine-grained locks\"",
        mechanism: "per-account locks taken from-account then to-account",
        expected: Verdicts::breaking(&[Invariant::DeadlockFree]),
        accounts_are_names: false,
        open_os: open_boxed::<NestedLocksBank<OsThreads>>,
        open_shuttle: open_boxed::<NestedLocksBank<ShuttleThreads>>,
    },
    VariantInfo {
        id: "unordered-audit",
        lesson: "One code path that ignores the lock order is enough to deadlock.",
        from: "the course's first fine-grained commit",
        mechanism: "transfers lock accounts in one fixed order; audit locks them all in a different order",
        expected: Verdicts::breaking(&[Invariant::DeadlockFree]),
        accounts_are_names: false,
        open_os: open_boxed::<UnorderedAuditBank<OsThreads>>,
        open_shuttle: open_boxed::<UnorderedAuditBank<ShuttleThreads>>,
    },
    VariantInfo {
        id: "ordered-locks",
        lesson: "A single global lock order makes fine-grained locking deadlock-free.",
        from: "the fine-grained bank, fixed",
        mechanism: "per-account locks in one global order; audit takes all in that order; funds check under the locks",
        expected: Verdicts::ALL_HOLD,
        accounts_are_names: false,
        open_os: open_boxed::<OrderedLocksBank<OsThreads>>,
        open_shuttle: open_boxed::<OrderedLocksBank<ShuttleThreads>>,
    },
    VariantInfo {
        id: "atomic",
        lesson: "Atomic accounts do not make a transfer atomic: audits see money in flight.",
        from: "beyond the course",
        mechanism: "per-account atomics: compare-and-swap withdraw, compare-and-swap deposit",
        expected: Verdicts::breaking(&[Invariant::SnapshotConservation, Invariant::Linearizable]),
        accounts_are_names: false,
        open_os: open_boxed::<AtomicBank<OsThreads>>,
        open_shuttle: open_boxed::<AtomicBank<ShuttleThreads>>,
    },
    VariantInfo {
        id: "two-level",
        lesson: "A reader-writer gate lets transfers run in parallel and audits stop them all.",
        from: "beyond the course",
        mechanism: "transfers take a shared gate (read side) plus ordered account locks; audit takes the gate's write side",
        expected: Verdicts::ALL_HOLD,
        accounts_are_names: false,
        open_os: open_boxed::<TwoLevelBank<OsThreads>>,
        open_shuttle: open_boxed::<TwoLevelBank<ShuttleThreads>>,
    },
    VariantInfo {
        id: "actor",
        lesson: "If one thread owns the balances, there is nothing to race on.",
        from: "beyond the course",
        mechanism: "one owner thread applies transfers and audits received on a channel",
        expected: Verdicts::ALL_HOLD,
        accounts_are_names: true,
        open_os: open_boxed::<ActorBank<OsThreads>>,
        open_shuttle: open_boxed::<ActorBank<ShuttleThreads>>,
    },
    VariantInfo {
        id: "busy-refuses",
        lesson: "A refusal is a result too: backing off from a busy lock must not blame the balance.",
        from: "beyond the course",
        mechanism: "per-account locks; the destination's lock only tried, and a busy one reported as insufficient funds",
        expected: Verdicts::breaking(&[Invariant::Linearizable]),
        accounts_are_names: false,
        open_os: open_boxed::<BusyRefusesBank<OsThreads>>,
        open_shuttle: open_boxed::<BusyRefusesBank<ShuttleThreads>>,
    },
    VariantInfo {
        id: "balancing-audit",
        lesson: "A total that balances is not a snapshot: rereading until the sum is right hides the bug.",
        from: "beyond the course",
        mechanism: "ordered per-account locks for transfers; the audit reads one account lock at a time and retries until the sum is right",
        expected: Verdicts::breaking(&[Invariant::Linearizable]),
        accounts_are_names: false,
        open_os: open_boxed::<BalancingAuditBank<OsThreads>>,
        open_shuttle: open_boxed::<BalancingAuditBank<ShuttleThreads>>,
    },
];

/// Looks a variant up by id.
pub fn find(id: &str) -> Option<&'static VariantInfo> {
    CATALOG.iter().find(|variant| variant.id == id)
}

/// Every id, comma-separated, for error messages.
pub fn known_ids() -> String {
    CATALOG
        .iter()
        .map(|variant| variant.id)
        .collect::<Vec<_>>()
        .join(", ")
}
