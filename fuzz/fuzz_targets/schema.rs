//! JSON Schemas: the text before the first NUL read as a schema file and compiled
//! (`CompiledSchema::compile`, meta-schema check included), then a config after it validated
//! (or the schema itself, as an instance, when there is no config).
//!
//! Properties: `is_valid` agrees with `validate` finding nothing, and every violation points
//! at a place that exists in the instance.
#![no_main]

use libfuzzer_sys::fuzz_target;
use versiqii_core::schema::CompiledSchema;
use versiqii_fuzz::{config, schema, split};

fuzz_target!(|data: &[u8]| {
    let (schema_bytes, doc_bytes) = split(data);
    let Some(schema) = schema(schema_bytes) else {
        return;
    };
    let Ok(compiled) = CompiledSchema::compile(&schema) else {
        return;
    };
    let instance = config(doc_bytes).unwrap_or_else(|| schema.clone());
    let violations = compiled.validate(&instance);
    assert_eq!(
        compiled.is_valid(&instance),
        violations.is_empty(),
        "is_valid disagrees with validate: {violations:?}"
    );
    for violation in &violations {
        assert!(
            instance.pointer(&violation.pointer).is_some(),
            "a violation points nowhere: {violation:?}"
        );
    }
});
