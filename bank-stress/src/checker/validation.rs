//! What the checker refuses before it runs anything: a workload it cannot run, a budget that
//! explores nothing, and a `SHUTTLE_RANDOM_SEED` that would silently replace every seed.

use super::error::CheckError;
use super::strategy::Budget;
use bank_core::Workload;
use bank_core::bank::validate_initial;

pub(super) fn validate(workload: &Workload, budget: &Budget) -> Result<(), CheckError> {
    validate_workload(workload)?;
    if budget.strategies.is_empty() {
        return Err(CheckError::InvalidBudget("no strategy".into()));
    }
    if budget.iterations == 0 {
        return Err(CheckError::InvalidBudget("zero iterations".into()));
    }
    if std::env::var_os("SHUTTLE_RANDOM_SEED").is_some() {
        return Err(CheckError::SeedOverriddenByEnvironment);
    }
    Ok(())
}

/// A workload the checker can run: at least two accounts, no negative balance, a thread, and
/// every operation's accounts among the workload's.
pub(crate) fn validate_workload(workload: &Workload) -> Result<(), CheckError> {
    validate_initial(&workload.balances)
        .map_err(|error| CheckError::InvalidWorkload(error.to_string()))?;
    if workload.threads.is_empty() {
        return Err(CheckError::InvalidWorkload("it has no thread".into()));
    }
    let accounts = workload.balances.len();
    for (thread, ops) in workload.threads.iter().enumerate() {
        for op in ops {
            if let bank_core::Op::Transfer { from, to, .. } = *op
                && (from >= accounts || to >= accounts)
            {
                return Err(CheckError::InvalidWorkload(format!(
                    "thread {thread} transfers {from}→{to}, but there are only {accounts} accounts"
                )));
            }
        }
    }
    Ok(())
}
