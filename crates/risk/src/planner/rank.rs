//! Ranking of liquidation candidates: rule 0 (restore first in a soft
//! tier, the largest MM release in a closeout), the score
//! `released / value`, then the seed's table as tie-breaks. The rules and
//! their reasons are in the parent module's docs ("Ranking").

use super::{div_floor_pos, Choice, Ctx};
use crate::collateral::CollateralInput;
use crate::error::RiskResult;
use crate::fixed::udivrem_small;
use crate::margin::PositionInput;
use crate::num::SafeMath;
use crate::wide::mul_u64_wide;

/// Ranking key of an eligible candidate (module docs): rule 0 (restores
/// the target / MM released), then the score `released / value` compared
/// exactly by cross-multiplication, then the tie-breaks lexicographically.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct RankKey {
    /// The plan is a closeout (whole candidates): MM released ranks first.
    closeout: bool,
    /// Soft tiers: the planned slice restores the target in this call.
    reaches: bool,
    /// unit: quote native. MM released (≤ MM before, so < 2^63).
    pub(super) released: i128,
    /// unit: quote native. Value liquidated, clamped into 1..=i64::MAX.
    pub(super) value: i128,
    delta_usd: i128,
    gamma_usd: i128,
    neg_upnl: i128,
    is_collateral: bool,
    neg_index: i16,
}

impl RankKey {
    /// Placeholder before the first candidate (never compared).
    pub(super) const NONE: Self = Self {
        closeout: false,
        reaches: false,
        released: 0,
        value: 1,
        delta_usd: 0,
        gamma_usd: 0,
        neg_upnl: 0,
        is_collateral: false,
        neg_index: 0,
    };

    fn new(ctx: &Ctx, released: i128, value: i128, reaches: bool) -> Self {
        Self {
            closeout: ctx.flattens(),
            reaches,
            released,
            value: value.clamp(1, i128::from(i64::MAX)),
            delta_usd: 0,
            gamma_usd: 0,
            neg_upnl: 0,
            is_collateral: false,
            neg_index: 0,
        }
    }

    /// Strictly preferred to `other` (both from the same plan, so both or
    /// neither are closeout keys).
    pub(super) fn beats(&self, other: &Self) -> bool {
        if !self.closeout && self.reaches != other.reaches {
            return self.reaches;
        }
        let by_release = self.closeout || !self.reaches;
        if by_release && self.released != other.released {
            return self.released > other.released;
        }
        // Both factors < 2^63: the products fit (exact 64×64 products when
        // all four are non-negative and below 2^64, as they are).
        match (
            u64::try_from(self.released),
            u64::try_from(other.value),
            u64::try_from(other.released),
            u64::try_from(self.value),
        ) {
            (Ok(r1), Ok(v2), Ok(r2), Ok(v1)) => {
                let (a, b) = (mul_u64_wide(r1, v2), mul_u64_wide(r2, v1));
                if a != b {
                    return a > b;
                }
            }
            _ => {
                let (a, b) = (self.released * other.value, other.released * self.value);
                if a != b {
                    return a > b;
                }
            }
        }
        let ka = (
            self.delta_usd,
            self.gamma_usd,
            self.neg_upnl,
            self.is_collateral,
            self.neg_index,
        );
        let kb = (
            other.delta_usd,
            other.gamma_usd,
            other.neg_upnl,
            other.is_collateral,
            other.neg_index,
        );
        ka > kb
    }
}

/// unit: quote native, approximately. `|size · greek_e9| · spot_e12 / 10^15`,
/// computed as `(|size·greek| / 10^6) · (spot / 10^9)` with one saturating
/// multiply (a tie-break only, never a money amount).
fn dollar_exposure(size: i64, greek_e9: i64, spot_e12: u64) -> i128 {
    // |size · greek| exactly (a 64×64 product of the magnitudes).
    let abs = mul_u64_wide(size.unsigned_abs(), greek_e9.unsigned_abs());
    let (units_e3, _) = udivrem_small(abs, 1_000_000);
    let spot_e3 = spot_e12 / 1_000_000_000;
    match u64::try_from(units_e3) {
        // Both factors below 2^64: the exact product, saturated at i128::MAX
        // as `saturating_mul` of two non-negative values is.
        Ok(u) => i128::try_from(mul_u64_wide(u, spot_e3)).unwrap_or(i128::MAX),
        Err(_) => (units_e3 as i128).saturating_mul(i128::from(spot_e3)),
    }
}

/// `a.saturating_mul(b)`, as one 64×64 product when both are non-negative
/// and below 2^64 (a quantity times a per-contract value).
fn saturating_product(a: i128, b: i128) -> i128 {
    match (u64::try_from(a), u64::try_from(b)) {
        (Ok(x), Ok(y)) => i128::try_from(mul_u64_wide(x, y)).unwrap_or(i128::MAX),
        _ => a.saturating_mul(b),
    }
}

/// precision: e12, floor. `released / value` (both ≥ 0; value clamped to ≥ 1).
pub(super) fn score_e12(released: i128, value: i128) -> RiskResult<u64> {
    let s = div_floor_pos(released.max(0).safe_mul(1_000_000_000_000)?, value.max(1));
    Ok(u64::try_from(s).unwrap_or(u64::MAX))
}

#[inline(never)] // own SBF frame: see "Stack" in the module docs
/// The key of position candidate `p` (index `idx`), in `out` (an out
/// parameter: a `RiskResult<RankKey>` is moved byte by byte on SBF).
pub(super) fn rank_position(
    ctx: &Ctx,
    p: &PositionInput,
    ch: &Choice,
    idx: usize,
    out: &mut RankKey,
) -> RiskResult<()> {
    let s = p.series;
    let per = i128::from(s.mark_native).abs() + i128::from(s.short_floor_mm_native) + 1;
    let upnl = p
        .mark_value_native()?
        .safe_sub(i128::from(p.cost_basis_native))?;
    *out = RankKey {
        delta_usd: dollar_exposure(p.size_contracts, s.delta_e9, s.spot_ref_e12),
        gamma_usd: dollar_exposure(p.size_contracts, s.gamma_e9, s.spot_ref_e12),
        neg_upnl: -upnl,
        is_collateral: false,
        neg_index: -(idx as i16),
        ..RankKey::new(
            ctx,
            ctx.mm0 - ch.mm_after,
            saturating_product(ch.quantity, per),
            ctx.reaches_target(
                ch.mm_after,
                ch.quantity == i128::from(p.size_contracts.unsigned_abs()),
            )?,
        )
    };
    Ok(())
}

#[inline(never)] // own SBF frame: see "Stack" in the module docs
pub(super) fn rank_collateral(
    ctx: &Ctx,
    c: &CollateralInput,
    ch: &Choice,
    idx: usize,
) -> RiskResult<RankKey> {
    let value = c.value_floor()?;
    let proceeds = value.safe_sub(c.value_of_floor(i128::from(c.balance_native) - ch.quantity)?)?;
    Ok(RankKey {
        delta_usd: value,
        is_collateral: true,
        neg_index: -(idx as i16),
        ..RankKey::new(
            ctx,
            ctx.mm0 - ch.mm_after,
            proceeds,
            ctx.reaches_target(ch.mm_after, ch.quantity == i128::from(c.balance_native))?,
        )
    })
}
