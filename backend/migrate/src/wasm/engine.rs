//! The engine and the per-call stores: fuel, the epoch deadline, resource limits, and the
//! pooling allocator's instance slots.

use std::sync::{Condvar, Mutex};
use std::time::Duration;

use wasmtime::{
    Config, Enabled, Engine, InstanceAllocationStrategy, OptLevel, PoolingAllocationConfig, Store,
    StoreLimitsBuilder,
};

use super::limiter::{one_line, HostState, TABLES, TABLE_ELEMENTS};
use super::ticker::{ActiveCall, Ticker};
use super::{WasmError, WasmLimits};

/// Linear memory kept mapped in a pooled slot between calls (reset with `memset`, only the
/// pages touched where the kernel has `PAGEMAP_SCAN`), so small modules stop page-faulting
/// after their first calls; past it, memory is returned with `madvise`. Bounds the pool's
/// idle resident memory to this much per slot.
const KEEP_RESIDENT: usize = 256 << 10;

/// What the runtime and every migration loaded from it share.
pub(crate) struct Shared {
    pub(crate) engine: Engine,
    pub(crate) limits: WasmLimits,
    /// The deadline in ticker ticks.
    deadline_ticks: u64,
    /// Free instance slots of the pooling allocator; `None` when allocating on demand.
    slots: Option<Slots>,
    ticker: Ticker,
}

/// One call's store, with what must outlive it. Fields drop in order: the store (returning its
/// instance's slot to the pool) before the slot is marked free.
pub(crate) struct Call<'a> {
    pub(crate) store: Store<HostState>,
    _active: ActiveCall<'a>,
    _slot: Option<SlotGuard<'a>>,
}

impl Shared {
    pub(crate) fn new(limits: WasmLimits) -> Result<Shared, WasmError> {
        Shared::build(limits, true)
    }

    /// With `pool`, tries the pooling allocator first. The pool reserves address space up
    /// front (about 4 GiB per slot); where that is refused (a ulimit, a memory limit over the
    /// reservation), instances are allocated on demand instead.
    pub(crate) fn build(limits: WasmLimits, pool: bool) -> Result<Shared, WasmError> {
        let slots = pool_slots();
        let pooled = if pool {
            Engine::new(&config(Some((&limits, slots)))).ok()
        } else {
            None
        };
        let (engine, slots) = match pooled {
            Some(engine) => (engine, Some(Slots::new(slots))),
            None => {
                let engine = Engine::new(&config(None)).map_err(|e| {
                    WasmError::Failed(format!("cannot start the engine: {}", one_line(&e)))
                })?;
                (engine, None)
            }
        };
        let tick = tick_for(limits.deadline);
        let deadline_ticks = deadline_ticks(limits.deadline, tick);
        let ticker = Ticker::start(engine.clone(), tick)
            .map_err(|e| WasmError::Failed(format!("cannot start the epoch ticker: {e}")))?;
        Ok(Shared {
            engine,
            limits,
            deadline_ticks,
            slots,
            ticker,
        })
    }

    /// A fresh store for one call, with fuel, deadline and resource limits set; waits for a
    /// free instance slot when all are in use.
    pub(crate) fn call(&self) -> Result<Call<'_>, WasmError> {
        let slot = self.slots.as_ref().map(Slots::take);
        let limits = StoreLimitsBuilder::new()
            .memory_size(self.limits.memory_bytes)
            .table_elements(TABLE_ELEMENTS)
            .tables(TABLES)
            .memories(1)
            .instances(1)
            .trap_on_grow_failure(true)
            .build();
        let mut store = Store::new(&self.engine, HostState { limits, hit: None });
        store.limiter(|state| state);
        store
            .set_fuel(self.limits.fuel)
            .map_err(|e| WasmError::Failed(one_line(&e)))?;
        let active = self.ticker.enter();
        // Set after waking the ticker: the deadline counts from the epoch as it is now.
        store.set_epoch_deadline(self.deadline_ticks);
        store.epoch_deadline_trap();
        Ok(Call {
            store,
            _active: active,
            _slot: slot,
        })
    }

    /// Whether instances come from the pooling allocator.
    pub(crate) fn pooled(&self) -> bool {
        self.slots.is_some()
    }

    #[cfg(test)]
    pub(crate) fn ticker_probe(&self) -> std::sync::Weak<super::ticker::TickState> {
        self.ticker.probe()
    }
}

/// The engine's configuration; with `pool`, the pooling allocator sized for the limits.
fn config(pool: Option<(&WasmLimits, u32)>) -> Config {
    let mut config = Config::new();
    config
        .consume_fuel(true)
        .epoch_interruption(true)
        .cranelift_opt_level(OptLevel::Speed)
        .wasm_backtrace_max_frames(None)
        .wasm_multi_memory(false)
        .wasm_memory64(false);
    if let Some((limits, slots)) = pool {
        let tables = u32::try_from(TABLES).unwrap_or(u32::MAX);
        let mut pooling = PoolingAllocationConfig::new();
        pooling
            .total_core_instances(slots)
            .total_memories(slots)
            .total_tables(slots.saturating_mul(tables))
            .max_memories_per_module(1)
            .max_tables_per_module(tables)
            .table_elements(TABLE_ELEMENTS)
            .max_memory_size(limits.memory_bytes)
            .linear_memory_keep_resident(KEEP_RESIDENT.min(limits.memory_bytes))
            .table_keep_resident(64 << 10)
            .pagemap_scan(Enabled::Auto);
        config.allocation_strategy(InstanceAllocationStrategy::Pooling(pooling));
    }
    config
}

/// Instance slots in the pool: the calls that can run at once. Twice the cores (callers are a
/// thread pool), at least 16 and at most 256.
pub(crate) fn pool_slots() -> u32 {
    let cores = std::thread::available_parallelism().map_or(4, |n| n.get());
    u32::try_from(cores.saturating_mul(2).clamp(16, 256)).unwrap_or(16)
}

/// The ticker's period: a twentieth of the deadline, between 1 and 10 ms.
fn tick_for(deadline: Duration) -> Duration {
    (deadline / 20).clamp(Duration::from_millis(1), Duration::from_millis(10))
}

/// Ticks until the deadline, rounded up, plus one: the first tick after the deadline is set
/// may come at once, so one tick of slack keeps the deadline from firing early.
fn deadline_ticks(deadline: Duration, tick: Duration) -> u64 {
    let tick = tick.as_nanos().max(1);
    let ticks = deadline.as_nanos().div_ceil(tick).max(1);
    u64::try_from(ticks).unwrap_or(u64::MAX / 2) + 1
}

/// A counting semaphore over the pool's instance slots, so a burst of calls waits for a slot
/// instead of failing to instantiate.
struct Slots {
    free: Mutex<u32>,
    freed: Condvar,
}

impl Slots {
    fn new(count: u32) -> Slots {
        Slots {
            free: Mutex::new(count),
            freed: Condvar::new(),
        }
    }

    fn take(&self) -> SlotGuard<'_> {
        // A counter cannot be left inconsistent by a panic, so poisoning is ignored.
        let mut free = self.free.lock().unwrap_or_else(|e| e.into_inner());
        while *free == 0 {
            free = self.freed.wait(free).unwrap_or_else(|e| e.into_inner());
        }
        *free -= 1;
        SlotGuard { slots: self }
    }
}

struct SlotGuard<'a> {
    slots: &'a Slots,
}

impl Drop for SlotGuard<'_> {
    fn drop(&mut self) {
        *self.slots.free.lock().unwrap_or_else(|e| e.into_inner()) += 1;
        self.slots.freed.notify_one();
    }
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn deadline_in_ticks() {
        let tick = tick_for(Duration::from_millis(500));
        assert_eq!(tick, Duration::from_millis(10));
        assert_eq!(deadline_ticks(Duration::from_millis(500), tick), 51);
        let tick = tick_for(Duration::from_millis(50));
        assert_eq!(tick, Duration::from_micros(2500));
        assert_eq!(deadline_ticks(Duration::from_millis(50), tick), 21);
        assert_eq!(tick_for(Duration::ZERO), Duration::from_millis(1));
        assert_eq!(deadline_ticks(Duration::ZERO, Duration::from_millis(1)), 2);
    }

    #[test]
    fn slots_wait_for_a_free_one() {
        let slots = std::sync::Arc::new(Slots::new(1));
        let held = slots.take();
        let waiter = {
            let slots = slots.clone();
            std::thread::spawn(move || {
                let _slot = slots.take();
            })
        };
        std::thread::sleep(Duration::from_millis(20));
        assert!(!waiter.is_finished());
        drop(held);
        waiter.join().expect("waiter");
        assert_eq!(*slots.free.lock().expect("lock"), 1);
    }
}
