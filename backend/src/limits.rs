//! Limits on what one device may ask of the server, beyond the body size and document count
//! checked in the sync handler: how many changes one request may carry, and how often a
//! device may sync.

use automerge::sync;
use shared::wire::{changes_in_chunk, SyncRequest};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The most changes one sync request may carry: a change chunk is one, a bundle (protocol
/// 3) counts the changes inside it, and with sync message V2 a whole document is one chunk,
/// bounded by the body size. A phone makes one change per record and a branch holds hundreds
/// of records a year, so a phone catching up on years of offline work stays far below this,
/// while a flood of tiny changes is stopped before any of it is applied.
pub const MAX_CHANGES_PER_REQUEST: usize = 20_000;

/// The changes a request carries, over all its documents. Messages that do not decode count
/// as none: the hub refuses them one by one with their own reason.
pub fn changes_in(req: &SyncRequest) -> usize {
    req.docs
        .iter()
        .filter_map(|m| sync::Message::decode(&m.msg).ok())
        .map(|m| m.changes.iter().map(changes_in_chunk).sum::<usize>())
        .sum()
}

/// A token bucket per device: `burst` requests at once, then `per_sec` a second. A sync
/// session is a few requests and the app syncs every 10 s, so only a runaway or hostile
/// client ever waits.
pub struct DeviceRate {
    per_sec: f64,
    burst: f64,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

/// Buckets kept before idle (full) ones are dropped: random device ids must not grow memory.
const MAX_BUCKETS: usize = 100_000;

impl DeviceRate {
    pub fn new(per_sec: f64, burst: u32) -> Self {
        DeviceRate {
            per_sec,
            burst: f64::from(burst),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one request from the device's bucket, or says how long until one is free.
    pub fn check(&self, device: &str) -> Result<(), Duration> {
        self.check_at(device, Instant::now())
    }

    fn check_at(&self, device: &str, now: Instant) -> Result<(), Duration> {
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() >= MAX_BUCKETS && !buckets.contains_key(device) {
            let (per_sec, burst) = (self.per_sec, self.burst);
            buckets.retain(|_, (tokens, at)| {
                *tokens + now.duration_since(*at).as_secs_f64() * per_sec < burst
            });
        }
        let (tokens, at) = buckets
            .entry(device.to_string())
            .or_insert((self.burst, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * self.per_sec).min(self.burst);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - *tokens) / self.per_sec))
        }
    }
}

impl Default for DeviceRate {
    /// 60 requests at once (a few full sessions), then 5 a second.
    fn default() -> Self {
        DeviceRate::new(5.0, 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_refills_at_its_rate_and_devices_do_not_share_one() {
        let rate = DeviceRate::new(2.0, 3);
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(rate.check_at("a", t0).is_ok());
        }
        let wait = rate.check_at("a", t0).unwrap_err();
        assert!(wait > Duration::from_millis(400) && wait <= Duration::from_millis(500));
        assert!(
            rate.check_at("b", t0).is_ok(),
            "another device is not slowed"
        );
        assert!(rate.check_at("a", t0 + Duration::from_millis(500)).is_ok());
        assert!(rate.check_at("a", t0 + Duration::from_millis(500)).is_err());
    }
}
