//! Version ranges (the right-hand side of a constraint): `VersionRange::parse` of a text, the
//! first byte naming the scheme (`0` semver, `1` date, `2` git), and `matches` against the
//! version after a NUL.
//!
//! Properties: a range's canonical text (its `Display`) parses back to an equal range, whose
//! text is the same again, and which matches the same versions; a range only matches versions
//! of its own scheme.
#![no_main]

use libfuzzer_sys::fuzz_target;
use versiqii_core::graph::range::VersionRange;
use versiqii_core::version::{Scheme, Version};
use versiqii_fuzz::split;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, data)) = data.split_first() else {
        return;
    };
    let scheme =
        [Scheme::Semver, Scheme::Date, Scheme::Git][usize::from(selector.wrapping_sub(b'0') % 3)];
    let (range, version) = split(data);
    let (Ok(range), Ok(version)) = (std::str::from_utf8(range), std::str::from_utf8(version))
    else {
        return;
    };
    let Ok(range) = VersionRange::parse(range, scheme) else {
        return;
    };
    assert_eq!(range.scheme(), scheme);
    let text = range.to_string();
    let again = match VersionRange::parse(&text, scheme) {
        Ok(again) => again,
        Err(e) => panic!("the canonical text {text:?} does not parse: {e}"),
    };
    assert_eq!(again, range, "{text:?} parses to another range");
    assert_eq!(again.to_string(), text);
    let version = Version::parse(version, Some(scheme)).or_else(|_| Version::parse(version, None));
    if let Ok(version) = version {
        let matched = range.matches(&version);
        assert_eq!(matched, again.matches(&version), "{text:?} on {version}");
        if matched {
            assert_eq!(version.scheme(), scheme);
        }
    }
});
