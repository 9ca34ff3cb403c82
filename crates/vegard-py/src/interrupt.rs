//! Long calls from Python: the work runs on its own thread with the GIL released (so other
//! Python threads run, and several `analyse` calls from a thread pool scale), while the
//! calling thread waits, reports progress to the user's callback and listens for Ctrl-C.
//!
//! Python delivers signals only to the main thread, and rayon's caller blocks inside the
//! parallel loop, so the waiting must happen on the caller's thread and the work elsewhere.
//! On Ctrl-C the work is asked to stop (the [`Ticker`]'s flag: checked by the nanomechanics
//! batch between blocks of curves, by the ESM experiments at every read or pulse) and
//! `KeyboardInterrupt` is raised once it has.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use pyo3::prelude::*;

use crate::errors;

/// Progress and cancellation shared between the work and the waiting caller.
#[derive(Default)]
pub struct Ticker {
    done: AtomicUsize,
    total: AtomicUsize,
    cancel: Arc<AtomicBool>,
}

impl Ticker {
    /// Set the progress (for work that reports `done of total`).
    pub fn set(&self, done: usize, total: usize) {
        self.total.store(total, Ordering::Relaxed);
        self.done.store(done, Ordering::Relaxed);
    }
    /// The flag the work checks to stop (for the ESM experiments' `with_cancel`).
    pub fn cancel_flag(&self) -> Arc<AtomicBool> {
        self.cancel.clone()
    }
    fn snapshot(&self) -> (usize, usize) {
        (self.done.load(Ordering::Relaxed), self.total.load(Ordering::Relaxed))
    }
}

impl vegard::batch::nanomech::Progress for Ticker {
    fn add_total(&self, n: usize) {
        self.total.fetch_add(n, Ordering::Relaxed);
    }
    fn advance(&self, n: usize) {
        self.done.fetch_add(n, Ordering::Relaxed);
    }
    fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }
}

/// How often the caller wakes to report progress and check for Ctrl-C.
const POLL: Duration = Duration::from_millis(100);

/// Run `work` off the GIL; call `callback(done, total)` as it advances; on Ctrl-C set the
/// cancellation flag and raise `KeyboardInterrupt` once the work has stopped. A panic in
/// the work becomes `VegardError`.
pub fn run<T: Send + 'static>(
    py: Python<'_>,
    callback: Option<&Bound<'_, PyAny>>,
    work: impl FnOnce(&Ticker) -> T + Send + 'static,
) -> PyResult<T> {
    let ticker = Arc::new(Ticker::default());
    let (tx, rx) = mpsc::channel();
    // Waiting happens with the GIL released, on a closure that must be Sync.
    let rx = std::sync::Mutex::new(rx);
    let shared = ticker.clone();
    let handle = std::thread::Builder::new()
        .name("vegard-work".into())
        .spawn(move || {
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(&shared)));
            // The caller may have gone (a panic in its callback): nothing to tell.
            let _ = tx.send(r);
        })
        .map_err(|e| errors::error(errors::Kind::Vegard, format!("cannot start a worker thread: {e}")))?;
    let mut reported = (usize::MAX, usize::MAX);
    let mut interrupted: Option<PyErr> = None;
    let outcome = loop {
        let received = py.detach(|| match rx.lock() {
            Ok(rx) => rx.recv_timeout(POLL),
            Err(_) => Err(mpsc::RecvTimeoutError::Disconnected),
        });
        let now = ticker.snapshot();
        if let Some(cb) = callback
            && now != reported
            && interrupted.is_none()
        {
            reported = now;
            if let Err(e) = cb.call1(now) {
                // An exception in the callback (tqdm closed, KeyboardInterrupt inside it)
                // stops the work like Ctrl-C.
                ticker.cancel.store(true, Ordering::Relaxed);
                interrupted = Some(e);
            }
        }
        match received {
            Ok(r) => break r,
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                break Err(Box::new("the worker thread ended without a result") as Box<dyn std::any::Any + Send>);
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
        }
        if interrupted.is_none()
            && let Err(e) = py.check_signals()
        {
            ticker.cancel.store(true, Ordering::Relaxed);
            interrupted = Some(e);
        }
    };
    let _ = handle.join();
    if let Some(e) = interrupted {
        return Err(e);
    }
    outcome.map_err(|payload| errors::internal(&errors::panic_message(payload.as_ref())))
}
