//! Formatting for people: dates, percentages, aligned tables.

pub use options_margin_client::time::{date, date_time};

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
