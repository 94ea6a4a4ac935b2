//! Login rate limits that slow attackers, not owners (issue 15).
//!
//! Failed logins (and activation codes) are counted per phone number *and* client, and
//! kept in the account store, so a restart forgets nothing:
//!
//! - a **device that has logged in to this account before** (the phone sends its device id,
//!   a random id that never leaves it but in its own requests) has a counter of its own:
//!   failures typed anywhere else never slow the owner's own phone;
//! - any **other client** is counted per (phone number, address), and all other clients of a
//!   phone number together, so guessing from many addresses slows down too;
//! - each **address** is counted over all phone numbers (trying many accounts).
//!
//! A counter past its free attempts makes the next try wait, doubling with each further
//! failure up to [`LoginLimits::max_wait_secs`]: a typo costs nothing, a guesser soon waits
//! minutes, and nobody meets a fixed wall. The wait is checked before the password, so it
//! tells nothing about it. Counters fade after [`LoginLimits::forget_secs`] without failures.

use super::store::AccountStore;
use crate::error::AppError;
use std::net::IpAddr;

#[derive(Debug, Clone)]
pub struct LoginLimits {
    /// Failures of one phone number from one client before waits begin.
    pub free_per_client: u32,
    /// Failures of one phone number from all unknown clients together before waits begin.
    pub free_per_phone: u32,
    /// Failures from one address over every phone number before waits begin.
    pub free_per_address: u32,
    /// The wait after the first failure past the free ones, in seconds; each further
    /// failure doubles it.
    pub first_wait_secs: i64,
    /// The longest wait, in seconds.
    pub max_wait_secs: i64,
    /// A counter with no failure for this long starts again from zero.
    pub forget_secs: i64,
}

impl Default for LoginLimits {
    fn default() -> Self {
        LoginLimits {
            free_per_client: 5,
            free_per_phone: 10,
            free_per_address: 30,
            first_wait_secs: 2,
            max_wait_secs: 15 * 60,
            forget_secs: 24 * 3600,
        }
    }
}

/// Who is trying: the phone number, and the client as the server can tell it.
pub struct Attempt<'a> {
    pub phone: &'a str,
    pub device: Option<&'a str>,
    pub ip: Option<IpAddr>,
}

impl Attempt<'_> {
    pub fn address(&self) -> String {
        self.ip.map_or_else(|| "unknown".into(), |i| i.to_string())
    }

    fn device_key(&self) -> Option<String> {
        self.device
            .filter(|d| !d.is_empty() && d.len() <= 64)
            .map(|d| format!("known:{}:{d}", self.phone))
    }
}

/// The counters one attempt is judged by, with the free failures of each.
fn counters(
    limits: &LoginLimits,
    store: &dyn AccountStore,
    attempt: &Attempt,
) -> Result<Vec<(String, u32)>, AppError> {
    if let Some(known) = attempt.device_key() {
        if store.counter(&known)?.0 > 0 {
            let device = attempt.device.unwrap_or_default();
            return Ok(vec![(
                format!("fail:{}:device:{device}", attempt.phone),
                limits.free_per_client,
            )]);
        }
    }
    let address = attempt.address();
    Ok(vec![
        (
            format!("fail:{}:ip:{address}", attempt.phone),
            limits.free_per_client,
        ),
        (
            format!("fail:{}:elsewhere", attempt.phone),
            limits.free_per_phone,
        ),
        (format!("fail:ip:{address}"), limits.free_per_address),
    ])
}

/// Seconds to wait after `failures` failures of which `free` cost nothing.
fn wait_after(limits: &LoginLimits, failures: u32, free: u32) -> i64 {
    if failures < free {
        return 0;
    }
    let doublings = (failures - free).min(30);
    limits
        .first_wait_secs
        .max(1)
        .saturating_mul(1i64 << doublings)
        .min(limits.max_wait_secs)
}

/// Refuses the attempt with the wait if any of its counters asks for one.
pub fn check(
    limits: &LoginLimits,
    store: &dyn AccountStore,
    attempt: &Attempt,
    now: i64,
) -> Result<(), AppError> {
    for (key, free) in counters(limits, store, attempt)? {
        let (failures, last) = store.counter(&key)?;
        if now - last >= limits.forget_secs {
            continue;
        }
        let wait = wait_after(limits, failures, free) - (now - last);
        if wait > 0 {
            tracing::warn!(%key, failures, wait, "login slowed down");
            return Err(AppError::TooManyRequests(wait));
        }
    }
    Ok(())
}

/// Counts a failed attempt on each of its counters.
pub fn failed(
    limits: &LoginLimits,
    store: &dyn AccountStore,
    attempt: &Attempt,
    now: i64,
) -> Result<(), AppError> {
    for (key, _) in counters(limits, store, attempt)? {
        let (failures, last) = store.counter(&key)?;
        let failures = if now - last >= limits.forget_secs {
            0
        } else {
            failures
        };
        store.set_counter(&key, failures.saturating_add(1), now)?;
    }
    Ok(())
}

/// A login that succeeded: this client's counter starts again, and the device is known
/// to this phone number from now on (others' failures no longer slow it).
pub fn succeeded(
    limits: &LoginLimits,
    store: &dyn AccountStore,
    attempt: &Attempt,
    now: i64,
) -> Result<(), AppError> {
    if let Some((key, _)) = counters(limits, store, attempt)?.into_iter().next() {
        store.set_counter(&key, 0, now)?;
    }
    if let Some(known) = attempt.device_key() {
        store.set_counter(&known, 1, now)?;
    }
    Ok(())
}

/// Failed logins for a phone number in the last `forget_secs`, from every client: what a
/// manager sees on the account page.
pub fn recent_failures(
    limits: &LoginLimits,
    store: &dyn AccountStore,
    phone: &str,
    now: i64,
) -> Result<u32, AppError> {
    Ok(store
        .counters_with_prefix(&format!("fail:{phone}:"))?
        .into_iter()
        .filter(|(key, _, last)| !key.ends_with(":elsewhere") && now - last < limits.forget_secs)
        .map(|(_, n, _)| n)
        .sum())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::store::MemAccounts;

    fn attempt<'a>(device: Option<&'a str>, ip: &str) -> Attempt<'a> {
        Attempt {
            phone: "13800000102",
            device,
            ip: Some(ip.parse().unwrap()),
        }
    }

    #[test]
    fn waits_grow_with_failures_up_to_the_cap() {
        let l = LoginLimits::default();
        let waits: Vec<i64> = (0..30).map(|n| wait_after(&l, n, 5)).collect();
        assert_eq!(&waits[..8], &[0, 0, 0, 0, 0, 2, 4, 8]);
        assert!(waits.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(waits[29], l.max_wait_secs);
    }

    #[test]
    fn failures_elsewhere_never_slow_the_owners_known_device() {
        let l = LoginLimits::default();
        let store = MemAccounts::default();
        let owner = attempt(Some("dev-owner"), "10.0.0.1");
        succeeded(&l, &store, &owner, 0).unwrap();
        let attacker = attempt(None, "192.0.2.7");
        for t in 0..40 {
            let _ = check(&l, &store, &attacker, t);
            failed(&l, &store, &attacker, t).unwrap();
        }
        assert!(
            check(&l, &store, &attacker, 41).is_err(),
            "the guesser waits"
        );
        check(&l, &store, &owner, 41).expect("the owner's phone is not slowed");
        // An unknown device id is just another client.
        assert!(check(&l, &store, &attempt(Some("made-up"), "192.0.2.7"), 41).is_err());
        assert_eq!(recent_failures(&l, &store, "13800000102", 41).unwrap(), 40);
    }
}
