//! The catalog: the course's twelve variants as [`Subject`]s, each with its lesson and expected
//! verdicts, in the order the course meets them.
//!
//! The CLI, the tests and every report read this table instead of repeating it; a bank of your
//! own is a [`Subject`] too, and gets every command the catalog's banks get. Adding a variant is
//! one new file under `variants/` plus one entry in [`CATALOG`] (and its README row).

use crate::openers;
use crate::subject::{About, Subject, Subjects};
use crate::variants::{
    actor::ActorBank, atomic::AtomicBank, balancing_audit::BalancingAuditBank,
    busy_refuses::BusyRefusesBank, global_lock::GlobalLockBank,
    global_lock_toctou::GlobalLockToctouBank, missed_audit_lock::MissedAuditLockBank,
    nested_locks::NestedLocksBank, ordered_locks::OrderedLocksBank, two_level::TwoLevelBank,
    unordered_audit::UnorderedAuditBank, unsafe_bank::UnsafeBank,
};
use crate::verdicts::{Invariant, Verdicts};

/// Every variant, in the order the course meets them.
pub static CATALOG: &[Subject] = &[
    Subject {
        id: "unsafe",
        about: Some(About {
            lesson: "Shared mutable state without locks loses and invents money.",
            from: "the unsafe bank",
            mechanism: "no locking; funds check, debit as a separate load and store, yield, credit",
        }),
        expected: Some(Verdicts::breaking(&[
            Invariant::SnapshotConservation,
            Invariant::FinalConservation,
            Invariant::NoOverdraft,
            Invariant::Linearizable,
        ])),
        accounts_are_names: false,
        open: openers!(UnsafeBank),
    },
    Subject {
        id: "missed-audit-lock",
        about: Some(About {
            lesson: "A lock protects only the code that takes it.",
            from: "lecture \"a missed lock\"",
            mechanism: "one bank lock around transfers; audit reads without it",
        }),
        expected: Some(Verdicts::breaking(&[
            Invariant::SnapshotConservation,
            Invariant::Linearizable,
        ])),
        accounts_are_names: false,
        open: openers!(MissedAuditLockBank),
    },
    Subject {
        id: "global-lock-toctou",
        about: Some(About {
            lesson: "Check-then-act outside the lock lets two transfers spend the same money.",
            from: "the safe bank as published",
            mechanism: "one bank lock, but the funds check runs before the lock is taken",
        }),
        expected: Some(Verdicts::breaking(&[
            Invariant::NoOverdraft,
            Invariant::Linearizable,
        ])),
        accounts_are_names: true,
        open: openers!(GlobalLockToctouBank),
    },
    Subject {
        id: "global-lock",
        about: Some(About {
            lesson: "One coarse lock around everything is correct.",
            from: "the safe bank, fixed",
            mechanism: "check, debit, credit and audit all under the one lock",
        }),
        expected: Some(Verdicts::ALL_HOLD),
        accounts_are_names: true,
        open: openers!(GlobalLockBank),
    },
    Subject {
        id: "nested-locks",
        about: Some(About {
            lesson: "Two locks taken in opposite orders deadlock.",
            from: "lecture \"fine-grained locks\"",
            mechanism: "per-account locks taken from-account then to-account",
        }),
        expected: Some(Verdicts::breaking(&[Invariant::DeadlockFree])),
        accounts_are_names: false,
        open: openers!(NestedLocksBank),
    },
    Subject {
        id: "unordered-audit",
        about: Some(About {
            lesson: "One code path that ignores the lock order is enough to deadlock.",
            from: "the course's first fine-grained commit",
            mechanism: "transfers lock accounts in one fixed order; audit locks them all in a different order",
        }),
        expected: Some(Verdicts::breaking(&[Invariant::DeadlockFree])),
        accounts_are_names: false,
        open: openers!(UnorderedAuditBank),
    },
    Subject {
        id: "ordered-locks",
        about: Some(About {
            lesson: "A single global lock order makes fine-grained locking deadlock-free.",
            from: "the fine-grained bank, fixed",
            mechanism: "per-account locks in one global order; audit takes all in that order; funds check under the locks",
        }),
        expected: Some(Verdicts::ALL_HOLD),
        accounts_are_names: false,
        open: openers!(OrderedLocksBank),
    },
    Subject {
        id: "atomic",
        about: Some(About {
            lesson: "Atomic accounts do not make a transfer atomic: audits see money in flight.",
            from: "beyond the course",
            mechanism: "per-account atomics: compare-and-swap withdraw, compare-and-swap deposit",
        }),
        expected: Some(Verdicts::breaking(&[
            Invariant::SnapshotConservation,
            Invariant::Linearizable,
        ])),
        accounts_are_names: false,
        open: openers!(AtomicBank),
    },
    Subject {
        id: "two-level",
        about: Some(About {
            lesson: "A reader-writer gate lets transfers run in parallel and audits stop them all.",
            from: "beyond the course",
            mechanism: "transfers take a shared gate (read side) plus ordered account locks; audit takes the gate's write side",
        }),
        expected: Some(Verdicts::ALL_HOLD),
        accounts_are_names: false,
        open: openers!(TwoLevelBank),
    },
    Subject {
        id: "actor",
        about: Some(About {
            lesson: "If one thread owns the balances, there is nothing to race on.",
            from: "beyond the course",
            mechanism: "one owner thread applies transfers and audits received on a channel",
        }),
        expected: Some(Verdicts::ALL_HOLD),
        accounts_are_names: true,
        open: openers!(ActorBank),
    },
    Subject {
        id: "busy-refuses",
        about: Some(About {
            lesson: "A refusal is a result too: backing off from a busy lock must not blame the balance.",
            from: "beyond the course",
            mechanism: "per-account locks; the destination's lock only tried, and a busy one reported as insufficient funds",
        }),
        expected: Some(Verdicts::breaking(&[Invariant::Linearizable])),
        accounts_are_names: false,
        open: openers!(BusyRefusesBank),
    },
    Subject {
        id: "balancing-audit",
        about: Some(About {
            lesson: "A total that balances is not a snapshot: rereading until the sum is right hides the bug.",
            from: "beyond the course",
            mechanism: "ordered per-account locks for transfers; the audit reads one account lock at a time and retries until the sum is right",
        }),
        expected: Some(Verdicts::breaking(&[Invariant::Linearizable])),
        accounts_are_names: false,
        open: openers!(BalancingAuditBank),
    },
];

/// The catalog as the subjects every command works on by default.
pub const SUBJECTS: Subjects = Subjects::new(CATALOG);

/// Looks a variant up by id.
pub fn find(id: &str) -> Option<&'static Subject> {
    SUBJECTS.find(id)
}

/// Every id, comma-separated, for error messages.
pub fn known_ids() -> String {
    SUBJECTS.known_ids()
}
