use anchor_lang::prelude::*;

use crate::constants::{EXCHANGE_SEED, VAULT_AUTHORITY_SEED};
use crate::create::{create_pda_account, write_new_account, NewPda};
use crate::state::{Exchange, RiskParams};

#[derive(Accounts)]
pub struct InitializeExchange<'info> {
    /// Pays for the account and becomes its first admin.
    #[account(mut)]
    pub creator: Signer<'info>,
    /// CHECK: created here at its canonical PDA (see `create`).
    #[account(mut, seeds = [EXCHANGE_SEED, creator.key().as_ref()], bump)]
    pub exchange: UncheckedAccount<'info>,
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
    let creator = ctx.accounts.creator.key();
    let bump = ctx.bumps.exchange;
    let new = NewPda {
        payer: ctx.accounts.creator.as_ref(),
        target: ctx.accounts.exchange.as_ref(),
        system_program: ctx.accounts.system_program.as_ref(),
    };
    create_pda_account(
        &new,
        Exchange::SPACE,
        &crate::ID,
        &[EXCHANGE_SEED, creator.as_ref(), &[bump]],
    )?;
    let mut exchange: Exchange = bytemuck::Zeroable::zeroed();
    exchange.admin = creator;
    exchange.creator = creator;
    exchange.vol_authority = vol_authority;
    exchange.risk = risk;
    exchange.bump = bump;
    exchange.vault_authority_bump = ctx.bumps.vault_authority;
    write_new_account(ctx.accounts.exchange.as_ref(), &exchange)
}
