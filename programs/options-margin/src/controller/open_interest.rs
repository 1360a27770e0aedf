//! Open interest of a series: long equals short, and it never goes negative.

use anchor_lang::prelude::*;

use crate::math::invariant;
use crate::state::Series;

/// Long open interest a side adds when its size goes from `size_before` to
/// `size_after` (may be negative).
pub fn long_delta(size_before: i64, size_after: i64) -> i64 {
    size_after.max(0) - size_before.max(0)
}

/// Adds `delta_contracts` of long open interest to `series`; the new value.
pub fn apply_open_interest(series: &mut Series, delta_contracts: i64) -> Result<u64> {
    let oi = i64::try_from(series.open_interest_contracts)
        .ok()
        .and_then(|oi| oi.checked_add(delta_contracts))
        .ok_or_else(|| invariant("open interest overflow"))?;
    let oi = u64::try_from(oi).map_err(|_| invariant("open interest below zero"))?;
    series.open_interest_contracts = oi;
    Ok(oi)
}
