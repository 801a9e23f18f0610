//! A bank under test: one value that says what it is called, how to open it on each runtime, and
//! (optionally) what the checker should find.
//!
//! The catalog's twelve variants are [`Subject`]s, and so is a bank written in a crate of its own:
//! every command and library entry point (explore, prove, stress on real threads, replay, merge,
//! detection, the HTML report) takes subjects and never asks whether one came from the catalog.
//! A subject is built in a `const` context, so a crate declares its banks as `static`s:
//!
//! ```
//! use bank_core::subject::Subject;
//! use bank_core::variants::global_lock::GlobalLockBank;
//! use bank_core::{Verdicts, openers};
//!
//! // `openers!` opens a bank generic over its runtime on every runtime there is.
//! static MINE: Subject =
//!     Subject::new("my-bank", openers!(GlobalLockBank)).expecting(Verdicts::ALL_HOLD);
//! assert_eq!(MINE.id, "my-bank");
//! ```

pub use crate::runtime::{Opener, Openers, open_boxed};
use crate::verdicts::{Invariant, Verdict, Verdicts};
use std::fmt;

/// Where a design comes from and what it teaches: the catalog's variants have one; a bank of your
/// own may.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct About {
    /// The lesson, in one line.
    pub lesson: &'static str,
    /// Where in the course it comes from.
    pub from: &'static str,
    /// How it synchronises, in one line.
    pub mechanism: &'static str,
}

/// A bank under test.
#[derive(Clone, Copy)]
pub struct Subject {
    /// The kebab-case id the CLI and every report use.
    pub id: &'static str,
    /// Its lesson and mechanism, when it has them.
    pub about: Option<About>,
    /// What the checker must find, when the author says so. Without it, every verdict is
    /// reported as shown, and nothing can contradict an expectation (a panic is still a failure).
    pub expected: Option<Verdicts>,
    /// Whether the bank uses account numbers only as names: renaming the accounts of a workload
    /// renames the bank's behaviour and changes nothing else. `prove` merges workloads that differ
    /// by such a renaming only for these banks. It holds when every access that touches more than
    /// one account is serialised by one lock or one owner thread; it fails as soon as anything
    /// happens in index order while other threads run (locking in index order, or an audit
    /// reading account 0, then 1, … without excluding transfers), because the order then differs
    /// between a workload and its renaming. Off unless stated: off is always sound.
    pub accounts_are_names: bool,
    /// How to open it on each runtime.
    pub open: Openers,
}

impl Subject {
    /// A subject with no expectations, no lesson, and account numbers not assumed to be names.
    pub const fn new(id: &'static str, open: Openers) -> Self {
        Self {
            id,
            about: None,
            expected: None,
            accounts_are_names: false,
            open,
        }
    }

    /// The same subject, expected to show these verdicts.
    pub const fn expecting(mut self, expected: Verdicts) -> Self {
        self.expected = Some(expected);
        self
    }

    /// The same subject, with its lesson, origin and mechanism.
    pub const fn about(mut self, about: About) -> Self {
        self.about = Some(about);
        self
    }

    /// The same subject, declared to use account numbers only as names (see
    /// [`Subject::accounts_are_names`]; a wrong declaration makes `prove` unsound for it).
    pub const fn with_accounts_as_names(mut self) -> Self {
        self.accounts_are_names = true;
        self
    }

    /// The expected verdict for one invariant, if the subject states its expectations.
    pub fn expects(&self, invariant: Invariant) -> Option<Verdict> {
        self.expected.map(|expected| expected.get(invariant))
    }
}

impl fmt::Debug for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Subject")
            .field("id", &self.id)
            .field("expected", &self.expected)
            .finish_non_exhaustive()
    }
}

/// The subjects a command knows, in the order reports list them: the catalog, or a crate's own
/// banks. Looks subjects up by id.
#[derive(Debug, Clone, Copy)]
pub struct Subjects(&'static [Subject]);

impl Subjects {
    /// These subjects, in this order.
    pub const fn new(subjects: &'static [Subject]) -> Self {
        Self(subjects)
    }

    /// Every subject, in order.
    pub fn iter(&self) -> impl Iterator<Item = &'static Subject> + use<> {
        self.0.iter()
    }

    /// Every subject, by reference (what a campaign's report is summarised against).
    pub fn refs(&self) -> Vec<&'static Subject> {
        self.0.iter().collect()
    }

    /// Every subject, as a slice.
    pub fn all(&self) -> &'static [Subject] {
        self.0
    }

    /// Looks a subject up by id.
    pub fn find(&self, id: &str) -> Option<&'static Subject> {
        self.0.iter().find(|subject| subject.id == id)
    }

    /// A subject's position in the order reports use (unknown ids last).
    pub fn position(&self, id: &str) -> usize {
        self.0
            .iter()
            .position(|subject| subject.id == id)
            .unwrap_or(usize::MAX)
    }

    /// Every id, comma-separated, for error messages.
    pub fn known_ids(&self) -> String {
        self.0
            .iter()
            .map(|subject| subject.id)
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Whether two subjects share an id (a list a command refuses: reports key by id).
    pub fn duplicate_id(&self) -> Option<&'static str> {
        self.0.iter().enumerate().find_map(|(index, subject)| {
            self.0[..index]
                .iter()
                .any(|earlier| earlier.id == subject.id)
                .then_some(subject.id)
        })
    }
}
