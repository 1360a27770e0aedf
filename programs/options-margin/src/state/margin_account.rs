//! The margin account: a wallet's collateral balances and option positions.

use anchor_lang::prelude::*;

use crate::constants::{MAX_ACCOUNT_COLLATERALS, MAX_ACCOUNT_POSITIONS};
use crate::error::ErrorCode;

/// One collateral balance of a margin account. A slot is free when `mint`
/// is the default key. Slot [`SETTLEMENT_SLOT`] is reserved for the
/// settlement collateral, so there is always room to credit it.
#[zero_copy]
#[derive(Debug, Default, PartialEq, Eq)]
pub struct CollateralBalance {
    /// The collateral mint.
    pub mint: Pubkey,
    /// unit: token native. Only the settlement collateral may go negative
    /// (premium paid on credit); volatile collateral is always ≥ 0.
    pub balance_native: i64,
    /// unit: unix seconds. Newest oracle publish time this account has been
    /// valued at for this mint; an older update is refused (`OracleOutOfOrder`).
    pub last_publish_time: i64,
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
    /// Exchange index of the series' underlying (counts the account's width).
    pub underlying_index: u8,
    pub reserved: [u8; 7],
}

/// The collateral slot that always belongs to the settlement collateral.
pub const SETTLEMENT_SLOT: usize = 0;

/// A margin account at `["margin", exchange, owner, index]`.
#[account(zero_copy)]
#[derive(Debug)]
pub struct MarginAccount {
    /// Exchange the account belongs to. Offset 8.
    pub exchange: Pubkey,
    /// Wallet that owns the account. Offset 40; filter on it to list a wallet's accounts.
    pub owner: Pubkey,
    /// unit: unix seconds. Time of the last soft-tier call that took its full plan.
    pub last_soft_liquidation_ts: i64,
    /// Index among the owner's accounts (part of the seeds).
    pub account_index: u16,
    /// Canonical bump of this PDA.
    pub bump: u8,
    pub _padding: [u8; 5],
    /// Collateral balances; free slots have the default mint; slot 0 is the settlement's.
    pub collaterals: [CollateralBalance; MAX_ACCOUNT_COLLATERALS],
    /// Option positions; free slots have the default series.
    pub positions: [Position; MAX_ACCOUNT_POSITIONS],
    /// precision: bps. Ratio the last grace-starting soft call left the
    /// account at; the grace period ends early once the ratio falls below it.
    pub last_soft_ratio_bps: u64,
    /// unit: quote native. Settlement balance counted for loss
    /// socialisation (its positive part at the last deposit, withdrawal or
    /// checkpoint); see `options_margin_risk::socialized`.
    pub counted_settlement_native: i64,
    /// precision: e12. The exchange's loss index when `counted_settlement_native` was set.
    pub loss_index_snapshot_e12: u64,
    /// unit: quote native. Insurance share of the liquidation fees this
    /// account paid, not yet swept into the exchange's fund
    /// (`sweep_insurance`): liquidations never write the exchange.
    pub insurance_accrued_native: i64,
    /// unit: quote native. Socialised loss this account has paid (booked
    /// out of its balance by an instruction that does not write the
    /// settlement config, e.g. a trade), not yet netted against the
    /// config's `socialized_loss_native` (the next deposit, withdrawal,
    /// checkpoint or sweep does).
    pub loss_retired_native: i64,
    pub reserved: [u8; 472],
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
        let delta_abs = i64::try_from(delta_contracts.unsigned_abs()).map_err(|_| overflow())?;
        let size_abs = i64::try_from(size.unsigned_abs()).map_err(|_| overflow())?;
        let closed = delta_abs.min(size_abs);
        let remaining = size_abs - closed;
        // remaining ≤ size_abs, so the quotient's magnitude is ≤ |basis|.
        let remaining_basis = (i128::from(self.cost_basis_native) * i128::from(remaining)
            / i128::from(size_abs)) as i64;
        let closed_basis = self
            .cost_basis_native
            .checked_sub(remaining_basis)
            .ok_or_else(overflow)?;
        // Cash of the closing part: a sale brings in premium, a buy-back costs it.
        let close_cash = closed
            .checked_mul(premium_native)
            .and_then(|c| c.checked_mul(-delta_contracts.signum()))
            .ok_or_else(overflow)?;
        self.realized_pnl_native = self
            .realized_pnl_native
            .checked_add(close_cash.checked_sub(closed_basis).ok_or_else(overflow)?)
            .ok_or_else(overflow)?;
        self.cost_basis_native = remaining_basis;
        self.size_contracts = size.checked_add(delta_contracts).ok_or_else(overflow)?;
        let opened = delta_abs - closed;
        if opened > 0 {
            // The fill flipped the position: the excess opens at this premium.
            self.cost_basis_native = opened
                .checked_mul(premium_native)
                .and_then(|c| c.checked_mul(delta_contracts.signum()))
                .ok_or_else(overflow)?;
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

    /// Slot holding `mint`, claiming one when the account has none: the
    /// settlement collateral always lives in [`SETTLEMENT_SLOT`] (reserved,
    /// so crediting it can never fail), volatile mints in the others.
    pub fn collateral_slot_or_insert(
        &mut self,
        mint: &Pubkey,
        settlement_mint: &Pubkey,
    ) -> Result<usize> {
        if let Some(slot) = self.collateral_slot(mint) {
            return Ok(slot);
        }
        let slot = if mint == settlement_mint {
            require!(
                self.collaterals[SETTLEMENT_SLOT].mint == Pubkey::default(),
                ErrorCode::InvariantViolation
            );
            SETTLEMENT_SLOT
        } else {
            self.collaterals
                .iter()
                .enumerate()
                .skip(SETTLEMENT_SLOT + 1)
                .find(|(_, c)| c.mint == Pubkey::default())
                .map(|(slot, _)| slot)
                .ok_or_else(|| error!(ErrorCode::AccountCollateralsFull))?
        };
        self.collaterals[slot] = CollateralBalance {
            mint: *mint,
            ..Default::default()
        };
        Ok(slot)
    }

    /// unit: quote native. The settlement balance (0 when never credited).
    pub fn settlement_balance(&self, settlement_mint: &Pubkey) -> i64 {
        let c = &self.collaterals[SETTLEMENT_SLOT];
        if c.mint == *settlement_mint {
            c.balance_native
        } else {
            0
        }
    }

    /// Frees volatile collateral slots whose balance is zero, so they
    /// neither cost oracle accounts in margin checks nor block new mints.
    /// The settlement slot is never released.
    pub fn release_empty_collaterals(&mut self) {
        for c in self.collaterals.iter_mut().skip(SETTLEMENT_SLOT + 1) {
            if c.mint != Pubkey::default() && c.balance_native == 0 {
                *c = CollateralBalance::default();
            }
        }
    }

    /// Accounts a margin check of this account reads: two per volatile
    /// collateral slot in use, one per position, two per distinct
    /// underlying (see `health`). Bounded by `MAX_ACCOUNT_WIDTH`, so that
    /// every instruction on any account fits a transaction.
    pub fn width(&self) -> usize {
        let volatile = self
            .collaterals
            .iter()
            .skip(SETTLEMENT_SLOT + 1)
            .filter(|c| c.mint != Pubkey::default())
            .count();
        let mut underlyings = 0u32;
        let mut positions = 0usize;
        for p in self.active_positions() {
            positions += 1;
            underlyings |= 1 << (p.underlying_index as u32 % 32);
        }
        2 * volatile + positions + 2 * underlyings.count_ones() as usize
    }

    /// `AccountTooWide` unless [`Self::width`] is within `MAX_ACCOUNT_WIDTH`.
    pub fn require_within_width(&self) -> Result<()> {
        require!(
            self.width() <= crate::constants::MAX_ACCOUNT_WIDTH,
            ErrorCode::AccountTooWide
        );
        Ok(())
    }

    /// Slot holding a position in `series`, if any.
    pub fn position_slot(&self, series: &Pubkey) -> Option<usize> {
        self.positions.iter().position(|p| p.series == *series)
    }

    /// Slot holding `series`, claiming the first free one when there is none.
    pub fn position_slot_or_insert(
        &mut self,
        series: &Pubkey,
        underlying_index: u8,
    ) -> Result<usize> {
        if let Some(slot) = self.position_slot(series) {
            return Ok(slot);
        }
        let free = self
            .positions
            .iter()
            .position(|p| p.series == Pubkey::default())
            .ok_or_else(|| error!(ErrorCode::AccountPositionsFull))?;
        self.positions[free] = Position {
            series: *series,
            underlying_index,
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

    /// True when the account holds no balance, no position, nothing
    /// counted for loss socialisation and no unswept insurance accrual.
    pub fn is_empty(&self) -> bool {
        self.collaterals.iter().all(|c| c.balance_native == 0)
            && self.positions.iter().all(|p| p.size_contracts == 0)
            && self.counted_settlement_native == 0
            && self.insurance_accrued_native == 0
            && self.loss_retired_native == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 9, finding 10: `unsigned_abs() as i64` wrapped at `i64::MIN`.
    /// Every size and premium at the edge of i64 is an error, never a wrap.
    #[test]
    fn fills_at_the_edge_of_i64_fail_instead_of_wrapping() {
        let mut p = Position::default();
        assert!(p.apply_fill(i64::MIN, 1).is_err());
        assert_eq!(p, Position::default());
        let mut short = Position {
            size_contracts: -1,
            cost_basis_native: -5,
            ..Position::default()
        };
        // Buying back i64::MIN + … contracts: |delta| does not fit i64.
        assert!(short.apply_fill(i64::MIN, 0).is_err());
        let mut long = Position {
            size_contracts: i64::MAX,
            ..Position::default()
        };
        assert!(long.apply_fill(1, 0).is_err());
        let mut p = Position::default();
        assert!(p.apply_fill(2, i64::MAX).is_err());
        // Ordinary fills still add up exactly.
        let mut p = Position::default();
        assert_eq!(p.apply_fill(-3, 100), Ok(300));
        assert_eq!(p.apply_fill(5, 120), Ok(-600));
        assert_eq!((p.size_contracts, p.cost_basis_native), (2, 240));
        assert_eq!(p.realized_pnl_native, 300 - 360);
    }

    #[test]
    fn the_settlement_slot_is_reserved_and_never_released() {
        let mut a: MarginAccount = bytemuck::Zeroable::zeroed();
        let (usdc, sol) = (Pubkey::new_unique(), Pubkey::new_unique());
        assert_eq!(a.collateral_slot_or_insert(&sol, &usdc), Ok(1));
        assert_eq!(
            a.collateral_slot_or_insert(&usdc, &usdc),
            Ok(SETTLEMENT_SLOT)
        );
        a.release_empty_collaterals();
        assert_eq!(a.collaterals[SETTLEMENT_SLOT].mint, usdc);
        assert_eq!(a.collaterals[1].mint, Pubkey::default());
        for _ in 1..MAX_ACCOUNT_COLLATERALS {
            let m = Pubkey::new_unique();
            let slot = a.collateral_slot_or_insert(&m, &usdc).unwrap();
            a.collaterals[slot].balance_native = 1;
        }
        let full = a.collateral_slot_or_insert(&Pubkey::new_unique(), &usdc);
        assert!(full.is_err());
        assert_eq!(
            a.collateral_slot_or_insert(&usdc, &usdc),
            Ok(SETTLEMENT_SLOT)
        );
    }
}
