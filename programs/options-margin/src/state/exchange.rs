//! The exchange config: admin keys, pause switches and risk parameters.

use anchor_lang::prelude::*;
use bytemuck::{Pod, Zeroable};

use crate::error::ErrorCode;

/// Pause switch: deposits refused.
pub const PAUSE_DEPOSITS: u8 = 1 << 0;
/// Pause switch: withdrawals refused.
pub const PAUSE_WITHDRAWALS: u8 = 1 << 1;
/// Pause switch: trades refused.
pub const PAUSE_TRADING: u8 = 1 << 2;
/// Pause switch: liquidations refused (emergency only).
pub const PAUSE_LIQUIDATIONS: u8 = 1 << 3;
/// Every defined pause bit.
pub const PAUSE_ALL: u8 = PAUSE_DEPOSITS | PAUSE_WITHDRAWALS | PAUSE_TRADING | PAUSE_LIQUIDATIONS;

/// One liquidation tier: below `below_ratio_bps` of equity / MM, up to
/// `max_fraction_bps` of the target may be closed per call. Mirrors
/// [`options_margin_risk::params::TierParams`] so the IDL can describe it.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Pod, Zeroable, AnchorSerialize, AnchorDeserialize)]
pub struct LiquidationTier {
    /// unit: bps of equity / maintenance margin (10_000 = 100%).
    pub below_ratio_bps: u32,
    /// unit: bps of the target position (10_000 = all of it).
    pub max_fraction_bps: u32,
}

/// Protocol-wide risk parameters: [`options_margin_risk::params::RiskParams`]
/// byte for byte (the risk crate owns the meaning, defaults and bounds of
/// every field; this mirror exists so the IDL can describe it). No padding,
/// so the borsh encoding of an instruction argument equals the stored bytes.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Pod, Zeroable, AnchorSerialize, AnchorDeserialize)]
pub struct RiskParams {
    /// Liquidation tiers, strictly descending thresholds (defaults 105%, 102%, 100%).
    pub tiers: [LiquidationTier; 3],
    /// unit: bps of equity / MM. Ratio a liquidation restores (default 110%).
    pub target_ratio_bps: u32,
    /// unit: seconds. Wait after a soft-tier call that took its full plan.
    pub grace_period_secs: u32,
    /// unit: quote native. Flat part of the liquidation fee.
    pub fee_flat_native: u64,
    /// unit: bps of the maintenance margin released. Proportional part of the fee.
    pub fee_rate_bps: u16,
    /// unit: bps of each liquidation fee accrued to the insurance fund.
    pub insurance_fee_share_bps: u16,
    /// unit: seconds. Maximum age of stored series risk vectors.
    pub max_risk_age_secs: u32,
    /// unit: bps of spot. Maximum move of the oracle price since a risk refresh.
    pub price_band_bps: u32,
    /// unit: bps of MM. The IM an account must meet is at least this share of its MM.
    pub im_floor_ratio_bps: u32,
    /// unit: quote native. Balances below this can be written off in bankruptcy.
    pub dust_native: u64,
    /// unit: bps of the mark. Premium band of a trade side that ends below IM.
    pub trade_band_bps: u16,
    /// unit: bps of the EMA. Risk-adding checks refuse underlying prices further away.
    pub max_ema_deviation_bps: u16,
    /// unit: seconds. Delay between proposing and applying a parameter change.
    pub param_delay_secs: u32,
    /// unit: bps of equity / MM. Below it a closeout closes whole
    /// candidates; above it (up to the last tier) it takes just enough.
    pub flatten_below_ratio_bps: u32,
    /// 0: a soft tier's fraction is a share of the account's MM; 1: of the candidate.
    pub soft_cap_basis: u8,
    pub _reserved: u8,
    /// unit: bps of the MM released. The fee rate ramps from `fee_rate_bps`
    /// at the first tier to this at 100% of MM.
    pub fee_rate_max_bps: u16,
}

const _: () = assert!(
    core::mem::size_of::<RiskParams>()
        == core::mem::size_of::<options_margin_risk::params::RiskParams>()
);

impl RiskParams {
    /// The risk crate's defaults ([`options_margin_risk::params::RiskParams::DEFAULT`]).
    pub fn defaults() -> Self {
        Self::from_risk(&options_margin_risk::params::RiskParams::DEFAULT)
    }

    /// The risk crate's view of the same bytes.
    pub fn as_risk(&self) -> &options_margin_risk::params::RiskParams {
        bytemuck::cast_ref(self)
    }

    pub fn from_risk(risk: &options_margin_risk::params::RiskParams) -> Self {
        bytemuck::cast(*risk)
    }

    /// The risk crate's bounds; the log names the one violated.
    pub fn validate(&self) -> Result<()> {
        self.as_risk().validate().map_err(|e| {
            msg!("risk params: {:?} out of bounds", e);
            error!(ErrorCode::InvalidRiskParams)
        })
    }
}

/// The exchange: one per deployment, at `["exchange", creator]`. Every other
/// account stores the exchange it belongs to and is checked against it, so
/// an exchange that somebody else created is never accepted in its place.
#[account(zero_copy)]
#[derive(Debug)]
pub struct Exchange {
    /// Key allowed to change parameters and register assets. Offset 8.
    pub admin: Pubkey,
    /// Proposed next admin; becomes admin when it signs `accept_admin`.
    pub pending_admin: Pubkey,
    /// The key that created the exchange; part of its seeds.
    pub creator: Pubkey,
    /// Key allowed to set volatilities (not the admin key).
    pub vol_authority: Pubkey,
    /// Mint of the settlement collateral (`Pubkey::default()` until registered).
    pub settlement_mint: Pubkey,
    /// Liquidation and freshness parameters.
    pub risk: RiskParams,
    /// Canonical bump of this PDA.
    pub bump: u8,
    /// Canonical bump of the vault authority PDA.
    pub vault_authority_bump: u8,
    /// Bit set of `PAUSE_*`.
    pub pause_flags: u8,
    /// Number of registered collateral mints.
    pub collateral_count: u8,
    /// Number of registered underlyings.
    pub underlying_count: u8,
    pub _padding: [u8; 3],
    /// unit: quote native. The insurance fund, held in the settlement vault
    /// beside the account balances (the settlement collateral's total is
    /// Σ balances + insurance). Funded by a share of every liquidation fee
    /// and by `deposit_insurance`; spent by `resolve_bankruptcy`.
    pub insurance_native: i64,
    /// precision: e12 quote native per counted native. Cumulative loss
    /// socialised per unit of counted settlement balance
    /// (`options_margin_risk::socialized`); read by every margin check.
    pub loss_index_e12: u64,
    /// Risk parameters proposed by the admin, applicable from `pending_risk_apply_ts`.
    pub pending_risk: RiskParams,
    /// unit: unix seconds. When `pending_risk` may be applied (0: none pending).
    pub pending_risk_apply_ts: i64,
    pub reserved: [u8; 392],
}

const _: () = assert!(core::mem::size_of::<Exchange>() == 32 * 5 + 80 + 8 + 8 + 8 + 80 + 8 + 392);
const _: () = assert!(core::mem::align_of::<Exchange>() == 8);

impl Exchange {
    /// Account size including the 8-byte discriminator.
    pub const SPACE: usize = 8 + core::mem::size_of::<Exchange>();

    /// The liquidation parameters the risk crate's planner takes.
    pub fn liquidation_params(&self) -> options_margin_risk::planner::LiquidationParams {
        self.risk.as_risk().liquidation()
    }

    /// Fails with `Paused` when any bit of `flag` is set.
    pub fn require_not_paused(&self, flag: u8) -> Result<()> {
        require!(self.pause_flags & flag == 0, ErrorCode::Paused);
        Ok(())
    }
}
