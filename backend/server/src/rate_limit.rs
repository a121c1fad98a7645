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

    /// `key`'s counter in the current window, and the seconds left in that window.
    fn window(&self, key: &str, window_secs: u64) -> (String, u64) {
        let now = chrono::Utc::now().timestamp() as u64;
        let window = now / window_secs;
        let left = (window + 1) * window_secs - now;
        (format!("{}rl:{key}:{window}", self.prefix), left)
    }

    /// Counts one hit on `key` and refuses once more than `limit` fall in the current window.
    pub async fn hit(&self, key: &str, limit: u32, window_secs: u64) -> Result<(), ApiError> {
        let (full_key, left) = self.window(key, window_secs);
        if self.incr(&full_key, window_secs).await? > u64::from(limit) {
            return Err(ApiError::RateLimited { retry_after: left });
        }
        Ok(())
    }

    /// Counts one event on `key` in the current window and returns how many there were
    /// before it (nothing is refused).
    pub async fn bump(&self, key: &str, window_secs: u64) -> Result<u64, ApiError> {
        let (full_key, _) = self.window(key, window_secs);
        Ok(self.incr(&full_key, window_secs).await?.saturating_sub(1))
    }

    /// Events counted on `key` in the current window.
    pub async fn count(&self, key: &str, window_secs: u64) -> Result<u64, ApiError> {
        let (full_key, _) = self.window(key, window_secs);
        let mut conn = self.redis.clone();
        let count: Option<u64> = redis::cmd("GET")
            .arg(&full_key)
            .query_async(&mut conn)
            .await
            .map_err(limiter_error)?;
        Ok(count.unwrap_or(0))
    }

    /// The counter after one more, which expires with its window.
    async fn incr(&self, full_key: &str, window_secs: u64) -> Result<u64, ApiError> {
        let mut conn = self.redis.clone();
        let (count,): (u64,) = redis::pipe()
            .atomic()
            .incr(full_key, 1u64)
            .expire(full_key, window_secs as i64)
            .ignore()
            .query_async(&mut conn)
            .await
            .map_err(limiter_error)?;
        Ok(count)
    }

    pub async fn ping(&self) -> bool {
        let mut conn = self.redis.clone();
        redis::cmd("PING")
            .query_async::<String>(&mut conn)
            .await
            .is_ok()
    }
}

fn limiter_error(e: redis::RedisError) -> ApiError {
    ApiError::Internal(anyhow::Error::new(e).context("rate limiter"))
}
