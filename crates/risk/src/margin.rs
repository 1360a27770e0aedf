//! Account margin: the combination of stored per-series risk vectors.
//!
//! [`account_margin`] turns an account (option positions referring to their
//! series' [`SeriesRisk`], collateral balances with oracle prices) into its
//! equity, maintenance margin (MM) and initial margin (IM). Nothing is
//! repriced here: every term is `size × stored per-contract number`, summed,
//! which keeps a margin check of 32 positions to a few thousand basic
//! operations on SBF.
//!
//! ## Units
//! Money is quote native (1e-6 USD, the settlement token's native unit).
//! Option values are per contract as stored in [`SeriesRisk`]; oracle prices
//! are e12 USD per whole token.
//!
//! ## Equity
//! `equity = Σ collateral values + Σ option values`, where collateral is
//! valued as in [`crate::collateral`] and an option position is worth
//! `size · mark` for a long and `size · (mark + 1)` for a short: the stored
//! mark is rounded down, so a short's liability is counted one native unit
//! per contract higher, never lower than the true value.
//!
//! ## Requirement
//! For each underlying (positions sharing one [`ScenarioGrid`]):
//! - the scenario P&L vector `P_s = Σ size · (value_s − mark)`. The same
//!   formula serves shorts: their liability is `value_s + 1` in the scenario
//!   and `mark + 1` in equity, and the two `+1` cancel, so `P_s` is exact;
//! - the worst loss `max(0, max_s −P_s)` over the MM scenarios
//!   (`|spot shock| ≤ mm_spot_range_bps`) for MM, over every used scenario
//!   for IM (the wider grid, so IM ≥ MM).
//!
//! **Short floor on net short exposure.** Scenario losses of a far
//! out-of-the-money short are ~0, so each short contract also carries the
//! series' per-contract floor (`short_floor_mm_native`, a bps share of the
//! spot notional computed by `series_risk`). Longs of the same underlying
//! and the same kind (call/put) offset it: per `(underlying, kind)` group the
//! charge is `max(0, Σ_shorts |size|·floor − Σ_longs size·floor)` =
//! `max(0, −Σ size·floor)`. Because the floor is a share of the contract's
//! notional, this is the net short *notional* times the floor rate, i.e.
//! netting weighted by contract size. A 1:1 vertical spread has no floor, so
//! it needs only its scenario loss, which never exceeds its maximum loss; a
//! naked short always needs at least its floor. The IM floor of a group is
//! `max(MM floor, max(0, −Σ size·im_floor))`, which keeps IM ≥ MM even when
//! series have different IM/MM floor ratios.
//!
//! **Collateral haircuts**: `Σ value · (1 − weight)`, rounded up.
//!
//! `MM = Σ_underlyings worst_loss_MM + Σ_groups floor_MM + Σ haircut_MM`,
//! IM likewise. Every option term is an exact integer (sizes times stored
//! integers, no division), so MM of the option book is exactly positively
//! homogeneous (`MM(λ·sizes) = λ·MM`) and subadditive on one underlying
//! (`max(0, a + b) ≤ max(0, a) + max(0, b)` for both the scenario and floor
//! terms). It is also convex and piecewise linear in the size of any one
//! position, which is what lets the liquidation planner solve for the
//! just-enough amount exactly.
//!
//! ## SBF
//! No floats, no allocation, loops bounded by [`MAX_POSITIONS`],
//! [`MAX_COLLATERALS`], [`MAX_UNDERLYINGS`] and [`MAX_SCENARIOS`]. Each
//! position's 27 scenario steps run in plain 64-bit arithmetic once one
//! pass of magnitude bounds proves that none of their checked operations
//! can overflow (checked 64-bit multiplies are software calls on SBF);
//! otherwise the checked loop runs, so results and errors are unchanged.
//! Measured in the SBPF v0 VM (`sbf-cu` kit): `margin_totals` ≈ 4.4k CU
//! for one position and ≈ 550 CU per further position (32: ≈ 21.4k). The full
//! [`AccountMargin`] is ~3.6 KB: an on-chain caller should box it (or call
//! [`margin_summary`], ~2 KB, when per-position outputs are not needed).

use crate::collateral::{CollateralInput, BPS};
use crate::error::{RiskError, RiskResult};
use crate::num::{div_floor, to_i64, SafeMath};
use crate::types::{ScenarioGrid, SeriesRisk, MAX_SCENARIOS, MAX_VOL_SHOCKS};
use crate::wide::{mul_i64_wide, mul_u64_wide};

/// Option positions one account can hold.
pub const MAX_POSITIONS: usize = 32;
/// Collateral balances one account can hold.
pub const MAX_COLLATERALS: usize = 8;
/// Distinct underlyings (scenario grids) one account's positions can refer to.
pub const MAX_UNDERLYINGS: usize = 8;
/// `ratio_bps` of an account with no margin requirement and non-negative equity.
pub const RATIO_NO_MARGIN: u64 = u64::MAX;

/// Call or put: selects the short-floor netting group.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OptionKind {
    Call,
    Put,
}

impl OptionKind {
    /// Index of the netting group within an underlying (0 call, 1 put).
    pub const fn group(self) -> usize {
        match self {
            OptionKind::Call => 0,
            OptionKind::Put => 1,
        }
    }
}

/// One option position with the stored risk of its series.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PositionInput<'a> {
    /// The series' stored risk vectors (per contract).
    pub series: &'a SeriesRisk,
    /// Index into [`AccountInputs::grids`]: positions with the same index share
    /// one scenario grid and their scenario P&L is netted.
    pub underlying: u8,
    /// Call or put (short-floor netting group).
    pub kind: OptionKind,
    /// unit: contracts. Positive long, negative short.
    pub size_contracts: i64,
    /// unit: quote native. Premium paid to open (+) or received (−).
    pub cost_basis_native: i64,
    /// unit: contracts. Trading/liquidation granularity of the series (> 0).
    pub lot_size_contracts: u64,
}

impl PositionInput<'_> {
    /// unit: quote native. `size · mark` for longs, `size · (mark + 1)` for
    /// shorts (a liability never under-stated).
    pub fn mark_value_native(&self) -> RiskResult<i128> {
        // |size| ≤ 2^63 and |mark (+1)| ≤ 2^63: the product always fits
        // i128 (the checked multiply never fails), so it is computed exactly.
        let n = self.size_contracts;
        Ok(match i64::try_from(self.per_contract_value()) {
            Ok(v) => mul_i64_wide(n, v),
            // mark + 1 = 2^63 (mark = i64::MAX, a short).
            Err(_) => i128::from(n) << 63,
        })
    }

    /// unit: quote native per contract. The value equity credits per
    /// contract: `mark` for longs, `mark + 1` for shorts. Positions are
    /// transferred in liquidation at exactly this price.
    pub fn per_contract_value(&self) -> i128 {
        let mark = i128::from(self.series.mark_native);
        if self.size_contracts < 0 {
            mark + 1
        } else {
            mark
        }
    }

    /// unit: quote native. P&L of the position in each scenario relative to
    /// its mark value (`size · (value_s − mark)`); all scenarios, used or not.
    pub fn scenario_pnl_native(&self) -> RiskResult<[i64; MAX_SCENARIOS]> {
        let mut out = [0i64; MAX_SCENARIOS];
        let n = i128::from(self.size_contracts);
        let mark = i128::from(self.series.mark_native);
        for (o, v) in out
            .iter_mut()
            .zip(self.series.scenario_values_native.iter())
        {
            *o = to_i64(n.safe_mul(i128::from(*v).safe_sub(mark)?)?)?;
        }
        Ok(out)
    }
}

/// Everything the margin of one account depends on.
#[derive(Clone, Copy, Debug)]
pub struct AccountInputs<'a> {
    /// Scenario grid per underlying (≤ [`MAX_UNDERLYINGS`]), indexed by
    /// [`PositionInput::underlying`]. Must be the grids the series were computed on.
    pub grids: &'a [ScenarioGrid],
    /// Option positions (≤ [`MAX_POSITIONS`]).
    pub positions: &'a [PositionInput<'a>],
    /// Collateral balances (≤ [`MAX_COLLATERALS`], at most one settlement entry).
    pub collaterals: &'a [CollateralInput],
}

/// Risk of the positions on one underlying.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnderlyingRisk {
    /// unit: quote native. `Σ size · (value_s − mark)` per scenario; 0 for unused scenarios.
    pub scenario_pnl_native: [i64; MAX_SCENARIOS],
    /// Bit `s` set: scenario `s` is used by the grid (counts for IM).
    pub used_mask: u32,
    /// Bit `s` set: scenario `s` counts for MM (`|spot shock| ≤ mm_spot_range_bps`).
    pub mm_mask: u32,
    /// unit: quote native. `max(0, max over MM scenarios of −P_s)`.
    pub worst_loss_mm_native: i64,
    /// unit: quote native. `max(0, max over used scenarios of −P_s)`.
    pub worst_loss_im_native: i64,
    /// unit: quote native. Net short floor before the `max(0, ·)`, per group
    /// (0 call, 1 put): `−Σ size · short_floor_mm_native`.
    pub net_floor_mm_native: [i64; 2],
    /// unit: quote native. As `net_floor_mm_native` with the IM floors.
    pub net_floor_im_native: [i64; 2],
}

impl UnderlyingRisk {
    const ZERO: Self = Self {
        scenario_pnl_native: [0; MAX_SCENARIOS],
        used_mask: 0,
        mm_mask: 0,
        worst_loss_mm_native: 0,
        worst_loss_im_native: 0,
        net_floor_mm_native: [0; 2],
        net_floor_im_native: [0; 2],
    };
}

/// The account-level result without per-position detail (~2.3 KB).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MarginSummary {
    /// unit: quote native. Collateral values plus option mark values.
    pub equity_native: i64,
    /// unit: quote native. Maintenance margin (≥ 0).
    pub mm_native: i64,
    /// unit: quote native. Initial margin (≥ `mm_native`).
    pub im_native: i64,
    /// precision: bps, floor. `equity · 10_000 / MM`; 0 when equity < 0;
    /// [`RATIO_NO_MARGIN`] when MM = 0 and equity ≥ 0.
    pub ratio_bps: u64,
    /// unit: quote native. Σ collateral values (liabilities negative).
    pub collateral_value_native: i64,
    /// unit: quote native. Σ option mark values (shorts negative).
    pub options_value_native: i64,
    /// unit: quote native. Σ worst MM-scenario losses over underlyings.
    pub scenario_mm_native: i64,
    /// unit: quote native. Σ worst IM-scenario losses over underlyings.
    pub scenario_im_native: i64,
    /// unit: quote native. Σ net short floors (MM).
    pub floor_mm_native: i64,
    /// unit: quote native. Σ net short floors (IM).
    pub floor_im_native: i64,
    /// unit: quote native. Σ collateral haircuts (MM).
    pub haircut_mm_native: i64,
    /// unit: quote native. Σ collateral haircuts (IM).
    pub haircut_im_native: i64,
    /// Number of used entries of `underlyings` (= `grids.len()`).
    pub underlying_count: u8,
    /// Per-underlying vectors and terms.
    pub underlyings: [UnderlyingRisk; MAX_UNDERLYINGS],
}

impl MarginSummary {
    /// All zero: scratch for [`margin_summary_into`].
    pub const ZERO: Self = Self {
        equity_native: 0,
        mm_native: 0,
        im_native: 0,
        ratio_bps: 0,
        collateral_value_native: 0,
        options_value_native: 0,
        scenario_mm_native: 0,
        scenario_im_native: 0,
        floor_mm_native: 0,
        floor_im_native: 0,
        haircut_mm_native: 0,
        haircut_im_native: 0,
        underlying_count: 0,
        underlyings: [UnderlyingRisk::ZERO; MAX_UNDERLYINGS],
    };

    /// Equity covers initial margin (new risk may be added).
    pub fn meets_initial(&self) -> bool {
        self.equity_native >= self.im_native
    }
    /// Equity covers maintenance margin (not liquidatable).
    pub fn meets_maintenance(&self) -> bool {
        self.equity_native >= self.mm_native
    }
}

/// Greeks and values of one position (size × per-contract figures).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PositionRisk {
    /// unit: quote native. See [`PositionInput::mark_value_native`].
    pub mark_value_native: i64,
    /// unit: quote native. `mark value − cost basis`.
    pub unrealized_pnl_native: i64,
    /// precision: e9 underlying units. `size · delta_e9`.
    pub delta_e9: i64,
    /// precision: e9 underlying units per 1% spot move. `size · gamma_e9`.
    pub gamma_e9: i64,
    /// unit: quote native per volatility point. `size · vega_native`.
    pub vega_native: i64,
    /// unit: quote native per day. `size · theta_native`.
    pub theta_native: i64,
}

/// Margin of an account with per-position detail (~3.6 KB: box it on SBF).
/// Per-position scenario vectors are available from
/// [`PositionInput::scenario_pnl_native`]; storing 32 of them here would
/// add 7 KB.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AccountMargin {
    /// Account-level figures.
    pub summary: MarginSummary,
    /// Number of used entries of `positions`.
    pub position_count: u8,
    /// Per-position figures, in input order.
    pub positions: [PositionRisk; MAX_POSITIONS],
}

impl AccountMargin {
    /// Equity covers initial margin.
    pub fn meets_initial(&self) -> bool {
        self.summary.meets_initial()
    }
    /// Equity covers maintenance margin.
    pub fn meets_maintenance(&self) -> bool {
        self.summary.meets_maintenance()
    }
}

/// precision: bps, floor. `equity · 10_000 / mm` (see [`MarginSummary::ratio_bps`]).
pub fn ratio_bps(equity_native: i128, mm_native: i128) -> RiskResult<u64> {
    if equity_native < 0 {
        return Ok(0);
    }
    if mm_native <= 0 {
        return Ok(RATIO_NO_MARGIN);
    }
    let n = match u64::try_from(equity_native) {
        // 0 ≤ equity < 2^64: the product is below 2^78, exact.
        Ok(e) => mul_u64_wide(e, BPS as u64) as i128,
        Err(_) => equity_native.safe_mul(BPS)?,
    };
    let r = div_floor(n, mm_native)?;
    Ok(u64::try_from(r).unwrap_or(RATIO_NO_MARGIN - 1))
}

/// `(used, mm)` scenario bit masks of a grid (validated).
pub fn scenario_masks(grid: &ScenarioGrid) -> RiskResult<(u32, u32)> {
    grid.validate()?;
    // Scenario (i, j) is bit i·3 + j: one row of `vol_count` (1..=3, the grid
    // is valid) bits per used spot shock.
    let row = (1u32 << grid.vol_count) - 1;
    let (mut used, mut mm) = (0u32, 0u32);
    for (i, shock) in grid.used_spot_shocks()?.iter().enumerate() {
        let bits = row << (i * MAX_VOL_SHOCKS);
        used |= bits;
        if shock.unsigned_abs() <= grid.mm_spot_range_bps {
            mm |= bits;
        }
    }
    Ok((used, mm))
}

/// `max(0, max over scenarios in mask of −pnl_s)` for two masks in one
/// pass: `max(0, max −p) = −min(0, min p)`, the minimum in i64, negated once.
fn worst_losses(pnl: &[i64; MAX_SCENARIOS], mask_a: u32, mask_b: u32) -> (i128, i128) {
    let (mut lowest_a, mut lowest_b) = (0i64, 0i64);
    for (s, &p) in pnl.iter().enumerate() {
        if mask_a & (1 << s) != 0 {
            lowest_a = lowest_a.min(p);
        }
        if mask_b & (1 << s) != 0 {
            lowest_b = lowest_b.min(p);
        }
    }
    (-i128::from(lowest_a), -i128::from(lowest_b))
}

fn validate_position(p: &PositionInput, grid_count: usize) -> RiskResult<()> {
    let s = p.series;
    let ok = usize::from(p.underlying) < grid_count
        && p.lot_size_contracts > 0
        && s.short_floor_mm_native >= 0
        && s.short_floor_im_native >= 0
        && s.mark_native < i64::MAX;
    if ok {
        Ok(())
    } else {
        Err(RiskError::InvalidInput)
    }
}

/// `used_mask` of a grid using every scenario slot (9 × 3).
const FULL_MASK: u32 = (1 << MAX_SCENARIOS) - 1;

/// `acc_bound` of [`accumulate_position`] when no bound is known.
const UNKNOWN_BOUND: u64 = u64::MAX;

/// Adds one position to its underlying's vectors and floor sums.
///
/// `acc_bound` is an upper bound on every |entry| of the vector before the
/// call ([`UNKNOWN_BOUND`] if none is known; 0 for a fresh vector), updated
/// for the next position of the same vector.
fn accumulate_position(
    u: &mut UnderlyingRisk,
    p: &PositionInput,
    acc_bound: &mut u64,
) -> RiskResult<()> {
    // i64 throughout: every product and partial sum must fit the stored
    // i64 vectors anyway, and 64-bit checked ops are native on SBF.
    let n = p.size_contracts;
    let mark = p.series.mark_native;
    // |n · d| ≤ i64::MAX whenever |d| ≤ limit: such a product is a plain
    // 64-bit multiply (a checked one is a software call on SBF).
    let limit = (i64::MAX as u64) / n.unsigned_abs().max(1);
    // Every step is `acc += n · (value − mark)` with each operation checked.
    // Bounds first: sign-folded magnitudes `x ^ (x >> 63)` (at least
    // |x| − 1) of the values, OR-ed (at least their maximum), and the bound
    // on the vector's entries (carried from position to position, or from
    // the entries themselves). When they prove that no difference, product
    // or sum can overflow, the steps run in plain (wrapping) 64-bit
    // arithmetic, which then equals the checked result; otherwise the
    // checked loop runs. The result, error or not, is that of the checked
    // loop.
    let values = &p.series.scenario_values_native;
    let used = u.used_mask;
    let fold = |x: i64| (x ^ (x >> 63)) as u64;
    let mut value_bits = 0u64;
    if used == FULL_MASK {
        for &v in values.iter() {
            value_bits |= fold(v);
        }
    } else {
        for (s, &v) in values.iter().enumerate() {
            if used & (1 << s) != 0 {
                value_bits |= fold(v);
            }
        }
    }
    let prior = if *acc_bound == UNKNOWN_BOUND {
        let mut acc_bits = 0u64;
        for (s, &a) in u.scenario_pnl_native.iter().enumerate() {
            if used & (1 << s) != 0 {
                acc_bits |= fold(a);
            }
        }
        acc_bits + 1
    } else {
        *acc_bound
    };
    // |v − mark| ≤ diff_max; n · (v − mark) fits when diff_max ≤ limit; and
    // |acc| + |n|·diff_max ≤ i64::MAX keeps every sum in range.
    let diff_max = (value_bits + 1).saturating_add(mark.unsigned_abs());
    let next_bound = if diff_max <= limit {
        prior
            .checked_add(n.unsigned_abs().wrapping_mul(diff_max))
            .filter(|&m| m <= i64::MAX as u64)
    } else {
        None
    };
    if let Some(bound) = next_bound {
        *acc_bound = bound;
        let step = |acc: &mut i64, v: i64| {
            *acc = acc.wrapping_add(n.wrapping_mul(v.wrapping_sub(mark)));
        };
        if used == FULL_MASK {
            for (acc, &v) in u.scenario_pnl_native.iter_mut().zip(values.iter()) {
                step(acc, v);
            }
        } else {
            for (s, (acc, &v)) in u
                .scenario_pnl_native
                .iter_mut()
                .zip(values.iter())
                .enumerate()
            {
                if used & (1 << s) != 0 {
                    step(acc, v);
                }
            }
        }
    } else {
        *acc_bound = UNKNOWN_BOUND;
        for (s, acc) in u.scenario_pnl_native.iter_mut().enumerate() {
            if used & (1 << s) != 0 {
                let d = values[s].safe_sub(mark)?;
                *acc = acc.safe_add(n.safe_mul(d)?)?;
            }
        }
    }
    accumulate_floors(u, p, limit)
}

/// The floor sums of [`accumulate_position`]: `net −= n · floor` for MM and
/// IM, checked. `limit = ⌊i64::MAX / |n|⌋`: a factor within it needs no
/// check (beyond it the checked multiply decides, so errors are unchanged).
#[inline(always)]
fn accumulate_floors(u: &mut UnderlyingRisk, p: &PositionInput, limit: u64) -> RiskResult<()> {
    let n = p.size_contracts;
    let mul = |d: i64| -> RiskResult<i64> {
        if d.unsigned_abs() <= limit {
            Ok(n.wrapping_mul(d))
        } else {
            n.safe_mul(d)
        }
    };
    let g = p.kind.group();
    let mm = mul(p.series.short_floor_mm_native)?;
    let im = mul(p.series.short_floor_im_native)?;
    u.net_floor_mm_native[g] = u.net_floor_mm_native[g].safe_sub(mm)?;
    u.net_floor_im_native[g] = u.net_floor_im_native[g].safe_sub(im)?;
    Ok(())
}

/// unit: quote native. `(MM, IM)` floor charge of one group from its net sums.
pub(crate) fn group_floors(net_mm: i128, net_im: i128) -> (i128, i128) {
    let mm = net_mm.max(0);
    (mm, mm.max(net_im))
}

/// Running totals of [`margin_summary`], in i128.
#[derive(Default)]
struct Totals {
    collateral: i128,
    options: i128,
    scen_mm: i128,
    scen_im: i128,
    floor_mm: i128,
    floor_im: i128,
    hc_mm: i128,
    hc_im: i128,
}

/// Adds one underlying's worst losses and net floors to the totals;
/// returns the worst (MM, IM) losses.
fn add_underlying(t: &mut Totals, u: &UnderlyingRisk) -> RiskResult<(i128, i128)> {
    let (wm, wi) = worst_losses(&u.scenario_pnl_native, u.mm_mask, u.used_mask);
    t.scen_mm = t.scen_mm.safe_add(wm)?;
    t.scen_im = t.scen_im.safe_add(wi)?;
    for g in 0..2 {
        let (fm, fi) = group_floors(
            i128::from(u.net_floor_mm_native[g]),
            i128::from(u.net_floor_im_native[g]),
        );
        t.floor_mm = t.floor_mm.safe_add(fm)?;
        t.floor_im = t.floor_im.safe_add(fi)?;
    }
    Ok((wm, wi))
}

/// Adds every collateral's value and haircuts; at most one settlement entry.
fn add_collaterals(t: &mut Totals, collaterals: &[CollateralInput]) -> RiskResult<()> {
    let mut settlements = 0;
    for c in collaterals {
        c.validate()?;
        settlements += usize::from(c.is_settlement);
        let v = c.value_floor()?;
        let (hm, hi) = c.haircuts_ceil(v)?;
        t.collateral = t.collateral.safe_add(v)?;
        t.hc_mm = t.hc_mm.safe_add(hm)?;
        t.hc_im = t.hc_im.safe_add(hi)?;
    }
    if settlements > 1 {
        return Err(RiskError::InvalidInput);
    }
    Ok(())
}

/// Equity, MM and IM of an account, without per-position detail.
///
/// Returns the ~2.3 KB summary by value: off-chain convenience. On-chain
/// callers use [`margin_summary_into`] with heap scratch (SBF frames are
/// 4 KiB).
///
/// Errors: as [`margin_summary_into`].
pub fn margin_summary(inputs: &AccountInputs) -> RiskResult<MarginSummary> {
    let mut out = MarginSummary::ZERO;
    fill_summary(inputs, &mut out)?;
    Ok(out)
}

/// [`margin_summary`] written into `out` (every field is overwritten), so
/// the caller decides where the ~2.3 KB live: no copy in this frame.
///
/// Errors: `InvalidInput` (too many entries, an underlying index without a
/// grid, a zero lot size, a negative floor, a bad collateral, more than one
/// settlement entry), `InvalidScenarioGrid`, `MathOverflow`.
pub fn margin_summary_into(inputs: &AccountInputs, out: &mut MarginSummary) -> RiskResult<()> {
    *out = MarginSummary::ZERO;
    fill_summary(inputs, out)
}

/// Fills `out`, which must be [`MarginSummary::ZERO`].
#[inline(never)] // its locals stay out of the planner's frame
fn fill_summary(inputs: &AccountInputs, out: &mut MarginSummary) -> RiskResult<()> {
    if inputs.grids.len() > MAX_UNDERLYINGS
        || inputs.positions.len() > MAX_POSITIONS
        || inputs.collaterals.len() > MAX_COLLATERALS
    {
        return Err(RiskError::InvalidInput);
    }
    for (u, grid) in out.underlyings.iter_mut().zip(inputs.grids.iter()) {
        (u.used_mask, u.mm_mask) = scenario_masks(grid)?;
    }
    let mut t = Totals::default();
    // Every vector starts at zero.
    let mut bounds = [0u64; MAX_UNDERLYINGS];
    for p in inputs.positions {
        validate_position(p, inputs.grids.len())?;
        t.options = t.options.safe_add(p.mark_value_native()?)?;
        let k = usize::from(p.underlying);
        accumulate_position(&mut out.underlyings[k], p, &mut bounds[k])?;
    }
    for u in out.underlyings.iter_mut().take(inputs.grids.len()) {
        let (wm, wi) = add_underlying(&mut t, u)?;
        u.worst_loss_mm_native = to_i64(wm)?;
        u.worst_loss_im_native = to_i64(wi)?;
    }
    add_collaterals(&mut t, inputs.collaterals)?;
    finish_summary(&t, out, inputs.grids.len())
}

fn finish_summary(t: &Totals, out: &mut MarginSummary, count: usize) -> RiskResult<()> {
    let equity = t.collateral.safe_add(t.options)?;
    let mm = t.scen_mm.safe_add(t.floor_mm)?.safe_add(t.hc_mm)?;
    let im = t.scen_im.safe_add(t.floor_im)?.safe_add(t.hc_im)?;
    out.equity_native = to_i64(equity)?;
    out.mm_native = to_i64(mm)?;
    out.im_native = to_i64(im)?;
    out.ratio_bps = ratio_bps(equity, mm)?;
    out.collateral_value_native = to_i64(t.collateral)?;
    out.options_value_native = to_i64(t.options)?;
    out.scenario_mm_native = to_i64(t.scen_mm)?;
    out.scenario_im_native = to_i64(t.scen_im)?;
    out.floor_mm_native = to_i64(t.floor_mm)?;
    out.floor_im_native = to_i64(t.floor_im)?;
    out.haircut_mm_native = to_i64(t.hc_mm)?;
    out.haircut_im_native = to_i64(t.hc_im)?;
    out.underlying_count = count as u8;
    Ok(())
}

/// The account-level totals only: what an on-chain margin check needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MarginTotals {
    /// unit: quote native.
    pub equity_native: i64,
    /// unit: quote native.
    pub mm_native: i64,
    /// unit: quote native.
    pub im_native: i64,
    /// precision: bps. equity / MM, floor ([`RATIO_NO_MARGIN`] when MM = 0 and equity ≥ 0).
    pub ratio_bps: u64,
}

impl MarginTotals {
    pub fn meets_initial(&self) -> bool {
        self.equity_native >= self.im_native
    }

    /// These totals with IM raised to at least `⌈MM · im_floor_ratio_bps / 10_000⌉`.
    ///
    /// With `im_floor_ratio_bps` at or above the first liquidation tier
    /// (which [`crate::params::RiskParams::validate`] requires), an account
    /// that meets this IM is never in tier 1 at the same prices: `equity ≥
    /// ⌈MM·t/10^4⌉` gives `equity·10^4 ≥ MM·t`, so the floored ratio is ≥ t.
    /// The scenario IM alone does not promise that: a one-to-one calendar
    /// spread can have IM equal to MM.
    pub fn with_im_floor(self, im_floor_ratio_bps: u32) -> RiskResult<Self> {
        let floor = im_floor_ceil(self.mm_native, im_floor_ratio_bps)?;
        Ok(Self {
            im_native: self.im_native.max(floor),
            ..self
        })
    }

    pub fn meets_maintenance(&self) -> bool {
        self.equity_native >= self.mm_native
    }
}

/// Equity, MM, IM and the ratio, with the same numbers as
/// [`margin_summary`] but a small stack: underlyings are combined one at a
/// time in a single ~270-byte scratch instead of an 8-entry array, so the
/// frame stays far below SBF's 4 KB limit. The on-chain program calls this;
/// `margin_summary` and `account_margin` give the detail off-chain.
pub fn margin_totals(inputs: &AccountInputs) -> RiskResult<MarginTotals> {
    if inputs.grids.len() > MAX_UNDERLYINGS
        || inputs.positions.len() > MAX_POSITIONS
        || inputs.collaterals.len() > MAX_COLLATERALS
    {
        return Err(RiskError::InvalidInput);
    }
    let mut t = Totals::default();
    for p in inputs.positions {
        validate_position(p, inputs.grids.len())?;
        t.options = t.options.safe_add(p.mark_value_native()?)?;
    }
    for (k, grid) in inputs.grids.iter().enumerate() {
        let mut u = UnderlyingRisk::ZERO;
        let mut bound = 0u64;
        (u.used_mask, u.mm_mask) = scenario_masks(grid)?;
        for p in inputs
            .positions
            .iter()
            .filter(|p| usize::from(p.underlying) == k)
        {
            accumulate_position(&mut u, p, &mut bound)?;
        }
        add_underlying(&mut t, &u)?;
    }
    add_collaterals(&mut t, inputs.collaterals)?;
    let equity = t.collateral.safe_add(t.options)?;
    let mm = t.scen_mm.safe_add(t.floor_mm)?.safe_add(t.hc_mm)?;
    let im = t.scen_im.safe_add(t.floor_im)?.safe_add(t.hc_im)?;
    Ok(MarginTotals {
        equity_native: to_i64(equity)?,
        mm_native: to_i64(mm)?,
        im_native: to_i64(im)?,
        ratio_bps: ratio_bps(equity, mm)?,
    })
}

/// unit: quote native, ceil. `⌈mm_native · ratio_bps / 10_000⌉` (0 for MM ≤ 0).
pub fn im_floor_ceil(mm_native: i64, ratio_bps: u32) -> RiskResult<i64> {
    if mm_native <= 0 {
        return Ok(0);
    }
    to_i64(crate::num::div_ceil(
        i128::from(mm_native).safe_mul(i128::from(ratio_bps))?,
        BPS,
    )?)
}

/// Size times the per-contract Greeks and values of one position.
pub fn position_risk(p: &PositionInput) -> RiskResult<PositionRisk> {
    let n = i128::from(p.size_contracts);
    let s = p.series;
    let mark_value = p.mark_value_native()?;
    Ok(PositionRisk {
        mark_value_native: to_i64(mark_value)?,
        unrealized_pnl_native: to_i64(mark_value.safe_sub(i128::from(p.cost_basis_native))?)?,
        delta_e9: to_i64(n.safe_mul(i128::from(s.delta_e9))?)?,
        gamma_e9: to_i64(n.safe_mul(i128::from(s.gamma_e9))?)?,
        vega_native: to_i64(n.safe_mul(i128::from(s.vega_native))?)?,
        theta_native: to_i64(n.safe_mul(i128::from(s.theta_native))?)?,
    })
}

/// Equity, MM, IM, ratio and per-position Greeks and P&L of an account.
/// See the module docs for the formulas. Errors as [`margin_summary`].
///
/// Off-chain (CLI, bot, simulator): the ~6 KB report does not fit an SBF
/// frame; the program uses [`margin_totals`].
pub fn account_margin(inputs: &AccountInputs) -> RiskResult<AccountMargin> {
    let mut out = AccountMargin {
        summary: MarginSummary::ZERO,
        position_count: 0,
        positions: [PositionRisk::default(); MAX_POSITIONS],
    };
    fill_summary(inputs, &mut out.summary)?;
    for (o, p) in out.positions.iter_mut().zip(inputs.positions.iter()) {
        *o = position_risk(p)?;
    }
    out.position_count = inputs.positions.len() as u8;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(mark: i64, values: [i64; 3], floor: i64) -> SeriesRisk {
        let mut v = [0i64; MAX_SCENARIOS];
        // Grid below: 3 spot shocks × 1 vol shock → indices 0, 3, 6.
        v[0] = values[0];
        v[3] = values[1];
        v[6] = values[2];
        SeriesRisk {
            spot_ref_e12: 100_000_000_000_000,
            computed_at_ts: 0,
            mark_native: mark,
            scenario_values_native: v,
            delta_e9: 500_000_000,
            gamma_e9: 10_000_000,
            vega_native: 100,
            theta_native: -50,
            short_floor_mm_native: floor,
            short_floor_im_native: floor * 3 / 2,
            vol_ref_e6: 500_000,
            flags: 0,
        }
    }

    fn grid(mm_range: u32) -> ScenarioGrid {
        ScenarioGrid {
            spot_shocks_bps: [-2_000, 0, 2_000, 0, 0, 0, 0, 0, 0],
            vol_shocks_bps: [0, 0, 0],
            mm_spot_range_bps: mm_range,
            spot_count: 3,
            vol_count: 1,
            _padding: [0; 2],
        }
    }

    fn pos(series: &SeriesRisk, size: i64) -> PositionInput<'_> {
        PositionInput {
            series,
            underlying: 0,
            kind: OptionKind::Call,
            size_contracts: size,
            cost_basis_native: 0,
            lot_size_contracts: 1,
        }
    }

    #[test]
    fn masks_of_the_default_grid() {
        let (used, mm) = scenario_masks(&ScenarioGrid::default_grid()).unwrap();
        assert_eq!(used, (1 << 27) - 1);
        // Spot shocks ±20% (indices 0 and 8) are IM only.
        assert_eq!(mm, used & !0b111 & !(0b111 << 24));
    }

    #[test]
    fn naked_short_pays_worst_loss_plus_floor() {
        let s = series(1_000, [100, 1_000, 5_000], 300);
        let grids = [grid(2_000)];
        let positions = [pos(&s, -2)];
        let coll = [CollateralInput::settlement(20_000)];
        let m = account_margin(&AccountInputs {
            grids: &grids,
            positions: &positions,
            collaterals: &coll,
        })
        .unwrap();
        let sm = m.summary;
        assert_eq!(sm.options_value_native, -2 * 1_001);
        assert_eq!(sm.equity_native, 20_000 - 2_002);
        assert_eq!(sm.scenario_mm_native, 2 * 4_000);
        assert_eq!(sm.floor_mm_native, 600);
        assert_eq!(sm.mm_native, 8_600);
        assert_eq!(sm.im_native, 8_000 + 900);
        assert_eq!(m.positions[0].delta_e9, -1_000_000_000);
        assert!(m.meets_maintenance());
        // Narrower MM range: the +20% scenario no longer counts for MM, IM unchanged.
        let grids = [grid(1_000)];
        let m2 = margin_summary(&AccountInputs {
            grids: &grids,
            positions: &positions,
            collaterals: &coll,
        })
        .unwrap();
        assert_eq!(m2.mm_native, 600);
        assert_eq!(m2.im_native, 8_900);
    }

    #[test]
    fn ratio_sentinels() {
        assert_eq!(ratio_bps(5, 0), Ok(RATIO_NO_MARGIN));
        assert_eq!(ratio_bps(-5, 0), Ok(0));
        assert_eq!(ratio_bps(10_499, 10_000), Ok(10_499));
        assert_eq!(ratio_bps(-1, 10), Ok(0));
    }

    #[test]
    fn bad_inputs_are_errors_not_panics() {
        let s = series(1_000, [0, 0, 0], 0);
        let grids = [grid(0)];
        let mut p = pos(&s, 1);
        p.underlying = 1;
        let r = margin_summary(&AccountInputs {
            grids: &grids,
            positions: &[p],
            collaterals: &[],
        });
        assert_eq!(r, Err(RiskError::InvalidInput));
        let two = [
            CollateralInput::settlement(1),
            CollateralInput::settlement(1),
        ];
        let r = margin_summary(&AccountInputs {
            grids: &grids,
            positions: &[],
            collaterals: &two,
        });
        assert_eq!(r, Err(RiskError::InvalidInput));
        let big = series(i64::MAX - 1, [i64::MIN, 0, 0], 0);
        let r = margin_summary(&AccountInputs {
            grids: &grids,
            positions: &[pos(&big, i64::MIN)],
            collaterals: &[],
        });
        assert_eq!(r, Err(RiskError::MathOverflow));
    }
}
