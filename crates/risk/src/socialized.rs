//! Socialised losses, charged to the settlement balances that existed when
//! the loss happened.
//!
//! When insurance cannot cover a bankrupt account's deficit `L`, the loss
//! is spread over the **counted** settlement balances: each margin account
//! records `counted` (its positive settlement balance when it last
//! deposited, withdrew or was checkpointed) and the exchange keeps their
//! sum. The loss raises a cumulative index by
//! `ΔI = ⌈L · 10^12 / Σ counted⌉` (capped at 100%), and each account owes
//! `⌈counted · (I − I_snapshot) / 10^12⌉`, its exact share, rounded against
//! it. Every margin check subtracts what an account owes from its equity;
//! a deposit, a withdrawal or the permissionless checkpoint books it and
//! resets the snapshot. A deposit made after a loss starts at the current
//! index, so a new depositor gets back exactly what it deposited; nobody
//! recovers a loss by waiting for new money.
//!
//! Rounding up charges the accounts at least `L` in total; the program
//! credits any excess to the insurance fund, so the books balance exactly.

use crate::error::{RiskError, RiskResult};
use crate::num::to_i64;

/// precision: the loss index is e12 quote native per quote native counted.
pub const LOSS_INDEX_SCALE: u128 = 1_000_000_000_000;

/// precision: e12 per counted native, ceil. The index increment of a loss
/// of `loss_native` over `counted_total_native`, capped at 100% (a loss
/// beyond every counted balance leaves the excess unassigned). 0 when
/// nothing is counted.
pub fn loss_index_increment_ceil(loss_native: i64, counted_total_native: i64) -> RiskResult<u64> {
    if loss_native <= 0 || counted_total_native <= 0 {
        return Ok(0);
    }
    let num = (loss_native as u128)
        .checked_mul(LOSS_INDEX_SCALE)
        .ok_or(RiskError::MathOverflow)?;
    let inc = num
        .div_ceil(counted_total_native as u128)
        .min(LOSS_INDEX_SCALE);
    u64::try_from(inc).map_err(|_| RiskError::MathOverflow)
}

/// unit: quote native, ceil. What an account with `counted_native` counted
/// at index `snapshot` owes at index `now`.
pub fn pending_loss_ceil(counted_native: i64, index_now: u64, snapshot: u64) -> RiskResult<i64> {
    if counted_native <= 0 || index_now <= snapshot {
        return Ok(0);
    }
    let num = (counted_native as u128)
        .checked_mul(u128::from(index_now - snapshot))
        .ok_or(RiskError::MathOverflow)?;
    to_i64(num.div_ceil(LOSS_INDEX_SCALE) as i128)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_add_up_to_at_least_the_loss() {
        let counted = [333_333i64, 333_333, 333_334, 7];
        let total: i64 = counted.iter().sum();
        let loss = 1_000i64;
        let inc = loss_index_increment_ceil(loss, total).unwrap();
        let owed: i64 = counted
            .iter()
            .map(|c| pending_loss_ceil(*c, inc, 0).unwrap())
            .sum();
        assert!(owed >= loss);
        assert!(owed <= loss + counted.len() as i64 + 1);
    }

    #[test]
    fn a_later_snapshot_owes_nothing_and_the_cap_holds() {
        assert_eq!(pending_loss_ceil(1_000, 5, 5), Ok(0));
        assert_eq!(pending_loss_ceil(0, 5, 0), Ok(0));
        assert_eq!(
            loss_index_increment_ceil(10, 5),
            Ok(LOSS_INDEX_SCALE as u64)
        );
        assert_eq!(loss_index_increment_ceil(10, 0), Ok(0));
        assert_eq!(pending_loss_ceil(5, LOSS_INDEX_SCALE as u64, 0), Ok(5));
    }
}
