//! The fixture file's JSON, written by hand (the bench has no JSON
//! dependency): the values the Rust side decodes, in the IDL's field names
//! and order. Integers up to 32 bits are JSON numbers; 64-bit ones are
//! decimal strings (a JavaScript number loses precision past 2^53); keys
//! are base58; byte strings are hex.

use anchor_lang::prelude::{AccountMeta, Pubkey};
use options_margin::events::*;
use options_margin::instructions::{
    CollateralParams, LiquidateArgs, SeriesTerms, TradeArgs, UnderlyingParams,
};
use options_margin::oracle::OracleConfig;
use options_margin::state::{
    Collateral, CollateralBalance, Exchange, GridConfig, LiquidationTier, LossShard, MarginAccount,
    Position, RiskParams, Series, StoredSeriesRisk, Underlying,
};

/// A JSON value.
#[derive(Clone)]
pub enum Json {
    Num(i64),
    Str(String),
    Bool(bool),
    Arr(Vec<Json>),
    Obj(Vec<(String, Json)>),
}

impl Json {
    pub fn obj<const N: usize>(fields: [(&str, Json); N]) -> Json {
        Json::Obj(
            fields
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
        )
    }

    pub fn str(s: impl Into<String>) -> Json {
        Json::Str(s.into())
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }

    fn write(&self, out: &mut String) {
        match self {
            Json::Num(n) => out.push_str(&n.to_string()),
            Json::Str(s) => write_str(out, s),
            Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Json::Arr(items) => {
                out.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    v.write(out);
                }
                out.push(']');
            }
            Json::Obj(fields) => {
                out.push('{');
                for (i, (k, v)) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_str(out, k);
                    out.push(':');
                    v.write(out);
                }
                out.push('}');
            }
        }
    }
}

fn write_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

pub fn hex(bytes: &[u8]) -> Json {
    Json::Str(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// `[{pubkey, signer, writable}]`, in order.
pub fn metas(metas: &[AccountMeta]) -> Json {
    Json::Arr(
        metas
            .iter()
            .map(|m| {
                Json::obj([
                    ("pubkey", m.pubkey.to_json()),
                    ("signer", Json::Bool(m.is_signer)),
                    ("writable", Json::Bool(m.is_writable)),
                ])
            })
            .collect(),
    )
}

/// A value as the fixture writes it.
pub trait ToJson {
    fn to_json(&self) -> Json;
}

macro_rules! small_int {
    ($($t:ty),*) => {$(
        impl ToJson for $t {
            fn to_json(&self) -> Json {
                Json::Num(i64::from(*self))
            }
        }
    )*};
}
small_int!(u8, u16, u32, i32);

macro_rules! wide_int {
    ($($t:ty),*) => {$(
        impl ToJson for $t {
            fn to_json(&self) -> Json {
                Json::Str(self.to_string())
            }
        }
    )*};
}
wide_int!(u64, i64);

impl ToJson for bool {
    fn to_json(&self) -> Json {
        Json::Bool(*self)
    }
}

impl ToJson for Pubkey {
    fn to_json(&self) -> Json {
        Json::Str(self.to_string())
    }
}

impl<T: ToJson, const N: usize> ToJson for [T; N] {
    fn to_json(&self) -> Json {
        Json::Arr(self.iter().map(ToJson::to_json).collect())
    }
}

/// `ToJson` for a struct, field by field in the IDL's order. The TypeScript
/// check refuses a fixture that misses or adds a field of the IDL type, so
/// a field added to the program without its line here fails the suite.
macro_rules! json_struct {
    ($($t:ty { $($f:ident),* $(,)? })*) => {$(
        impl ToJson for $t {
            fn to_json(&self) -> Json {
                Json::Obj(vec![$((stringify!($f).to_string(), self.$f.to_json())),*])
            }
        }
    )*};
}

json_struct! {
    OracleConfig { feed, max_age_secs, max_conf_bps, conf_k_bps, kind, _padding }
    LiquidationTier { below_ratio_bps, max_fraction_bps }
    RiskParams {
        tiers, target_ratio_bps, grace_period_secs, fee_flat_native, fee_rate_bps,
        insurance_fee_share_bps, max_risk_age_secs, price_band_bps, im_floor_ratio_bps,
        dust_native, trade_band_bps, max_ema_deviation_bps, param_delay_secs,
        flatten_below_ratio_bps, soft_cap_basis, _reserved, fee_rate_max_bps,
    }
    GridConfig { spot_shocks_bps, vol_shocks_bps, mm_spot_range_bps, spot_count, vol_count, _padding }
    StoredSeriesRisk {
        spot_ref_e12, computed_at_ts, mark_native, scenario_values_native, delta_e9, gamma_e9,
        vega_native, theta_native, short_floor_mm_native, short_floor_im_native, vol_ref_e6, flags,
    }
    CollateralBalance { mint, balance_native, last_publish_time }
    Position { series, size_contracts, cost_basis_native, realized_pnl_native, underlying_index, reserved }

    // Instruction arguments.
    CollateralParams { oracle, init_weight_bps, maint_weight_bps, deposit_cap_native }
    UnderlyingParams {
        oracle, grid, rate_e6, vol_max_age_secs, short_floor_mm_bps, short_floor_im_bps,
        max_vol_change_bps, vol_change_window_secs,
    }
    SeriesTerms { is_call, strike_e12, expiry_ts, contract_size_e6, lot_size_contracts }
    TradeArgs { size_lots, premium_per_contract_native, health_accounts_a }
    LiquidateArgs { max_quantity, min_fee_native, health_accounts_liquidatee }

    // Accounts.
    Exchange {
        admin, pending_admin, creator, vol_authority, settlement_mint, risk, bump,
        vault_authority_bump, pause_flags, collateral_count, underlying_count, _padding,
        insurance_native, loss_index_e12, pending_risk, pending_risk_apply_ts, reserved,
    }
    Collateral {
        exchange, mint, vault, oracle, total_balance_native, deposit_cap_native,
        unassigned_loss_native, init_weight_bps, maint_weight_bps, decimals, index,
        is_settlement, bump, vault_bump, _padding, socialized_loss_native, pending_oracle,
        pending_init_weight_bps, pending_maint_weight_bps, _pending_padding, pending_apply_ts,
        reserved,
    }
    MarginAccount {
        exchange, owner, last_soft_liquidation_ts, account_index, bump, _padding, collaterals,
        positions, last_soft_ratio_bps, counted_settlement_native, loss_index_snapshot_e12,
        insurance_accrued_native, loss_retired_native, reserved,
    }
    Underlying {
        exchange, oracle, grid, rate_e6, vol_max_age_secs, series_count, short_floor_mm_bps,
        short_floor_im_bps, max_vol_change_bps, index, bump, vol_change_window_secs, reserved,
    }
    Series {
        exchange, underlying, strike_e12, expiry_ts, contract_size_e6, lot_size_contracts,
        vol_updated_ts, open_interest_contracts, settlement_price_e12, settlement_publish_ts,
        vol_e6, is_call, settled, bump, underlying_index, risk, settlement_recorded_ts, reserved,
    }
    LossShard { exchange, counted_total_native, index, bump, _padding, reserved }

    // Events.
    DepositEvent { margin_account, owner, mint, amount_native, balance_after_native }
    WithdrawEvent {
        margin_account, owner, mint, amount_native, paid_native, balance_after_native,
        equity_after_native, initial_margin_after_native,
    }
    VolatilityUpdatedEvent { series, previous_vol_e6, vol_e6, updated_ts }
    SeriesRiskRefreshedEvent {
        series, spot_ref_e12, vol_ref_e6, computed_at_ts, mark_native, delta_e9, gamma_e9,
        vega_native, theta_native,
    }
    TradeEvent {
        series, account_a, account_b, size_contracts, premium_per_contract_native, size_a_after,
        size_b_after, open_interest_contracts, equity_a_after_native,
        initial_margin_a_after_native, equity_b_after_native, initial_margin_b_after_native,
    }
    SeriesSettledEvent { series, settlement_price_e12, publish_time, payout_per_contract_native }
    PositionSettledEvent {
        margin_account, series, size_contracts, payout_native, realized_pnl_native,
        settlement_balance_after_native,
    }
    LiquidationEvent {
        liquidatee, liquidator_account, caller, tier, target, target_is_position, quantity,
        price, fee_native, insurance_share_native, ratio_before_bps, ratio_after_bps,
        equity_before_native, equity_after_native, mm_before_native, mm_after_native,
        capped_by_tier,
    }
    BankruptcyEvent { margin_account, deficit_native, insurance_covered_native, socialized_native }
    InsuranceDepositEvent {
        depositor, amount_native, socialized_loss_repaid_native, insurance_after_native,
    }
    InsuranceSweptEvent { swept_native, accounts, insurance_after_native }
    RiskParamsProposedEvent { exchange, apply_after_ts }
    CollateralParamsProposedEvent { collateral, apply_after_ts }
}
