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

    /// The P1 benchmark's schema in Avro and Protobuf (backend/core/benches/p1/) compiles, and
    /// judges a P1 config and its broken twin alike.
    #[test]
    fn the_p1_contracts_compile_and_judge_alike() {
        let avro = AvroSchema::parse(include_str!("../benches/p1/service-config.avsc"), &[])
            .and_then(AvroSchema::require_record)
            .map(Contract::Avro)
            .unwrap();
        let proto = ProtoSchema::compile(
            &[ProtoFile::new(
                "service-config.proto",
                include_str!("../benches/p1/service-config.proto"),
            )],
            Some("bench.p1.ServiceConfig"),
        )
        .map(Contract::Protobuf)
        .unwrap();
        let good = json!({
            "apiVersion": "v1", "kind": "Worker",
            "metadata": {"name": "web", "version": "3.24.127", "team": "platform",
                         "labels": {"tier": "silver"}},
            "spec": {
                "replicas": 6, "image": "registry.example.com/web:8.0.33",
                "ports": [{"name": "grpc", "port": 20518, "protocol": "GRPC"}],
                "env": [{"name": "API_TOKEN", "value": "x", "secret": true}],
                "resources": {"cpu": 0.5, "memoryMiB": 4096},
                "logging": {"level": "debug", "format": "text", "sampleRate": 0.1},
                "features": {"betaUi": true},
                "owner": "payments@example.com",
                "updatedAt": "2026-04-18T17:25:32Z",
                "database": {"engine": "mysql", "host": "db-2.internal", "port": 5432,
                             "pool": {"min": 3, "max": 20, "timeoutMs": 1000}}
            }
        });
        let mut bad = good.clone();
        bad["kind"] = json!("Daemon");
        for contract in [&avro, &proto] {
            assert_eq!(contract.validate(&good), vec![]);
            let found = contract.validate(&bad);
            assert_eq!(found.len(), 1, "{found:?}");
            assert_eq!(found[0].pointer, "/kind");
        }
    }
}
