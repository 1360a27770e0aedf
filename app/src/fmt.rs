//! Formatting for people: dates, percentages, aligned tables.

/// A unix time as `YYYY-MM-DD` (UTC, proleptic Gregorian).
pub fn date(unix_ts: i64) -> String {
    let (y, m, d) = civil_from_days(unix_ts.div_euclid(86_400));
    format!("{y:04}-{m:02}-{d:02}")
}

/// A unix time as `YYYY-MM-DD HH:MM:SS UTC`.
pub fn date_time(unix_ts: i64) -> String {
    let secs = unix_ts.rem_euclid(86_400);
    format!(
        "{} {:02}:{:02}:{:02} UTC",
        date(unix_ts),
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// Howard Hinnant's days-to-civil algorithm.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// A ratio in bps → "104.25%", or "∞ (no MM)" for an account without margin.
pub fn ratio_bps(bps: u64) -> String {
    if bps == options_margin_risk::margin::RATIO_NO_MARGIN {
        "∞ (no MM)".into()
    } else {
        pct_bps(bps)
    }
}

/// precision: bps → "104.25%".
pub fn pct_bps(bps: u64) -> String {
    format!("{}.{:02}%", bps / 100, bps % 100)
}

/// Rows padded into columns (the first row is the header).
pub fn table(rows: &[Vec<String>]) -> String {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..cols)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for (i, r) in rows.iter().enumerate() {
        let line: Vec<String> = r
            .iter()
            .enumerate()
            .map(|(c, s)| format!("{s:<w$}", w = widths[c]))
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
        if i == 0 {
            let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
            out.push_str(&rule.join("  "));
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn dates_are_utc_civil_dates() {
        assert_eq!(super::date(0), "1970-01-01");
        assert_eq!(super::date(1_721_133_402), "2024-07-16");
        assert_eq!(super::date_time(1_721_133_402), "2024-07-16 12:36:42 UTC");
        assert_eq!(super::date(951_782_400), "2000-02-29");
    }
}
