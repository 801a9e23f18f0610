//! Silence for the panics the checker expects and catches.
//!
//! Shuttle reports a deadlock or a step-bound livelock by panicking, and the checker catches that
//! panic and records it as a finding. The process's panic hook still runs first: shuttle's prints
//! "Task failed, serializing schedule", then the default hook prints the message and, with
//! `RUST_BACKTRACE` set, symbolises and prints a whole backtrace. Exploring a deadlocking variant
//! raises thousands of these; printing them was most of the time of such an exploration (and
//! buried real output). The checker has the message already, so while it explores, panics on its
//! thread run no hook at all. Every other thread, and this one outside [`quietly`], keeps the
//! hooks it had.

use shuttle::scheduler::RandomScheduler;
use shuttle::{Config, FailurePersistence, Runner};
use std::cell::Cell;
use std::sync::Once;

thread_local! {
    /// Whether this thread is inside [`quietly`].
    static QUIET: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f` with this thread's panics silenced (they still unwind and can be caught).
pub(crate) fn quietly<T>(f: impl FnOnce() -> T) -> T {
    install_hook();
    /// Restores the flag even if `f` unwinds.
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            QUIET.set(self.0);
        }
    }
    let _restore = Restore(QUIET.replace(true));
    f()
}

/// Installs, once, a hook that skips the previous hooks while [`QUIET`] is set. Shuttle installs
/// its own hook on its first execution; one empty execution first makes sure ours goes on top.
fn install_hook() {
    static INSTALLED: Once = Once::new();
    INSTALLED.call_once(|| {
        let mut config = Config::new();
        config.failure_persistence = FailurePersistence::None;
        Runner::new(RandomScheduler::new(1), config).run(|| {});
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.get() {
                previous(info);
            }
        }));
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::panic::catch_unwind;

    #[test]
    fn a_panic_inside_still_unwinds_with_its_message_and_the_flag_is_restored() {
        let caught = quietly(|| catch_unwind(|| panic!("expected by the test")));
        let payload = caught.expect_err("the panic unwinds as before");
        assert_eq!(
            payload.downcast_ref::<&str>(),
            Some(&"expected by the test")
        );
        assert!(!QUIET.get(), "outside quietly, hooks run again");
        let nested = catch_unwind(|| quietly(|| panic!("unwinds out of quietly")));
        assert!(nested.is_err());
        assert!(!QUIET.get(), "restored after an unwind too");
    }
}
