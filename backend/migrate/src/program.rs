//! A migration's program, whichever kind it is.

#[cfg(feature = "wasm")]
use std::sync::Arc;

use serde_json::Value;
use versiqii_core::document::{check_value, Caps, OverCap};

use crate::{Direction, Lens, LensError};
#[cfg(feature = "wasm")]
use crate::{WasmError, WasmMigration};

#[derive(Clone, Debug)]
pub enum Program {
    Lens(Lens),
    #[cfg(feature = "wasm")]
    Wasm(Arc<WasmMigration>),
}

#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    #[error(transparent)]
    Lens(#[from] LensError),
    #[cfg(feature = "wasm")]
    #[error(transparent)]
    Wasm(#[from] WasmError),
    /// The program ran, but its output is over the caps every config meets
    /// ([`Caps::CONFIG`]): a larger or deeper config could not be uploaded, so it is not
    /// handed on either.
    #[error("the output {0}; a config may not be")]
    OutputTooLarge(OverCap),
}

impl MigrateError {
    /// Whether the step failed because what it made (or was making) is over a config's caps,
    /// rather than because it could not run.
    pub fn is_too_large(&self) -> bool {
        match self {
            MigrateError::OutputTooLarge(_) | MigrateError::Lens(LensError::TooLarge { .. }) => {
                true
            }
            #[cfg(feature = "wasm")]
            MigrateError::Wasm(WasmError::OutputTooLarge { .. }) => true,
            _ => false,
        }
    }
}

impl Program {
    pub fn kind(&self) -> &'static str {
        match self {
            Program::Lens(_) => "lens",
            #[cfg(feature = "wasm")]
            Program::Wasm(_) => "wasm",
        }
    }

    /// Runs the program on `doc` and checks its output against a config's caps (64 levels,
    /// 256 KiB as compact JSON), so every step of a chain hands on no more than a config may
    /// hold.
    pub fn apply(&self, doc: Value, direction: Direction) -> Result<Value, MigrateError> {
        let output = match self {
            Program::Lens(lens) => lens.apply(doc, direction)?,
            #[cfg(feature = "wasm")]
            Program::Wasm(module) => module.run(&doc, direction)?,
        };
        check_value(&output, &Caps::CONFIG).map_err(MigrateError::OutputTooLarge)?;
        Ok(output)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(feature = "wasm")]
    use crate::{WasmLimits, WasmRuntime};
    use serde_json::json;
    use versiqii_core::document::{MAX_CONFIG_BYTES, MAX_DEPTH};

    fn lens(text: &str) -> Program {
        Program::Lens(Lens::parse(text).unwrap())
    }

    #[test]
    fn a_lens_output_over_a_configs_caps_is_refused() {
        // Each `wrap` nests `x` one level deeper.
        let wraps = "  - wrap: { name: x }\n".repeat(MAX_DEPTH);
        let deep = lens(&format!("lens:\n{wraps}"));
        let err = deep.apply(json!({"x": 1}), Direction::Up).unwrap_err();
        assert!(err.is_too_large(), "{err}");
        let text = err.to_string();
        assert!(
            text.contains("more than 64 levels deep at /x/0/0"),
            "{text}"
        );
        // One level fewer fits.
        let fewer = lens(&format!(
            "lens:\n{}",
            "  - wrap: { name: x }\n".repeat(MAX_DEPTH - 2)
        ));
        assert!(fewer.apply(json!({"x": 1}), Direction::Up).is_ok());

        // 150 KB added to a 150 KB config (three uses of one 50 KB string): within what one
        // run may add, not what a config may be.
        let pad = lens(&format!(
            "lens:\n  - add: {{ name: pad, default: [&s '{}', *s, *s] }}\n",
            "x".repeat(50_000)
        ));
        let config = json!({"blob": "y".repeat(150_000)});
        let err = pad.apply(config.clone(), Direction::Up).unwrap_err();
        assert!(
            matches!(
                err,
                MigrateError::OutputTooLarge(OverCap::Size {
                    max: MAX_CONFIG_BYTES
                })
            ),
            "{err:?}"
        );
        assert!(
            err.to_string()
                .contains("larger than 256 KiB as compact JSON"),
            "{err}"
        );
        assert!(pad.apply(json!({"blob": "y"}), Direction::Up).is_ok());
        // Failures that are not about size are not mistaken for it.
        let hoist = lens("lens:\n  - hoist: { host: a, name: b }\n");
        let err = hoist.apply(json!({"a": 1}), Direction::Up).unwrap_err();
        assert!(!err.is_too_large());
    }

    #[cfg(feature = "wasm")]
    #[test]
    fn a_wasm_output_over_a_configs_caps_is_refused() {
        let nested = format!(
            "{{\"a\":{}1{}}}",
            "[".repeat(MAX_DEPTH),
            "]".repeat(MAX_DEPTH)
        );
        let wat = format!(
            r#"(module
  (memory (export "memory") 1)
  (data (i32.const 0) "{}")
  (func (export "alloc") (param i32) (result i32) (i32.const 4096))
  (func (export "migrate") (param i32 i32 i32) (result i64) (i64.const {})))"#,
            nested.replace('"', "\\\""),
            nested.len()
        );
        let runtime = WasmRuntime::new(WasmLimits::default()).unwrap();
        let program = Program::Wasm(runtime.load(wat.as_bytes()).unwrap());
        let err = program.apply(json!({}), Direction::Up).unwrap_err();
        assert!(err.is_too_large(), "{err}");
        assert!(
            err.to_string().contains("more than 64 levels deep"),
            "{err}"
        );
    }
}
