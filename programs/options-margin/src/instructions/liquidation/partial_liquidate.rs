use anchor_lang::prelude::*;
use options_margin_risk::margin::MarginSummary as RiskSummary;
use options_margin_risk::planner::{
    evaluate_liquidation_with, plan_liquidation_with, Candidate, LiquidationPlan, Side,
};
use options_margin_risk::RiskError;

use crate::constants::{BPS, MARGIN_SEED};
use crate::error::ErrorCode;
use crate::events::LiquidationEvent;
use crate::health::{self, LoadedInputs, MarginSummary, Valuation};
use crate::math::{invariant, risk_error, SafeMath};
use crate::reader::AccountRead;
use crate::state::{Exchange, MarginAccount, Series, PAUSE_LIQUIDATIONS};

#[event_cpi]
#[derive(Accounts)]
pub struct PartialLiquidate<'info> {
    /// The caller: a wallet, a bot, or a program signing for a PDA through CPI.
    pub liquidator: Signer<'info>,
    /// Read only: liquidations of different accounts never write a shared
    /// account (the insurance share accrues on the liquidated account).
    pub exchange: AccountLoader<'info, Exchange>,
    #[account(
        mut,
        has_one = exchange,
        seeds = [
            MARGIN_SEED,
            liquidatee.load()?.exchange.as_ref(),
            liquidatee.load()?.owner.as_ref(),
            &liquidatee.load()?.account_index.to_le_bytes(),
        ],
        bump = liquidatee.load()?.bump,
    )]
    pub liquidatee: AccountLoader<'info, MarginAccount>,
    /// Receives what is taken and the fee; owned by the caller.
    #[account(
        mut,
        has_one = exchange,
        constraint = liquidator_account.key() != liquidatee.key() @ ErrorCode::SelfLiquidation,
        constraint = liquidator_account.load()?.owner == liquidator.key() @ ErrorCode::Unauthorized,
        seeds = [
            MARGIN_SEED,
            liquidator_account.load()?.exchange.as_ref(),
            liquidator_account.load()?.owner.as_ref(),
            &liquidator_account.load()?.account_index.to_le_bytes(),
        ],
        bump = liquidator_account.load()?.bump,
    )]
    pub liquidator_account: AccountLoader<'info, MarginAccount>,
}

/// The caller's guards. The program decides what and how much; the caller
/// can only ask for less and refuse a fee below its minimum.
#[derive(Clone, Copy, Debug, PartialEq, Eq, AnchorSerialize, AnchorDeserialize)]
pub struct LiquidateArgs {
    /// unit: contracts or collateral native. Upper bound on the quantity
    /// (rounded down to lots); `u64::MAX` takes the plan as is. Asking for
    /// more than the plan is clamped to the plan, never an error.
    pub max_quantity: u64,
    /// unit: quote native. The call fails unless the fee is at least this.
    pub min_fee_native: u64,
    /// How many `remaining_accounts` are the liquidated account's
    /// margin-check accounts (its state before the call); the rest are the
    /// liquidator account's, for its state after the call (before empty
    /// slots are released). The liquidated series must be writable only
    /// when the call changes its open interest, i.e. when the liquidator's
    /// account already holds the opposite side.
    pub health_accounts_liquidatee: u8,
}

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
            Candidate::Position(i) => loaded.series_at(i as usize)?.lot_size_contracts,
            Candidate::Collateral(_) => 1,
        };
        if max_quantity >= plan.quantity {
            // Just enough, proven on-chain: one lot less would miss the target.
            if plan.tier < 3 && plan.reaches_target && !plan.closes_candidate && plan.quantity > lot
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
/// grace-starting call (one that took its full plan) was less than
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
struct Moved {
    candidate: Pubkey,
    is_position: bool,
    /// unit: contracts (+ liquidator bought) or collateral native.
    quantity: i64,
    /// unit: quote native per contract, or e12 USD per whole token.
    price: u64,
    liquidatee_long_delta: i64,
    liquidator_long_delta: i64,
}

/// Moves the slice (or the collateral) from the liquidated account to the
/// liquidator at the planner's transfer value; equity is unchanged by it.
fn transfer<A: AccountRead>(
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
fn credit(
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
fn check_improved(before: &LiquidationPlan, after: &MarginSummary) -> Result<()> {
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

/// Permissionless partial liquidation. See the crate docs of
/// `options_margin_risk::planner` for the tier, ranking, amount and fee
/// rules; this handler validates the accounts, applies the plan, pays the
/// fee (less the insurance share, accrued on the liquidated account) to the
/// caller's account, and re-checks. It writes the two margin accounts, and
/// the series only when its open interest changes.
pub fn partial_liquidate<'info>(
    ctx: Context<'info, PartialLiquidate<'info>>,
    args: LiquidateArgs,
) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let exchange_key = ctx.accounts.exchange.key();
    let exchange = ctx.accounts.exchange.load()?;
    exchange.require_not_paused(PAUSE_LIQUIDATIONS)?;
    let split = args.health_accounts_liquidatee as usize;
    require!(
        split <= ctx.remaining_accounts.len(),
        ErrorCode::HealthAccountsMismatch
    );
    let (health_from, health_to) = ctx.remaining_accounts.split_at(split);

    let mut from = ctx.accounts.liquidatee.load_mut()?;
    let mut to = ctx.accounts.liquidator_account.load_mut()?;
    require!(from.owner != to.owner, ErrorCode::SelfLiquidation);

    let loaded = health::load_inputs(&from, &exchange, &exchange_key, health_from, now)?;
    let CallPlan { plan, full } = plan_call(&loaded, &from, &exchange, args.max_quantity)?;
    let soft = plan.tier < 3;
    require!(
        !(soft && grace_blocks(&from, &exchange, plan.ratio_before_bps, now)),
        ErrorCode::GracePeriodActive
    );
    require!(
        plan.fee_native >= args.min_fee_native,
        ErrorCode::FeeBelowMinimum
    );

    let settlement = exchange.settlement_mint;
    let moved = transfer(&plan, &loaded, &mut from, &mut to, &settlement)?;
    let fee = i64::try_from(plan.fee_native).map_err(|_| error!(ErrorCode::MathOverflow))?;
    let insurance_share = fee
        .safe_mul(exchange.risk.insurance_fee_share_bps as i64)?
        .safe_div(BPS as i64)?;
    credit(&mut from, &settlement, &settlement, -fee)?;
    credit(
        &mut to,
        &settlement,
        &settlement,
        fee.safe_sub(insurance_share)?,
    )?;
    from.insurance_accrued_native = from.insurance_accrued_native.safe_add(insurance_share)?;

    let after = loaded.totals(&from, Valuation::Spot)?;
    check_improved(&plan, &after)?;
    if soft && full {
        from.last_soft_liquidation_ts = now;
        from.last_soft_ratio_bps = after.ratio_bps;
    }
    loaded.record_publish_times(&mut from);
    drop(loaded);
    to.require_within_width()?;
    // The liquidator takes risk over: it must meet IM with its collateral
    // valued as a trade would value it (the worse of spot and EMA). The
    // trade's refusals (stale volatility, price age, EMA distance) do not
    // apply: a liquidation must run in a crash, and while the volatility
    // authority is late; the liquidator judges the marks it takes over.
    let to_loaded = health::load_inputs(&to, &exchange, &exchange_key, health_to, now)?;
    let liquidator = to_loaded.totals(&to, Valuation::Conservative)?;
    require!(
        liquidator.meets_initial(),
        ErrorCode::LiquidatorBelowInitialMargin
    );
    to_loaded.record_publish_times(&mut to);
    drop(to_loaded);
    from.release_empty_positions();
    from.release_empty_collaterals();
    to.release_empty_positions();
    to.release_empty_collaterals();
    drop(from);
    drop(to);

    let oi_delta = moved
        .liquidatee_long_delta
        .safe_add(moved.liquidator_long_delta)?;
    if moved.is_position && oi_delta != 0 {
        let info = health_from
            .iter()
            .find(|i| *i.key == moved.candidate)
            .ok_or_else(|| error!(ErrorCode::HealthAccountsMismatch))?;
        require!(info.is_writable, ErrorCode::SeriesNotWritable);
        let series = AccountLoader::<Series>::try_from(info)?;
        let mut series = series.load_mut()?;
        let oi = (series.open_interest_contracts as i64).safe_add(oi_delta)?;
        if oi < 0 {
            return Err(invariant("open interest below zero"));
        }
        series.open_interest_contracts = oi as u64;
    }

    emit_cpi!(LiquidationEvent {
        liquidatee: ctx.accounts.liquidatee.key(),
        liquidator_account: ctx.accounts.liquidator_account.key(),
        caller: ctx.accounts.liquidator.key(),
        tier: plan.tier,
        target: moved.candidate,
        target_is_position: moved.is_position,
        quantity: moved.quantity,
        price: moved.price,
        fee_native: plan.fee_native,
        insurance_share_native: insurance_share as u64,
        ratio_before_bps: plan.ratio_before_bps,
        ratio_after_bps: after.ratio_bps,
        equity_before_native: plan.equity_before_native,
        equity_after_native: after.equity_native,
        mm_before_native: plan.mm_before_native,
        mm_after_native: after.maintenance_margin_native,
        capped_by_tier: plan.capped_by_tier,
    });
    crate::heap::log_used();
    Ok(())
}
