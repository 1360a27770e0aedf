use anchor_lang::prelude::*;

use crate::constants::{BPS, MAX_UNDERLYINGS, UNDERLYING_SEED};
use crate::create::{create_pda_account, write_new_account, NewPda};
use crate::error::ErrorCode;
use crate::oracle::OracleConfig;
use crate::state::{Exchange, GridConfig, Underlying};

/// Admin-set parameters of an underlying.
#[derive(Clone, Copy, Debug, PartialEq, Eq, AnchorSerialize, AnchorDeserialize)]
pub struct UnderlyingParams {
    pub oracle: OracleConfig,
    pub grid: GridConfig,
    /// precision: e6, annualised rate (−20%..=+50%).
    pub rate_e6: i64,
    /// unit: seconds. Volatility staleness limit (1..=86_400).
    pub vol_max_age_secs: u32,
    /// unit: bps of spot notional per short contract (MM floor, ≤ 10_000).
    pub short_floor_mm_bps: u16,
    /// unit: bps of spot notional per short contract (IM floor, ≥ MM floor, ≤ 10_000).
    pub short_floor_im_bps: u16,
    /// unit: bps of the previous volatility per `vol_change_window_secs` (1..=10_000).
    pub max_vol_change_bps: u16,
    /// unit: seconds. Window the volatility change bound is measured over (60..=86_400).
    pub vol_change_window_secs: u32,
}

impl UnderlyingParams {
    pub fn validate(&self) -> Result<()> {
        self.oracle.validate()?;
        self.grid
            .as_grid()
            .validate()
            .map_err(|_| error!(ErrorCode::InvalidUnderlyingParams))?;
        let ok = (-200_000..=500_000).contains(&self.rate_e6)
            && (1..=86_400).contains(&self.vol_max_age_secs)
            && self.short_floor_mm_bps > 0
            && self.short_floor_mm_bps <= self.short_floor_im_bps
            && self.short_floor_im_bps as u64 <= BPS
            && self.max_vol_change_bps > 0
            && self.max_vol_change_bps as u64 <= BPS
            && (60..=86_400).contains(&self.vol_change_window_secs);
        require!(ok, ErrorCode::InvalidUnderlyingParams);
        Ok(())
    }
}

#[derive(Accounts)]
pub struct AddUnderlying<'info> {
    #[account(mut)]
    pub admin: Signer<'info>,
    #[account(mut, has_one = admin @ ErrorCode::Unauthorized)]
    pub exchange: AccountLoader<'info, Exchange>,
    /// CHECK: created here at `["underlying", exchange, index]`.
    #[account(
        mut,
        seeds = [UNDERLYING_SEED, exchange.key().as_ref(), &[exchange.load()?.underlying_count]],
        bump,
    )]
    pub underlying: UncheckedAccount<'info>,
    pub system_program: Program<'info, System>,
}

pub fn add_underlying(ctx: Context<AddUnderlying>, params: UnderlyingParams) -> Result<()> {
    params.validate()?;
    let exchange_key = ctx.accounts.exchange.key();
    let index = ctx.accounts.exchange.load()?.underlying_count;
    require!(index < MAX_UNDERLYINGS, ErrorCode::ExchangeUnderlyingsFull);
    let bump = ctx.bumps.underlying;
    let new = NewPda {
        payer: ctx.accounts.admin.as_ref(),
        target: ctx.accounts.underlying.as_ref(),
        system_program: ctx.accounts.system_program.as_ref(),
    };
    create_pda_account(
        &new,
        Underlying::SPACE,
        &crate::ID,
        &[UNDERLYING_SEED, exchange_key.as_ref(), &[index], &[bump]],
    )?;
    let mut u: Underlying = bytemuck::Zeroable::zeroed();
    u.exchange = exchange_key;
    u.oracle = params.oracle;
    u.grid = params.grid;
    u.rate_e6 = params.rate_e6;
    u.vol_max_age_secs = params.vol_max_age_secs;
    u.short_floor_mm_bps = params.short_floor_mm_bps;
    u.short_floor_im_bps = params.short_floor_im_bps;
    u.max_vol_change_bps = params.max_vol_change_bps;
    u.vol_change_window_secs = params.vol_change_window_secs;
    u.index = index;
    u.bump = bump;
    ctx.accounts.exchange.load_mut()?.underlying_count = index + 1;
    write_new_account(ctx.accounts.underlying.as_ref(), &u)
}
