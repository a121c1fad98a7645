//! The epoch ticker: one thread per runtime advancing the engine's epoch, which is what
//! interrupts a call past its deadline.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use wasmtime::Engine;

/// The ticker stops ticking after this long without a call in flight, and sleeps until the next.
pub(crate) const IDLE_AFTER: Duration = Duration::from_millis(200);

/// The ticker thread's shared state.
pub(crate) struct TickState {
    stop: AtomicBool,
    /// Calls currently running.
    active: AtomicUsize,
    /// The ticker is parked until a call wakes it.
    sleeping: AtomicBool,
}

/// One thread per runtime that advances the engine's epoch every tick while calls run. After
/// `IDLE_AFTER` without calls it parks until the next call; it stops when dropped.
pub(crate) struct Ticker {
    state: Arc<TickState>,
    thread: Option<JoinHandle<()>>,
}

impl Ticker {
    pub(crate) fn start(engine: Engine, tick: Duration) -> std::io::Result<Ticker> {
        let state = Arc::new(TickState {
            stop: AtomicBool::new(false),
            active: AtomicUsize::new(0),
            sleeping: AtomicBool::new(false),
        });
        let thread = {
            let state = state.clone();
            std::thread::Builder::new()
                .name("wasm-epoch".into())
                .spawn(move || tick_loop(&engine, &state, tick))?
        };
        Ok(Ticker {
            state,
            thread: Some(thread),
        })
    }

    /// A weak reference to the state the thread holds: it dies with the thread.
    #[cfg(test)]
    pub(crate) fn probe(&self) -> std::sync::Weak<TickState> {
        Arc::downgrade(&self.state)
    }

    /// Marks a call as running until the returned guard is dropped, waking the thread if it
    /// sleeps.
    pub(crate) fn enter(&self) -> ActiveCall<'_> {
        self.state.active.fetch_add(1, Ordering::SeqCst);
        if self.state.sleeping.swap(false, Ordering::SeqCst) {
            if let Some(thread) = &self.thread {
                thread.thread().unpark();
            }
        }
        ActiveCall { state: &self.state }
    }
}

fn tick_loop(engine: &Engine, state: &TickState, tick: Duration) {
    let idle_ticks = (IDLE_AFTER.as_nanos() / tick.as_nanos().max(1)).max(1);
    let mut idle = 0u128;
    while !state.stop.load(Ordering::SeqCst) {
        if state.active.load(Ordering::SeqCst) > 0 {
            idle = 0;
        } else {
            idle += 1;
        }
        if idle < idle_ticks {
            engine.increment_epoch();
            std::thread::park_timeout(tick);
            continue;
        }
        // Announce the sleep, then look again: a call that started before the announcement
        // is seen here, one that starts after it sees the announcement and unparks us.
        state.sleeping.store(true, Ordering::SeqCst);
        if state.active.load(Ordering::SeqCst) == 0 && !state.stop.load(Ordering::SeqCst) {
            std::thread::park();
        }
        state.sleeping.store(false, Ordering::SeqCst);
        idle = 0;
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        self.state.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            thread.thread().unpark();
            // The thread only ticks and parks; it cannot panic in a way worth reporting here.
            let _ = thread.join();
        }
    }
}

/// Marks a call as running for the ticker while alive.
pub(crate) struct ActiveCall<'a> {
    state: &'a TickState,
}

impl Drop for ActiveCall<'_> {
    fn drop(&mut self) {
        self.state.active.fetch_sub(1, Ordering::SeqCst);
    }
}
