//! Per-store resource limits, and turning wasmtime's errors into the runtime's.

use wasmtime::{ResourceLimiter, Store, StoreLimits, Trap};

use super::WasmError;

/// Table elements an instance may have (funcref tables hold 8-byte entries).
pub(crate) const TABLE_ELEMENTS: usize = 65_536;
/// Tables per instance.
pub(crate) const TABLES: usize = 8;

/// A limit the store's limiter refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Hit {
    Memory,
    Table,
}

/// Store data: the limits, and which one a call ran into (so a refused growth is reported as
/// such rather than as whatever error wasmtime wraps it in).
pub(crate) struct HostState {
    pub(crate) limits: StoreLimits,
    pub(crate) hit: Option<Hit>,
}

impl HostState {
    fn note<T>(&mut self, hit: Hit, result: wasmtime::Result<T>) -> wasmtime::Result<T> {
        if result.is_err() {
            self.hit = Some(hit);
        }
        result
    }
}

impl ResourceLimiter for HostState {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let result = self.limits.memory_growing(current, desired, maximum);
        self.note(Hit::Memory, result)
    }

    fn memory_grow_failed(&mut self, error: wasmtime::Error) -> wasmtime::Result<()> {
        let result = self.limits.memory_grow_failed(error);
        self.note(Hit::Memory, result)
    }

    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let result = self.limits.table_growing(current, desired, maximum);
        self.note(Hit::Table, result)
    }

    fn table_grow_failed(&mut self, error: wasmtime::Error) -> wasmtime::Result<()> {
        let result = self.limits.table_grow_failed(error);
        self.note(Hit::Table, result)
    }

    fn instances(&self) -> usize {
        self.limits.instances()
    }

    fn tables(&self) -> usize {
        self.limits.tables()
    }

    fn memories(&self) -> usize {
        self.limits.memories()
    }
}

/// Maps an error from instantiating or calling into a module to the runtime's error kinds.
pub(crate) fn classify(error: &wasmtime::Error, store: &Store<HostState>) -> WasmError {
    match store.data().hit {
        Some(Hit::Memory) => return WasmError::Memory,
        Some(Hit::Table) => {
            return WasmError::Trap(format!(
                "table grew past the limit of {TABLE_ELEMENTS} elements"
            ))
        }
        None => {}
    }
    match error.downcast_ref::<Trap>() {
        Some(Trap::OutOfFuel) => WasmError::OutOfFuel,
        Some(Trap::Interrupt) => WasmError::Deadline,
        Some(trap) => WasmError::Trap(trap.to_string()),
        None => WasmError::Trap(one_line(error)),
    }
}

/// An error and its causes on one line, without backtraces, at most 300 characters.
pub(crate) fn one_line(error: &wasmtime::Error) -> String {
    let text = error
        .chain()
        .map(|cause| cause.to_string())
        .collect::<Vec<_>>()
        .join(": ");
    squash(&text, 300)
}

/// Collapses whitespace runs (newlines included) into single spaces, drops other control
/// characters and cuts the text to `max` characters.
pub(crate) fn squash(text: &str, max: usize) -> String {
    let words = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut chars = words.chars().filter(|c| !c.is_control());
    let mut out: String = chars.by_ref().take(max).collect();
    if chars.next().is_some() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod unit {
    use super::squash;

    #[test]
    fn squash_makes_one_line() {
        assert_eq!(squash("a\n  b\tc\r\n", 100), "a b c");
        assert_eq!(squash("abcdef", 3), "abc…");
        assert_eq!(squash("x\u{7}y", 10), "xy");
    }
}
