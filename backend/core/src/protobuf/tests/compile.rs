use super::schema;
use crate::protobuf::{ProtoFile, ProtoSchema, ProtoSchemaError, MAX_FILE_BYTES, MAX_NESTING};
use proptest::prelude::*;

const MAIN: &str = r#"syntax = "proto3";
package acme.v1;

import "acme/common/v1/address.proto";
import "google/protobuf/duration.proto";

// The service's configuration.
message Config {
  string name = 1;
  acme.common.v1.Address address = 2;
  google.protobuf.Duration timeout = 3;
}
"#;

const ADDRESS: &str = r#"syntax = "proto3";
package acme.common.v1;
message Address { string zip = 1; }
"#;

fn compile(files: &[(&str, &str)], message: Option<&str>) -> Result<ProtoSchema, ProtoSchemaError> {
    let files: Vec<ProtoFile<'_>> = files.iter().map(|(p, s)| ProtoFile::new(p, s)).collect();
    ProtoSchema::compile(&files, message)
}

#[test]
fn imports_resolve_to_given_files_and_well_known_types() {
    let s = schema(
        &[
            ("acme/v1/config.proto", MAIN),
            ("acme/common/v1/address.proto", ADDRESS),
        ],
        None,
    );
    assert_eq!(s.message_name(), "acme.v1.Config");
    assert_eq!(
        s.file_names(),
        ["acme/v1/config.proto", "acme/common/v1/address.proto"]
    );
    assert!(s
        .pool()
        .get_message_by_name("google.protobuf.Duration")
        .is_some());
}

#[test]
fn imports_may_come_from_referenced_versions() {
    let files = [
        ProtoFile::new("acme/v1/config.proto", MAIN),
        ProtoFile::referenced("acme/common/v1/address.proto", ADDRESS, "Common@3"),
    ];
    let s = ProtoSchema::compile(&files, Some("acme.v1.Config")).unwrap();
    assert!(s
        .pool()
        .get_message_by_name("acme.common.v1.Address")
        .is_some());
}

#[test]
fn a_missing_import_is_named_with_its_location() {
    let err = compile(&[("acme/v1/config.proto", MAIN)], None).unwrap_err();
    assert_eq!(
        err,
        ProtoSchemaError::MissingImport {
            location: "acme/v1/config.proto:4:1".to_owned(),
            import: "acme/common/v1/address.proto".to_owned(),
        },
        "{err}"
    );
    assert!(err.to_string().contains("acme/common/v1/address.proto"));
}

#[test]
fn a_missing_import_in_a_referenced_file_names_its_origin() {
    let common = "syntax = \"proto3\";\npackage c;\nimport \"c/missing.proto\";\nmessage A {}\n";
    let main =
        "syntax = \"proto3\";\npackage m;\nimport \"c/a.proto\";\nmessage M { c.A a = 1; }\n";
    let files = [
        ProtoFile::new("m.proto", main),
        ProtoFile::referenced("c/a.proto", common, "Common@2"),
    ];
    let err = ProtoSchema::compile(&files, None).unwrap_err();
    match &err {
        ProtoSchemaError::MissingImport { location, import } => {
            assert_eq!(import, "c/missing.proto");
            assert!(location.starts_with("c/a.proto (Common@2)"), "{location}");
        }
        other => panic!("expected a missing import, got {other:?}"),
    }
}

#[test]
fn import_cycles_are_refused_with_the_path() {
    let a = "syntax = \"proto3\";\nimport \"b.proto\";\nmessage A {}\n";
    let b = "syntax = \"proto3\";\nimport \"a.proto\";\nmessage B {}\n";
    let err = compile(&[("a.proto", a), ("b.proto", b)], None).unwrap_err();
    match err {
        ProtoSchemaError::ImportCycle { cycle } => {
            assert_eq!(cycle, "a.proto -> b.proto -> a.proto");
        }
        other => panic!("expected a cycle, got {other:?}"),
    }
}

#[test]
fn syntax_errors_carry_file_line_and_column() {
    let bad = "syntax = \"proto3\";\nmessage M {\n  string name = ;\n}\n";
    let err = compile(&[("bad.proto", bad)], None).unwrap_err();
    match &err {
        ProtoSchemaError::Compile { location, message } => {
            assert_eq!(location, "bad.proto:3:17");
            assert!(!message.contains('\n'));
        }
        other => panic!("expected a compile error, got {other:?}"),
    }
    assert!(!err.to_string().contains('\n'));
}

#[test]
fn semantic_errors_carry_their_location() {
    let bad = "syntax = \"proto3\";\nmessage M {\n  Unknown thing = 1;\n}\n";
    let err = compile(&[("bad.proto", bad)], None).unwrap_err();
    match &err {
        ProtoSchemaError::Compile { location, message } => {
            assert!(location.starts_with("bad.proto:3:"), "{location}");
            assert!(message.contains("Unknown"), "{message}");
        }
        other => panic!("expected a compile error, got {other:?}"),
    }
}

#[test]
fn message_selection() {
    let two = "syntax = \"proto3\";\npackage p;\nmessage A {}\nmessage B { message Inner {} }\n";
    assert!(matches!(
        compile(&[("two.proto", two)], None),
        Err(ProtoSchemaError::AmbiguousMessage { candidates }) if candidates == "p.A, p.B"
    ));
    assert_eq!(
        schema(&[("two.proto", two)], Some("p.B")).message_name(),
        "p.B"
    );
    assert_eq!(
        schema(&[("two.proto", two)], Some(".p.B.Inner")).message_name(),
        "p.B.Inner"
    );
    assert!(matches!(
        compile(&[("two.proto", two)], Some("p.C")),
        Err(ProtoSchemaError::UnknownMessage { name }) if name == "p.C"
    ));
    let none = "syntax = \"proto3\";\npackage p;\nenum E { E_ZERO = 0; }\n";
    assert_eq!(
        compile(&[("none.proto", none)], None).unwrap_err(),
        ProtoSchemaError::NoMessage
    );
    // Map entries are generated, not messages a config can be.
    let map = "syntax = \"proto3\";\npackage p;\nmessage M { map<string, string> m = 1; }\n";
    assert!(compile(&[("map.proto", map)], Some("p.M.MEntry")).is_err());
}

#[test]
fn limits_and_paths() {
    assert_eq!(compile(&[], None).unwrap_err(), ProtoSchemaError::NoFiles);
    let big = format!(
        "syntax = \"proto3\";\n//{}\nmessage M {{}}\n",
        "x".repeat(MAX_FILE_BYTES)
    );
    assert!(matches!(
        compile(&[("big.proto", &big)], None),
        Err(ProtoSchemaError::FileTooLarge { .. })
    ));
    let deep = format!(
        "syntax = \"proto3\";\nmessage M {}\n",
        "{ message N ".repeat(MAX_NESTING + 1)
    );
    match compile(&[("deep.proto", &deep)], None) {
        Err(ProtoSchemaError::TooDeep { location, .. }) => {
            assert!(location.starts_with("deep.proto:2:"))
        }
        other => panic!("expected too deep, got {other:?}"),
    }
    for path in [
        "/abs.proto",
        "../up.proto",
        "a/./b.proto",
        "no_suffix",
        "a\\b.proto",
        "google/protobuf/mine.proto",
    ] {
        assert!(
            matches!(
                compile(&[(path, "syntax = \"proto3\";")], None),
                Err(ProtoSchemaError::BadPath { .. })
            ),
            "{path}"
        );
    }
    let m = "syntax = \"proto3\";\nmessage M {}\n";
    assert!(matches!(
        compile(&[("a.proto", m), ("a.proto", m)], None),
        Err(ProtoSchemaError::DuplicateFile { .. })
    ));
}

#[test]
fn canonical_form_ignores_comments_and_layout_but_not_content() {
    let files = |main: &str| {
        schema(
            &[
                ("acme/v1/config.proto", main),
                ("acme/common/v1/address.proto", ADDRESS),
            ],
            None,
        )
    };
    let base = files(MAIN);
    let reformatted = MAIN
        .replace("// The service's configuration.\n", "")
        .replace("  ", "\t\t");
    assert_eq!(base.content_hash(), files(&reformatted).content_hash());
    let renamed = MAIN.replace("string name = 1;", "string title = 1;");
    assert_ne!(base.content_hash(), files(&renamed).content_hash());
    let renumbered = MAIN.replace("string name = 1;", "string name = 4;");
    assert_ne!(base.content_hash(), files(&renumbered).content_hash());
    assert_eq!(base.content_hash().len(), 64);
}

const TOKENS: &[&str] = &[
    "syntax",
    "=",
    "\"proto3\"",
    "\"proto2\"",
    ";",
    "package",
    "a.b",
    "import",
    "\"x.proto\"",
    "message",
    "M",
    "{",
    "}",
    "enum",
    "E",
    "E_A",
    "0",
    "1",
    "-",
    "string",
    "int32",
    "repeated",
    "optional",
    "required",
    "map",
    "<",
    ">",
    ",",
    "oneof",
    "o",
    "reserved",
    "to",
    "max",
    "extensions",
    "extend",
    "option",
    "(",
    ")",
    "[",
    "]",
    "default",
    "json_name",
    "service",
    "rpc",
    "returns",
    "stream",
    "group",
    "9999999999999999999999",
    "\"\\x\"",
    "/*",
    "*/",
    "//",
    "\n",
    ".",
    "true",
    "inf",
    "nan",
    "1e999",
    "edition",
    "\"2023\"",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_text_never_panics(source in "\\PC{0,400}") {
        let _ = compile(&[("fuzz.proto", &source)], None);
    }

    #[test]
    fn token_soup_never_panics(tokens in proptest::collection::vec(proptest::sample::select(TOKENS), 0..120)) {
        let source = tokens.join(" ");
        let _ = compile(&[("fuzz.proto", &source)], None);
    }

    #[test]
    fn mutated_sources_never_panic(at in 0usize..MAIN.len(), cut in 0usize..20, insert in "\\PC{0,8}") {
        let mut source: String = MAIN.to_owned();
        let mut start = at.min(source.len());
        while !source.is_char_boundary(start) { start -= 1; }
        let mut end = (start + cut).min(source.len());
        while !source.is_char_boundary(end) { end -= 1; }
        source.replace_range(start..end, &insert);
        let _ = compile(&[("acme/v1/config.proto", &source), ("acme/common/v1/address.proto", ADDRESS)], None);
    }
}
