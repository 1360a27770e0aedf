//! Margin checks. The accounts a check needs travel in `remaining_accounts`
//! and are validated against the margin account's own stored state, so that
//! omitting, duplicating, reordering or substituting one makes the check
//! fail rather than look better.
//!
//! Layout of `remaining_accounts`, in the margin account's slot order:
//! 1. for each volatile (non-settlement) collateral slot in use:
//!    `[collateral config, its oracle account]`;
//!
//! and nothing else. The settlement collateral is the unit of account
//! (1 native unit = 1 quote native) and needs no account.
//!
//! The numbers themselves come from the risk crate's `account_margin`, the
//! same function the bot, the CLI and the simulator call.

use anchor_lang::prelude::*;
use options_margin_risk::collateral::CollateralInput;
use options_margin_risk::margin::{margin_summary, AccountInputs};

use crate::constants::MAX_ACCOUNT_COLLATERALS;
use crate::error::ErrorCode;
use crate::math::risk_error;
use crate::oracle::read_price;
use crate::state::{Collateral, Exchange, MarginAccount};

/// What a margin check found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MarginSummary {
    /// unit: quote native. Collateral (conservatively priced) plus option marks.
    pub equity_native: i64,
    /// unit: quote native.
    pub initial_margin_native: i64,
    /// unit: quote native.
    pub maintenance_margin_native: i64,
}

impl MarginSummary {
    pub fn meets_initial(&self) -> bool {
        self.equity_native >= self.initial_margin_native
    }
    pub fn meets_maintenance(&self) -> bool {
        self.equity_native >= self.maintenance_margin_native
    }
}

/// Loads a collateral config from a margin-check account and checks that it
/// belongs to `exchange` and is the one for `mint`.
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

/// Reads one collateral's price for a margin check. Refuses an update older
/// than the newest one this collateral has used, and records a newer one when
/// the caller passed the config writable.
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

/// Computes equity, IM and MM of `account` from the accounts in `remaining`.
pub fn account_margin<'info>(
    account: &MarginAccount,
    exchange: &Exchange,
    exchange_key: &Pubkey,
    remaining: &'info [AccountInfo<'info>],
    now_ts: i64,
) -> Result<MarginSummary> {
    let mut collaterals = [CollateralInput::settlement(0); MAX_ACCOUNT_COLLATERALS];
    let mut count = 0usize;
    let mut cursor = 0usize;
    for balance in account.active_collaterals() {
        let input = if balance.mint == exchange.settlement_mint {
            CollateralInput::settlement(balance.balance_native)
        } else {
            let config_info = remaining
                .get(cursor)
                .ok_or(error!(ErrorCode::HealthAccountsMismatch))?;
            let oracle_info = remaining
                .get(cursor + 1)
                .ok_or(error!(ErrorCode::HealthAccountsMismatch))?;
            cursor += 2;
            let config = load_collateral_config(config_info, exchange_key, &balance.mint)?;
            collateral_input(&config, oracle_info, balance.balance_native, now_ts)?
        };
        collaterals[count] = input;
        count += 1;
    }
    require!(cursor == remaining.len(), ErrorCode::HealthAccountsMismatch);

    let inputs = AccountInputs {
        grids: &[],
        positions: &[],
        collaterals: &collaterals[..count],
    };
    let margin = margin_summary(&inputs).map_err(risk_error)?;
    Ok(MarginSummary {
        equity_native: margin.equity_native,
        initial_margin_native: margin.im_native,
        maintenance_margin_native: margin.mm_native,
    })
}
