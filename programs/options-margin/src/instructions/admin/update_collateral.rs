//! Collateral parameter changes. A new oracle or weights can push accounts
//! into liquidation, so they are announced and apply after the exchange's
//! `param_delay_secs`; the deposit cap never hurts an existing position (a
//! top-up ignores it, see `deposit`), so it changes at once.

use anchor_lang::prelude::*;

use crate::error::ErrorCode;
use crate::events::CollateralParamsProposedEvent;
use crate::instructions::admin::add_collateral::CollateralParams;
use crate::math::SafeMath;
use crate::state::{Collateral, Exchange};

#[derive(Accounts)]
pub struct UpdateCollateral<'info> {
    pub admin: Signer<'info>,
    #[account(has_one = admin @ ErrorCode::Unauthorized)]
    pub exchange: AccountLoader<'info, Exchange>,
    #[account(mut, has_one = exchange)]
    pub collateral: AccountLoader<'info, Collateral>,
}

/// Announces a collateral's new oracle and weights (validated now, within
/// the bounds of registration; the mint, vault and settlement role never
/// change), applicable after the exchange's `param_delay_secs`. The
/// `deposit_cap_native` of `params` is ignored: see [`set_deposit_cap`].
pub fn propose_collateral_params(
    ctx: Context<UpdateCollateral>,
    params: CollateralParams,
) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let delay = ctx.accounts.exchange.load()?.risk.param_delay_secs;
    let mut collateral = ctx.accounts.collateral.load_mut()?;
    let checked = CollateralParams {
        deposit_cap_native: collateral.deposit_cap_native,
        ..params
    };
    checked.validate(collateral.is_settlement())?;
    let apply_after = now.safe_add(i64::from(delay))?;
    collateral.pending_oracle = params.oracle;
    collateral.pending_init_weight_bps = params.init_weight_bps;
    collateral.pending_maint_weight_bps = params.maint_weight_bps;
    collateral.pending_apply_ts = apply_after;
    drop(collateral);
    emit!(CollateralParamsProposedEvent {
        collateral: ctx.accounts.collateral.key(),
        apply_after_ts: apply_after,
    });
    Ok(())
}

#[derive(Accounts)]
pub struct ApplyCollateralParams<'info> {
    pub exchange: AccountLoader<'info, Exchange>,
    #[account(mut, has_one = exchange)]
    pub collateral: AccountLoader<'info, Collateral>,
}

/// Permissionless once the delay has passed: the announced oracle and
/// weights take effect.
pub fn apply_collateral_params(ctx: Context<ApplyCollateralParams>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let mut collateral = ctx.accounts.collateral.load_mut()?;
    require!(collateral.pending_apply_ts != 0, ErrorCode::NoPendingChange);
    require!(
        now >= collateral.pending_apply_ts,
        ErrorCode::ChangeDelayNotElapsed
    );
    require!(
        now <= collateral
            .pending_apply_ts
            .saturating_add(options_margin_risk::params::PARAM_CHANGE_EXPIRY_SECS),
        ErrorCode::ChangeExpired
    );
    collateral.oracle = collateral.pending_oracle;
    collateral.init_weight_bps = collateral.pending_init_weight_bps;
    collateral.maint_weight_bps = collateral.pending_maint_weight_bps;
    collateral.pending_oracle = bytemuck::Zeroable::zeroed();
    collateral.pending_init_weight_bps = 0;
    collateral.pending_maint_weight_bps = 0;
    collateral.pending_apply_ts = 0;
    Ok(())
}

/// Sets the cap on the sum of all deposits of this collateral, at once
/// (`0 < cap ≤ i64::MAX`). A cap below current deposits only blocks new
/// money: top-ups of accounts with positions always go through.
pub fn set_deposit_cap(ctx: Context<UpdateCollateral>, deposit_cap_native: u64) -> Result<()> {
    require!(
        deposit_cap_native > 0 && deposit_cap_native <= i64::MAX as u64,
        ErrorCode::InvalidCollateralParams
    );
    ctx.accounts.collateral.load_mut()?.deposit_cap_native = deposit_cap_native;
    Ok(())
}
