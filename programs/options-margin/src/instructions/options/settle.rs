//! Expiry: `settle_series` fixes the settlement price, `settle_positions`
//! cash-settles one account's position in a settled series.

use anchor_lang::prelude::*;
use options_margin_risk::series::settled_series_risk;

use crate::error::ErrorCode;
use crate::events::{PositionSettledEvent, SeriesSettledEvent};
use crate::math::{risk_error, SafeMath};
use crate::oracle::read_price;
use crate::state::{Exchange, MarginAccount, Series, StoredSeriesRisk, Underlying};

/// unit: seconds. A settlement price must be published within this window
/// after expiry, unless the window has passed without one.
pub const SETTLEMENT_WINDOW_SECS: i64 = 120;

#[event_cpi]
#[derive(Accounts)]
pub struct SettleSeries<'info> {
    pub underlying: AccountLoader<'info, Underlying>,
    #[account(mut, has_one = underlying)]
    pub series: AccountLoader<'info, Series>,
    /// CHECK: validated by `oracle::read_price` against the underlying's feed.
    pub oracle: UncheckedAccount<'info>,
}

/// Permissionless after expiry. The settlement price is a Pyth price
/// published at or after expiry and no later than
/// `expiry + SETTLEMENT_WINDOW_SECS` (the first update a keeper posts for
/// that window; the window bounds how much choice a caller has). Fallback:
/// once the window has passed with no settlement, any valid price published
/// after expiry (still subject to the feed's max age) settles the series.
/// The first successful call wins; a second one fails with `SeriesSettled`.
pub fn settle_series(ctx: Context<SettleSeries>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let underlying = ctx.accounts.underlying.load()?;
    let mut series = ctx.accounts.series.load_mut()?;
    require!(series.settled == 0, ErrorCode::SeriesSettled);
    require!(now >= series.expiry_ts, ErrorCode::SeriesNotExpired);
    let price = read_price(ctx.accounts.oracle.as_ref(), &underlying.oracle, now)?;
    let window_end = series.expiry_ts.safe_add(SETTLEMENT_WINDOW_SECS)?;
    let in_window = price.publish_time >= series.expiry_ts && price.publish_time <= window_end;
    let fallback = now > window_end && price.publish_time >= series.expiry_ts;
    require!(in_window || fallback, ErrorCode::SettlementPriceOutOfWindow);

    let params = series.params(&underlying);
    let risk =
        settled_series_risk(&params, price.price_e12, price.publish_time).map_err(risk_error)?;
    series.risk = StoredSeriesRisk::from_risk(&risk);
    series.settlement_price_e12 = price.price_e12;
    series.settlement_publish_ts = price.publish_time;
    series.settled = 1;
    drop(series);
    emit_cpi!(SeriesSettledEvent {
        series: ctx.accounts.series.key(),
        settlement_price_e12: price.price_e12,
        publish_time: price.publish_time,
        payout_per_contract_native: risk.mark_native,
    });
    Ok(())
}

#[event_cpi]
#[derive(Accounts)]
pub struct SettlePositions<'info> {
    pub exchange: AccountLoader<'info, Exchange>,
    #[account(mut, has_one = exchange)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
    #[account(mut, has_one = exchange)]
    pub series: AccountLoader<'info, Series>,
}

/// Permissionless: pays out the account's position in a settled series at
/// the settlement intrinsic value (floor, per contract), credits or debits
/// the settlement balance and frees the slot. Longs receive and shorts pay
/// the same per-contract amount, so a series settles to exactly zero.
pub fn settle_positions(ctx: Context<SettlePositions>) -> Result<()> {
    let settlement_mint = ctx.accounts.exchange.load()?.settlement_mint;
    let series_key = ctx.accounts.series.key();
    let mut series = ctx.accounts.series.load_mut()?;
    require!(series.settled == 1, ErrorCode::SeriesNotSettled);
    let mut account = ctx.accounts.margin_account.load_mut()?;
    let slot = account
        .position_slot(&series_key)
        .ok_or(error!(ErrorCode::NoPosition))?;
    let position = account.positions[slot];
    let payout = position.size_contracts.safe_mul(series.risk.mark_native)?;
    let realized = position
        .realized_pnl_native
        .safe_add(payout.safe_sub(position.cost_basis_native)?)?;
    let cslot = account.collateral_slot_or_insert(&settlement_mint)?;
    let balance = &mut account.collaterals[cslot].balance_native;
    *balance = balance.safe_add(payout)?;
    let balance_after = *balance;
    account.positions[slot].size_contracts = 0;
    account.release_empty_positions();
    account.release_empty_collaterals();
    if position.size_contracts > 0 {
        series.open_interest_contracts = series
            .open_interest_contracts
            .safe_sub(position.size_contracts as u64)?;
    }
    drop(account);
    drop(series);
    emit_cpi!(PositionSettledEvent {
        margin_account: ctx.accounts.margin_account.key(),
        series: series_key,
        size_contracts: position.size_contracts,
        payout_native: payout,
        realized_pnl_native: realized,
        settlement_balance_after_native: balance_after,
    });
    Ok(())
}
