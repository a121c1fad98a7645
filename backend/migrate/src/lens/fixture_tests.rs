//! The lens files and documents outside the code: every example lens, every example in
//! `docs/lenses.md` (with its before/after documents), the JSON Schema, and the benchmark's
//! fixture shared with the JSONata comparison.

use std::path::{Path, PathBuf};

use serde_json::Value;
use versiqii_core::schema::CompiledSchema;

use super::{Lens, LENS_SCHEMA};
use crate::Direction::{Down, Up};

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn example_lenses() -> Vec<(PathBuf, String)> {
    let dir = repo("examples/migrations");
    let mut files: Vec<(PathBuf, String)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            let name = path.file_name().unwrap().to_string_lossy();
            name.ends_with(".lens.yaml")
                || name.ends_with(".lens.yml")
                || name.ends_with(".lens.json")
        })
        .map(|path| {
            let text = read(&path);
            (path, text)
        })
        .collect();
    files.sort();
    assert!(
        files.len() >= 3,
        "example lenses missing in {}",
        dir.display()
    );
    files
}

/// A YAML document as the JSON the schema sees: scalar mapping keys become their text.
fn yaml_to_json(value: serde_yaml_ng::Value) -> Value {
    use serde_yaml_ng::Value as Y;
    match value {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => serde_json::to_value(&n).unwrap(),
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => Value::Array(items.into_iter().map(yaml_to_json).collect()),
        Y::Mapping(map) => Value::Object(
            map.into_iter()
                .map(|(key, value)| {
                    let key = match yaml_to_json(key) {
                        Value::String(s) => s,
                        other => other.to_string(),
                    };
                    (key, yaml_to_json(value))
                })
                .collect(),
        ),
        Y::Tagged(tagged) => yaml_to_json(tagged.value),
    }
}

fn schema() -> CompiledSchema {
    let schema: Value = serde_json::from_str(LENS_SCHEMA).expect("lens.schema.json is JSON");
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    CompiledSchema::compile(&schema).expect("lens.schema.json is a valid JSON Schema")
}

#[test]
fn every_example_lens_parses_and_matches_the_schema() {
    let schema = schema();
    for (path, text) in example_lenses() {
        let lens = Lens::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(!lens.is_empty(), "{}", path.display());
        let value = yaml_to_json(serde_yaml_ng::from_str(&text).unwrap());
        let problems = schema.validate(&value);
        assert!(problems.is_empty(), "{}: {problems:?}", path.display());
    }
}

#[test]
fn the_schema_refuses_malformed_lenses_the_parser_refuses() {
    let schema = schema();
    let malformed = [
        "lens:\n  - renam: { source: a, destination: b }",
        "lens:\n  - rename: { source: a, destination: b, dest: c }",
        "lens:\n  - rename: { source: a }",
        "lens:\n  - wrap: { name: '' }",
        "lens:\n  - add: { name: a }",
        "lens:\n  - rename: { source: a, destination: b }\n    wrap: { name: c }",
        "lens:\n  - map: { lens: [] }",
        "lens:\n  - in: { name: a, lens: [ { head: {} } ] }",
        "lens:\n  - convert: { name: m, mapping: [] }",
        "lens:\n  - convert: { name: m, mapping: [ {a: b}, {b: a}, {} ] }",
        "lens: {}",
        "lens: []\nversion: 2",
        "description: no lens",
        "lens:\n  - add: { name: a, type: [] }",
        "lens:\n  - add: { name: a, type: [string, string] }",
        "lens:\n  - add: { name: a, type: array, items: { default: 1 } }",
        "lens:\n  - convert: { name: m, mapping: [ {a: b} ], sourceType: text }",
        "lens:\n  - in: { name: a, lens: [ { map: { lens: [], list: 1 } } ] }",
        "schemaName: [Issue]\nlens: []",
    ];
    for text in malformed {
        assert!(Lens::parse(text).is_err(), "parser accepted {text}");
        let value = yaml_to_json(serde_yaml_ng::from_str(text).unwrap());
        assert!(!schema.is_valid(&value), "schema accepted {text}");
    }
}

/// Cambria's forms pass both the parser and the schema.
#[test]
fn the_schema_accepts_cambria_forms() {
    let schema = schema();
    let cambria = [
        "schemaName: Issue\nlens:\n  -\n  - remove: { name: milestone }",
        "lens:\n  - in: { name: tasks, lens: [ { map: { lens: [ { rename: { source: a, destination: b } } ] } } ] }",
        "lens:\n  - map: { name: rows, lens: [ { map: { lens: [ { wrap: { name: v } } ] } } ] }",
        "lens:\n  - add: { name: a, type: [string, null] }\n  - add: { name: b, type: null }",
        "lens:\n  - add: { name: t, type: array, items: { type: object }, default: [], required: true }",
        "lens:\n  - convert: { name: c, sourceType: boolean, destinationType: string, mapping: [ { false: todo, true: done }, { todo: false, done: true } ] }",
    ];
    for text in cambria {
        Lens::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        let value = yaml_to_json(serde_yaml_ng::from_str(text).unwrap());
        let problems = schema.validate(&value);
        assert!(problems.is_empty(), "{text}: {problems:?}");
    }
}

/// A fenced block of `docs/lenses.md`: its info string (`yaml`, `json before`, ...) and text.
struct Block {
    info: String,
    text: String,
    line: usize,
}

fn fenced_blocks(markdown: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut open: Option<Block> = None;
    for (index, line) in markdown.lines().enumerate() {
        let trimmed = line.trim_start();
        match (&mut open, trimmed.strip_prefix("```")) {
            (None, Some(info)) => {
                open = Some(Block {
                    info: info.trim().to_owned(),
                    text: String::new(),
                    line: index + 1,
                })
            }
            (Some(_), Some(_)) => blocks.extend(open.take()),
            (Some(block), None) => {
                block.text.push_str(line);
                block.text.push('\n');
            }
            (None, None) => {}
        }
    }
    assert!(open.is_none(), "unclosed code block");
    blocks
}

/// Every `yaml` block of the docs is a lens; a `json before` and `json after` pair that
/// follows it is checked up (before -> after) and down (after -> before, or -> the `json down`
/// block when the lens loses information).
#[test]
fn every_example_in_the_docs_parses_and_does_what_it_says() {
    let docs = read(&repo("docs/lenses.md"));
    let mut lens: Option<Lens> = None;
    let mut before: Option<Value> = None;
    let mut pending: Option<(Value, Value, usize)> = None; // (before, after, line) awaiting `down`
    let mut lenses = 0;
    let mut checked = 0;
    let settle =
        |pending: &mut Option<(Value, Value, usize)>, lens: &Option<Lens>, down: Option<Value>| {
            if let Some((before, after, line)) = pending.take() {
                let lens = lens.as_ref().unwrap();
                let expected = down.unwrap_or(before);
                let got = lens
                    .apply(after, Down)
                    .unwrap_or_else(|e| panic!("docs line {line}: {e}"));
                assert_eq!(got, expected, "docs line {line}: down");
            }
        };
    for block in fenced_blocks(&docs) {
        let at = block.line;
        let json = || -> Value {
            serde_json::from_str(&block.text).unwrap_or_else(|e| panic!("docs line {at}: {e}"))
        };
        match block.info.as_str() {
            "yaml" => {
                settle(&mut pending, &lens, None);
                let parsed =
                    Lens::parse(&block.text).unwrap_or_else(|e| panic!("docs line {at}: {e}"));
                lens = Some(parsed);
                lenses += 1;
            }
            "json before" => {
                settle(&mut pending, &lens, None);
                before = Some(json());
            }
            "json after" => {
                let input = before
                    .take()
                    .unwrap_or_else(|| panic!("docs line {at}: no `json before`"));
                let current = lens
                    .as_ref()
                    .unwrap_or_else(|| panic!("docs line {at}: no lens"));
                let got = current
                    .apply(input.clone(), Up)
                    .unwrap_or_else(|e| panic!("docs line {at}: {e}"));
                assert_eq!(got, json(), "docs line {at}: up");
                pending = Some((input, got, at));
                checked += 1;
            }
            "json down" => {
                assert!(
                    pending.is_some(),
                    "docs line {at}: `json down` without `json after`"
                );
                settle(&mut pending, &lens, Some(json()));
            }
            _ => settle(&mut pending, &lens, None),
        }
    }
    settle(&mut pending, &lens, None);
    assert!(
        lenses >= 10 && checked >= 10,
        "{lenses} lenses, {checked} examples"
    );
}

/// The benchmark's lens on its config gives `expected.json`, the output JSONata must match too.
#[test]
fn bench_lens_gives_the_expected_output() {
    let lens = Lens::parse(&read(&repo("examples/migrations/bench.lens.yaml"))).unwrap();
    assert_eq!(lens.len(), 8);
    let config: Value = serde_json::from_str(&read(&repo("loadtest/jsonata/config.json"))).unwrap();
    let expected: Value =
        serde_json::from_str(&read(&repo("loadtest/jsonata/expected.json"))).unwrap();
    let output = lens.apply(config.clone(), Up).unwrap();
    assert_eq!(output, expected);
    assert_eq!(lens.apply(output, Down).unwrap(), config);
}

/// The error lines shown in `docs/lenses.md` are what the code says.
#[test]
fn docs_error_messages_are_real() {
    let docs = read(&repo("docs/lenses.md"));
    let parse_errors = [
        "lens:\n  - add: { name: retries, default: 3 }\n  - renam: { source: timeout, destination: timeout_ms }",
        "lens:\n  - rename: { source: a, dest: b }",
        "lens:\n  - wrap: { name: \"\" }",
        "lens:\n  - rename: { source: a, destination: b }\n    add: { name: c, default: 1 }",
    ];
    let mut shown = Vec::new();
    for text in parse_errors {
        shown.push(Lens::parse(text).unwrap_err().to_string());
    }
    let lens = Lens::parse(&read(&repo(
        "examples/migrations/payment-service.1-to-2.lens.yaml",
    )))
    .unwrap();
    let apply_errors = [
        (serde_json::json!({"database": "db.internal:5432"}), Up),
        (
            serde_json::json!({"database": {"host": "a", "hostname": "b"}}),
            Up,
        ),
        (
            serde_json::json!({"endpoints": [{}, {}, "https://a.example"]}),
            Up,
        ),
        (serde_json::json!({"mode": "turbo"}), Down),
        (
            serde_json::json!({"port": 5432, "database": "db.internal"}),
            Down,
        ),
    ];
    for (doc, direction) in apply_errors {
        shown.push(lens.apply(doc, direction).unwrap_err().to_string());
    }
    let missing: Vec<String> = shown
        .into_iter()
        .filter(|line| !docs.contains(&format!("\n{line}\n")))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/lenses.md does not show:\n{}",
        missing.join("\n")
    );
}

fn yaml_text(value: &serde_yaml_ng::Value) -> String {
    serde_yaml_ng::to_string(value).unwrap()
}

/// Cambria's own test cases (`backend/migrate/fixtures/cambria-cases.yaml`, each naming the
/// Cambria test it comes from), on whole documents: up(before) is after, and down(after) is
/// `down`, or before.
#[test]
fn cambria_cases_behave_as_in_cambria() {
    let text = read(&repo("backend/migrate/fixtures/cambria-cases.yaml"));
    let cases: Vec<serde_yaml_ng::Value> = serde_yaml_ng::from_str(&text).unwrap();
    let mut ran = 0;
    for case in &cases {
        let name = case["test"]
            .as_str()
            .expect("every case names its Cambria test");
        // The lens keeps its YAML (typed table keys): written back out as a lens file.
        let mut file = serde_yaml_ng::Mapping::new();
        file.insert("lens".into(), case["lens"].clone());
        let lens = Lens::parse(&yaml_text(&serde_yaml_ng::Value::Mapping(file)))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let doc = |key: &str| case.get(key).map(|v| yaml_to_json(v.clone()));
        let after = doc("after").unwrap_or_else(|| panic!("{name}: no `after`"));
        let before = doc("before");
        if let Some(before) = &before {
            let got = lens
                .apply(before.clone(), Up)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(got, after, "{name}: up");
        }
        let expected = doc("down")
            .or(before)
            .unwrap_or_else(|| panic!("{name}: neither `before` nor `down`"));
        let got = lens
            .apply(after, Down)
            .unwrap_or_else(|e| panic!("{name}: down: {e}"));
        assert_eq!(got, expected, "{name}: down");
        ran += 1;
    }
    assert!(ran >= 35, "{ran} cases");
}

/// Cambria's demo lens (examples/migrations/github-arthropod.lens.yaml, unchanged) on Cambria's
/// test issue gives what Cambria gives (`github-issue.arthropod.json`, Cambria's own output),
/// and the test's expectation ("github-arthropod.ts > renaming title, and hoisting label name
/// to category > converts the doc forwards": the issue with `title` as `name` and the first
/// label's name as `category`) holds for the fields that lens keeps.
#[test]
fn cambria_demo_lens_gives_cambria_output_and_round_trips() {
    let lens = Lens::parse(&read(&repo(
        "examples/migrations/github-arthropod.lens.yaml",
    )))
    .unwrap();
    assert_eq!(lens.schema_name(), Some("Issue"));
    let issue: Value =
        serde_json::from_str(&read(&repo("backend/migrate/fixtures/github-issue.json"))).unwrap();
    let cambria: Value = serde_json::from_str(&read(&repo(
        "backend/migrate/fixtures/github-issue.arthropod.json",
    )))
    .unwrap();
    let arthropod = lens.apply(issue.clone(), Up).unwrap();
    assert_eq!(arthropod, cambria);
    assert_eq!(arthropod["name"], issue["title"]);
    assert_eq!(arthropod["category"], issue["labels"][0]["name"]);
    assert!(arthropod.get("labels").is_none() && arthropod.get("title").is_none());

    // Down then up gives an Arthropod issue back unchanged (Cambria cannot run this lens down).
    let edited = serde_json::json!({"name": "Changed the name", "category": "Bug", "id": 1});
    let github = lens.apply(edited.clone(), Down).unwrap();
    assert_eq!(
        github,
        serde_json::json!({"title": "Changed the name", "labels": [{"name": "Bug"}], "id": 1})
    );
    assert_eq!(lens.apply(github.clone(), Up).unwrap(), edited);
    // And up then down gives back an issue holding only what the lens keeps.
    assert_eq!(
        lens.apply(arthropod, Down).unwrap()["labels"],
        serde_json::json!([{"name": "bug"}])
    );
}

/// Cambria's `test/github-arthropod.ts` lens, whose last `remove` has a type: down restores
/// `labels` as null first, which the plunge then fills.
#[test]
fn cambria_github_arthropod_test_lens() {
    let lens = Lens::parse(
        "lens:\n  - rename: { source: title, destination: name }\n  - head: { name: labels }\n  - in: { name: labels, lens: [ { rename: { source: name, destination: category } } ] }\n  - hoist: { host: labels, name: category }\n  - remove: { name: labels, type: [object, null] }\n",
    )
    .unwrap();
    let issue: Value =
        serde_json::from_str(&read(&repo("backend/migrate/fixtures/github-issue.json"))).unwrap();
    // "converts the doc forwards": { ...rest, name: title, category: labels[0].name }.
    let mut expected = issue.as_object().unwrap().clone();
    let title = expected.remove("title").unwrap();
    let labels = expected.remove("labels").unwrap();
    expected.insert("name".into(), title);
    expected.insert("category".into(), labels[0]["name"].clone());
    assert_eq!(lens.apply(issue, Up).unwrap(), Value::Object(expected));
    // "converts the doc backwards, merging with the original doc": without the merge (lenses
    // here do not merge into a base document), what the lens itself gives.
    let back = lens
        .apply(
            serde_json::json!({"name": "Changed the name", "category": "Bug"}),
            Down,
        )
        .unwrap();
    assert_eq!(
        back,
        serde_json::json!({"title": "Changed the name", "labels": [{"name": "Bug"}]})
    );
}
