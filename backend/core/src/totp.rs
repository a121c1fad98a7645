//! TOTP (RFC 6238: HMAC-SHA-1, 6 digits, 30 s) for the operators' portal second factor.
//!
//! These are the parameters every authenticator app supports. The caller supplies the random
//! secret and the time, and stores the step `verify` returns so a code cannot be used twice.

use hmac::{Hmac, Mac};
use sha1::Sha1;
use std::fmt;
use subtle::ConstantTimeEq;

const STEP_SECS: u64 = 30;
const DIGITS: u32 = 6;
const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TotpError {
    #[error("a TOTP secret is base32: letters A-Z and digits 2-7")]
    Base32,
    #[error("a TOTP secret has 16 to 64 bytes; this one has {0}")]
    Length(usize),
}

/// The shared HMAC key. Debug never shows it, so it cannot leak through logs.
#[derive(Clone)]
pub struct TotpSecret(Vec<u8>);

impl fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TotpSecret(…)")
    }
}

impl TotpSecret {
    /// A new secret from 20 random bytes (160 bits, as RFC 4226 recommends).
    pub fn new(bytes: [u8; 20]) -> Self {
        Self(bytes.to_vec())
    }

    /// RFC 4648 base32, upper case, no padding: what authenticator apps expect typed in.
    pub fn to_base32(&self) -> String {
        let mut out = String::with_capacity(self.0.len().div_ceil(5) * 8);
        for chunk in self.0.chunks(5) {
            let mut buf = [0u8; 5];
            buf[..chunk.len()].copy_from_slice(chunk);
            let bits = buf.iter().fold(0u64, |acc, &b| acc << 8 | u64::from(b));
            for i in 0..(chunk.len() * 8).div_ceil(5) {
                out.push(char::from(BASE32[(bits >> (35 - 5 * i) & 31) as usize]));
            }
        }
        out
    }

    /// Reads a secret as people paste it: lower case, spaces and `=` padding are accepted.
    pub fn parse_base32(s: &str) -> Result<Self, TotpError> {
        let mut bytes = Vec::new();
        let (mut acc, mut nbits) = (0u32, 0u32);
        let trimmed = s.trim_end_matches(|c: char| c == '=' || c.is_whitespace());
        for c in trimmed.chars().filter(|c| !c.is_whitespace()) {
            let v = BASE32
                .iter()
                .position(|&b| char::from(b) == c.to_ascii_uppercase())
                .ok_or(TotpError::Base32)?;
            acc = (acc << 5 | v as u32) & 0xFFF;
            nbits += 5;
            if nbits >= 8 {
                nbits -= 8;
                bytes.push((acc >> nbits) as u8);
            }
        }
        if nbits >= 5 {
            return Err(TotpError::Base32); // a length no encoder produces
        }
        if !(16..=64).contains(&bytes.len()) {
            return Err(TotpError::Length(bytes.len()));
        }
        Ok(Self(bytes))
    }

    /// The `otpauth://` URI that enrolment QR codes carry (Google Authenticator key URI format).
    pub fn otpauth_uri(&self, issuer: &str, account: &str) -> String {
        let (issuer, account) = (percent_encode(issuer), percent_encode(account));
        format!(
            "otpauth://totp/{issuer}:{account}?secret={}&issuer={issuer}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECS}",
            self.to_base32()
        )
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters (space becomes %20, not `+`,
/// which some authenticator apps would show literally).
fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// HOTP (RFC 4226) with `digits` digits (at most 9), zero-padded.
fn code_digits(secret: &TotpSecret, counter: u64, digits: u32) -> String {
    // HMAC takes keys of any length, so this never fails; if it did, the empty code matches
    // nothing and sign-in fails closed.
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(&secret.0) else {
        return String::new();
    };
    mac.update(&counter.to_be_bytes());
    let h = mac.finalize().into_bytes();
    let offset = usize::from(h[19] & 0x0F);
    let bin = u32::from_be_bytes([h[offset], h[offset + 1], h[offset + 2], h[offset + 3]]);
    let code = u64::from(bin & 0x7FFF_FFFF) % 10u64.pow(digits);
    format!("{code:0width$}", width = digits as usize)
}

/// The 6-digit code for the 30-second step containing `unix_secs`.
pub fn code_at(secret: &TotpSecret, unix_secs: u64) -> String {
    code_digits(secret, unix_secs / STEP_SECS, DIGITS)
}

/// Checks `code` against the current step and one step either side (clock drift), refusing any
/// step at or before `last_used_step` (replay). Returns the matched step, which the caller must
/// store as the new `last_used_step`.
pub fn verify(
    secret: &TotpSecret,
    code: &str,
    unix_secs: u64,
    last_used_step: Option<u64>,
) -> Option<u64> {
    let code = code.trim();
    if code.len() != DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let now = unix_secs / STEP_SECS;
    let mut matched = None;
    // Every candidate is computed and compared, so timing does not reveal which step matched.
    // `now` is at most u64::MAX / 30, so `now + 1` cannot overflow.
    for step in now.saturating_sub(1)..=now + 1 {
        let fresh = !matches!(last_used_step, Some(last) if step <= last);
        let expected = code_digits(secret, step, DIGITS);
        let equal = bool::from(expected.as_bytes().ct_eq(code.as_bytes()));
        if equal && fresh {
            matched = Some(step);
        }
    }
    matched
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn rfc_secret() -> TotpSecret {
        TotpSecret::new(*b"12345678901234567890")
    }

    #[test]
    fn rfc6238_sha1_vectors() {
        let vectors = [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ];
        for (t, want) in vectors {
            assert_eq!(code_digits(&rfc_secret(), t / STEP_SECS, 8), want, "t={t}");
            assert_eq!(code_at(&rfc_secret(), t), want[2..], "t={t}");
        }
    }

    #[test]
    fn base32_round_trip_and_leniency() {
        let s = rfc_secret();
        assert_eq!(s.to_base32(), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        let pasted = "gezd gnbv gy3t qojq gezd gnbv gy3t qojq";
        assert_eq!(TotpSecret::parse_base32(pasted).unwrap().0, s.0);
        let sixteen = TotpSecret(vec![0xAB; 16]).to_base32();
        assert_eq!(sixteen.len(), 26);
        let padded = TotpSecret::parse_base32(&format!("{sixteen}======"));
        assert_eq!(padded.unwrap().0, [0xAB; 16]);
        let (long, odd) = ("A".repeat(112), "A".repeat(33));
        let refused = [
            ("GEZDGNBV", TotpError::Length(5)),
            (&long, TotpError::Length(70)),
            (&odd, TotpError::Base32),
            ("GEZDGNB1GY3TQOJQGEZDGNBVGY3TQOJQ", TotpError::Base32),
            ("GEZDGNBV=GY3TQOJQGEZDGNBVGY3TQOJQ", TotpError::Base32),
        ];
        for (input, error) in refused {
            let got = TotpSecret::parse_base32(input).err();
            assert_eq!(got, Some(error), "{input}");
        }
    }

    #[test]
    fn uri_and_debug() {
        let uri = rfc_secret().otpauth_uri("Versiqii Ops", "ana@example.com");
        assert_eq!(
            uri,
            "otpauth://totp/Versiqii%20Ops:ana%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\
             &issuer=Versiqii%20Ops&algorithm=SHA1&digits=6&period=30"
        );
        assert_eq!(format!("{:?}", rfc_secret()), "TotpSecret(…)");
    }

    #[test]
    fn verify_window_replay_and_format() {
        let s = rfc_secret();
        let t = 1_234_567_890;
        let step = t / STEP_SECS;
        let at = |k: u64| code_at(&s, k * STEP_SECS);
        let cases = [
            (at(step), None, Some(step)),
            (format!(" {}\n", at(step - 1)), None, Some(step - 1)),
            (at(step + 1), None, Some(step + 1)),
            (at(step - 2), None, None),
            (at(step + 2), None, None),
            (at(step), Some(step), None), // replay
            (at(step - 1), Some(step - 1), None),
            (at(step + 1), Some(step), Some(step + 1)),
        ];
        for (code, last, want) in cases {
            assert_eq!(verify(&s, &code, t, last), want, "{code} after {last:?}");
        }
        for bad in ["", "12345", "1234567", "12a456", "１２３４５６", "+12345"] {
            assert_eq!(verify(&s, bad, t, None), None, "{bad}");
        }
        assert_eq!(verify(&s, &code_at(&s, 0), 0, None), Some(0));
    }

    proptest! {
        #[test]
        fn base32_round_trips(bytes in proptest::collection::vec(any::<u8>(), 16..=64)) {
            let s = TotpSecret(bytes);
            prop_assert_eq!(TotpSecret::parse_base32(&s.to_base32().to_lowercase()).unwrap().0, s.0);
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,120}") {
            let _ = TotpSecret::parse_base32(&s);
        }
    }
}
