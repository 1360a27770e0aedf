//! An underlying: its Pyth feed, scenario grid and volatility rules.

use anchor_lang::prelude::*;
use bytemuck::{Pod, Zeroable};
use options_margin_risk::ScenarioGrid;

use crate::oracle::OracleConfig;

/// The scenario grid as stored (same layout as the risk crate's
/// [`ScenarioGrid`], mirrored so the IDL can describe it).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Pod, Zeroable, AnchorSerialize, AnchorDeserialize)]
pub struct GridConfig {
    /// unit: bps of spot. Sorted ascending, contains 0; first `spot_count` used.
    pub spot_shocks_bps: [i32; 9],
    /// unit: bps relative change of volatility. Sorted, contains 0; first `vol_count` used.
    pub vol_shocks_bps: [i32; 3],
    /// unit: bps of spot. Scenarios with |spot shock| ≤ this count for MM; all count for IM.
    pub mm_spot_range_bps: u32,
    pub spot_count: u8,
    pub vol_count: u8,
    pub _padding: [u8; 2],
}

const _: () = assert!(core::mem::size_of::<GridConfig>() == core::mem::size_of::<ScenarioGrid>());
const _: () = assert!(core::mem::align_of::<GridConfig>() == core::mem::align_of::<ScenarioGrid>());

impl GridConfig {
    /// The risk crate's view of the same bytes.
    pub fn as_grid(&self) -> &ScenarioGrid {
        bytemuck::cast_ref(self)
    }

    pub fn from_grid(grid: &ScenarioGrid) -> Self {
        bytemuck::cast(*grid)
    }
}

/// An underlying at `["underlying", exchange, index]`.
#[account(zero_copy)]
#[derive(Debug)]
pub struct Underlying {
    /// Exchange it belongs to. Offset 8.
    pub exchange: Pubkey,
    /// Spot price feed.
    pub oracle: OracleConfig,
    /// Scenario grid every series of this underlying is repriced on.
    pub grid: GridConfig,
    /// precision: e6, annualised continuously compounded rate used in pricing.
    pub rate_e6: i64,
    /// unit: seconds. A volatility older than this is stale: risk-increasing
    /// instructions on the series fail, reduce-only ones still work.
    pub vol_max_age_secs: u32,
    /// Number of series created on this underlying.
    pub series_count: u32,
    /// unit: bps of spot notional per short contract. MM floor.
    pub short_floor_mm_bps: u16,
    /// unit: bps of spot notional per short contract. IM floor (≥ MM floor).
    pub short_floor_im_bps: u16,
    /// unit: bps of the previous volatility. Largest change per
    /// `vol_change_window_secs` (pro rata for shorter gaps between updates).
    pub max_vol_change_bps: u16,
    /// Index within the exchange (part of the seeds).
    pub index: u8,
    /// Canonical bump of this PDA.
    pub bump: u8,
    /// unit: seconds. The window `max_vol_change_bps` is measured over.
    pub vol_change_window_secs: u32,
    pub reserved: [u8; 124],
}

const _: () = assert!(core::mem::size_of::<Underlying>() == 32 + 48 + 56 + 8 + 8 + 8 + 128);
const _: () = assert!(core::mem::align_of::<Underlying>() == 8);

impl Underlying {
    /// Account size including the 8-byte discriminator.
    pub const SPACE: usize = 8 + core::mem::size_of::<Underlying>();
}
