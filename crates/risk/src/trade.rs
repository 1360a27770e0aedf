//! The margin rule of one side of a bilateral trade.
//!
//! A trade moves a position and its premium between two accounts. Each side
//! is judged on the **whole account**, before and after the fill, at the
//! same prices, never on the traded position alone:
//!
//! 1. **Adds risk** when initial *or* maintenance margin rises (exactly,
//!    in quote native). Such a side must end at or above initial margin
//!    (and the program also demands fresh volatility on every series it
//!    holds and an underlying price near its EMA).
//! 2. **Reduces** when neither IM nor MM rises. A reducing side that ends
//!    at or above IM passes.
//! 3. A reducing side that ends **below IM** must not lose health in
//!    absolute terms: `equity − MM` after ≥ before (`HealthWouldFall`), and
//!    it must trade within [`PremiumBand`] of the series' mark
//!    (`PremiumOutsideBand`). An account can therefore shed risk while
//!    distressed, but cannot pay an accomplice for the privilege.
//! 4. A side that was **below MM** before (liquidatable) may only trade at
//!    the mark or better: its equity may not fall (`EquityWouldFall`).
//!    Anything else goes through liquidation, where the protocol sets the
//!    price.
//!
//! Why not the ratio: `equity / MM` is floored to 0 for negative equity, so
//! an underwater account "keeps its ratio" at any premium; and a per-position
//! notion of "reducing" lets an account sell the hedge of a spread (its
//! position shrinks) while its MM rises.

use crate::margin::MarginTotals;
use crate::types::BPS;

/// What a side's check found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SideVerdict {
    /// IM or MM rose; the side meets IM after the fill.
    AddsRisk,
    /// Neither IM nor MM rose.
    Reduces,
}

/// Why a side was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TradeRefusal {
    /// The side adds risk (or reduces it while paying too much) and ends below IM.
    BelowInitialMargin,
    /// A reducing side below IM would lose `equity − MM`.
    HealthWouldFall,
    /// A side below MM would lose equity (it must trade at the mark or better).
    EquityWouldFall,
    /// A reducing side below IM trades outside the premium band.
    PremiumOutsideBand,
}

/// The premium of the fill, seen from one side, and the band it must lie in
/// when that side ends below IM.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PremiumBand {
    /// unit: quote native per contract. The series' stored mark (floor).
    pub mark_native: i64,
    /// unit: quote native per contract. The fill's premium.
    pub premium_native: i64,
    /// This side buys (pays the premium).
    pub buys: bool,
    /// precision: bps of the mark. Half-width of the band.
    pub band_bps: u16,
}

impl PremiumBand {
    /// unit: quote native per contract, floor. `⌊mark · band / 10_000⌋`:
    /// the band is rounded in the protocol's favour (narrower).
    fn half_width_floor(&self) -> i128 {
        i128::from(self.mark_native.max(0)) * i128::from(self.band_bps) / i128::from(BPS)
    }

    /// A buyer pays at most `mark + 1 + width` (a short's liability is
    /// `mark + 1` per contract); a seller receives at least `mark − width`.
    pub fn contains(&self) -> bool {
        let mark = i128::from(self.mark_native);
        let premium = i128::from(self.premium_native);
        let width = self.half_width_floor();
        if self.buys {
            premium <= mark + 1 + width
        } else {
            premium >= mark - width
        }
    }
}

/// The rule of the module docs for one side. `before` and `after` are the
/// side's totals (IM floor applied) at the same prices, before and after
/// the fill.
pub fn check_trade_side(
    before: &MarginTotals,
    after: &MarginTotals,
    band: &PremiumBand,
) -> Result<SideVerdict, TradeRefusal> {
    let reduces = after.im_native <= before.im_native && after.mm_native <= before.mm_native;
    if !reduces {
        return if after.meets_initial() {
            Ok(SideVerdict::AddsRisk)
        } else {
            Err(TradeRefusal::BelowInitialMargin)
        };
    }
    if after.meets_initial() {
        return Ok(SideVerdict::Reduces);
    }
    let health = |t: &MarginTotals| i128::from(t.equity_native) - i128::from(t.mm_native);
    if health(after) < health(before) {
        return Err(TradeRefusal::HealthWouldFall);
    }
    if !before.meets_maintenance() && after.equity_native < before.equity_native {
        return Err(TradeRefusal::EquityWouldFall);
    }
    if !band.contains() {
        return Err(TradeRefusal::PremiumOutsideBand);
    }
    Ok(SideVerdict::Reduces)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn totals(equity: i64, mm: i64, im: i64) -> MarginTotals {
        MarginTotals {
            equity_native: equity,
            mm_native: mm,
            im_native: im,
            ratio_bps: 0,
        }
    }

    fn band(premium: i64, buys: bool) -> PremiumBand {
        PremiumBand {
            mark_native: 1_000,
            premium_native: premium,
            buys,
            band_bps: 500,
        }
    }

    #[test]
    fn the_band_is_one_sided_and_rounded_narrow() {
        assert!(band(1_051, true).contains());
        assert!(!band(1_052, true).contains());
        assert!(!band(0, false).contains());
        assert!(band(950, false).contains());
        assert!(!band(949, false).contains());
        // A far better price than the mark is always inside.
        assert!(band(0, true).contains());
        assert!(band(1_000_000, false).contains());
    }

    #[test]
    fn an_underwater_buy_back_at_the_whole_vault_is_refused() {
        // Equity −100, MM 50: the old ratio rule saw 0 ≥ 0 at any premium.
        let before = totals(-100, 50, 60);
        let after = totals(-1_000_000, 40, 48);
        assert_eq!(
            check_trade_side(&before, &after, &band(1_000_000, true)),
            Err(TradeRefusal::HealthWouldFall)
        );
    }

    #[test]
    fn below_mm_only_at_the_mark_or_better() {
        let before = totals(30, 50, 60);
        // MM released 10 pays for 10 of overpayment: health equal, equity down.
        let after = totals(20, 40, 48);
        assert_eq!(
            check_trade_side(&before, &after, &band(1_010, true)),
            Err(TradeRefusal::EquityWouldFall)
        );
        let after = totals(30, 40, 48);
        assert_eq!(
            check_trade_side(&before, &after, &band(1_001, true)),
            Ok(SideVerdict::Reduces)
        );
    }

    #[test]
    fn a_rising_mm_is_adding_risk_even_if_a_position_shrinks() {
        // Selling the hedge of a spread: IM falls a little, MM rises.
        let before = totals(1_000, 400, 900);
        let after = totals(1_000, 500, 880);
        assert_eq!(
            check_trade_side(&before, &after, &band(1_000, false)),
            Ok(SideVerdict::AddsRisk)
        );
        let after = totals(1_000, 500, 1_001);
        assert_eq!(
            check_trade_side(&before, &after, &band(1_000, false)),
            Err(TradeRefusal::BelowInitialMargin)
        );
    }

    #[test]
    fn reducing_below_im_keeps_health_and_the_band() {
        let before = totals(100, 80, 120);
        let ok = totals(95, 70, 110);
        assert_eq!(
            check_trade_side(&before, &ok, &band(1_005, true)),
            Ok(SideVerdict::Reduces)
        );
        let worse = totals(85, 70, 110);
        assert_eq!(
            check_trade_side(&before, &worse, &band(1_015, true)),
            Err(TradeRefusal::HealthWouldFall)
        );
        assert_eq!(
            check_trade_side(&before, &ok, &band(1_100, true)),
            Err(TradeRefusal::PremiumOutsideBand)
        );
    }
}
