//! Unix times as UTC calendar dates for people (proleptic Gregorian).

/// Days since 1970-01-01 → (year, month, day): Howard Hinnant's
/// `civil_from_days`.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
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

/// A unix time as `YYYY-MM-DD`.
pub fn date(unix_ts: i64) -> String {
    let (y, m, d) = civil_from_days(unix_ts.div_euclid(86_400));
    format!("{y:04}-{m:02}-{d:02}")
}

/// A unix time as `YYYY-MM-DD HH:MM UTC`.
pub fn date_time_minutes(unix_ts: i64) -> String {
    let secs = unix_ts.rem_euclid(86_400);
    format!(
        "{} {:02}:{:02} UTC",
        date(unix_ts),
        secs / 3_600,
        secs % 3_600 / 60
    )
}

/// A unix time as `YYYY-MM-DD HH:MM:SS UTC`.
pub fn date_time(unix_ts: i64) -> String {
    let secs = unix_ts.rem_euclid(86_400);
    format!(
        "{} {:02}:{:02}:{:02} UTC",
        date(unix_ts),
        secs / 3_600,
        secs / 60 % 60,
        secs % 60
    )
}
