//! Admin parameter changes: risk parameters (announced, then applied after
//! `param_delay_secs`), pause switches, the vol authority, and the two-step
//! admin transfer.

use anchor_lang::prelude::*;

use crate::error::ErrorCode;
use crate::events::RiskParamsProposedEvent;
use crate::math::SafeMath;
use crate::state::{Exchange, RiskParams, PAUSE_ALL};

#[derive(Accounts)]
pub struct AdminOnly<'info> {
    pub admin: Signer<'info>,
    #[account(mut, has_one = admin @ ErrorCode::Unauthorized)]
    pub exchange: AccountLoader<'info, Exchange>,
}

/// Announces new risk parameters (validated now). They apply no earlier
/// than the *current* `param_delay_secs` from now, so a change that can push
/// accounts into liquidation (a higher tier, IM floor or fee) is public
/// long enough for traders to act. A new proposal replaces a pending one
/// and restarts the delay.
pub fn propose_risk_params(ctx: Context<AdminOnly>, risk: RiskParams) -> Result<()> {
    risk.validate()?;
    let now = Clock::get()?.unix_timestamp;
    let mut exchange = ctx.accounts.exchange.load_mut()?;
    let apply_after = now.safe_add(i64::from(exchange.risk.param_delay_secs))?;
    exchange.pending_risk = risk;
    exchange.pending_risk_apply_ts = apply_after;
    drop(exchange);
    emit!(RiskParamsProposedEvent {
        exchange: ctx.accounts.exchange.key(),
        apply_after_ts: apply_after,
    });
    Ok(())
}

#[derive(Accounts)]
pub struct ApplyRiskParams<'info> {
    #[account(mut)]
    pub exchange: AccountLoader<'info, Exchange>,
}

/// Permissionless once the delay has passed: the announced parameters take
/// effect (`NoPendingChange`, `ChangeDelayNotElapsed` otherwise). A
/// proposal expires `PARAM_CHANGE_EXPIRY_SECS` after it became applicable
/// (`ChangeExpired`).
pub fn apply_risk_params(ctx: Context<ApplyRiskParams>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let mut exchange = ctx.accounts.exchange.load_mut()?;
    require!(
        exchange.pending_risk_apply_ts != 0,
        ErrorCode::NoPendingChange
    );
    require!(
        now >= exchange.pending_risk_apply_ts,
        ErrorCode::ChangeDelayNotElapsed
    );
    require!(
        now <= exchange
            .pending_risk_apply_ts
            .saturating_add(options_margin_risk::params::PARAM_CHANGE_EXPIRY_SECS),
        ErrorCode::ChangeExpired
    );
    exchange.pending_risk.validate()?;
    exchange.risk = exchange.pending_risk;
    exchange.pending_risk = bytemuck::Zeroable::zeroed();
    exchange.pending_risk_apply_ts = 0;
    Ok(())
}

/// Immediate (an emergency switch). Pausing trading leaves liquidations
/// running; pausing deposits never blocks a settlement top-up of an account
/// that holds positions (see `deposit`).
pub fn set_pause_flags(ctx: Context<AdminOnly>, pause_flags: u8) -> Result<()> {
    require!(pause_flags & !PAUSE_ALL == 0, ErrorCode::InvalidPauseFlags);
    ctx.accounts.exchange.load_mut()?.pause_flags = pause_flags;
    Ok(())
}

pub fn set_vol_authority(ctx: Context<AdminOnly>, vol_authority: Pubkey) -> Result<()> {
    ctx.accounts.exchange.load_mut()?.vol_authority = vol_authority;
    Ok(())
}

/// First step of an admin transfer; `Pubkey::default()` cancels it.
pub fn propose_admin(ctx: Context<AdminOnly>, new_admin: Pubkey) -> Result<()> {
    ctx.accounts.exchange.load_mut()?.pending_admin = new_admin;
    Ok(())
}

#[derive(Accounts)]
pub struct AcceptAdmin<'info> {
    pub pending_admin: Signer<'info>,
    #[account(mut)]
    pub exchange: AccountLoader<'info, Exchange>,
}

/// Second step: the proposed key signs, so a typo can never lock the exchange.
pub fn accept_admin(ctx: Context<AcceptAdmin>) -> Result<()> {
    let mut exchange = ctx.accounts.exchange.load_mut()?;
    let signer = ctx.accounts.pending_admin.key();
    require!(
        exchange.pending_admin != Pubkey::default() && exchange.pending_admin == signer,
        ErrorCode::NoPendingAdmin
    );
    exchange.admin = signer;
    exchange.pending_admin = Pubkey::default();
    Ok(())
}
