//! The partial-liquidation planner: which tier, which candidate, how much, what fee.
//!
//! [`plan_liquidation`] is pure and deterministic: the on-chain
//! `partial_liquidate` handler, the liquidator bot and the simulator call it
//! on the same inputs and get the same plan to the unit.
//!
//! ## Tier
//! `ratio = equity · 10_000 / MM` (floor, bps). With the default
//! [`LiquidationParams`]: ratio ≥ 10_500 is healthy (`AccountHealthy`);
//! [10_200, 10_500) is tier 1, a call releasing up to 10% of the account's
//! MM; [10_000, 10_200) tier 2 (up to 25%); below 10_000 tier 3, a
//! closeout: just enough to restore the target from one candidate, with no
//! cap, and below `flatten_below_ratio_bps` (default 5_000) or when
//! bankrupt the whole candidate, call after call. (If closing a position
//! past some point would raise MM again, because it over-hedges another
//! one, a flattening call closes as much as minimises MM instead of all of
//! it.) The floored ratio is below an integer threshold exactly when the
//! true ratio is.
//!
//! `soft_cap_basis` selects what a soft tier's fraction is a share of:
//! the account's MM (default: sized on the shortfall, so one call can
//! restore the target whichever candidate it takes) or, as in the first
//! release, the chosen candidate (at 10% of a 10-lot position, one lot).
//!
//! ## Candidates
//! Every option position, and every volatile (non-settlement) collateral
//! with a positive balance. The settlement stablecoin is never a candidate.
//! A candidate is eligible only if its planned quantity strictly lowers MM,
//! so one leg of a hedge whose closing would raise MM is never chosen;
//! the one exception is a bankrupt account (equity ≤ 0) in closeout, which
//! sheds every position (those freeing no MM last) so it can be resolved.
//!
//! ## What a liquidation does (the semantics `apply_plan` implements)
//! - A position slice moves to the liquidator at the value equity credits
//!   it: `mark` per contract for a long (the account is paid), `mark + 1` for
//!   a short (the account pays). Equity is unchanged by the transfer itself.
//! - Collateral is sold for settlement at the **low** oracle price (the one
//!   that values it as an asset); the proceeds are defined as
//!   `value(balance) − value(balance − amount)`, so equity is unchanged to
//!   the unit. Its haircut MM is released.
//! - Only the fee ([`crate::fee`]) lowers equity.
//!
//! ## Amount: just enough, solved exactly
//! Removing `q` contracts of position `i` changes each scenario P&L of its
//! underlying by `−σ·q·d_s` (σ = sign of the size, `d_s = value_s − mark`)
//! and the net short floor of its group by `σ·q·floor`. All other terms are
//! constant, so `MM(q) = C + max(0, max_s(a_s + b_s·q)) + max(0, x + y·q)`: a
//! maximum of at most 28 × 2 lines, convex and piecewise linear in `q`, exact
//! in integers. The target condition `10_000·(equity − fee(MM)) ≥
//! target·MM` is strictly monotone in `MM` (the fee grows by at most one unit
//! per unit of MM released while `target > 10_000`), so it is equivalent to
//! `MM ≤ K` for one integer `K`, found in closed form (plus ≤ 3 unit steps
//! absorbing the fee's floor). `MM(q) ≤ K` is then the intersection of one
//! half-line per line: `q ≥ (α − K)/(−β)` for falling lines above `K` and
//! `q ≤ (K − α)/β` for rising ones. No repricing and no trial-and-error.
//!
//! The quantity is the smallest lot multiple (or the whole position) in that
//! interval, i.e. the minimum quantity that reaches the target, rounded up
//! to the lot against the account. A soft tier caps it: on the account's
//! MM, by aiming at `max(K, MM − ⌊fraction · MM⌋)` instead of `K` (the
//! least lot that releases the share, so the cap is rounded up to a lot
//! against the account); on the candidate, at the tier's fraction of it
//! (rounded down to lots, at least one lot). When the target is out of
//! reach (cap, or MM bottoming out first) the quantity minimising MM within
//! the cap is taken instead, found by bisection on the discrete slope of
//! the convex `MM(q)` (≤ 64 steps). A just-enough closeout solves `K` by
//! bisection on the target condition (below 100% the fee's ratio cap
//! binds, where the closed form does not hold; ≤ 63 steps); it is −1 when
//! even MM 0 misses the target, and the candidate's MM minimiser is taken. Collateral is solved by inverting its
//! rounded haircut exactly ([`CollateralInput`] has no lots; the unit is one
//! token native unit). Along every planned path MM is non-increasing, which
//! the fee's anti-slicing argument needs.
//!
//! On SBF the lines of `MM(q)` are evaluated in 64-bit arithmetic whenever
//! the position's numbers are bounded (every real account), with the same
//! integers as the `i128` form (see `model`); the minimiser is searched
//! first and the bound solved only when the minimum reaches it, which
//! gives the same quantity. Measured in the SBPF v0 VM (`sbf-cu` kit): a
//! tier-1 plan of 32 positions ≈ 98k CU, ≈ 22k of it the account summary.
//!
//! ## Ranking (explicit score, then tie-breaks)
//! 0. **Restore first, else free the most.** In a soft tier (and a
//!    just-enough closeout) a candidate
//!    whose planned slice restores the target in this call goes before one
//!    that cannot (capped by the tier); among those that cannot, the one
//!    freeing the most MM goes first, so the account gets as close as this
//!    call allows and the grace period is not spent on a token slice. In a
//!    flattening closeout (whole candidates, each call paying the flat fee) the
//!    candidate freeing the most MM goes first: the largest risk, typically
//!    the highest-delta, highest-gamma short, so the account leaves the
//!    closeout in the fewest calls instead of closing near-worthless wings
//!    one flat fee at a time. A just-enough closeout ranks like a soft
//!    tier. Rules 1–5 break its ties.
//! 1. **Score** (higher first): MM released by the planned quantity per unit
//!    of value liquidated, `score_e12 = released · 10^12 / value`. The value
//!    of an option slice is `q · (|mark| + short_floor_mm + 1)`: its premium
//!    plus the series' notional-scaled floor, so near-worthless far
//!    out-of-the-money options are not treated as free; the `+1` keeps it
//!    positive. The value of a collateral slice is its proceeds (≥ 1).
//! 2. Higher dollar delta `|size · delta · spot|` first (directional risk
//!    before hedged / low-delta positions). Collateral counts its full value.
//! 3. Higher dollar gamma `|size · gamma · spot|` first (high-gamma before
//!    low-gamma / near-expiry wings). Collateral counts 0.
//! 4. Lower unrealised P&L first: losing positions before profitable ones
//!    (collateral counts 0).
//! 5. Volatile collateral before option positions (liquidating collateral
//!    leaves the trading strategy intact), then the lower index.
//!
//! Stablecoin settlement collateral is last by construction: never a candidate.
//!
//! ## Stack
//! SBF gives each call frame 4 KiB. The account summary (~2.3 KB) lives in
//! caller-provided scratch ([`plan_liquidation_with`],
//! [`evaluate_liquidation_with`]; the program boxes it), and the
//! per-candidate steps are `#[inline(never)]` so their locals (a position
//! model holds a 27-scenario slope) never pile up in one frame. Frames are
//! measured (x86-64 proxy, `scripts/stack-sizes.sh`) and listed in the README.

mod evaluate;
mod model;
mod rank;

pub use evaluate::{evaluate_liquidation, evaluate_liquidation_with};

use model::{MmScenarios, PositionModel};
use rank::{rank_collateral, rank_position, score_e12, RankKey};

use crate::collateral::{CollateralInput, BPS};
use crate::error::{RiskError, RiskResult};
use crate::fee::{liquidation_fee, FeeInputs, LiquidationFee};
use crate::margin::{
    margin_summary_into, ratio_bps, AccountInputs, MarginSummary, PositionInput, MAX_UNDERLYINGS,
};
use crate::num::{div_floor, to_i64, SafeMath};
use crate::wide::udivrem_u128_u64;

pub use crate::apply::{apply_plan, AccountState};

/// One liquidation tier (the exchange's [`crate::params::TierParams`]).
pub use crate::params::TierParams as Tier;

/// Tiers, target and fee of partial liquidations: the planner's part of
/// [`crate::params::RiskParams`] (see [`crate::params::RiskParams::liquidation`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LiquidationParams {
    /// Strictly descending thresholds, ascending fractions. The last tier is a
    /// full closeout of the chosen candidate.
    pub tiers: [Tier; 3],
    /// precision: bps of equity / MM. Ratio a soft-tier liquidation restores.
    pub target_ratio_bps: u32,
    /// unit: quote native. Flat fee part, paid by the call that closes a candidate.
    pub fee_flat_native: u64,
    /// precision: bps of the MM released. Proportional fee part.
    pub fee_rate_bps: u16,
    /// precision: bps of equity / MM. Below it a closeout closes whole
    /// candidates; from it up to the last tier it takes just enough
    /// ([`crate::params::RiskParams::flatten_below_ratio_bps`]).
    pub flatten_below_ratio_bps: u32,
    /// [`crate::params::CAP_OF_ACCOUNT_MM`] or [`crate::params::CAP_OF_CANDIDATE`].
    pub soft_cap_basis: u8,
    /// precision: bps of the MM released. Where the proportional rate ramps
    /// to ([`crate::params::RiskParams::fee_rate_max_bps`], [`Self::fee_rate_at_floor`]).
    pub fee_rate_max_bps: u16,
}

impl Default for LiquidationParams {
    /// The planner's part of [`crate::params::RiskParams::DEFAULT`].
    fn default() -> Self {
        crate::params::RiskParams::DEFAULT.liquidation()
    }
}

impl LiquidationParams {
    /// `InvalidTiers` unless the tiers, target and fee rate are within the
    /// exchange's bounds ([`crate::params::validate_liquidation`]), which
    /// also keep the closed-form solve exact within 3 steps.
    pub fn validate(&self) -> RiskResult<()> {
        crate::params::validate_liquidation(&self.tiers, self.target_ratio_bps, self.fee_rate_bps)
            .map_err(RiskError::from)?;
        if self.flatten_below_ratio_bps > self.tiers[2].below_ratio_bps
            || self.soft_cap_basis > crate::params::CAP_OF_CANDIDATE
            || self.fee_rate_max_bps > crate::params::MAX_FEE_RATE_BPS
        {
            return Err(RiskError::InvalidTiers);
        }
        Ok(())
    }

    /// precision: bps of the MM released. The proportional fee rate of a
    /// call on an account at `ratio_bps`: `fee_rate_bps` at the first
    /// tier's threshold, rising linearly to `fee_rate_max_bps` at the last
    /// tier's, constant below; rounded down (the trader's favour). A later
    /// slice of a split call starts from a higher ratio and so never earns a
    /// higher rate, which keeps slicing unprofitable (`crate::fee`).
    pub fn fee_rate_at_floor(&self, ratio_bps: u64) -> u16 {
        let (base, max) = (self.fee_rate_bps, self.fee_rate_max_bps);
        if max <= base {
            return base;
        }
        let (top, bottom) = (
            u64::from(self.tiers[0].below_ratio_bps),
            u64::from(self.tiers[2].below_ratio_bps),
        );
        let depth = top.saturating_sub(ratio_bps).min(top - bottom);
        // depth ≤ 2_000 and the spread ≤ 1_000: the product fits easily.
        let ramp = u64::from(max - base) * depth / (top - bottom);
        base + ramp as u16
    }

    /// Tier (1..=3) of an account at `ratio_bps`, `None` when healthy.
    pub fn tier_of(&self, ratio_bps: u64) -> Option<u8> {
        let mut tier = None;
        for (k, t) in self.tiers.iter().enumerate() {
            if ratio_bps < u64::from(t.below_ratio_bps) {
                tier = Some(k as u8 + 1);
            }
        }
        tier
    }
}

/// What to liquidate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Candidate {
    /// Index into [`AccountInputs::positions`].
    Position(u8),
    /// Index into [`AccountInputs::collaterals`].
    Collateral(u8),
}

/// The account's side of the trade.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// The account sells: a long option slice, or collateral.
    Sell,
    /// The account buys back a short option slice.
    Buy,
}

/// One liquidation call, fully determined.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LiquidationPlan {
    /// 1..=3 (see [`LiquidationParams::tiers`]).
    pub tier: u8,
    /// What is liquidated.
    pub candidate: Candidate,
    /// The account's side.
    pub side: Side,
    /// unit: contracts for a position, token native for collateral.
    pub quantity: u64,
    /// unit: quote native. Settlement paid to (+) or by (−) the account for
    /// the slice: `q·mark` (long), `−q·(mark+1)` (short), proceeds (collateral).
    pub transfer_value_native: i64,
    /// unit: quote native. Fee paid by the account to the liquidator.
    pub fee_native: u64,
    /// The call closes the candidate completely (the flat fee part applies).
    pub closes_candidate: bool,
    /// unit: quote native.
    pub equity_before_native: i64,
    /// unit: quote native. `equity_before − fee`.
    pub equity_after_native: i64,
    /// unit: quote native.
    pub mm_before_native: i64,
    /// unit: quote native.
    pub mm_after_native: i64,
    /// precision: bps, floor.
    pub ratio_before_bps: u64,
    /// precision: bps, floor.
    pub ratio_after_bps: u64,
    /// precision: e12. MM released per unit of value liquidated (ranking score).
    pub score_e12: u64,
    /// The tier's fraction limited the quantity below what the target needs.
    pub capped_by_tier: bool,
    /// The account reaches `target_ratio_bps` after the call.
    pub reaches_target: bool,
    /// A closeout of whole candidates (below the flatten threshold, or
    /// bankrupt); otherwise the quantity is the least that reaches the
    /// target (or, short of it, the tier's cap or the candidate's best).
    pub flattens: bool,
}

/// Shared state of one planning pass.
struct Ctx<'s> {
    summary: &'s MarginSummary,
    params: &'s LiquidationParams,
    equity: i128,
    mm0: i128,
    tier: u8,
    /// precision: bps of the MM released. This call's proportional fee
    /// rate ([`LiquidationParams::fee_rate_at_floor`] of the ratio before).
    rate_bps: u16,
    /// unit: quote native. Largest MM after a partial (non-closing) call that
    /// still reaches the target; computed once per plan (every plan that
    /// does not flatten; −1 when no MM reaches it).
    k_partial: i128,
    /// unit: quote native. Soft tiers sized on the account's MM: the MM
    /// after releasing the tier's share of it (a call aims at the larger of
    /// this and `k_partial`); −1 otherwise.
    k_cap: i128,
    /// The MM scenarios of each underlying, listed once for every candidate.
    mm: &'s [MmScenarios; MAX_UNDERLYINGS],
}

impl Ctx<'_> {
    fn is_closeout(&self) -> bool {
        usize::from(self.tier) == self.params.tiers.len()
    }

    /// A closeout of whole candidates: below the flatten threshold, or bankrupt.
    fn flattens(&self) -> bool {
        self.is_closeout()
            && (self.summary.ratio_bps < u64::from(self.params.flatten_below_ratio_bps)
                || self.equity <= 0)
    }

    /// A soft tier whose fraction is a share of the account's MM.
    fn caps_account_mm(&self) -> bool {
        !self.is_closeout() && self.params.soft_cap_basis == crate::params::CAP_OF_ACCOUNT_MM
    }

    /// unit: quote native. The MM a sized (non-flattening) call aims at.
    fn k_aim(&self) -> i128 {
        self.k_partial.max(self.k_cap)
    }

    /// The share cap, not the target, set a call's size (`mm_after` ≤ the aim).
    fn share_capped(&self, mm_after: i128) -> bool {
        self.k_cap > self.k_partial && mm_after > self.k_partial && mm_after <= self.k_cap
    }

    fn fee(&self, mm_after: i128, closes: bool) -> RiskResult<LiquidationFee> {
        let f = FeeInputs {
            equity_before_native: self.summary.equity_native,
            mm_before_native: self.summary.mm_native,
            mm_after_native: to_i64(mm_after)?,
            closes_candidate: closes,
        };
        liquidation_fee(self.params.fee_flat_native, self.rate_bps, &f)
    }

    /// `10_000 · (equity − fee) ≥ target · mm_after`.
    fn reaches_target(&self, mm_after: i128, closes: bool) -> RiskResult<bool> {
        let fee = i128::from(self.fee(mm_after, closes)?.fee_native);
        let lhs = self.equity.safe_sub(fee)?.safe_mul(BPS)?;
        Ok(lhs >= i128::from(self.params.target_ratio_bps).safe_mul(mm_after)?)
    }

    /// Largest MM (< MM before) that reaches the target after the fee, for
    /// a call that does (`closes`) or does not close its candidate. Only
    /// used in soft tiers, where equity ≥ MM before. See the module docs.
    fn mm_bound(&self, closes: bool) -> RiskResult<i128> {
        let t = i128::from(self.params.target_ratio_bps);
        let r = i128::from(self.rate_bps);
        let flat = if closes {
            i128::from(self.params.fee_flat_native)
        } else {
            0
        };
        let top = self.mm0 - 1;
        // Regime A: fee = flat + ⌊r·R/10^4⌋. Closed form, then ≤ 3 steps for the floor.
        let num = BPS
            .safe_mul(self.equity.safe_sub(flat)?)?
            .safe_sub(r.safe_mul(self.mm0)?)?;
        let mut k = div_floor(num, t - r)?.clamp(-1, top);
        for _ in 0..3 {
            if k < top && self.reaches_target(k + 1, closes)? {
                k += 1;
            }
        }
        // Regime B: the excess cap, fee = R − 1.
        let kb = div_floor(
            BPS.safe_mul(self.equity.safe_sub(self.mm0)?.safe_add(1)?)?,
            t - BPS,
        )?;
        let k = k.max(kb.min(top)).max(0);
        Ok(k)
    }

    /// Largest MM after a non-closing call that reaches the target, for a
    /// just-enough closeout (equity may be below MM, where the fee's ratio
    /// cap binds and the closed form of [`Self::mm_bound`] does not hold):
    /// bisection on `reaches_target`, which is strictly monotone in the MM
    /// after (the fee grows by at most one unit per unit of MM released,
    /// the target's side by `target / 10_000 > 1`). −1 when even MM 0 misses.
    fn mm_bound_closeout(&self) -> RiskResult<i128> {
        if self.equity <= 0 || !self.reaches_target(0, false)? {
            return Ok(-1);
        }
        // The closed form of a fee of `⌊r·R/10^4⌋` reaches the target (the
        // actual fee is at most that); while that fee is the binding one
        // (the ratio cap binds only below r/10^4 of MM), K is at most a few
        // units above it. Two or three fee evaluations instead of ~40.
        let (t, r) = (
            i128::from(self.params.target_ratio_bps),
            i128::from(self.rate_bps),
        );
        let num = BPS.safe_mul(self.equity)?.safe_sub(r.safe_mul(self.mm0)?)?;
        let mut lo = div_floor(num, t - r)?.clamp(0, self.mm0 - 1);
        if !self.reaches_target(lo, false)? {
            lo = 0;
        }
        for _ in 0..3 {
            if !self.reaches_target(lo + 1, false)? {
                return Ok(lo);
            }
            lo += 1;
        }
        // Invariant: reaches(lo), !reaches(hi) (MM before never reaches it
        // below 100%: equity − fee < MM before).
        let mut hi = self.mm0;
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if self.reaches_target(mid, false)? {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        Ok(lo)
    }

    /// unit: quote native. MM after releasing the tier's share of the
    /// account's MM (share floor: the cap never exceeds the fraction).
    fn mm_after_share(&self) -> RiskResult<i128> {
        let share = div_floor(self.mm0.safe_mul(self.fraction_bps())?, BPS)?;
        self.mm0.safe_sub(share)
    }

    /// precision: bps of the candidate. The tier's fraction.
    fn fraction_bps(&self) -> i128 {
        i128::from(self.params.tiers[usize::from(self.tier) - 1].max_fraction_bps)
    }
}

/// `ceil(n / d)` for `n ≥ 0`, `d > 0`, with a native 64-bit fast path (SBF
/// has 64-bit division; 128-bit division is a software routine).
fn div_ceil_pos(n: i128, d: i128) -> i128 {
    if let (Ok(a), Ok(b)) = (u64::try_from(n), u64::try_from(d)) {
        return i128::from(a.div_ceil(b));
    }
    if let Ok(b) = u64::try_from(d) {
        // n ≥ 0 and a divisor below 2^64: a 128÷64 division.
        let (q, r) = udivrem_u128_u64(n as u128, b);
        return q as i128 + i128::from(r != 0);
    }
    n / d + i128::from(n % d != 0)
}

/// `floor(n / d)` for `n ≥ 0`, `d > 0`, 64-bit fast path.
fn div_floor_pos(n: i128, d: i128) -> i128 {
    if let (Ok(a), Ok(b)) = (u64::try_from(n), u64::try_from(d)) {
        return i128::from(a / b);
    }
    if let Ok(b) = u64::try_from(d) {
        return udivrem_u128_u64(n as u128, b).0 as i128;
    }
    n / d
}

/// A candidate's planned quantity and the MM after it.
#[derive(Clone, Copy, Debug)]
struct Choice {
    quantity: i128,
    mm_after: i128,
    capped: bool,
}

impl Choice {
    /// Placeholder before the first candidate.
    const NONE: Self = Self {
        quantity: 0,
        mm_after: 0,
        capped: false,
    };
}

/// Tier cap of a candidate of `full` units in lots of `lot`: the tier's
/// fraction rounded down to lots, at least one lot, at most `full`.
fn tier_cap(ctx: &Ctx, full: i128, lot: i128) -> RiskResult<i128> {
    // Closeouts take what they need; a share of the account's MM caps
    // through `k_cap` instead.
    if ctx.is_closeout() || ctx.caps_account_mm() {
        return Ok(full);
    }
    let fraction = ctx.fraction_bps();
    let raw = match u64::try_from(full) {
        // full < 2^32 and the fraction < 2^32: the product fits u64, and the
        // floor of a non-negative quotient is the native division.
        Ok(f) if f >> 32 == 0 => i128::from(f.wrapping_mul(fraction as u64) / BPS as u64),
        _ => div_floor(full.safe_mul(fraction)?, BPS)?,
    };
    // 0 ≤ raw ≤ full < 2^64 and 0 < lot < 2^64: the multiple of the lot below
    // raw is a native division (a truncating one equals the floor here).
    let whole = match (u64::try_from(raw), u64::try_from(lot)) {
        (Ok(r), Ok(l)) if l > 0 => i128::from(r - r % l),
        _ => raw / lot * lot,
    };
    Ok(whole.max(lot).min(full))
}

/// The plan of position `p` in `out`; whether it is eligible. (An out
/// parameter and a flag: an `Option<Choice>` result is moved byte by byte
/// on SBF.)
#[inline(never)] // own SBF frame: see "Stack" in the module docs
fn plan_position(ctx: &Ctx, p: &PositionInput, out: &mut Choice) -> RiskResult<bool> {
    if p.size_contracts == 0 {
        return Ok(false);
    }
    let mut m = PositionModel::EMPTY;
    m.init(ctx, p)?;
    let cap = tier_cap(ctx, m.full, m.lot)?;
    // A bankrupt account (equity ≤ 0) must be able to shed every live
    // position, even one whose closing frees no MM (a worthless long it
    // could open while underwater, at the mark): otherwise it could never
    // reach `resolve_bankruptcy`. Such positions rank after every MM-freeing
    // one. A settled position is cash, booked by `settle_positions`.
    let bankrupt =
        ctx.is_closeout() && ctx.equity <= 0 && p.series.flags & crate::series::FLAG_SETTLED == 0;
    // `known`: MM at the quantity when the minimiser search already has it.
    let (quantity, capped, known) = if ctx.flattens() {
        match m.argmin(m.full) {
            (0, _) if bankrupt => (m.full, false, None),
            (q, mm) => (q, false, Some(mm)),
        }
    } else {
        let (q, capped, mm) = m.plan_partial(ctx.k_aim(), cap);
        (q, capped || ctx.share_capped(mm), Some(mm))
    };
    let mm_after = known.unwrap_or_else(|| m.mm_at(quantity));
    *out = Choice {
        quantity,
        mm_after,
        capped,
    };
    Ok(quantity > 0 && (mm_after < ctx.mm0 || bankrupt))
}

/// `(haircut before, model)` of selling collateral `c`: MM after selling `a`.
#[inline(never)] // own SBF frame: see "Stack" in the module docs
fn collateral_mm_after(ctx: &Ctx, c: &CollateralInput, amount: i128) -> RiskResult<i128> {
    let b = i128::from(c.balance_native);
    let before = c.haircuts_ceil(c.value_floor()?)?.0;
    let after = c.haircuts_ceil(c.value_of_floor(b.safe_sub(amount)?)?)?.0;
    ctx.mm0.safe_sub(before)?.safe_add(after)
}

#[inline(never)] // own SBF frame: see "Stack" in the module docs
fn plan_collateral(ctx: &Ctx, c: &CollateralInput) -> RiskResult<Option<Choice>> {
    if c.is_settlement || c.balance_native <= 0 {
        return Ok(None);
    }
    let full = i128::from(c.balance_native);
    let cap = tier_cap(ctx, full, 1)?;
    let (quantity, capped) = if ctx.flattens() {
        (full, false)
    } else {
        collateral_quantity(ctx, c, ctx.k_aim(), cap)?
    };
    let mm_after = collateral_mm_after(ctx, c, quantity)?;
    Ok((mm_after < ctx.mm0).then_some(Choice {
        quantity,
        mm_after,
        capped: capped || ctx.share_capped(mm_after),
    }))
}

/// The least amount of collateral `c` whose sale brings MM to `k` or
/// below (all of it when nothing does), within `cap`; whether `cap` cut it.
fn collateral_quantity(
    ctx: &Ctx,
    c: &CollateralInput,
    k: i128,
    cap: i128,
) -> RiskResult<(i128, bool)> {
    let full = i128::from(c.balance_native);
    let before = c.haircuts_ceil(c.value_floor()?)?.0;
    let h = k.safe_sub(ctx.mm0.safe_sub(before)?)?;
    Ok(match c.max_balance_for_mm_haircut(h)? {
        Some(keep) if full - keep <= cap => ((full - keep).max(1), false),
        _ => (cap, cap < full),
    })
}

/// The plan of one call on `inputs`: tier, best candidate, just-enough
/// quantity, fee and before/after figures (see the module docs).
///
/// Errors: `InvalidTiers`, `AccountHealthy` (ratio at or above the top
/// threshold), `NoLiquidationCandidate` (nothing lowers MM), and the errors
/// of [`margin_summary`].
pub fn plan_liquidation(
    inputs: &AccountInputs,
    params: &LiquidationParams,
) -> RiskResult<LiquidationPlan> {
    let mut summary = MarginSummary::ZERO;
    plan_liquidation_with(inputs, params, &mut summary)
}

/// [`plan_liquidation`] with caller-provided scratch for the account's
/// [`MarginSummary`] (overwritten), so the ~2.3 KB need not sit in this
/// frame: the program passes heap scratch (see "Stack" in the module docs).
pub fn plan_liquidation_with(
    inputs: &AccountInputs,
    params: &LiquidationParams,
    summary: &mut MarginSummary,
) -> RiskResult<LiquidationPlan> {
    params.validate()?;
    margin_summary_into(inputs, summary)?;
    let mut mm = [MmScenarios::EMPTY; MAX_UNDERLYINGS];
    let ctx = context(summary, params, &mut mm)?;
    // The best so far, in plain locals (an `Option` of the whole tuple is
    // moved byte by byte on SBF).
    let mut found = false;
    let (mut key, mut candidate, mut ch) = (RankKey::NONE, Candidate::Position(0), Choice::NONE);
    let (mut k, mut c) = (RankKey::NONE, Choice::NONE);
    for (i, p) in inputs.positions.iter().enumerate() {
        if plan_position(&ctx, p, &mut c)? {
            rank_position(&ctx, p, &c, i, &mut k)?;
            if !found || k.beats(&key) {
                (found, key, candidate, ch) = (true, k, Candidate::Position(i as u8), c);
            }
        }
    }
    for (j, c) in inputs.collaterals.iter().enumerate() {
        if let Some(c2) = plan_collateral(&ctx, c)? {
            let k = rank_collateral(&ctx, c, &c2, j)?;
            if !found || k.beats(&key) {
                (found, key, candidate, ch) = (true, k, Candidate::Collateral(j as u8), c2);
            }
        }
    }
    if !found {
        return Err(RiskError::NoLiquidationCandidate);
    }
    build_plan(
        &ctx,
        inputs,
        candidate,
        &ch,
        score_e12(key.released, key.value)?,
    )
}

/// The shared state of a plan; `mm` is scratch for the MM scenario lists.
fn context<'s>(
    summary: &'s MarginSummary,
    params: &'s LiquidationParams,
    mm: &'s mut [MmScenarios; MAX_UNDERLYINGS],
) -> RiskResult<Ctx<'s>> {
    let tier = params
        .tier_of(summary.ratio_bps)
        .ok_or(RiskError::AccountHealthy)?;
    let used = usize::from(summary.underlying_count).min(MAX_UNDERLYINGS);
    for (m, u) in mm.iter_mut().zip(&summary.underlyings[..used]) {
        m.fill(u);
    }
    let mm = &*mm;
    let mut ctx = Ctx {
        summary,
        params,
        equity: i128::from(summary.equity_native),
        mm0: i128::from(summary.mm_native),
        tier,
        rate_bps: params.fee_rate_at_floor(summary.ratio_bps),
        k_partial: -1,
        k_cap: -1,
        mm,
    };
    if !ctx.is_closeout() {
        ctx.k_partial = ctx.mm_bound(false)?;
        if ctx.caps_account_mm() {
            ctx.k_cap = ctx.mm_after_share()?;
        }
    } else if !ctx.flattens() {
        ctx.k_partial = ctx.mm_bound_closeout()?;
    }
    Ok(ctx)
}

#[inline(never)] // own SBF frame: see "Stack" in the module docs
fn build_plan(
    ctx: &Ctx,
    inputs: &AccountInputs,
    candidate: Candidate,
    ch: &Choice,
    score_e12: u64,
) -> RiskResult<LiquidationPlan> {
    let q = ch.quantity;
    let (side, transfer, closes) = match candidate {
        Candidate::Position(i) => {
            let p = &inputs.positions[usize::from(i)];
            let side = if p.size_contracts > 0 {
                Side::Sell
            } else {
                Side::Buy
            };
            let value = q.safe_mul(p.per_contract_value())?;
            let transfer = if p.size_contracts > 0 { value } else { -value };
            (
                side,
                transfer,
                q == i128::from(p.size_contracts.unsigned_abs()),
            )
        }
        Candidate::Collateral(j) => {
            let c = &inputs.collaterals[usize::from(j)];
            let b = i128::from(c.balance_native);
            let proceeds = c
                .value_floor()?
                .safe_sub(c.value_of_floor(b.safe_sub(q)?)?)?;
            (Side::Sell, proceeds, q == b)
        }
    };
    let fee = ctx.fee(ch.mm_after, closes)?.fee_native;
    let equity_after = ctx.equity.safe_sub(i128::from(fee))?;
    Ok(LiquidationPlan {
        tier: ctx.tier,
        candidate,
        side,
        quantity: u64::try_from(q).map_err(|_| RiskError::MathOverflow)?,
        transfer_value_native: to_i64(transfer)?,
        fee_native: fee,
        closes_candidate: closes,
        equity_before_native: ctx.summary.equity_native,
        equity_after_native: to_i64(equity_after)?,
        mm_before_native: ctx.summary.mm_native,
        mm_after_native: to_i64(ch.mm_after)?,
        ratio_before_bps: ctx.summary.ratio_bps,
        ratio_after_bps: ratio_bps(equity_after, ch.mm_after)?,
        score_e12,
        capped_by_tier: ch.capped,
        reaches_target: ctx.reaches_target(ch.mm_after, closes)?,
        flattens: ctx.flattens(),
    })
}
