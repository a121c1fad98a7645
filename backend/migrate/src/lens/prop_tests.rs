//! Round trips on generated documents: for the operations that keep information, down(up(x))
//! is x, and up(down(y)) is y where y is something up can produce.

use proptest::collection::{btree_map, btree_set, vec};
use proptest::prelude::*;
use serde_json::{json, Map, Value};

use super::Lens;
use crate::Direction::{Down, Up};

/// Keys from a small alphabet, so that generated objects often hold the names a lens uses.
fn key() -> impl Strategy<Value = String> {
    "[a-e]".prop_map(String::from)
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        (-1e9f64..1e9).prop_map(Value::from),
        "[a-z0-9]{0,6}".prop_map(Value::String),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(3, 32, 4, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..4).prop_map(Value::Array),
            btree_map(key(), inner, 0..4).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn object() -> impl Strategy<Value = Map<String, Value>> {
    btree_map(key(), value(), 0..6).prop_map(|m| m.into_iter().collect())
}

/// An object, or nothing (the property is then left out).
fn maybe_object() -> impl Strategy<Value = Option<Map<String, Value>>> {
    prop::option::of(object())
}

fn lens(ops: Value) -> Lens {
    Lens::parse(&json!({ "lens": ops }).to_string()).unwrap()
}

fn up(lens: &Lens, doc: &Value) -> Value {
    lens.apply(doc.clone(), Up).unwrap()
}

fn down(lens: &Lens, doc: &Value) -> Value {
    lens.apply(doc.clone(), Down).unwrap()
}

/// Asserts down(up(x)) == x (and returns up(x)).
fn round_trip(lens: &Lens, x: &Value) -> Result<Value, TestCaseError> {
    let y = lens
        .apply(x.clone(), Up)
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    let back = lens
        .apply(y.clone(), Down)
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(&back, x);
    Ok(y)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        // No regression files: failures print their minimal input.
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn rename_round_trips(mut x in object(), mut y in object()) {
        let l = lens(json!([{"rename": {"source": "a", "destination": "b"}}]));
        x.remove("b");
        round_trip(&l, &Value::Object(x))?;
        y.remove("a");
        let y = Value::Object(y);
        prop_assert_eq!(up(&l, &down(&l, &y)), y);
    }

    #[test]
    fn rename_onto_a_present_property_always_fails(mut x in object(), a in value(), b in value()) {
        let l = lens(json!([{"rename": {"source": "a", "destination": "b"}}]));
        x.insert("a".into(), a);
        x.insert("b".into(), b);
        prop_assert!(l.apply(Value::Object(x), Up).is_err());
    }

    #[test]
    fn hoist_round_trips(mut x in object(), host in maybe_object()) {
        let l = lens(json!([{"hoist": {"host": "h", "name": "a"}}]));
        // The target does not exist yet; the host is an object when present.
        x.remove("a");
        x.remove("h");
        if let Some(host) = host {
            x.insert("h".into(), Value::Object(host));
        }
        round_trip(&l, &Value::Object(x))?;
    }

    /// A written hoist leaves its host: up(down(y)) is y whenever y has the host (an object).
    #[test]
    fn hoist_then_plunge_round_trips_with_a_host(mut y in object(), mut host in object(), a in prop::option::of(value())) {
        let l = lens(json!([{"hoist": {"host": "h", "name": "a"}}]));
        host.remove("a");
        y.insert("h".into(), Value::Object(host));
        y.remove("a");
        if let Some(a) = a {
            y.insert("a".into(), a);
        }
        let y = Value::Object(y);
        prop_assert_eq!(up(&l, &down(&l, &y)), y);
    }

    /// Without the host, down creates it and up leaves it, empty: exactly that, nothing else.
    #[test]
    fn hoist_leaves_the_host_plunge_created(mut y in object(), a in value()) {
        let l = lens(json!([{"hoist": {"host": "h", "name": "a"}}]));
        y.remove("h");
        y.insert("a".into(), a);
        let mut expected = y.clone();
        expected.insert("h".into(), json!({}));
        prop_assert_eq!(up(&l, &down(&l, &Value::Object(y))), Value::Object(expected));
    }

    #[test]
    fn plunge_round_trips(mut x in object(), host in maybe_object()) {
        let l = lens(json!([{"plunge": {"host": "h", "name": "a"}}]));
        // Plunge can only be undone when the host is absent or already has other properties
        // (an emptied host is dropped by hoist), and does not hold the target yet.
        x.remove("h");
        if let Some(mut host) = host {
            host.remove("a");
            if !host.is_empty() {
                x.insert("h".into(), Value::Object(host));
            }
        }
        let x = Value::Object(x);
        round_trip(&l, &x)?;
        // Here up(down(y)) == y as well: hoist is plunge's inverse.
        let hoist = l.reversed();
        prop_assert_eq!(up(&hoist, &down(&hoist, &x)), x);
    }

    #[test]
    fn wrap_round_trips(x in object(), mut y in object(), element in value()) {
        let l = lens(json!([{"wrap": {"name": "a"}}]));
        round_trip(&l, &Value::Object(x))?;
        // Head loses all but the first element: y holds at most one, and not null.
        y.remove("a");
        if !element.is_null() {
            y.insert("a".into(), json!([element]));
        }
        let y = Value::Object(y);
        prop_assert_eq!(up(&l, &down(&l, &y)), y);
    }

    #[test]
    fn head_round_trips(mut x in object(), element in value()) {
        let l = lens(json!([{"head": {"name": "a"}}]));
        x.remove("a");
        if !element.is_null() {
            x.insert("a".into(), json!([element]));
        }
        let y = round_trip(&l, &Value::Object(x))?;
        prop_assert_eq!(up(&l, &down(&l, &y)), y);
    }

    #[test]
    fn add_and_remove_round_trip(mut x in object(), default in value()) {
        let add = lens(json!([{"add": {"name": "a", "default": default.clone()}}]));
        let remove = add.reversed();
        x.remove("a");
        let x = Value::Object(x);
        round_trip(&add, &x)?;
        prop_assert_eq!(up(&remove, &down(&remove, &x)), x.clone());
        // With the default in place, down then up gives it back.
        let mut y = x.as_object().cloned().unwrap_or_default();
        y.insert("a".into(), default);
        let y = Value::Object(y);
        prop_assert_eq!(up(&add, &down(&add, &y)), y.clone());
        round_trip(&remove, &y)?;
    }

    #[test]
    fn in_and_map_round_trip(
        mut x in object(),
        inner in maybe_object(),
        items in vec(prop::option::of(object()), 0..5),
    ) {
        let nested = json!([{"rename": {"source": "a", "destination": "b"}}, {"wrap": {"name": "c"}}]);
        let l = lens(json!([
            {"in": {"name": "d", "lens": nested}},
            {"map": {"name": "e", "lens": nested}},
        ]));
        let without_b = |mut m: Map<String, Value>| {
            m.remove("b");
            Value::Object(m)
        };
        x.remove("d");
        x.remove("e");
        if let Some(inner) = inner {
            x.insert("d".into(), without_b(inner));
        }
        let items: Vec<Value> = items.into_iter().map(|i| i.map_or(Value::Null, without_b)).collect();
        x.insert("e".into(), Value::Array(items));
        round_trip(&l, &Value::Object(x))?;
    }

    /// Cambria's `map` without a name, inside an `in`, is the named `map`.
    #[test]
    fn nameless_map_is_the_named_map(
        mut x in object(),
        items in prop::option::of(vec(prop::option::of(object()), 0..5)),
    ) {
        let nested = json!([{"rename": {"source": "a", "destination": "b"}}, {"wrap": {"name": "c"}}]);
        let named = lens(json!([{"map": {"name": "e", "lens": nested}}]));
        let nameless = lens(json!([{"in": {"name": "e", "lens": [{"map": {"lens": nested}}]}}]));
        x.remove("e");
        if let Some(items) = items {
            let items = items.into_iter().map(|i| i.map_or(Value::Null, |mut m| {
                m.remove("b");
                Value::Object(m)
            }));
            x.insert("e".into(), Value::Array(items.collect()));
        }
        let x = Value::Object(x);
        let y = round_trip(&nameless, &x)?;
        prop_assert_eq!(&y, &up(&named, &x));
        prop_assert_eq!(up(&nameless, &down(&nameless, &y)), y);
    }

    /// A type list's zero value: null when it holds null, else the first type's; add then
    /// remove gives the document back.
    #[test]
    fn type_lists_give_their_zero_value(
        mut x in object(),
        types in prop::sample::subsequence(vec!["string", "number", "integer", "boolean", "object", "array", "null"], 1..4),
        shuffle in any::<prop::sample::Index>(),
    ) {
        let mut types = types;
        let turn = shuffle.index(types.len());
        types.rotate_left(turn);
        let l = lens(json!([{"add": {"name": "a", "type": types}}]));
        x.remove("a");
        let x = Value::Object(x);
        let y = round_trip(&l, &x)?;
        let zero = if types.contains(&"null") {
            Value::Null
        } else {
            match types[0] {
                "string" => json!(""),
                "number" | "integer" => json!(0),
                "boolean" => json!(false),
                "object" => json!({}),
                _ => json!([]),
            }
        };
        prop_assert_eq!(&y["a"], &zero);
    }

    /// Cambria's `remove` without a type: down restores nothing.
    #[test]
    fn remove_without_a_default_round_trips_what_it_keeps(mut x in object(), a in value()) {
        let l = lens(json!([{"remove": {"name": "a"}}]));
        x.remove("a");
        let without = Value::Object(x.clone());
        prop_assert_eq!(up(&l, &down(&l, &without)), without.clone());
        round_trip(&l, &without)?;
        x.insert("a".into(), a);
        prop_assert_eq!(down(&l, &up(&l, &Value::Object(x))), without);
    }

    /// A JSON lens file's string keys, typed by `sourceType`, give typed values back down.
    #[test]
    fn convert_source_type_types_a_derived_table(mut x in object(), pick in any::<prop::sample::Index>(), ints in btree_set(-1000i64..1000, 1..5)) {
        let ints: Vec<i64> = ints.into_iter().collect();
        let forward: Map<String, Value> = ints.iter().map(|i| (i.to_string(), json!(format!("n{i}")))).collect();
        let text = json!({"lens": [{"convert": {"name": "a", "sourceType": "integer", "mapping": [forward]}}]}).to_string();
        let l = Lens::parse(&text).unwrap();
        x.insert("a".into(), json!(ints[pick.index(ints.len())]));
        let y = round_trip(&l, &Value::Object(x))?;
        prop_assert_eq!(up(&l, &down(&l, &y)), y);
    }

    /// Cambria's demo lens (examples/migrations/github-arthropod.lens.yaml): an Arthropod issue
    /// runs down and up again unchanged.
    #[test]
    fn cambria_demo_lens_round_trips_arthropod_issues(
        extras in btree_map("x[0-3]", value(), 0..4),
        name in prop::option::of(leaf()),
        category in prop::option::of(leaf()),
    ) {
        let l = example("github-arthropod.lens.yaml");
        let mut y: Map<String, Value> = extras.into_iter().collect();
        if let Some(name) = name {
            y.insert("name".into(), name);
        }
        if let Some(category) = category {
            y.insert("category".into(), category);
        }
        let y = Value::Object(y);
        prop_assert_eq!(up(&l, &down(&l, &y)), y);
    }

    #[test]
    fn convert_with_a_bijective_table_round_trips(
        mut x in object(),
        keys in btree_set("[a-z]{1,4}", 1..6),
        shuffle in any::<prop::sample::Index>(),
        pick in any::<prop::sample::Index>(),
        explicit in any::<bool>(),
    ) {
        let keys: Vec<String> = keys.into_iter().collect();
        // Values: the keys rotated and marked, so the table is one-to-one.
        let turn = shuffle.index(keys.len());
        let values: Vec<String> = (0..keys.len()).map(|i| format!("{}_", keys[(i + turn) % keys.len()])).collect();
        let forward: Map<String, Value> = keys.iter().cloned().zip(values.iter().map(|v| json!(v))).collect();
        let backward: Map<String, Value> = values.iter().cloned().zip(keys.iter().map(|k| json!(k))).collect();
        let mapping = if explicit { json!([forward, backward]) } else { json!([forward]) };
        let l = lens(json!([{"convert": {"name": "a", "mapping": mapping}}]));
        x.insert("a".into(), json!(keys[pick.index(keys.len())]));
        let y = round_trip(&l, &Value::Object(x))?;
        prop_assert_eq!(up(&l, &down(&l, &y)), y);
    }

    #[test]
    fn reversed_runs_the_other_way(x in prop_oneof![object().prop_map(Value::Object), composite_doc()]) {
        let l = lens(composite_ops());
        let r = l.reversed();
        prop_assert_eq!(r.apply(x.clone(), Up).ok(), l.apply(x.clone(), Down).ok());
        prop_assert_eq!(r.apply(x.clone(), Down).ok(), l.apply(x, Up).ok());
    }

    /// Eight kinds of operation in one lens, on documents of the shape it expects plus
    /// unrelated properties.
    #[test]
    fn composite_lens_round_trips(doc in composite_doc()) {
        let l = lens(composite_ops());
        let y = round_trip(&l, &doc)?;
        prop_assert_eq!(up(&l, &down(&l, &y)), y);
    }

    /// Two example lenses in a row, up then down.
    #[test]
    fn two_example_lenses_round_trip(doc in example_v1()) {
        let hops = [example("payment-service.1-to-2.lens.yaml"), example("payment-service.2-to-3.lens.yaml")];
        let v2 = up(&hops[0], &doc);
        let v3 = up(&hops[1], &v2);
        prop_assert_eq!(&down(&hops[1], &v3), &v2);
        prop_assert_eq!(down(&hops[0], &v2), doc);
    }
}

fn composite_ops() -> Value {
    json!([
        {"rename": {"source": "timeout", "destination": "timeout_ms"}},
        {"add": {"name": "retries", "default": 3}},
        {"in": {"name": "database", "lens": [
            {"rename": {"source": "host", "destination": "hostname"}},
            {"wrap": {"name": "replicas"}},
        ]}},
        {"hoist": {"host": "database", "name": "port"}},
        {"plunge": {"host": "tls", "name": "cert"}},
        {"map": {"name": "endpoints", "lens": [
            {"rename": {"source": "url", "destination": "uri"}},
            {"convert": {"name": "method", "mapping": [{"GET": "get", "POST": "post"}]}},
        ]}},
        {"convert": {"name": "mode", "mapping": [{"fast": "speedy", "safe": "careful"}, {"speedy": "fast", "careful": "safe"}]}},
        {"head": {"name": "zones"}},
    ])
}

/// Unrelated properties use other names than the lens's, so every precondition holds.
fn extra() -> impl Strategy<Value = Map<String, Value>> {
    btree_map("x[0-3]", value(), 0..4).prop_map(|m| m.into_iter().collect())
}

fn composite_doc() -> impl Strategy<Value = Value> {
    let scalar = || prop::option::of(leaf());
    let endpoint = (
        extra(),
        scalar(),
        prop::option::of(prop::sample::select(vec!["GET", "POST"])),
    )
        .prop_map(|(mut e, url, method)| {
            if let Some(url) = url {
                e.insert("url".into(), url);
            }
            if let Some(method) = method {
                e.insert("method".into(), json!(method));
            }
            Value::Object(e)
        });
    let database = (extra(), scalar(), scalar(), prop::option::of(value()));
    (
        extra(),
        scalar(),
        prop::option::of(database),
        prop::option::of(extra()),
        scalar(),
        prop::option::of(vec(endpoint, 0..4)),
        prop::option::of(prop::sample::select(vec!["fast", "safe"])),
        prop::option::of(leaf()),
    )
        .prop_map(
            |(mut doc, timeout, database, tls, cert, endpoints, mode, zone)| {
                let mut set = |key: &str, value: Option<Value>| {
                    if let Some(value) = value {
                        doc.insert(key.into(), value);
                    }
                };
                set("timeout", timeout);
                set(
                    "database",
                    database.map(|(mut db, host, port, replicas)| {
                        for (key, value) in [("host", host), ("port", port), ("replicas", replicas)]
                        {
                            if let Some(value) = value {
                                db.insert(key.into(), value);
                            }
                        }
                        // A database holding only its port would vanish when the port is hoisted.
                        if db.is_empty() || (db.len() == 1 && db.contains_key("port")) {
                            db.insert("x9".into(), json!(true));
                        }
                        Value::Object(db)
                    }),
                );
                // A tls object that would be emptied by hoisting `cert` back out needs content.
                set(
                    "tls",
                    tls.map(|mut t| {
                        if t.is_empty() {
                            t.insert("x9".into(), json!(1));
                        }
                        Value::Object(t)
                    }),
                );
                set("cert", cert);
                set("endpoints", endpoints.map(Value::Array));
                set("mode", mode.map(|m| json!(m)));
                // head keeps one element: a one-element array, not [null].
                set("zones", zone.filter(|z| !z.is_null()).map(|z| json!([z])));
                Value::Object(doc)
            },
        )
}

fn example(name: &str) -> Lens {
    let path = format!(
        "{}/../../examples/migrations/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    Lens::parse(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// payment-service 1.x configs: every property optional, with unrelated extras.
fn example_v1() -> impl Strategy<Value = Value> {
    let endpoint = (
        extra(),
        prop::option::of("[a-z/:.]{1,12}"),
        prop::sample::select(vec!["GET", "POST", "PUT", "DELETE"]),
    )
        .prop_map(|(mut e, url, method)| {
            if let Some(url) = url {
                e.insert("url".into(), json!(url));
            }
            e.insert("method".into(), json!(method));
            Value::Object(e)
        });
    (
        extra(),
        prop::option::of(any::<u16>()),
        prop::option::of(prop::sample::select(vec!["fast", "safe"])),
        prop::option::of("[a-z0-9-]{1,10}"),
        prop::option::of("[a-z0-9-]{1,10}"),
        prop::option::of((
            prop::option::of("[a-z.]{1,10}"),
            prop::option::of(any::<u16>()),
        )),
        vec(endpoint, 0..4),
    )
        .prop_map(
            |(mut doc, timeout, mode, region, zone, database, endpoints)| {
                if let Some(timeout) = timeout {
                    doc.insert("timeout".into(), json!(timeout));
                }
                // 2.0 drops legacy_mode; down restores `false`, so 1.x docs here hold that.
                doc.insert("legacy_mode".into(), json!(false));
                if let Some(mode) = mode {
                    doc.insert("mode".into(), json!(mode));
                }
                if let Some(region) = region {
                    doc.insert("region".into(), json!(region));
                }
                if let Some(zone) = zone {
                    doc.insert("zones".into(), json!([zone]));
                }
                if let Some((host, port)) = database {
                    let mut db = Map::new();
                    db.insert("name".into(), json!("payments"));
                    if let Some(host) = host {
                        db.insert("host".into(), json!(host));
                    }
                    if let Some(port) = port {
                        db.insert("port".into(), json!(port));
                    }
                    doc.insert("database".into(), Value::Object(db));
                }
                doc.insert("endpoints".into(), Value::Array(endpoints));
                Value::Object(doc)
            },
        )
}
