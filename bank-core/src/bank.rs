//! The `Bank` abstraction every variant implements, and the money rules they all share.
//!
//! Money is integer cents ([`Money`] is `i64`); nothing here uses floating point. Every variant
//! validates a request with [`validate_request`] *before* it takes any lock (a transfer from an
//! account to itself would otherwise deadlock the per-account variants on their own lock), and
//! checks funds and overflow with [`check_funds`] at the point its design allows.

use std::fmt;

/// An amount of money in cents.
pub type Money = i64;

/// The index of an account in the bank, `0..account_count`.
pub type AccountId = usize;

/// Why a transfer was refused. A refused transfer changes no balance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum TransferError {
    /// The account does not exist in this bank.
    UnknownAccount(AccountId),
    /// The source and destination are the same account.
    SameAccount(AccountId),
    /// The amount is zero or negative.
    InvalidAmount(Money),
    /// The source account holds less than the amount.
    InsufficientFunds {
        /// The source account.
        account: AccountId,
        /// The amount that was asked for.
        amount: Money,
    },
    /// Crediting the destination would overflow its balance.
    Overflow {
        /// The destination account.
        account: AccountId,
    },
}

impl fmt::Display for TransferError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnknownAccount(id) => write!(f, "unknown account {id}"),
            Self::SameAccount(id) => write!(f, "cannot transfer from account {id} to itself"),
            Self::InvalidAmount(amount) => write!(f, "amount {amount} is not positive"),
            Self::InsufficientFunds { account, amount } => {
                write!(f, "account {account} holds less than {amount}")
            }
            Self::Overflow { account } => write!(f, "crediting account {account} would overflow"),
        }
    }
}

impl std::error::Error for TransferError {}

/// Why a bank could not be opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenError {
    /// A bank needs at least two accounts to transfer between.
    TooFewAccounts(usize),
    /// Initial balances must not be negative.
    NegativeBalance {
        /// The offending account.
        account: AccountId,
        /// Its balance.
        balance: Money,
    },
}

impl fmt::Display for OpenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooFewAccounts(n) => write!(f, "a bank needs at least 2 accounts, got {n}"),
            Self::NegativeBalance { account, balance } => {
                write!(f, "account {account} opens with negative balance {balance}")
            }
        }
    }
}

impl std::error::Error for OpenError {}

/// Options every variant honours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BankOptions {
    /// Yield to the scheduler between debit and credit, as the lecture's `sleep(0)` does to make
    /// the race observable. On by default; switch it off for throughput runs.
    pub yield_between_debit_and_credit: bool,
}

impl Default for BankOptions {
    fn default() -> Self {
        Self {
            yield_between_debit_and_credit: true,
        }
    }
}

/// A bank of accounts that threads can transfer money between while others audit it.
///
/// Implementations must be shareable across threads. Third-party banks implement this trait (and
/// [`OpenBank`]) to be checked by `bank-stress` exactly like the course's variants.
pub trait Bank: Send + Sync {
    /// How many accounts the bank has.
    fn account_count(&self) -> usize;

    /// Moves `amount` from `from` to `to`, or refuses with the reason and changes nothing.
    fn transfer(&self, from: AccountId, to: AccountId, amount: Money) -> Result<(), TransferError>;

    /// A snapshot of every balance, taken while other threads may be transferring: exactly as
    /// consistent as the variant's design makes it (the lecture's `validate_bank`).
    fn audit(&self) -> Vec<Money>;

    /// Every balance, read when no transfer is in flight (after all threads have been joined).
    /// By default an audit, which is exact when nothing is in flight; override it when the audit
    /// itself may misreport (the checker's final conservation reads this).
    fn balances(&self) -> Vec<Money> {
        self.audit()
    }
}

/// A bank that can be opened from initial balances. Separate from [`Bank`] so that `Bank` stays
/// object safe (`Box<dyn Bank>`).
pub trait OpenBank: Bank + Sized {
    /// Opens a bank whose account `i` holds `initial[i]`.
    fn open(initial: &[Money], options: BankOptions) -> Result<Self, OpenError>;
}

/// Checks initial balances: at least two accounts, none negative.
pub fn validate_initial(initial: &[Money]) -> Result<(), OpenError> {
    if initial.len() < 2 {
        return Err(OpenError::TooFewAccounts(initial.len()));
    }
    match initial.iter().position(|&balance| balance < 0) {
        Some(account) => Err(OpenError::NegativeBalance {
            account,
            balance: initial[account],
        }),
        None => Ok(()),
    }
}

/// The checks that need no balance, in the order every variant applies them: unknown accounts,
/// same account, non-positive amount. Variants call this before taking any lock.
pub fn validate_request(
    account_count: usize,
    from: AccountId,
    to: AccountId,
    amount: Money,
) -> Result<(), TransferError> {
    if from >= account_count {
        return Err(TransferError::UnknownAccount(from));
    }
    if to >= account_count {
        return Err(TransferError::UnknownAccount(to));
    }
    if from == to {
        return Err(TransferError::SameAccount(from));
    }
    if amount <= 0 {
        return Err(TransferError::InvalidAmount(amount));
    }
    Ok(())
}

/// The checks that need the balances: the source holds at least `amount` (the lecture's
/// `if from.balance < amount: return`), and the destination can take it without overflowing.
pub fn check_funds(
    from: AccountId,
    from_balance: Money,
    to: AccountId,
    to_balance: Money,
    amount: Money,
) -> Result<(), TransferError> {
    if from_balance < amount {
        return Err(TransferError::InsufficientFunds {
            account: from,
            amount,
        });
    }
    if to_balance.checked_add(amount).is_none() {
        return Err(TransferError::Overflow { account: to });
    }
    Ok(())
}

/// The sum of balances, widened so that it cannot overflow whatever the balances are.
pub fn total(balances: &[Money]) -> i128 {
    balances.iter().map(|&b| i128::from(b)).sum()
}

/// A boxed bank is a bank, so catalog entries (`Box<dyn Bank>`) and concrete banks go through
/// the same generic code.
impl<B: Bank + ?Sized> Bank for Box<B> {
    fn account_count(&self) -> usize {
        (**self).account_count()
    }
    fn transfer(&self, from: AccountId, to: AccountId, amount: Money) -> Result<(), TransferError> {
        (**self).transfer(from, to, amount)
    }
    fn audit(&self) -> Vec<Money> {
        (**self).audit()
    }
    fn balances(&self) -> Vec<Money> {
        (**self).balances()
    }
}
