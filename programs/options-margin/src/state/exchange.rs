//! The exchange config: admin keys, pause switches and risk parameters.

use anchor_lang::prelude::*;
use bytemuck::{Pod, Zeroable};

use crate::constants::BPS;
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
/// `max_fraction_bps` of the target position may be closed per call.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Pod, Zeroable, AnchorSerialize, AnchorDeserialize)]
pub struct LiquidationTier {
    /// unit: bps of equity / maintenance margin (10_000 = 100%).
    pub below_ratio_bps: u32,
    /// unit: bps of the target position (10_000 = all of it).
    pub max_fraction_bps: u32,
}

/// Protocol-wide risk parameters. The layout has no padding, so the borsh
/// encoding of an instruction argument equals the stored bytes (which is
/// also why the IDL can describe it as a borsh type inside the zero-copy
/// `Exchange`).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Pod, Zeroable, AnchorSerialize, AnchorDeserialize)]
pub struct RiskParams {
    /// Liquidation tiers, strictly descending thresholds (defaults 105%, 102%, 100%).
    pub tiers: [LiquidationTier; 3],
    /// unit: bps of equity / MM. Ratio a liquidation restores (default 110%).
    pub target_ratio_bps: u32,
    /// unit: seconds. Wait between two soft-tier liquidations of one account.
    pub grace_period_secs: u32,
    /// unit: quote native. Flat part of the liquidation fee.
    pub fee_flat_native: u64,
    /// unit: bps of the maintenance margin released. Proportional part of the fee.
    pub fee_rate_bps: u16,
    /// unit: bps of each liquidation fee routed to the insurance fund.
    pub insurance_fee_share_bps: u16,
    /// unit: seconds. Maximum age of stored series risk vectors.
    pub max_risk_age_secs: u32,
    /// unit: bps of spot. Maximum move of the oracle price since a risk refresh.
    pub price_band_bps: u32,
    pub _padding: [u8; 4],
    /// unit: quote native. Balances below this can be written off in bankruptcy.
    pub dust_native: u64,
}

impl RiskParams {
    /// The defaults of the seed: tiers 105% / 102% / 100% closing up to
    /// 10% / 25% / 100%, a 110% target and a one-hour grace period.
    pub fn defaults() -> Self {
        Self {
            tiers: [
                LiquidationTier {
                    below_ratio_bps: 10_500,
                    max_fraction_bps: 1_000,
                },
                LiquidationTier {
                    below_ratio_bps: 10_200,
                    max_fraction_bps: 2_500,
                },
                LiquidationTier {
                    below_ratio_bps: 10_000,
                    max_fraction_bps: 10_000,
                },
            ],
            target_ratio_bps: 11_000,
            grace_period_secs: 3_600,
            fee_flat_native: 1_000_000,
            fee_rate_bps: 100,
            insurance_fee_share_bps: 2_000,
            max_risk_age_secs: 60,
            price_band_bps: 100,
            _padding: [0; 4],
            dust_native: 10_000,
        }
    }

    /// Bounds every admin-set value. Tiers strictly descending from at most
    /// 200% down to exactly 100%, fractions ascending and the last one 100%,
    /// the target above the first tier, and each knob within a sane range.
    pub fn validate(&self) -> Result<()> {
        let t = &self.tiers;
        let tiers_ok = t[0].below_ratio_bps <= 20_000
            && t[0].below_ratio_bps > t[1].below_ratio_bps
            && t[1].below_ratio_bps > t[2].below_ratio_bps
            && t[2].below_ratio_bps == BPS as u32
            && t[0].max_fraction_bps > 0
            && t[0].max_fraction_bps <= t[1].max_fraction_bps
            && t[1].max_fraction_bps <= t[2].max_fraction_bps
            && t[2].max_fraction_bps == BPS as u32;
        require!(tiers_ok, ErrorCode::InvalidRiskParams);
        require!(
            self.target_ratio_bps > t[0].below_ratio_bps && self.target_ratio_bps <= 30_000,
            ErrorCode::InvalidRiskParams
        );
        require!(
            self.grace_period_secs <= 86_400,
            ErrorCode::InvalidRiskParams
        );
        require!(
            self.fee_flat_native <= 1_000_000_000,
            ErrorCode::InvalidRiskParams
        );
        require!(self.fee_rate_bps <= 1_000, ErrorCode::InvalidRiskParams);
        require!(
            self.insurance_fee_share_bps as u64 <= BPS,
            ErrorCode::InvalidRiskParams
        );
        require!(
            (1..=3_600).contains(&self.max_risk_age_secs),
            ErrorCode::InvalidRiskParams
        );
        require!(
            (1..=2_000).contains(&self.price_band_bps),
            ErrorCode::InvalidRiskParams
        );
        require!(
            self.dust_native <= 1_000_000_000,
            ErrorCode::InvalidRiskParams
        );
        require!(self._padding == [0; 4], ErrorCode::InvalidRiskParams);
        Ok(())
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
    pub reserved: [u8; 504],
}

const _: () = assert!(core::mem::size_of::<Exchange>() == 32 * 5 + 64 + 8 + 8 + 504);
const _: () = assert!(core::mem::align_of::<Exchange>() == 8);

impl Exchange {
    /// Account size including the 8-byte discriminator.
    pub const SPACE: usize = 8 + core::mem::size_of::<Exchange>();

    /// Fails with `Paused` when any bit of `flag` is set.
    /// The liquidation parameters the risk crate's planner takes.
    pub fn liquidation_params(&self) -> options_margin_risk::planner::LiquidationParams {
        let tier = |t: &LiquidationTier| options_margin_risk::planner::Tier {
            below_ratio_bps: t.below_ratio_bps,
            max_fraction_bps: t.max_fraction_bps,
        };
        options_margin_risk::planner::LiquidationParams {
            tiers: [
                tier(&self.risk.tiers[0]),
                tier(&self.risk.tiers[1]),
                tier(&self.risk.tiers[2]),
            ],
            target_ratio_bps: self.risk.target_ratio_bps,
            fee_flat_native: self.risk.fee_flat_native,
            fee_rate_bps: self.risk.fee_rate_bps,
        }
    }

    pub fn require_not_paused(&self, flag: u8) -> Result<()> {
        require!(self.pause_flags & flag == 0, ErrorCode::Paused);
        Ok(())
    }
}
