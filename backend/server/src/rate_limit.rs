//! Fixed-window counters in Redis, shared by every server instance.

use crate::error::ApiError;
use redis::aio::ConnectionManager;

#[derive(Clone)]
pub struct RateLimiter {
    redis: ConnectionManager,
    prefix: String,
}

impl RateLimiter {
    pub fn new(redis: ConnectionManager, prefix: String) -> Self {
        Self { redis, prefix }
    }

    /// Counts one hit on `key` and refuses once more than `limit` fall in the current window.
    pub async fn hit(&self, key: &str, limit: u32, window_secs: u64) -> Result<(), ApiError> {
        let now = chrono::Utc::now().timestamp() as u64;
        let window = now / window_secs;
        let full_key = format!("{}rl:{key}:{window}", self.prefix);
        let mut conn = self.redis.clone();
        let (count,): (u64,) = redis::pipe()
            .atomic()
            .incr(&full_key, 1u64)
            .expire(&full_key, window_secs as i64)
            .ignore()
            .query_async(&mut conn)
            .await
            .map_err(|e| ApiError::Internal(anyhow::Error::new(e).context("rate limiter")))?;
        if count > u64::from(limit) {
            return Err(ApiError::RateLimited {
                retry_after: (window + 1) * window_secs - now,
            });
        }
        Ok(())
    }

    /// Counts one event on `key` in the current window and returns how many there were
    /// before it (nothing is refused).
    pub async fn bump(&self, key: &str, window_secs: u64) -> Result<u64, ApiError> {
        let now = chrono::Utc::now().timestamp() as u64;
        let full_key = format!("{}rl:{key}:{}", self.prefix, now / window_secs);
        let mut conn = self.redis.clone();
        let (count,): (u64,) = redis::pipe()
            .atomic()
            .incr(&full_key, 1u64)
            .expire(&full_key, window_secs as i64)
            .ignore()
            .query_async(&mut conn)
            .await
            .map_err(|e| ApiError::Internal(anyhow::Error::new(e).context("rate limiter")))?;
        Ok(count.saturating_sub(1))
    }

    /// Events counted on `key` in the current window.
    pub async fn count(&self, key: &str, window_secs: u64) -> Result<u64, ApiError> {
        let now = chrono::Utc::now().timestamp() as u64;
        let full_key = format!("{}rl:{key}:{}", self.prefix, now / window_secs);
        let mut conn = self.redis.clone();
        let count: Option<u64> = redis::cmd("GET")
            .arg(&full_key)
            .query_async(&mut conn)
            .await
            .map_err(|e| ApiError::Internal(anyhow::Error::new(e).context("rate limiter")))?;
        Ok(count.unwrap_or(0))
    }

    pub async fn ping(&self) -> bool {
        let mut conn = self.redis.clone();
        redis::cmd("PING")
            .query_async::<String>(&mut conn)
            .await
            .is_ok()
    }
}
