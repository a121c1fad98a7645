//! A single self-overwriting progress line on a terminal's stderr.
//!
//! Workers only bump a counter; the calling thread draws, at most every 100 ms, so
//! drawing never slows the work or interleaves with it.

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Duration;

const REDRAW_EVERY: Duration = Duration::from_millis(100);
const CLEAR_LINE: &str = "\r\x1b[2K";

pub fn run_with_progress<T: Send>(total: usize, work: impl FnOnce(&AtomicUsize) -> T + Send) -> T {
    let done = AtomicUsize::new(0);
    let (finished, wait) = mpsc::channel::<()>();
    std::thread::scope(|scope| {
        let worker = scope.spawn(|| {
            let result = work(&done);
            // The receiver may already be gone if drawing failed; the result still counts.
            let _ = finished.send(());
            result
        });
        let mut stderr = std::io::stderr();
        while let Err(mpsc::RecvTimeoutError::Timeout) = wait.recv_timeout(REDRAW_EVERY) {
            let n = done.load(Ordering::Relaxed);
            let _ = write!(stderr, "{CLEAR_LINE}checking {n}/{total} files");
            let _ = stderr.flush();
        }
        let _ = write!(stderr, "{CLEAR_LINE}");
        let _ = stderr.flush();
        match worker.join() {
            Ok(result) => result,
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn returns_the_work_result() {
        let out = run_with_progress(3, |done| {
            done.fetch_add(3, Ordering::Relaxed);
            std::thread::sleep(Duration::from_millis(150));
            42
        });
        assert_eq!(out, 42);
    }
}
