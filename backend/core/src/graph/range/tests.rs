use super::*;
use proptest::prelude::*;

fn semver(text: &str) -> Version {
    Version::parse(text, Some(Scheme::Semver)).unwrap()
}

fn date(text: &str) -> Version {
    Version::parse(text, Some(Scheme::Date)).unwrap()
}

fn git(text: &str) -> Version {
    Version::parse(text, Some(Scheme::Git)).unwrap()
}

/// (range, versions it matches, versions it does not)
const SEMVER_TABLE: &[(&str, &[&str], &[&str])] = &[
    // cargo forms
    (">=1.5, <2", &["1.5.0", "1.9.9"], &["1.4.9", "2.0.0"]),
    (">= 1.5 , < 2", &["1.5.0"], &["2.0.0"]),
    ("^1.2", &["1.2.0", "1.99.0"], &["1.1.9", "2.0.0"]),
    ("^0.2.3", &["0.2.3", "0.2.9"], &["0.3.0"]),
    ("~1.2.3", &["1.2.3", "1.2.9"], &["1.3.0", "1.2.2"]),
    ("=1.2.3", &["1.2.3"], &["1.2.4"]),
    ("1.2.3", &["1.2.3", "1.9.0"], &["2.0.0", "1.2.2"]),
    ("1.2.*", &["1.2.0", "1.2.7"], &["1.3.0"]),
    ("*", &["0.0.1", "99.0.0"], &["1.0.0-rc.1"]),
    (
        ">=1.0.0-rc.1",
        &["1.0.0-rc.2", "1.0.0", "3.0.0"],
        &["1.0.1-beta"],
    ),
    // npm forms
    (">=1.2.3 <2.0.0", &["1.2.3", "1.5.0"], &["2.0.0", "1.2.2"]),
    ("1.2.3 - 2.0.0", &["1.2.3", "2.0.0"], &["2.0.1", "1.2.2"]),
    ("1.2 - 2", &["1.2.0", "2.9.9"], &["3.0.0", "1.1.9"]),
    ("^1 || ^3", &["1.0.0", "3.4.5"], &["2.0.0", "4.0.0"]),
    (
        "<1.0.0 || >=2.0.0 <2.1.0 || =3.0.0",
        &["0.9.0", "2.0.5", "3.0.0"],
        &["1.0.0", "2.1.0", "3.0.1"],
    ),
    ("1.2.x", &["1.2.0", "1.2.9"], &["1.3.0"]),
    ("1.x", &["1.0.0", "1.9.0"], &["2.0.0"]),
    ("X", &["5.0.0"], &[]),
    ("* >=1.2", &["1.2.0"], &["1.1.0"]),
    (">=1.x", &["1.0.0", "2.0.0"], &["0.9.0"]),
];

#[test]
fn semver_ranges_match_as_cargo_and_npm_say() {
    for (text, yes, no) in SEMVER_TABLE {
        let range = VersionRange::parse(text, Scheme::Semver)
            .unwrap_or_else(|e| panic!("`{text}` should parse: {e}"));
        for v in *yes {
            assert!(range.matches(&semver(v)), "`{text}` should match {v}");
        }
        for v in *no {
            assert!(!range.matches(&semver(v)), "`{text}` should not match {v}");
        }
    }
}

#[test]
fn bad_semver_ranges_are_refused_with_a_reason() {
    for text in [
        "",
        "   ",
        ">=",
        "1.2.3 -",
        "- 1.2",
        ">=1 - 2",
        "1 - 2 - 3",
        "^1 ||",
        "abc",
        "1.2.3.4",
        ">=1.0.0-",
    ] {
        let err = VersionRange::parse(text, Scheme::Semver);
        assert!(err.is_err(), "`{text}` should be refused, got {err:?}");
        assert!(!err.unwrap_err().to_string().is_empty());
    }
    let long = "1".repeat(MAX_RANGE_LEN + 1);
    assert_eq!(
        VersionRange::parse(&long, Scheme::Semver),
        Err(RangeError::TooLong)
    );
}

#[test]
fn date_ranges_are_exact_dates_or_intervals() {
    let exact = VersionRange::parse("2025-07-03", Scheme::Date).unwrap();
    assert!(exact.matches(&date("2025-07-03")));
    assert!(!exact.matches(&date("2025-07-04")));
    assert_eq!(
        VersionRange::parse("=2025-07-03", Scheme::Date).unwrap(),
        exact
    );

    let year = VersionRange::parse(">=2025-01-01, <2026-01-01", Scheme::Date).unwrap();
    assert!(year.matches(&date("2025-01-01")));
    assert!(year.matches(&date("2025-12-31")));
    assert!(!year.matches(&date("2026-01-01")));
    assert!(!year.matches(&date("2024-12-31")));
    assert_eq!(year.to_string(), ">=2025-01-01, <2026-01-01");

    let open = VersionRange::parse("> 2025-06-30", Scheme::Date).unwrap();
    assert!(open.matches(&date("2025-07-01")));
    assert!(!open.matches(&date("2025-06-30")));
    assert!(VersionRange::parse("*", Scheme::Date)
        .unwrap()
        .matches(&date("1999-01-01")));

    for bad in [
        "2025-02-30",
        "2025-7-3",
        ">=2025-01-01 || <2020-01-01",
        "~2025-01-01",
    ] {
        assert!(VersionRange::parse(bad, Scheme::Date).is_err(), "{bad}");
    }
}

#[test]
fn git_ranges_are_one_sha_or_a_prefix_of_it() {
    let full = "9fceb02d0ae598e95dc970b74767f19372d61af8";
    let short = VersionRange::parse("9FCEB02", Scheme::Git).unwrap();
    assert!(short.matches(&git(full)));
    assert!(short.matches(&git("9fceb02")));
    assert!(!short.matches(&git("9fceb03d0ae598e")));

    let long = VersionRange::parse(&format!("={full}"), Scheme::Git).unwrap();
    assert!(long.matches(&git("9fceb02d")), "a version registered short");
    assert!(!long.matches(&Version::Git(String::new())));
    assert_eq!(long.to_string(), full);

    for bad in ["9fceb0", "xyz1234", ">=9fceb02", "9fceb02 || abcdef0"] {
        assert!(VersionRange::parse(bad, Scheme::Git).is_err(), "{bad}");
    }
}

#[test]
fn a_range_never_matches_another_scheme() {
    let semver_range = VersionRange::parse("*", Scheme::Semver).unwrap();
    assert!(!semver_range.matches(&date("2025-01-01")));
    assert!(!VersionRange::any(Scheme::Date).matches(&semver("1.0.0")));
    assert!(!VersionRange::any(Scheme::Git).matches(&semver("1.0.0")));
    assert_eq!(VersionRange::any(Scheme::Git).scheme(), Scheme::Git);
}

/// Found by the `range` fuzz target: a range within the cap as written whose canonical text
/// (the one stored, and parsed again when the graph loads) was over it, so the stored
/// constraint could not be read back.
#[test]
fn a_range_whose_canonical_text_is_over_the_cap_is_refused() {
    // Alternatives of twenty bare zeros each (semver allows 32 comparators to a set).
    let zeros = |n: usize| vec![vec!["0"; 20].join(" "); n].join(" || ");
    // 856 characters as written, 1,636 as `^0, ^0, ... || ...`.
    let long = zeros(20);
    assert!(long.len() <= MAX_RANGE_LEN);
    assert_eq!(
        VersionRange::parse(&long, Scheme::Semver).map(|r| r.to_string().len()),
        Err(RangeError::TooLong)
    );
    // Ten of them are 816 characters in canonical form: accepted, and they read back.
    let range = VersionRange::parse(&zeros(10), Scheme::Semver).unwrap();
    let canonical = range.to_string();
    assert!(canonical.len() <= MAX_RANGE_LEN, "{}", canonical.len());
    assert_eq!(VersionRange::parse(&canonical, Scheme::Semver), Ok(range));
}

#[test]
fn display_is_canonical_and_round_trips() {
    let cases = [
        (Scheme::Semver, ">= 1.5 ,< 2", ">=1.5, <2"),
        (Scheme::Semver, "1.2.3 - 2", ">=1.2.3, <=2"),
        (Scheme::Semver, "^1||~2.1  ", "^1 || ~2.1"),
        (Scheme::Semver, "1.2.3", "^1.2.3"),
        (Scheme::Semver, "1.2.x", "1.2.*"),
        (Scheme::Semver, "x", "*"),
        (Scheme::Date, "2025-07-03", "=2025-07-03"),
        (Scheme::Git, "=ABCDEF0", "abcdef0"),
    ];
    for (scheme, text, canonical) in cases {
        let range = VersionRange::parse(text, scheme).unwrap();
        assert_eq!(range.to_string(), canonical);
        assert_eq!(VersionRange::parse(canonical, scheme).unwrap(), range);
    }
}

fn cargo_comparator() -> impl Strategy<Value = String> {
    let op = prop::sample::select(vec!["", "=", ">", ">=", "<", "<=", "~", "^"]);
    let version = prop_oneof![
        (0u64..4).prop_map(|a| a.to_string()),
        (0u64..4, 0u64..4).prop_map(|(a, b)| format!("{a}.{b}")),
        (0u64..4, 0u64..4, 0u64..4).prop_map(|(a, b, c)| format!("{a}.{b}.{c}")),
        (0u64..4, 0u64..4, 0u64..4).prop_map(|(a, b, c)| format!("{a}.{b}.{c}-rc.1")),
        (0u64..4, 0u64..4).prop_map(|(a, b)| format!("{a}.{b}.*")),
    ];
    (op, version).prop_map(|(op, v)| {
        // cargo writes a wildcard without an operator
        if v.ends_with('*') {
            v
        } else {
            format!("{op}{v}")
        }
    })
}

fn any_semver() -> impl Strategy<Value = semver::Version> {
    (0u64..5, 0u64..5, 0u64..5, prop::bool::ANY).prop_map(|(a, b, c, pre)| {
        let text = if pre {
            format!("{a}.{b}.{c}-rc.1")
        } else {
            format!("{a}.{b}.{c}")
        };
        semver::Version::parse(&text).unwrap()
    })
}

proptest! {
    #[test]
    fn parse_never_panics(text in "\\PC{0,80}", scheme in prop::sample::select(vec![Scheme::Semver, Scheme::Date, Scheme::Git])) {
        if let Ok(range) = VersionRange::parse(&text, scheme) {
            // and whatever parses round-trips through its display
            prop_assert_eq!(VersionRange::parse(&range.to_string(), scheme), Ok(range));
        }
    }

    #[test]
    fn parse_never_panics_on_range_like_text(text in "[0-9xX*.^~<>=|, -]{0,40}") {
        if let Ok(range) = VersionRange::parse(&text, Scheme::Semver) {
            prop_assert_eq!(VersionRange::parse(&range.to_string(), Scheme::Semver), Ok(range));
        }
    }

    #[test]
    fn matches_agrees_with_cargo_on_cargo_syntax(
        comparators in prop::collection::vec(cargo_comparator(), 1..4),
        versions in prop::collection::vec(any_semver(), 1..20),
    ) {
        let text = comparators.join(", ");
        let cargo = semver::VersionReq::parse(&text);
        let ours = VersionRange::parse(&text, Scheme::Semver);
        prop_assert_eq!(cargo.is_ok(), ours.is_ok(), "{}", text);
        if let (Ok(cargo), Ok(ours)) = (cargo, ours) {
            for value in versions {
                let version = Version::Semver { text: value.to_string(), value: value.clone() };
                prop_assert_eq!(ours.matches(&version), cargo.matches(&value), "{} on {}", text, value);
            }
        }
    }
}
