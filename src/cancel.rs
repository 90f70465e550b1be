//! Cooperative cancellation. The binary sets the flag from its signal
//! handlers (Ctrl-C, SIGTERM); the library only reads it, between the
//! phases of a month, so work stops within one phase and every replication
//! finished before it is kept.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// A shared "please stop" flag. Cloning shares the flag.
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    /// A token nobody can trigger except through [`Cancel::request`].
    pub fn new() -> Self {
        Cancel::default()
    }

    /// A token that reads `flag` (set, for example, by a signal handler).
    pub fn from_flag(flag: Arc<AtomicBool>) -> Self {
        Cancel(flag)
    }

    pub fn request(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    pub fn is_requested(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}
