use super::schema;
use crate::compat::CompatLevel;
use crate::protobuf::{check, BufCategory, ProtoSchema};
use std::collections::BTreeSet;

/// One row: a rule, the schema before, a change that trips it and one that does not.
/// Sources are `(path, source)` lists; the main file always defines `pkg.M`.
struct Case {
    rule: &'static str,
    before: Vec<(&'static str, String)>,
    trips: Vec<(&'static str, String)>,
    passes: Vec<(&'static str, String)>,
}

fn p3(body: &str) -> String {
    format!("syntax = \"proto3\";\npackage pkg;\n{body}\n")
}

fn p2(body: &str) -> String {
    format!("syntax = \"proto2\";\npackage pkg;\n{body}\n")
}

fn main(source: String) -> Vec<(&'static str, String)> {
    vec![("pkg/m.proto", source)]
}

fn with_other(source: String, other: String) -> Vec<(&'static str, String)> {
    vec![("pkg/m.proto", source), ("pkg/other.proto", other)]
}

fn case(rule: &'static str, before: &str, trips: &str, passes: &str) -> Case {
    Case {
        rule,
        before: main(p3(before)),
        trips: main(p3(trips)),
        passes: main(p3(passes)),
    }
}

fn case2(rule: &'static str, before: &str, trips: &str, passes: &str) -> Case {
    Case {
        rule,
        before: main(p2(before)),
        trips: main(p2(trips)),
        passes: main(p2(passes)),
    }
}

fn compiled(files: &[(&'static str, String)]) -> ProtoSchema {
    let files: Vec<(&str, &str)> = files.iter().map(|(p, s)| (*p, s.as_str())).collect();
    schema(&files, Some("pkg.M"))
}

fn rules(category: BufCategory, before: &ProtoSchema, after: &ProtoSchema) -> BTreeSet<String> {
    check(CompatLevel::Backward, category, &[("1", before)], after)
        .breaks
        .into_iter()
        .map(|b| b.rule)
        .collect()
}

const SVC: &str = "message M {}\nmessage N {}\n";

fn cases() -> Vec<Case> {
    let mut cases = vec![
        case("FIELD_NO_DELETE", "message M { string a = 1; string b = 2; }", "message M { string a = 1; }", "message M { string a = 1; string b = 2; string c = 3; }"),
        case("FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED", "message M { string a = 1; string b = 2; }", "message M { string a = 1; reserved \"b\"; }", "message M { string a = 1; reserved 2; }"),
        case("FIELD_NO_DELETE_UNLESS_NAME_RESERVED", "message M { string a = 1; string b = 2; }", "message M { string a = 1; reserved 2; }", "message M { string a = 1; reserved \"b\"; }"),
        case("FIELD_SAME_NAME", "message M { string a = 1; }", "message M { string b = 1; }", "message M { string a = 1 [json_name = \"a\"]; }"),
        case("FIELD_SAME_JSON_NAME", "message M { string a_b = 1; }", "message M { string a_b = 1 [json_name = \"ab\"]; }", "message M { string a_b = 1 [json_name = \"aB\"]; }"),
        case("FIELD_SAME_TYPE", "message M { int32 a = 1; }", "message M { int64 a = 1; }", "message M { int32 a = 1; int64 b = 2; }"),
        case("FIELD_SAME_TYPE", "message M { E a = 1; }\nenum E { E_0 = 0; }\nenum F { F_0 = 0; }", "message M { F a = 1; }\nenum E { E_0 = 0; }\nenum F { F_0 = 0; }", "message M { E a = 1; }\nenum E { E_0 = 0; E_1 = 1; }\nenum F { F_0 = 0; }"),
        case("FIELD_WIRE_COMPATIBLE_TYPE", "message M { int32 a = 1; }", "message M { sint32 a = 1; }", "message M { int64 a = 1; }"),
        case("FIELD_WIRE_COMPATIBLE_TYPE", "message M { bytes a = 1; }", "message M { string a = 1; }", "message M { bytes a = 1; string b = 2; }"),
        case("FIELD_WIRE_COMPATIBLE_TYPE", "message M { string a = 1; }", "message M { N a = 1; }\nmessage N {}", "message M { bytes a = 1; }"),
        case("FIELD_WIRE_JSON_COMPATIBLE_TYPE", "message M { int32 a = 1; }", "message M { int64 a = 1; }", "message M { uint32 a = 1; }"),
        case("FIELD_WIRE_JSON_COMPATIBLE_TYPE", "message M { string a = 1; }", "message M { bytes a = 1; }", "message M { string a = 1; bytes b = 2; }"),
        case("FIELD_WIRE_JSON_COMPATIBLE_TYPE", "message M { N a = 1; }\nmessage N {}\nmessage O {}", "message M { O a = 1; }\nmessage N {}\nmessage O {}", "message M { N a = 1; }\nmessage N { string x = 1; }\nmessage O {}"),
        case("FIELD_SAME_CARDINALITY", "message M { string a = 1; }", "message M { optional string a = 1; }", "message M { string a = 1; optional string b = 2; }"),
        case("FIELD_WIRE_COMPATIBLE_CARDINALITY", "message M { string a = 1; }", "message M { repeated string a = 1; }", "message M { optional string a = 1; }"),
        case("FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY", "message M { map<string, string> a = 1; }", "message M { repeated E a = 1; message E { string key = 1; string value = 2; } }", "message M { map<string, string> a = 1; string b = 2; }"),
        case("FIELD_SAME_ONEOF", "message M { string a = 1; string b = 2; }", "message M { oneof o { string a = 1; } string b = 2; }", "message M { optional string a = 1; string b = 2; }"),
        case("FIELD_SAME_ONEOF", "message M { oneof o { string a = 1; } oneof p { string b = 2; } }", "message M { oneof o { string a = 1; string b = 2; } oneof p { string c = 3; } }", "message M { oneof o { string a = 1; string c = 3; } oneof p { string b = 2; } }"),
        case("FIELD_SAME_JSTYPE", "message M { int64 a = 1; }", "message M { int64 a = 1 [jstype = JS_STRING]; }", "message M { int64 a = 1 [jstype = JS_NORMAL]; }"),
        case("ONEOF_NO_DELETE", "message M { oneof o { string a = 1; } }", "message M { string a = 1; }", "message M { oneof o { string a = 1; string b = 2; } }"),
        case("RESERVED_MESSAGE_NO_DELETE", "message M { reserved 5 to 7; reserved \"x\"; }", "message M { reserved 5, 7; reserved \"x\"; }", "message M { reserved 4 to 8; reserved \"x\", \"y\"; }"),
        case("RESERVED_MESSAGE_NO_DELETE", "message M { reserved 5 to 7; reserved \"x\"; }", "message M { reserved 5 to 7; }", "message M { reserved 5, 6, 7; reserved \"x\"; }"),
        case("MESSAGE_NO_REMOVE_STANDARD_DESCRIPTOR_ACCESSOR", "message M {}", "message M { option no_standard_descriptor_accessor = true; }", "message M { option no_standard_descriptor_accessor = false; }"),
        case("ENUM_VALUE_NO_DELETE", "message M {}\nenum E { E_0 = 0; E_1 = 1; }", "message M {}\nenum E { E_0 = 0; }", "message M {}\nenum E { E_0 = 0; E_1 = 1; E_2 = 2; }"),
        case("ENUM_VALUE_NO_DELETE_UNLESS_NUMBER_RESERVED", "message M {}\nenum E { E_0 = 0; E_1 = 1; }", "message M {}\nenum E { E_0 = 0; reserved \"E_1\"; }", "message M {}\nenum E { E_0 = 0; reserved 1; }"),
        case("ENUM_VALUE_NO_DELETE_UNLESS_NAME_RESERVED", "message M {}\nenum E { E_0 = 0; E_1 = 1; }", "message M {}\nenum E { E_0 = 0; reserved 1; }", "message M {}\nenum E { E_0 = 0; reserved \"E_1\"; }"),
        case("ENUM_VALUE_SAME_NAME", "message M {}\nenum E { E_0 = 0; E_1 = 1; }", "message M {}\nenum E { E_0 = 0; E_ONE = 1; }", "message M {}\nenum E { E_0 = 0; E_1 = 1; E_2 = 2; }"),
        case("ENUM_VALUE_SAME_NAME", "message M {}\nenum E { option allow_alias = true; E_0 = 0; E_1 = 1; E_ONE = 1; }", "message M {}\nenum E { option allow_alias = true; E_0 = 0; E_1 = 1; E_UNO = 1; }", "message M {}\nenum E { E_0 = 0; E_ONE = 1; }"),
        case("RESERVED_ENUM_NO_DELETE", "message M {}\nenum E { E_0 = 0; reserved 5 to 7; reserved \"X\"; }", "message M {}\nenum E { E_0 = 0; reserved 5; reserved \"X\"; }", "message M {}\nenum E { E_0 = 0; reserved 5 to max; reserved \"X\"; }"),
        case("MESSAGE_NO_DELETE", "message M {}\nmessage N { message Inner {} }", "message M {}\nmessage N {}", "message M {}\nmessage N { message Inner {} }\nmessage O {}"),
        case("PACKAGE_MESSAGE_NO_DELETE", "message M {}\nmessage N {}", "message M {}", "message M {}\nmessage N { string a = 1; }"),
        case("ENUM_NO_DELETE", "message M {}\nenum E { E_0 = 0; }", "message M {}", "message M {}\nenum E { E_0 = 0; E_1 = 1; }"),
        case("PACKAGE_ENUM_NO_DELETE", "message M {}\nenum E { E_0 = 0; }", "message M {}", "message M {}\nenum E { E_0 = 0; }\nenum F { F_0 = 0; }"),
        case("SERVICE_NO_DELETE", &format!("{SVC}service S {{ rpc R(M) returns (N); }}"), SVC, &format!("{SVC}service S {{ rpc R(M) returns (N); rpc Q(M) returns (N); }}")),
        case("PACKAGE_SERVICE_NO_DELETE", &format!("{SVC}service S {{ rpc R(M) returns (N); }}"), SVC, &format!("{SVC}service S {{ rpc R(M) returns (N); }}\nservice T {{}}")),
        case("RPC_NO_DELETE", &format!("{SVC}service S {{ rpc R(M) returns (N); }}"), &format!("{SVC}service S {{}}"), &format!("{SVC}service S {{ rpc R(M) returns (N); rpc Q(N) returns (M); }}")),
        case("RPC_SAME_REQUEST_TYPE", &format!("{SVC}service S {{ rpc R(M) returns (N); }}"), &format!("{SVC}service S {{ rpc R(N) returns (N); }}"), &format!("{SVC}service S {{ rpc R(M) returns (N) {{}} }}")),
        case("RPC_SAME_RESPONSE_TYPE", &format!("{SVC}service S {{ rpc R(M) returns (N); }}"), &format!("{SVC}service S {{ rpc R(M) returns (M); }}"), &format!("{SVC}service S {{ rpc R(M) returns (N); }}")),
        case("RPC_SAME_CLIENT_STREAMING", &format!("{SVC}service S {{ rpc R(M) returns (N); }}"), &format!("{SVC}service S {{ rpc R(stream M) returns (N); }}"), &format!("{SVC}service S {{ rpc R(M) returns (stream N); }}")),
        case("RPC_SAME_SERVER_STREAMING", &format!("{SVC}service S {{ rpc R(M) returns (N); }}"), &format!("{SVC}service S {{ rpc R(M) returns (stream N); }}"), &format!("{SVC}service S {{ rpc R(stream M) returns (N); }}")),
        case("RPC_SAME_IDEMPOTENCY_LEVEL", &format!("{SVC}service S {{ rpc R(M) returns (N); }}"), &format!("{SVC}service S {{ rpc R(M) returns (N) {{ option idempotency_level = NO_SIDE_EFFECTS; }} }}"), &format!("{SVC}service S {{ rpc R(M) returns (N) {{ option deprecated = true; }} }}")),
        case2("FIELD_SAME_JAVA_UTF8_VALIDATION", "message M { optional string a = 1; }", "option java_string_check_utf8 = true;\nmessage M { optional string a = 1; }", "option java_string_check_utf8 = false;\nmessage M { optional string a = 1; }"),
        Case {
            rule: "FIELD_SAME_UTF8_VALIDATION",
            before: main(p2("message M { optional string a = 1; }")),
            trips: main(p3("message M { string a = 1; }")),
            passes: main(p2("message M { optional string a = 1; optional bytes b = 2; }")),
        },
        case2("EXTENSION_NO_DELETE", "message M { extensions 100 to 200; }\nextend M { optional int32 x = 100; }", "message M { extensions 100 to 200; }", "message M { extensions 100 to 200; }\nextend M { optional int32 x = 100; optional int32 y = 101; }"),
        case2("PACKAGE_EXTENSION_NO_DELETE", "message M { extensions 100 to 200; }\nextend M { optional int32 x = 100; }", "message M { extensions 100 to 200; }", "message M { extensions 100 to 200; }\nextend M { optional int32 x = 100; }\nmessage N {}"),
        case2("FIELD_SAME_DEFAULT", "message M { optional int32 a = 1 [default = 5]; }", "message M { optional int32 a = 1 [default = 6]; }", "message M { optional int32 a = 1 [default = 5]; optional int32 b = 2; }"),
        case2("FIELD_SAME_DEFAULT", "message M { optional int32 a = 1; }", "message M { optional int32 a = 1 [default = 1]; }", "message M { optional int32 a = 1 [default = 0]; }"),
        case2("FIELD_SAME_CPP_STRING_TYPE", "message M { optional string a = 1; }", "message M { optional string a = 1 [ctype = CORD]; }", "message M { optional string a = 1 [ctype = STRING]; }"),
        case2("MESSAGE_SAME_REQUIRED_FIELDS", "message M { required string a = 1; }", "message M { optional string a = 1; }", "message M { required string a = 1; optional string b = 2; }"),
        case2("MESSAGE_SAME_REQUIRED_FIELDS", "message M { optional string a = 1; }", "message M { optional string a = 1; required string b = 2; }", "message M { optional string a = 1; optional string b = 2; }"),
        case2("EXTENSION_MESSAGE_NO_DELETE", "message M { extensions 100 to 199; }", "message M { extensions 100 to 149; }", "message M { extensions 100 to 299; }"),
        case2("FIELD_SAME_CARDINALITY", "message M { optional string a = 1; }", "message M { required string a = 1; }", "message M { optional string a = 1 [default = \"\"]; }"),
    ];
    // Files and packages.
    let other = |body: &str| format!("syntax = \"proto3\";\npackage other;\n{body}\n");
    let m = p3("message M {}");
    cases.push(Case {
        rule: "FILE_NO_DELETE",
        before: with_other(m.clone(), other("message O {}")),
        trips: main(m.clone()),
        passes: with_other(m.clone(), other("message O {}\nmessage P {}")),
    });
    cases.push(Case {
        rule: "PACKAGE_NO_DELETE",
        before: with_other(m.clone(), other("message O {}")),
        trips: with_other(
            m.clone(),
            "syntax = \"proto3\";\npackage renamed;\nmessage O {}\n".to_owned(),
        ),
        passes: vec![
            ("pkg/m.proto", m.clone()),
            ("pkg/moved.proto", other("message O {}")),
        ],
    });
    cases.push(Case {
        rule: "FILE_SAME_PACKAGE",
        before: with_other(m.clone(), other("message O {}")),
        trips: with_other(
            m.clone(),
            "syntax = \"proto3\";\npackage renamed;\nmessage O {}\n".to_owned(),
        ),
        passes: with_other(m.clone(), other("message O { string a = 1; }")),
    });
    cases.push(Case {
        rule: "FILE_SAME_SYNTAX",
        before: with_other(
            m.clone(),
            "syntax = \"proto2\";\npackage other;\nmessage O {}\n".to_owned(),
        ),
        trips: with_other(m.clone(), other("message O {}")),
        passes: with_other(
            m.clone(),
            "syntax = \"proto2\";\npackage other;\nmessage O { optional string a = 1; }\n"
                .to_owned(),
        ),
    });
    cases.push(Case {
        rule: "ENUM_SAME_TYPE",
        before: with_other(
            m.clone(),
            "syntax = \"proto2\";\npackage other;\nenum E { E_0 = 0; }\n".to_owned(),
        ),
        trips: with_other(m.clone(), other("enum E { E_0 = 0; }")),
        passes: with_other(
            m.clone(),
            "syntax = \"proto2\";\npackage other;\nenum E { E_0 = 0; E_1 = 1; }\n".to_owned(),
        ),
    });
    // Moving a message to another file of the package: FILE's MESSAGE_NO_DELETE trips, PACKAGE's
    // PACKAGE_MESSAGE_NO_DELETE does not.
    cases.push(Case {
        rule: "MESSAGE_NO_DELETE",
        before: main(p3("message M {}\nmessage N {}")),
        trips: with_other(p3("message M {}"), p3("message N {}")),
        passes: main(p3("message M {}\nmessage N {}\nmessage O {}")),
    });
    cases.push(Case {
        rule: "PACKAGE_MESSAGE_NO_DELETE",
        before: main(p3("message M {}\nmessage N {}")),
        trips: main(p3("message M {}")),
        passes: with_other(p3("message M {}"), p3("message N {}")),
    });
    for (rule, option, default, other) in [
        (
            "FILE_SAME_CSHARP_NAMESPACE",
            "csharp_namespace",
            "\"\"",
            "\"B\"",
        ),
        ("FILE_SAME_GO_PACKAGE", "go_package", "\"\"", "\"a/c\""),
        (
            "FILE_SAME_JAVA_OUTER_CLASSNAME",
            "java_outer_classname",
            "\"\"",
            "\"B\"",
        ),
        ("FILE_SAME_JAVA_PACKAGE", "java_package", "\"\"", "\"a.c\""),
        (
            "FILE_SAME_OBJC_CLASS_PREFIX",
            "objc_class_prefix",
            "\"\"",
            "\"AC\"",
        ),
        (
            "FILE_SAME_PHP_CLASS_PREFIX",
            "php_class_prefix",
            "\"\"",
            "\"B\"",
        ),
        (
            "FILE_SAME_PHP_METADATA_NAMESPACE",
            "php_metadata_namespace",
            "\"\"",
            "\"B\"",
        ),
        ("FILE_SAME_PHP_NAMESPACE", "php_namespace", "\"\"", "\"B\""),
        ("FILE_SAME_RUBY_PACKAGE", "ruby_package", "\"\"", "\"B\""),
        ("FILE_SAME_SWIFT_PREFIX", "swift_prefix", "\"\"", "\"B\""),
        (
            "FILE_SAME_CC_ENABLE_ARENAS",
            "cc_enable_arenas",
            "true",
            "false",
        ),
        (
            "FILE_SAME_CC_GENERIC_SERVICES",
            "cc_generic_services",
            "false",
            "true",
        ),
        (
            "FILE_SAME_JAVA_GENERIC_SERVICES",
            "java_generic_services",
            "false",
            "true",
        ),
        (
            "FILE_SAME_JAVA_MULTIPLE_FILES",
            "java_multiple_files",
            "false",
            "true",
        ),
        (
            "FILE_SAME_PY_GENERIC_SERVICES",
            "py_generic_services",
            "false",
            "true",
        ),
        (
            "FILE_SAME_OPTIMIZE_FOR",
            "optimize_for",
            "SPEED",
            "CODE_SIZE",
        ),
    ] {
        // Spelling out the default is no change; any other value is, in both directions.
        let with = |value: &str| p3(&format!("option {option} = {value};\nmessage M {{}}"));
        cases.push(Case {
            rule,
            before: main(p3("message M {}")),
            trips: main(with(other)),
            passes: main(with(default)),
        });
        cases.push(Case {
            rule,
            before: main(with(other)),
            trips: main(p3("message M {}")),
            passes: main(p3(&format!(
                "option {option} = {other};\nmessage M {{ string a = 1; }}"
            ))),
        });
    }
    cases
}

/// Rules that cannot trip on the inputs this compiler accepts: JSON format support is an
/// editions feature (`features.json_format`), and proto2/proto3 files always ALLOW it.
const EDITIONS_ONLY: [&str; 2] = ["ENUM_SAME_JSON_FORMAT", "MESSAGE_SAME_JSON_FORMAT"];

#[test]
fn every_rule_of_every_category_trips_only_where_it_belongs() {
    let cases = cases();
    for category in BufCategory::ALL {
        for case in &cases {
            let before = compiled(&case.before);
            let tripped = rules(category, &before, &compiled(&case.trips));
            let in_category = category.rules().any(|r| r == case.rule);
            assert_eq!(
                tripped.contains(case.rule),
                in_category,
                "{category} {}: trips gave {tripped:?}",
                case.rule
            );
            let passed = rules(category, &before, &compiled(&case.passes));
            assert!(
                !passed.contains(case.rule),
                "{category} {}: the passing change gave {passed:?}",
                case.rule
            );
        }
        let covered: BTreeSet<&str> = cases.iter().map(|c| c.rule).collect();
        for rule in category.rules() {
            assert!(
                covered.contains(rule) || EDITIONS_ONLY.contains(&rule),
                "{category}: no case exercises {rule}"
            );
        }
        // Breaks are always reported with a rule of the category.
        for case in &cases {
            let report = check(
                CompatLevel::Backward,
                category,
                &[("1", &compiled(&case.before))],
                &compiled(&case.trips),
            );
            for b in report.breaks {
                assert!(
                    category.rules().any(|r| r == b.rule),
                    "{category}: {} is not in it",
                    b.rule
                );
            }
        }
    }
}

#[test]
fn category_membership_matches_buf() {
    let wire: BTreeSet<&str> = BufCategory::Wire.rules().collect();
    let wire_json: BTreeSet<&str> = BufCategory::WireJson.rules().collect();
    assert_eq!(wire.len(), 15);
    assert_eq!(wire_json.len(), 22);
    // WIRE_JSON is WIRE plus the JSON-name rules, minus WIRE's looser type/cardinality rules.
    for rule in &wire {
        if !matches!(
            *rule,
            "FIELD_WIRE_COMPATIBLE_CARDINALITY" | "FIELD_WIRE_COMPATIBLE_TYPE"
        ) {
            assert!(wire_json.contains(rule), "{rule}");
        }
    }
    assert!(BufCategory::File.rules().any(|r| r == "FIELD_NO_DELETE"));
    assert!(!BufCategory::Package
        .rules()
        .any(|r| r == "MESSAGE_NO_DELETE"));
    assert_eq!(
        "wire_json".parse::<BufCategory>(),
        Ok(BufCategory::WireJson)
    );
    assert!("BASIC".parse::<BufCategory>().is_err());
    assert_eq!(BufCategory::default(), BufCategory::WireJson);
}

#[test]
fn a_break_reads_like_bufs() {
    let before = compiled(&main(p3(
        "message M { string a = 1; Address address = 2; }\nmessage Address { string zip = 1; }",
    )));
    let after = compiled(&main(p3(
        "message M { string a = 1; Address address = 2; }\nmessage Address {}",
    )));
    let report = check(
        CompatLevel::Backward,
        BufCategory::File,
        &[("2025-07", &before)],
        &after,
    );
    assert!(!report.compatible);
    assert_eq!(report.checked_against, ["2025-07"]);
    let b = &report.breaks[0];
    assert_eq!(b.rule, "FIELD_NO_DELETE");
    assert_eq!(b.pointer, "/pkg.Address/zip");
    assert_eq!(
        b.message,
        "Previously present field \"1\" with name \"zip\" on message \"Address\" was deleted."
    );
    assert_eq!(b.against, "2025-07");
    let wire = check(
        CompatLevel::Backward,
        BufCategory::WireJson,
        &[("2025-07", &before)],
        &after,
    );
    let rules: Vec<&str> = wire.breaks.iter().map(|b| b.rule.as_str()).collect();
    assert_eq!(
        rules,
        [
            "FIELD_NO_DELETE_UNLESS_NAME_RESERVED",
            "FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED"
        ]
    );
}

#[test]
fn forward_swaps_the_schemas() {
    let v1 = compiled(&main(p3("message M { string a = 1; }")));
    let v2 = compiled(&main(p3("message M { string a = 1; string b = 2; }")));
    let backward = check(
        CompatLevel::Backward,
        BufCategory::WireJson,
        &[("1", &v1)],
        &v2,
    );
    assert!(backward.compatible, "{:?}", backward.breaks);
    let forward = check(
        CompatLevel::Forward,
        BufCategory::WireJson,
        &[("1", &v1)],
        &v2,
    );
    assert!(!forward.compatible);
    assert!(forward
        .breaks
        .iter()
        .all(|b| b.message.starts_with("Forward: ") && b.pointer == "/pkg.M/b"));
    let full = check(CompatLevel::Full, BufCategory::WireJson, &[("1", &v1)], &v2);
    assert_eq!(full.breaks, forward.breaks);
    let none = check(CompatLevel::None, BufCategory::WireJson, &[("1", &v1)], &v2);
    assert!(none.compatible && none.checked_against.is_empty());
}

#[test]
fn transitive_levels_check_every_earlier_version() {
    // Sub is deleted in v2 (allowed: WIRE_JSON does not protect messages) and comes back in
    // v3 with another type: fine against v2, breaking against v1.
    let v1 = compiled(&main(p3("message M {}\nmessage Sub { string x = 1; }")));
    let v2 = compiled(&main(p3("message M {}")));
    let v3 = compiled(&main(p3("message M {}\nmessage Sub { int32 x = 1; }")));
    let history = [("1", &v1), ("2", &v2)];
    for level in [
        CompatLevel::Backward,
        CompatLevel::Forward,
        CompatLevel::Full,
    ] {
        let report = check(level, BufCategory::WireJson, &history, &v3);
        assert!(report.compatible, "{level}: {:?}", report.breaks);
        assert_eq!(report.checked_against, ["2"]);
    }
    for level in [
        CompatLevel::BackwardTransitive,
        CompatLevel::ForwardTransitive,
        CompatLevel::FullTransitive,
    ] {
        let report = check(level, BufCategory::WireJson, &history, &v3);
        assert!(!report.compatible, "{level}");
        assert_eq!(report.checked_against, ["1", "2"]);
        assert!(report
            .breaks
            .iter()
            .all(|b| b.against == "1" && b.pointer == "/pkg.Sub/x"));
        assert!(report
            .breaks
            .iter()
            .any(|b| b.rule == "FIELD_WIRE_JSON_COMPATIBLE_TYPE"));
    }
    // Under FILE the deletion itself breaks against the latest version.
    let file = check(CompatLevel::Backward, BufCategory::File, &[("1", &v1)], &v2);
    assert!(file
        .breaks
        .iter()
        .any(|b| b.rule == "MESSAGE_NO_DELETE" && b.pointer == "/pkg.Sub"));
}

#[test]
fn well_known_imports_are_not_compared() {
    let before = compiled(&main(p3(
        "import \"google/protobuf/duration.proto\";\nmessage M { google.protobuf.Duration d = 1; }",
    )));
    let after = compiled(&main(p3("message M { reserved 1; reserved \"d\"; }")));
    for category in BufCategory::ALL {
        let report = check(CompatLevel::Backward, category, &[("1", &before)], &after);
        assert!(
            report.breaks.iter().all(|b| !b.pointer.contains("google")),
            "{category}: {:?}",
            report.breaks
        );
    }
}
