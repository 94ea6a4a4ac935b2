//! The phone's clock, read in one place so the rest of the app gets "now" passed in.
//!
//! Cheap phones in villages often have wrong clocks (issue 17). The server's clock is the
//! one to trust: every reply of the server carries it (HTTP's `Date` header), so at every
//! login and sync the phone learns how far its own clock is off and keeps that offset in
//! storage (`clock.offset`, for the whole phone: every tab and person share the clock).
//! [`now_ms`] and [`today`] are corrected by it, so forms default to the county's real
//! day and "not in the future" is judged against it, also offline.

use chrono::{Datelike, NaiveDate};
use gloo_net::http::Response;
use std::cell::Cell;

const OFFSET_KEY: &str = "clock.offset";

/// Beyond this the phone's clock is shown as wrong (5 minutes).
pub const SKEW_WARNING_MS: i64 = 5 * 60 * 1000;

thread_local! {
    /// Server time minus phone time (ms); `None` until read from storage.
    static OFFSET: Cell<Option<i64>> = const { Cell::new(None) };
}

/// How far the phone's clock is behind the server's (negative: ahead), as last learned.
pub fn offset_ms() -> i64 {
    OFFSET.get().unwrap_or_else(|| {
        let stored = crate::storage::get::<i64>(OFFSET_KEY).unwrap_or(0);
        OFFSET.set(Some(stored));
        stored
    })
}

/// Forgets the cached offset, so the one another tab stored is read next.
pub fn reread() {
    OFFSET.set(None);
}

/// The phone's own clock, uncorrected.
pub fn phone_ms() -> i64 {
    js_sys::Date::now() as i64
}

/// The offset from a server time (ms) read on the phone at `phone_ms`. The `Date` header
/// is truncated to the second, so the server's time was half a second later on average.
pub fn offset_from(server_ms: i64, phone_ms: i64) -> i64 {
    server_ms + 500 - phone_ms
}

/// Learns the server's time from a reply's `Date` header and keeps the offset. A change
/// of less than two seconds is noise of the header's resolution and is not written.
pub fn learn(resp: &Response) {
    let Some(date) = resp.headers().get("date") else {
        return;
    };
    let server = js_sys::Date::parse(&date);
    if !server.is_finite() {
        return;
    }
    let offset = offset_from(server as i64, phone_ms());
    if (offset - offset_ms()).abs() >= 2000 {
        OFFSET.set(Some(offset));
        let _ = crate::storage::set(OFFSET_KEY, &offset);
    }
}

/// Now, by the server's clock as last learned.
pub fn now_ms() -> i64 {
    phone_ms() + offset_ms()
}

pub fn now_secs() -> i64 {
    now_ms() / 1000
}

/// Today in the phone's local time zone, by the corrected clock: a visit made this
/// evening is dated today.
pub fn today() -> NaiveDate {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(now_ms() as f64));
    NaiveDate::from_ymd_opt(d.get_full_year() as i32, d.get_month() + 1, d.get_date())
        .unwrap_or_default()
}

/// How the skew reads: (amount, unit key of `i18n`) in whole days, else hours, else
/// minutes; `None` when within [`SKEW_WARNING_MS`].
pub fn skew(offset_ms: i64) -> Option<(i64, &'static str)> {
    let off = offset_ms.abs();
    if off <= SKEW_WARNING_MS {
        return None;
    }
    // Rounded: the server's time is known to the second only.
    let round = |unit: i64| (off + unit / 2) / unit;
    let (minute, hour, day) = (60_000, 3_600_000, 86_400_000);
    Some(if off >= day - hour / 2 {
        (round(day), "clock.days")
    } else if off >= hour - minute / 2 {
        (round(hour), "clock.hours")
    } else {
        (round(minute), "clock.minutes")
    })
}

fn english() -> bool {
    crate::i18n::lang() == crate::i18n::Lang::En
}

/// "11月26日 14:05" in local time ("11-26 14:05" in English).
pub fn format_ms(ms: i64) -> String {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
    let (month, day) = (d.get_month() + 1, d.get_date());
    let (h, m) = (d.get_hours(), d.get_minutes());
    if english() {
        format!("{month:02}-{day:02} {h:02}:{m:02}")
    } else {
        format!("{month}月{day}日 {h:02}:{m:02}")
    }
}

/// "2026年11月26日" from an ISO date (kept as ISO in English).
pub fn format_date(iso: &str) -> String {
    match shared::day::parse(iso) {
        Some(d) if english() => shared::day::iso(d),
        Some(d) => format!("{}年{}月{}日", d.year(), d.month(), d.day()),
        None => iso.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    #[wasm_bindgen_test]
    fn issue_17_skew_reads_in_days_hours_or_minutes() {
        assert_eq!(skew(0), None);
        assert_eq!(skew(SKEW_WARNING_MS), None, "five minutes is tolerated");
        assert_eq!(skew(-6 * 60_000), Some((6, "clock.minutes")));
        assert_eq!(skew(3 * 3_600_000 + 5), Some((3, "clock.hours")));
        assert_eq!(skew(-365 * 86_400_000), Some((365, "clock.days")));
        assert_eq!(
            skew(366 * 86_400_000 - 900),
            Some((366, "clock.days")),
            "rounded"
        );
        assert_eq!(offset_from(10_000, 9_000), 1_500);
    }
}
