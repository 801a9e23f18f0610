//! bank-core: the course's bank variants behind one [`Bank`] abstraction.
//!
//! - [`bank`]: the `Bank` trait, money, errors and the shared money rules.
//! - [`runtime`]: the primitives a variant may use, as a type parameter: real threads or shuttle.
//! - [`variants`]: one file per bank design, from the lecture's unsafe bank to the fixed ones.
//! - [`catalog`]: every variant's id, lesson and expected verdict; the single source of truth.
//! - [`model`]: the sequential reference model every variant must agree with on one thread.
//! - [`workload`]: what threads do to a bank, including the lecture's seed workload.

pub mod bank;
pub mod catalog;
pub mod model;
pub mod runtime;
pub mod variants;
pub mod workload;

pub use bank::{AccountId, Bank, BankOptions, Money, OpenBank, OpenError, TransferError};
pub use catalog::{CATALOG, Invariant, VariantInfo, Verdict, Verdicts};
pub use runtime::{OsThreads, Runtime, ShuttleThreads};
pub use workload::{Op, Workload, WorkloadShape};
