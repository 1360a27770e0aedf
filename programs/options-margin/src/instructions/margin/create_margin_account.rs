use anchor_lang::prelude::*;

use crate::constants::MARGIN_SEED;
use crate::state::{Exchange, MarginAccount};

#[derive(Accounts)]
#[instruction(account_index: u16)]
pub struct CreateMarginAccount<'info> {
    #[account(mut)]
    pub owner: Signer<'info>,
    pub exchange: AccountLoader<'info, Exchange>,
    #[account(
        init,
        payer = owner,
        space = MarginAccount::SPACE,
        seeds = [MARGIN_SEED, exchange.key().as_ref(), owner.key().as_ref(), &account_index.to_le_bytes()],
        bump,
    )]
    pub margin_account: AccountLoader<'info, MarginAccount>,
    pub system_program: Program<'info, System>,
}

pub fn create_margin_account(ctx: Context<CreateMarginAccount>, account_index: u16) -> Result<()> {
    let mut account = ctx.accounts.margin_account.load_init()?;
    account.exchange = ctx.accounts.exchange.key();
    account.owner = ctx.accounts.owner.key();
    account.account_index = account_index;
    account.bump = ctx.bumps.margin_account;
    Ok(())
}
