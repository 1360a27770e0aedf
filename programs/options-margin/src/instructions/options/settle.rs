//! Expiry: `settle_series` fixes the settlement price, `settle_positions`
//! cash-settles one account's position in a settled series.

use anchor_lang::prelude::*;
use options_margin_risk::series::settled_series_risk;

use crate::constants::loss_shard_index;
use crate::controller::{book_pending_loss, recount};
use crate::error::ErrorCode;
use crate::events::{PositionSettledEvent, SeriesSettledEvent};
use crate::math::{invariant, risk_error, SafeMath};
use crate::oracle::read_price_unaged;
use crate::state::{Exchange, LossShard, MarginAccount, Series, StoredSeriesRisk, Underlying};

#[event_cpi]
#[derive(Accounts)]
pub struct SettleSeries<'info> {
    pub underlying: AccountLoader<'info, Underlying>,
    #[account(mut, has_one = underlying)]
    pub series: AccountLoader<'info, Series>,
    /// CHECK: validated by `oracle::read_price_unaged` against the underlying's feed.
    pub oracle: UncheckedAccount<'info>,
}

/// Permissionless after expiry: records the settlement price, once.
///
/// The settlement price is **the** verified Pyth update that straddles
/// expiry: published at or after it, with the feed's previous update
/// published before it (`prev_publish_time < expiry ≤ publish_time`, both
/// signed into the update). Exactly one update of a feed satisfies this, so
/// no settler can choose among a window of prices, and anyone can post it
/// at any time (Pyth serves every historical update; the age is not
/// checked, every other oracle check applies). The series' vectors become
/// the intrinsic value at that price, and positions settle at once.
pub fn settle_series(ctx: Context<SettleSeries>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let underlying = ctx.accounts.underlying.load()?;
    let mut series = ctx.accounts.series.load_mut()?;
    require!(series.settled == 0, ErrorCode::SeriesSettled);
    require!(now >= series.expiry_ts, ErrorCode::SeriesNotExpired);
    let price = read_price_unaged(ctx.accounts.oracle.as_ref(), &underlying.oracle)?;
    require!(
        price.prev_publish_time < series.expiry_ts && price.publish_time >= series.expiry_ts,
        ErrorCode::SettlementPriceOutOfWindow
    );
    let params = series.params(&underlying);
    let risk =
        settled_series_risk(&params, price.price_e12, price.publish_time).map_err(risk_error)?;
    series.risk = StoredSeriesRisk::from_risk(&risk);
    series.settlement_price_e12 = price.price_e12;
    series.settlement_publish_ts = price.publish_time;
    series.settlement_recorded_ts = now;
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
    /// The margin account's loss shard (`pda::loss_shard_of`).
    #[account(
        mut,
        has_one = exchange,
        constraint = loss_shard.load()?.index == loss_shard_index(&margin_account.key())
            @ ErrorCode::WrongLossShard,
    )]
    pub loss_shard: AccountLoader<'info, LossShard>,
}

/// Permissionless once the series is settled: pays out the account's
/// position at the settlement intrinsic value (floor, per
/// contract), credits or debits the settlement balance (its slot is
/// reserved, so this never fails for lack of room) and frees the slot.
/// Longs receive and shorts pay the same per-contract amount, so a series
/// settles to exactly zero.
pub fn settle_positions(ctx: Context<SettlePositions>) -> Result<()> {
    let exchange = ctx.accounts.exchange.load()?;
    let settlement_mint = exchange.settlement_mint;
    let series_key = ctx.accounts.series.key();
    let mut series = ctx.accounts.series.load_mut()?;
    require!(series.settled == 1, ErrorCode::SeriesNotSettled);
    let mut account = ctx.accounts.margin_account.load_mut()?;
    let slot = account
        .position_slot(&series_key)
        .ok_or_else(|| error!(ErrorCode::NoPosition))?;
    let position = account.positions[slot];
    book_pending_loss(&mut account, &exchange)?;
    let payout = position.size_contracts.safe_mul(series.risk.mark_native)?;
    let realized = position
        .realized_pnl_native
        .safe_add(payout.safe_sub(position.cost_basis_native)?)?;
    let cslot = account.collateral_slot_or_insert(&settlement_mint, &settlement_mint)?;
    let balance = &mut account.collaterals[cslot].balance_native;
    *balance = balance.safe_add(payout)?;
    let balance_after = *balance;
    account.positions[slot].size_contracts = 0;
    recount(
        &mut account,
        &exchange,
        &mut *ctx.accounts.loss_shard.load_mut()?,
    )?;
    account.release_empty_positions();
    account.release_empty_collaterals();
    if position.size_contracts > 0 {
        series.open_interest_contracts = series
            .open_interest_contracts
            .checked_sub(position.size_contracts as u64)
            .ok_or_else(|| invariant("open interest below zero"))?;
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
