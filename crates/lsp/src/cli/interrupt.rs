//! Ctrl-C (SIGINT) and SIGTERM while a statement runs on a fabric: the
//! statement is cancelled on its engine before the process exits, so a
//! warehouse does not go on running (and billing) a query nobody waits for.
//! A second Ctrl-C exits at once.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

static SIGNALLED: AtomicBool = AtomicBool::new(false);

/// The exit code of a process stopped by SIGINT, as shells report it.
pub const INTERRUPTED: u8 = 130;

#[cfg(unix)]
extern "C" fn on_signal(_: libc::c_int) {
    // Only async-signal-safe work here: a flag, or leaving on the second signal.
    if SIGNALLED.swap(true, Ordering::SeqCst) {
        unsafe { libc::_exit(INTERRUPTED as libc::c_int) };
    }
}

/// Whether a signal asked this process to stop.
pub fn interrupted() -> bool {
    SIGNALLED.load(Ordering::SeqCst)
}

/// Cancels `control`'s run when SIGINT or SIGTERM arrives, until dropped.
pub struct CancelOnSignal {
    done: Arc<AtomicBool>,
}

impl CancelOnSignal {
    pub fn new(control: loupe_fabric::RunControl) -> CancelOnSignal {
        #[cfg(unix)]
        unsafe {
            let handler = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
            libc::signal(libc::SIGINT, handler);
            libc::signal(libc::SIGTERM, handler);
        }
        let done = Arc::new(AtomicBool::new(false));
        let watching = done.clone();
        std::thread::spawn(move || {
            while !watching.load(Ordering::SeqCst) {
                if interrupted() {
                    eprintln!("loupe: interrupted; cancelling the statement on the fabric (Ctrl-C again to leave now)");
                    control.cancel();
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        });
        CancelOnSignal { done }
    }
}

impl Drop for CancelOnSignal {
    fn drop(&mut self) {
        self.done.store(true, Ordering::SeqCst);
    }
}
