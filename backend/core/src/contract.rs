//! A config's contract in any of the formats a family may use, compiled: one place that says
//! how a config is judged, whatever the schema language.

use crate::avro::AvroSchema;
use crate::protobuf::ProtoSchema;
use crate::schema::{CompiledSchema, Violation};
use serde_json::Value;

pub enum Contract {
    JsonSchema(CompiledSchema),
    /// A record schema: configs are objects.
    Avro(AvroSchema),
    /// The config message of a compiled `.proto` set.
    Protobuf(ProtoSchema),
}

impl Contract {
    pub fn is_valid(&self, config: &Value) -> bool {
        match self {
            Contract::JsonSchema(schema) => schema.is_valid(config),
            Contract::Avro(schema) => schema.validate(config).is_empty(),
            Contract::Protobuf(schema) => schema.is_valid(config),
        }
    }

    /// Every place `config` breaks the contract, as JSON pointers into it.
    pub fn validate(&self, config: &Value) -> Vec<Violation> {
        match self {
            Contract::JsonSchema(schema) => schema.validate(config),
            Contract::Avro(schema) => schema.validate(config),
            Contract::Protobuf(schema) => schema.validate(config),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protobuf::ProtoFile;
    use serde_json::json;

    #[test]
    fn each_format_judges_the_same_config_by_its_own_rules() {
        let json_schema = Contract::JsonSchema(
            CompiledSchema::compile(&json!({
                "type": "object",
                "properties": {"replicas": {"type": "integer"}},
                "required": ["replicas"],
                "additionalProperties": false
            }))
            .unwrap(),
        );
        let avro = Contract::Avro(
            AvroSchema::parse(
                r#"{"type":"record","name":"Svc","fields":[{"name":"replicas","type":"int"}]}"#,
                &[],
            )
            .unwrap()
            .require_record()
            .unwrap(),
        );
        let proto = Contract::Protobuf(
            ProtoSchema::compile(
                &[ProtoFile::new(
                    "svc.proto",
                    "syntax = \"proto3\";\npackage svc;\nmessage Svc { int32 replicas = 1; }\n",
                )],
                None,
            )
            .unwrap(),
        );
        for contract in [&json_schema, &avro, &proto] {
            assert!(contract.is_valid(&json!({"replicas": 2})));
            let bad = contract.validate(&json!({"replicas": "two"}));
            assert!(!bad.is_empty());
            assert_eq!(bad[0].pointer, "/replicas");
            assert!(!contract.is_valid(&json!({"replicas": 2, "extra": true})));
        }
    }
}
