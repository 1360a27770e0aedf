//! The margin account: a wallet's collateral balances and option positions.

use anchor_lang::prelude::*;

use crate::constants::{MAX_ACCOUNT_COLLATERALS, MAX_ACCOUNT_POSITIONS};
use crate::error::ErrorCode;

/// One collateral balance of a margin account. A slot is free when `mint`
/// is the default key.
#[zero_copy]
#[derive(Debug, Default, PartialEq, Eq)]
pub struct CollateralBalance {
    /// The collateral mint.
    pub mint: Pubkey,
    /// unit: token native. Only the settlement collateral may go negative
    /// (premium paid on credit); volatile collateral is always ≥ 0.
    pub balance_native: i64,
    pub reserved: [u8; 8],
}

/// One option position. A slot is free when `series` is the default key.
#[zero_copy]
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Position {
    /// The option series account.
    pub series: Pubkey,
    /// unit: contracts. Positive long, negative short.
    pub size_contracts: i64,
    /// unit: quote native. Premium paid to open (+) or received (−), net of
    /// reductions at average cost.
    pub cost_basis_native: i64,
    /// unit: quote native. P&L realised by reductions and settlement.
    pub realized_pnl_native: i64,
    pub reserved: [u8; 8],
}

/// Flag: the account was found bankrupt and awaits `resolve_bankruptcy`.
pub const ACCOUNT_FLAG_BANKRUPT: u8 = 1 << 0;

/// A margin account at `["margin", exchange, owner, index]`.
#[account(zero_copy)]
#[derive(Debug)]
pub struct MarginAccount {
    /// Exchange the account belongs to. Offset 8.
    pub exchange: Pubkey,
    /// Wallet that owns the account. Offset 40; filter on it to list a wallet's accounts.
    pub owner: Pubkey,
    /// unit: unix seconds. Time of the last soft-tier (1 or 2) liquidation.
    pub last_soft_liquidation_ts: i64,
    /// Index among the owner's accounts (part of the seeds).
    pub account_index: u16,
    /// Canonical bump of this PDA.
    pub bump: u8,
    /// Bit set of `ACCOUNT_FLAG_*`.
    pub flags: u8,
    pub _padding: [u8; 4],
    /// Collateral balances; free slots have the default mint.
    pub collaterals: [CollateralBalance; MAX_ACCOUNT_COLLATERALS],
    /// Option positions; free slots have the default series.
    pub positions: [Position; MAX_ACCOUNT_POSITIONS],
    pub reserved: [u8; 512],
}

const _: () = assert!(
    core::mem::size_of::<MarginAccount>()
        == 80 + 48 * MAX_ACCOUNT_COLLATERALS + 64 * MAX_ACCOUNT_POSITIONS + 512
);
const _: () = assert!(core::mem::align_of::<MarginAccount>() == 8);

impl Position {
    /// Applies a fill of `delta_contracts` (+ buy, − sell) at
    /// `premium_native` per contract, keeping the average cost basis of what
    /// stays open and realising P&L on what closes. Returns the cash flow to
    /// the account (−delta × premium). Exact integer math: the closed share
    /// of the basis is `basis − basis × remaining / size` (remaining basis
    /// rounded towards zero), so basis and realised P&L always add up.
    pub fn apply_fill(&mut self, delta_contracts: i64, premium_native: i64) -> Result<i64> {
        let overflow = || error!(ErrorCode::MathOverflow);
        let cash = delta_contracts
            .checked_mul(premium_native)
            .and_then(i64::checked_neg)
            .ok_or_else(overflow)?;
        let size = self.size_contracts;
        if size == 0 || (size > 0) == (delta_contracts > 0) {
            self.size_contracts = size.checked_add(delta_contracts).ok_or_else(overflow)?;
            self.cost_basis_native = self
                .cost_basis_native
                .checked_sub(cash)
                .ok_or_else(overflow)?;
            return Ok(cash);
        }
        let closed = delta_contracts.unsigned_abs().min(size.unsigned_abs()) as i64;
        let remaining = size.unsigned_abs() as i64 - closed;
        let remaining_basis = (self.cost_basis_native as i128 * remaining as i128
            / size.unsigned_abs() as i128) as i64;
        let closed_basis = self.cost_basis_native - remaining_basis;
        // Cash of the closing part: a sale brings in premium, a buy-back costs it.
        let close_cash =
            closed.checked_mul(premium_native).ok_or_else(overflow)? * -delta_contracts.signum();
        self.realized_pnl_native = self
            .realized_pnl_native
            .checked_add(close_cash.checked_sub(closed_basis).ok_or_else(overflow)?)
            .ok_or_else(overflow)?;
        self.cost_basis_native = remaining_basis;
        self.size_contracts = size.checked_add(delta_contracts).ok_or_else(overflow)?;
        let opened = delta_contracts.unsigned_abs() as i64 - closed;
        if opened > 0 {
            // The fill flipped the position: the excess opens at this premium.
            self.cost_basis_native =
                opened.checked_mul(premium_native).ok_or_else(overflow)? * delta_contracts.signum();
        }
        Ok(cash)
    }
}

impl MarginAccount {
    /// Account size including the 8-byte discriminator.
    pub const SPACE: usize = 8 + core::mem::size_of::<MarginAccount>();

    /// Slot holding `mint`, if any.
    pub fn collateral_slot(&self, mint: &Pubkey) -> Option<usize> {
        self.collaterals.iter().position(|c| c.mint == *mint)
    }

    /// Slot holding `mint`, claiming a free one when the account has none.
    pub fn collateral_slot_or_insert(&mut self, mint: &Pubkey) -> Result<usize> {
        if let Some(slot) = self.collateral_slot(mint) {
            return Ok(slot);
        }
        let free = self
            .collaterals
            .iter()
            .position(|c| c.mint == Pubkey::default())
            .ok_or(error!(ErrorCode::AccountCollateralsFull))?;
        self.collaterals[free] = CollateralBalance {
            mint: *mint,
            ..Default::default()
        };
        Ok(free)
    }

    /// Frees collateral slots whose balance is zero, so they neither cost
    /// oracle accounts in margin checks nor block new mints.
    pub fn release_empty_collaterals(&mut self) {
        for c in self.collaterals.iter_mut() {
            if c.mint != Pubkey::default() && c.balance_native == 0 {
                *c = CollateralBalance::default();
            }
        }
    }

    /// Slot holding a position in `series`, if any.
    pub fn position_slot(&self, series: &Pubkey) -> Option<usize> {
        self.positions.iter().position(|p| p.series == *series)
    }

    /// Slot holding `series`, claiming the first free one when there is none.
    pub fn position_slot_or_insert(&mut self, series: &Pubkey) -> Result<usize> {
        if let Some(slot) = self.position_slot(series) {
            return Ok(slot);
        }
        let free = self
            .positions
            .iter()
            .position(|p| p.series == Pubkey::default())
            .ok_or(error!(ErrorCode::AccountPositionsFull))?;
        self.positions[free] = Position {
            series: *series,
            ..Default::default()
        };
        Ok(free)
    }

    /// Frees position slots whose size is zero. Realised P&L of a closed
    /// position lives on in events, not in the slot.
    pub fn release_empty_positions(&mut self) {
        for p in self.positions.iter_mut() {
            if p.series != Pubkey::default() && p.size_contracts == 0 {
                *p = Position::default();
            }
        }
    }

    /// Collateral slots in use, in slot order.
    pub fn active_collaterals(&self) -> impl Iterator<Item = &CollateralBalance> {
        self.collaterals
            .iter()
            .filter(|c| c.mint != Pubkey::default())
    }

    /// Positions in use, in slot order.
    pub fn active_positions(&self) -> impl Iterator<Item = &Position> {
        self.positions
            .iter()
            .filter(|p| p.series != Pubkey::default())
    }

    /// True when the account holds no balance and no position.
    pub fn is_empty(&self) -> bool {
        self.collaterals.iter().all(|c| c.balance_native == 0)
            && self.positions.iter().all(|p| p.size_contracts == 0)
    }
}
