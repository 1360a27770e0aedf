use anchor_lang::prelude::*;

use crate::constants::{MAX_SERIES_TENOR_SECS, SERIES_SEED};
use crate::create::{create_pda_account, write_new_account, NewPda};
use crate::error::ErrorCode;
use crate::state::{Exchange, Series, Underlying};

/// The terms of a new series.
#[derive(Clone, Copy, Debug, PartialEq, Eq, AnchorSerialize, AnchorDeserialize)]
pub struct SeriesTerms {
    pub is_call: bool,
    /// precision: e12 USD per whole underlying unit (> 0).
    pub strike_e12: u64,
    /// unit: unix seconds. After now, at most two years ahead.
    pub expiry_ts: i64,
    /// precision: e6 whole underlying units per contract (> 0).
    pub contract_size_e6: u64,
    /// unit: contracts per lot (≥ 1).
    pub lot_size_contracts: u64,
}

#[derive(Accounts)]
#[instruction(terms: SeriesTerms)]
pub struct CreateSeries<'info> {
    #[account(mut)]
    pub admin: Signer<'info>,
    #[account(has_one = admin @ ErrorCode::Unauthorized)]
    pub exchange: AccountLoader<'info, Exchange>,
    #[account(mut, has_one = exchange)]
    pub underlying: AccountLoader<'info, Underlying>,
    /// CHECK: created here at its canonical PDA; the seeds make a series unique.
    #[account(
        mut,
        seeds = [
            SERIES_SEED,
            underlying.key().as_ref(),
            &[terms.is_call as u8],
            &terms.strike_e12.to_le_bytes(),
            &terms.expiry_ts.to_le_bytes(),
        ],
        bump,
    )]
    pub series: UncheckedAccount<'info>,
    pub system_program: Program<'info, System>,
}

pub fn create_series(ctx: Context<CreateSeries>, terms: SeriesTerms) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let tenor = terms
        .expiry_ts
        .checked_sub(now)
        .ok_or_else(|| error!(ErrorCode::InvalidSeriesParams))?;
    require!(
        terms.strike_e12 > 0
            && tenor > 0
            && tenor <= MAX_SERIES_TENOR_SECS
            && terms.contract_size_e6 > 0
            && terms.contract_size_e6 <= 1_000_000_000_000
            && (1..=1_000_000).contains(&terms.lot_size_contracts),
        ErrorCode::InvalidSeriesParams
    );
    let underlying_key = ctx.accounts.underlying.key();
    let bump = ctx.bumps.series;
    let new = NewPda {
        payer: ctx.accounts.admin.as_ref(),
        target: ctx.accounts.series.as_ref(),
        system_program: ctx.accounts.system_program.as_ref(),
    };
    let seeds: &[&[u8]] = &[
        SERIES_SEED,
        underlying_key.as_ref(),
        &[terms.is_call as u8],
        &terms.strike_e12.to_le_bytes(),
        &terms.expiry_ts.to_le_bytes(),
        &[bump],
    ];
    create_pda_account(&new, Series::SPACE, &crate::ID, seeds)?;
    let mut s: Series = bytemuck::Zeroable::zeroed();
    s.exchange = ctx.accounts.exchange.key();
    s.underlying = underlying_key;
    s.strike_e12 = terms.strike_e12;
    s.expiry_ts = terms.expiry_ts;
    s.contract_size_e6 = terms.contract_size_e6;
    s.lot_size_contracts = terms.lot_size_contracts;
    s.is_call = terms.is_call as u8;
    s.bump = bump;
    let mut underlying = ctx.accounts.underlying.load_mut()?;
    s.underlying_index = underlying.index;
    underlying.series_count = underlying
        .series_count
        .checked_add(1)
        .ok_or_else(|| error!(ErrorCode::MathOverflow))?;
    write_new_account(ctx.accounts.series.as_ref(), &s)
}
