use anchor_lang::prelude::*;

use crate::constants::{EXCHANGE_SEED, VAULT_AUTHORITY_SEED};
use crate::state::{Exchange, RiskParams};

#[derive(Accounts)]
pub struct InitializeExchange<'info> {
    /// Pays for the account and becomes its first admin.
    #[account(mut)]
    pub creator: Signer<'info>,
    #[account(
        init,
        payer = creator,
        space = Exchange::SPACE,
        seeds = [EXCHANGE_SEED, creator.key().as_ref()],
        bump,
    )]
    pub exchange: AccountLoader<'info, Exchange>,
    /// CHECK: PDA that owns every vault; only its bump is recorded here.
    #[account(seeds = [VAULT_AUTHORITY_SEED, exchange.key().as_ref()], bump)]
    pub vault_authority: UncheckedAccount<'info>,
    pub system_program: Program<'info, System>,
}

pub fn initialize_exchange(
    ctx: Context<InitializeExchange>,
    vol_authority: Pubkey,
    risk: RiskParams,
) -> Result<()> {
    risk.validate()?;
    let mut exchange = ctx.accounts.exchange.load_init()?;
    exchange.admin = ctx.accounts.creator.key();
    exchange.creator = ctx.accounts.creator.key();
    exchange.vol_authority = vol_authority;
    exchange.risk = risk;
    exchange.bump = ctx.bumps.exchange;
    exchange.vault_authority_bump = ctx.bumps.vault_authority;
    Ok(())
}
