//! An option series and its stored risk vectors.

use anchor_lang::prelude::*;
use options_margin_risk::SeriesRisk;

/// The per-contract risk of a series as stored (same layout as the risk
/// crate's [`SeriesRisk`], mirrored so the IDL can describe it). Written only
/// by `refresh_series_risk` and `settle_series`.
#[zero_copy]
#[derive(Debug, PartialEq, Eq)]
pub struct StoredSeriesRisk {
    /// precision: e12 USD per whole underlying unit. Spot the vectors were computed at.
    pub spot_ref_e12: u64,
    /// unit: unix seconds. Oracle publish time the vectors were computed at.
    pub computed_at_ts: i64,
    /// unit: quote native per contract, floor.
    pub mark_native: i64,
    /// unit: quote native per contract, floor. Index `spot_i * 3 + vol_j`.
    pub scenario_values_native: [i64; 27],
    /// precision: e9 underlying units per contract.
    pub delta_e9: i64,
    /// precision: e9 underlying units per contract per 1% spot move.
    pub gamma_e9: i64,
    /// unit: quote native per contract per volatility point.
    pub vega_native: i64,
    /// unit: quote native per contract per day.
    pub theta_native: i64,
    /// unit: quote native per short contract.
    pub short_floor_mm_native: i64,
    /// unit: quote native per short contract.
    pub short_floor_im_native: i64,
    /// precision: e6. Volatility the vectors were computed at.
    pub vol_ref_e6: u32,
    /// Bit 1: computed from a settlement price.
    pub flags: u32,
}

const _: () =
    assert!(core::mem::size_of::<StoredSeriesRisk>() == core::mem::size_of::<SeriesRisk>());
const _: () =
    assert!(core::mem::align_of::<StoredSeriesRisk>() == core::mem::align_of::<SeriesRisk>());

impl StoredSeriesRisk {
    /// The risk crate's view of the same bytes.
    pub fn as_risk(&self) -> &SeriesRisk {
        bytemuck::cast_ref(self)
    }

    pub fn from_risk(risk: &SeriesRisk) -> Self {
        bytemuck::cast(*risk)
    }
}

/// An option series at `["series", underlying, kind, strike_e12 LE, expiry LE]`,
/// so the same series can't be created twice.
#[account(zero_copy)]
#[derive(Debug)]
pub struct Series {
    /// Exchange it belongs to. Offset 8.
    pub exchange: Pubkey,
    /// Underlying it is written on. Offset 40.
    pub underlying: Pubkey,
    /// precision: e12 USD per whole underlying unit.
    pub strike_e12: u64,
    /// unit: unix seconds. European expiry.
    pub expiry_ts: i64,
    /// precision: e6 whole underlying units per contract.
    pub contract_size_e6: u64,
    /// unit: contracts. Trades and liquidations move whole lots.
    pub lot_size_contracts: u64,
    /// unit: unix seconds. When the volatility was last set.
    pub vol_updated_ts: i64,
    /// unit: contracts. Open interest; long always equals short.
    pub open_interest_contracts: u64,
    /// precision: e12 USD. Settlement price (0 until settled).
    pub settlement_price_e12: u64,
    /// unit: unix seconds. Publish time of the settlement price.
    pub settlement_publish_ts: i64,
    /// precision: e6 (1.0 = 100%). Current volatility (0 until first set).
    pub vol_e6: u32,
    /// 1 for a call, 0 for a put.
    pub is_call: u8,
    /// 1 once `settle_series` recorded the settlement price.
    pub settled: u8,
    /// Canonical bump of this PDA.
    pub bump: u8,
    /// Exchange index of the underlying (positions record it to count width).
    pub underlying_index: u8,
    /// Risk vectors from the last refresh (or the settlement).
    pub risk: StoredSeriesRisk,
    /// unit: unix seconds. Clock time the settlement price was recorded.
    pub settlement_recorded_ts: i64,
    pub reserved: [u8; 120],
}

const _: () = assert!(core::mem::size_of::<Series>() == 64 + 64 + 8 + 296 + 128);
const _: () = assert!(core::mem::align_of::<Series>() == 8);

impl Series {
    /// Account size including the 8-byte discriminator.
    pub const SPACE: usize = 8 + core::mem::size_of::<Series>();

    pub fn is_call(&self) -> bool {
        self.is_call == 1
    }

    /// The risk crate's static terms of this series on `underlying`.
    pub fn params(
        &self,
        underlying: &super::Underlying,
    ) -> options_margin_risk::series::SeriesParams {
        options_margin_risk::series::SeriesParams {
            is_call: self.is_call(),
            strike_e12: self.strike_e12,
            expiry_ts: self.expiry_ts,
            contract_size_e6: self.contract_size_e6,
            short_floor_mm_bps: underlying.short_floor_mm_bps,
            short_floor_im_bps: underlying.short_floor_im_bps,
        }
    }
}
