//! Diffs between two configs (the texts before and after the first NUL): `diff_paths` and
//! `unified_diff`, as the revision history shows them.
//!
//! Properties: a config differs from itself nowhere; two configs have no path changes exactly
//! when they are equal; the path changes, applied to the first config, give the second; a
//! list cut at `max_changes` is the start of the whole list, and says it was cut exactly when
//! something is missing; different canonical texts give a hunk.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use versiqii_core::canonical::{
    canonical_json, diff_paths, unified_diff, ChangeOp, DiffLimits, PathChange,
};
use versiqii_fuzz::{config, split};

fuzz_target!(|data: &[u8]| {
    let (a, b) = split(data);
    let Some(before) = config(a) else {
        return;
    };
    let after = config(b).unwrap_or(Value::Null);

    // No deadline: the same input must give the same text.
    let limits = DiffLimits {
        max_changes: usize::MAX,
        max_text: 1 << 20,
        deadline: None,
    };
    assert_eq!(
        diff_paths(&before, &before, usize::MAX),
        (Vec::new(), false)
    );
    let (same, cut) = unified_diff(&before, &before, "a", "b", &limits);
    assert!(
        !cut && !same.contains("@@"),
        "a config differs from itself: {same}"
    );

    let (changes, cut) = diff_paths(&before, &after, usize::MAX);
    assert!(!cut);
    assert_eq!(changes.is_empty(), before == after, "{changes:?}");
    let patched = patch(before.clone(), &changes);
    assert_eq!(
        patched, after,
        "the changes do not turn one config into the other"
    );

    let max = usize::from(data.first().copied().unwrap_or(0) % 8);
    let (first, cut) = diff_paths(&before, &after, max);
    assert_eq!(first.as_slice(), &changes[..changes.len().min(max)]);
    assert_eq!(cut, changes.len() > max);

    let (text, cut) = unified_diff(&before, &after, "a", "b", &limits);
    if !cut && canonical_json(&before) != canonical_json(&after) {
        assert!(text.contains("@@"), "no hunk for different configs: {text}");
    }
});

/// Applies path changes in the order `diff_paths` lists them; removals from arrays are at the
/// end of the array, so they run last to first.
fn patch(mut doc: Value, changes: &[PathChange]) -> Value {
    for change in changes.iter().rev() {
        if change.op == ChangeOp::Removed {
            let (parent, token) = parent_of(&change.pointer);
            match doc.pointer_mut(parent) {
                Some(Value::Object(map)) => {
                    assert!(map.remove(&token).is_some(), "{change:?}");
                }
                Some(Value::Array(items)) => {
                    assert_eq!(token, (items.len() - 1).to_string(), "{change:?}");
                    items.pop();
                }
                other => panic!("removal under {other:?}: {change:?}"),
            }
        }
    }
    for change in changes {
        let value = change.after.clone();
        match change.op {
            ChangeOp::Removed => {}
            ChangeOp::Changed => {
                let slot = doc.pointer_mut(&change.pointer);
                match (slot, value) {
                    (Some(slot), Some(value)) => *slot = value,
                    other => panic!("change of nothing {other:?}: {change:?}"),
                }
            }
            ChangeOp::Added => {
                let (parent, token) = parent_of(&change.pointer);
                let Some(value) = value else {
                    panic!("an addition without a value: {change:?}");
                };
                match doc.pointer_mut(parent) {
                    Some(Value::Object(map)) => {
                        assert!(map.insert(token, value).is_none(), "{change:?}");
                    }
                    Some(Value::Array(items)) => {
                        assert_eq!(token, items.len().to_string(), "{change:?}");
                        items.push(value);
                    }
                    other => panic!("addition under {other:?}: {change:?}"),
                }
            }
        }
    }
    doc
}

/// The parent's pointer and the last token, unescaped.
fn parent_of(pointer: &str) -> (&str, String) {
    let at = pointer.rfind('/').unwrap_or(0);
    let token = pointer.get(at + 1..).unwrap_or("");
    (&pointer[..at], token.replace("~1", "/").replace("~0", "~"))
}
