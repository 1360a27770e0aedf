//! Applying a liquidation plan to an account, without allocation.
//!
//! [`apply_plan`] is the reference of what `partial_liquidate` does on-chain
//! (see the semantics in [`crate::planner`]): the position shrinks by the
//! quantity (or the collateral balance does), the settlement balance takes
//! the transfer value and pays the fee. Tests, the bot and the simulator use
//! it to check post-conditions by recomputing the margin of the result.

use crate::collateral::CollateralInput;
use crate::error::{RiskError, RiskResult};
use crate::margin::{AccountInputs, OptionKind, PositionInput, MAX_COLLATERALS, MAX_POSITIONS};
use crate::num::{to_i64, SafeMath};
use crate::planner::{Candidate, LiquidationPlan};
use crate::types::{ScenarioGrid, SeriesRisk, MAX_SCENARIOS};

/// Placeholder series of unused position slots (never read as a position).
static EMPTY_SERIES: SeriesRisk = SeriesRisk {
    spot_ref_e12: 0,
    computed_at_ts: 0,
    mark_native: 0,
    scenario_values_native: [0; MAX_SCENARIOS],
    delta_e9: 0,
    gamma_e9: 0,
    vega_native: 0,
    theta_native: 0,
    short_floor_mm_native: 0,
    short_floor_im_native: 0,
    vol_ref_e6: 0,
    flags: 0,
};

/// An owned, fixed-capacity copy of an account's inputs.
#[derive(Clone, Copy, Debug)]
pub struct AccountState<'a> {
    /// Scenario grids (borrowed, unchanged by liquidations).
    pub grids: &'a [ScenarioGrid],
    /// Positions; the first `position_count` are used. Closed positions stay
    /// in their slot with size 0, so indices are stable.
    pub positions: [PositionInput<'a>; MAX_POSITIONS],
    /// Number of used entries of `positions`.
    pub position_count: usize,
    /// Collaterals; the first `collateral_count` are used.
    pub collaterals: [CollateralInput; MAX_COLLATERALS],
    /// Number of used entries of `collaterals`.
    pub collateral_count: usize,
}

impl<'a> AccountState<'a> {
    /// Copies `inputs` (`InvalidInput` if over capacity).
    pub fn from_inputs(inputs: &AccountInputs<'a>) -> RiskResult<Self> {
        if inputs.positions.len() > MAX_POSITIONS || inputs.collaterals.len() > MAX_COLLATERALS {
            return Err(RiskError::InvalidInput);
        }
        let empty = PositionInput {
            series: &EMPTY_SERIES,
            underlying: 0,
            kind: OptionKind::Call,
            size_contracts: 0,
            cost_basis_native: 0,
            lot_size_contracts: 1,
        };
        let mut s = Self {
            grids: inputs.grids,
            positions: [empty; MAX_POSITIONS],
            position_count: inputs.positions.len(),
            collaterals: [CollateralInput::settlement(0); MAX_COLLATERALS],
            collateral_count: inputs.collaterals.len(),
        };
        s.positions[..inputs.positions.len()].copy_from_slice(inputs.positions);
        s.collaterals[..inputs.collaterals.len()].copy_from_slice(inputs.collaterals);
        Ok(s)
    }

    /// The state as margin inputs.
    pub fn inputs(&self) -> AccountInputs<'_> {
        AccountInputs {
            grids: self.grids,
            positions: &self.positions[..self.position_count],
            collaterals: &self.collaterals[..self.collateral_count],
        }
    }

    /// Index of the settlement collateral, appending a zero balance if the
    /// account has none (`InvalidInput` when no slot is free).
    fn settlement_index(&mut self) -> RiskResult<usize> {
        if let Some(i) = self.collaterals[..self.collateral_count]
            .iter()
            .position(|c| c.is_settlement)
        {
            return Ok(i);
        }
        if self.collateral_count >= MAX_COLLATERALS {
            return Err(RiskError::InvalidInput);
        }
        self.collaterals[self.collateral_count] = CollateralInput::settlement(0);
        self.collateral_count += 1;
        Ok(self.collateral_count - 1)
    }
}

/// The account after `plan` (from [`crate::planner::plan_liquidation`] or
/// [`crate::planner::evaluate_liquidation`] on the same inputs). See
/// [`AccountState::apply`].
pub fn apply_plan<'a>(
    inputs: &AccountInputs<'a>,
    plan: &LiquidationPlan,
) -> RiskResult<AccountState<'a>> {
    let mut s = AccountState::from_inputs(inputs)?;
    s.apply(plan)?;
    Ok(s)
}

impl AccountState<'_> {
    /// Applies `plan` in place. Position: size moves `quantity` towards 0,
    /// cost basis shrinks pro rata (average cost). Collateral: balance −
    /// quantity. Settlement balance: `+ transfer_value_native − fee_native`.
    /// Errors: `InvalidInput` (candidate or quantity inconsistent with the
    /// state), `MathOverflow`.
    pub fn apply(&mut self, plan: &LiquidationPlan) -> RiskResult<()> {
        let q = i128::from(plan.quantity);
        match plan.candidate {
            Candidate::Position(i) => {
                let p = self.positions[..self.position_count]
                    .get_mut(usize::from(i))
                    .ok_or(RiskError::InvalidInput)?;
                let full = i128::from(p.size_contracts.unsigned_abs());
                if q > full {
                    return Err(RiskError::InvalidInput);
                }
                let sigma = i128::from(p.size_contracts.signum());
                if full > 0 {
                    let cost = i128::from(p.cost_basis_native);
                    p.cost_basis_native = to_i64(cost.safe_mul(full - q)?.safe_div(full)?)?;
                }
                p.size_contracts = to_i64(i128::from(p.size_contracts) - sigma * q)?;
            }
            Candidate::Collateral(j) => {
                let c = self.collaterals[..self.collateral_count]
                    .get_mut(usize::from(j))
                    .ok_or(RiskError::InvalidInput)?;
                if c.is_settlement || q > i128::from(c.balance_native) {
                    return Err(RiskError::InvalidInput);
                }
                c.balance_native = to_i64(i128::from(c.balance_native) - q)?;
            }
        }
        let k = self.settlement_index()?;
        let delta = i128::from(plan.transfer_value_native).safe_sub(i128::from(plan.fee_native))?;
        let c = &mut self.collaterals[k];
        c.balance_native = to_i64(i128::from(c.balance_native).safe_add(delta)?)?;
        Ok(())
    }
}
