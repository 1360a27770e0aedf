//! The fixed liquidation fee.
//!
//! "Fixed" means its size comes from parameters, not from an auction:
//!
//! ```text
//! uncapped = rate_bps · MM released / 10_000      (floor: a payout)
//!          + flat_native                          (only on a closeout, see below)
//! fee      = min(uncapped, equity, R − 1, ⌈equity · R / MM_before⌉ − 1)   (≥ 0)
//! ```
//! where `R = MM_before − MM_after` is the maintenance margin the liquidation
//! releases. The fee is paid by the liquidated account to the liquidator.
//!
//! ## The caps
//! - `equity`: an account never pays more than it has; a bankrupt account
//!   (equity ≤ 0) and a call that releases nothing pay 0.
//! - `R − 1`: the account's excess `equity − MM` strictly improves.
//! - `⌈equity·R/MM_before⌉ − 1`, the largest integer below `equity·R/MM`:
//!   the margin ratio `equity/MM` strictly improves. (Below 100% this is
//!   the binding cap; at or above it `R − 1` is.)
//!
//! ## The flat part: charged once per closeout
//! The flat part is paid only by the call that **closes the candidate
//! completely** (the last contract of the position, or the last unit of the
//! collateral). A liquidation of part of a position earns the proportional
//! part only. This is what makes slicing unprofitable:
//!
//! Split one call (candidate `c`, quantity `Q`, releasing `R`) into `N`
//! calls of `q_1 + … + q_N = Q` on the same candidate. Then
//! - the flat part is earned by at most one slice (only the last one can
//!   close `c`), and by it exactly when the single call would earn it;
//! - `Σ ⌊rate·R_k⌋ ≤ ⌊rate·Σ R_k⌋ = ⌊rate·R⌋`, because MM is non-increasing
//!   along the planned path (so every `R_k ≥ 0`) and `Σ R_k` telescopes;
//! - each slice strictly improves the ratio and the excess, so the whole
//!   sequence does, which bounds the total by the single call's ratio and
//!   excess caps; and each slice is capped by the equity left, so the total
//!   is capped by the initial equity.
//!
//! Hence the N slices earn at most the single call's fee. The planner's
//! rate ramps with depth ([`crate::planner::LiquidationParams::fee_rate_at_floor`]):
//! each later slice starts from a higher ratio, so at a rate no higher than
//! the single call's, and the argument holds with `rate_k ≤ rate`. A pro-rated flat
//! part (by fraction of the position or of the plan) would not have this
//! property: the denominators shrink as slices are taken, so the fractions
//! of later slices sum to more than one. `tests/planner.rs` checks the
//! property with proptest.

use crate::collateral::BPS;
use crate::error::RiskResult;
use crate::num::{div_floor, SafeMath};
use crate::wide::{mul_u64_wide, udivrem_u128_u64};

/// What one liquidation call changes, as far as its fee is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FeeInputs {
    /// unit: quote native. Account equity before the call.
    pub equity_before_native: i64,
    /// unit: quote native. Maintenance margin before the call.
    pub mm_before_native: i64,
    /// unit: quote native. Maintenance margin after the call.
    pub mm_after_native: i64,
    /// The call takes the candidate's last contract / last collateral unit.
    pub closes_candidate: bool,
}

/// A computed fee and its parts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LiquidationFee {
    /// unit: quote native. What the account pays the liquidator.
    pub fee_native: u64,
    /// unit: quote native. Flat part before caps (0 unless a closeout).
    pub flat_part_native: u64,
    /// unit: quote native. `rate · MM released`, floor, before caps.
    pub proportional_part_native: u64,
    /// One of the caps (equity, excess, ratio) reduced the fee.
    pub capped: bool,
}

/// The fee of one liquidation call; see the module docs for the rule.
///
/// `fee_flat_native` (unit: quote native) and `fee_rate_bps` (precision: bps
/// of the MM released) are the exchange's parameters. Errors: `MathOverflow`.
pub fn liquidation_fee(
    fee_flat_native: u64,
    fee_rate_bps: u16,
    f: &FeeInputs,
) -> RiskResult<LiquidationFee> {
    let equity = i128::from(f.equity_before_native);
    let mm_before = i128::from(f.mm_before_native);
    let released = mm_before.safe_sub(i128::from(f.mm_after_native))?;
    if released <= 0 || equity <= 0 || mm_before <= 0 {
        return Ok(LiquidationFee {
            fee_native: 0,
            flat_part_native: 0,
            proportional_part_native: 0,
            capped: false,
        });
    }
    // 0 < released < 2^64, 0 < equity, mm_before < 2^63: unsigned 64-bit
    // forms of the same floors and ceilings (native on SBF).
    let r = released as u64;
    let proportional = if r >> 48 == 0 {
        // released · rate < 2^64.
        i128::from(r.wrapping_mul(u64::from(fee_rate_bps)) / BPS as u64)
    } else {
        div_floor(released.safe_mul(i128::from(fee_rate_bps))?, BPS)?
    };
    let flat = if f.closes_candidate {
        i128::from(fee_flat_native)
    } else {
        0
    };
    let uncapped = proportional.safe_add(flat)?;
    // ⌈equity · released / mm_before⌉ − 1: the product is below 2^127.
    let (q, rem) = udivrem_u128_u64(mul_u64_wide(equity as u64, r), mm_before as u64);
    let ratio_cap = q as i128 + i128::from(rem != 0) - 1;
    let cap = equity.min(released - 1).min(ratio_cap).max(0);
    let fee = uncapped.min(cap);
    Ok(LiquidationFee {
        fee_native: fee as u64,
        flat_part_native: flat as u64,
        proportional_part_native: proportional as u64,
        capped: fee < uncapped,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fee(e: i64, before: i64, after: i64, closes: bool) -> u64 {
        let f = FeeInputs {
            equity_before_native: e,
            mm_before_native: before,
            mm_after_native: after,
            closes_candidate: closes,
        };
        liquidation_fee(1_000, 100, &f).unwrap().fee_native
    }

    #[test]
    fn proportional_and_flat_parts() {
        // 1% of 100_000 released, no closeout.
        assert_eq!(fee(1_040_000, 1_000_000, 900_000, false), 1_000);
        assert_eq!(fee(1_040_000, 1_000_000, 900_000, true), 2_000);
        // 1% of 99 rounds down to 0.
        assert_eq!(fee(1_040_000, 1_000_000, 999_901, false), 0);
    }

    #[test]
    fn caps() {
        // Bankrupt or nothing released: no fee.
        assert_eq!(fee(0, 1_000, 0, true), 0);
        assert_eq!(fee(-5, 1_000, 0, true), 0);
        assert_eq!(fee(1_000, 1_000, 1_000, true), 0);
        // Excess cap: releases 10, flat would be 1_000 → at most 9.
        assert_eq!(fee(1_050_000, 1_000_000, 999_990, true), 9);
        // Ratio cap below 100%: equity 500, MM 1_000 → 1_000 released, fee < 500.
        assert_eq!(fee(500, 1_000, 0, true), 499);
        // Equity cap is implied by the ratio cap (R ≤ MM).
        assert!(fee(3, 1_000_000, 0, true) < 3);
    }
}
