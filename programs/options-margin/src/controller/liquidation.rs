//! The liquidation's money and state changes, kept out of the handler:
//! the plan of one call (the planner, clamped by the caller's guard and
//! proven just enough), the grace rule, the transfer of the slice at the
//! planner's value, the fee and its insurance share, and the post-check.
//! The handler and every client (the SDK's plans, the bot's grace checks)
//! call these same functions.

use anchor_lang::prelude::*;
use options_margin_risk::margin::MarginSummary as RiskSummary;
use options_margin_risk::planner::{
    evaluate_liquidation_with, plan_liquidation_with, Candidate, LiquidationPlan, Side,
};
use options_margin_risk::RiskError;

use crate::constants::BPS;
use crate::error::ErrorCode;
use crate::health::{LoadedInputs, MarginSummary, Valuation};
use crate::math::{risk_error, SafeMath};
use crate::reader::AccountRead;
use crate::state::{Exchange, MarginAccount};

fn planner_error(e: RiskError) -> Error {
    match e {
        RiskError::AccountHealthy => error!(ErrorCode::AccountHealthy),
        RiskError::NoLiquidationCandidate => error!(ErrorCode::NothingToLiquidate),
        other => risk_error(other),
    }
}

/// The plan for one call and whether it is the planner's full amount.
#[derive(Clone, Copy, Debug)]
pub struct CallPlan {
    pub plan: LiquidationPlan,
    /// The caller's `max_quantity` did not cut the plan.
    pub full: bool,
}

/// The plan for this call: the planner's, or a smaller one when the
/// caller's `max_quantity` is below it. Valued at the spot.
pub fn plan_call<A: AccountRead>(
    loaded: &LoadedInputs<A>,
    account: &MarginAccount,
    exchange: &Exchange,
    max_quantity: u64,
) -> Result<CallPlan> {
    let params = exchange.liquidation_params();
    // Heap scratch for the planner's ~2.3 KB account summary: SBF frames
    // are 4 KiB (see "Stack" in `options_margin_risk::planner`).
    let mut scratch = Box::new(RiskSummary::ZERO);
    loaded.with_inputs(account, Valuation::Spot, |inputs| {
        let plan = plan_liquidation_with(inputs, &params, &mut scratch).map_err(planner_error)?;
        let lot = match plan.candidate {
            Candidate::Position(i) => {
                // The slice moves at a mark of this volatility: never a
                // stale one (a short would change hands at a cheap mark).
                require!(!loaded.vol_stale_at(i as usize), ErrorCode::StaleVolatility);
                loaded.series_at(i as usize)?.lot_size_contracts
            }
            Candidate::Collateral(_) => 1,
        };
        if max_quantity >= plan.quantity {
            // Just enough, proven on-chain: one lot less would miss the target.
            if !plan.flattens
                && plan.reaches_target
                && !plan.closes_candidate
                && plan.quantity > lot
            {
                let less = evaluate_liquidation_with(
                    inputs,
                    &params,
                    plan.candidate,
                    plan.quantity - lot,
                    &mut scratch,
                )
                .map_err(planner_error)?;
                require!(
                    less.ratio_after_bps < params.target_ratio_bps as u64,
                    ErrorCode::LiquidationPostConditionFailed
                );
            }
            return Ok(CallPlan { plan, full: true });
        }
        let quantity = max_quantity / lot * lot;
        require!(quantity > 0, ErrorCode::NothingToLiquidate);
        let plan =
            evaluate_liquidation_with(inputs, &params, plan.candidate, quantity, &mut scratch)
                .map_err(planner_error)?;
        Ok(CallPlan { plan, full: false })
    })
}

/// Whether a soft-tier call is blocked by the grace period: the last
/// grace-starting call (one that took its full plan, cut by the tier's
/// cap) was less than
/// `grace_period_secs` ago **and** the account's ratio has not fallen below
/// where that call left it. A token slice never starts a grace period, and
/// a falling account is never shielded by one.
pub fn grace_blocks(
    account: &MarginAccount,
    exchange: &Exchange,
    ratio_bps: u64,
    now: i64,
) -> bool {
    let started = account.last_soft_liquidation_ts;
    started != 0
        && now < started.saturating_add(i64::from(exchange.risk.grace_period_secs))
        && ratio_bps >= account.last_soft_ratio_bps
}

/// What moved, for the event and the open interest.
pub struct Moved {
    pub candidate: Pubkey,
    pub is_position: bool,
    /// unit: contracts (+ liquidator bought) or collateral native.
    pub quantity: i64,
    /// unit: quote native per contract, or e12 USD per whole token.
    pub price: u64,
    pub liquidatee_long_delta: i64,
    pub liquidator_long_delta: i64,
}

/// Moves the slice (or the collateral) from the liquidated account to the
/// liquidator at the planner's transfer value; equity is unchanged by it.
pub fn transfer<A: AccountRead>(
    plan: &LiquidationPlan,
    loaded: &LoadedInputs<A>,
    from: &mut MarginAccount,
    to: &mut MarginAccount,
    settlement_mint: &Pubkey,
) -> Result<Moved> {
    let credit = |a: &mut MarginAccount, mint: &Pubkey, amount: i64| {
        credit(a, mint, settlement_mint, amount)
    };
    let q = i64::try_from(plan.quantity).map_err(|_| error!(ErrorCode::MathOverflow))?;
    let moved = match plan.candidate {
        Candidate::Position(i) => {
            let slot = nth_position_slot(from, i as usize)?;
            let series = from.positions[slot].series;
            let underlying_index = from.positions[slot].underlying_index;
            let mark = loaded.series_at(i as usize)?.risk.mark_native;
            let (delta, price) = match plan.side {
                Side::Sell => (-q, mark),
                Side::Buy => (q, mark.safe_add(1)?),
            };
            let before = from.positions[slot].size_contracts;
            let cash = from.positions[slot].apply_fill(delta, price)?;
            require!(
                cash == plan.transfer_value_native,
                ErrorCode::LiquidationPostConditionFailed
            );
            let to_slot = to.position_slot_or_insert(&series, underlying_index)?;
            let to_before = to.positions[to_slot].size_contracts;
            let to_cash = to.positions[to_slot].apply_fill(-delta, price)?;
            credit(from, settlement_mint, cash)?;
            credit(to, settlement_mint, to_cash)?;
            Moved {
                candidate: series,
                is_position: true,
                quantity: -delta,
                price: price as u64,
                liquidatee_long_delta: from.positions[slot].size_contracts.max(0) - before.max(0),
                liquidator_long_delta: to.positions[to_slot].size_contracts.max(0)
                    - to_before.max(0),
            }
        }
        Candidate::Collateral(j) => {
            let mint = from
                .active_collaterals()
                .nth(j as usize)
                .ok_or_else(|| error!(ErrorCode::HealthAccountsMismatch))?
                .mint;
            credit(from, &mint, -q)?;
            credit(to, &mint, q)?;
            credit(from, settlement_mint, plan.transfer_value_native)?;
            credit(to, settlement_mint, -plan.transfer_value_native)?;
            let price = loaded.collateral_price_low_e12(&mint)?;
            Moved {
                candidate: mint,
                is_position: false,
                quantity: q,
                price,
                liquidatee_long_delta: 0,
                liquidator_long_delta: 0,
            }
        }
    };
    Ok(moved)
}

fn nth_position_slot(account: &MarginAccount, n: usize) -> Result<usize> {
    account
        .positions
        .iter()
        .enumerate()
        .filter(|(_, p)| p.series != Pubkey::default())
        .nth(n)
        .map(|(slot, _)| slot)
        .ok_or_else(|| error!(ErrorCode::HealthAccountsMismatch))
}

/// Adds `amount` (may be negative) to `account`'s balance of `mint`.
pub fn credit(
    account: &mut MarginAccount,
    mint: &Pubkey,
    settlement_mint: &Pubkey,
    amount: i64,
) -> Result<()> {
    let slot = account.collateral_slot_or_insert(mint, settlement_mint)?;
    let balance = &mut account.collaterals[slot].balance_native;
    *balance = balance.safe_add(amount)?;
    Ok(())
}

/// For a solvent account: MM does not rise, and the ratio and equity − MM
/// strictly improve (exact, by cross-multiplication).
pub fn check_improved(before: &LiquidationPlan, after: &MarginSummary) -> Result<()> {
    let ok = after.equity_native == before.equity_after_native
        && after.maintenance_margin_native == before.mm_after_native;
    require!(ok, ErrorCode::LiquidationPostConditionFailed);
    if before.equity_before_native <= 0 {
        return Ok(());
    }
    let (e0, m0) = (
        before.equity_before_native as i128,
        before.mm_before_native as i128,
    );
    let (e1, m1) = (
        after.equity_native as i128,
        after.maintenance_margin_native as i128,
    );
    let improved = m1 <= m0 && e1 - m1 > e0 - m0 && e1 * m0 > e0 * m1;
    require!(improved, ErrorCode::LiquidationPostConditionFailed);
    Ok(())
}

/// unit: quote native, floor. The part of `fee_native` that accrues to
/// the insurance fund (rounded down: the liquidator is paid the rest).
pub fn insurance_share_floor(fee_native: i64, share_bps: u16) -> Result<i64> {
    fee_native
        .safe_mul(i64::from(share_bps))?
        .safe_div(BPS as i64)
}

/// Pays `fee_native` from the liquidated account: the insurance share
/// accrues on it (swept later, so no shared account is written), the rest
/// goes to the liquidator's account. Returns the insurance share.
pub fn pay_fee(
    from: &mut MarginAccount,
    to: &mut MarginAccount,
    fee_native: i64,
    share_bps: u16,
    settlement_mint: &Pubkey,
) -> Result<i64> {
    let insurance_share = insurance_share_floor(fee_native, share_bps)?;
    credit(from, settlement_mint, settlement_mint, -fee_native)?;
    credit(
        to,
        settlement_mint,
        settlement_mint,
        fee_native.safe_sub(insurance_share)?,
    )?;
    from.insurance_accrued_native = from.insurance_accrued_native.safe_add(insurance_share)?;
    Ok(insurance_share)
}
