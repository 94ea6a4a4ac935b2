//! The phone's clock, read in one place so the rest of the app gets "now" passed in.

use chrono::NaiveDate;

pub fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}

pub fn now_secs() -> i64 {
    now_ms() / 1000
}

/// Today in the phone's local time zone: a visit made this evening is dated today.
pub fn today() -> NaiveDate {
    let d = js_sys::Date::new_0();
    NaiveDate::from_ymd_opt(d.get_full_year() as i32, d.get_month() + 1, d.get_date())
        .unwrap_or_default()
}

/// "11月26日 14:05" in local time.
pub fn format_ms(ms: i64) -> String {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
    format!(
        "{}月{}日 {:02}:{:02}",
        d.get_month() + 1,
        d.get_date(),
        d.get_hours(),
        d.get_minutes()
    )
}

/// "2026年11月26日" from an ISO date.
pub fn format_date(iso: &str) -> String {
    NaiveDate::parse_from_str(iso, "%Y-%m-%d")
        .map(|d| d.format("%Y年%-m月%-d日").to_string())
        .unwrap_or_else(|_| iso.to_string())
}
