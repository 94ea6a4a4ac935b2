//! Login rate limits, in memory: failures per phone number (guessing one account's
//! password) and attempts per client address (trying many accounts). A restart forgets
//! them, which only gives a guesser one more window.

use crate::error::AppError;
use std::collections::{HashMap, VecDeque};

#[derive(Debug, Clone)]
pub struct LoginLimits {
    pub window_secs: i64,
    /// Failed logins for one phone number within the window.
    pub per_phone: usize,
    /// Login attempts from one address within the window.
    pub per_ip: usize,
}

impl Default for LoginLimits {
    fn default() -> Self {
        LoginLimits {
            window_secs: 15 * 60,
            per_phone: 5,
            per_ip: 30,
        }
    }
}

/// Past this many keys, keys whose window has passed are dropped.
const PRUNE_AT: usize = 10_000;

pub(super) struct Limiter {
    limits: LoginLimits,
    hits: HashMap<String, VecDeque<i64>>,
}

impl Limiter {
    pub fn new(limits: LoginLimits) -> Self {
        Limiter {
            limits,
            hits: HashMap::new(),
        }
    }

    /// Seconds until the key is under `max` again, if it is at it now.
    fn blocked(&mut self, key: &str, max: usize, now: i64) -> Option<i64> {
        let window = self.limits.window_secs;
        let hits = self.hits.get_mut(key)?;
        while hits.front().is_some_and(|t| now - t >= window) {
            hits.pop_front();
        }
        (hits.len() >= max).then(|| hits.front().map_or(window, |t| t + window - now))
    }

    fn hit(&mut self, key: &str, now: i64) {
        if self.hits.len() >= PRUNE_AT {
            let window = self.limits.window_secs;
            self.hits
                .retain(|_, h| h.back().is_some_and(|t| now - t < window));
        }
        self.hits.entry(key.to_string()).or_default().push_back(now);
    }

    pub fn check_ip(&mut self, key: &str, now: i64) -> Result<(), AppError> {
        if let Some(wait) = self.blocked(key, self.limits.per_ip, now) {
            tracing::warn!(%key, "login rate limit reached");
            return Err(AppError::TooManyRequests(wait));
        }
        self.hit(key, now);
        Ok(())
    }

    pub fn check_phone(&mut self, key: &str, now: i64) -> Result<(), AppError> {
        if let Some(wait) = self.blocked(key, self.limits.per_phone, now) {
            tracing::warn!(%key, "login rate limit reached");
            return Err(AppError::TooManyRequests(wait));
        }
        Ok(())
    }

    pub fn failed(&mut self, key: &str, now: i64) {
        self.hit(key, now);
    }

    pub fn succeeded(&mut self, key: &str) {
        self.hits.remove(key);
    }
}
