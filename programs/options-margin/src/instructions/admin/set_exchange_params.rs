//! Admin parameter changes: risk parameters, pause switches, the vol
//! authority, and the two-step admin transfer.

use anchor_lang::prelude::*;

use crate::error::ErrorCode;
use crate::state::{Exchange, RiskParams, PAUSE_ALL};

#[derive(Accounts)]
pub struct AdminOnly<'info> {
    pub admin: Signer<'info>,
    #[account(mut, has_one = admin @ ErrorCode::Unauthorized)]
    pub exchange: AccountLoader<'info, Exchange>,
}

pub fn set_risk_params(ctx: Context<AdminOnly>, risk: RiskParams) -> Result<()> {
    risk.validate()?;
    ctx.accounts.exchange.load_mut()?.risk = risk;
    Ok(())
}

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
