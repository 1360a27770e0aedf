//! Fee accounting of one `partial_liquidate` call, from the vault margin
//! account's holdings before and after it.
//!
//! options-margin credits the liquidator's settlement balance with the
//! slice's cash *and* the fee (less the insurance share), and its event is
//! not visible to a calling program. The slice's cash is fixed by the
//! transfer rule of options-margin: a long slice moves at the series mark,
//! a short one at mark + 1 (quote native per contract), so
//!
//! `fee_net = Δsettlement − cash`, `cash = −Δsize × price`,
//!
//! where Δsize is the change of the vault's position in the one series that
//! changed. This is exact; a collateral candidate (whose proceeds depend on
//! the liquidated account's oracle-priced balance) is refused instead.

use anchor_lang::prelude::*;
use options_margin::state::MarginAccount;

use crate::error::VaultError;

/// What a liquidation call can change in the vault's margin account.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Holdings {
    /// unit: quote native.
    pub settlement_native: i64,
    /// `(series, size_contracts)` of every position in use.
    pub positions: Vec<(Pubkey, i64)>,
    /// `(mint, balance_native)` of every non-settlement collateral in use.
    pub collaterals: Vec<(Pubkey, i64)>,
}

impl Holdings {
    pub fn of(account: &MarginAccount, settlement_mint: &Pubkey) -> Self {
        let mut out = Self::default();
        for c in account.active_collaterals() {
            if c.mint == *settlement_mint {
                out.settlement_native = c.balance_native;
            } else {
                out.collaterals.push((c.mint, c.balance_native));
            }
        }
        out.positions = account
            .active_positions()
            .map(|p| (p.series, p.size_contracts))
            .collect();
        out
    }

    fn size_of(&self, series: &Pubkey) -> i64 {
        lookup(&self.positions, series)
    }
}

fn lookup(entries: &[(Pubkey, i64)], key: &Pubkey) -> i64 {
    entries
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| *v)
        .unwrap_or(0)
}

/// The slice the vault took over in one call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Taken {
    pub series: Pubkey,
    /// unit: contracts, + the vault received a long slice, − a short one.
    pub size_delta: i64,
}

/// The one position that changed between `before` and `after`. Refuses a
/// change of any non-settlement collateral, and zero or several changed
/// positions.
pub fn taken_slice(before: &Holdings, after: &Holdings) -> Result<Taken> {
    let collateral_changed = before
        .collaterals
        .iter()
        .chain(&after.collaterals)
        .any(|(mint, _)| lookup(&before.collaterals, mint) != lookup(&after.collaterals, mint));
    require!(
        !collateral_changed,
        VaultError::CollateralLiquidationUnsupported
    );
    let mut changed = before
        .positions
        .iter()
        .chain(&after.positions)
        .map(|(series, _)| *series)
        .filter(|s| before.size_of(s) != after.size_of(s));
    let series = changed
        .next()
        .ok_or_else(|| error!(VaultError::UnexpectedPositionChange))?;
    // A series that changed appears once in `before` and once in `after`.
    require!(
        changed.all(|s| s == series),
        VaultError::UnexpectedPositionChange
    );
    Ok(Taken {
        series,
        size_delta: after.size_of(&series) - before.size_of(&series),
    })
}

/// unit: quote native. The fee the vault received in one call (net of the
/// insurance share), given the series mark (quote native per contract).
pub fn net_fee_native(
    before: &Holdings,
    after: &Holdings,
    taken: &Taken,
    mark_native: i64,
) -> Result<u64> {
    let overflow = || error!(VaultError::MathOverflow);
    let price = if taken.size_delta > 0 {
        mark_native
    } else {
        mark_native.checked_add(1).ok_or_else(overflow)?
    };
    let cash = taken
        .size_delta
        .checked_mul(price)
        .and_then(i64::checked_neg)
        .ok_or_else(overflow)?;
    let fee = after
        .settlement_native
        .checked_sub(before.settlement_native)
        .and_then(|d| d.checked_sub(cash))
        .ok_or_else(overflow)?;
    u64::try_from(fee).map_err(|_| error!(VaultError::NegativeFee))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn holdings(settlement: i64, positions: &[(Pubkey, i64)]) -> Holdings {
        Holdings {
            settlement_native: settlement,
            positions: positions.to_vec(),
            collaterals: Vec::new(),
        }
    }

    #[test]
    fn a_short_slice_moves_at_mark_plus_one() {
        let s = Pubkey::new_unique();
        let before = holdings(1_000, &[]);
        // 3 short contracts at mark 100 + 1, plus a fee of 7.
        let after = holdings(1_000 + 3 * 101 + 7, &[(s, -3)]);
        let taken = taken_slice(&before, &after).unwrap();
        assert_eq!(
            taken,
            Taken {
                series: s,
                size_delta: -3
            }
        );
        assert_eq!(net_fee_native(&before, &after, &taken, 100).unwrap(), 7);
    }

    #[test]
    fn a_long_slice_moves_at_mark_and_netting_to_zero_counts() {
        let s = Pubkey::new_unique();
        let other = Pubkey::new_unique();
        // The vault held −2; receiving +2 long releases the slot.
        let before = holdings(5_000, &[(other, 4), (s, -2)]);
        let after = holdings(5_000 - 2 * 100 + 9, &[(other, 4)]);
        let taken = taken_slice(&before, &after).unwrap();
        assert_eq!(
            taken,
            Taken {
                series: s,
                size_delta: 2
            }
        );
        assert_eq!(net_fee_native(&before, &after, &taken, 100).unwrap(), 9);
    }

    #[test]
    fn collateral_and_ambiguous_changes_are_refused() {
        let s = Pubkey::new_unique();
        let mint = Pubkey::new_unique();
        let mut before = holdings(0, &[]);
        let mut after = holdings(0, &[]);
        after.collaterals.push((mint, 5));
        assert!(taken_slice(&before, &after).is_err());
        after.collaterals.clear();
        assert!(taken_slice(&before, &after).is_err(), "nothing changed");
        before.positions.push((s, 1));
        after.positions.push((s, 2));
        after.positions.push((Pubkey::new_unique(), 1));
        assert!(taken_slice(&before, &after).is_err(), "two changed");
    }

    #[test]
    fn a_negative_fee_is_an_error() {
        let s = Pubkey::new_unique();
        let before = holdings(1_000, &[]);
        let after = holdings(1_000 + 100, &[(s, -1)]);
        let taken = taken_slice(&before, &after).unwrap();
        assert!(net_fee_native(&before, &after, &taken, 100).is_err());
    }
}
