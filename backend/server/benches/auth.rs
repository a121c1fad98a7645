//! What every authenticated request pays before it reaches a handler: checking an API key's shape
//! and checksum and hashing it for the look-up, or verifying a JWT.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use subtle::ConstantTimeEq;
use uuid::Uuid;
use versiqii_core::{ApiKeySecret, Role};
use versiqii_server::auth::{jwt::JwtKeys, secrets};

fn api_key_verification(c: &mut Criterion) {
    let key = secrets::new_api_key();
    let text = key.expose().to_owned();
    let stored = key.hash();
    c.bench_function("api_key/parse+checksum+sha256+ct_eq", |b| {
        b.iter(|| {
            let parsed = ApiKeySecret::parse(black_box(&text)).unwrap();
            bool::from(parsed.hash().as_slice().ct_eq(stored.as_slice()))
        })
    });
    let mut typo = text.clone();
    typo.replace_range(12..13, if &text[12..13] == "a" { "b" } else { "a" });
    c.bench_function("api_key/reject_bad_checksum", |b| {
        b.iter(|| ApiKeySecret::parse(black_box(&typo)).is_err())
    });
}

fn jwt_verification(c: &mut Criterion) {
    let keys = JwtKeys::new(b"a-benchmark-secret-of-at-least-32-bytes", 900);
    let token = keys
        .issue(Uuid::new_v4(), Uuid::new_v4(), Role::Editor)
        .unwrap();
    c.bench_function("jwt/verify_hs256", |b| {
        b.iter(|| keys.verify(black_box(&token)).unwrap())
    });
    c.bench_function("jwt/issue_hs256", |b| {
        b.iter(|| keys.issue(Uuid::nil(), Uuid::nil(), Role::Viewer).unwrap())
    });
}

criterion_group!(benches, api_key_verification, jwt_verification);
criterion_main!(benches);
