//! The module ABI: what a module must export, and one call through it.
//!
//! Exports: `memory` (32-bit, unshared), `alloc(len: i32) -> i32` and
//! `migrate(ptr: i32, len: i32, direction: i32) -> i64`. Results pack `ptr << 32 | len`;
//! bit 63 set marks an error whose UTF-8 message sits at the packed location.

use std::borrow::Cow;

use wasmtime::{
    Extern, ExternType, InstancePre, Linker, Memory, Module, ModuleExport, Store, ValType,
};

use super::engine::Shared;
use super::limiter::{classify, one_line, squash, HostState};
use super::WasmError;
use crate::Direction;

/// `direction` argument of `migrate` for [`Direction::Up`].
pub const DIRECTION_UP: i32 = 0;
/// `direction` argument of `migrate` for [`Direction::Down`].
pub const DIRECTION_DOWN: i32 = 1;
/// Bit of `migrate`'s result that marks an error (the result is negative as an `i64`).
pub const ERROR_FLAG: u64 = 1 << 63;

const WASM_MAGIC: &[u8] = b"\0asm";
/// Longest error message a module can report, in characters.
const MESSAGE_CHARS: usize = 1000;

/// A compiled module that passed the checks, ready to instantiate.
pub(crate) struct Loaded {
    pre: InstancePre<HostState>,
    memory: ModuleExport,
    alloc: ModuleExport,
    migrate: ModuleExport,
}

impl Loaded {
    /// Compiles binary WASM, or WAT text (anything not starting with the WASM magic), and
    /// checks imports and exports.
    pub(crate) fn compile(shared: &Shared, bytes: &[u8]) -> Result<Loaded, WasmError> {
        let engine = &shared.engine;
        let binary: Cow<'_, [u8]> = if bytes.starts_with(WASM_MAGIC) {
            Cow::Borrowed(bytes)
        } else {
            wat::parse_bytes(bytes).map_err(|e| WasmError::Invalid(wat_error(&e)))?
        };
        let module =
            Module::from_binary(engine, &binary).map_err(|e| WasmError::Invalid(one_line(&e)))?;
        if let Some(import) = module.imports().next() {
            return Err(WasmError::Imports(format!(
                "{}.{}",
                import.module(),
                import.name()
            )));
        }
        check_memory(&module, shared.limits.memory_bytes)?;
        check_func(&module, "alloc", 1, &ValType::I32)?;
        check_func(&module, "migrate", 3, &ValType::I64)?;
        let pre = Linker::<HostState>::new(engine)
            .instantiate_pre(&module)
            .map_err(|e| WasmError::Invalid(one_line(&e)))?;
        Ok(Loaded {
            pre,
            memory: export_index(&module, "memory")?,
            alloc: export_index(&module, "alloc")?,
            migrate: export_index(&module, "migrate")?,
        })
    }

    /// One migration in a fresh store and instance.
    pub(crate) fn call(
        &self,
        shared: &Shared,
        input: &[u8],
        direction: Direction,
    ) -> Result<serde_json::Value, WasmError> {
        let len = i32::try_from(input.len()).map_err(|_| WasmError::InputTooLarge {
            size: input.len(),
            limit: i32::MAX as usize,
        })?;
        let mut call = shared.call()?;
        let store = &mut call.store;
        let instance = self
            .pre
            .instantiate(&mut *store)
            .map_err(|e| classify(&e, store))?;
        let memory = instance
            .get_module_export(&mut *store, &self.memory)
            .and_then(Extern::into_memory)
            .ok_or_else(|| missing("memory"))?;
        let alloc = instance
            .get_module_export(&mut *store, &self.alloc)
            .and_then(Extern::into_func)
            .ok_or_else(|| missing("alloc"))?
            .typed::<i32, i32>(&*store)
            .map_err(|e| WasmError::Invalid(one_line(&e)))?;
        let migrate = instance
            .get_module_export(&mut *store, &self.migrate)
            .and_then(Extern::into_func)
            .ok_or_else(|| missing("migrate"))?
            .typed::<(i32, i32, i32), i64>(&*store)
            .map_err(|e| WasmError::Invalid(one_line(&e)))?;

        let ptr = alloc
            .call(&mut *store, len)
            .map_err(|e| classify(&e, store))?;
        let start = ptr as u32 as usize;
        memory.write(&mut *store, start, input).map_err(|_| {
            WasmError::Output(format!(
                "alloc({len}) returned {start:#x}, outside the {}-byte memory",
                memory.data_size(&*store)
            ))
        })?;
        let direction = match direction {
            Direction::Up => DIRECTION_UP,
            Direction::Down => DIRECTION_DOWN,
        };
        let result = migrate
            .call(&mut *store, (ptr, len, direction))
            .map_err(|e| classify(&e, store))?;
        decode(store, memory, result as u64, shared.limits.output_bytes)
    }
}

/// Reads `migrate`'s result: the output document, or the module's error.
fn decode(
    store: &Store<HostState>,
    memory: Memory,
    result: u64,
    limit: usize,
) -> Result<serde_json::Value, WasmError> {
    let failed = result & ERROR_FLAG != 0;
    let start = ((result >> 32) & 0x7fff_ffff) as usize;
    let len = (result & 0xffff_ffff) as usize;
    let data = memory.data(store);
    let bytes = start
        .checked_add(len)
        .and_then(|end| data.get(start..end))
        .ok_or_else(|| {
            WasmError::Output(format!(
                "{} at {start:#x}, {len} bytes long, is outside the {}-byte memory",
                if failed {
                    "the error message"
                } else {
                    "the output"
                },
                data.len()
            ))
        })?;
    if failed {
        let message = squash(&String::from_utf8_lossy(bytes), MESSAGE_CHARS);
        return Err(WasmError::Failed(if message.is_empty() {
            "the module reported an error without a message".into()
        } else {
            message
        }));
    }
    if bytes.len() > limit {
        return Err(WasmError::OutputTooLarge {
            size: bytes.len(),
            limit,
        });
    }
    let text = std::str::from_utf8(bytes).map_err(|e| {
        WasmError::Output(format!(
            "the output is not UTF-8 (at byte {})",
            e.valid_up_to()
        ))
    })?;
    serde_json::from_str(text)
        .map_err(|e| WasmError::Output(format!("the output is not JSON: {e}")))
}

fn check_memory(module: &Module, limit: usize) -> Result<(), WasmError> {
    match module.get_export("memory") {
        Some(ExternType::Memory(ty)) if ty.is_64() || ty.is_shared() => Err(WasmError::Invalid(
            "the exported memory must be a 32-bit unshared memory".into(),
        )),
        Some(ExternType::Memory(ty))
            if ty.minimum().saturating_mul(ty.page_size()) > limit as u64 =>
        {
            Err(WasmError::Invalid(format!(
                "the memory's initial size of {} bytes is over the limit of {limit}",
                ty.minimum().saturating_mul(ty.page_size())
            )))
        }
        Some(ExternType::Memory(_)) => Ok(()),
        Some(_) => Err(WasmError::Invalid(
            "the export `memory` is not a memory".into(),
        )),
        None => Err(WasmError::Invalid(
            "the module does not export `memory`".into(),
        )),
    }
}

/// Checks that `name` is exported as a function of `params` i32 parameters returning one
/// `result`.
fn check_func(
    module: &Module,
    name: &str,
    params: usize,
    result: &ValType,
) -> Result<(), WasmError> {
    let expected = || {
        let args = vec!["i32"; params].join(", ");
        let result = if matches!(result, ValType::I64) {
            "i64"
        } else {
            "i32"
        };
        format!("`{name}` must be a function ({args}) -> {result}")
    };
    let Some(ExternType::Func(ty)) = module.get_export(name) else {
        return Err(WasmError::Invalid(match module.get_export(name) {
            None => format!("the module does not export `{name}`"),
            Some(_) => expected(),
        }));
    };
    let params_ok = ty.params().len() == params && ty.params().all(|p| matches!(p, ValType::I32));
    let results: Vec<ValType> = ty.results().collect();
    let results_ok = results.len() == 1 && ValType::eq(&results[0], result);
    if params_ok && results_ok {
        Ok(())
    } else {
        Err(WasmError::Invalid(expected()))
    }
}

fn export_index(module: &Module, name: &str) -> Result<ModuleExport, WasmError> {
    module.get_export_index(name).ok_or_else(|| missing(name))
}

fn missing(name: &str) -> WasmError {
    WasmError::Invalid(format!("the module does not export `{name}`"))
}

/// A WAT parse error on one line: the message and where it is.
fn wat_error(error: &wat::Error) -> String {
    let text = error.to_string();
    let mut lines = text.lines();
    let message = lines.next().unwrap_or("cannot parse the WAT text").trim();
    let place = lines
        .map(str::trim)
        .find_map(|line| line.strip_prefix("-->"))
        .map(str::trim);
    let line = match place {
        Some(place) => format!("{message} at {place}"),
        None => message.to_string(),
    };
    squash(&line, 300)
}
