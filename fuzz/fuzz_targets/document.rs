//! Config documents, JSON and YAML: `parse_document` with the format given or detected.
//!
//! Properties: whatever parses is within a config's caps (64 levels, 256 KiB as compact JSON);
//! a detected format parses the same when named; the canonical JSON and the YAML the server
//! writes (`serde_yaml_ng::to_string`, for migrated configs) read back to the same data; the
//! lens files' cap check (`check_yaml_within`) passes what the parser passes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use versiqii_core::canonical::{canonical_json, content_hash};
use versiqii_core::document::{
    check_value, check_yaml_within, parse_document, parse_within, Caps, DocumentError, Format,
    MAX_CONFIG_BYTES,
};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    let format = match selector % 3 {
        0 => None,
        1 => Some(Format::Json),
        _ => Some(Format::Yaml),
    };
    let parsed = parse_document(bytes, format);
    if bytes.len() > MAX_CONFIG_BYTES {
        assert_eq!(
            parsed,
            Err(DocumentError::TooLarge {
                max: MAX_CONFIG_BYTES
            })
        );
        return;
    }
    let (value, found) = match parsed {
        Ok(ok) => ok,
        Err(_) => return,
    };
    if let Err(over) = check_value(&value, &Caps::CONFIG) {
        panic!("a parsed document is over the caps: {over}");
    }
    match format {
        Some(named) => assert_eq!(found, named),
        None => assert_eq!(
            parse_document(bytes, Some(found)),
            Ok((value.clone(), found)),
            "detected as {found:?} but parses otherwise when named"
        ),
    }
    if found == Format::Yaml {
        if let Ok(text) = std::str::from_utf8(bytes) {
            let text = text.strip_prefix('\u{feff}').unwrap_or(text);
            if let Err(e) = check_yaml_within(text, &Caps::CONFIG) {
                panic!("parses within the caps, but check_yaml_within says {e}");
            }
        }
    }

    // The canonical text is JSON that reads back to data with the same content hash.
    let canonical = canonical_json(&value);
    match parse_document(canonical.as_bytes(), Some(Format::Json)) {
        Ok((again, _)) => assert_eq!(
            content_hash(&again),
            content_hash(&value),
            "canonical JSON does not read back: {canonical}"
        ),
        Err(e) => panic!("canonical JSON does not parse ({e}): {canonical}"),
    }

    // The YAML the server writes for a migrated config reads back to the same data (its text
    // may be longer than the data's compact JSON, so only the data's caps apply).
    if let Ok(yaml) = serde_yaml_ng::to_string(&value) {
        match parse_within(yaml.as_bytes(), Some(Format::Yaml), &Caps::CONFIG) {
            Ok((again, _)) => assert_eq!(again, value, "YAML does not read back: {yaml}"),
            Err(e) => panic!("written YAML does not parse ({e}): {yaml}"),
        }
    }
});
