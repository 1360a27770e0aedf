//! The loss shards of an exchange (see `state::LossShard`).

use anchor_lang::prelude::*;

use crate::constants::{LOSS_SHARDS, LOSS_SHARD_SEED};
use crate::create::{create_pda_account, write_new_account, NewPda};
use crate::error::ErrorCode;
use crate::state::{Exchange, LossShard};

#[derive(Accounts)]
pub struct CreateLossShards<'info> {
    /// Pays the rent of the shards it creates.
    #[account(mut)]
    pub payer: Signer<'info>,
    pub exchange: AccountLoader<'info, Exchange>,
    pub system_program: Program<'info, System>,
}

/// Permissionless: creates every missing loss shard of `exchange` at
/// `["loss_shard", exchange, index]`. `remaining_accounts` are the
/// `LOSS_SHARDS` shard addresses in index order, writable; shards that
/// exist already are left as they are, so the call is idempotent. Deposits,
/// withdrawals, trades and settlements need their account's shard.
pub fn create_loss_shards<'info>(ctx: Context<'info, CreateLossShards<'info>>) -> Result<()> {
    require!(
        ctx.remaining_accounts.len() == LOSS_SHARDS as usize,
        ErrorCode::HealthAccountsMismatch
    );
    let exchange = ctx.accounts.exchange.key();
    for (i, info) in ctx.remaining_accounts.iter().enumerate() {
        let index = i as u8;
        let (address, bump) = Pubkey::find_program_address(
            &[LOSS_SHARD_SEED, exchange.as_ref(), &[index]],
            &crate::ID,
        );
        require!(*info.key == address, ErrorCode::HealthAccountsMismatch);
        if info.owner == &crate::ID {
            continue;
        }
        let new = NewPda {
            payer: ctx.accounts.payer.as_ref(),
            target: info,
            system_program: ctx.accounts.system_program.as_ref(),
        };
        create_pda_account(
            &new,
            LossShard::SPACE,
            &crate::ID,
            &[LOSS_SHARD_SEED, exchange.as_ref(), &[index], &[bump]],
        )?;
        let mut shard: LossShard = bytemuck::Zeroable::zeroed();
        shard.exchange = exchange;
        shard.index = index;
        shard.bump = bump;
        write_new_account(info, &shard)?;
    }
    Ok(())
}
