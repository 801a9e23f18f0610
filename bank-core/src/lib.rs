//! bank-core: the course's bank variants behind one [`Bank`] abstraction.
//!
//! - [`bank`]: the `Bank` trait, money, errors and the shared money rules.
//! - [`runtime`]: the primitives a variant may use, as a type parameter: real threads or shuttle.
//! - [`variants`]: one file per bank design, from the lecture's unsafe bank to the fixed ones.
//! - [`verdicts`]: the invariants a bank is checked for, and a verdict for each.
//! - [`subject`]: a bank under test as one value (its id, an opener per runtime, its expected
//!   verdicts if stated); the catalog's variants and a bank of your own alike.
//! - [`catalog`]: the course's variants as subjects, with their lessons and expected verdicts.
//! - [`model`]: the sequential reference model every variant must agree with on one thread.
//! - [`workload`]: what threads do to a bank, including the lecture's seed workload.

pub mod bank;
pub mod catalog;
pub mod instrumentation;
pub mod model;
pub mod runtime;
pub mod subject;
pub mod variants;
pub mod verdicts;
pub mod workload;

pub use bank::{AccountId, Bank, BankOptions, Money, OpenBank, OpenError, TransferError};
pub use catalog::CATALOG;
pub use runtime::{OsThreads, Runtime, ShuttleThreads};
pub use subject::{About, Subject, Subjects};
pub use verdicts::{Invariant, Verdict, Verdicts};
pub use workload::{Op, Workload, WorkloadShape};
