use super::{AvroSchema, AvroSchemaError, Reference};
use serde_json::Value;

mod compat;
mod oracle;
mod parse;
mod validate;

fn parse(schema: Value) -> AvroSchema {
    match AvroSchema::from_value(&schema, &[]) {
        Ok(parsed) => parsed,
        Err(e) => panic!("{schema} should parse: {e}"),
    }
}

fn parse_err(schema: Value) -> AvroSchemaError {
    match AvroSchema::from_value(&schema, &[]) {
        Ok(_) => panic!("{schema} should be refused"),
        Err(e) => e,
    }
}

fn with_refs(schema: Value, refs: &[Reference<'_>]) -> Result<AvroSchema, AvroSchemaError> {
    AvroSchema::from_value(&schema, refs)
}
