//! Margin checks. The accounts a check needs travel in `remaining_accounts`
//! and are validated against the margin account's own stored state, so that
//! omitting, duplicating, reordering or substituting one makes the check
//! fail rather than look better.
//!
//! Layout of `remaining_accounts`, derived from the margin account alone:
//! 1. for each volatile (non-settlement) collateral slot in use, in slot
//!    order: `[collateral config, its oracle]`;
//! 2. for each position slot in use, in slot order: `[series]`;
//! 3. for each distinct underlying of those series, in order of first
//!    appearance: `[underlying, its oracle]`;
//!
//! and nothing else. The settlement collateral is the unit of account
//! (1 native unit = 1 quote native) and needs no account. Its balance
//! counts net of the socialised loss the account owes
//! (`options_margin_risk::socialized`, index on the exchange).
//!
//! **Series vectors** must be usable: computed no longer than
//! `max_risk_age_secs` ago, at the series' current volatility
//! (`VolatilityChangedSinceRefresh` otherwise), with the oracle price
//! within `price_band_bps` of the spot they were computed at. The oracle
//! update may be older than the refresh: the vectors, not the update, carry
//! the price, so a refresh that someone else sent with a newer update never
//! fails a transaction. Settled series carry fixed intrinsic vectors.
//!
//! **Prices are never caller-chosen in the caller's favour.** Each
//! collateral update must be at least as new as the last one this account
//! was valued at (`OracleOutOfOrder`; the account records it, unconditionally).
//! Risk-adding checks ([`Valuation::Conservative`]) value collateral at the
//! worse of the spot and the EMA carried in the same update, refuse an
//! underlying whose price is further than `max_ema_deviation_bps` from its
//! EMA (`OraclePriceDeviatesFromEma`), and refuse series whose volatility is
//! older than `vol_max_age_secs` (`StaleVolatility`). Liquidations value at
//! the spot ([`Valuation::Spot`]) and refuse to move a position whose
//! series' volatility is that old (`StaleVolatility`: a liquidator never
//! inherits shorts at a stale, cheap mark).
//!
//! The numbers themselves come from the risk crate's `margin_totals` with
//! the IM floor, the same functions the bot, the CLI and the simulator call.

use anchor_lang::prelude::*;
use anchor_lang::Discriminator;
use options_margin_risk::collateral::CollateralInput;
use options_margin_risk::margin::{margin_totals, AccountInputs, OptionKind, PositionInput};
use options_margin_risk::socialized::pending_loss_ceil;
use options_margin_risk::ScenarioGrid;

use crate::constants::{BPS, MAX_ACCOUNT_COLLATERALS, MAX_ACCOUNT_POSITIONS};
use crate::error::ErrorCode;
use crate::math::risk_error;
use crate::oracle::{read_price, OraclePrice, PriceSide};
use crate::reader::{read_zero_copy, AccountRead};
use crate::state::{Collateral, Exchange, MarginAccount, Series, Underlying};

/// What a margin check found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MarginSummary {
    /// unit: quote native. Collateral (conservatively priced) plus option
    /// marks, less the socialised loss the account owes.
    pub equity_native: i64,
    /// unit: quote native. At least `im_floor_ratio_bps` of MM.
    pub initial_margin_native: i64,
    /// unit: quote native.
    pub maintenance_margin_native: i64,
    /// unit: bps. equity / MM (u64::MAX when MM is 0 and equity ≥ 0).
    pub ratio_bps: u64,
}

impl MarginSummary {
    pub fn meets_initial(&self) -> bool {
        self.equity_native >= self.initial_margin_native
    }
    pub fn meets_maintenance(&self) -> bool {
        self.equity_native >= self.maintenance_margin_native
    }

    /// The risk crate's totals with the same figures.
    pub fn as_totals(&self) -> options_margin_risk::margin::MarginTotals {
        options_margin_risk::margin::MarginTotals {
            equity_native: self.equity_native,
            mm_native: self.maintenance_margin_native,
            im_native: self.initial_margin_native,
            ratio_bps: self.ratio_bps,
        }
    }
}

/// Which collateral prices a check values at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Valuation {
    /// Spot ∓ k·conf: liquidation, bankruptcy, a liquidator's own check.
    Spot,
    /// The worse of spot and EMA, ∓ k·conf: withdrawals and trades.
    Conservative,
}

fn take<'a, A: AccountRead>(remaining: &'a [A], cursor: &mut usize) -> Result<&'a A> {
    let info = remaining
        .get(*cursor)
        .ok_or_else(|| error!(ErrorCode::HealthAccountsMismatch))?;
    *cursor += 1;
    Ok(info)
}

/// One volatile collateral as loaded: its price both ways and the update's time.
#[derive(Clone, Copy)]
struct LoadedCollateral {
    spot: CollateralInput,
    conservative: CollateralInput,
    publish_time: i64,
}

/// Reads one collateral config and price. The config must belong to
/// `exchange` and `mint`; the update may not be older than the one the
/// account was last valued at for this mint.
fn load_collateral<A: AccountRead>(
    config_info: &A,
    oracle: &A,
    exchange: &Pubkey,
    balance: &crate::state::CollateralBalance,
    now_ts: i64,
) -> Result<LoadedCollateral> {
    let c: Collateral =
        read_zero_copy(config_info).ok_or_else(|| error!(ErrorCode::HealthAccountsMismatch))?;
    require!(
        c.exchange == *exchange && c.mint == balance.mint,
        ErrorCode::HealthAccountsMismatch
    );
    let price = read_price(oracle, &c.oracle, now_ts)?;
    require!(
        price.publish_time >= balance.last_publish_time,
        ErrorCode::OracleOutOfOrder
    );
    let k = c.oracle.conf_k_bps;
    let input = |low: &OraclePrice, high: &OraclePrice| -> Result<CollateralInput> {
        Ok(CollateralInput {
            balance_native: balance.balance_native,
            decimals: c.decimals,
            price_low_e12: low.low_e12(k)?,
            price_high_e12: high.high_e12(k)?,
            init_weight_bps: c.init_weight_bps,
            maint_weight_bps: c.maint_weight_bps,
            is_settlement: false,
        })
    };
    Ok(LoadedCollateral {
        spot: input(&price, &price)?,
        conservative: input(
            &price.toward_ema(PriceSide::Low),
            &price.toward_ema(PriceSide::High),
        )?,
        publish_time: price.publish_time,
    })
}

/// What the freshness checks of one series found, beyond hard failures.
#[derive(Clone, Copy, Default)]
struct Freshness {
    /// The volatility is older than the underlying's `vol_max_age_secs`.
    stale_vol: bool,
}

/// Checks that a series' stored vectors may be used now (module docs).
fn check_series_fresh(
    series: &Series,
    underlying: &Underlying,
    price: &OraclePrice,
    exchange: &Exchange,
    now_ts: i64,
) -> Result<Freshness> {
    if series.settled == 1 {
        return Ok(Freshness::default());
    }
    let risk = &series.risk;
    require!(risk.computed_at_ts > 0, ErrorCode::StaleSeriesRisk);
    let age = now_ts.saturating_sub(risk.computed_at_ts);
    require!(
        age <= exchange.risk.max_risk_age_secs as i64,
        ErrorCode::StaleSeriesRisk
    );
    require!(
        risk.vol_ref_e6 == series.vol_e6,
        ErrorCode::VolatilityChangedSinceRefresh
    );
    let moved = (price.price_e12 as u128).abs_diff(risk.spot_ref_e12 as u128);
    require!(
        moved * BPS as u128 <= risk.spot_ref_e12 as u128 * exchange.risk.price_band_bps as u128,
        ErrorCode::PriceMovedSinceRefresh
    );
    let vol_age = now_ts.saturating_sub(series.vol_updated_ts);
    Ok(Freshness {
        stale_vol: vol_age > underlying.vol_max_age_secs as i64,
    })
}

/// Borrows a series' account data (owner, discriminator and size
/// checked), zero-copy: [`series_of`] reads the `Series` in it.
fn series_data<A: AccountRead>(info: &A) -> Result<A::Data<'_>> {
    require!(
        info.owner() == &crate::ID,
        ErrorCode::HealthAccountsMismatch
    );
    let data = info.data()?;
    require!(
        data.len() >= Series::SPACE && &data[..8] == Series::DISCRIMINATOR,
        ErrorCode::HealthAccountsMismatch
    );
    Ok(data)
}

/// The `Series` in account data checked by [`series_data`]. Account data
/// is 8-byte aligned (the runtime aligns it; `KeyedAccount` keeps it so).
fn series_of(data: &[u8]) -> &Series {
    bytemuck::from_bytes::<Series>(&data[8..Series::SPACE])
}

/// Loads the series of every position, in slot order.
fn load_series<'a, A: AccountRead>(
    account: &MarginAccount,
    exchange_key: &Pubkey,
    remaining: &'a [A],
    cursor: &mut usize,
) -> Result<Vec<A::Data<'a>>> {
    let mut out = Vec::with_capacity(MAX_ACCOUNT_POSITIONS);
    for p in account.active_positions() {
        let info = take(remaining, cursor)?;
        require!(*info.key() == p.series, ErrorCode::HealthAccountsMismatch);
        let data = series_data(info)?;
        require!(
            series_of(&data).exchange == *exchange_key,
            ErrorCode::HealthAccountsMismatch
        );
        out.push(data);
    }
    Ok(out)
}

/// Everything a margin check read from `remaining_accounts`, validated:
/// collateral prices (spot and conservative), the series (borrowed,
/// zero-copy) and their grids, and the flags risk-adding checks refuse.
pub struct LoadedInputs<'a, A: AccountRead + 'a> {
    /// `(mint, price)` per volatile collateral slot in use, slot order (on
    /// the heap: SBF frames are 4 KiB and a handler may hold two of these).
    collaterals: Vec<(Pubkey, LoadedCollateral)>,
    settlement_mint: Pubkey,
    grids: Vec<ScenarioGrid>,
    /// The data of each position's series account (zero-copy).
    series: Vec<A::Data<'a>>,
    underlying_of: [u8; MAX_ACCOUNT_POSITIONS],
    /// Bit `i`: the volatility of position `i`'s series is stale.
    stale_vol: u64,
    /// Some underlying's price is further from its EMA than allowed.
    ema_deviation: bool,
    /// unit: unix seconds. Oldest publish time among the updates read (i64::MAX: none).
    oldest_price_ts: i64,
    /// unit: unix seconds. The clock of the check.
    now_ts: i64,
    im_floor_ratio_bps: u32,
    loss_index_e12: u64,
}

impl<'a, A: AccountRead + 'a> LoadedInputs<'a, A> {
    /// What risk-adding instructions require beyond initial margin: fresh
    /// volatility on every series (`StaleVolatility`), every underlying
    /// price near its EMA (`OraclePriceDeviatesFromEma`), and every update
    /// at most `RISK_ADDING_MAX_PRICE_AGE_SECS` old (`PriceTooOldToAddRisk`;
    /// it may be older than the vectors it validates, within the price band,
    /// so that a refresh someone sent first never fails the transaction).
    pub fn require_risk_adding_allowed(&self) -> Result<()> {
        require!(self.stale_vol == 0, ErrorCode::StaleVolatility);
        require!(!self.ema_deviation, ErrorCode::OraclePriceDeviatesFromEma);
        let too_old = self.oldest_price_ts != i64::MAX
            && self.now_ts.saturating_sub(self.oldest_price_ts)
                > options_margin_risk::params::RISK_ADDING_MAX_PRICE_AGE_SECS;
        require!(!too_old, ErrorCode::PriceTooOldToAddRisk);
        Ok(())
    }

    /// The risk crate's inputs for `account` (the same account the inputs
    /// were loaded for, possibly with changed sizes and balances but the
    /// same slots in use).
    pub fn position_inputs(&self, account: &MarginAccount) -> Result<Vec<PositionInput<'_>>> {
        let mut positions = Vec::with_capacity(self.series.len());
        let mut series = self.series.iter();
        for (i, p) in account.active_positions().enumerate() {
            let s = series_of(
                series
                    .next()
                    .ok_or_else(|| error!(ErrorCode::HealthAccountsMismatch))?,
            );
            positions.push(PositionInput {
                series: s.risk.as_risk(),
                underlying: self.underlying_of[i],
                kind: if s.is_call() {
                    OptionKind::Call
                } else {
                    OptionKind::Put
                },
                size_contracts: p.size_contracts,
                cost_basis_native: p.cost_basis_native,
                lot_size_contracts: s.lot_size_contracts,
            });
        }
        require!(series.next().is_none(), ErrorCode::HealthAccountsMismatch);
        Ok(positions)
    }

    /// unit: quote native. The socialised loss `account` owes now.
    pub fn pending_loss_native(&self, account: &MarginAccount) -> Result<i64> {
        pending_loss_ceil(
            account.counted_settlement_native,
            self.loss_index_e12,
            account.loss_index_snapshot_e12,
        )
        .map_err(risk_error)
    }

    /// Collateral inputs with `account`'s current balances. A settlement
    /// slot may have appeared since loading (it needs no price); any other
    /// mint must have been priced at load time.
    pub fn collateral_inputs(
        &self,
        account: &MarginAccount,
        valuation: Valuation,
    ) -> Result<Vec<CollateralInput>> {
        let mut out = Vec::with_capacity(MAX_ACCOUNT_COLLATERALS);
        for c in account.active_collaterals() {
            let input = if c.mint == self.settlement_mint {
                let owed = self.pending_loss_native(account)?;
                CollateralInput::settlement(
                    c.balance_native
                        .checked_sub(owed)
                        .ok_or_else(|| error!(ErrorCode::MathOverflow))?,
                )
            } else {
                let loaded = self.loaded_collateral(&c.mint)?;
                let priced = match valuation {
                    Valuation::Spot => loaded.spot,
                    Valuation::Conservative => loaded.conservative,
                };
                CollateralInput {
                    balance_native: c.balance_native,
                    ..priced
                }
            };
            out.push(input);
        }
        Ok(out)
    }

    fn find_collateral(&self, mint: &Pubkey) -> Option<&LoadedCollateral> {
        self.collaterals
            .iter()
            .find(|(m, _)| m == mint)
            .map(|(_, c)| c)
    }

    /// Lazy error: an eager `error!` allocates its strings on the bump
    /// heap even on success, and the heap is never freed.
    fn loaded_collateral(&self, mint: &Pubkey) -> Result<LoadedCollateral> {
        self.find_collateral(mint)
            .copied()
            .ok_or_else(|| error!(ErrorCode::HealthAccountsMismatch))
    }

    /// precision: e12 USD per whole token. The spot asset price a collateral was loaded at.
    pub fn collateral_price_low_e12(&self, mint: &Pubkey) -> Result<u64> {
        Ok(self.loaded_collateral(mint)?.spot.price_low_e12)
    }

    /// Records, in `account`, the publish time of every collateral update
    /// this check used, so no later instruction can value the account at
    /// an older one. Unconditional: every instruction that checks margin
    /// writes the margin account.
    pub fn record_publish_times(&self, account: &mut MarginAccount) {
        for c in account.collaterals.iter_mut() {
            if let Some(loaded) = self.find_collateral(&c.mint) {
                c.last_publish_time = c.last_publish_time.max(loaded.publish_time);
            }
        }
    }

    /// The series of the `i`-th position in use (slot order).
    /// Whether the volatility of position `i`'s series is older than its
    /// underlying's `vol_max_age_secs` (a liquidation may not transfer it).
    pub fn vol_stale_at(&self, i: usize) -> bool {
        i < 64 && self.stale_vol >> i & 1 == 1
    }

    pub fn series_at(&self, i: usize) -> Result<&Series> {
        self.series
            .get(i)
            .map(|d| series_of(d))
            .ok_or_else(|| error!(ErrorCode::HealthAccountsMismatch))
    }

    /// Runs `f` on the risk crate's inputs for `account`.
    pub fn with_inputs<R>(
        &self,
        account: &MarginAccount,
        valuation: Valuation,
        f: impl FnOnce(&AccountInputs) -> Result<R>,
    ) -> Result<R> {
        let positions = self.position_inputs(account)?;
        let collaterals = self.collateral_inputs(account, valuation)?;
        f(&AccountInputs {
            grids: &self.grids,
            positions: &positions,
            collaterals: &collaterals,
        })
    }

    /// Equity, IM (with the exchange's IM floor), MM and ratio of `account`.
    pub fn totals(&self, account: &MarginAccount, valuation: Valuation) -> Result<MarginSummary> {
        self.with_inputs(account, valuation, |inputs| {
            let t = margin_totals(inputs)
                .and_then(|t| t.with_im_floor(self.im_floor_ratio_bps))
                .map_err(risk_error)?;
            Ok(MarginSummary {
                equity_native: t.equity_native,
                initial_margin_native: t.im_native,
                maintenance_margin_native: t.mm_native,
                ratio_bps: t.ratio_bps,
            })
        })
    }
}

/// Reads and validates the margin-check accounts of `account` (module docs).
pub fn load_inputs<'a, A: AccountRead>(
    account: &MarginAccount,
    exchange: &Exchange,
    exchange_key: &Pubkey,
    remaining: &'a [A],
    now_ts: i64,
) -> Result<LoadedInputs<'a, A>> {
    let mut collaterals = Vec::with_capacity(MAX_ACCOUNT_COLLATERALS);
    let mut cursor = 0usize;
    let mut oldest_price_ts = i64::MAX;
    for balance in account.active_collaterals() {
        if balance.mint != exchange.settlement_mint {
            let config = take(remaining, &mut cursor)?;
            let oracle = take(remaining, &mut cursor)?;
            let loaded = load_collateral(config, oracle, exchange_key, balance, now_ts)?;
            oldest_price_ts = oldest_price_ts.min(loaded.publish_time);
            collaterals.push((balance.mint, loaded));
        }
    }

    let series = load_series(account, exchange_key, remaining, &mut cursor)?;
    // Distinct underlyings in order of first appearance, each with its grid.
    let mut underlying_keys: Vec<Pubkey> =
        Vec::with_capacity(crate::constants::MAX_UNDERLYINGS as usize);
    let mut grids: Vec<ScenarioGrid> =
        Vec::with_capacity(crate::constants::MAX_UNDERLYINGS as usize);
    let mut underlying_of = [0u8; MAX_ACCOUNT_POSITIONS];
    let (mut stale_vol, mut ema_deviation) = (0u64, false);
    for (i, data) in series.iter().enumerate() {
        let s = series_of(data);
        let index = match underlying_keys.iter().position(|k| *k == s.underlying) {
            Some(index) => index,
            None => {
                let info = take(remaining, &mut cursor)?;
                require!(
                    *info.key() == s.underlying,
                    ErrorCode::HealthAccountsMismatch
                );
                let underlying: Underlying = read_zero_copy(info)
                    .ok_or_else(|| error!(ErrorCode::HealthAccountsMismatch))?;
                require!(
                    underlying.exchange == *exchange_key,
                    ErrorCode::HealthAccountsMismatch
                );
                let price = read_price(take(remaining, &mut cursor)?, &underlying.oracle, now_ts)?;
                ema_deviation |= !price.near_ema(exchange.risk.max_ema_deviation_bps);
                oldest_price_ts = oldest_price_ts.min(price.publish_time);
                for (j, other) in series
                    .iter()
                    .map(|d| series_of(d))
                    .enumerate()
                    .filter(|(_, o)| o.underlying == s.underlying)
                {
                    let f = check_series_fresh(other, &underlying, &price, exchange, now_ts)?;
                    stale_vol |= u64::from(f.stale_vol) << j;
                }
                underlying_keys.push(s.underlying);
                grids.push(*underlying.grid.as_grid());
                underlying_keys.len() - 1
            }
        };
        underlying_of[i] = index as u8;
    }
    require!(cursor == remaining.len(), ErrorCode::HealthAccountsMismatch);
    Ok(LoadedInputs {
        collaterals,
        settlement_mint: exchange.settlement_mint,
        grids,
        series,
        underlying_of,
        stale_vol,
        ema_deviation,
        oldest_price_ts,
        now_ts,
        im_floor_ratio_bps: exchange.risk.im_floor_ratio_bps,
        loss_index_e12: exchange.loss_index_e12,
    })
}

/// Computes equity, IM and MM of `account` from `remaining` at `valuation`.
/// A conservative check also enforces [`LoadedInputs::require_risk_adding_allowed`].
pub fn account_margin<'a, A: AccountRead>(
    account: &MarginAccount,
    exchange: &Exchange,
    exchange_key: &Pubkey,
    remaining: &'a [A],
    now_ts: i64,
    valuation: Valuation,
) -> Result<(MarginSummary, LoadedInputs<'a, A>)> {
    let loaded = load_inputs(account, exchange, exchange_key, remaining, now_ts)?;
    if valuation == Valuation::Conservative {
        loaded.require_risk_adding_allowed()?;
    }
    Ok((loaded.totals(account, valuation)?, loaded))
}
