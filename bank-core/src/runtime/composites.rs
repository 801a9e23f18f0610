//! What is built once from the primitives, for every runtime: a value initialised once
//! ([`OnceCell`]) and state each thread keeps for itself ([`PerThread`]). Written against
//! [`Runtime`] only, so a new runtime gets them for nothing.

use super::primitives::{Lock, Runtime};
use std::collections::HashMap;
use std::sync::{OnceLock, PoisonError};

/// A value set by the first caller of [`OnceCell::get_or_init`]; every caller gets that value.
/// Initialisation runs under the runtime's mutex, so the checker interleaves it like any step,
/// and a caller who comes second waits for the first to finish.
pub struct OnceCell<R: Runtime, T: Send + Sync + 'static> {
    value: OnceLock<T>,
    init: R::Mutex<()>,
}

impl<R: Runtime, T: Send + Sync + 'static> OnceCell<R, T> {
    /// An empty cell.
    pub fn new() -> Self {
        Self {
            value: OnceLock::new(),
            init: R::Mutex::new(()),
        }
    }

    /// The value, set by `init` if no caller set it before. `init` runs at most once per cell
    /// (a panicking `init` sets nothing, and the next caller initialises); it must not call
    /// `get_or_init` on this cell (that would wait for itself, as std's `OnceLock` does).
    pub fn get_or_init(&self, init: impl FnOnce() -> T) -> &T {
        if let Some(value) = self.value.get() {
            return value;
        }
        let guard = self.init.lock();
        if self.value.get().is_none() {
            let _ = self.value.set(init());
        }
        drop(guard);
        self.value.get().expect("set under the lock")
    }

    /// The value, if it was set (`None` while the first `init` is still running).
    pub fn get(&self) -> Option<&T> {
        self.value.get()
    }
}

impl<R: Runtime, T: Send + Sync + 'static> Default for OnceCell<R, T> {
    fn default() -> Self {
        Self::new()
    }
}

/// A `T` per thread, kept inside one bank (not a `static`): each thread sees only its own,
/// starting from `T::default()`. Keyed by [`Runtime::current_thread_key`]. Touching one's own
/// state is not a step other threads can interleave with (no other thread can see it), so it is
/// not a scheduling point.
pub struct PerThread<R: Runtime, T: Send + Default + 'static> {
    states: std::sync::Mutex<HashMap<u64, T>>,
    runtime: std::marker::PhantomData<fn() -> R>,
}

impl<R: Runtime, T: Send + Default + 'static> PerThread<R, T> {
    /// No thread has state yet.
    pub fn new() -> Self {
        Self {
            states: std::sync::Mutex::new(HashMap::new()),
            runtime: std::marker::PhantomData,
        }
    }

    /// Runs `f` on the current thread's state. (`f` must not call `with` on the same value: the
    /// inner call's update would be lost. A panic in `f` loses the thread's state.)
    pub fn with<U>(&self, f: impl FnOnce(&mut T) -> U) -> U {
        let key = R::current_thread_key();
        // Taken out while `f` runs, so that `f` may use the runtime's primitives (a scheduling
        // point under shuttle) without holding this map's lock across it.
        let taken = self.lock().remove(&key);
        let mut state = taken.unwrap_or_default();
        let result = f(&mut state);
        self.lock().insert(key, state);
        result
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, T>> {
        self.states.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl<R: Runtime, T: Send + Default + 'static> Default for PerThread<R, T> {
    fn default() -> Self {
        Self::new()
    }
}
