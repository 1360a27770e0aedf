//! How fast the volatility authority may move a series' volatility.
//!
//! A per-update bound compounds: four updates of +50% in one transaction
//! took a series from 75% to 380%. The bound is therefore per unit of
//! time: an update may move the volatility by at most
//! `max_change_bps · min(elapsed, window) / window` of its previous value,
//! where `elapsed` is the time since the previous update. A second update
//! in the same second may not move it at all, and however the updates are
//! spaced, the volatility moves by at most a factor `e^{max_change · t /
//! window}` over a time `t` (the continuous compounding of the linear
//! allowance), never faster than the stated rate.

use crate::types::BPS;

/// Whether `previous_e6 → next_e6` (precision: e6) after `elapsed_secs`
/// seconds is within `max_change_bps` per `window_secs`:
/// `|next − previous| · window · 10_000 ≤ previous · max_change_bps · min(elapsed, window)`,
/// exact in integers. A first value (`previous_e6 == 0`) is not bounded here.
pub fn vol_change_within_limit(
    previous_e6: u32,
    next_e6: u32,
    elapsed_secs: i64,
    max_change_bps: u16,
    window_secs: u32,
) -> bool {
    if previous_e6 == 0 {
        return true;
    }
    let window = u128::from(window_secs.max(1));
    let elapsed = u128::try_from(elapsed_secs.max(0)).unwrap_or(0).min(window);
    let change = u128::from(next_e6.abs_diff(previous_e6));
    change * window * u128::from(BPS)
        <= u128::from(previous_e6) * u128::from(max_change_bps) * elapsed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_allowance_grows_with_time_and_stops_at_the_window() {
        // 50% per hour from 75%: 37.5 points after an hour, none at once.
        assert!(vol_change_within_limit(
            750_000, 1_125_000, 3_600, 5_000, 3_600
        ));
        assert!(!vol_change_within_limit(
            750_000, 1_125_001, 3_600, 5_000, 3_600
        ));
        assert!(!vol_change_within_limit(
            750_000, 1_125_001, 86_400, 5_000, 3_600
        ));
        assert!(!vol_change_within_limit(750_000, 750_001, 0, 5_000, 3_600));
        assert!(vol_change_within_limit(750_000, 750_000, 0, 5_000, 3_600));
        // Half the window, half the allowance, either direction.
        assert!(vol_change_within_limit(
            750_000, 937_500, 1_800, 5_000, 3_600
        ));
        assert!(vol_change_within_limit(
            750_000, 562_500, 1_800, 5_000, 3_600
        ));
        assert!(!vol_change_within_limit(
            750_000, 562_499, 1_800, 5_000, 3_600
        ));
        assert!(vol_change_within_limit(0, 5_000_000, 0, 5_000, 3_600));
    }

    #[test]
    fn updates_in_one_second_cannot_compound() {
        let mut vol = 750_000u32;
        let mut moved = 0;
        for _ in 0..4 {
            let next = vol + vol / 2;
            if vol_change_within_limit(vol, next, 0, 5_000, 3_600) {
                vol = next;
                moved += 1;
            }
        }
        assert_eq!(moved, 0);
    }
}
