//! The SMTP receiver `make test` starts (`scripts/mailbox.py`), read over its HTTP API.

use serde_json::Value;
use std::time::{Duration, Instant};

fn mailbox_url() -> String {
    std::env::var("VERSIQII_TEST_MAILBOX_URL").expect(
        "VERSIQII_TEST_MAILBOX_URL is not set: run the tests through `make test`, which starts \
         the SMTP receiver",
    )
}

/// The receiver's messages to `to`, oldest first.
pub fn messages_to(to: &str) -> Vec<Value> {
    let url = format!(
        "{}/api/messages?to={}",
        mailbox_url(),
        to.replace('+', "%2B")
    );
    let body = ureq::get(&url)
        .call()
        .expect("the mailbox answers")
        .into_body()
        .read_to_string()
        .unwrap();
    serde_json::from_str::<Vec<Value>>(&body).unwrap()
}

/// The mails to `to` whose subject contains `subject` (`""`: every one), waiting up to 15 s for
/// `n` of them.
pub fn mails(to: &str, subject: &str, n: usize) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let got: Vec<Value> = messages_to(to)
            .into_iter()
            .filter(|m| m["subject"].as_str().unwrap_or("").contains(subject))
            .collect();
        if got.len() >= n || Instant::now() > deadline {
            assert!(
                got.len() >= n,
                "{} mail(s) '{subject}' to {to} after 15 s",
                got.len()
            );
            return got;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The token of the `{link}?token=` link in a mail's text part (`link`: the whole link before the
/// query, or its path).
pub fn token_in(mail: &Value, path: &str) -> String {
    let text = mail["text"].as_str().expect("a text part");
    let marker = format!("{path}?token=");
    let at = text.find(&marker).expect("the link");
    text[at + marker.len()..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect()
}
