//! Target versions: `Version::parse` of two texts, the first byte naming the scheme (`0`
//! detects, `1` semver, `2` git, `3` date) and a NUL between the texts.
//!
//! Properties: a version's text parses back to the same version under its scheme (and under
//! detection, to the scheme detection chose); comparison is reflexive and antisymmetric, and
//! total within a scheme other than git.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::cmp::Ordering;
use versiqii_core::version::{Scheme, Version};
use versiqii_fuzz::split;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, data)) = data.split_first() else {
        return;
    };
    let scheme = [
        None,
        Some(Scheme::Semver),
        Some(Scheme::Git),
        Some(Scheme::Date),
    ][usize::from(selector % 4)];
    let (text, other) = split(data);
    let (Ok(text), Ok(other)) = (std::str::from_utf8(text), std::str::from_utf8(other)) else {
        return;
    };
    let Ok(version) = Version::parse(text, scheme) else {
        return;
    };
    match scheme {
        Some(named) => assert_eq!(version.scheme(), named),
        None => assert_eq!(
            Version::parse(text, Some(version.scheme())).as_ref(),
            Ok(&version),
            "detection and naming disagree"
        ),
    }
    let shown = version.to_string();
    assert_eq!(
        Version::parse(&shown, Some(version.scheme())),
        Ok(version.clone()),
        "{shown:?} does not parse back"
    );
    assert_eq!(version.compare(&version), Some(Ordering::Equal));

    if let Ok(other) = Version::parse(other, Some(version.scheme())) {
        let there = version.compare(&other);
        let back = other.compare(&version);
        assert_eq!(there, back.map(Ordering::reverse), "{version} vs {other}");
        if version.scheme() != Scheme::Git {
            assert!(there.is_some(), "{version} and {other} do not compare");
        }
    }
});
