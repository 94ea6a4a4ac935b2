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
    let pattern = if english() {
        "%Y-%m-%d"
    } else {
        "%Y年%-m月%-d日"
    };
    NaiveDate::parse_from_str(iso, "%Y-%m-%d")
        .map(|d| d.format(pattern).to_string())
        .unwrap_or_else(|_| iso.to_string())
}
