//! Decimal amounts as people type them ("12.5" SOL, "$140") to and from
//! native integers, exactly: an amount with more decimals than the unit
//! has is refused, never rounded.

use crate::error::{ClientError, ClientResult};

/// `text` (digits with at most one '.') in units of `10^-decimals`: "1.5"
/// with 6 decimals is 1_500_000. More decimals than `decimals`, a sign,
/// an empty string or an overflow are errors.
pub fn parse_decimal(text: &str, decimals: u8) -> ClientResult<u64> {
    let t = text.trim().trim_start_matches('$').replace('_', "");
    let bad = |why: &str| ClientError::Input(format!("amount {text:?}: {why}"));
    let (whole, frac) = t.split_once('.').unwrap_or((&t, ""));
    if whole.is_empty() && frac.is_empty() {
        return Err(bad("not a number"));
    }
    if !whole
        .chars()
        .chain(frac.chars())
        .all(|c| c.is_ascii_digit())
    {
        return Err(bad("only digits and one '.' (no sign)"));
    }
    if frac.len() > decimals as usize {
        return Err(bad(&format!("at most {decimals} decimals")));
    }
    let scale = 10u64
        .checked_pow(decimals as u32)
        .ok_or_else(|| bad("too many decimals"))?;
    let whole: u64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| bad("too large"))?
    };
    let frac_native: u64 = if frac.is_empty() {
        0
    } else {
        let digits: u64 = frac.parse().map_err(|_| bad("too large"))?;
        digits * 10u64.pow((decimals as usize - frac.len()) as u32)
    };
    whole
        .checked_mul(scale)
        .and_then(|w| w.checked_add(frac_native))
        .ok_or_else(|| bad("too large"))
}

/// `native` in units of `10^-decimals`, with every decimal ("-1.500000").
pub fn format_decimal(native: i128, decimals: u8) -> String {
    let scale = 10i128.pow(decimals as u32);
    let sign = if native < 0 { "-" } else { "" };
    let (whole, frac) = (native.abs() / scale, native.abs() % scale);
    if decimals == 0 {
        return format!("{sign}{whole}");
    }
    format!("{sign}{whole}.{frac:0width$}", width = decimals as usize)
}

/// Quote native (1e-6 USD) as dollars with cents, rounded toward zero ("$-12.34").
pub fn format_usd(native: i128) -> String {
    let cents = native / 10_000;
    let sign = if cents < 0 { "-" } else { "" };
    format!("{sign}${}.{:02}", cents.abs() / 100, cents.abs() % 100)
}

/// precision: e12 USD → "$150.00".
pub fn format_usd_e12(price_e12: u128) -> String {
    format_usd((price_e12 / 1_000_000) as i128)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_exactly_and_refuses_what_it_cannot_represent() {
        assert_eq!(parse_decimal("1.5", 6).unwrap(), 1_500_000);
        assert_eq!(parse_decimal("$140", 12).unwrap(), 140_000_000_000_000);
        assert_eq!(parse_decimal(".25", 2).unwrap(), 25);
        assert_eq!(parse_decimal("1_000", 0).unwrap(), 1_000);
        for bad in [
            "",
            ".",
            "-1",
            "1.2.3",
            "abc",
            "1.0000001",
            "99999999999999999999",
        ] {
            assert!(parse_decimal(bad, 6).is_err(), "{bad}");
        }
    }

    #[test]
    fn formats_with_every_decimal() {
        assert_eq!(format_decimal(-1_500_000, 6), "-1.500000");
        assert_eq!(format_decimal(7, 0), "7");
        assert_eq!(format_usd(-12_345_678), "-$12.34");
        assert_eq!(format_usd_e12(150_000_000_000_000), "$150.00");
    }
}
