//! Schema compatibility: the schema before the first NUL as the earlier version, the one after
//! it (or the same schema) as the new one, checked at a level the first byte picks.
//!
//! Properties: a valid schema is compatible with itself; a report is compatible exactly when
//! it has no breaks, which are sorted and free of duplicates; a non-transitive check against
//! one earlier version reports, for the backward direction, what `backward_breaks` does.
#![no_main]

use libfuzzer_sys::fuzz_target;
use versiqii_core::compat::{backward_breaks, check, CompatLevel};
use versiqii_core::schema::CompiledSchema;
use versiqii_fuzz::{schema, split};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, data)) = data.split_first() else {
        return;
    };
    let level = CompatLevel::ALL[usize::from(selector) % CompatLevel::ALL.len()];
    let (old_bytes, new_bytes) = split(data);
    let Some(old) = schema(old_bytes) else {
        return;
    };
    let new = if new_bytes.is_empty() {
        old.clone()
    } else {
        match schema(new_bytes) {
            Some(new) => new,
            None => return,
        }
    };

    for one in [&old, &new] {
        let breaks = backward_breaks(one, one);
        // Only schemas the registry accepts have to pass: compiling is the slow part, so only
        // when there is something to explain.
        if !breaks.is_empty() && CompiledSchema::compile(one).is_ok() {
            panic!("a schema breaks itself: {breaks:?}");
        }
    }

    let report = check(level, &[("1", &old)], &new);
    assert_eq!(report.compatible, report.breaks.is_empty());
    assert_eq!(
        report.checked_against.len(),
        usize::from(level != CompatLevel::None)
    );
    for pair in report.breaks.windows(2) {
        let key = |b: &versiqii_core::compat::Break| (b.pointer.clone(), b.rule.clone());
        assert!(
            key(&pair[0]) <= key(&pair[1]),
            "breaks out of order: {pair:?}"
        );
        assert_ne!(pair[0], pair[1], "a break reported twice");
    }
    if level == CompatLevel::Backward {
        let rules = |breaks: &[versiqii_core::compat::Break]| {
            breaks
                .iter()
                .map(|b| (b.pointer.clone(), b.rule.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(rules(&report.breaks), rules(&backward_breaks(&old, &new)));
    }
});
