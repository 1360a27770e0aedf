use anchor_lang::prelude::*;

use options_margin_risk::volatility::vol_change_within_limit;

use crate::constants::{MAX_VOL_E6, MIN_VOL_E6};
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
/// value, to the underlying's maximum relative change per unit of time
/// (`options_margin_risk::volatility`), so neither one update nor a burst
/// of them can move margins arbitrarily. The stored vectors keep the
/// volatility they were computed at, and no instruction uses vectors whose
/// volatility differs from the series' (`VolatilityChangedSinceRefresh`):
/// a change takes effect at the next refresh.
pub fn set_volatility(ctx: Context<SetVolatility>, vol_e6: u32) -> Result<()> {
    require!(
        (MIN_VOL_E6..=MAX_VOL_E6).contains(&vol_e6),
        ErrorCode::VolatilityOutOfBounds
    );
    let (max_change_bps, window_secs) = {
        let u = ctx.accounts.underlying.load()?;
        (u.max_vol_change_bps, u.vol_change_window_secs)
    };
    let now = Clock::get()?.unix_timestamp;
    let mut series = ctx.accounts.series.load_mut()?;
    require!(series.settled == 0, ErrorCode::SeriesSettled);
    let previous = series.vol_e6;
    require!(
        vol_change_within_limit(
            previous,
            vol_e6,
            now.saturating_sub(series.vol_updated_ts),
            max_change_bps,
            window_secs
        ),
        ErrorCode::VolatilityChangeTooLarge
    );
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
