use anchor_lang::prelude::*;

use crate::constants::{BPS, MAX_VOL_E6, MIN_VOL_E6};
use crate::error::ErrorCode;
use crate::events::VolatilityUpdatedEvent;
use crate::state::{Exchange, Series, Underlying};

#[event_cpi]
#[derive(Accounts)]
pub struct SetVolatility<'info> {
    pub vol_authority: Signer<'info>,
    #[account(has_one = vol_authority @ ErrorCode::NotVolAuthority)]
    pub exchange: AccountLoader<'info, Exchange>,
    #[account(has_one = exchange)]
    pub underlying: AccountLoader<'info, Underlying>,
    #[account(mut, has_one = exchange, has_one = underlying)]
    pub series: AccountLoader<'info, Series>,
}

/// Sets a series' volatility. Bounded to 1%..=500% and, after the first
/// value, to the underlying's maximum relative change per update, so one
/// compromised or fat-fingered update cannot move margins arbitrarily.
pub fn set_volatility(ctx: Context<SetVolatility>, vol_e6: u32) -> Result<()> {
    require!(
        (MIN_VOL_E6..=MAX_VOL_E6).contains(&vol_e6),
        ErrorCode::VolatilityOutOfBounds
    );
    let max_change_bps = ctx.accounts.underlying.load()?.max_vol_change_bps as u64;
    let now = Clock::get()?.unix_timestamp;
    let mut series = ctx.accounts.series.load_mut()?;
    require!(series.settled == 0, ErrorCode::SeriesSettled);
    let previous = series.vol_e6;
    if previous != 0 {
        let change = (vol_e6 as u64).abs_diff(previous as u64);
        // change / previous ≤ max_change_bps / 10_000, in integers.
        require!(
            change * BPS <= previous as u64 * max_change_bps,
            ErrorCode::VolatilityChangeTooLarge
        );
    }
    series.vol_e6 = vol_e6;
    series.vol_updated_ts = now;
    drop(series);
    emit_cpi!(VolatilityUpdatedEvent {
        series: ctx.accounts.series.key(),
        previous_vol_e6: previous,
        vol_e6,
        updated_ts: now,
    });
    Ok(())
}
