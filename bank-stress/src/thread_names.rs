//! The names threads go by in every report, in one place: `worker-N` for a workload's N-th
//! thread (shuttle's tasks and the traces), `main-thread` for the thread that opens the bank,
//! starts the workers, joins them and reads the final balances, and `final read` for that read
//! in a history's table. Real-thread runs prefix a worker's name with its variant
//! (`global-lock-worker-2`) so a panic message says whose thread it was.

/// The thread that opens the bank, starts the workers and joins them.
pub const MAIN_THREAD: &str = "main-thread";

/// The main thread's read of the balances once the workers finished, as a history's column.
pub const FINAL_READ: &str = "final read";

/// The name of the workload's thread `index`: `worker-0`, `worker-1`, …
pub fn worker(index: usize) -> String {
    format!("worker-{index}")
}

/// The index in `worker-N`, if `name` is a worker's name.
pub fn worker_index(name: &str) -> Option<usize> {
    name.strip_prefix("worker-")?.parse().ok()
}

/// A real-thread run's worker: the subject's id, then the worker's name.
pub fn os_worker(subject: &str, index: usize) -> String {
    format!("{subject}-{}", worker(index))
}

/// A history's column names: `worker-N` for the first `workers` threads, [`FINAL_READ`] after.
pub fn history_columns(workers: usize) -> impl Fn(usize) -> String {
    move |thread| {
        if thread >= workers {
            FINAL_READ.to_string()
        } else {
            worker(thread)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_worker_name_reads_back_as_its_index_and_nothing_else_does() {
        assert_eq!(worker_index(&worker(12)), Some(12));
        assert_eq!(worker_index(MAIN_THREAD), None);
        assert_eq!(worker_index("worker-x"), None);
        assert_eq!(history_columns(2)(1), "worker-1");
        assert_eq!(history_columns(2)(2), FINAL_READ);
        assert_eq!(os_worker("actor", 3), "actor-worker-3");
    }
}
