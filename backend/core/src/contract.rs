//! A config's contract in any of the formats a family may use, compiled: one place that says
//! how a config is judged, whatever the schema language.

mod bundle;
mod stored;

pub use bundle::{bundle, external_refs, BundleError};
pub use stored::{
    avro_document, format_of, json_schema_document, message_of, pin_message, protobuf_document,
    AvroRef, Format, ProtoRef, ProtoSource, Referenced, UnknownFormat, FORMAT_KEY,
};

use crate::avro::{AvroSchema, AvroSchemaError};
use crate::compat::{self, CompatLevel, CompatReport};
use crate::protobuf::{BufCategory, ProtoSchema, ProtoSchemaError};
use crate::schema::{CompiledSchema, SchemaError, Violation};
use serde_json::Value;

/// Why a stored or proposed document is not a usable contract. Messages are one line.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ContractError {
    #[error(transparent)]
    JsonSchema(#[from] SchemaError),
    #[error(transparent)]
    Avro(#[from] AvroSchemaError),
    #[error(transparent)]
    Protobuf(#[from] ProtoSchemaError),
    #[error("referenced schema {label} does not parse: {message}")]
    Reference { label: String, message: String },
    #[error("{label} is in {found}; {expected} versions can only reference {expected} versions")]
    ReferenceFormat {
        label: String,
        expected: Format,
        found: Format,
    },
    #[error("`{path}` comes from both {first} and {second}, with different content")]
    FileConflict {
        path: String,
        first: String,
        second: String,
    },
    #[error(transparent)]
    Bundle(#[from] BundleError),
    #[error("not a stored {0} document")]
    Envelope(Format),
    #[error("{found} versions cannot be compared with the family's {expected} versions")]
    MixedFormats { expected: Format, found: Format },
}

pub enum Contract {
    JsonSchema(CompiledSchema),
    /// A record schema: configs are objects.
    Avro(AvroSchema),
    /// The config message of a compiled `.proto` set.
    Protobuf(ProtoSchema),
}

impl Contract {
    /// Compiles a stored document (see [`format_of`]) of any format.
    pub fn from_document(document: &Value) -> Result<Contract, ContractError> {
        Ok(match format_of(document) {
            Format::JsonSchema => Contract::JsonSchema(CompiledSchema::compile(document)?),
            Format::Avro => Contract::Avro(stored::compile_avro(document)?),
            Format::Protobuf => Contract::Protobuf(stored::compile_protobuf(document)?),
        })
    }

    pub fn format(&self) -> Format {
        match self {
            Contract::JsonSchema(_) => Format::JsonSchema,
            Contract::Avro(_) => Format::Avro,
            Contract::Protobuf(_) => Format::Protobuf,
        }
    }

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

/// A version as a compatibility check sees it: its label, stored document and compiled
/// contract (callers hold compiled contracts already, so nothing is compiled again here).
#[derive(Clone, Copy)]
pub struct Version<'a> {
    pub label: &'a str,
    pub document: &'a Value,
    pub contract: &'a Contract,
}

/// Checks a new version against the earlier versions of its family (oldest first) by the rules
/// of its format: JSON Schema by [`compat::check`] on the documents, Avro by schema resolution,
/// Protobuf by buf's rules of `category`. Every version must be in the same format.
pub fn check(
    level: CompatLevel,
    category: BufCategory,
    history: &[Version<'_>],
    new: &Version<'_>,
) -> Result<CompatReport, ContractError> {
    let format = new.contract.format();
    if let Some(other) = history.iter().find(|v| v.contract.format() != format) {
        return Err(ContractError::MixedFormats {
            expected: other.contract.format(),
            found: format,
        });
    }
    Ok(match new.contract {
        Contract::JsonSchema(_) => {
            let earlier: Vec<(&str, &Value)> =
                history.iter().map(|v| (v.label, v.document)).collect();
            compat::check(level, &earlier, new.document)
        }
        Contract::Avro(schema) => {
            let earlier: Vec<(&str, &AvroSchema)> = history
                .iter()
                .filter_map(|v| match v.contract {
                    Contract::Avro(s) => Some((v.label, s)),
                    _ => None,
                })
                .collect();
            crate::avro::compat::check(level, &earlier, schema)
        }
        Contract::Protobuf(schema) => {
            let earlier: Vec<(&str, &ProtoSchema)> = history
                .iter()
                .filter_map(|v| match v.contract {
                    Contract::Protobuf(s) => Some((v.label, s)),
                    _ => None,
                })
                .collect();
            crate::protobuf::check(level, category, &earlier, schema)
        }
    })
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

    #[test]
    fn stored_avro_and_protobuf_carry_their_references_and_compile_alone() {
        let common = avro_document(
            json!({"type": "record", "name": "acme.Db", "fields": [{"name": "host", "type": "string"}]}),
            &[],
        )
        .unwrap();
        let svc = avro_document(
            json!({"type": "record", "name": "acme.Svc", "fields": [{"name": "db", "type": "acme.Db"}]}),
            &[Referenced { label: "Common@1", document: &common }],
        )
        .unwrap();
        assert_eq!(format_of(&svc), Format::Avro);
        let contract = Contract::from_document(&svc).unwrap();
        assert!(contract.is_valid(&json!({"db": {"host": "h"}})));
        assert_eq!(
            contract.validate(&json!({"db": {"host": 1}}))[0].pointer,
            "/db/host"
        );
        // One level further: the closure travels.
        let outer = avro_document(
            json!({"type": "record", "name": "acme.Outer", "fields": [{"name": "svc", "type": "acme.Svc"}, {"name": "db2", "type": "acme.Db"}]}),
            &[Referenced { label: "Svc@1", document: &svc }],
        )
        .unwrap();
        assert_eq!(outer["references"].as_array().unwrap().len(), 2);
        assert!(Contract::from_document(&outer).is_ok());
        // A reference in another format is refused.
        assert!(matches!(
            avro_document(
                json!("string"),
                &[Referenced {
                    label: "J@1",
                    document: &json!({"type": "object"})
                }]
            ),
            Err(ContractError::ReferenceFormat { .. })
        ));

        let types = protobuf_document(
            None,
            vec![ProtoSource {
                path: "acme/types.proto".into(),
                source: "syntax = \"proto3\";\npackage acme;\nmessage Db { string host = 1; }\n"
                    .into(),
            }],
            &[],
        )
        .unwrap();
        let proto = protobuf_document(
            Some("acme.Svc"),
            vec![ProtoSource {
                path: "svc.proto".into(),
                source: "syntax = \"proto3\";\npackage acme;\nimport \"acme/types.proto\";\nmessage Svc { Db db = 1; int32 replicas = 2; }\n".into(),
            }],
            &[Referenced { label: "Types@1", document: &types }],
        )
        .unwrap();
        let contract = Contract::from_document(&proto).unwrap();
        assert_eq!(contract.format(), Format::Protobuf);
        assert!(contract.is_valid(&json!({"db": {"host": "h"}, "replicas": 2})));
        assert!(!contract.is_valid(&json!({"db": {"port": 1}})));
        let pinned = pin_message(proto.clone(), &contract);
        assert_eq!(message_of(&pinned), Some("acme.Svc"));
        // The import sent along as it is in the reference is the reference's; changed, refused.
        let svc = ProtoSource {
            path: "svc.proto".into(),
            source: "syntax = \"proto3\";\npackage acme;\nimport \"acme/types.proto\";\nmessage Svc { Db db = 1; }\n".into(),
        };
        let types_file = ProtoSource {
            path: "acme/types.proto".into(),
            source: types["files"][0]["source"].as_str().unwrap().to_owned(),
        };
        let refs = [Referenced {
            label: "Types@1",
            document: &types,
        }];
        let sent_along =
            protobuf_document(None, vec![svc.clone(), types_file.clone()], &refs).unwrap();
        assert_eq!(sent_along["files"].as_array().unwrap().len(), 1);
        assert!(Contract::from_document(&sent_along).is_ok());
        let changed = ProtoSource {
            source: format!("{}// changed\n", types_file.source),
            ..types_file
        };
        assert!(matches!(
            protobuf_document(None, vec![svc, changed], &refs),
            Err(ContractError::FileConflict { .. })
        ));
    }

    #[test]
    fn compatibility_follows_each_format_and_refuses_mixing() {
        let v1 = avro_document(
            json!({"type": "record", "name": "S", "fields": [{"name": "a", "type": "int"}]}),
            &[],
        )
        .unwrap();
        let v2 = avro_document(
            json!({"type": "record", "name": "S", "fields": [{"name": "a", "type": "int"}, {"name": "b", "type": "string"}]}),
            &[],
        )
        .unwrap();
        let (c1, c2) = (
            Contract::from_document(&v1).unwrap(),
            Contract::from_document(&v2).unwrap(),
        );
        let old = Version {
            label: "1",
            document: &v1,
            contract: &c1,
        };
        let new = Version {
            label: "2",
            document: &v2,
            contract: &c2,
        };
        let report = check(CompatLevel::Backward, BufCategory::default(), &[old], &new).unwrap();
        assert!(!report.compatible);
        assert_eq!(report.breaks[0].pointer, "/b");
        let json_schema = json!({"type": "object"});
        let compiled = Contract::from_document(&json_schema).unwrap();
        let other = Version {
            label: "1",
            document: &json_schema,
            contract: &compiled,
        };
        assert!(matches!(
            check(
                CompatLevel::Backward,
                BufCategory::default(),
                &[other],
                &new
            ),
            Err(ContractError::MixedFormats { .. })
        ));
    }
}
