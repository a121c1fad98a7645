//! Levels: parsing, direction, transitivity, and the report they produce.

use crate::compat::{check, CompatLevel, CompatReport};
use serde_json::{json, Value};

#[test]
fn levels_parse_case_insensitively_and_round_trip() {
    for level in CompatLevel::ALL {
        assert_eq!(level.as_str().parse::<CompatLevel>(), Ok(level));
        assert_eq!(
            level.as_str().to_lowercase().parse::<CompatLevel>(),
            Ok(level)
        );
        assert_eq!(level.to_string(), level.as_str());
        let json = serde_json::to_value(level).unwrap();
        assert_eq!(json, json!(level.as_str()));
        assert_eq!(serde_json::from_value::<CompatLevel>(json).unwrap(), level);
    }
    assert_eq!(
        "Full_Transitive".parse::<CompatLevel>(),
        Ok(CompatLevel::FullTransitive)
    );
    assert_eq!(CompatLevel::default(), CompatLevel::Backward);
}

#[test]
fn unknown_levels_list_the_valid_ones() {
    let err = "sideways".parse::<CompatLevel>().unwrap_err().to_string();
    assert!(err.contains("sideways"), "{err}");
    for level in CompatLevel::ALL {
        assert!(err.contains(level.as_str()), "{err}");
    }
}

fn max(n: u64) -> Value {
    json!({"type": "object", "properties": {"port": {"type": "integer", "maximum": n}}})
}

fn pointers_rules_against(report: &CompatReport) -> Vec<(&str, &str, &str)> {
    report
        .breaks
        .iter()
        .map(|b| (b.pointer.as_str(), b.rule.as_str(), b.against.as_str()))
        .collect()
}

#[test]
fn empty_history_is_compatible_at_every_level() {
    for level in CompatLevel::ALL {
        let report = check(level, &[], &max(5));
        assert!(report.compatible && report.breaks.is_empty(), "{level}");
        assert!(report.checked_against.is_empty());
        assert_eq!(report.level, level);
    }
}

#[test]
fn none_checks_nothing() {
    let (v1, new) = (max(10), json!(false));
    let report = check(CompatLevel::None, &[("v1", &v1)], &new);
    assert!(report.compatible);
    assert!(report.checked_against.is_empty() && report.breaks.is_empty());
}

#[test]
fn backward_and_forward_point_in_opposite_directions() {
    let (v1, tighter) = (max(10), max(5));
    let backward = check(CompatLevel::Backward, &[("v1", &v1)], &tighter);
    assert!(!backward.compatible);
    assert_eq!(
        pointers_rules_against(&backward),
        [("/port", "maximum-decreased", "v1")]
    );
    assert_eq!(
        backward.breaks[0].message,
        "Version v1 allows numbers up to 10, but the new schema sets `maximum` to 5."
    );
    assert!(check(CompatLevel::Forward, &[("v1", &v1)], &tighter).compatible);

    let looser = max(20);
    assert!(check(CompatLevel::Backward, &[("v1", &v1)], &looser).compatible);
    let forward = check(CompatLevel::Forward, &[("v1", &v1)], &looser);
    assert_eq!(
        pointers_rules_against(&forward),
        [("/port", "maximum-decreased", "v1")]
    );
    assert_eq!(
        forward.breaks[0].message,
        "The new schema allows numbers up to 20, but version v1 sets `maximum` to 10."
    );
}

#[test]
fn forward_reports_a_field_the_new_schema_requires_the_other_way_round() {
    let v1 = json!({"type": "object", "properties": {"a": {}}, "required": ["a"]});
    let new = json!({"type": "object", "properties": {"a": {}}});
    assert!(check(CompatLevel::Backward, &[("v1", &v1)], &new).compatible);
    let forward = check(CompatLevel::Forward, &[("v1", &v1)], &new);
    assert_eq!(
        pointers_rules_against(&forward),
        [("/a", "required-added", "v1")]
    );
    assert_eq!(
        forward.breaks[0].message,
        "Version v1 requires property `a`, which the new schema does not require."
    );
}

#[test]
fn full_checks_both_directions() {
    let v1 = json!({"enum": ["a", "b"]});
    let new = json!({"enum": ["a", "c"]});
    let full = check(CompatLevel::Full, &[("v1", &v1)], &new);
    assert_eq!(
        pointers_rules_against(&full),
        [
            ("", "enum-value-removed", "v1"),
            ("", "enum-value-removed", "v1")
        ]
    );
    let messages: Vec<&str> = full.breaks.iter().map(|b| b.message.as_str()).collect();
    assert!(messages.iter().any(|m| m.contains("\"b\"")), "{messages:?}");
    assert!(messages.iter().any(|m| m.contains("\"c\"")), "{messages:?}");

    let widened = json!({"enum": ["a", "b", "c"]});
    assert!(check(CompatLevel::Backward, &[("v1", &v1)], &widened).compatible);
    assert!(!check(CompatLevel::Full, &[("v1", &v1)], &widened).compatible);
    assert!(check(CompatLevel::Full, &[("v1", &v1)], &v1).compatible);
}

/// v2 was registered under NONE and broke v1; v3 is fine against v2 but not against v1.
fn broken_history() -> (Value, Value, Value) {
    (max(100), max(5), max(10))
}

#[test]
fn transitive_levels_check_every_earlier_version() {
    let (v1, v2, v3) = broken_history();
    let history = [("v1", &v1), ("v2", &v2)];

    let latest = check(CompatLevel::Backward, &history, &v3);
    assert!(latest.compatible);
    assert_eq!(latest.checked_against, ["v2"]);

    let all = check(CompatLevel::BackwardTransitive, &history, &v3);
    assert!(!all.compatible);
    assert_eq!(all.checked_against, ["v1", "v2"]);
    assert_eq!(
        pointers_rules_against(&all),
        [("/port", "maximum-decreased", "v1")]
    );

    let full = check(CompatLevel::FullTransitive, &history, &v3);
    assert_eq!(
        pointers_rules_against(&full),
        [
            ("/port", "maximum-decreased", "v1"),
            ("/port", "maximum-decreased", "v2")
        ]
    );
    assert!(check(CompatLevel::Full, &history, &v3)
        .breaks
        .iter()
        .all(|b| b.against == "v2"));

    let forward = check(
        CompatLevel::ForwardTransitive,
        &[("v1", &v2), ("v2", &v1)],
        &v3,
    );
    assert_eq!(
        pointers_rules_against(&forward),
        [("/port", "maximum-decreased", "v1")]
    );
    assert!(check(CompatLevel::Forward, &[("v1", &v2), ("v2", &v1)], &v3).compatible);
}

#[test]
fn breaks_sort_by_pointer_then_rule_then_version() {
    let v1 = json!({"properties": {"b": {"type": "number"}, "a": {"maxLength": 9}}});
    let v2 = json!({"properties": {"b": {"type": "number", "maximum": 3}, "a": {"maxLength": 8}}});
    let new =
        json!({"properties": {"b": {"type": "integer", "maximum": 2}, "a": {"maxLength": 1}}});
    let report = check(
        CompatLevel::BackwardTransitive,
        &[("v1", &v1), ("v2", &v2)],
        &new,
    );
    assert_eq!(
        pointers_rules_against(&report),
        [
            ("/a", "max-length-decreased", "v1"),
            ("/a", "max-length-decreased", "v2"),
            ("/b", "maximum-decreased", "v1"),
            ("/b", "maximum-decreased", "v2"),
            ("/b", "type-narrowed", "v1"),
            ("/b", "type-narrowed", "v2"),
        ]
    );
}

#[test]
fn the_report_serialises_with_stable_field_names() {
    let (v1, new) = (max(10), max(5));
    let report = check(CompatLevel::Backward, &[("v1", &v1)], &new);
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["level"], "BACKWARD");
    assert_eq!(json["compatible"], false);
    assert_eq!(json["checked_against"], json!(["v1"]));
    assert_eq!(json["breaks"][0]["pointer"], "/port");
    assert_eq!(json["breaks"][0]["rule"], "maximum-decreased");
    assert_eq!(json["breaks"][0]["against"], "v1");
    let back: CompatReport = serde_json::from_value(json).unwrap();
    assert_eq!(back, report);
}
