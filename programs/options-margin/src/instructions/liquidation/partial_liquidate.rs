use anchor_lang::prelude::*;

use crate::constants::MARGIN_SEED;
use crate::controller::liquidation::{
    check_improved, grace_blocks, pay_fee, plan_call, transfer, CallPlan,
};
use crate::controller::open_interest::apply_open_interest;
use crate::error::ErrorCode;
use crate::events::LiquidationEvent;
use crate::health::{self, Valuation};
use crate::math::SafeMath;
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
    let insurance_share = pay_fee(
        &mut from,
        &mut to,
        fee,
        exchange.risk.insurance_fee_share_bps,
        &settlement,
    )?;

    let after = loaded.totals(&from, Valuation::Spot)?;
    check_improved(&plan, &after)?;
    // Only a soft call that took its full plan and was cut by the tier's
    // cap starts a grace period: one that restored the target or took all
    // its candidate could give leaves nothing the tier wanted to spare.
    if soft && full && plan.capped_by_tier {
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
        apply_open_interest(&mut *series.load_mut()?, oi_delta)?;
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
