//! `MM(q)` of removing `q` contracts of one position (parent module docs,
//! "Amount"), and its two solves: the smallest grid quantity reaching a
//! bound, and the grid quantity minimising MM.
//!
//! ## Two evaluations of the same function
//! `MM(q) = c + max(0, max_s(slope_s·q − pnl_s)) + max(0, x + y·q)` is
//! exact in integers. When the position's numbers are bounded (the model's
//! [`Lines`]: every `|slope_s|·|size|` and `|y|·|size|` at most 2^61, every
//! `|pnl_s|` and `|x|` at most 2^60, `|size|` at most 2^61; true of any
//! real account by many orders of magnitude) every line value, intercept
//! difference and quotient of the solves fits `i64` with room to spare, so
//! they run on the MM scenarios compacted into 64-bit arrays with plain
//! 64-bit arithmetic (native on SBF, where each 128-bit multiply or checked
//! 64-bit multiply is a software call). Otherwise the original `i128` code
//! runs. Both compute the same integers, so the plan is the same to the
//! unit either way.
//!
//! Without overflow (the bounded case) the `saturating_add`s of the `i128`
//! form never saturate, so `MM` is exactly a convex piecewise-linear
//! function sampled on the grid, and the minimiser search only has to
//! find where its discrete slope turns non-negative (see [`PositionModel::argmin`]).

use super::{div_ceil_pos, div_floor_pos, Ctx};
use crate::error::{RiskError, RiskResult};
use crate::margin::{group_floors, PositionInput, UnderlyingRisk};
use crate::num::SafeMath;
use crate::types::MAX_SCENARIOS;
use crate::wide::umul_parts;

/// Largest `|slope|·|size|`, `|y|·|size|` and `|size|` of a bounded model.
const LINE_PRODUCT_MAX: u64 = 1 << 61;
/// Largest `|pnl_s|` and `|x|` of a bounded model.
const INTERCEPT_MAX: u64 = 1 << 60;
/// Largest `|k − c|` the bounded [`PositionModel::smallest_reaching`] takes.
const BOUND_MAX: u64 = 1 << 61;

/// `MM(q)` of removing `q` contracts of one position (module docs).
///
/// Filled in place ([`Self::init`]) in the caller's frame: SBF copies
/// of a struct this size are long inline loops.
pub(super) struct PositionModel {
    /// unit: quote native. MM terms the position does not touch.
    c: i128,
    /// unit: quote native. Net MM floor of the group before (may be < 0).
    x: i128,
    /// unit: quote native per contract. `σ · short_floor_mm`.
    y: i64,
    /// unit: contracts. |size|.
    pub(super) full: i128,
    /// unit: contracts.
    pub(super) lot: i128,
    /// The scenario lines `slope[i]·q − pnl[i]`, for the `n` MM scenarios
    /// in scenario order (the underlying's P&L and `σ · (value_s − mark)`).
    lines: Lines,
    /// The bounds of the module docs hold: the 64-bit evaluation applies.
    bounded: bool,
}

/// The MM scenarios of a model, compacted.
#[derive(Clone, Copy)]
struct Lines {
    n: usize,
    /// unit: quote native. The underlying's scenario P&L.
    pnl: [i64; MAX_SCENARIOS],
    /// unit: quote native per contract. `σ · (value_s − mark)`.
    slope: [i64; MAX_SCENARIOS],
}

/// The MM scenarios of one underlying (`mm_mask`), listed once per plan:
/// their indices in scenario order, and the OR of the sign-folded
/// magnitudes `x ^ (x >> 63)` of their P&L (at least the largest |P&L| − 1).
#[derive(Clone, Copy)]
pub(super) struct MmScenarios {
    pnl_bits: u64,
    n: u8,
    index: [u8; MAX_SCENARIOS],
}

impl MmScenarios {
    pub(super) const EMPTY: Self = Self {
        pnl_bits: 0,
        n: 0,
        index: [0; MAX_SCENARIOS],
    };

    /// The list of `u`.
    pub(super) fn fill(&mut self, u: &UnderlyingRisk) {
        let mut n = 0;
        let mut bits = 0u64;
        for (s, &pnl) in u.scenario_pnl_native.iter().enumerate() {
            if u.mm_mask & (1 << s) != 0 {
                self.index[n] = s as u8;
                bits |= (pnl ^ (pnl >> 63)) as u64;
                n += 1;
            }
        }
        self.n = n as u8;
        self.pnl_bits = bits;
    }
}

/// `v · σ` for `σ ∈ {−1, 0, 1}`: the checked product without a multiply
/// (it overflows exactly when negating `i64::MIN`, as the negation does).
#[inline(always)]
fn times_sign(v: i64, sigma: i64) -> RiskResult<i64> {
    match sigma {
        0 => Ok(0),
        1 => Ok(v),
        _ => v.checked_neg().ok_or(RiskError::MathOverflow),
    }
}

impl PositionModel {
    /// Scratch for [`Self::init`].
    pub(super) const EMPTY: Self = Self {
        c: 0,
        x: 0,
        y: 0,
        full: 0,
        lot: 0,
        lines: Lines {
            n: 0,
            pnl: [0; MAX_SCENARIOS],
            slope: [0; MAX_SCENARIOS],
        },
        bounded: false,
    };

    /// The model of removing contracts of `p` (every field overwritten).
    #[inline(never)] // own SBF frame
    pub(super) fn init(&mut self, ctx: &Ctx, p: &PositionInput) -> RiskResult<()> {
        let u = &ctx.summary.underlyings[usize::from(p.underlying)];
        let g = p.kind.group();
        let sigma = p.size_contracts.signum();
        let mark = p.series.mark_native;
        let values = &p.series.scenario_values_native;
        // Every scenario's difference `σ · (value − mark)` is checked, as the
        // model always did. Sign-folded magnitudes `x ^ (x >> 63)` (at least
        // |x| − 1), OR-ed (at least their maximum), bound them all at once:
        // when |value| + |mark| ≤ i64::MAX no difference (nor its negation)
        // can overflow; otherwise each is checked.
        let fold = |x: i64| (x ^ (x >> 63)) as u64;
        let mut value_bits = 0u64;
        for &v in values.iter() {
            value_bits |= fold(v);
        }
        if (value_bits + 1).saturating_add(mark.unsigned_abs()) > i64::MAX as u64 {
            for &v in values.iter() {
                times_sign(v.safe_sub(mark)?, sigma)?;
            }
        }
        // Every difference fits: the MM scenarios' lines, in plain arithmetic.
        let mm = &ctx.mm[usize::from(p.underlying)];
        let n = usize::from(mm.n);
        let lines = &mut self.lines;
        for ((&s, pnl), slope) in mm.index[..n]
            .iter()
            .zip(lines.pnl.iter_mut())
            .zip(lines.slope.iter_mut())
        {
            let s = usize::from(s);
            *pnl = u.scenario_pnl_native[s];
            *slope = values[s].wrapping_sub(mark).wrapping_mul(sigma);
        }
        lines.n = n;
        let pnl_bits = mm.pnl_bits;
        // |slope| ≤ |value| + |mark| (the bound above) for the 64-bit evaluation.
        let slope_bound = (value_bits + 1).saturating_add(mark.unsigned_abs());
        let (floor_mm, _) = group_floors(i128::from(u.net_floor_mm_native[g]), 0);
        let w = i128::from(u.worst_loss_mm_native);
        self.c = ctx.mm0.safe_sub(w)?.safe_sub(floor_mm)?;
        self.x = i128::from(u.net_floor_mm_native[g]);
        self.y = times_sign(p.series.short_floor_mm_native, sigma)?;
        self.full = i128::from(p.size_contracts.unsigned_abs());
        self.lot = i128::from(p.lot_size_contracts);
        self.bounded = self.check_bounds(u.net_floor_mm_native[g], slope_bound, pnl_bits);
        Ok(())
    }

    /// Whether the bounds of the module docs hold, given a bound on the
    /// lines' |slope| and the OR-ed sign-folded magnitudes of their P&Ls.
    fn check_bounds(&self, x: i64, slope_bound: u64, pnl_bits: u64) -> bool {
        let full = self.full as u64;
        if full > LINE_PRODUCT_MAX || self.lot == 0 || x.unsigned_abs() > INTERCEPT_MAX {
            return false;
        }
        // |slope|·full ≤ 2^61 ⇔ |slope| ≤ ⌊2^61 / full⌋; |v| ≤ bits + 1.
        let slope_max = LINE_PRODUCT_MAX / full.max(1);
        self.y.unsigned_abs() <= slope_max && slope_bound <= slope_max && pnl_bits < INTERCEPT_MAX
    }

    /// The bounded evaluation's view (module docs).
    #[inline(always)]
    fn fast(&self) -> Option<Fast<'_>> {
        self.bounded.then_some(Fast {
            l: &self.lines,
            x: self.x as i64,
            y: self.y,
            full: self.full as u64,
            lot: self.lot as u64,
        })
    }

    /// unit: quote native. MM after removing `q` contracts (0 ≤ q ≤ full).
    pub(super) fn mm_at(&self, q: i128) -> i128 {
        match self.fast() {
            Some(f) => {
                // 0 ≤ q ≤ full ≤ 2^61; |c| < 2^65 and the terms are below
                // 2^63: no saturation.
                let w = f.at(q.clamp(0, self.full) as u64);
                self.c + i128::from(w)
            }
            None => self.mm_at_wide(q),
        }
    }

    /// [`Self::mm_at`] in `i128` (any bounds).
    ///
    /// The products cannot overflow: an i64 times a u64 is below 2^127, and
    /// the compiler knows it, so each is one widening multiply with no
    /// overflow check (a checked 128-bit multiply is a library call).
    fn mm_at_wide(&self, q: i128) -> i128 {
        // 0 ≤ q ≤ full ≤ 2^63.
        let q = q.clamp(0, self.full) as u64;
        let mut w = 0i128;
        let l = &self.lines;
        for i in 0..l.n {
            w = w.max(i128::from(l.slope[i]) * i128::from(q) - i128::from(l.pnl[i]));
        }
        let floor = (self.x + i128::from(self.y) * i128::from(q)).max(0);
        self.c.saturating_add(w).saturating_add(floor)
    }

    /// The k-th point of the quantity grid: `min(k·lot, full)`.
    fn grid(&self, k: i128) -> i128 {
        k.saturating_mul(self.lot).min(self.full)
    }

    /// Smallest grid quantity with `MM(q) ≤ k`, if any (parent module docs).
    pub(super) fn smallest_reaching(&self, k: i128) -> Option<i128> {
        let k2 = k - self.c;
        match self.fast() {
            Some(f) if k2.unsigned_abs() <= u128::from(BOUND_MAX) => {
                f.smallest_reaching(k2 as i64).map(i128::from)
            }
            _ => self.smallest_reaching_wide(k2),
        }
    }

    /// The soft-tier quantity within `cap` (a grid point: a lot multiple
    /// or `full`), whether the cap bound it, and the MM after it:
    ///
    /// ```text
    /// match smallest_reaching(k) {
    ///     Some(q) if q <= cap => (q, false),
    ///     Some(_) => (cap, true),                        // cap < q_lo
    ///     None => { let q = argmin(cap); (q, q == cap && cap < full) }
    /// }
    /// ```
    ///
    /// Bounded, the minimiser runs first and the bound only when the
    /// minimum reaches it, which gives the same answer: if the least MM on
    /// the grid within the cap exceeds `k`, `smallest_reaching` is `None`
    /// or beyond the cap, and beyond the cap (MM above `k` at every grid
    /// point up to the cap and at most `k` later) convexity makes MM fall
    /// at every step up to the cap, so the minimiser is the cap itself:
    /// `(cap, cap < full)` either way. Otherwise `smallest_reaching` finds a
    /// grid point no later than the minimiser, within the cap.
    pub(super) fn plan_partial(&self, k: i128, cap: i128) -> (i128, bool, i128) {
        if self.fast().is_some() {
            let (q, mm) = self.argmin(cap);
            if mm > k {
                return (q, q == cap && cap < self.full, mm);
            }
            if let Some(q) = self.smallest_reaching(k) {
                if q <= cap {
                    return (q, false, self.mm_at(q));
                }
            }
            // Unreachable (see above); the original order decides anyway.
        }
        match self.smallest_reaching(k) {
            Some(q) if q <= cap => (q, false, self.mm_at(q)),
            Some(_) => (cap, true, self.mm_at(cap)),
            None => {
                let (q, mm) = self.argmin(cap);
                (q, q == cap && cap < self.full, mm)
            }
        }
    }

    /// [`Self::smallest_reaching`] in `i128`, from `k2 = k − c`.
    fn smallest_reaching_wide(&self, k2: i128) -> Option<i128> {
        let (mut lo, mut hi) = (0i128, self.full);
        let l = &self.lines;
        for s in 0..=l.n {
            // Line s < n is an MM scenario; the last is the `0` of max(0, ·).
            let (a, b) = if s < l.n {
                (-i128::from(l.pnl[s]), i128::from(l.slope[s]))
            } else {
                (0, 0)
            };
            for (ga, gb) in [(0, 0), (self.x, i128::from(self.y))] {
                let (alpha, beta) = (a + ga, b + gb);
                if alpha > k2 {
                    if beta >= 0 {
                        return None;
                    }
                    lo = lo.max(div_ceil_pos(alpha - k2, -beta));
                } else if beta > 0 {
                    hi = hi.min(div_floor_pos(k2 - alpha, beta));
                }
            }
        }
        let q = self.grid(div_ceil_pos(lo, self.lot));
        (lo <= self.full && q <= hi).then_some(q)
    }

    /// The grid quantity in `[0, cap]` minimising MM (smallest such), by
    /// bisection on the sign of the discrete slope of the convex `MM(q)`,
    /// and the MM there (`mm_at` of it).
    pub(super) fn argmin(&self, cap: i128) -> (i128, i128) {
        match self.fast() {
            Some(f) => {
                // 0 ≤ cap ≤ full; the value is `mm_at`'s (c + the same terms).
                let (q, w) = f.argmin(cap as u64);
                (i128::from(q), self.c + i128::from(w))
            }
            None => {
                let q = self.argmin_wide(cap);
                (q, self.mm_at_wide(q))
            }
        }
    }

    /// [`Self::argmin`] in `i128`.
    fn argmin_wide(&self, cap: i128) -> i128 {
        let (mut lo, mut hi) = (0i128, div_ceil_pos(cap, self.lot));
        if hi == 0 {
            return 0;
        }
        // Fast paths by discrete convexity: if the first step does not lower
        // MM no step does; if the last step still lowers it, every step does.
        if self.mm_at_wide(self.grid(1)) >= self.mm_at_wide(0) {
            return 0;
        }
        if self.mm_at_wide(self.grid(hi)) < self.mm_at_wide(self.grid(hi - 1)) {
            return self.grid(hi);
        }
        for _ in 0..128 {
            if lo >= hi {
                break;
            }
            let mid = lo + (hi - lo) / 2;
            if self.mm_at_wide(self.grid(mid + 1)) >= self.mm_at_wide(self.grid(mid)) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        self.grid(lo)
    }
}

/// The bounded (64-bit) evaluation of a model: with the bounds of the
/// module docs every line value `slope·q − pnl` and `y·q + x` is below 2^62
/// in magnitude for `0 ≤ q ≤ full`.
struct Fast<'m> {
    l: &'m Lines,
    x: i64,
    y: i64,
    full: u64,
    lot: u64,
}

impl Fast<'_> {
    /// The k-th grid point `min(k·lot, full)` (the product saturates).
    #[inline(always)]
    fn grid(&self, k: u64) -> u64 {
        let (hi, lo) = umul_parts(k, self.lot);
        if hi != 0 {
            self.full
        } else {
            lo.min(self.full)
        }
    }

    /// `MM(q) − c = max(0, max_i line_i(q)) + max(0, y·q + x)`, below 2^63.
    #[inline(always)]
    fn at(&self, q: u64) -> i64 {
        let q = q as i64;
        let l = self.l;
        let mut w = 0i64;
        for i in 0..l.n {
            let v = l.slope[i].wrapping_mul(q).wrapping_sub(l.pnl[i]);
            if v > w {
                w = v;
            }
        }
        // Both terms are below 2^62.
        w.wrapping_add(self.y.wrapping_mul(q).wrapping_add(self.x).max(0))
    }

    /// [`Self::at`] at two quantities in one pass.
    #[inline(always)]
    fn at2(&self, q1: u64, q2: u64) -> (i64, i64) {
        let (q1, q2) = (q1 as i64, q2 as i64);
        let l = self.l;
        let (mut w1, mut w2) = (0i64, 0i64);
        for i in 0..l.n {
            let (p, b) = (l.pnl[i], l.slope[i]);
            let v1 = b.wrapping_mul(q1).wrapping_sub(p);
            let v2 = b.wrapping_mul(q2).wrapping_sub(p);
            if v1 > w1 {
                w1 = v1;
            }
            if v2 > w2 {
                w2 = v2;
            }
        }
        let f1 = self.y.wrapping_mul(q1).wrapping_add(self.x).max(0);
        let f2 = self.y.wrapping_mul(q2).wrapping_add(self.x).max(0);
        // Each term is below 2^62.
        (w1.wrapping_add(f1), w2.wrapping_add(f2))
    }

    /// [`PositionModel::smallest_reaching`] bounded, `|k2| ≤ 2^61`: the
    /// same half-lines in 64-bit arithmetic. Every `alpha` is at most 2^61
    /// and every `beta` 2^62 in magnitude, so `alpha − k2` and `k2 − alpha`
    /// fit, and the quotients are native unsigned divisions.
    fn smallest_reaching(&self, k2: i64) -> Option<u64> {
        let (mut lo, mut hi) = (0u64, self.full);
        // One half-line test: q ≥ ⌈(α − k2)/(−β)⌉ for a line above the bound,
        // q ≤ ⌊(k2 − α)/β⌋ for a rising one below it; a line above the bound
        // that does not fall makes the bound unreachable.
        let mut cut = |alpha: i64, beta: i64| -> bool {
            if alpha > k2 {
                if beta >= 0 {
                    return false;
                }
                let (num, den) = (alpha.wrapping_sub(k2) as u64, beta.unsigned_abs());
                lo = lo.max(num.div_ceil(den));
            } else if beta > 0 {
                hi = hi.min(k2.wrapping_sub(alpha) as u64 / beta as u64);
            }
            true
        };
        let l = self.l;
        for i in 0..l.n {
            // |a|, |x| ≤ 2^60 and |b|, |y| ≤ 2^61: plain wrapping sums.
            let (a, b) = (l.pnl[i].wrapping_neg(), l.slope[i]);
            if !cut(a, b) || !cut(a.wrapping_add(self.x), b.wrapping_add(self.y)) {
                return None;
            }
        }
        // The `0` of max(0, ·), alone and with the floor line.
        if !cut(0, 0) || !cut(self.x, self.y) {
            return None;
        }
        let q = self.grid(lo.div_ceil(self.lot));
        (lo <= self.full && q <= hi).then_some(q)
    }

    /// [`PositionModel::argmin`] bounded: the same bisection (same steps
    /// and comparisons) on the exact 64-bit values (`c` is common to both
    /// sides of every comparison, so it is left out), and `MM − c` at the
    /// result: the value of the last evaluation there (`lo` only moves to a
    /// point just evaluated).
    fn argmin(&self, cap: u64) -> (u64, i64) {
        let (mut lo, mut hi) = (0u64, cap.div_ceil(self.lot));
        if hi == 0 {
            return (0, self.at(0));
        }
        let (m1, m0) = self.at2(self.grid(1), 0);
        if m1 >= m0 {
            return (0, m0);
        }
        let (mh, mh1) = self.at2(self.grid(hi), self.grid(hi - 1));
        if mh < mh1 {
            return (self.grid(hi), mh);
        }
        let mut at_lo = m0;
        for _ in 0..128 {
            if lo >= hi {
                break;
            }
            let mid = lo + (hi - lo) / 2;
            let (up, at) = self.at2(self.grid(mid + 1), self.grid(mid));
            if up >= at {
                hi = mid;
            } else {
                lo = mid + 1;
                at_lo = up;
            }
        }
        (self.grid(lo), at_lo)
    }
}
