//! Lens files and their application: `Lens::parse` on the text before the first NUL, then the
//! lens run both ways on the config after it (or on a small sample config).
//!
//! Properties: a lens reversed twice is itself; running the reversed lens up is running the
//! lens down and vice versa (same output, same success); `Program::apply` either fails or
//! hands on a value within a config's caps.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};
use versiqii_core::document::{check_value, Caps};
use versiqii_fuzz::{config, split};
use versiqii_migrate::{Direction, Lens, Program};

fuzz_target!(|data: &[u8]| {
    let (lens_bytes, doc_bytes) = split(data);
    let Ok(text) = std::str::from_utf8(lens_bytes) else {
        return;
    };
    let Ok(lens) = Lens::parse(text) else {
        return;
    };
    assert_eq!(lens.reversed().reversed(), lens);
    let doc = config(doc_bytes).unwrap_or_else(sample);
    let reversed = lens.reversed();
    for direction in [Direction::Up, Direction::Down] {
        let ran = lens.apply(doc.clone(), direction);
        let other = reversed.apply(doc.clone(), direction.reversed());
        match (&ran, &other) {
            (Ok(a), Ok(b)) => assert_eq!(a, b, "{direction:?} differs from the reversed lens"),
            (Err(_), Err(_)) => {}
            _ => panic!("{direction:?}: {ran:?}, but the reversed lens gives {other:?}"),
        }
        if let Ok(out) = Program::Lens(lens.clone()).apply(doc.clone(), direction) {
            if let Err(over) = check_value(&out, &Caps::CONFIG) {
                panic!("Program::apply handed on a value over the caps: {over}");
            }
        }
    }
});

fn sample() -> Value {
    json!({
        "timeout": 30, "legacy_mode": true, "region": "eu", "zones": ["a", "b"], "mode": "fast",
        "database": {"host": "db", "port": 5432}, "cert": "pem",
        "endpoints": [{"url": "https://a"}, {"url": "https://b", "weight": 2}]
    })
}
