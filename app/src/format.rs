//! Text for money and dates, shared by the account pages, the admin and the
//! failover copy (dates through chrono, always UTC).

use chrono::{DateTime, Datelike, NaiveDate};

/// Cents as dollars: `$1,234.50`.
pub fn money(minor: i64) -> String {
    let (d, c) = (minor.abs() / 100, minor.abs() % 100);
    let digits = d.to_string();
    let mut grouped = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    format!("{}${grouped}.{c:02}", if minor < 0 { "-" } else { "" })
}

/// Unix seconds as `YYYY-MM-DD HH:MM` (UTC).
pub fn when(secs: i64) -> String {
    DateTime::from_timestamp(secs, 0).map(|t| t.format("%Y-%m-%d %H:%M").to_string()).unwrap_or_default()
}

/// Days since 1970-01-01 as `MM-DD`, for a chart's axis.
pub fn day_label(days: i64) -> String {
    DateTime::from_timestamp(days * 86_400, 0).map(|t| t.format("%m-%d").to_string()).unwrap_or_default()
}

/// `YYYY-MM-DD` (a real day, years 1970 to 9999) to Unix seconds at 00:00 UTC.
pub fn parse_day(s: &str) -> Option<i64> {
    let day = NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()?;
    (1970..=9999).contains(&day.year()).then(|| day.and_hms_opt(0, 0, 0)).flatten().map(|t| t.and_utc().timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_and_print_in_utc() {
        assert_eq!(when(0), "1970-01-01 00:00");
        assert_eq!(when(1_795_305_600 + 3_660), "2026-11-22 01:01");
        assert_eq!(day_label(20_414), "11-22");
        assert_eq!(parse_day("1970-01-02"), Some(86_400));
        assert_eq!(parse_day("2026-11-22"), Some(1_795_305_600));
        assert_eq!(parse_day("2026-02-30"), None);
        assert_eq!(parse_day("1969-12-31"), None);
        assert_eq!(parse_day("x"), None);
    }

    #[test]
    fn money_groups_thousands() {
        assert_eq!(money(12_345_678), "$123,456.78");
        assert_eq!(money(5), "$0.05");
        assert_eq!(money(-150), "-$1.50");
    }
}
