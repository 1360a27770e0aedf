//! Pyth prices: the one entry point [`read_price`] returns a price and
//! confidence normalised to e12 USD per whole unit, whichever account kind
//! (PriceUpdateV2 from the receiver program, or a legacy price account) the
//! asset was registered with.
//!
//! # Validation order
//!
//! [`read_price`] checks, in this order, and stops at the first failure:
//!
//! 1. the config itself ([`OracleConfig::validate`]) → `OracleConfigInvalid`;
//! 2. the account, per kind:
//!    - PythPull ([`pull`]): owner is the receiver program → `OracleWrongOwner`;
//!      Anchor discriminator and Borsh layout → `OracleInvalidAccount`;
//!      feed id → `OracleWrongFeed`; `VerificationLevel::Full` →
//!      `OracleNotFullyVerified`;
//!    - PythLegacy ([`legacy`]): owner is the legacy oracle program →
//!      `OracleWrongOwner`; account address → `OracleWrongFeed`; length,
//!      alignment, enum bytes, magic, version, account type →
//!      `OracleInvalidAccount`; aggregate status `Trading` → `OracleNotTrading`;
//! 3. the price, shared by both kinds ([`RawPrice::check`]): publish time more
//!    than [`MAX_FUTURE_SECS`] ahead of the clock, or older than
//!    `max_age_secs` → `OracleStale`; price ≤ 0 → `OracleNonPositivePrice`;
//!    `conf / price > max_conf_bps` → `OracleConfidenceTooWide`; exponent
//!    outside `-12..=0` → `OracleExponentOutOfRange`; normalised value above
//!    `u64::MAX` e12 → `OraclePriceOutOfRange`.

use anchor_lang::prelude::*;
use bytemuck::{Pod, Zeroable};

use crate::error::ErrorCode;
use crate::reader::AccountRead;

#[cfg(any(test, feature = "test-utils"))]
pub mod fixtures;
pub mod legacy;
pub mod normalize;
pub mod pull;
#[cfg(test)]
mod tests;

pub use legacy::LEGACY_PYTH_PROGRAM_ID;
pub use pull::PYTH_RECEIVER_PROGRAM_ID;

/// unit: bps. 1.0 in basis points, the denominator of every `_bps` field here.
pub const BPS_DENOMINATOR: u64 = 10_000;
/// Smallest Pyth exponent accepted: prices finer than 1e-12 USD are rejected.
pub const MIN_EXPONENT: i32 = -12;
/// Largest Pyth exponent accepted: the e12 scale is reached by multiplying
/// only, so normalisation is exact over `MIN_EXPONENT..=MAX_EXPONENT`.
pub const MAX_EXPONENT: i32 = 0;
/// unit: seconds. How far a publish time may be ahead of the cluster clock and
/// still be accepted (as age 0). The Solana clock is a stake-weighted estimate
/// that can trail wall time by a few seconds, while Pyth stamps prices with
/// Pythnet time; a larger lead is not skew, so it is rejected as
/// `OracleStale` (the price's time is inconsistent with the clock).
pub const MAX_FUTURE_SECS: i64 = 10;
/// unit: seconds. Upper bound of `OracleConfig::max_age_secs`.
pub const MAX_AGE_SECS_LIMIT: u32 = 3_600;
/// unit: bps of price. Upper bound of `OracleConfig::max_conf_bps` (20%).
pub const MAX_CONF_BPS_LIMIT: u16 = 2_000;
/// unit: bps of one confidence interval. Upper bound of
/// `OracleConfig::conf_k_bps` (5·conf).
pub const MAX_CONF_K_BPS: u16 = 50_000;

/// Which Pyth account kind a feed is read from.
/// Stored as its `u8` value (`OracleConfig::kind`): 0 and 1, in this order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, AnchorSerialize, AnchorDeserialize)]
pub enum OracleKind {
    /// `PriceUpdateV2` owned by the Pyth receiver program; matched by feed id.
    PythPull,
    /// Legacy price account owned by the Pyth oracle program; matched by address.
    PythLegacy,
}

impl OracleKind {
    /// The kind stored as `raw`, or `None` for an undefined value.
    pub fn from_u8(raw: u8) -> Option<Self> {
        match raw {
            0 => Some(Self::PythPull),
            1 => Some(Self::PythLegacy),
            _ => None,
        }
    }
}

/// How one asset's price is read and validated. Stored inside configs.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Pod, Zeroable, AnchorSerialize, AnchorDeserialize)]
pub struct OracleConfig {
    /// PythPull: the 32-byte Pyth feed id. PythLegacy: the price account's address.
    pub feed: [u8; 32],
    /// unit: seconds. Maximum age of the publish time relative to the clock.
    pub max_age_secs: u32,
    /// unit: bps of price. Maximum confidence / price.
    pub max_conf_bps: u16,
    /// unit: bps of one confidence interval. k in price ∓ k·conf (10_000 = 1·conf).
    pub conf_k_bps: u16,
    /// `OracleKind` as u8.
    pub kind: u8,
    /// Always zero (checked by `validate`), so it can be given a meaning later.
    pub _padding: [u8; 7],
}

const _: () = assert!(core::mem::size_of::<OracleConfig>() == 48);
const _: () = assert!(core::mem::align_of::<OracleConfig>() == 4);

impl OracleConfig {
    /// A config with zeroed padding. Not validated: call [`Self::validate`].
    pub fn new(
        kind: OracleKind,
        feed: [u8; 32],
        max_age_secs: u32,
        max_conf_bps: u16,
        conf_k_bps: u16,
    ) -> Self {
        Self {
            feed,
            max_age_secs,
            max_conf_bps,
            conf_k_bps,
            kind: kind as u8,
            _padding: [0; 7],
        }
    }

    /// The stored kind, or `OracleConfigInvalid` for an undefined value.
    pub fn kind(&self) -> Result<OracleKind> {
        OracleKind::from_u8(self.kind).ok_or_else(|| error!(ErrorCode::OracleConfigInvalid))
    }

    /// Bounds every config must meet, at registration and on every read:
    /// - `kind` is a defined [`OracleKind`] and `_padding` is zero;
    /// - `max_age_secs` in `1..=MAX_AGE_SECS_LIMIT` (1 s – 1 h);
    /// - `max_conf_bps` in `1..=MAX_CONF_BPS_LIMIT` (0.01% – 20% of price);
    /// - `conf_k_bps` ≤ `MAX_CONF_K_BPS` (0 – 5·conf);
    /// - `max_conf_bps · conf_k_bps < 10_000²`, i.e. the widest accepted
    ///   band `k·conf` is strictly less than the price, so the low price of
    ///   any accepted reading stays positive (up to e12 rounding).
    pub fn validate(&self) -> Result<()> {
        self.kind()?;
        let bps_sq = BPS_DENOMINATOR.saturating_mul(BPS_DENOMINATOR);
        let band_bps_sq = u64::from(self.max_conf_bps).saturating_mul(u64::from(self.conf_k_bps));
        let ok = self._padding == [0; 7]
            && (1..=MAX_AGE_SECS_LIMIT).contains(&self.max_age_secs)
            && (1..=MAX_CONF_BPS_LIMIT).contains(&self.max_conf_bps)
            && self.conf_k_bps <= MAX_CONF_K_BPS
            && band_bps_sq < bps_sq;
        if !ok {
            msg!(
                "oracle config: max_age_secs {} (1..={}), max_conf_bps {} (1..={}), conf_k_bps {} (<={}, max_conf_bps*conf_k_bps < 1e8)",
                self.max_age_secs,
                MAX_AGE_SECS_LIMIT,
                self.max_conf_bps,
                MAX_CONF_BPS_LIMIT,
                self.conf_k_bps,
                MAX_CONF_K_BPS
            );
            return err!(ErrorCode::OracleConfigInvalid);
        }
        Ok(())
    }
}

/// A validated price.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OraclePrice {
    /// precision: e12 USD per whole unit. Always > 0.
    pub price_e12: u64,
    /// precision: e12 USD per whole unit.
    pub conf_e12: u64,
    /// precision: e12 USD per whole unit. The EMA price carried in the same
    /// update (0 when the update carries none, which no check accepts as near).
    pub ema_e12: u64,
    /// unit: unix seconds.
    pub publish_time: i64,
    /// unit: unix seconds. Publish time of the previous update of the feed.
    pub prev_publish_time: i64,
}

impl OraclePrice {
    /// precision: e12 USD. `k·conf` with `k = conf_k_bps / 10_000`, rounded
    /// up so the band is never narrower than stated. Cannot overflow:
    /// `u64 · u16 < 2^80`.
    fn band_ceil_e12(&self, conf_k_bps: u16) -> Result<u128> {
        let scaled = u128::from(self.conf_e12)
            .checked_mul(u128::from(conf_k_bps))
            .ok_or_else(|| error!(ErrorCode::OraclePriceOutOfRange))?;
        Ok(scaled.div_ceil(u128::from(BPS_DENOMINATOR)))
    }

    /// precision: e12 USD per whole unit. `price − k·conf` rounded down
    /// (the band is rounded up), for valuing assets conservatively.
    ///
    /// Errors with `OracleNonPositivePrice` if the result would be ≤ 0
    /// rather than returning 0: a zero spot is meaningless to option pricing
    /// (log-moneyness, division by spot), and a config that passed
    /// [`OracleConfig::validate`] keeps `k·conf` below the price of every
    /// accepted reading, so this only triggers at e12-rounding edge cases or
    /// for a `conf_k_bps` wider than the config's.
    pub fn low_e12(&self, conf_k_bps: u16) -> Result<u64> {
        let band = self.band_ceil_e12(conf_k_bps)?;
        let low = u128::from(self.price_e12)
            .checked_sub(band)
            .filter(|low| *low > 0)
            .ok_or_else(|| error!(ErrorCode::OracleNonPositivePrice))?;
        u64::try_from(low).map_err(|_| error!(ErrorCode::OraclePriceOutOfRange))
    }

    /// precision: e12 USD per whole unit. `price + k·conf` rounded up, for
    /// valuing liabilities conservatively. `OraclePriceOutOfRange` if above
    /// `u64::MAX`.
    pub fn high_e12(&self, conf_k_bps: u16) -> Result<u64> {
        let band = self.band_ceil_e12(conf_k_bps)?;
        let high = u128::from(self.price_e12)
            .checked_add(band)
            .ok_or_else(|| error!(ErrorCode::OraclePriceOutOfRange))?;
        u64::try_from(high).map_err(|_| error!(ErrorCode::OraclePriceOutOfRange))
    }

    /// This price with the spot replaced by the EMA where that is more
    /// conservative for `side`: the lower of spot and EMA for an asset's
    /// low price, the higher for a liability's high price. Risk-adding
    /// checks value collateral this way, so a caller who picks a spike
    /// among the updates of the last minute gains nothing by it.
    pub fn toward_ema(&self, side: PriceSide) -> Self {
        if self.ema_e12 == 0 {
            return *self;
        }
        let price_e12 = match side {
            PriceSide::Low => self.price_e12.min(self.ema_e12),
            PriceSide::High => self.price_e12.max(self.ema_e12),
        };
        Self { price_e12, ..*self }
    }

    /// Whether `|price − ema| ≤ ema · max_deviation_bps / 10_000` (exact).
    /// An update without an EMA is never near it.
    pub fn near_ema(&self, max_deviation_bps: u16) -> bool {
        self.ema_e12 != 0
            && u128::from(self.price_e12.abs_diff(self.ema_e12)) * u128::from(BPS_DENOMINATOR)
                <= u128::from(self.ema_e12) * u128::from(max_deviation_bps)
    }
}

/// Which conservative side of a price a value needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PriceSide {
    /// Assets: the lower price.
    Low,
    /// Liabilities: the higher price.
    High,
}

/// A Pyth price as published, read from either account kind, before any of
/// the policy checks shared by both kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawPrice {
    /// precision: 10^`expo` USD per whole unit. Signed as Pyth publishes it.
    pub price: i64,
    /// precision: 10^`expo` USD per whole unit.
    pub conf: u64,
    /// Decimal exponent of `price` and `conf`.
    pub expo: i32,
    /// unit: unix seconds. When the price was published.
    pub publish_time: i64,
    /// precision: 10^`expo` USD per whole unit. The EMA price of the same update.
    pub ema_price: i64,
    /// unit: unix seconds. Publish time of the feed's previous update (as
    /// signed into this one): settlement takes the update whose previous
    /// update was before expiry.
    pub prev_publish_time: i64,
}

impl RawPrice {
    /// The shared checks (age, sign, confidence, exponent) and normalisation
    /// to e12, in that order.
    pub fn check(&self, cfg: &OracleConfig, now_ts: i64) -> Result<OraclePrice> {
        // i128 holds the difference of any two i64: the check cannot fail.
        let age_secs = i128::from(now_ts)
            .checked_sub(i128::from(self.publish_time))
            .ok_or_else(|| error!(ErrorCode::OracleStale))?;
        if age_secs < -i128::from(MAX_FUTURE_SECS) || age_secs > i128::from(cfg.max_age_secs) {
            msg!(
                "oracle: publish_time {} now {} max_age_secs {}",
                self.publish_time,
                now_ts,
                cfg.max_age_secs
            );
            return err!(ErrorCode::OracleStale);
        }

        let price = u64::try_from(self.price)
            .ok()
            .filter(|p| *p > 0)
            .ok_or_else(|| error!(ErrorCode::OracleNonPositivePrice))?;

        // conf / price ≤ max_conf_bps / 10_000, cross-multiplied in u128
        // (each side < 2^78, so neither multiplication can fail). Price and
        // conf share the exponent, so it cancels.
        let conf_scaled = u128::from(self.conf)
            .checked_mul(u128::from(BPS_DENOMINATOR))
            .ok_or_else(|| error!(ErrorCode::OracleConfidenceTooWide))?;
        let limit_scaled = u128::from(price)
            .checked_mul(u128::from(cfg.max_conf_bps))
            .ok_or_else(|| error!(ErrorCode::OracleConfidenceTooWide))?;
        if conf_scaled > limit_scaled {
            msg!(
                "oracle: conf {} price {} max_conf_bps {}",
                self.conf,
                price,
                cfg.max_conf_bps
            );
            return err!(ErrorCode::OracleConfidenceTooWide);
        }

        let ema_e12 = if self.ema_price > 0 {
            normalize::price_to_e12(self.ema_price, self.expo)?
        } else {
            0
        };
        Ok(OraclePrice {
            price_e12: normalize::price_to_e12(self.price, self.expo)?,
            conf_e12: normalize::conf_to_e12_ceil(self.conf, self.expo)?,
            ema_e12,
            publish_time: self.publish_time,
            prev_publish_time: self.prev_publish_time,
        })
    }
}

/// Read and validate the price in `info` against `cfg` at clock time `now_ts`
/// (unit: unix seconds, normally `Clock::get()?.unix_timestamp`). See the
/// module docs for the validation order and errors.
pub fn read_price<A: AccountRead + ?Sized>(
    info: &A,
    cfg: &OracleConfig,
    now_ts: i64,
) -> Result<OraclePrice> {
    load_raw(info, cfg)?.check(cfg, now_ts)
}

/// [`read_price`] without the age check: every other check applies, and
/// the caller judges the publish time itself. Only settlement uses it, to
/// take the verified update published closest to expiry, however long ago.
pub fn read_price_unaged<A: AccountRead + ?Sized>(
    info: &A,
    cfg: &OracleConfig,
) -> Result<OraclePrice> {
    let raw = load_raw(info, cfg)?;
    raw.check(cfg, raw.publish_time)
}

fn load_raw<A: AccountRead + ?Sized>(info: &A, cfg: &OracleConfig) -> Result<RawPrice> {
    cfg.validate()?;
    match cfg.kind()? {
        OracleKind::PythPull => pull::load_raw(info, &cfg.feed),
        OracleKind::PythLegacy => legacy::load_raw(info, &cfg.feed),
    }
}
