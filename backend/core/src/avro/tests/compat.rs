use super::parse;
use crate::avro::compat::{check, read_breaks};
use crate::avro::AvroSchema;
use crate::compat::CompatLevel;
use serde_json::{json, Value};

fn rec(fields: Value) -> AvroSchema {
    parse(json!({"type":"record","name":"R","namespace":"acme","fields":fields}))
}

/// (pointer, rule) of each break when `reader` reads data written with `writer`.
fn breaks(reader: &AvroSchema, writer: &AvroSchema) -> Vec<(String, String)> {
    read_breaks(reader, "the new schema", writer, "version 1")
        .into_iter()
        .map(|b| (b.pointer, b.rule))
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(p, r)| ((*p).to_owned(), (*r).to_owned()))
        .collect()
}

/// `a` reads `b`'s data with exactly `a_reads_b`; `b` reads `a`'s with `b_reads_a`.
fn both_ways(
    a: &AvroSchema,
    b: &AvroSchema,
    a_reads_b: &[(&str, &str)],
    b_reads_a: &[(&str, &str)],
) {
    assert_eq!(
        breaks(a, b),
        pairs(a_reads_b),
        "reader {}\nwriter {}",
        a.full_form(),
        b.full_form()
    );
    assert_eq!(
        breaks(b, a),
        pairs(b_reads_a),
        "reader {}\nwriter {}",
        b.full_form(),
        a.full_form()
    );
}

#[test]
fn identical_schemas_are_compatible() {
    let s = rec(
        json!([{"name":"a","type":["null","int"]},{"name":"b","type":{"type":"map","values":"string"}}]),
    );
    assert!(breaks(&s, &s).is_empty());
}

#[test]
fn field_added_without_default() {
    let old = rec(json!([{"name":"a","type":"int"}]));
    let new = rec(json!([{"name":"a","type":"int"},{"name":"zip","type":"string"}]));
    both_ways(&new, &old, &[("/zip", "field-added-without-default")], &[]);
    let with_default =
        rec(json!([{"name":"a","type":"int"},{"name":"zip","type":"string","default":""}]));
    both_ways(&with_default, &old, &[], &[]);
    let msg = &read_breaks(&new, "the new schema", &old, "version 1")[0].message;
    assert!(
        msg.contains("the new schema") && msg.contains("version 1") && msg.contains("`zip`"),
        "{msg}"
    );
}

#[test]
fn field_renamed_with_an_alias_still_resolves() {
    let old = rec(json!([{"name":"zip","type":"string"}]));
    let new = rec(json!([{"name":"postcode","type":"string","aliases":["zip"]}]));
    // The new reader finds `zip` through its alias; the old reader has no alias for `postcode`.
    both_ways(&new, &old, &[], &[("/zip", "field-added-without-default")]);
}

#[test]
fn type_changed_and_promotions() {
    let promotions = [
        ("int", "long"),
        ("int", "float"),
        ("int", "double"),
        ("long", "float"),
        ("long", "double"),
        ("float", "double"),
    ];
    for (writer, reader) in promotions {
        let w = rec(json!([{"name":"a","type":writer}]));
        let r = rec(json!([{"name":"a","type":reader}]));
        both_ways(&r, &w, &[], &[("/a", "type-changed")]);
    }
    let string = rec(json!([{"name":"a","type":"string"}]));
    let bytes = rec(json!([{"name":"a","type":"bytes"}]));
    both_ways(&string, &bytes, &[], &[]);
    let int = rec(json!([{"name":"a","type":"int"}]));
    both_ways(
        &string,
        &int,
        &[("/a", "type-changed")],
        &[("/a", "type-changed")],
    );
    let array = rec(json!([{"name":"a","type":{"type":"array","items":"int"}}]));
    both_ways(
        &array,
        &int,
        &[("/a", "type-changed")],
        &[("/a", "type-changed")],
    );
}

#[test]
fn nested_records_arrays_and_maps_point_into_the_config() {
    let old = rec(
        json!([{"name":"address","type":{"type":"record","name":"Address","fields":[
        {"name":"zip","type":"int"},
        {"name":"lines","type":{"type":"array","items":"int"}},
        {"name":"tags","type":{"type":"map","values":"long"}}]}}]),
    );
    let new = rec(
        json!([{"name":"address","type":{"type":"record","name":"Address","fields":[
        {"name":"zip","type":"string"},
        {"name":"lines","type":{"type":"array","items":"long"}},
        {"name":"tags","type":{"type":"map","values":"int"}},
        {"name":"country","type":"string"}]}}]),
    );
    both_ways(
        &new,
        &old,
        &[
            ("/address/country", "field-added-without-default"),
            ("/address/tags/*", "type-changed"),
            ("/address/zip", "type-changed"),
        ],
        &[
            ("/address/lines/*", "type-changed"),
            ("/address/zip", "type-changed"),
        ],
    );
}

#[test]
fn enum_symbols_and_the_enum_default() {
    let old = rec(
        json!([{"name":"c","type":{"type":"enum","name":"Color","symbols":["RED","GREEN","BLUE"]}}]),
    );
    let new = rec(json!([{"name":"c","type":{"type":"enum","name":"Color","symbols":["RED"]}}]));
    both_ways(
        &new,
        &old,
        &[("/c", "enum-symbol-removed"), ("/c", "enum-symbol-removed")],
        &[],
    );
    let defaulted = rec(
        json!([{"name":"c","type":{"type":"enum","name":"Color","symbols":["RED"],"default":"RED"}}]),
    );
    both_ways(&defaulted, &old, &[], &[]);
    let messages: Vec<String> = read_breaks(&new, "the new schema", &old, "version 1")
        .into_iter()
        .map(|b| b.message)
        .collect();
    assert!(
        messages.iter().any(|m| m.contains("`BLUE`"))
            && messages.iter().any(|m| m.contains("`GREEN`"))
    );
}

#[test]
fn union_branches() {
    let old = rec(json!([{"name":"v","type":["null","int","string"]}]));
    let new = rec(json!([{"name":"v","type":["null","long"]}]));
    // int promotes to long; string has no branch in the new union; long has none in the old.
    both_ways(
        &new,
        &old,
        &[("/v", "union-branch-removed")],
        &[("/v", "union-branch-removed")],
    );
    // Writer union, reader not a union: every branch must be readable.
    let plain = rec(json!([{"name":"v","type":"long"}]));
    both_ways(
        &plain,
        &old,
        &[
            ("/v", "union-branch-removed"),
            ("/v", "union-branch-removed"),
        ],
        &[("/v", "type-changed")],
    );
    // Reader union, writer not: some branch must read it.
    let strings = rec(json!([{"name":"v","type":"string"}]));
    let numbers = rec(json!([{"name":"v","type":["null","int"]}]));
    both_ways(
        &numbers,
        &strings,
        &[("/v", "type-changed")],
        &[
            ("/v", "union-branch-removed"),
            ("/v", "union-branch-removed"),
        ],
    );
    // A record branch whose fields break is reported in detail, not as a lost branch.
    let r1 = rec(
        json!([{"name":"v","type":["null",{"type":"record","name":"P","fields":[{"name":"x","type":"int"}]}]}]),
    );
    let r2 = rec(
        json!([{"name":"v","type":["null",{"type":"record","name":"P","fields":[{"name":"x","type":"int"},{"name":"y","type":"int"}]}]}]),
    );
    both_ways(&r2, &r1, &[("/v/y", "field-added-without-default")], &[]);
}

#[test]
fn fixed_size_and_named_type_names() {
    let old = rec(json!([{"name":"id","type":{"type":"fixed","name":"Id","size":16}}]));
    let new = rec(json!([{"name":"id","type":{"type":"fixed","name":"Id","size":8}}]));
    both_ways(
        &new,
        &old,
        &[("/id", "fixed-size-changed")],
        &[("/id", "fixed-size-changed")],
    );
    let renamed = rec(json!([{"name":"id","type":{"type":"fixed","name":"Key","size":16}}]));
    both_ways(
        &renamed,
        &old,
        &[("/id", "name-changed")],
        &[("/id", "name-changed")],
    );
    // An alias on the reader makes the rename readable one way.
    let aliased = rec(
        json!([{"name":"id","type":{"type":"fixed","name":"Key","aliases":["acme.Id"],"size":16}}]),
    );
    both_ways(&aliased, &old, &[], &[("/id", "name-changed")]);
    // Moving to another namespace keeps the unqualified name, which is what the specification matches.
    let moved = rec(json!([{"name":"id","type":{"type":"fixed","name":"other.Id","size":16}}]));
    both_ways(&moved, &old, &[], &[]);
    let top = parse(json!({"type":"record","name":"S","fields":[]}));
    let top_old = parse(json!({"type":"record","name":"T","fields":[]}));
    both_ways(
        &top,
        &top_old,
        &[("", "name-changed")],
        &[("", "name-changed")],
    );
}

#[test]
fn logical_types_that_change_meaning() {
    let millis = rec(json!([{"name":"t","type":{"type":"long","logicalType":"timestamp-millis"}}]));
    let micros = rec(json!([{"name":"t","type":{"type":"long","logicalType":"timestamp-micros"}}]));
    both_ways(
        &micros,
        &millis,
        &[("/t", "logical-type-changed")],
        &[("/t", "logical-type-changed")],
    );
    let plain = rec(json!([{"name":"t","type":"long"}]));
    both_ways(&plain, &millis, &[], &[]);
    let d1 = rec(
        json!([{"name":"d","type":{"type":"bytes","logicalType":"decimal","precision":9,"scale":2}}]),
    );
    let d2 = rec(
        json!([{"name":"d","type":{"type":"bytes","logicalType":"decimal","precision":9,"scale":3}}]),
    );
    both_ways(
        &d2,
        &d1,
        &[("/d", "logical-type-changed")],
        &[("/d", "logical-type-changed")],
    );
}

#[test]
fn every_break_is_reported_not_only_the_first() {
    let old = rec(
        json!([{"name":"a","type":"int"},{"name":"b","type":"string"},{"name":"c","type":{"type":"fixed","name":"F","size":2}}]),
    );
    let new = rec(
        json!([{"name":"a","type":"boolean"},{"name":"b","type":"int"},{"name":"c","type":{"type":"fixed","name":"F","size":3}},{"name":"d","type":"int"}]),
    );
    assert_eq!(
        breaks(&new, &old),
        pairs(&[
            ("/a", "type-changed"),
            ("/b", "type-changed"),
            ("/c", "fixed-size-changed"),
            ("/d", "field-added-without-default")
        ])
    );
}

#[test]
fn recursive_types_terminate() {
    let list = |extra: Value| {
        let mut fields = vec![
            json!({"name":"value","type":"int"}),
            json!({"name":"next","type":["null","Node"],"default":null}),
        ];
        if !extra.is_null() {
            fields.push(extra);
        }
        parse(json!({"type":"record","name":"Node","fields":fields}))
    };
    let old = list(Value::Null);
    let new = list(json!({"name":"label","type":"string"}));
    both_ways(
        &new,
        &old,
        &[("/label", "field-added-without-default")],
        &[],
    );
}

fn v(fields: Value) -> AvroSchema {
    rec(fields)
}

#[test]
fn levels_over_three_versions() {
    // v1 {a}, v2 {a, b=default}, v3 {b=default}: v3 drops `a`, which had no default.
    let v1 = v(json!([{"name":"a","type":"int"}]));
    let v2 = v(json!([{"name":"a","type":"int"},{"name":"b","type":"int","default":0}]));
    let v3 = v(json!([{"name":"b","type":"int","default":0}]));
    let history = [("1", &v1), ("2", &v2)];
    let outcome = |level: CompatLevel, new: &AvroSchema| {
        let report = check(level, &history, new);
        let rules: Vec<(String, String, String)> = report
            .breaks
            .iter()
            .map(|b| (b.against.clone(), b.pointer.clone(), b.rule.clone()))
            .collect();
        (report.compatible, report.checked_against, rules)
    };
    let forward_break = |against: &str| {
        (
            against.to_owned(),
            "/a".to_owned(),
            "field-added-without-default".to_owned(),
        )
    };
    assert_eq!(
        outcome(CompatLevel::Backward, &v3),
        (true, vec!["2".to_owned()], vec![])
    );
    assert_eq!(
        outcome(CompatLevel::BackwardTransitive, &v3),
        (true, vec!["1".to_owned(), "2".to_owned()], vec![])
    );
    assert_eq!(
        outcome(CompatLevel::Forward, &v3),
        (false, vec!["2".to_owned()], vec![forward_break("2")])
    );
    assert_eq!(
        outcome(CompatLevel::ForwardTransitive, &v3),
        (
            false,
            vec!["1".to_owned(), "2".to_owned()],
            vec![forward_break("1"), forward_break("2")]
        )
    );
    assert_eq!(
        outcome(CompatLevel::Full, &v3),
        (false, vec!["2".to_owned()], vec![forward_break("2")])
    );
    assert_eq!(outcome(CompatLevel::FullTransitive, &v3).2.len(), 2);
    assert_eq!(outcome(CompatLevel::None, &v3), (true, vec![], vec![]));

    // v1 {a:int}, v2 {a:long}, v3 {a:int}: transitive backward sees nothing new; v3 reading v2's long breaks.
    let w1 = v(json!([{"name":"a","type":"int"}]));
    let w2 = v(json!([{"name":"a","type":"long"}]));
    let w3 = v(json!([{"name":"a","type":"int"}]));
    let history = [("1", &w1), ("2", &w2)];
    let report = check(CompatLevel::Backward, &history, &w3);
    assert!(!report.compatible);
    assert_eq!(report.breaks[0].against, "2");
    assert!(
        report.breaks[0].message.contains("version 2"),
        "{}",
        report.breaks[0].message
    );
    let report = check(CompatLevel::BackwardTransitive, &history, &w3);
    assert_eq!(report.breaks.len(), 1);
    let report = check(CompatLevel::Forward, &history, &w3);
    assert!(report.compatible);
    // w2 added over w1: fine backward, breaks forward (w1 cannot read long).
    let report = check(CompatLevel::Full, &history[..1], &w2);
    assert_eq!(report.breaks.len(), 1);
    assert!(
        report.breaks[0]
            .message
            .starts_with("version 1 has int where the new schema has long"),
        "{}",
        report.breaks[0].message
    );
    assert!(check(CompatLevel::Backward, &[], &w2).compatible);
}
