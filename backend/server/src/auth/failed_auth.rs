//! Failed authentications per client: past a budget a minute, a client's credentials are not
//! even checked (429), so guessing tokens or keys costs the guesser, not the service.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const WINDOW: Duration = Duration::from_secs(60);
const MAX_CLIENTS: usize = 100_000;

pub struct FailedAuth {
    per_minute: u32,
    clients: Mutex<HashMap<String, (Instant, u32)>>,
}

impl FailedAuth {
    pub fn new(per_minute: u32) -> Self {
        Self {
            per_minute,
            clients: Mutex::new(HashMap::new()),
        }
    }

    /// Seconds until the client may try again, when it is over its budget.
    pub fn refused(&self, client: &str) -> Option<u64> {
        let clients = self.clients.lock().ok()?;
        let (since, failures) = clients.get(client)?;
        let left = WINDOW.checked_sub(since.elapsed())?;
        (*failures >= self.per_minute).then(|| left.as_secs().max(1))
    }

    pub fn failed(&self, client: &str) {
        let Ok(mut clients) = self.clients.lock() else {
            return;
        };
        if clients.len() >= MAX_CLIENTS {
            clients.retain(|_, (since, _)| since.elapsed() < WINDOW);
        }
        let entry = clients
            .entry(client.to_owned())
            .or_insert((Instant::now(), 0));
        if entry.0.elapsed() >= WINDOW {
            *entry = (Instant::now(), 0);
        }
        entry.1 = entry.1.saturating_add(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_over_its_budget_is_refused_and_others_are_not() {
        let limit = FailedAuth::new(3);
        for _ in 0..3 {
            assert_eq!(limit.refused("a"), None);
            limit.failed("a");
        }
        assert!(limit.refused("a").is_some_and(|s| (1..=60).contains(&s)));
        assert_eq!(limit.refused("b"), None);
    }
}
