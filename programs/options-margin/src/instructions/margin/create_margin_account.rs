use anchor_lang::prelude::*;

use crate::constants::MARGIN_SEED;
use crate::create::{create_pda_account, write_new_account, NewPda};
use crate::state::{Exchange, MarginAccount};

#[derive(Accounts)]
#[instruction(account_index: u16)]
pub struct CreateMarginAccount<'info> {
    #[account(mut)]
    pub owner: Signer<'info>,
    pub exchange: AccountLoader<'info, Exchange>,
    /// CHECK: created here at its canonical PDA (see `create`).
    #[account(
        mut,
        seeds = [MARGIN_SEED, exchange.key().as_ref(), owner.key().as_ref(), &account_index.to_le_bytes()],
        bump,
    )]
    pub margin_account: UncheckedAccount<'info>,
    pub system_program: Program<'info, System>,
}

pub fn create_margin_account(ctx: Context<CreateMarginAccount>, account_index: u16) -> Result<()> {
    let exchange = ctx.accounts.exchange.key();
    let owner = ctx.accounts.owner.key();
    let bump = ctx.bumps.margin_account;
    let new = NewPda {
        payer: ctx.accounts.owner.as_ref(),
        target: ctx.accounts.margin_account.as_ref(),
        system_program: ctx.accounts.system_program.as_ref(),
    };
    let index = account_index.to_le_bytes();
    let seeds: &[&[u8]] = &[
        MARGIN_SEED,
        exchange.as_ref(),
        owner.as_ref(),
        &index,
        &[bump],
    ];
    create_pda_account(&new, MarginAccount::SPACE, &crate::ID, seeds)?;
    let mut account: MarginAccount = bytemuck::Zeroable::zeroed();
    account.exchange = exchange;
    account.owner = owner;
    account.account_index = account_index;
    account.bump = bump;
    write_new_account(ctx.accounts.margin_account.as_ref(), &account)
}
