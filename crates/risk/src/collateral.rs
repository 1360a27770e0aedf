//! Collateral valuation and haircuts.
//!
//! A collateral balance is worth `balance · price / 10^(decimals + 6)` quote
//! native (prices are e12 USD per whole token, quote native is 1e-6 USD).
//! Assets are valued at the low oracle price (`price − k·conf`) and rounded
//! down; liabilities (negative balances) at the high price and rounded away
//! from zero, so both roundings favour the protocol. The settlement
//! collateral *is* the unit of account: it is worth its balance, its weights
//! are 10_000 by definition and it carries no haircut.
//!
//! Haircuts are what volatile collateral adds to the margin requirement:
//! `value · (1 − weight)`, rounded up, with the maintenance weight for MM and
//! the (lower) initial weight for IM, so IM ≥ MM.

use crate::error::{RiskError, RiskResult};
use crate::num::{div_ceil, div_floor, SafeMath};
use crate::wide::{mul_u64_wide, udivrem_u128_u64};

/// unit: bps. 1.0 in basis points.
pub(crate) const BPS: i128 = crate::types::BPS as i128;
/// Largest accepted token decimals (keeps `10^(decimals + 6)` far from overflow).
pub const MAX_COLLATERAL_DECIMALS: u8 = 18;
/// Decimals the settlement collateral must have (quote native = 1e-6 USD).
pub const SETTLEMENT_DECIMALS: u8 = 6;
/// precision: e12. Oracle price of the settlement collateral (1 USD).
pub const SETTLEMENT_PRICE_E12: u64 = 1_000_000_000_000;

/// One collateral balance of an account with the oracle prices it is valued at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CollateralInput {
    /// unit: token native. Only the settlement collateral is expected to be
    /// negative (borrowed); a negative volatile balance is valued as a
    /// liability at `price_high_e12`.
    pub balance_native: i64,
    /// Token decimals (≤ [`MAX_COLLATERAL_DECIMALS`]; 6 for the settlement collateral).
    pub decimals: u8,
    /// precision: e12 USD per whole token. `price − k·conf`; values assets.
    pub price_low_e12: u64,
    /// precision: e12 USD per whole token. `price + k·conf`; values liabilities.
    pub price_high_e12: u64,
    /// precision: bps. Asset weight for initial margin (≤ `maint_weight_bps`).
    pub init_weight_bps: u16,
    /// precision: bps. Asset weight for maintenance margin (≤ 10_000).
    pub maint_weight_bps: u16,
    /// The settlement (quote) collateral: valued at face, never haircut,
    /// never a liquidation candidate. At most one per account.
    pub is_settlement: bool,
}

impl CollateralInput {
    /// A settlement (USDC) balance of `balance_native` quote native.
    pub const fn settlement(balance_native: i64) -> Self {
        Self {
            balance_native,
            decimals: SETTLEMENT_DECIMALS,
            price_low_e12: SETTLEMENT_PRICE_E12,
            price_high_e12: SETTLEMENT_PRICE_E12,
            init_weight_bps: BPS as u16,
            maint_weight_bps: BPS as u16,
            is_settlement: true,
        }
    }

    /// `InvalidInput` unless decimals are in range, `low ≤ high`,
    /// `init ≤ maint ≤ 10_000`, and a settlement entry has 6 decimals.
    pub fn validate(&self) -> RiskResult<()> {
        let ok = self.decimals <= MAX_COLLATERAL_DECIMALS
            && self.price_low_e12 <= self.price_high_e12
            && self.init_weight_bps <= self.maint_weight_bps
            && i128::from(self.maint_weight_bps) <= BPS
            && (!self.is_settlement || self.decimals == SETTLEMENT_DECIMALS);
        if ok {
            Ok(())
        } else {
            Err(RiskError::InvalidInput)
        }
    }

    /// unit: quote native. Value of `amount_native` tokens of this
    /// collateral: assets at the low price rounded down, liabilities at the
    /// high price rounded towards −∞ (a larger liability).
    pub fn value_of_floor(&self, amount_native: i128) -> RiskResult<i128> {
        if self.is_settlement {
            return Ok(amount_native);
        }
        let price = if amount_native >= 0 {
            self.price_low_e12
        } else {
            self.price_high_e12
        };
        let scale = pow10(u32::from(self.decimals) + 6)?;
        let n = match i64::try_from(amount_native) {
            // |amount| ≤ 2^63 and price < 2^64: the product is below 2^127,
            // exact (the checked multiply cannot fail).
            Ok(a) => {
                let m = mul_u64_wide(a.unsigned_abs(), price) as i128;
                if a < 0 {
                    -m
                } else {
                    m
                }
            }
            Err(_) => amount_native
                .checked_mul(i128::from(price))
                .ok_or(RiskError::MathOverflow)?,
        };
        Ok(div_floor_fast(n, scale))
    }

    /// unit: quote native. Value of the whole balance (see [`Self::value_of_floor`]).
    pub fn value_floor(&self) -> RiskResult<i128> {
        self.value_of_floor(i128::from(self.balance_native))
    }

    /// unit: quote native. `(MM, IM)` haircut of an asset worth `value_native`:
    /// `value · (1 − weight)`, rounded up. Zero for liabilities and for the
    /// settlement collateral.
    pub fn haircuts_ceil(&self, value_native: i128) -> RiskResult<(i128, i128)> {
        if self.is_settlement || value_native <= 0 {
            return Ok((0, 0));
        }
        let keep_mm = BPS - i128::from(self.maint_weight_bps);
        let keep_im = BPS - i128::from(self.init_weight_bps);
        let mm = div_ceil_fast(value_native.safe_mul(keep_mm)?, BPS);
        let im = div_ceil_fast(value_native.safe_mul(keep_im)?, BPS);
        Ok((mm, im))
    }

    /// The largest balance `x ≥ 0` whose maintenance haircut is at most
    /// `max_haircut_native`: exact inverse of `haircuts_ceil(value_floor(x)).0`
    /// (both are non-decreasing in `x`). `None` when even a zero balance
    /// exceeds the bound (bound < 0). Saturates at `i64::MAX` when the haircut
    /// never reaches the bound (weight 10_000 or zero price).
    pub(crate) fn max_balance_for_mm_haircut(
        &self,
        max_haircut_native: i128,
    ) -> RiskResult<Option<i128>> {
        if max_haircut_native < 0 {
            return Ok(None);
        }
        let keep_bps = BPS - i128::from(self.maint_weight_bps);
        if self.is_settlement || keep_bps == 0 || self.price_low_e12 == 0 {
            return Ok(Some(i128::from(i64::MAX)));
        }
        // ceil(v·keep/BPS) ≤ H ⇔ v·keep ≤ H·BPS ⇔ v ≤ floor(H·BPS / keep).
        let max_value = div_floor(
            max_haircut_native
                .checked_mul(BPS)
                .ok_or(RiskError::MathOverflow)?,
            keep_bps,
        )?;
        // floor(x·p/D) ≤ V ⇔ x·p < (V+1)·D ⇔ x ≤ ceil((V+1)·D / p) − 1.
        let scale = pow10(u32::from(self.decimals) + 6)?;
        let bound = max_value
            .checked_add(1)
            .and_then(|v| v.checked_mul(scale))
            .ok_or(RiskError::MathOverflow)?;
        let x = div_ceil(bound, i128::from(self.price_low_e12))? - 1;
        Ok(Some(x.min(i128::from(i64::MAX))))
    }
}

/// `floor(n / d)` for `d > 0` with a single unsigned division (a 64-bit
/// one when both fit: native on SBF, where 128-bit division is software).
pub(crate) fn div_floor_fast(n: i128, d: i128) -> i128 {
    if n == i128::MIN {
        let q = n / d;
        return if n % d != 0 { q - 1 } else { q };
    }
    let (m, d) = (n.unsigned_abs(), d.unsigned_abs());
    let (q, r) = match (u64::try_from(m), u64::try_from(d)) {
        (Ok(a), Ok(b)) => (u128::from(a / b), u128::from(a % b)),
        // A divisor below 2^64 (every 10^(decimals+6)): 128÷64 division.
        (Err(_), Ok(b)) => {
            let (q, r) = udivrem_u128_u64(m, b);
            (q, u128::from(r))
        }
        _ => (m / d, m % d),
    };
    // |n| < 2^127 and d ≥ 1, so q < 2^127 and q + 1 fits.
    if n >= 0 {
        q as i128
    } else {
        -(q as i128) - i128::from(r != 0)
    }
}

/// `ceil(n / d)` for `d > 0`, as [`div_floor_fast`].
pub(crate) fn div_ceil_fast(n: i128, d: i128) -> i128 {
    // ceil(n/d) = −floor(−n/d); −n cannot overflow for the products used here
    // (|n| ≤ i64 range × 10^4), and i128::MIN is mapped to MIN / d.
    match n.checked_neg() {
        Some(neg) => -div_floor_fast(neg, d),
        None => n / d,
    }
}

/// `10^exp` as i128 (exp ≤ 36), `MathOverflow` beyond `i128` (exp > 38).
fn pow10(exp: u32) -> RiskResult<i128> {
    POW10
        .get(exp as usize)
        .copied()
        .ok_or(RiskError::MathOverflow)
}

/// `10^k` for k = 0..=38, every power of ten `i128` holds.
const POW10: [i128; 39] = {
    let mut t = [1i128; 39];
    let mut k = 1;
    while k < 39 {
        t[k] = t[k - 1] * 10;
        k += 1;
    }
    t
};

#[cfg(test)]
mod tests {
    use super::*;

    fn sol(balance: i64) -> CollateralInput {
        CollateralInput {
            balance_native: balance,
            decimals: 9,
            price_low_e12: 99_000_000_000_000,
            price_high_e12: 101_000_000_000_000,
            init_weight_bps: 7_000,
            maint_weight_bps: 8_000,
            is_settlement: false,
        }
    }

    #[test]
    fn values_round_in_the_protocols_favour() {
        // 1 SOL at 99 USD = 99_000_000 native.
        assert_eq!(sol(1_000_000_000).value_floor(), Ok(99_000_000));
        // 1 lamport is worth 0.099 native: rounds down to 0 as an asset...
        assert_eq!(sol(1).value_floor(), Ok(0));
        // ...and up (to −1) as a liability, at the high price.
        assert_eq!(sol(-1).value_floor(), Ok(-1));
        assert_eq!(sol(-1_000_000_000).value_floor(), Ok(-101_000_000));
        assert_eq!(CollateralInput::settlement(-5).value_floor(), Ok(-5));
    }

    #[test]
    fn haircuts_round_up_and_im_exceeds_mm() {
        let c = sol(1_000_000_000);
        assert_eq!(c.haircuts_ceil(99_000_001), Ok((19_800_001, 29_700_001)));
        assert_eq!(c.haircuts_ceil(-10), Ok((0, 0)));
        assert_eq!(
            CollateralInput::settlement(10).haircuts_ceil(10),
            Ok((0, 0))
        );
    }

    #[test]
    fn max_balance_inverts_the_haircut() {
        let c = sol(0);
        for h in [0i128, 1, 7, 19_800_000, 19_800_001, 123_456_789] {
            let x = c.max_balance_for_mm_haircut(h).unwrap().unwrap();
            let hx = c.haircuts_ceil(c.value_of_floor(x).unwrap()).unwrap().0;
            let hx1 = c.haircuts_ceil(c.value_of_floor(x + 1).unwrap()).unwrap().0;
            assert!(hx <= h && hx1 > h, "h={h} x={x} hx={hx} hx1={hx1}");
        }
        assert_eq!(c.max_balance_for_mm_haircut(-1), Ok(None));
    }

    #[test]
    fn pow10_table_is_checked_pow() {
        for e in 0..300 {
            assert_eq!(
                pow10(e),
                10i128.checked_pow(e).ok_or(RiskError::MathOverflow),
                "{e}"
            );
        }
    }

    #[test]
    fn validation() {
        assert_eq!(sol(1).validate(), Ok(()));
        assert_eq!(
            CollateralInput {
                init_weight_bps: 9_000,
                ..sol(1)
            }
            .validate(),
            Err(RiskError::InvalidInput)
        );
        assert_eq!(
            CollateralInput {
                decimals: 19,
                ..sol(1)
            }
            .validate(),
            Err(RiskError::InvalidInput)
        );
        assert_eq!(
            CollateralInput {
                decimals: 9,
                ..CollateralInput::settlement(1)
            }
            .validate(),
            Err(RiskError::InvalidInput)
        );
    }
}
