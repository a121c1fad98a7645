//! Text for the PDF's standard Helvetica: WinAnsi bytes, widths, fitting and string escapes.

use std::fmt::Write as _;

/// Helvetica advance widths (1/1000 em) for ASCII 32..=126, from the standard AFM.
/// Helvetica-Bold is close enough for fitting and right-aligning.
#[rustfmt::skip]
const HELVETICA: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
];

/// WinAnsi bytes for `text`: control characters dropped, anything beyond Latin-1 → `?`
/// (the standard fonts have no other glyphs, and WinAnsi equals Latin-1 from 0xA0 up).
pub(super) fn win_ansi(text: &str) -> Vec<u8> {
    text.chars()
        .filter(|c| !c.is_control())
        .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
        .collect()
}

/// Width in points at `size`; glyphs outside ASCII count as an average 556.
pub(super) fn width(bytes: &[u8], size: f64) -> f64 {
    let glyph = |b: u8| {
        b.checked_sub(32)
            .and_then(|i| HELVETICA.get(usize::from(i)))
    };
    let units: u32 = bytes
        .iter()
        .map(|&b| u32::from(*glyph(b).unwrap_or(&556)))
        .sum();
    f64::from(units) * size / 1000.0
}

/// Cuts `bytes` to `max_w` points, marking the cut with "...", so columns never overlap.
pub(super) fn fit(mut bytes: Vec<u8>, size: f64, max_w: f64) -> Vec<u8> {
    if width(&bytes, size) <= max_w {
        return bytes;
    }
    while !bytes.is_empty() && width(&bytes, size) + width(b"...", size) > max_w {
        bytes.pop();
    }
    bytes.extend_from_slice(b"...");
    bytes
}

/// Greedy word wrap at spaces; an over-long word is cut by `fit` when drawn.
pub(super) fn wrap(bytes: &[u8], size: f64, max_w: f64) -> Vec<Vec<u8>> {
    let mut lines = Vec::new();
    let mut current: Vec<u8> = Vec::new();
    for word in bytes.split(|&b| b == b' ').filter(|w| !w.is_empty()) {
        let joined = [current.as_slice(), word].join(&b' ');
        if current.is_empty() || width(&joined, size) <= max_w {
            current = if current.is_empty() {
                word.to_vec()
            } else {
                joined
            };
        } else {
            lines.push(std::mem::replace(&mut current, word.to_vec()));
        }
    }
    lines.extend((!current.is_empty()).then_some(current));
    lines
}

/// A PDF string literal: `\`, `(`, `)` escaped, bytes outside ASCII as octal escapes so the
/// whole file stays ASCII.
pub(super) fn literal(bytes: &[u8]) -> String {
    let mut out = String::from("(");
    for &b in bytes {
        match b {
            b'\\' | b'(' | b')' => out.extend(['\\', char::from(b)]),
            32..=126 => out.push(char::from(b)),
            _ => {
                let _ = write!(out, "\\{b:03o}");
            }
        }
    }
    out.push(')');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_escapes_fits_and_wraps() {
        assert_eq!(win_ansi("Zoë\u{7}\n東"), b"Zo\xeb?".to_vec());
        assert_eq!(literal(b"a) Tj (\\\xeb"), "(a\\) Tj \\(\\\\\\353)");
        assert_eq!(fit(b"abcdef".to_vec(), 10.0, 20.0), b"ab...".to_vec());
        assert_eq!(
            wrap(b"aa bb  cc", 10.0, 30.0),
            [b"aa bb".to_vec(), b"cc".to_vec()]
        );
    }
}
