//! Distance to each liquidation tier: how much equity an account can lose,
//! and to which spot one underlying can move, before it enters tier 1, 2
//! and 3 (see [`LiquidationParams::tier_of`]). Off-chain solvers for the
//! CLI, the bot and the simulator; nothing on-chain calls them, but they
//! keep to the crate's rules (integers only, no allocation, bounded loops,
//! every frame small: the ~9.5 KB of repriced series live in a
//! caller-provided [`SpotScratch`]).
//!
//! ## Equity
//! [`equity_to_tier_ceil`] holds MM fixed. The floored ratio is below an
//! integer threshold `T` exactly when the true ratio is, so the account is
//! in the tier after a loss `d` iff `10_000·(E − d) < T·MM` (a negative
//! equity has ratio 0, inside every tier), i.e. iff
//! `E − d ≤ ⌈T·MM / 10_000⌉ − 1`. The smallest such `d` is
//! `max(0, E + 1 − ⌈T·MM / 10_000⌉)`: rounded up, so the account is truly
//! inside the tier after losing that much, and one unit less is not enough.
//!
//! ## Spot
//! [`spot_to_tier`] moves the spot of one underlying, everything else fixed
//! (volatility, rate and time of that underlying, every other underlying,
//! and every collateral not tied to it). At each trial spot it reprices
//! every live series of that underlying with [`series_risk`] on its grid
//! (fresh vectors, as a keeper refresh would store; settled series keep
//! their fixed vectors), scales the oracle prices of the collaterals tied
//! to it proportionally (low price rounded down, high price rounded up, as
//! valuation does), and takes the ratio of [`margin_totals`], the function
//! the program's margin check calls. The tier depends on equity / MM only,
//! so IM and its floor (`MarginTotals::with_im_floor`) play no part.
//!
//! **First crossing, not every crossing.** The ratio need not be monotone in
//! the spot (a long straddle against a short strangle, or a short put whose
//! notional-scaled floor grows with the spot, can recover and then fall
//! again). Moving outward from the current spot in coarse multiplicative
//! steps of [`SCAN_STEP_BPS`] (1%), the first step found in a tier brackets
//! that tier's crossing with the previous step, and a bisection inside that
//! bracket narrows it to two adjacent e12 spots: the nearest price that
//! hurts, which is what a trader needs. A dip in and out of a tier between
//! two coarse steps (narrower than 1%) can be missed; inside the bracket,
//! the bisection finds a crossing (the first one when the ratio is monotone
//! there).
//!
//! **Exact to the e12 unit.** The reported spot is in the tier and the
//! adjacent e12 spot toward the current one is not, so the distance is
//! never overstated by more than 10^-12 USD. (A 1% bracket of a `u64` spot
//! is below 2^58, so [`MAX_BISECTION_STEPS`] halvings always reach
//! adjacency; that is finer than the 10^-6 relative precision a display
//! needs and costs at most ~45 more evaluations per tier and direction.)
//!
//! ## Work bound
//! The range is `spot / 100 ..= spot · 100` ([`SCAN_RANGE_FACTOR`]): at
//! most [`MAX_SCAN_STEPS`] coarse steps per direction (⌈ln 100 / ln 1.01⌉ =
//! 463 up, ⌈ln 100 / −ln 0.99⌉ = 459 down), each tier bisected at most
//! once per direction in [`MAX_BISECTION_STEPS`] halvings, so one call
//! evaluates the account at most [`MAX_EVALUATIONS`] = 1 + 2 · (463 + 3 · 64)
//! = 1,311 times. One evaluation is one `series_risk` per live series of the
//! moved underlying (≈ 1.5–2 µs natively) and one `margin_totals`: about
//! at most ≈ 1,311 · (2n + 1) µs for n series (≈ 27 ms for 10); a
//! 10-series book whose tiers are met within ±50% measured ≈ 5 ms.
//! Scanning in a direction stops once all three tiers are found.

use crate::collateral::{CollateralInput, BPS};
use crate::error::{RiskError, RiskResult};
use crate::margin::{
    margin_totals, AccountInputs, MarginTotals, OptionKind, PositionInput, MAX_COLLATERALS,
    MAX_POSITIONS, MAX_UNDERLYINGS,
};
use crate::num::{div_ceil, mul_div_ceil, mul_div_floor, SafeMath};
use crate::planner::LiquidationParams;
use crate::series::{series_risk, settled_series_risk, MarketInputs, SeriesParams};
use crate::types::{ScenarioGrid, SeriesRisk, MAX_SCENARIOS};

/// Number of liquidation tiers (entries of [`LiquidationParams::tiers`]).
pub const TIER_COUNT: usize = 3;
/// precision: bps of the spot. Coarse step of the outward scan (1%).
pub const SCAN_STEP_BPS: u64 = 100;
/// The scan covers `spot / SCAN_RANGE_FACTOR ..= spot · SCAN_RANGE_FACTOR`.
pub const SCAN_RANGE_FACTOR: u64 = 100;
/// Coarse steps per direction that always reach the end of the range
/// (1.01^463 > 100 and 0.99^459 < 1/100; integer rounding only moves
/// faster). The loop bound of the scan.
pub const MAX_SCAN_STEPS: usize = 463;
/// Halvings per tier and direction: enough to bring any 1% bracket of a
/// `u64` spot down to two adjacent e12 spots.
pub const MAX_BISECTION_STEPS: usize = 64;
/// Account evaluations of one [`spot_to_tier`] call, at most: the current
/// spot, then per direction the coarse scan and one bisection per tier.
pub const MAX_EVALUATIONS: usize = 1 + 2 * (MAX_SCAN_STEPS + TIER_COUNT * MAX_BISECTION_STEPS);

/// unit: quote native, ceil. Per tier (index 0 = tier 1): the smallest
/// equity loss, at fixed MM, after which the account is in that tier or a
/// deeper one; 0 when it already is. See the module docs for the formula.
///
/// Takes `equity_native` and `mm_native` (unit: quote native) of a
/// [`MarginTotals`] or a [`crate::margin::MarginSummary`]. With MM = 0 the
/// ratio only falls (to 0) once equity is negative, so every tier is
/// `equity + 1` away.
///
/// Errors: `InvalidTiers` (parameters out of bounds), `InvalidInput`
/// (negative MM), `MathOverflow`.
pub fn equity_to_tier_ceil(
    equity_native: i64,
    mm_native: i64,
    liquidation: &LiquidationParams,
) -> RiskResult<[u64; TIER_COUNT]> {
    liquidation.validate()?;
    if mm_native < 0 {
        return Err(RiskError::InvalidInput);
    }
    let mut out = [0u64; TIER_COUNT];
    for (loss, tier) in out.iter_mut().zip(liquidation.tiers.iter()) {
        // Inside ⇔ equity after the loss ≤ ⌈T·MM / 10^4⌉ − 1.
        let edge = div_ceil(
            i128::from(mm_native).safe_mul(i128::from(tier.below_ratio_bps))?,
            BPS,
        )?;
        let d = i128::from(equity_native)
            .safe_add(1)?
            .safe_sub(edge)?
            .max(0);
        *loss = to_u64(d)?;
    }
    Ok(out)
}

/// One option position, described by its series' static terms so that it
/// can be repriced at any trial spot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SpotPosition {
    /// The series' static terms.
    pub series: SeriesParams,
    /// Index into [`SpotInputs::markets`] and [`SpotInputs::grids`].
    pub underlying: u8,
    /// unit: contracts. Positive long, negative short.
    pub size_contracts: i64,
    /// unit: quote native. Premium paid to open (+) or received (−).
    pub cost_basis_native: i64,
    /// unit: contracts. Trading granularity of the series (> 0).
    pub lot_size_contracts: u64,
    /// precision: e12 USD per whole underlying unit. `Some(price)` for a
    /// series already settled at `price`: its vectors are fixed
    /// ([`settled_series_risk`]) and do not move with the spot.
    pub settlement_price_e12: Option<u64>,
}

/// One collateral balance, optionally tied to an underlying's price.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SpotCollateral {
    /// The balance and its oracle prices at the current spots.
    pub collateral: CollateralInput,
    /// Index into [`SpotInputs::markets`] whose spot this collateral's oracle
    /// prices follow proportionally (SOL collateral with the SOL
    /// underlying); `None`: fixed. Ignored for the settlement entry, which
    /// is valued at face.
    pub follows_underlying: Option<u8>,
}

/// Everything [`spot_to_tier`] depends on.
#[derive(Clone, Copy, Debug)]
pub struct SpotInputs<'a> {
    /// Scenario grid per underlying (≤ [`MAX_UNDERLYINGS`]).
    pub grids: &'a [ScenarioGrid],
    /// Market inputs per underlying, same indices and length as `grids`.
    pub markets: &'a [MarketInputs],
    /// Option positions (≤ [`MAX_POSITIONS`]).
    pub positions: &'a [SpotPosition],
    /// Collateral balances (≤ [`MAX_COLLATERALS`], at most one settlement entry).
    pub collaterals: &'a [SpotCollateral],
    /// The tier thresholds (the rest of the parameters is unused).
    pub liquidation: &'a LiquidationParams,
}

/// Where the spot of one underlying puts the account into each tier.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SpotToTier {
    /// Tier (1..=3) at the current spots, 0 when healthy.
    pub current_tier: u8,
    /// precision: e12 USD per whole underlying unit, exact to the unit (see
    /// the module docs). Per tier (index 0 = tier 1): the first spot found
    /// below the current one at which the account is in that tier or a
    /// deeper one (the spot one e12 unit above it is not); the current spot
    /// for a tier it is already in; `None` when not reached down to
    /// `spot / 100`.
    pub down_trigger_spot_e12: [Option<u64>; TIER_COUNT],
    /// precision: e12 USD per whole underlying unit, exact to the unit. As
    /// `down_trigger_spot_e12`, moving up to `spot · 100`.
    pub up_trigger_spot_e12: [Option<u64>; TIER_COUNT],
}

/// Per-position series risk at the trial spot: ~9.5 KB that the caller
/// owns (on its stack off-chain, or boxed), so that no frame of this module
/// holds it. Its contents are overwritten by every call.
#[derive(Clone, Copy, Debug)]
pub struct SpotScratch {
    risks: [SeriesRisk; MAX_POSITIONS],
}

impl SpotScratch {
    /// Empty scratch.
    pub const ZERO: Self = Self {
        risks: [ZERO_RISK; MAX_POSITIONS],
    };
}

impl Default for SpotScratch {
    fn default() -> Self {
        Self::ZERO
    }
}

const ZERO_RISK: SeriesRisk = SeriesRisk {
    spot_ref_e12: 0,
    computed_at_ts: 0,
    mark_native: 0,
    scenario_values_native: [0; MAX_SCENARIOS],
    delta_e9: 0,
    gamma_e9: 0,
    vega_native: 0,
    theta_native: 0,
    short_floor_mm_native: 0,
    short_floor_im_native: 0,
    vol_ref_e6: 0,
    flags: 0,
};

/// For each tier, the nearest spot below and above the current spot of
/// `underlying` (moving it alone) at which the account enters that tier.
/// See the module docs for the model, the first-crossing rule and the
/// bound on the work (at most [`MAX_EVALUATIONS`] account evaluations).
///
/// Errors: `InvalidTiers`; `InvalidInput` (lengths of `grids` and
/// `markets` differ or exceed their maxima, too many positions or
/// collaterals, an underlying index out of range, a zero lot size);
/// `NonPositivePrice` (a zero spot); and any error of [`series_risk`],
/// [`settled_series_risk`] or [`margin_totals`] at the current or a trial
/// spot.
pub fn spot_to_tier(
    inputs: &SpotInputs,
    underlying: u8,
    scratch: &mut SpotScratch,
) -> RiskResult<SpotToTier> {
    let mut eval = Evaluator::new(inputs, underlying, scratch)?;
    let spot = eval.spot_e12;
    let current_tier = eval.tier_at(spot)?;
    Ok(SpotToTier {
        current_tier,
        down_trigger_spot_e12: eval.scan(Direction::Down, current_tier)?,
        up_trigger_spot_e12: eval.scan(Direction::Up, current_tier)?,
    })
}

/// The account's totals with the spot of `underlying` moved to `spot_e12`
/// (precision: e12 USD per whole underlying unit), everything else fixed:
/// one evaluation of [`spot_to_tier`], for displaying a what-if and for
/// checking a trigger. Errors as [`spot_to_tier`].
pub fn totals_at_spot(
    inputs: &SpotInputs,
    underlying: u8,
    spot_e12: u64,
    scratch: &mut SpotScratch,
) -> RiskResult<MarginTotals> {
    let mut eval = Evaluator::new(inputs, underlying, scratch)?;
    eval.totals_at(spot_e12)
}

/// Which way the spot moves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Direction {
    Down,
    Up,
}

impl Direction {
    /// precision: e12. End of the scan range: `⌈spot / 100⌉` (≥ 1) or
    /// `spot · 100` (saturating).
    fn bound_e12(self, spot_e12: u64) -> u64 {
        match self {
            Direction::Down => spot_e12.div_ceil(SCAN_RANGE_FACTOR).max(1),
            Direction::Up => spot_e12.saturating_mul(SCAN_RANGE_FACTOR),
        }
    }

    /// precision: e12. The next coarse spot, clamped to `bound_e12`: 1%
    /// down rounded down, or 1% up rounded up, so each step moves by at
    /// least 1% and at least one unit.
    fn step_e12(self, spot_e12: u64, bound_e12: u64) -> RiskResult<u64> {
        let s = i128::from(spot_e12);
        let step = i128::from(SCAN_STEP_BPS);
        let next = match self {
            Direction::Down => mul_div_floor(s, BPS - step, BPS)?.max(i128::from(bound_e12)),
            Direction::Up => mul_div_ceil(s, BPS + step, BPS)?.min(i128::from(bound_e12)),
        };
        u64::try_from(next).map_err(|_| RiskError::MathOverflow)
    }
}

/// One account with one underlying's spot free to move.
struct Evaluator<'i, 's> {
    inputs: &'i SpotInputs<'i>,
    scratch: &'s mut SpotScratch,
    /// Index of the moved underlying.
    underlying: usize,
    /// precision: e12. Its current spot.
    spot_e12: u64,
}

impl<'i, 's> Evaluator<'i, 's> {
    /// Validates the inputs and prices every position at the current spots.
    fn new(
        inputs: &'i SpotInputs<'i>,
        underlying: u8,
        scratch: &'s mut SpotScratch,
    ) -> RiskResult<Self> {
        validate(inputs, underlying)?;
        let k = usize::from(underlying);
        for (risk, p) in scratch.risks.iter_mut().zip(inputs.positions) {
            let u = usize::from(p.underlying);
            *risk = position_risk_at(p, &inputs.grids[u], &inputs.markets[u])?;
        }
        Ok(Self {
            inputs,
            scratch,
            underlying: k,
            spot_e12: inputs.markets[k].spot_e12,
        })
    }

    /// Tier (0 healthy, else 1..=3) at `spot_e12`.
    fn tier_at(&mut self, spot_e12: u64) -> RiskResult<u8> {
        let t = self.totals_at(spot_e12)?;
        Ok(self.inputs.liquidation.tier_of(t.ratio_bps).unwrap_or(0))
    }

    /// Totals with the moved underlying at `spot_e12`.
    fn totals_at(&mut self, spot_e12: u64) -> RiskResult<MarginTotals> {
        self.reprice(spot_e12)?;
        self.totals(spot_e12)
    }

    /// Reprices the live positions of the moved underlying at `spot_e12`.
    fn reprice(&mut self, spot_e12: u64) -> RiskResult<()> {
        let k = self.underlying;
        let market = MarketInputs {
            spot_e12,
            ..self.inputs.markets[k]
        };
        let grid = &self.inputs.grids[k];
        for (risk, p) in self.scratch.risks.iter_mut().zip(self.inputs.positions) {
            if usize::from(p.underlying) == k && p.settlement_price_e12.is_none() {
                *risk = series_risk(&p.series, grid, &market)?;
            }
        }
        Ok(())
    }

    /// `margin_totals` over the scratch risks and the collaterals at
    /// `spot_e12`. Its ~1.6 KB of inputs stay in this frame.
    #[inline(never)]
    fn totals(&self, spot_e12: u64) -> RiskResult<MarginTotals> {
        let risks = &self.scratch.risks;
        let mut positions = [PositionInput {
            series: &risks[0],
            underlying: 0,
            kind: OptionKind::Call,
            size_contracts: 0,
            cost_basis_native: 0,
            lot_size_contracts: 1,
        }; MAX_POSITIONS];
        for ((slot, p), risk) in positions
            .iter_mut()
            .zip(self.inputs.positions)
            .zip(risks.iter())
        {
            *slot = position_input(p, risk);
        }
        let mut collaterals = [CollateralInput::settlement(0); MAX_COLLATERALS];
        for (slot, c) in collaterals.iter_mut().zip(self.inputs.collaterals) {
            *slot = self.collateral_at(c, spot_e12)?;
        }
        margin_totals(&AccountInputs {
            grids: self.inputs.grids,
            positions: &positions[..self.inputs.positions.len()],
            collaterals: &collaterals[..self.inputs.collaterals.len()],
        })
    }

    /// The collateral with its oracle prices scaled by `spot_e12 / spot`
    /// when it follows the moved underlying: low price rounded down, high
    /// price rounded up (assets lower, liabilities higher).
    fn collateral_at(&self, c: &SpotCollateral, spot_e12: u64) -> RiskResult<CollateralInput> {
        let mut out = c.collateral;
        let follows = c.follows_underlying.map(usize::from) == Some(self.underlying);
        if follows && !out.is_settlement && spot_e12 != self.spot_e12 {
            let (to, from) = (i128::from(spot_e12), i128::from(self.spot_e12));
            out.price_low_e12 = to_u64(mul_div_floor(i128::from(out.price_low_e12), to, from)?)?;
            out.price_high_e12 = to_u64(mul_div_ceil(i128::from(out.price_high_e12), to, from)?)?;
        }
        Ok(out)
    }

    /// precision: e12. Per tier, the first spot in `dir` inside it (see
    /// [`SpotToTier`]). Tiers up to `current_tier` are at the current spot.
    fn scan(&mut self, dir: Direction, current_tier: u8) -> RiskResult<[Option<u64>; TIER_COUNT]> {
        let spot = self.spot_e12;
        let mut found = [None; TIER_COUNT];
        for slot in found.iter_mut().take(usize::from(current_tier)) {
            *slot = Some(spot);
        }
        // Deepest tier met so far: every tier up to it is found, and every
        // spot evaluated so far (in particular `outside`) is above the rest.
        let mut reached = current_tier;
        let bound = dir.bound_e12(spot);
        let mut outside = spot;
        for _ in 0..MAX_SCAN_STEPS {
            if usize::from(reached) == TIER_COUNT || outside == bound {
                break;
            }
            let next = dir.step_e12(outside, bound)?;
            let tier = self.tier_at(next)?;
            for t in reached + 1..=tier {
                found[usize::from(t) - 1] = Some(self.bisect(outside, next, t)?);
            }
            reached = reached.max(tier);
            outside = next;
        }
        Ok(found)
    }

    /// precision: e12. Narrows `outside` (below `tier`) and `inside` (in
    /// it) to adjacent e12 spots and returns the inside one.
    fn bisect(&mut self, mut outside: u64, mut inside: u64, tier: u8) -> RiskResult<u64> {
        for _ in 0..MAX_BISECTION_STEPS {
            let (lo, hi) = (outside.min(inside), outside.max(inside));
            if hi - lo <= 1 {
                break;
            }
            let mid = lo + (hi - lo) / 2;
            if self.tier_at(mid)? >= tier {
                inside = mid;
            } else {
                outside = mid;
            }
        }
        Ok(inside)
    }
}

/// Lengths, indices and the moved spot; see [`spot_to_tier`] for the errors.
fn validate(inputs: &SpotInputs, underlying: u8) -> RiskResult<()> {
    inputs.liquidation.validate()?;
    let n = inputs.grids.len();
    let in_range = |u: u8| usize::from(u) < n;
    let ok = inputs.markets.len() == n
        && n <= MAX_UNDERLYINGS
        && inputs.positions.len() <= MAX_POSITIONS
        && inputs.collaterals.len() <= MAX_COLLATERALS
        && in_range(underlying)
        && inputs.positions.iter().all(|p| in_range(p.underlying))
        && inputs
            .collaterals
            .iter()
            .all(|c| c.follows_underlying.is_none_or(in_range));
    if !ok {
        return Err(RiskError::InvalidInput);
    }
    if inputs.markets[usize::from(underlying)].spot_e12 == 0 {
        return Err(RiskError::NonPositivePrice);
    }
    Ok(())
}

/// The series risk of a position at its underlying's market: the settled
/// (fixed) vectors when it has a settlement price.
fn position_risk_at(
    p: &SpotPosition,
    grid: &ScenarioGrid,
    market: &MarketInputs,
) -> RiskResult<SeriesRisk> {
    match p.settlement_price_e12 {
        Some(price_e12) => settled_series_risk(&p.series, price_e12, market.now_ts),
        None => series_risk(&p.series, grid, market),
    }
}

/// The margin input of a position over its repriced risk.
fn position_input<'r>(p: &SpotPosition, risk: &'r SeriesRisk) -> PositionInput<'r> {
    PositionInput {
        series: risk,
        underlying: p.underlying,
        kind: if p.series.is_call {
            OptionKind::Call
        } else {
            OptionKind::Put
        },
        size_contracts: p.size_contracts,
        cost_basis_native: p.cost_basis_native,
        lot_size_contracts: p.lot_size_contracts,
    }
}

/// Narrow an i128 to u64, failing instead of truncating.
fn to_u64(v: i128) -> RiskResult<u64> {
    u64::try_from(v).map_err(|_| RiskError::MathOverflow)
}

#[cfg(test)]
mod tests;
