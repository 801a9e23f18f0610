//! The bank variants the course walks through, and a few beyond it. One file each; each file's
//! doc says its lesson, its mechanism and its expected verdict (the catalog holds the verdicts);
//! `shared_steps.rs` holds the steps they share (the transfer body, the lecture's yield, the lock
//! order).
//!
//! - [`unsafe_bank`] (`unsafe`): no locking at all; the lecture's unsafe bank.
//! - [`missed_audit_lock`] (`missed-audit-lock`): transfers locked, the audit not.
//! - [`global_lock_toctou`] (`global-lock-toctou`): one lock, funds checked before taking it.
//! - [`global_lock`] (`global-lock`): everything under one lock.
//! - [`nested_locks`] (`nested-locks`): per-account locks taken from-account first; deadlocks.
//! - [`unordered_audit`] (`unordered-audit`): ordered transfers, audit in another order; deadlocks.
//! - [`ordered_locks`] (`ordered-locks`): per-account locks in one global order everywhere.
//! - [`atomic`] (`atomic`): per-account atomics; audits see money in flight.
//! - [`two_level`] (`two-level`): a read/write gate over ordered account locks.
//! - [`actor`] (`actor`): one owner thread applies every request from a channel.
//! - [`busy_refuses`] (`busy-refuses`): a transfer that finds a lock busy says "insufficient funds".
//! - [`balancing_audit`] (`balancing-audit`): the audit rereads accounts until the sum is right.

pub mod actor;
pub mod atomic;
pub mod balancing_audit;
pub mod busy_refuses;
pub mod global_lock;
pub mod global_lock_toctou;
pub mod missed_audit_lock;
pub mod nested_locks;
pub mod ordered_locks;
pub mod two_level;
pub mod unordered_audit;
pub mod unsafe_bank;

mod shared_steps;
