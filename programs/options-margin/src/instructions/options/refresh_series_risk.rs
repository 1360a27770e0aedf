use anchor_lang::prelude::*;
use options_margin_risk::series::{series_risk, MarketInputs};

use crate::error::ErrorCode;
use crate::events::SeriesRiskRefreshedEvent;
use crate::math::risk_error;
use crate::oracle::read_price;
use crate::state::{Series, StoredSeriesRisk, Underlying};

#[event_cpi]
#[derive(Accounts)]
pub struct RefreshSeriesRisk<'info> {
    pub underlying: AccountLoader<'info, Underlying>,
    #[account(mut, has_one = underlying)]
    pub series: AccountLoader<'info, Series>,
    /// CHECK: validated by `oracle::read_price` against the underlying's feed.
    pub oracle: UncheckedAccount<'info>,
}

/// Permissionless: reprices the series over its underlying's scenario grid
/// at the current Pyth price and the series' volatility, and stores the
/// per-contract vectors that every margin check combines.
///
/// The vectors are stamped with the oracle publish time. An update older
/// than the one already stored leaves them as they are and succeeds (a
/// no-op, no event), so nobody can roll a series back to a stale price, and
/// nobody can fail someone else's transaction by refreshing the series
/// first with a newer update: prepending a refresh is always safe. An
/// update as new as the stored one recomputes (the volatility may have
/// changed since). From expiry on a refresh is a no-op too: the only value
/// of an expired series is its settlement (`settle_series`), never the
/// intrinsic value at a later price a caller picks; its last vectors age
/// out within `max_risk_age_secs`, after which the account's margin checks
/// wait for the settlement.
pub fn refresh_series_risk(ctx: Context<RefreshSeriesRisk>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let underlying = ctx.accounts.underlying.load()?;
    let mut series = ctx.accounts.series.load_mut()?;
    if series.settled == 1 || now >= series.expiry_ts {
        return Ok(());
    }
    require!(series.vol_e6 != 0, ErrorCode::VolatilityNotSet);
    let price = read_price(ctx.accounts.oracle.as_ref(), &underlying.oracle, now)?;
    if price.publish_time < series.risk.computed_at_ts {
        return Ok(());
    }

    let params = series.params(&underlying);
    let market = MarketInputs {
        spot_e12: price.price_e12,
        vol_e6: series.vol_e6,
        rate_e6: underlying.rate_e6,
        now_ts: price.publish_time,
    };
    let risk = series_risk(&params, underlying.grid.as_grid(), &market).map_err(risk_error)?;
    series.risk = StoredSeriesRisk::from_risk(&risk);
    drop(series);
    emit_cpi!(SeriesRiskRefreshedEvent {
        series: ctx.accounts.series.key(),
        spot_ref_e12: risk.spot_ref_e12,
        vol_ref_e6: risk.vol_ref_e6,
        computed_at_ts: risk.computed_at_ts,
        mark_native: risk.mark_native,
        delta_e9: risk.delta_e9,
        gamma_e9: risk.gamma_e9,
        vega_native: risk.vega_native,
        theta_native: risk.theta_native,
    });
    Ok(())
}
