//! Each operation up and down on concrete documents, the errors, and the parser's refusals.

use serde_json::{json, Value};

use super::{Lens, LensError, Op, MAX_DEPTH, MAX_OPS};
use crate::Direction::{Down, Up};

fn lens(text: &str) -> Lens {
    Lens::parse(text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn up(lens: &Lens, doc: Value) -> Value {
    lens.apply(doc, Up).unwrap()
}

fn down(lens: &Lens, doc: Value) -> Value {
    lens.apply(doc, Down).unwrap()
}

/// The (step, op, pointer, message) of an apply error.
fn apply_err(
    lens: &Lens,
    doc: Value,
    direction: crate::Direction,
) -> (usize, &'static str, String, String) {
    match lens.apply(doc, direction) {
        Err(LensError::Apply {
            step,
            op,
            pointer,
            message,
        }) => (step, op, pointer, message),
        other => panic!("expected an apply error, got {other:?}"),
    }
}

fn invalid(text: &str) -> String {
    match Lens::parse(text) {
        Err(LensError::Invalid(message)) => {
            assert!(!message.contains('\n'), "multi-line message: {message}");
            message
        }
        other => panic!("expected invalid, got {other:?}"),
    }
}

// ---- add / remove ----

#[test]
fn add_sets_default_only_when_absent_and_down_removes() {
    let l = lens("lens:\n  - add: { name: retries, default: 3 }");
    assert_eq!(up(&l, json!({"a": 1})), json!({"a": 1, "retries": 3}));
    assert_eq!(up(&l, json!({"retries": 5})), json!({"retries": 5}));
    assert_eq!(down(&l, json!({"a": 1, "retries": 5})), json!({"a": 1}));
    assert_eq!(down(&l, json!({"a": 1})), json!({"a": 1}));
}

#[test]
fn add_takes_the_zero_value_of_its_type_and_checks_the_default() {
    let l = lens("lens:\n  - add: { name: tags, type: array }\n  - add: { name: n, type: null }");
    assert_eq!(up(&l, json!({})), json!({"tags": [], "n": null}));
    let l = lens("lens:\n  - add: { name: owner, default: null }");
    assert_eq!(up(&l, json!({})), json!({"owner": null}));
    let l = lens("lens:\n  - add: { name: limits, type: object, default: {cpu: 2} }");
    assert_eq!(up(&l, json!({})), json!({"limits": {"cpu": 2}}));
    let m = invalid("lens:\n  - add: { name: retries, type: string, default: 3 }");
    assert!(m.contains("not of `type` string"), "{m}");
    let m = invalid("lens:\n  - add: { name: retries, type: integer, default: 1.5 }");
    assert!(m.contains("integer"), "{m}");
    let m = invalid("lens:\n  - add: { name: legacy }");
    assert!(m.contains("needs a `default`"), "{m}");
}

/// Cambria's `remove: { name: x }` (its demo lens has sixteen): up removes, down restores
/// nothing (Cambria cannot run it down at all: its inverse `add` has no type).
#[test]
fn remove_without_a_default_restores_nothing_down() {
    let l = lens("lens:\n  - remove: { name: legacy }");
    assert_eq!(up(&l, json!({"legacy": 1, "a": 2})), json!({"a": 2}));
    assert_eq!(down(&l, json!({"a": 2})), json!({"a": 2}));
    assert_eq!(
        down(&l, json!({"a": 2, "legacy": 3})),
        json!({"a": 2, "legacy": 3})
    );
}

#[test]
fn remove_deletes_and_down_restores_the_default() {
    let l = lens("lens:\n  - remove: { name: legacy_mode, default: false }");
    assert_eq!(
        up(&l, json!({"legacy_mode": true, "a": 1})),
        json!({"a": 1})
    );
    assert_eq!(up(&l, json!({"a": 1})), json!({"a": 1}));
    assert_eq!(
        down(&l, json!({"a": 1})),
        json!({"a": 1, "legacy_mode": false})
    );
    assert_eq!(
        down(&l, json!({"legacy_mode": true})),
        json!({"legacy_mode": true})
    );
}

// ---- rename ----

#[test]
fn rename_up_and_down() {
    let l = lens("lens:\n  - rename: { source: timeout, destination: timeout_ms }");
    assert_eq!(
        up(&l, json!({"timeout": 5, "x": [1]})),
        json!({"timeout_ms": 5, "x": [1]})
    );
    assert_eq!(down(&l, json!({"timeout_ms": 5})), json!({"timeout": 5}));
    // Absent source: nothing to do, both ways.
    assert_eq!(up(&l, json!({"x": 1})), json!({"x": 1}));
    assert_eq!(down(&l, json!({"x": 1})), json!({"x": 1}));
}

#[test]
fn rename_onto_an_existing_property_fails() {
    let l = lens("lens:\n  - add: { name: a, default: 0 }\n  - rename: { source: timeout, destination: timeout_ms }");
    let (step, op, pointer, message) = apply_err(&l, json!({"timeout": 1, "timeout_ms": 2}), Up);
    assert_eq!((step, op, pointer.as_str()), (1, "rename", "/timeout_ms"));
    assert!(message.contains("already exists"), "{message}");
    // Down runs the swapped rename; the error names the file's step and op.
    let (step, op, pointer, message) = apply_err(&l, json!({"timeout": 1, "timeout_ms": 2}), Down);
    assert_eq!((step, op, pointer.as_str()), (1, "rename", "/timeout"));
    assert!(
        message.starts_with("running down: cannot rename `timeout_ms` to `timeout`"),
        "{message}"
    );
    let shown = l
        .apply(json!({"timeout": 1, "timeout_ms": 2}), Up)
        .unwrap_err()
        .to_string();
    assert!(
        shown.starts_with("lens step 1 (rename) at /timeout_ms: cannot rename"),
        "{shown}"
    );
}

// ---- hoist / plunge ----

/// As in Cambria, hoist leaves its host in place, even when that empties it (Cambria's demo
/// lens removes the host with a `remove` after the `hoist`).
#[test]
fn hoist_moves_up_and_leaves_its_host() {
    let l = lens("lens:\n  - hoist: { host: database, name: port }");
    assert_eq!(
        up(&l, json!({"database": {"host": "db", "port": 5432}})),
        json!({"database": {"host": "db"}, "port": 5432})
    );
    assert_eq!(
        up(&l, json!({"database": {"port": 5432}})),
        json!({"database": {}, "port": 5432})
    );
    // Nothing to move.
    for doc in [
        json!({}),
        json!({"database": null}),
        json!({"database": {"host": "db"}}),
    ] {
        assert_eq!(up(&l, doc.clone()), doc);
    }
    // Down plunges, into the host left in place or a new one.
    assert_eq!(
        down(&l, json!({"database": {}, "port": 5432})),
        json!({"database": {"port": 5432}})
    );
    assert_eq!(
        down(&l, json!({"port": 5432})),
        json!({"database": {"port": 5432}})
    );
    assert_eq!(
        down(&l, json!({"port": 1, "database": {"host": "db"}})),
        json!({"database": {"host": "db", "port": 1}})
    );
}

/// The inverse of a written plunge removes the host it empties: the plunge may have created it.
#[test]
fn plunge_down_removes_the_host_it_empties() {
    let l = lens("lens:\n  - plunge: { host: tls, name: cert }");
    assert_eq!(down(&l, json!({"tls": {"cert": 1}})), json!({"cert": 1}));
    assert_eq!(
        down(&l, json!({"tls": {"cert": 1, "key": 2}})),
        json!({"cert": 1, "tls": {"key": 2}})
    );
    // The reversed lens is that hoist, running up.
    assert_eq!(
        up(&l.reversed(), json!({"tls": {"cert": 1}})),
        json!({"cert": 1})
    );
}

#[test]
fn hoist_errors() {
    let l = lens("lens:\n  - hoist: { host: database, name: port }");
    let (step, op, pointer, message) = apply_err(&l, json!({"database": "db:5432"}), Up);
    assert_eq!((step, op, pointer.as_str()), (0, "hoist", "/database"));
    assert_eq!(
        message,
        "cannot move `database.port` up: `database` is a string, not an object"
    );
    let (_, _, pointer, message) = apply_err(&l, json!({"database": {"port": 1}, "port": 2}), Up);
    assert_eq!(pointer, "/port");
    assert!(message.contains("`port` already exists"), "{message}");
    let (step, op, pointer, _) = apply_err(&l, json!({"database": {"port": 1}, "port": 2}), Down);
    assert_eq!((step, op, pointer.as_str()), (0, "hoist", "/database/port"));
}

#[test]
fn plunge_moves_down_creating_or_filling_the_host() {
    let l = lens("lens:\n  - plunge: { host: tls, name: cert }");
    assert_eq!(
        up(&l, json!({"cert": "c.pem"})),
        json!({"tls": {"cert": "c.pem"}})
    );
    assert_eq!(
        up(&l, json!({"cert": "c.pem", "tls": {"key": "k.pem"}})),
        json!({"tls": {"cert": "c.pem", "key": "k.pem"}})
    );
    assert_eq!(
        up(&l, json!({"cert": 1, "tls": null})),
        json!({"tls": {"cert": 1}})
    );
    assert_eq!(
        up(&l, json!({"tls": {"key": 1}})),
        json!({"tls": {"key": 1}})
    );
    assert_eq!(
        down(&l, json!({"tls": {"cert": "c.pem"}})),
        json!({"cert": "c.pem"})
    );
    let (_, op, pointer, message) = apply_err(&l, json!({"cert": 1, "tls": true}), Up);
    assert_eq!((op, pointer.as_str()), ("plunge", "/tls"));
    assert!(
        message.contains("`tls` is a boolean, not an object"),
        "{message}"
    );
    let (_, _, pointer, _) = apply_err(&l, json!({"cert": 1, "tls": {"cert": 2}}), Up);
    assert_eq!(pointer, "/tls/cert");
}

// ---- wrap / head ----

#[test]
fn wrap_up_and_down() {
    let l = lens("lens:\n  - wrap: { name: region }");
    assert_eq!(up(&l, json!({"region": "eu"})), json!({"region": ["eu"]}));
    assert_eq!(
        up(&l, json!({"region": {"a": 1}})),
        json!({"region": [{"a": 1}]})
    );
    assert_eq!(
        up(&l, json!({"region": [1, 2]})),
        json!({"region": [[1, 2]]})
    );
    assert_eq!(up(&l, json!({"region": null})), json!({"region": []}));
    assert_eq!(up(&l, json!({})), json!({}));
    assert_eq!(
        down(&l, json!({"region": ["eu", "us"]})),
        json!({"region": "eu"})
    );
    assert_eq!(down(&l, json!({"region": []})), json!({"region": null}));
}

#[test]
fn head_up_and_down() {
    let l = lens("lens:\n  - head: { name: zones }");
    assert_eq!(up(&l, json!({"zones": ["a", "b"]})), json!({"zones": "a"}));
    assert_eq!(up(&l, json!({"zones": []})), json!({"zones": null}));
    assert_eq!(up(&l, json!({"zones": null})), json!({"zones": null}));
    assert_eq!(up(&l, json!({})), json!({}));
    assert_eq!(down(&l, json!({"zones": "a"})), json!({"zones": ["a"]}));
    let (step, op, pointer, message) = apply_err(&l, json!({"zones": "a"}), Up);
    assert_eq!((step, op, pointer.as_str()), (0, "head", "/zones"));
    assert_eq!(message, "`zones` is a string, not an array");
}

// ---- in / map ----

#[test]
fn in_runs_the_nested_lens_both_ways() {
    let l = lens(
        "lens:\n  - in:\n      name: database\n      lens:\n        - rename: { source: host, destination: hostname }\n        - add: { name: pool, default: 5 }",
    );
    assert_eq!(
        up(&l, json!({"database": {"host": "db"}})),
        json!({"database": {"hostname": "db", "pool": 5}})
    );
    assert_eq!(
        down(&l, json!({"database": {"hostname": "db", "pool": 5}})),
        json!({"database": {"host": "db"}})
    );
    assert_eq!(up(&l, json!({"database": null})), json!({"database": null}));
    assert_eq!(up(&l, json!({})), json!({}));
}

#[test]
fn in_errors_carry_the_nested_pointer_and_op() {
    let l = lens(
        "lens:\n  - add: { name: x, default: 1 }\n  - in:\n      name: a/b~c\n      lens:\n        - rename: { source: host, destination: hostname }",
    );
    let (step, op, pointer, message) = apply_err(&l, json!({"a/b~c": [1]}), Up);
    assert_eq!((step, op, pointer.as_str()), (1, "in", "/a~1b~0c"));
    assert_eq!(message, "`a/b~c` is an array, not an object");
    let (step, op, pointer, _) = apply_err(&l, json!({"a/b~c": {"host": 1, "hostname": 2}}), Up);
    assert_eq!(
        (step, op, pointer.as_str()),
        (1, "rename", "/a~1b~0c/hostname")
    );
    // Down: the `in` is step 1 of the file although it runs first.
    let (step, op, pointer, message) =
        apply_err(&l, json!({"a/b~c": {"host": 1, "hostname": 2}}), Down);
    assert_eq!((step, op, pointer.as_str()), (1, "rename", "/a~1b~0c/host"));
    assert!(message.starts_with("running down: "), "{message}");
}

#[test]
fn map_runs_the_nested_lens_on_every_element() {
    let l = lens("lens:\n  - map:\n      name: endpoints\n      lens:\n        - rename: { source: url, destination: uri }");
    let v1 = json!({"endpoints": [{"url": "a"}, null, {"url": "b", "m": 1}, {}]});
    let v2 = json!({"endpoints": [{"uri": "a"}, null, {"uri": "b", "m": 1}, {}]});
    assert_eq!(up(&l, v1.clone()), v2);
    assert_eq!(down(&l, v2), v1);
    assert_eq!(up(&l, json!({"endpoints": []})), json!({"endpoints": []}));
    assert_eq!(
        up(&l, json!({"endpoints": null})),
        json!({"endpoints": null})
    );
}

#[test]
fn map_errors() {
    let l = lens("lens:\n  - map:\n      name: endpoints\n      lens:\n        - rename: { source: url, destination: uri }");
    let (_, op, pointer, message) = apply_err(&l, json!({"endpoints": {"url": 1}}), Up);
    assert_eq!((op, pointer.as_str()), ("map", "/endpoints"));
    assert_eq!(message, "`endpoints` is an object, not an array");
    let (_, op, pointer, message) = apply_err(&l, json!({"endpoints": [{}, "x"]}), Up);
    assert_eq!((op, pointer.as_str()), ("map", "/endpoints/1"));
    assert_eq!(
        message,
        "element 1 of `endpoints` is a string, not an object"
    );
    let (_, op, pointer, _) =
        apply_err(&l, json!({"endpoints": [{}, {}, {"url": 1, "uri": 2}]}), Up);
    assert_eq!((op, pointer.as_str()), ("rename", "/endpoints/2/uri"));
}

#[test]
fn nested_map_in_in() {
    let l = lens(
        "lens:\n  - in:\n      name: spec\n      lens:\n        - map:\n            name: ports\n            lens:\n              - wrap: { name: port }",
    );
    let v1 = json!({"spec": {"ports": [{"port": 80}, {"port": 443}]}});
    let v2 = json!({"spec": {"ports": [{"port": [80]}, {"port": [443]}]}});
    assert_eq!(up(&l, v1.clone()), v2);
    assert_eq!(down(&l, v2), v1);
}

// ---- convert ----

#[test]
fn convert_with_both_tables() {
    let l = lens(
        "lens:\n  - convert:\n      name: mode\n      mapping:\n        - { fast: speedy, safe: careful }\n        - { speedy: fast, careful: safe }",
    );
    assert_eq!(up(&l, json!({"mode": "fast"})), json!({"mode": "speedy"}));
    assert_eq!(
        down(&l, json!({"mode": "careful"})),
        json!({"mode": "safe"})
    );
    assert_eq!(up(&l, json!({})), json!({}));
    let (step, op, pointer, message) = apply_err(&l, json!({"mode": "turbo"}), Up);
    assert_eq!((step, op, pointer.as_str()), (0, "convert", "/mode"));
    assert_eq!(message, "no mapping for \"turbo\" and no default");
    let (_, _, _, message) = apply_err(&l, json!({"mode": {"a": 1}}), Down);
    assert_eq!(
        message,
        "running down: no mapping for an object and no default"
    );
}

#[test]
fn convert_derives_the_backward_table_keeping_key_types() {
    let l = lens("lens:\n  - convert:\n      name: tls\n      mapping:\n        - { true: on, false: off, 3: three, ~: none }");
    assert_eq!(up(&l, json!({"tls": true})), json!({"tls": "on"}));
    assert_eq!(up(&l, json!({"tls": 3})), json!({"tls": "three"}));
    assert_eq!(up(&l, json!({"tls": null})), json!({"tls": "none"}));
    assert_eq!(down(&l, json!({"tls": "off"})), json!({"tls": false}));
    assert_eq!(down(&l, json!({"tls": "three"})), json!({"tls": 3}));
    assert_eq!(down(&l, json!({"tls": "none"})), json!({"tls": null}));
    // Keys match by text, so the string "true" matches the key `true` as well.
    assert_eq!(up(&l, json!({"tls": "true"})), json!({"tls": "on"}));
    // In JSON, keys are strings: the derived backward table gives strings back.
    let l = lens(r#"{"lens": [{"convert": {"name": "tls", "mapping": [{"true": "on"}]}}]}"#);
    assert_eq!(up(&l, json!({"tls": true})), json!({"tls": "on"}));
    assert_eq!(down(&l, json!({"tls": "on"})), json!({"tls": "true"}));
}

#[test]
fn convert_defaults_each_way() {
    let l = lens(
        "lens:\n  - convert:\n      name: mode\n      mapping: [ { fast: speedy } ]\n      default: careful\n      reverse_default: safe",
    );
    assert_eq!(up(&l, json!({"mode": "turbo"})), json!({"mode": "careful"}));
    assert_eq!(up(&l, json!({"mode": [1]})), json!({"mode": "careful"}));
    assert_eq!(down(&l, json!({"mode": "speedy"})), json!({"mode": "fast"}));
    assert_eq!(
        down(&l, json!({"mode": "careful"})),
        json!({"mode": "safe"})
    );
    let l = lens("lens:\n  - convert: { name: m, mapping: [ { a: 1 } ], default: null }");
    assert_eq!(up(&l, json!({"m": "b"})), json!({"m": null}));
}

#[test]
fn convert_refusals() {
    let m = invalid("lens:\n  - convert: { name: m, mapping: [ { a: x, b: x } ] }");
    assert!(m.contains("both map to \"x\""), "{m}");
    let m = invalid("lens:\n  - convert: { name: m, mapping: [ { a: [1] } ] }");
    assert!(m.contains("cannot derive the backward table"), "{m}");
    let m = invalid("lens:\n  - convert: { name: m, mapping: [ {a: b}, {b: a}, {} ] }");
    assert!(m.contains("one table"), "{m}");
    let m = invalid("lens:\n  - convert: { name: m, mapping: [] }");
    assert!(m.contains("one table"), "{m}");
    let m = invalid("lens:\n  - convert: { name: m, mapping: [ { 1: a, \"1\": b } ] }");
    assert!(m.contains("appears twice"), "{m}");
    let m = invalid("lens:\n  - convert: { name: m, mapping: [ { [1]: a } ] }");
    assert!(m.contains("line 2"), "{m}");
    // Explicit tables need not be one-to-one.
    lens("lens:\n  - convert: { name: m, mapping: [ { a: x, b: x }, { x: a } ] }");
}

// ---- whole lenses ----

#[test]
fn the_document_must_be_an_object() {
    let l = lens("lens:\n  - rename: { source: a, destination: b }\n  - wrap: { name: c }");
    assert_eq!(
        apply_err(&l, json!([1]), Up),
        (
            0,
            "rename",
            String::new(),
            "the document is an array, not an object".to_owned()
        )
    );
    let (step, op, _, _) = apply_err(&l, json!("x"), Down);
    assert_eq!((step, op), (1, "wrap"));
    // An empty lens changes nothing, whatever the document.
    let empty = lens("lens: []");
    assert!(empty.is_empty());
    assert_eq!(up(&empty, json!(3)), json!(3));
}

#[test]
fn down_reports_the_file_step_and_op() {
    let l = lens("lens:\n  - hoist: { host: db, name: port }\n  - add: { name: x, default: 1 }\n  - wrap: { name: y }");
    // Down runs: head y, remove x, plunge port. The plunge fails; it is file step 0, `hoist`.
    let (step, op, pointer, message) = apply_err(&l, json!({"port": 1, "db": 7}), Down);
    assert_eq!((step, op, pointer.as_str()), (0, "hoist", "/db"));
    assert_eq!(
        message,
        "running down: cannot move `port` into `db`: `db` is a number, not an object"
    );
    let (step, op, _, _) = apply_err(&l, json!({"y": 1}), Down);
    assert_eq!((step, op), (2, "wrap"));
}

#[test]
fn reversed_swaps_the_directions() {
    let l = lens(
        "lens:\n  - rename: { source: a, destination: b }\n  - plunge: { host: h, name: b }\n  - convert: { name: m, mapping: [ { x: y } ] }",
    );
    let r = l.reversed();
    let v1 = json!({"a": 1, "m": "x"});
    let v2 = up(&l, v1.clone());
    assert_eq!(v2, json!({"h": {"b": 1}, "m": "y"}));
    assert_eq!(up(&r, v2.clone()), v1);
    assert_eq!(down(&r, v1), v2);
    assert_eq!(r.reversed(), l);
    assert_eq!(r.ops()[0].name(), "convert");
    assert_eq!(
        r.ops()[1],
        Op::Hoist {
            host: "h".into(),
            name: "b".into(),
            // The inverse of a written plunge removes the host it empties.
            owns_host: true,
        }
    );
    assert_eq!(l.len(), 3);
}

#[test]
fn inverse_is_an_involution() {
    let l = lens(
        "lens:\n  - add: { name: a, default: 1 }\n  - remove: { name: b, default: 2 }\n  - hoist: { host: h, name: n }\n  - head: { name: z }\n  - map: { name: m, lens: [ { plunge: { host: h, name: n } }, { wrap: { name: w } } ] }\n  - convert: { name: c, mapping: [ { x: y } ], default: 1 }",
    );
    for op in l.ops() {
        assert_eq!(op.inverse().inverse(), *op);
        assert_ne!(op.inverse(), *op);
    }
    let Op::Convert {
        forward, backward, ..
    } = &l.ops()[5]
    else {
        panic!("not a convert");
    };
    assert_eq!(
        forward.entries().collect::<Vec<_>>(),
        vec![("x", &json!("y"))]
    );
    assert_eq!(forward.fallback(), Some(&json!(1)));
    assert_eq!(backward.get(&json!("y")), Some(&json!("x")));
    assert_eq!(backward.get(&json!("z")), None);
    assert_eq!((forward.len(), backward.is_empty()), (1, false));
}

#[test]
fn description_and_json_files() {
    let l = lens(
        r#"{"description": "v1 -> v2", "lens": [{"rename": {"source": "a", "destination": "b"}}]}"#,
    );
    assert_eq!(l.description(), Some("v1 -> v2"));
    assert_eq!(up(&l, json!({"a": 1})), json!({"b": 1}));
}

// ---- parser refusals ----

#[test]
fn parse_refuses_unknown_ops_and_fields() {
    let m = invalid("lens:\n  - rename: { source: a, destination: b }\n  - renam: { source: a, destination: b }");
    assert!(
        m.contains("unknown variant `renam`") && m.contains("line 3"),
        "{m}"
    );
    let m = invalid("lens:\n  - rename: { source: a, destination: b, dest: c }");
    assert!(
        m.contains("unknown field `dest`") && m.contains("lens[0]"),
        "{m}"
    );
    let m = invalid("lens:\n  - map: { lens: [] }");
    assert!(m.contains("missing field `name`"), "{m}");
    let m = invalid("lens: []\nversion: 2");
    assert!(m.contains("unknown field `version`"), "{m}");
    let m = invalid("lenses: []");
    assert!(m.contains("unknown field `lenses`"), "{m}");
    let m = invalid("description: x");
    assert!(m.contains("missing field `lens`"), "{m}");
    let m = invalid("- rename: { source: a, destination: b }");
    assert!(m.contains("a lens file"), "{m}");
    let m = invalid("");
    assert!(!m.is_empty());
    let m = invalid(
        "lens:\n  - rename: { source: a, destination: b }\n    add: { name: c, default: 1 }",
    );
    assert!(
        m.contains("exactly one key") && m.contains("`rename` and `add`"),
        "{m}"
    );
    let m = invalid("lens:\n  - {}");
    assert!(m.contains("needs a name"), "{m}");
    let m = invalid("lens:\n  - rename");
    assert!(m.contains("an operation"), "{m}");
    let m = invalid("lens: [ {\"rename\": {\"source\": \"a\"} ");
    assert!(m.contains("line 1"), "{m}");
}

#[test]
fn parse_refuses_empty_and_clashing_names() {
    let m = invalid("lens:\n  - wrap: { name: \"\" }");
    assert!(
        m.contains("non-empty property name") && m.contains("line 2"),
        "{m}"
    );
    let m = invalid("lens:\n  - in: { name: a, lens: [ { hoist: { host: '', name: b } } ] }");
    assert!(m.contains("non-empty"), "{m}");
    let m = invalid("lens:\n  - rename: { source: a, destination: a }");
    assert!(m.contains("both `a`"), "{m}");
    let m = invalid("lens:\n  - plunge: { host: a, name: a }");
    assert!(m.contains("both `a`"), "{m}");
}

fn nested(depth: usize) -> String {
    let mut text = "[ { wrap: { name: x } } ]".to_owned();
    for level in 0..depth {
        let op = if level % 2 == 0 { "in" } else { "map" };
        text = format!("[ {{ {op}: {{ name: n, lens: {text} }} }} ]");
    }
    format!("lens: {text}")
}

#[test]
fn parse_limits_depth_and_size() {
    let deepest = lens(&nested(MAX_DEPTH));
    assert_eq!(deepest.len(), 1);
    let m = invalid(&nested(MAX_DEPTH + 1));
    assert!(m.contains("more than 32 levels"), "{m}");
    // Far deeper input stops in the YAML parser's own recursion limit, not a stack overflow.
    invalid(&nested(500));

    let many = |n: usize| format!("lens:\n{}", "  - wrap: { name: x }\n".repeat(n));
    assert_eq!(lens(&many(MAX_OPS)).len(), MAX_OPS);
    let m = invalid(&many(MAX_OPS + 1));
    assert!(m.contains("1001 operations"), "{m}");
    // Nested operations count too.
    let inner = "{ wrap: { name: x } }, ".repeat(MAX_OPS);
    let m = invalid(&format!(
        "lens: [ {{ in: {{ name: n, lens: [ {inner} ] }} }} ]"
    ));
    assert!(m.contains("1001 operations"), "{m}");
}

// ---- several lenses in a row ----

fn example(name: &str) -> Lens {
    let path = format!(
        "{}/../../examples/migrations/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    lens(&std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}")))
}

#[test]
fn two_hops_up_then_down_return_the_original() {
    let one_to_two = example("payment-service.1-to-2.lens.yaml");
    let two_to_three = example("payment-service.2-to-3.lens.yaml");
    let v1 = json!({
        "service": "payment-api",
        "timeout": 3000,
        "mode": "fast",
        "region": "eu-west-1",
        "zones": ["eu-west-1a"],
        "cert": "/etc/tls/cert.pem",
        "tls": {"key": "/etc/tls/key.pem"},
        "database": {"host": "db.internal", "port": 5432, "name": "payments"},
        "endpoints": [
            {"url": "https://a.example/authorize", "method": "POST"},
            {"url": "https://a.example/status", "method": "GET"}
        ]
    });
    let v2 = up(&one_to_two, v1.clone());
    let v3 = up(&two_to_three, v2.clone());
    assert_eq!(
        v3,
        json!({
            "service": "payment-api",
            "request_timeout_ms": 3000,
            "retry_policy": {"retries": 3},
            "mode": "speedy",
            "regions": ["eu-west-1"],
            "zone": "eu-west-1a",
            "tls": {"key": "/etc/tls/key.pem", "cert": "/etc/tls/cert.pem"},
            "port": 5432,
            "database": {"address": "db.internal", "name": "payments", "pool_size": 10},
            "endpoints": [
                {"uri": "https://a.example/authorize", "method": "post"},
                {"uri": "https://a.example/status", "method": "get"}
            ]
        })
    );
    let back2 = down(&two_to_three, v3);
    assert_eq!(back2, v2);
    // 1.x had `legacy_mode` which 2.0 removed; down restores its default.
    let mut expected = v1;
    expected["legacy_mode"] = json!(false);
    assert_eq!(down(&one_to_two, back2), expected);
}

// ---- caps: what a lens file expands to, and what a run adds ----

/// A lens whose defaults are a YAML alias bomb within the parser's limit on alias jumps: a
/// thousand strings, then two levels of a hundred aliases each (10^7 strings from 7 KB).
fn alias_bomb() -> String {
    let strings = vec!["lol"; 1000].join(", ");
    let refs = |level: usize| vec![format!("*l{level}"); 100].join(", ");
    format!(
        "lens:\n  - add: {{ name: a, default: &l0 [{strings}] }}\n  - add: {{ name: b, default: &l1 [{}] }}\n  - add: {{ name: c, default: [{}] }}\n",
        refs(0),
        refs(1)
    )
}

#[test]
fn a_lens_file_that_expands_past_its_cap_is_refused_before_it_is_built() {
    let bomb = alias_bomb();
    assert!(bomb.len() < 8 * 1024);
    let started = std::time::Instant::now();
    let m = invalid(&bomb);
    // Building the 10^7 strings would take far longer (and gigabytes); 10 s is generous for a
    // loaded machine's debug build.
    assert!(
        started.elapsed() < std::time::Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert!(m.contains("the lens expands to more than 256 KiB"), "{m}");
    assert!(m.contains("alias"), "{m}");
    // Operations can be aliased as well; their expansion is measured the same way.
    let op = format!(
        "{{ add: {{ name: a, default: [{}] }} }}",
        vec!["lol"; 2000].join(", ")
    );
    let many = format!("lens:\n  - &op {op}\n{}", "  - *op\n".repeat(200));
    let m = invalid(&many);
    assert!(m.contains("expands to more than"), "{m}");
    // A few aliases within the cap are fine.
    let ok = lens(
        "lens:\n  - add: { name: a, default: &d { x: 1 } }\n  - add: { name: b, default: *d }\n",
    );
    assert_eq!(up(&ok, json!({})), json!({"a": {"x": 1}, "b": {"x": 1}}));
    // The text itself is capped too.
    let long = format!(
        "description: {}\nlens: []\n",
        "x".repeat(super::MAX_LENS_BYTES)
    );
    assert!(invalid(&long).contains("at most 65536"));
}

#[test]
fn a_run_that_adds_more_than_a_config_may_hold_stops_where_it_crosses_the_cap() {
    // 10 KB per element, copied into 100 elements: 1 MB from a 10 KB lens.
    let pad = lens(&format!(
        "lens:\n  - map:\n      name: items\n      lens:\n        - add: {{ name: pad, default: '{}' }}\n",
        "x".repeat(10_000)
    ));
    let doc = json!({"items": vec![json!({"n": 1}); 100]});
    match pad.apply(doc.clone(), Up) {
        Err(LensError::TooLarge {
            step,
            op,
            pointer,
            message,
        }) => {
            assert_eq!((step, op), (0, "add"));
            // The 27th copy is the one over 256 KiB.
            assert_eq!(pointer, "/items/26/pad");
            assert!(message.contains("more than 256 KiB"), "{message}");
        }
        other => panic!("expected TooLarge, got {other:?}"),
    }
    // Down, the same lens removes what is there: nothing added, nothing refused.
    assert!(pad.apply(doc, Down).is_ok());
    // Small defaults on many elements are fine.
    let flag =
        lens("lens:\n  - map: { name: items, lens: [ { add: { name: on, default: true } } ] }\n");
    let out = up(&flag, json!({"items": vec![json!({}); 10_000]}));
    assert_eq!(out["items"][9_999], json!({"on": true}));
    // `convert` counts what its replacements add over what they replace.
    let grow = lens(&format!(
        "lens:\n  - map: {{ name: items, lens: [ {{ convert: {{ name: v, mapping: [ {{ a: '{}' }}, {{ b: a }} ] }} }} ] }}\n",
        "y".repeat(10_000)
    ));
    let doc = json!({"items": vec![json!({"v": "a"}); 100]});
    assert!(matches!(
        grow.apply(doc, Up),
        Err(LensError::TooLarge { op: "convert", .. })
    ));
}

// ---- Cambria's forms ----

#[test]
fn map_without_a_name_maps_the_array_its_in_selects() {
    let l = lens(
        "lens:\n  - in:\n      name: tasks\n      lens:\n        - map:\n            lens:\n              - rename: { source: title, destination: name }",
    );
    let v1 = json!({"tasks": [{"title": "a"}, null, {"title": "b", "done": true}]});
    let v2 = json!({"tasks": [{"name": "a"}, null, {"name": "b", "done": true}]});
    assert_eq!(up(&l, v1.clone()), v2);
    assert_eq!(down(&l, v2), v1);
    assert_eq!(up(&l, json!({"tasks": null})), json!({"tasks": null}));
    assert_eq!(up(&l, json!({})), json!({}));
    // Errors name the array and the element.
    let (step, op, pointer, message) = apply_err(&l, json!({"tasks": {"title": "a"}}), Up);
    assert_eq!((step, op, pointer.as_str()), (0, "in", "/tasks"));
    assert_eq!(message, "`tasks` is an object, not an array");
    let (step, op, pointer, message) = apply_err(&l, json!({"tasks": [{}, 3]}), Up);
    assert_eq!((step, op, pointer.as_str()), (0, "map", "/tasks/1"));
    assert_eq!(message, "element 1 of `tasks` is a number, not an object");
    let (_, op, pointer, _) = apply_err(&l, json!({"tasks": [{"title": 1, "name": 2}]}), Up);
    assert_eq!((op, pointer.as_str()), ("rename", "/tasks/0/name"));
}

#[test]
fn maps_without_names_nest_for_arrays_of_arrays() {
    // Two maps in one `in`, and a map of a map (its elements are arrays).
    let l = lens(
        "lens:\n  - in:\n      name: grid\n      lens:\n        - map: { lens: [ { map: { lens: [ { wrap: { name: v } } ] } } ] }\n        - map: { lens: [ { map: { lens: [ { rename: { source: v, destination: w } } ] } } ] }\n  - map:\n      name: rows\n      lens:\n        - map: { lens: [ { add: { name: n, default: 0 } } ] }",
    );
    let v1 = json!({"grid": [[{"v": 1}], [], null, [{"v": 2}, {}]], "rows": [[{}], [{"n": 5}]]});
    let v2 = json!({"grid": [[{"w": [1]}], [], null, [{"w": [2]}, {}]], "rows": [[{"n": 0}], [{"n": 5}]]});
    assert_eq!(up(&l, v1.clone()), v2);
    let mut back = v1;
    back["rows"] = json!([[{}], [{}]]);
    assert_eq!(down(&l, v2), back);
    let (_, op, pointer, message) = apply_err(&l, json!({"grid": [[{}], {"v": 1}]}), Up);
    assert_eq!((op, pointer.as_str()), ("map", "/grid/1"));
    assert_eq!(message, "element 1 of `grid` is an object, not an array");
}

#[test]
fn map_without_a_name_cannot_share_a_lens_or_stand_at_the_top() {
    let m = invalid(
        "lens:\n  - in: { name: t, lens: [ { map: { lens: [] } }, { wrap: { name: x } } ] }",
    );
    assert!(
        m.contains("give each `map` a `name`") && m.contains("line 2"),
        "{m}"
    );
    let m = invalid("lens:\n  - wrap: { name: x }\n  - map: { lens: [] }");
    assert!(m.contains("lens[1].map: missing field `name`"), "{m}");
    // `in` still needs its name.
    let m = invalid("lens:\n  - in: { lens: [] }");
    assert!(m.contains("missing field `name`"), "{m}");
}

#[test]
fn type_lists_take_null_first_then_the_first_type() {
    let l = lens(
        "lens:\n  - add: { name: a, type: [string, null] }\n  - add: { name: b, type: [number, string] }\n  - add: { name: c, type: [string, 'null'], default: '' }\n  - add: { name: d, type: [object, null], default: { x: 1 } }",
    );
    assert_eq!(
        up(&l, json!({})),
        json!({"a": null, "b": 0, "c": "", "d": {"x": 1}})
    );
    let m = invalid("lens:\n  - add: { name: a, type: [string, null], default: 3 }");
    assert!(m.contains("not of `type` [string, null]"), "{m}");
    let m = invalid("lens:\n  - add: { name: a, type: [] }");
    assert!(m.contains("lists no type"), "{m}");
    let m = invalid("lens:\n  - add: { name: a, type: [string, string] }");
    assert!(m.contains("appears twice"), "{m}");
    let m = invalid("lens:\n  - add: { name: a, type: [[string]] }");
    assert!(m.contains("line 2"), "{m}");
    let m = invalid("lens:\n  - add: { name: a, type: strin }");
    assert!(m.contains("unknown variant `strin`"), "{m}");
}

#[test]
fn cambria_add_fields_required_and_items_are_accepted() {
    let l = lens(
        "lens:\n  - add: { name: tags, type: array, items: { type: object }, default: [], required: true }\n  - remove: { name: old, type: array, items: { type: [string, null], items: { type: string } } }",
    );
    assert_eq!(up(&l, json!({"old": [1]})), json!({"tags": []}));
    assert_eq!(down(&l, json!({"tags": []})), json!({"old": []}));
    let m =
        invalid("lens:\n  - add: { name: a, type: array, items: { type: string, default: 1 } }");
    assert!(
        m.contains("`items`: `default` 1 is not of `type` string"),
        "{m}"
    );
    let m = invalid("lens:\n  - add: { name: a, type: array, required: maybe }");
    assert!(m.contains("line 2"), "{m}");
}

#[test]
fn convert_types_are_checked_and_type_a_derived_backward_table() {
    // Cambria's test lens ('value conversion'), with its types.
    let l = lens(
        "lens:\n  - convert:\n      name: complete\n      sourceType: boolean\n      destinationType: string\n      mapping:\n        - { false: todo, true: done }\n        - { todo: false, inProgress: false, done: true }",
    );
    assert_eq!(
        up(&l, json!({"complete": true})),
        json!({"complete": "done"})
    );
    assert_eq!(
        down(&l, json!({"complete": "inProgress"})),
        json!({"complete": false})
    );
    // In JSON the keys are strings; `sourceType` says what they stand for.
    let l = lens(
        r#"{"lens": [{"convert": {"name": "c", "sourceType": "boolean", "mapping": [{"true": "on", "false": "off"}]}}]}"#,
    );
    assert_eq!(down(&l, json!({"c": "on"})), json!({"c": true}));
    let l = lens(
        r#"{"lens": [{"convert": {"name": "c", "sourceType": ["integer", "null"], "mapping": [{"1": "one", "null": "none"}]}}]}"#,
    );
    assert_eq!(down(&l, json!({"c": "one"})), json!({"c": 1}));
    assert_eq!(down(&l, json!({"c": "none"})), json!({"c": null}));
    let m = invalid(
        r#"{"lens": [{"convert": {"name": "c", "sourceType": "boolean", "mapping": [{"yes": "on"}]}}]}"#,
    );
    assert!(
        m.contains("the key \"yes\" is not of `sourceType` boolean"),
        "{m}"
    );
    let m =
        invalid("lens:\n  - convert: { name: c, destinationType: number, mapping: [ { a: b } ] }");
    assert!(
        m.contains("\"b\" is not of `destinationType` number"),
        "{m}"
    );
    let m = invalid(
        "lens:\n  - convert: { name: c, sourceType: string, mapping: [ { a: 1 }, { 1: 2 } ] }",
    );
    assert!(m.contains("2 is not of `sourceType` string"), "{m}");
    let m = invalid(
        "lens:\n  - convert: { name: c, destinationType: string, mapping: [ { a: b } ], default: 0 }",
    );
    assert!(m.contains("0 is not of `destinationType` string"), "{m}");
}

#[test]
fn schema_name_and_null_entries_load() {
    let l =
        lens("schemaName: Issue\nlens:\n  -\n  - rename: { source: a, destination: b }\n  - ~\n");
    assert_eq!(l.schema_name(), Some("Issue"));
    assert_eq!(l.len(), 1);
    assert_eq!(up(&l, json!({"a": 1})), json!({"b": 1}));
    // Only at the top level, as in Cambria's loader.
    invalid("lens:\n  - in: { name: a, lens: [ ~ ] }");
}

/// Cambria's head drops an empty array, a null and a scalar (the property disappears); here
/// `[]` becomes null and null stays, so that wrap gives them back, and a scalar is an error.
#[test]
fn head_and_wrap_of_null_and_empty_arrays_invert_each_other() {
    let l = lens("lens:\n  - head: { name: z }");
    for (array, head) in [
        (json!({"z": []}), json!({"z": null})),
        (json!({"z": [null]}), json!({"z": null})),
        (json!({"z": [[]]}), json!({"z": []})),
    ] {
        assert_eq!(up(&l, array), head);
    }
    assert_eq!(up(&l, json!({"z": null})), json!({"z": null}));
    assert_eq!(down(&l, json!({"z": null})), json!({"z": []}));
    assert_eq!(up(&l, down(&l, json!({"z": null}))), json!({"z": null}));
    let w = l.reversed();
    assert_eq!(up(&w, json!({"z": null})), json!({"z": []}));
    assert_eq!(down(&w, json!({"z": []})), json!({"z": null}));
    assert!(l.apply(json!({"z": "a"}), Up).is_err());
}
