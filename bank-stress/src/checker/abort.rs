//! How shuttle ends an execution early, and what that means for the bank: the settings the
//! checker runs shuttle with (a step bound, so a livelock ends), and shuttle's abort message read
//! as a deadlock (with the threads that wait), a livelock, or the bank's own panic.

use crate::thread_names;
use shuttle::{Config, FailurePersistence, MaxSteps};

/// Shuttle stops an execution after this many scheduling steps; under the fair scheduler, with
/// threads still runnable, that is a livelock. The workloads the checker explores take a few
/// hundred steps at most.
pub const STEP_BOUND: usize = 20_000;

/// Shuttle settings for exploration: no schedule printing (the checker records its own), a
/// step bound that turns a livelock into a finding, and no warnings about unsound atomics.
pub(crate) fn shuttle_config() -> Config {
    let mut config = Config::new();
    config.failure_persistence = FailurePersistence::None;
    config.max_steps = MaxSteps::FailAfter(STEP_BOUND);
    config.silence_warnings = true;
    config
}

/// The text of a panic payload.
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_string()
    } else {
        "a panic with a non-text payload".to_string()
    }
}

/// Why shuttle aborted an execution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Abort {
    /// Every unfinished thread blocked (the blocked threads' names, when shuttle lists them), or
    /// a thread blocked on a lock it already holds (on real threads it would wait for ever).
    Deadlock(Vec<String>),
    /// The step bound, with threads still runnable.
    Livelock,
    /// Any other panic: the bank's own.
    Panic,
}

/// Classifies shuttle's abort message.
pub(crate) fn abort_kind(message: &str) -> Abort {
    if let Some(list) = message.strip_prefix("deadlock! blocked tasks: [") {
        // Each entry reads `name (task name(id)[, detached][, pending future])`, comma-separated;
        // a name is what precedes ` (task `, after the previous entry's closing `), `.
        let pieces: Vec<&str> = list.split(" (task ").collect();
        let names = pieces[..pieces.len().saturating_sub(1)]
            .iter()
            .map(|piece| piece.rsplit("), ").next().unwrap_or(piece).to_string())
            .collect();
        return Abort::Deadlock(names);
    }
    if message.starts_with("deadlock! task ") && message.contains("it already holds") {
        // `deadlock! task TaskId(2) tried to acquire a Mutex it already holds`
        return Abort::Deadlock(Vec::new());
    }
    if message.contains("exceeded max_steps bound") {
        return Abort::Livelock;
    }
    Abort::Panic
}

/// Shuttle's abort message in words: `a deadlock: worker-0 and worker-1 wait for ever (and
/// main-thread, which joins them)`, `the step bound was reached with threads still running (a
/// livelock)`, or a panic's own message.
pub(crate) fn describe_abort(message: &str) -> String {
    match abort_kind(message) {
        Abort::Deadlock(names) if names.is_empty() => {
            "a deadlock: a thread waits for a lock it already holds".to_string()
        }
        Abort::Deadlock(names) => {
            let (main, workers): (Vec<&String>, Vec<&String>) = names
                .iter()
                .partition(|name| *name == thread_names::MAIN_THREAD);
            let workers: Vec<&str> = workers.iter().map(|name| name.as_str()).collect();
            let waiting = match workers.split_last() {
                None => "every thread waits for ever".to_string(),
                Some((only, [])) => format!("{only} waits for ever"),
                Some((last, rest)) => format!("{} and {last} wait for ever", rest.join(", ")),
            };
            let joining = if main.is_empty() {
                ""
            } else {
                " (and main-thread, which joins them)"
            };
            format!("a deadlock: {waiting}{joining}")
        }
        Abort::Livelock => {
            "the step bound was reached with threads still running (a livelock)".to_string()
        }
        Abort::Panic => message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::{Abort, abort_kind, describe_abort};

    #[test]
    fn an_abort_is_described_in_words() {
        let message = "deadlock! blocked tasks: [main-thread (task main-thread(0)), worker-0 (task worker-0(1), pending future), worker-1 (task worker-1(2))]";
        assert_eq!(
            describe_abort(message),
            "a deadlock: worker-0 and worker-1 wait for ever (and main-thread, which joins them)"
        );
        assert_eq!(describe_abort("the bank's own bug"), "the bank's own bug");
    }

    #[test]
    fn blocked_thread_names_are_read_from_shuttles_deadlock_message() {
        let message = "deadlock! blocked tasks: [main-thread (task main-thread(0)), worker-0 (task worker-0(1), pending future), worker-1 (task worker-1(2))]";
        assert_eq!(
            abort_kind(message),
            Abort::Deadlock(vec![
                "main-thread".into(),
                "worker-0".into(),
                "worker-1".into()
            ])
        );
    }

    #[test]
    fn a_lock_taken_twice_is_a_deadlock_a_step_bound_a_livelock_and_the_rest_panics() {
        assert_eq!(
            abort_kind("deadlock! task TaskId(2) tried to acquire a Mutex it already holds"),
            Abort::Deadlock(vec![])
        );
        assert_eq!(
            abort_kind("exceeded max_steps bound 20000. this might be"),
            Abort::Livelock
        );
        assert_eq!(abort_kind("index out of bounds"), Abort::Panic);
        assert_eq!(
            abort_kind("deadlock! is what my bank says"),
            Abort::Panic,
            "only shuttle's own deadlock messages are deadlocks"
        );
    }
}
