//! The CPU time the calling thread has used. A check run inline is judged by this, not by the
//! wall clock: on a busy machine a thread is preempted in the middle of a 50 µs check often
//! enough that the wall clock would send every schema to the pool for good.

use std::time::Duration;

/// CPU time used by this thread so far; `None` where the platform cannot tell.
#[cfg(unix)]
pub fn now() -> Option<Duration> {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec for the duration of the call, and
    // CLOCK_THREAD_CPUTIME_ID needs no other argument.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        return None;
    }
    Some(Duration::new(
        u64::try_from(ts.tv_sec).ok()?,
        u32::try_from(ts.tv_nsec).ok()?,
    ))
}

#[cfg(not(unix))]
pub fn now() -> Option<Duration> {
    None
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    #[test]
    fn counts_work_not_sleep() {
        let start = super::now().expect("a thread CPU clock on this platform");
        std::thread::sleep(Duration::from_millis(30));
        let slept = super::now().unwrap() - start;
        assert!(slept < Duration::from_millis(20), "{slept:?}");

        let busy_start = super::now().unwrap();
        let wall = Instant::now();
        let mut x = 0u64;
        while wall.elapsed() < Duration::from_millis(10) {
            x = std::hint::black_box(x.wrapping_add(1));
        }
        assert!(
            super::now().unwrap() > busy_start,
            "{x} iterations used no CPU"
        );
    }
}
