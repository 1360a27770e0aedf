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
//! (1 native unit = 1 quote native) and needs no account.
//!
//! Series risk must be fresh: computed no longer than
//! `RiskParams::max_risk_age_secs` ago, and the current oracle price within
//! `RiskParams::price_band_bps` of the spot it was computed at. Settled
//! series carry fixed intrinsic vectors and need neither. Checks of
//! risk-increasing instructions also require every series' volatility to be
//! younger than its underlying's `vol_max_age_secs`.
//!
//! The numbers themselves come from the risk crate's `margin_totals`, the
//! same function the bot, the CLI and the simulator call.

use std::cell::Ref;

use anchor_lang::prelude::*;
use anchor_lang::Discriminator;
use options_margin_risk::collateral::CollateralInput;
use options_margin_risk::margin::{margin_totals, AccountInputs, OptionKind, PositionInput};
use options_margin_risk::ScenarioGrid;

use crate::constants::{BPS, MAX_ACCOUNT_COLLATERALS, MAX_ACCOUNT_POSITIONS};
use crate::error::ErrorCode;
use crate::math::risk_error;
use crate::oracle::{read_price, OraclePrice};
use crate::state::{Collateral, Exchange, MarginAccount, Series, Underlying};

/// What a margin check found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MarginSummary {
    /// unit: quote native. Collateral (conservatively priced) plus option marks.
    pub equity_native: i64,
    /// unit: quote native.
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
}

/// How strict a check is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CheckMode {
    /// Refuse series whose volatility is stale (risk-increasing instructions).
    pub require_fresh_vol: bool,
}

impl CheckMode {
    pub const RISK_INCREASING: Self = Self {
        require_fresh_vol: true,
    };
    pub const REDUCE_ONLY: Self = Self {
        require_fresh_vol: false,
    };
}

fn take<'a, 'info>(
    remaining: &'a [AccountInfo<'info>],
    cursor: &mut usize,
) -> Result<&'a AccountInfo<'info>> {
    let info = remaining
        .get(*cursor)
        .ok_or(error!(ErrorCode::HealthAccountsMismatch))?;
    *cursor += 1;
    Ok(info)
}

/// Loads a collateral config and checks it belongs to `exchange` and `mint`.
fn load_collateral_config<'info>(
    info: &'info AccountInfo<'info>,
    exchange: &Pubkey,
    mint: &Pubkey,
) -> Result<AccountLoader<'info, Collateral>> {
    let loader = AccountLoader::<Collateral>::try_from(info)
        .map_err(|_| error!(ErrorCode::HealthAccountsMismatch))?;
    {
        let c = loader.load()?;
        require!(
            c.exchange == *exchange && c.mint == *mint,
            ErrorCode::HealthAccountsMismatch
        );
    }
    Ok(loader)
}

/// Reads one collateral's price. Refuses an update older than the newest one
/// this collateral has used, and records a newer one when the config is writable.
fn collateral_input<'info>(
    config: &AccountLoader<'info, Collateral>,
    oracle: &'info AccountInfo<'info>,
    balance_native: i64,
    now_ts: i64,
) -> Result<CollateralInput> {
    let (price, input) = {
        let c = config.load()?;
        let price = read_price(oracle, &c.oracle, now_ts)?;
        require!(
            price.publish_time >= c.last_publish_time,
            ErrorCode::OracleOutOfOrder
        );
        let input = CollateralInput {
            balance_native,
            decimals: c.decimals,
            price_low_e12: price.low_e12(c.oracle.conf_k_bps)?,
            price_high_e12: price.high_e12(c.oracle.conf_k_bps)?,
            init_weight_bps: c.init_weight_bps,
            maint_weight_bps: c.maint_weight_bps,
            is_settlement: false,
        };
        (price, input)
    };
    if config.as_ref().is_writable {
        let mut c = config.load_mut()?;
        c.last_publish_time = c.last_publish_time.max(price.publish_time);
    }
    Ok(input)
}

/// Checks that a series' stored vectors may be used now.
fn check_series_fresh(
    series: &Series,
    underlying: &Underlying,
    price: &OraclePrice,
    exchange: &Exchange,
    now_ts: i64,
    mode: CheckMode,
) -> Result<()> {
    if series.settled == 1 {
        return Ok(());
    }
    let risk = &series.risk;
    require!(risk.computed_at_ts > 0, ErrorCode::StaleSeriesRisk);
    require!(
        price.publish_time >= risk.computed_at_ts,
        ErrorCode::OracleOutOfOrder
    );
    let age = now_ts.saturating_sub(risk.computed_at_ts);
    require!(
        age <= exchange.risk.max_risk_age_secs as i64,
        ErrorCode::StaleSeriesRisk
    );
    let moved = (price.price_e12 as u128).abs_diff(risk.spot_ref_e12 as u128);
    require!(
        moved * BPS as u128 <= risk.spot_ref_e12 as u128 * exchange.risk.price_band_bps as u128,
        ErrorCode::PriceMovedSinceRefresh
    );
    if mode.require_fresh_vol {
        let vol_age = now_ts.saturating_sub(series.vol_updated_ts);
        require!(
            vol_age <= underlying.vol_max_age_secs as i64,
            ErrorCode::StaleVolatility
        );
    }
    Ok(())
}

/// Borrows a `Series` straight from its account data (owner and
/// discriminator checked), so the reference can outlive this call.
fn series_ref<'a, 'info>(info: &'a AccountInfo<'info>) -> Result<Ref<'a, Series>> {
    require!(info.owner == &crate::ID, ErrorCode::HealthAccountsMismatch);
    let data = info.try_borrow_data()?;
    require!(
        data.len() >= Series::SPACE && &data[..8] == Series::DISCRIMINATOR,
        ErrorCode::HealthAccountsMismatch
    );
    Ok(Ref::map(data, |d| {
        bytemuck::from_bytes::<Series>(&d[8..Series::SPACE])
    }))
}

/// Loads the series of every position, in slot order.
fn load_series<'a, 'info>(
    account: &MarginAccount,
    exchange_key: &Pubkey,
    remaining: &'info [AccountInfo<'info>],
    cursor: &mut usize,
) -> Result<Vec<Ref<'a, Series>>>
where
    'info: 'a,
{
    let mut out = Vec::with_capacity(MAX_ACCOUNT_POSITIONS);
    for p in account.active_positions() {
        let info = take(remaining, cursor)?;
        require!(*info.key == p.series, ErrorCode::HealthAccountsMismatch);
        let series = series_ref(info)?;
        require!(
            series.exchange == *exchange_key,
            ErrorCode::HealthAccountsMismatch
        );
        out.push(series);
    }
    Ok(out)
}

/// Everything a margin check read from `remaining_accounts`, validated:
/// collateral prices, the series (borrowed, zero-copy) and their grids.
pub struct LoadedInputs<'a> {
    collaterals: [CollateralInput; MAX_ACCOUNT_COLLATERALS],
    collateral_mints: [Pubkey; MAX_ACCOUNT_COLLATERALS],
    collateral_count: usize,
    settlement_mint: Pubkey,
    grids: Vec<ScenarioGrid>,
    series: Vec<Ref<'a, Series>>,
    underlying_of: [u8; MAX_ACCOUNT_POSITIONS],
}

impl<'a> LoadedInputs<'a> {
    /// The risk crate's inputs for `account` (the same account the inputs
    /// were loaded for, possibly with changed sizes and balances but the
    /// same slots in use).
    pub fn position_inputs(&self, account: &MarginAccount) -> Result<Vec<PositionInput<'_>>> {
        let mut positions = Vec::with_capacity(self.series.len());
        let mut series = self.series.iter();
        for (i, p) in account.active_positions().enumerate() {
            let s = series
                .next()
                .ok_or(error!(ErrorCode::HealthAccountsMismatch))?;
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

    /// Collateral inputs with `account`'s current balances. A settlement
    /// slot may have appeared since loading (it needs no price); any other
    /// mint must have been priced at load time.
    pub fn collateral_inputs(&self, account: &MarginAccount) -> Result<Vec<CollateralInput>> {
        let mut out = Vec::with_capacity(MAX_ACCOUNT_COLLATERALS);
        for c in account.active_collaterals() {
            let input = if c.mint == self.settlement_mint {
                CollateralInput::settlement(c.balance_native)
            } else {
                let i = self.collateral_mints[..self.collateral_count]
                    .iter()
                    .position(|m| *m == c.mint)
                    .ok_or(error!(ErrorCode::HealthAccountsMismatch))?;
                CollateralInput {
                    balance_native: c.balance_native,
                    ..self.collaterals[i]
                }
            };
            out.push(input);
        }
        Ok(out)
    }

    /// precision: e12 USD per whole token. The asset price a collateral was loaded at.
    pub fn collateral_price_low_e12(&self, mint: &Pubkey) -> Result<u64> {
        let i = self.collateral_mints[..self.collateral_count]
            .iter()
            .position(|m| m == mint)
            .ok_or(error!(ErrorCode::HealthAccountsMismatch))?;
        Ok(self.collaterals[i].price_low_e12)
    }

    /// The series of the `i`-th position in use (slot order).
    pub fn series_at(&self, i: usize) -> Result<&Series> {
        self.series
            .get(i)
            .map(|s| &**s)
            .ok_or(error!(ErrorCode::HealthAccountsMismatch))
    }

    /// Runs `f` on the risk crate's inputs for `account`.
    pub fn with_inputs<R>(
        &self,
        account: &MarginAccount,
        f: impl FnOnce(&AccountInputs) -> Result<R>,
    ) -> Result<R> {
        let positions = self.position_inputs(account)?;
        let collaterals = self.collateral_inputs(account)?;
        f(&AccountInputs {
            grids: &self.grids,
            positions: &positions,
            collaterals: &collaterals,
        })
    }

    /// Equity, IM, MM and ratio of `account`.
    pub fn totals(&self, account: &MarginAccount) -> Result<MarginSummary> {
        self.with_inputs(account, |inputs| {
            let t = margin_totals(inputs).map_err(risk_error)?;
            Ok(MarginSummary {
                equity_native: t.equity_native,
                initial_margin_native: t.im_native,
                maintenance_margin_native: t.mm_native,
                ratio_bps: t.ratio_bps,
            })
        })
    }
}

/// Reads and validates the margin-check accounts of `account`.
pub fn load_inputs<'info>(
    account: &MarginAccount,
    exchange: &Exchange,
    exchange_key: &Pubkey,
    remaining: &'info [AccountInfo<'info>],
    now_ts: i64,
    mode: CheckMode,
) -> Result<LoadedInputs<'info>> {
    let mut collaterals = [CollateralInput::settlement(0); MAX_ACCOUNT_COLLATERALS];
    let mut collateral_mints = [Pubkey::default(); MAX_ACCOUNT_COLLATERALS];
    let mut count = 0usize;
    let mut cursor = 0usize;
    for balance in account.active_collaterals() {
        collateral_mints[count] = balance.mint;
        collaterals[count] = if balance.mint == exchange.settlement_mint {
            CollateralInput::settlement(balance.balance_native)
        } else {
            let config =
                load_collateral_config(take(remaining, &mut cursor)?, exchange_key, &balance.mint)?;
            collateral_input(
                &config,
                take(remaining, &mut cursor)?,
                balance.balance_native,
                now_ts,
            )?
        };
        count += 1;
    }

    let series = load_series(account, exchange_key, remaining, &mut cursor)?;
    // Distinct underlyings in order of first appearance, each with its grid.
    let mut underlying_keys: Vec<Pubkey> =
        Vec::with_capacity(crate::constants::MAX_UNDERLYINGS as usize);
    let mut grids: Vec<ScenarioGrid> =
        Vec::with_capacity(crate::constants::MAX_UNDERLYINGS as usize);
    let mut underlying_of = [0u8; MAX_ACCOUNT_POSITIONS];
    for (i, s) in series.iter().enumerate() {
        let index = match underlying_keys.iter().position(|k| *k == s.underlying) {
            Some(index) => index,
            None => {
                let info = take(remaining, &mut cursor)?;
                require!(*info.key == s.underlying, ErrorCode::HealthAccountsMismatch);
                let loader = AccountLoader::<Underlying>::try_from(info)
                    .map_err(|_| error!(ErrorCode::HealthAccountsMismatch))?;
                let underlying = loader.load()?;
                require!(
                    underlying.exchange == *exchange_key,
                    ErrorCode::HealthAccountsMismatch
                );
                let price = read_price(take(remaining, &mut cursor)?, &underlying.oracle, now_ts)?;
                for other in series.iter().filter(|o| o.underlying == s.underlying) {
                    check_series_fresh(other, &underlying, &price, exchange, now_ts, mode)?;
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
        collateral_mints,
        collateral_count: count,
        settlement_mint: exchange.settlement_mint,
        grids,
        series,
        underlying_of,
    })
}

/// Computes equity, IM, MM and the ratio of `account` from `remaining`.
pub fn account_margin<'info>(
    account: &MarginAccount,
    exchange: &Exchange,
    exchange_key: &Pubkey,
    remaining: &'info [AccountInfo<'info>],
    now_ts: i64,
    mode: CheckMode,
) -> Result<MarginSummary> {
    load_inputs(account, exchange, exchange_key, remaining, now_ts, mode)?.totals(account)
}
