//! A caller-chosen quantity of a candidate, evaluated like a plan: a
//! liquidator taking less than the planner's amount, the on-chain proof
//! that one lot less misses the target, and the simulator's just-enough
//! bisection. The caps are the planner's own (see the parent module).

use super::model::MmScenarios;
use super::model::PositionModel;
use super::rank::score_e12;
use super::{
    build_plan, collateral_mm_after, collateral_quantity, context, tier_cap, Candidate, Choice,
    LiquidationParams, LiquidationPlan,
};
use crate::error::{RiskError, RiskResult};
use crate::margin::{margin_summary_into, AccountInputs, MarginSummary, MAX_UNDERLYINGS};
use crate::num::SafeMath;

/// The outcome of liquidating `quantity` of `candidate` (e.g. a liquidator
/// taking less than the plan). `quantity` must be positive, within the
/// candidate and the tier cap, and a lot multiple unless it closes the
/// position (`InvalidInput`); the call must lower MM
/// (`NoLiquidationCandidate`). Errors as [`plan_liquidation`] otherwise.
pub fn evaluate_liquidation(
    inputs: &AccountInputs,
    params: &LiquidationParams,
    candidate: Candidate,
    quantity: u64,
) -> RiskResult<LiquidationPlan> {
    let mut summary = MarginSummary::ZERO;
    evaluate_liquidation_with(inputs, params, candidate, quantity, &mut summary)
}

/// [`evaluate_liquidation`] with caller-provided summary scratch (see
/// [`plan_liquidation_with`]).
pub fn evaluate_liquidation_with(
    inputs: &AccountInputs,
    params: &LiquidationParams,
    candidate: Candidate,
    quantity: u64,
    summary: &mut MarginSummary,
) -> RiskResult<LiquidationPlan> {
    params.validate()?;
    margin_summary_into(inputs, summary)?;
    let mut mm = [MmScenarios::EMPTY; MAX_UNDERLYINGS];
    let ctx = context(summary, params, &mut mm)?;
    let q = i128::from(quantity);
    let (mm_after, cap, value) = match candidate {
        Candidate::Position(i) => {
            let p = inputs
                .positions
                .get(usize::from(i))
                .ok_or(RiskError::InvalidInput)?;
            let mut m = PositionModel::EMPTY;
            m.init(&ctx, p)?;
            if q % m.lot != 0 && q != m.full {
                return Err(RiskError::InvalidInput);
            }
            let per = i128::from(p.series.mark_native).abs()
                + i128::from(p.series.short_floor_mm_native)
                + 1;
            let cap = if ctx.caps_account_mm() {
                m.plan_partial(ctx.k_cap, m.full).0
            } else {
                tier_cap(&ctx, m.full, m.lot)?
            };
            (m.mm_at(q.min(m.full)), cap, q.safe_mul(per)?)
        }
        Candidate::Collateral(j) => {
            let c = inputs
                .collaterals
                .get(usize::from(j))
                .ok_or(RiskError::InvalidInput)?;
            if c.is_settlement || c.balance_native <= 0 {
                return Err(RiskError::InvalidInput);
            }
            let b = i128::from(c.balance_native);
            let proceeds = c.value_floor()?.safe_sub(c.value_of_floor(b - q.min(b))?)?;
            let cap = if ctx.caps_account_mm() {
                collateral_quantity(&ctx, c, ctx.k_cap, b)?.0
            } else {
                tier_cap(&ctx, b, 1)?
            };
            (collateral_mm_after(&ctx, c, q.min(b))?, cap, proceeds)
        }
    };
    if q == 0 {
        return Err(RiskError::InvalidInput);
    }
    if mm_after >= ctx.mm0 {
        return Err(RiskError::NoLiquidationCandidate);
    }
    if q > cap {
        return Err(RiskError::InvalidInput);
    }
    let ch = Choice {
        quantity: q,
        mm_after,
        capped: false,
    };
    build_plan(
        &ctx,
        inputs,
        candidate,
        &ch,
        score_e12(ctx.mm0 - mm_after, value)?,
    )
}
