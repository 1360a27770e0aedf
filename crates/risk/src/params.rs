//! Exchange-wide risk parameters: their layout, their defaults and their
//! bounds, in one place. The program stores [`RiskParams`] byte for byte
//! (it mirrors the struct only so that its IDL can describe it), validates
//! every admin change with [`RiskParams::validate`], and the planner, the
//! bot, the CLI and the deploy script take their defaults from
//! [`RiskParams::DEFAULT`].
//!
//! ## Why each bound
//! - **Tiers**: thresholds strictly descend from at most
//!   [`MAX_FIRST_TIER_BPS`] (120%) to exactly 100%; fractions ascend to
//!   100%. A first tier far above 100% would let an admin put healthy
//!   accounts into liquidation.
//! - **Flatten threshold** at most the last tier (100%): whole-candidate
//!   closeouts only for accounts already in closeout; 10_000 flattens every
//!   closeout (the seed's full liquidation), 0 only bankrupt accounts.
//! - **Target** in (first tier, [`MAX_TARGET_RATIO_BPS`]]: a liquidation
//!   restores at most 200% of MM, never more than the account needs.
//! - **IM floor** ≥ the first tier: an account that meets initial margin is
//!   never in tier 1 at the same prices (see [`crate::margin::MarginTotals::with_im_floor`]).
//! - **Fees** ≤ [`MAX_FEE_RATE_BPS`] of the MM released and ≤
//!   [`MAX_FEE_FLAT_NATIVE`] flat; at most half of a fee to insurance.
//! - **Freshness**: vectors at most 10 minutes old, a 0.01–5% price band.
//! - **Parameter delay** in [`MIN_PARAM_DELAY_SECS`]..=[`MAX_PARAM_DELAY_SECS`]:
//!   changes that can push accounts into liquidation are announced before
//!   they apply.

use bytemuck::{Pod, Zeroable};

use crate::error::RiskError;
use crate::types::BPS;

/// precision: bps of equity / MM. Highest accepted first-tier threshold (120%).
pub const MAX_FIRST_TIER_BPS: u32 = 12_000;
/// precision: bps of equity / MM. Highest accepted target ratio (200%).
pub const MAX_TARGET_RATIO_BPS: u32 = 20_000;
/// precision: bps of the MM released. Highest proportional fee (10%).
pub const MAX_FEE_RATE_BPS: u16 = 1_000;
/// unit: quote native. Highest flat fee (100 USD).
pub const MAX_FEE_FLAT_NATIVE: u64 = 100_000_000;
/// precision: bps of a fee. Highest share of a fee routed to insurance (50%).
pub const MAX_INSURANCE_FEE_SHARE_BPS: u16 = 5_000;
/// unit: seconds. Longest grace period between soft-tier calls (1 hour).
pub const MAX_GRACE_PERIOD_SECS: u32 = 3_600;
/// unit: seconds. Longest accepted age of stored series vectors (10 minutes).
pub const MAX_RISK_AGE_SECS: u32 = 600;
/// precision: bps of spot. Widest accepted refresh price band (5%).
pub const MAX_PRICE_BAND_BPS: u32 = 500;
/// precision: bps of MM. Highest accepted IM floor (200% of MM).
pub const MAX_IM_FLOOR_RATIO_BPS: u32 = 20_000;
/// unit: quote native. Largest balance value that counts as dust (10 USD).
pub const MAX_DUST_NATIVE: u64 = 10_000_000;
/// precision: bps of the mark. Widest premium band of a below-IM trade (20%).
pub const MAX_TRADE_BAND_BPS: u16 = 2_000;
/// precision: bps of the EMA price. Accepted EMA deviation bounds (0.1%–50%).
pub const MIN_EMA_DEVIATION_BPS: u16 = 10;
pub const MAX_EMA_DEVIATION_BPS: u16 = 5_000;
/// unit: seconds. Shortest and longest delay of a parameter change.
pub const MIN_PARAM_DELAY_SECS: u32 = 3_600;
pub const MAX_PARAM_DELAY_SECS: u32 = 7 * 86_400;
/// unit: seconds. A proposed change not applied within this long after it
/// became applicable expires (nobody can apply a forgotten proposal later,
/// at a moment of their choosing).
pub const PARAM_CHANGE_EXPIRY_SECS: i64 = 7 * 86_400;

/// unit: seconds. Risk-adding checks (withdrawals, trades that raise IM or
/// MM) refuse a price update older than this: a caller may not pick a stale
/// update from the oracle's accepted age window (a minute) to add risk at
/// pre-crash prices.
pub const RISK_ADDING_MAX_PRICE_AGE_SECS: i64 = 10;

/// One liquidation tier.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Pod, Zeroable)]
pub struct TierParams {
    /// precision: bps of equity / MM. The tier applies below this ratio.
    pub below_ratio_bps: u32,
    /// precision: bps of the candidate. Most one call may liquidate (10_000 = all).
    pub max_fraction_bps: u32,
}

/// Protocol-wide risk parameters. `repr(C)` without padding, so the bytes
/// the program stores equal the borsh encoding of an instruction argument.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Pod, Zeroable)]
pub struct RiskParams {
    /// Liquidation tiers, strictly descending thresholds (defaults 105%, 102%, 100%).
    pub tiers: [TierParams; 3],
    /// precision: bps of equity / MM. Ratio a liquidation restores (default 110%).
    pub target_ratio_bps: u32,
    /// unit: seconds. Wait after a soft-tier call that took its full plan,
    /// while the account's ratio stays at or above where that call left it.
    pub grace_period_secs: u32,
    /// unit: quote native. Flat part of the liquidation fee.
    pub fee_flat_native: u64,
    /// precision: bps of the maintenance margin released. Proportional fee part.
    pub fee_rate_bps: u16,
    /// precision: bps of each liquidation fee accrued to the insurance fund.
    pub insurance_fee_share_bps: u16,
    /// unit: seconds. Maximum age of stored series risk vectors.
    pub max_risk_age_secs: u32,
    /// precision: bps of spot. Maximum move of the oracle price since a risk refresh.
    pub price_band_bps: u32,
    /// precision: bps of MM. The initial margin an account must meet is at
    /// least this share of its maintenance margin (≥ the first tier).
    pub im_floor_ratio_bps: u32,
    /// unit: quote native. Balances worth at most this can be written off in bankruptcy.
    pub dust_native: u64,
    /// precision: bps of the mark. A side that ends below IM must trade within this band.
    pub trade_band_bps: u16,
    /// precision: bps of the EMA price. Risk-adding checks refuse an
    /// underlying price further than this from its EMA.
    pub max_ema_deviation_bps: u16,
    /// unit: seconds. Delay between proposing and applying a parameter change.
    pub param_delay_secs: u32,
    /// precision: bps of equity / MM. Below this ratio a closeout closes
    /// whole candidates, call after call (the book is flattened); between
    /// it and the last tier a closeout takes just enough to restore the
    /// target. At most the last tier's threshold (10_000 flattens every
    /// closeout, the seed's full liquidation); a bankrupt account
    /// (equity ≤ 0) is always flattened.
    pub flatten_below_ratio_bps: u32,
    /// What a soft tier's `max_fraction_bps` is a share of:
    /// [`CAP_OF_ACCOUNT_MM`] (the MM one call may release, rounded up to
    /// a lot) or [`CAP_OF_CANDIDATE`] (the candidate's size).
    pub soft_cap_basis: u8,
    pub _reserved: u8,
    /// precision: bps of the MM released. The proportional fee rate ramps
    /// linearly from `fee_rate_bps` at the first tier's threshold to this
    /// at the last tier's (100%), and stays there below: the deeper an
    /// account has fallen while nobody took it, the more a liquidator
    /// earns (no ramp when not above `fee_rate_bps`).
    pub fee_rate_max_bps: u16,
}

const _: () = assert!(core::mem::size_of::<RiskParams>() == 80);

/// precision: bps of the MM released. Default [`RiskParams::fee_rate_max_bps`].
pub const FEE_RATE_MAX_DEFAULT_BPS: u16 = 600;

/// [`RiskParams::soft_cap_basis`]: a soft call releases at most the
/// tier's fraction of the account's MM (sized on the shortfall).
pub const CAP_OF_ACCOUNT_MM: u8 = 0;
/// [`RiskParams::soft_cap_basis`]: a soft call takes at most the tier's
/// fraction of the chosen candidate (at least one lot).
pub const CAP_OF_CANDIDATE: u8 = 1;

impl RiskParams {
    /// The seed's tiers (105% / 102% / 100%: soft calls releasing up to
    /// 10% / 25% of the account's MM, then closeouts of just enough down
    /// to 50%, whole candidates below), a 110% target, IM at least 110% of
    /// MM, a 1 USD + 1% fee rising to 6% of the MM released as the account
    /// falls from 105% to 100%, 20% of it to insurance, a two-minute grace
    /// after a soft call its cap cut, vectors valid 60 s within 1% of
    /// spot, a 5% premium band for below-IM trades, a 10% EMA deviation
    /// bound and a one-day parameter delay.
    pub const DEFAULT: Self = Self {
        tiers: [
            TierParams {
                below_ratio_bps: 10_500,
                max_fraction_bps: 1_000,
            },
            TierParams {
                below_ratio_bps: 10_200,
                max_fraction_bps: 2_500,
            },
            TierParams {
                below_ratio_bps: 10_000,
                max_fraction_bps: 10_000,
            },
        ],
        target_ratio_bps: 11_000,
        grace_period_secs: 120,
        fee_flat_native: 1_000_000,
        fee_rate_bps: 100,
        insurance_fee_share_bps: 2_000,
        max_risk_age_secs: 60,
        price_band_bps: 100,
        im_floor_ratio_bps: 11_000,
        dust_native: 10_000,
        trade_band_bps: 500,
        max_ema_deviation_bps: 1_000,
        param_delay_secs: 86_400,
        flatten_below_ratio_bps: 5_000,
        soft_cap_basis: CAP_OF_ACCOUNT_MM,
        _reserved: 0,
        fee_rate_max_bps: FEE_RATE_MAX_DEFAULT_BPS,
    };

    /// Every bound of the module docs, or the first one violated.
    pub fn validate(&self) -> Result<(), ParamError> {
        validate_liquidation(&self.tiers, self.target_ratio_bps, self.fee_rate_bps)?;
        check(
            self.flatten_below_ratio_bps <= self.tiers[2].below_ratio_bps
                && self.soft_cap_basis <= CAP_OF_CANDIDATE
                && self._reserved == 0,
            ParamError::Closeout,
        )?;
        check(
            self.fee_rate_max_bps <= MAX_FEE_RATE_BPS,
            ParamError::FeeRate,
        )?;
        check(
            self.im_floor_ratio_bps >= self.tiers[0].below_ratio_bps
                && self.im_floor_ratio_bps <= MAX_IM_FLOOR_RATIO_BPS,
            ParamError::ImFloor,
        )?;
        check(
            self.grace_period_secs <= MAX_GRACE_PERIOD_SECS,
            ParamError::GracePeriod,
        )?;
        check(
            self.fee_flat_native <= MAX_FEE_FLAT_NATIVE
                && self.insurance_fee_share_bps <= MAX_INSURANCE_FEE_SHARE_BPS,
            ParamError::Fee,
        )?;
        check(
            (1..=MAX_RISK_AGE_SECS).contains(&self.max_risk_age_secs)
                && (1..=MAX_PRICE_BAND_BPS).contains(&self.price_band_bps),
            ParamError::Freshness,
        )?;
        check(self.dust_native <= MAX_DUST_NATIVE, ParamError::Dust)?;
        check(
            (1..=MAX_TRADE_BAND_BPS).contains(&self.trade_band_bps),
            ParamError::TradeBand,
        )?;
        check(
            (MIN_EMA_DEVIATION_BPS..=MAX_EMA_DEVIATION_BPS).contains(&self.max_ema_deviation_bps),
            ParamError::EmaDeviation,
        )?;
        check(
            (MIN_PARAM_DELAY_SECS..=MAX_PARAM_DELAY_SECS).contains(&self.param_delay_secs),
            ParamError::Delay,
        )
    }

    /// The planner's view of these parameters.
    pub fn liquidation(&self) -> crate::planner::LiquidationParams {
        let tier = |t: &TierParams| crate::planner::Tier {
            below_ratio_bps: t.below_ratio_bps,
            max_fraction_bps: t.max_fraction_bps,
        };
        crate::planner::LiquidationParams {
            tiers: [
                tier(&self.tiers[0]),
                tier(&self.tiers[1]),
                tier(&self.tiers[2]),
            ],
            target_ratio_bps: self.target_ratio_bps,
            fee_flat_native: self.fee_flat_native,
            fee_rate_bps: self.fee_rate_bps,
            flatten_below_ratio_bps: self.flatten_below_ratio_bps,
            soft_cap_basis: self.soft_cap_basis,
            fee_rate_max_bps: self.fee_rate_max_bps,
        }
    }
}

/// Which bound a parameter set violates (the program names each in its log).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamError {
    /// Tiers not strictly descending from ≤ 120% to 100%, or fractions not ascending to 100%.
    Tiers,
    /// Target not above the first tier, or above 200%.
    Target,
    /// Proportional fee above 10%.
    FeeRate,
    /// IM floor below the first tier or above 200%.
    ImFloor,
    /// Grace period above one hour.
    GracePeriod,
    /// Flat fee above 100 USD or insurance share above 50%.
    Fee,
    /// Vector age outside 1..=600 s or price band outside 1..=500 bps.
    Freshness,
    /// Dust above 10 USD.
    Dust,
    /// Premium band outside 1..=2000 bps.
    TradeBand,
    /// EMA deviation bound outside 10..=5000 bps.
    EmaDeviation,
    /// Parameter delay outside one hour ..= seven days.
    Delay,
    /// Flatten threshold above the last tier, or an unknown soft-cap basis.
    Closeout,
}

fn check(ok: bool, e: ParamError) -> Result<(), ParamError> {
    if ok {
        Ok(())
    } else {
        Err(e)
    }
}

/// The bounds the planner itself relies on (also part of
/// [`RiskParams::validate`]): tiers, target and proportional fee.
pub fn validate_liquidation(
    tiers: &[TierParams; 3],
    target_ratio_bps: u32,
    fee_rate_bps: u16,
) -> Result<(), ParamError> {
    let one = BPS as u32;
    let t = tiers;
    check(
        t[0].below_ratio_bps <= MAX_FIRST_TIER_BPS
            && t[0].below_ratio_bps > t[1].below_ratio_bps
            && t[1].below_ratio_bps > t[2].below_ratio_bps
            && t[2].below_ratio_bps == one
            && t[0].max_fraction_bps > 0
            && t[0].max_fraction_bps <= t[1].max_fraction_bps
            && t[1].max_fraction_bps <= t[2].max_fraction_bps
            && t[2].max_fraction_bps == one,
        ParamError::Tiers,
    )?;
    check(
        target_ratio_bps > t[0].below_ratio_bps && target_ratio_bps <= MAX_TARGET_RATIO_BPS,
        ParamError::Target,
    )?;
    check(fee_rate_bps <= MAX_FEE_RATE_BPS, ParamError::FeeRate)
}

impl From<ParamError> for RiskError {
    fn from(_: ParamError) -> Self {
        RiskError::InvalidTiers
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_are_valid() {
        assert_eq!(RiskParams::DEFAULT.validate(), Ok(()));
    }

    #[test]
    fn each_bound_is_enforced_at_its_edge() {
        let d = RiskParams::DEFAULT;
        type Case = (fn(&mut RiskParams), ParamError);
        let cases: [Case; 15] = [
            (
                |p| p.fee_rate_max_bps = MAX_FEE_RATE_BPS + 1,
                ParamError::FeeRate,
            ),
            (|p| p.flatten_below_ratio_bps = 10_001, ParamError::Closeout),
            (|p| p.soft_cap_basis = 2, ParamError::Closeout),
            (
                |p| p.tiers[0].below_ratio_bps = MAX_FIRST_TIER_BPS + 1,
                ParamError::Tiers,
            ),
            (|p| p.tiers[2].below_ratio_bps = 9_999, ParamError::Tiers),
            (|p| p.target_ratio_bps = 10_500, ParamError::Target),
            (
                |p| p.target_ratio_bps = MAX_TARGET_RATIO_BPS + 1,
                ParamError::Target,
            ),
            (
                |p| p.fee_rate_bps = MAX_FEE_RATE_BPS + 1,
                ParamError::FeeRate,
            ),
            (|p| p.im_floor_ratio_bps = 10_499, ParamError::ImFloor),
            (
                |p| p.grace_period_secs = MAX_GRACE_PERIOD_SECS + 1,
                ParamError::GracePeriod,
            ),
            (
                |p| p.insurance_fee_share_bps = MAX_INSURANCE_FEE_SHARE_BPS + 1,
                ParamError::Fee,
            ),
            (|p| p.max_risk_age_secs = 0, ParamError::Freshness),
            (|p| p.trade_band_bps = 0, ParamError::TradeBand),
            (
                |p| p.max_ema_deviation_bps = MIN_EMA_DEVIATION_BPS - 1,
                ParamError::EmaDeviation,
            ),
            (
                |p| p.param_delay_secs = MIN_PARAM_DELAY_SECS - 1,
                ParamError::Delay,
            ),
        ];
        for (mutate, expected) in cases {
            let mut p = d;
            mutate(&mut p);
            assert_eq!(p.validate(), Err(expected), "{p:?}");
        }
        // The edges themselves are accepted.
        let mut p = d;
        p.tiers[0].below_ratio_bps = MAX_FIRST_TIER_BPS;
        p.target_ratio_bps = MAX_TARGET_RATIO_BPS;
        p.im_floor_ratio_bps = MAX_FIRST_TIER_BPS;
        p.fee_rate_bps = MAX_FEE_RATE_BPS;
        p.param_delay_secs = MAX_PARAM_DELAY_SECS;
        p.flatten_below_ratio_bps = 10_000;
        p.soft_cap_basis = CAP_OF_CANDIDATE;
        assert_eq!(p.validate(), Ok(()));
    }
}
