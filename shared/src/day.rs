//! Days as the app stores and shows them, `YYYY-MM-DD`, read and written by hand: chrono's
//! format strings (its strftime parser and formatter) were ≈ 24 KB of the phone's code
//! for this one pattern (issue 18). Dates themselves stay chrono's `NaiveDate`.

use chrono::{Datelike, NaiveDate};

/// A day written `YYYY-MM-DD` (month and day may have one digit; spaces around are
/// ignored), if it is a real day.
pub fn parse(s: &str) -> Option<NaiveDate> {
    let mut parts = s.trim().splitn(3, '-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    let digits = |p: &str, most: usize| {
        (1..=most).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit())
    };
    if y.len() != 4 || !digits(y, 4) || !digits(m, 2) || !digits(d, 2) {
        return None;
    }
    NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
}

/// `YYYY-MM-DD`.
pub fn iso(d: NaiveDate) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue_18_days_read_and_write_as_chrono_did() {
        for s in [
            "2026-11-20",
            "2024-02-29",
            "0999-01-01",
            "2026-1-5",
            " 2026-07-10 ",
        ] {
            let ours = parse(s);
            let chrono = NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok();
            assert_eq!(ours, chrono, "{s:?}");
            if let Some(d) = ours {
                assert_eq!(iso(d), d.format("%Y-%m-%d").to_string());
            }
        }
        for bad in [
            "2026-02-30",
            "2026-13-01",
            "2026/11/20",
            "26-11-20",
            "2026-11",
            "",
            "二〇二六-11-20",
            "2026-11-20x",
        ] {
            assert_eq!(parse(bad), None, "{bad:?}");
        }
    }
}
