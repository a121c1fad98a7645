use super::parse;
use crate::avro::{AvroSchema, MAX_VALUE_DEPTH};
use serde_json::{json, Value};

fn field(ty: Value) -> AvroSchema {
    parse(json!({"type":"record","name":"R","fields":[{"name":"v","type":ty}]}))
}

/// (keyword, pointer) of each violation of `{"v": value}`.
fn problems(schema: &AvroSchema, value: Value) -> Vec<(String, String)> {
    schema
        .validate(&json!({ "v": value }))
        .into_iter()
        .map(|v| (v.keyword, v.pointer))
        .collect()
}

fn accepts(ty: Value, good: &[Value]) {
    let schema = field(ty.clone());
    for value in good {
        assert_eq!(
            problems(&schema, value.clone()),
            vec![],
            "{ty} should accept {value}"
        );
    }
}

fn refuses(ty: Value, bad: &[(Value, &str)]) {
    let schema = field(ty.clone());
    for (value, keyword) in bad {
        let found = problems(&schema, value.clone());
        assert!(
            found.iter().any(|(k, _)| k == keyword),
            "{ty} should refuse {value} with {keyword}, found {found:?}"
        );
    }
}

#[test]
fn primitives() {
    accepts(json!("null"), &[json!(null)]);
    refuses(json!("null"), &[(json!(0), "type")]);
    accepts(json!("boolean"), &[json!(true), json!(false)]);
    refuses(
        json!("boolean"),
        &[(json!("true"), "type"), (json!(1), "type")],
    );
    accepts(
        json!("int"),
        &[
            json!(0),
            json!(-2147483648_i64),
            json!(2147483647),
            json!(3.0),
        ],
    );
    refuses(
        json!("int"),
        &[
            (json!(2147483648_i64), "range"),
            (json!(-2147483649_i64), "range"),
            (json!(1.5), "type"),
            (json!("1"), "type"),
        ],
    );
    accepts(json!("long"), &[json!(i64::MIN), json!(i64::MAX)]);
    refuses(
        json!("long"),
        &[
            (json!(u64::MAX), "range"),
            (json!(0.5), "type"),
            (json!(null), "type"),
        ],
    );
    accepts(json!("float"), &[json!(1.5), json!(3), json!(-3.4e38)]);
    refuses(
        json!("float"),
        &[(json!(1e39), "range"), (json!("1.5"), "type")],
    );
    accepts(json!("double"), &[json!(1e300), json!(-7)]);
    refuses(json!("double"), &[(json!(true), "type")]);
    accepts(json!("string"), &[json!(""), json!("héllo ✓")]);
    refuses(
        json!("string"),
        &[(json!(1), "type"), (json!(["a"]), "type")],
    );
    accepts(json!("bytes"), &[json!(""), json!("\u{0000}\u{00ff}abc")]);
    refuses(
        json!("bytes"),
        &[(json!("✓"), "bytes"), (json!(12), "type")],
    );
}

#[test]
fn records_require_fields_without_defaults_and_refuse_unknown_ones() {
    let schema = parse(json!({"type":"record","name":"R","fields":[
        {"name":"name","type":"string"},
        {"name":"port","type":"int","default":8080},
        {"name":"inner","type":{"type":"record","name":"In","fields":[{"name":"x","type":"int"}]},"default":{"x":1}}]}));
    assert!(schema.validate(&json!({"name":"a"})).is_empty());
    let found = schema.validate(&json!({"port": 1, "extra/key": true, "inner": {"x": 1, "y": 2}}));
    let got: Vec<(&str, &str)> = found
        .iter()
        .map(|v| (v.pointer.as_str(), v.keyword.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("", "required"),
            ("/extra~1key", "additional-property"),
            ("/inner/y", "additional-property")
        ]
    );
    assert!(found[0].message.contains("`name`"));
    assert_eq!(schema.validate(&json!([1]))[0].keyword, "type");
}

#[test]
fn enums_by_symbol() {
    let e = json!({"type":"enum","name":"E","symbols":["RED","GREEN"]});
    accepts(e.clone(), &[json!("RED"), json!("GREEN")]);
    refuses(e, &[(json!("red"), "enum"), (json!(0), "type")]);
}

#[test]
fn fixed_is_a_byte_string_of_its_size() {
    let f = json!({"type":"fixed","name":"F","size":4});
    accepts(
        f.clone(),
        &[json!("abcd"), json!("\u{0000}\u{0001}\u{00fe}\u{00ff}")],
    );
    refuses(
        f,
        &[
            (json!("abc"), "size"),
            (json!("abcde"), "size"),
            (json!("ab✓d"), "bytes"),
            (json!(4), "type"),
        ],
    );
}

#[test]
fn arrays_and_maps_point_at_the_bad_item() {
    let schema = field(json!({"type":"map","values":{"type":"array","items":"int"}}));
    assert!(problems(&schema, json!({"a": [1, 2], "b": []})).is_empty());
    assert_eq!(
        problems(&schema, json!({"a": [1, "x"], "b": 3})),
        vec![
            ("type".to_owned(), "/v/a/1".to_owned()),
            ("type".to_owned(), "/v/b".to_owned())
        ]
    );
    refuses(
        json!({"type":"array","items":"int"}),
        &[(json!({"0": 1}), "type")],
    );
    refuses(
        json!({"type":"map","values":"int"}),
        &[(json!([1]), "type")],
    );
}

#[test]
fn union_values_are_unwrapped() {
    let u = json!(["null", "int", "string", {"type":"record","name":"P","fields":[{"name":"x","type":"int"}]}]);
    accepts(
        u.clone(),
        &[json!(null), json!(3), json!("s"), json!({"x": 1})],
    );
    // Only one branch takes objects: its own violations are reported.
    let schema = field(u.clone());
    assert_eq!(
        problems(&schema, json!({"x": "no"})),
        vec![("type".to_owned(), "/v/x".to_owned())]
    );
    // Several branches could take a number: the union as a whole fails.
    let numbers = field(json!(["int", "float"]));
    assert_eq!(
        problems(&numbers, json!(1e39)),
        vec![("union".to_owned(), "/v".to_owned())]
    );
    refuses(u, &[(json!(true), "union"), (json!([1]), "union")]);
}

#[test]
fn the_avro_json_wrapper_is_accepted_where_unambiguous() {
    let u = json!(["null", "int", {"type":"record","name":"a.P","fields":[{"name":"x","type":"int"}]}, {"type":"map","values":"string"}]);
    // {"int": 3} matches no branch as it stands (the map holds strings): it is the wrapper.
    accepts(
        u.clone(),
        &[
            json!({"int": 3}),
            json!({"a.P": {"x": 1}}),
            json!({"k": "v"}),
        ],
    );
    // An object that is a valid map stays a map: {"int": "3"} is not read as a wrapped int.
    let schema = field(u.clone());
    assert!(problems(&schema, json!({"int": "3"})).is_empty());
    // A wrapper around a bad value reports inside it.
    assert_eq!(
        problems(&schema, json!({"a.P": {"x": "1"}})),
        vec![("type".to_owned(), "/v/a.P/x".to_owned())]
    );
    refuses(json!(["null", "int"]), &[(json!({"string": "x"}), "union")]);
}

#[test]
fn logical_types_take_the_readable_form_or_the_number() {
    accepts(
        json!({"type":"int","logicalType":"date"}),
        &[json!("2026-12-04"), json!(20_000), json!("1900-02-28")],
    );
    refuses(
        json!({"type":"int","logicalType":"date"}),
        &[
            (json!("2026-13-01"), "logical-type"),
            (json!("04/12/2026"), "logical-type"),
            (json!(3_000_000_000_i64), "range"),
        ],
    );
    accepts(
        json!({"type":"int","logicalType":"time-millis"}),
        &[json!("13:45:00"), json!("13:45:00.250"), json!(86_399_999)],
    );
    refuses(
        json!({"type":"int","logicalType":"time-millis"}),
        &[
            (json!("25:00:00"), "logical-type"),
            (json!(86_400_000), "logical-type"),
            (json!(-1), "logical-type"),
        ],
    );
    accepts(
        json!({"type":"long","logicalType":"time-micros"}),
        &[json!("00:00:00.000001"), json!(86_399_999_999_i64)],
    );
    refuses(
        json!({"type":"long","logicalType":"time-micros"}),
        &[(json!(86_400_000_000_i64), "logical-type")],
    );
    for unit in ["timestamp-millis", "timestamp-micros", "timestamp-nanos"] {
        let ty = json!({"type":"long","logicalType":unit});
        accepts(
            ty.clone(),
            &[
                json!("2026-12-04T13:45:00Z"),
                json!("2026-12-04T13:45:00.5+01:00"),
                json!(1_700_000_000_000_i64),
            ],
        );
        refuses(
            ty,
            &[
                (json!("2026-12-04 13:45"), "logical-type"),
                (json!("2026-12-04T13:45:00"), "logical-type"),
                (json!(true), "type"),
            ],
        );
    }
    refuses(
        json!({"type":"long","logicalType":"timestamp-nanos"}),
        &[(json!("2300-01-01T00:00:00Z"), "logical-type")],
    );
    accepts(
        json!({"type":"long","logicalType":"timestamp-millis"}),
        &[json!("2300-01-01T00:00:00Z")],
    );
    for unit in [
        "local-timestamp-millis",
        "local-timestamp-micros",
        "local-timestamp-nanos",
    ] {
        let ty = json!({"type":"long","logicalType":unit});
        accepts(
            ty.clone(),
            &[
                json!("2026-12-04T13:45:00"),
                json!("2026-12-04T13:45:00.123"),
                json!(5),
            ],
        );
        refuses(
            ty,
            &[
                (json!("2026-12-04T13:45:00Z"), "logical-type"),
                (json!("2026-12-04"), "logical-type"),
            ],
        );
    }
    let uuid = json!({"type":"string","logicalType":"uuid"});
    accepts(
        uuid.clone(),
        &[json!("67e55044-10b1-426f-9247-bb680e5fe0c8")],
    );
    refuses(
        uuid,
        &[
            (json!("67e5504410b1426f9247bb680e5fe0c8"), "logical-type"),
            (json!("nope"), "logical-type"),
            (json!(1), "type"),
        ],
    );
}

#[test]
fn decimals_fit_their_precision_and_scale() {
    for ty in [
        json!({"type":"bytes","logicalType":"decimal","precision":5,"scale":2}),
        json!({"type":"fixed","name":"D","size":4,"logicalType":"decimal","precision":5,"scale":2}),
    ] {
        accepts(
            ty.clone(),
            &[
                json!("123.45"),
                json!("-999.99"),
                json!(12.5),
                json!(0),
                json!("0.10"),
                json!("1.2e2"),
            ],
        );
        refuses(
            ty,
            &[
                (json!("1234.5"), "logical-type"),
                (json!("1.234"), "logical-type"),
                (json!(1000), "logical-type"),
                (json!("12,5"), "logical-type"),
                (json!(true), "type"),
            ],
        );
    }
}

#[test]
fn durations_are_objects_of_months_days_millis() {
    let d = json!({"type":"fixed","name":"Dur","size":12,"logicalType":"duration"});
    accepts(
        d.clone(),
        &[
            json!({"months": 1, "days": 2, "millis": 3}),
            json!({"days": 7}),
            json!("abcdefghijkl"),
        ],
    );
    refuses(
        d,
        &[
            (json!({"weeks": 1}), "additional-property"),
            (json!({"days": -1}), "logical-type"),
            (json!({"millis": 4294967296_i64}), "logical-type"),
            (json!(5), "type"),
        ],
    );
}

#[test]
fn with_defaults_fills_absent_fields_recursively() {
    let schema = parse(json!({"type":"record","name":"R","fields":[
        {"name":"name","type":"string"},
        {"name":"port","type":"int","default":8080},
        {"name":"tls","type":["null",{"type":"record","name":"Tls","fields":[
            {"name":"on","type":"boolean","default":true},
            {"name":"cert","type":"string"}]}],"default":null},
        {"name":"limits","type":{"type":"record","name":"L","fields":[{"name":"rps","type":"int","default":100}]},"default":{}},
        {"name":"routes","type":{"type":"array","items":"Tls"},"default":[]}]}));
    let filled = schema
        .with_defaults(&json!({"name":"a","tls":{"cert":"c"},"routes":[{"cert":"x","on":false}]}));
    assert_eq!(
        filled,
        json!({"name":"a","port":8080,"tls":{"on":true,"cert":"c"},"limits":{"rps":100},"routes":[{"cert":"x","on":false}]})
    );
    assert!(schema.validate(&filled).is_empty());
    // Values that do not match are left alone.
    assert_eq!(schema.with_defaults(&json!(3)), json!(3));
}

#[test]
fn a_costly_union_nest_stops_with_too_complex() {
    // Two record branches per level, recursive: a deep config costs 2^depth tries unchecked.
    let schema = parse(
        json!({"type":"record","name":"N","fields":[{"name":"next","type":["null",
        {"type":"record","name":"A","fields":[
            {"name":"n","type":["null","A",{"type":"record","name":"B","fields":[{"name":"n","type":["null","A","B"]},{"name":"b","type":"int"}]}]},
            {"name":"a","type":"int"}]}]}]}),
    );
    let mut config = json!({"b": "wrong"});
    for _ in 0..40 {
        config = json!({"n": config, "b": 1});
    }
    let config = json!({"next": {"n": config, "a": 1}});
    let started = std::time::Instant::now();
    let found = schema.validate(&config);
    assert!(started.elapsed().as_secs() < 20);
    assert!(!found.is_empty());
    let mut deep = json!(null);
    for _ in 0..1000 {
        deep = json!({"n": deep, "a": 1});
    }
    let found = schema.validate(&json!({"next": deep}));
    // Each hop down `/n` is two levels (the field, then its union).
    let hops = found[0].pointer.matches("/n").count();
    assert!(
        (MAX_VALUE_DEPTH / 2 - 2..=MAX_VALUE_DEPTH / 2 + 2).contains(&hops),
        "{hops}"
    );
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].keyword, "too-complex");
}
