//! An exchange from one TOML file: collaterals, underlyings and series
//! (`exchange init --config exchange.toml`; `app/exchange.example.toml`
//! is the committed example). Amounts are decimal strings in human units
//! ("140" USD, "0.75" volatility), parsed exactly. Risk parameters default
//! to the risk crate's and are validated by it; the program validates
//! everything again.

use std::collections::BTreeMap;

use anchor_lang::prelude::Pubkey;
use options_margin::instructions::{CollateralParams, SeriesTerms, UnderlyingParams};
use options_margin::oracle::{OracleConfig, OracleKind};
use options_margin::state::{GridConfig, RiskParams};
use options_margin_risk::ScenarioGrid;
use serde::Deserialize;

use crate::amounts::parse_decimal;
use crate::error::{ClientError, ClientResult};

/// unit: seconds.
const DAY_SECS: i64 = 86_400;

/// The whole file.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExchangeConfig {
    #[serde(default)]
    pub exchange: ExchangeSection,
    /// Overrides of the risk crate's defaults, by `RiskParams` field name
    /// (integers in the field's own unit).
    #[serde(default)]
    pub risk: BTreeMap<String, i64>,
    #[serde(rename = "collateral", default)]
    pub collaterals: Vec<CollateralConfig>,
    #[serde(rename = "underlying", default)]
    pub underlyings: Vec<UnderlyingConfig>,
    #[serde(rename = "series", default)]
    pub series: Vec<SeriesConfig>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExchangeSection {
    /// The volatility authority: "admin" (default) or a public key.
    pub vol_authority: Option<String>,
}

/// How a price is read (both collaterals and underlyings).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OracleSection {
    /// "pull" (PriceUpdateV2, by feed id; default) or "legacy" (by address).
    #[serde(default = "pull")]
    pub kind: String,
    /// pull: the feed id (64 hex digits); legacy: the price account's address.
    pub feed: String,
    /// unit: seconds.
    #[serde(default = "sixty")]
    pub max_age_secs: u32,
    /// unit: bps of price.
    #[serde(default = "two_hundred")]
    pub max_conf_bps: u16,
    /// unit: bps of one confidence interval (10,000 = price ∓ 1·conf).
    #[serde(default = "ten_thousand")]
    pub conf_k_bps: u16,
}

fn pull() -> String {
    "pull".into()
}
fn sixty() -> u32 {
    60
}
fn two_hundred() -> u16 {
    200
}
fn ten_thousand() -> u16 {
    10_000
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CollateralConfig {
    pub symbol: String,
    /// A mint address, or "new" to create one minted by the admin (local ledgers, test mints).
    pub mint: String,
    /// Decimals of a new mint (an existing mint's are read from the chain).
    pub decimals: Option<u8>,
    /// The settlement collateral (exactly one, registered first, 6 decimals, weights 10,000).
    #[serde(default)]
    pub settlement: bool,
    pub oracle: OracleSection,
    /// unit: bps.
    pub init_weight_bps: u16,
    /// unit: bps.
    pub maint_weight_bps: u16,
    /// Whole tokens (decimal string).
    pub deposit_cap: String,
    /// Local ledgers: the USD price the operator publishes at init (decimal string).
    pub local_price: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnderlyingConfig {
    pub symbol: String,
    pub oracle: OracleSection,
    /// Annualised continuously compounded rate (decimal string, "0.05" = 5%).
    #[serde(default = "zero")]
    pub rate: String,
    /// unit: seconds.
    #[serde(default = "hour")]
    pub vol_max_age_secs: u32,
    /// unit: bps of spot notional per short contract.
    pub short_floor_mm_bps: u16,
    /// unit: bps of spot notional per short contract.
    pub short_floor_im_bps: u16,
    /// unit: bps of the previous volatility per window.
    #[serde(default = "half")]
    pub max_vol_change_bps: u16,
    /// unit: seconds.
    #[serde(default = "hour")]
    pub vol_change_window_secs: u32,
    /// Local ledgers: the USD price the operator publishes at init (decimal string).
    pub local_price: Option<String>,
}

fn zero() -> String {
    "0".into()
}
fn hour() -> u32 {
    3_600
}
fn half() -> u16 {
    5_000
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeriesConfig {
    /// The underlying's symbol.
    pub underlying: String,
    /// "call" or "put".
    pub kind: String,
    /// USD per whole underlying unit (decimal string).
    pub strike: String,
    /// unit: days from init (or give `expiry_ts`).
    pub expiry_days: Option<i64>,
    /// unit: unix seconds.
    pub expiry_ts: Option<i64>,
    /// Whole underlying units per contract (decimal string, default "1").
    #[serde(default = "one")]
    pub contract_size: String,
    /// unit: contracts per lot.
    #[serde(default = "one_lot")]
    pub lot_size: u64,
    /// Volatility (decimal string, "0.75" = 75%).
    pub vol: String,
}

fn one() -> String {
    "1".into()
}
fn one_lot() -> u64 {
    1
}

impl ExchangeConfig {
    /// Parses and checks the file (names, counts, amounts, the risk overrides).
    pub fn from_toml(text: &str) -> ClientResult<Self> {
        let config: Self = toml::from_str(text)
            .map_err(|e| ClientError::Input(format!("exchange config: {e}")))?;
        config.check()?;
        Ok(config)
    }

    fn check(&self) -> ClientResult<()> {
        let bad = |m: String| Err(ClientError::Input(format!("exchange config: {m}")));
        match self.collaterals.first() {
            Some(c) if c.settlement => {}
            _ => {
                return bad(
                    "the first [[collateral]] must be the settlement one (settlement = true)"
                        .into(),
                )
            }
        }
        if self.collaterals.iter().filter(|c| c.settlement).count() != 1 {
            return bad("exactly one settlement collateral".into());
        }
        let mut symbols = std::collections::BTreeSet::new();
        for c in &self.collaterals {
            if !symbols.insert(("c", c.symbol.as_str())) {
                return bad(format!("collateral {} twice", c.symbol));
            }
            if c.mint == "new" && c.decimals.is_none() {
                return bad(format!(
                    "collateral {}: a new mint needs decimals",
                    c.symbol
                ));
            }
        }
        for u in &self.underlyings {
            if !symbols.insert(("u", u.symbol.as_str())) {
                return bad(format!("underlying {} twice", u.symbol));
            }
        }
        if self.underlyings.len() > options_margin::constants::MAX_UNDERLYINGS as usize {
            return bad("too many underlyings".into());
        }
        for s in &self.series {
            if self.underlying_index(&s.underlying).is_none() {
                return bad(format!("series on unknown underlying {}", s.underlying));
            }
            if s.expiry_days.is_some() == s.expiry_ts.is_some() {
                return bad("each series needs exactly one of expiry_days, expiry_ts".into());
            }
        }
        self.risk_params()?;
        Ok(())
    }

    /// The index of the underlying named `symbol`.
    pub fn underlying_index(&self, symbol: &str) -> Option<u8> {
        self.underlyings
            .iter()
            .position(|u| u.symbol == symbol)
            .map(|i| i as u8)
    }

    /// The risk crate's defaults with this file's overrides, validated by the risk crate.
    pub fn risk_params(&self) -> ClientResult<RiskParams> {
        let mut risk = RiskParams::defaults();
        for (name, value) in &self.risk {
            set_risk_field(&mut risk, name, *value)?;
        }
        risk.as_risk()
            .validate()
            .map_err(|e| ClientError::Input(format!("exchange config: risk parameters: {e:?}")))?;
        Ok(risk)
    }

    /// The volatility authority (`admin` unless the file names a key).
    pub fn vol_authority(&self, admin: &Pubkey) -> ClientResult<Pubkey> {
        match self.exchange.vol_authority.as_deref() {
            None | Some("admin") => Ok(*admin),
            Some(k) => parse_pubkey(k),
        }
    }
}

pub fn set_risk_field(risk: &mut RiskParams, name: &str, value: i64) -> ClientResult<()> {
    let bad = || {
        ClientError::Input(format!(
            "exchange config: [risk] {name} = {value} is out of range"
        ))
    };
    macro_rules! set {
        ($field:ident) => {
            risk.$field = value.try_into().map_err(|_| bad())?
        };
    }
    match name {
        "target_ratio_bps" => set!(target_ratio_bps),
        "grace_period_secs" => set!(grace_period_secs),
        "fee_flat_native" => set!(fee_flat_native),
        "fee_rate_bps" => set!(fee_rate_bps),
        "insurance_fee_share_bps" => set!(insurance_fee_share_bps),
        "max_risk_age_secs" => set!(max_risk_age_secs),
        "price_band_bps" => set!(price_band_bps),
        "im_floor_ratio_bps" => set!(im_floor_ratio_bps),
        "dust_native" => set!(dust_native),
        "trade_band_bps" => set!(trade_band_bps),
        "max_ema_deviation_bps" => set!(max_ema_deviation_bps),
        "param_delay_secs" => set!(param_delay_secs),
        "flatten_below_ratio_bps" => set!(flatten_below_ratio_bps),
        "soft_cap_basis" => set!(soft_cap_basis),
        "fee_rate_max_bps" => set!(fee_rate_max_bps),
        _ => {
            return Err(ClientError::Input(format!(
                "exchange config: [risk] has no field {name}"
            )))
        }
    }
    Ok(())
}

/// A public key from its base58 form, with a clear error.
pub fn parse_pubkey(text: &str) -> ClientResult<Pubkey> {
    text.trim()
        .parse()
        .map_err(|_| ClientError::Input(format!("{text:?} is not a public key (base58)")))
}

impl OracleSection {
    pub fn config(&self) -> ClientResult<OracleConfig> {
        let (kind, feed) = match self.kind.as_str() {
            "pull" => (
                OracleKind::PythPull,
                crate::pyth_local::feed_id_from_hex(&self.feed).ok_or_else(|| {
                    ClientError::Input(format!("feed {:?} is not 64 hex digits", self.feed))
                })?,
            ),
            "legacy" => (OracleKind::PythLegacy, parse_pubkey(&self.feed)?.to_bytes()),
            other => {
                return Err(ClientError::Input(format!(
                    "oracle kind {other:?}: pull or legacy"
                )))
            }
        };
        Ok(OracleConfig::new(
            kind,
            feed,
            self.max_age_secs,
            self.max_conf_bps,
            self.conf_k_bps,
        ))
    }
}

impl CollateralConfig {
    /// The program's parameters, with the cap in native units of `decimals`.
    pub fn params(&self, decimals: u8) -> ClientResult<CollateralParams> {
        Ok(CollateralParams {
            oracle: self.oracle.config()?,
            init_weight_bps: self.init_weight_bps,
            maint_weight_bps: self.maint_weight_bps,
            deposit_cap_native: parse_decimal(&self.deposit_cap, decimals)?,
        })
    }
}

impl UnderlyingConfig {
    /// The program's parameters, on the default scenario grid.
    pub fn params(&self) -> ClientResult<UnderlyingParams> {
        Ok(UnderlyingParams {
            oracle: self.oracle.config()?,
            grid: GridConfig::from_grid(&ScenarioGrid::default_grid()),
            rate_e6: parse_signed_decimal(&self.rate, 6)?,
            vol_max_age_secs: self.vol_max_age_secs,
            short_floor_mm_bps: self.short_floor_mm_bps,
            short_floor_im_bps: self.short_floor_im_bps,
            max_vol_change_bps: self.max_vol_change_bps,
            vol_change_window_secs: self.vol_change_window_secs,
        })
    }
}

impl SeriesConfig {
    /// The program's terms, the expiry counted from `now_ts` when given in days.
    pub fn terms(&self, now_ts: i64) -> ClientResult<SeriesTerms> {
        let is_call = match self.kind.as_str() {
            "call" => true,
            "put" => false,
            other => {
                return Err(ClientError::Input(format!(
                    "series kind {other:?}: call or put"
                )))
            }
        };
        let expiry_ts = match (self.expiry_days, self.expiry_ts) {
            (Some(days), None) => now_ts + days * DAY_SECS,
            (None, Some(ts)) => ts,
            _ => {
                return Err(ClientError::Input(
                    "exactly one of expiry_days, expiry_ts".into(),
                ))
            }
        };
        Ok(SeriesTerms {
            is_call,
            strike_e12: parse_decimal(&self.strike, 12)?,
            expiry_ts,
            contract_size_e6: parse_decimal(&self.contract_size, 6)?,
            lot_size_contracts: self.lot_size,
        })
    }

    /// precision: e6.
    pub fn vol_e6(&self) -> ClientResult<u32> {
        u32::try_from(parse_decimal(&self.vol, 6)?)
            .map_err(|_| ClientError::Input(format!("vol {:?} too large", self.vol)))
    }
}

/// A decimal that may start with '-', in units of `10^-decimals`.
fn parse_signed_decimal(text: &str, decimals: u8) -> ClientResult<i64> {
    let (negative, digits) = match text.trim().strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.trim()),
    };
    let v = i64::try_from(parse_decimal(digits, decimals)?)
        .map_err(|_| ClientError::Input(format!("{text:?} too large")))?;
    Ok(if negative { -v } else { v })
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = include_str!("../../../app/exchange.example.toml");

    #[test]
    fn the_committed_example_parses_into_valid_parameters() {
        let c = ExchangeConfig::from_toml(EXAMPLE).expect("example parses");
        assert!(c.collaterals[0].settlement);
        c.risk_params().unwrap();
        for col in &c.collaterals {
            col.params(col.decimals.unwrap_or(6))
                .unwrap()
                .validate(col.settlement)
                .unwrap();
        }
        for u in &c.underlyings {
            u.params().unwrap().validate().unwrap();
        }
        for s in &c.series {
            let t = s.terms(1_700_000_000).unwrap();
            assert!(t.strike_e12 > 0 && t.expiry_ts > 1_700_000_000);
            s.vol_e6().unwrap();
        }
    }

    #[test]
    fn mistakes_get_a_clear_error() {
        let no_settlement = EXAMPLE.replacen("settlement = true", "settlement = false", 1);
        assert!(ExchangeConfig::from_toml(&no_settlement).is_err());
        let unknown_risk = format!("{EXAMPLE}\n");
        let unknown_risk = unknown_risk.replacen("[risk]", "[risk]\nno_such_field = 1", 1);
        let e = ExchangeConfig::from_toml(&unknown_risk)
            .unwrap_err()
            .to_string();
        assert!(e.contains("no_such_field"), "{e}");
        assert!(ExchangeConfig::from_toml("[[collateral]]\nsymbol = 1").is_err());
    }

    #[test]
    fn signed_rates_parse() {
        assert_eq!(parse_signed_decimal("-0.05", 6).unwrap(), -50_000);
        assert_eq!(parse_signed_decimal("0.05", 6).unwrap(), 50_000);
    }
}
