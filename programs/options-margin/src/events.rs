//! Events, emitted through `emit_cpi!` so that they reach indexers (and
//! tests) as inner instructions. An event, once shipped, never changes: a new
//! shape gets a new name (`...V2`).

use anchor_lang::prelude::*;

#[event]
pub struct DepositEvent {
    pub margin_account: Pubkey,
    pub owner: Pubkey,
    pub mint: Pubkey,
    /// unit: token native.
    pub amount_native: u64,
    /// unit: token native. Account balance after the deposit.
    pub balance_after_native: i64,
}

#[event]
pub struct WithdrawEvent {
    pub margin_account: Pubkey,
    pub owner: Pubkey,
    pub mint: Pubkey,
    /// unit: token native. Debited from the account.
    pub amount_native: u64,
    /// unit: token native. Paid out: less than `amount_native` only while a
    /// socialised loss is being borne (see `bankruptcy`).
    pub paid_native: u64,
    /// unit: token native. Account balance after the withdrawal.
    pub balance_after_native: i64,
    /// unit: quote native. Equity after the withdrawal.
    pub equity_after_native: i64,
    /// unit: quote native. Initial margin after the withdrawal.
    pub initial_margin_after_native: i64,
}

#[event]
pub struct VolatilityUpdatedEvent {
    pub series: Pubkey,
    /// precision: e6. 0 when the series had no volatility yet.
    pub previous_vol_e6: u32,
    /// precision: e6.
    pub vol_e6: u32,
    /// unit: unix seconds.
    pub updated_ts: i64,
}

#[event]
pub struct SeriesRiskRefreshedEvent {
    pub series: Pubkey,
    /// precision: e12 USD per whole underlying unit.
    pub spot_ref_e12: u64,
    /// precision: e6.
    pub vol_ref_e6: u32,
    /// unit: unix seconds (oracle publish time).
    pub computed_at_ts: i64,
    /// unit: quote native per contract.
    pub mark_native: i64,
    /// precision: e9 underlying units per contract.
    pub delta_e9: i64,
    /// precision: e9 underlying units per contract per 1% spot move.
    pub gamma_e9: i64,
    /// unit: quote native per contract per volatility point.
    pub vega_native: i64,
    /// unit: quote native per contract per day.
    pub theta_native: i64,
}

#[event]
pub struct TradeEvent {
    pub series: Pubkey,
    /// The account that buys when `size_contracts > 0`.
    pub account_a: Pubkey,
    pub account_b: Pubkey,
    /// unit: contracts. Positive: A bought.
    pub size_contracts: i64,
    /// unit: quote native per contract.
    pub premium_per_contract_native: u64,
    /// unit: contracts.
    pub size_a_after: i64,
    /// unit: contracts.
    pub size_b_after: i64,
    /// unit: contracts. Series open interest after the trade (long = short).
    pub open_interest_contracts: u64,
    /// unit: quote native.
    pub equity_a_after_native: i64,
    /// unit: quote native.
    pub initial_margin_a_after_native: i64,
    /// unit: quote native.
    pub equity_b_after_native: i64,
    /// unit: quote native.
    pub initial_margin_b_after_native: i64,
}

#[event]
pub struct SeriesSettledEvent {
    pub series: Pubkey,
    /// precision: e12 USD per whole underlying unit.
    pub settlement_price_e12: u64,
    /// unit: unix seconds.
    pub publish_time: i64,
    /// unit: quote native per contract. Paid by shorts to longs.
    pub payout_per_contract_native: i64,
}

#[event]
pub struct PositionSettledEvent {
    pub margin_account: Pubkey,
    pub series: Pubkey,
    /// unit: contracts. Size settled (positive long).
    pub size_contracts: i64,
    /// unit: quote native. Credited (long) or debited (short).
    pub payout_native: i64,
    /// unit: quote native. Lifetime realised P&L of the position, settlement included.
    pub realized_pnl_native: i64,
    /// unit: quote native.
    pub settlement_balance_after_native: i64,
}

#[event]
pub struct LiquidationEvent {
    pub liquidatee: Pubkey,
    pub liquidator_account: Pubkey,
    /// The signer that called (a wallet, or a program's PDA through CPI).
    pub caller: Pubkey,
    /// 1 or 2: soft tiers; 3: closeout.
    pub tier: u8,
    /// The series (position) or mint (collateral) liquidated.
    pub target: Pubkey,
    pub target_is_position: bool,
    /// unit: contracts the liquidator received (+ long, − short), or
    /// collateral native units.
    pub quantity: i64,
    /// Position: quote native per contract (the mark, +1 for a short).
    /// Collateral: e12 USD per whole token (the low oracle price it sold at).
    pub price: u64,
    /// unit: quote native. Paid by the liquidated account.
    pub fee_native: u64,
    /// unit: quote native. Part of the fee credited to the insurance fund.
    pub insurance_share_native: u64,
    /// unit: bps of equity / MM.
    pub ratio_before_bps: u64,
    /// unit: bps of equity / MM.
    pub ratio_after_bps: u64,
    /// unit: quote native.
    pub equity_before_native: i64,
    /// unit: quote native.
    pub equity_after_native: i64,
    /// unit: quote native.
    pub mm_before_native: i64,
    /// unit: quote native.
    pub mm_after_native: i64,
    /// The tier's fraction limited the quantity below what the target needed.
    pub capped_by_tier: bool,
}

#[event]
pub struct BankruptcyEvent {
    pub margin_account: Pubkey,
    /// unit: quote native. Negative balance written off.
    pub deficit_native: u64,
    /// unit: quote native. Covered by the insurance fund.
    pub insurance_covered_native: u64,
    /// unit: quote native. Socialised (borne pro rata by settlement withdrawals).
    pub socialized_native: u64,
}

#[event]
pub struct InsuranceDepositEvent {
    pub depositor: Pubkey,
    /// unit: quote native.
    pub amount_native: u64,
    /// unit: quote native. Part of the deposit that repaid socialised loss.
    pub socialized_loss_repaid_native: u64,
    /// unit: quote native.
    pub insurance_after_native: i64,
}

#[event]
pub struct InsuranceSweptEvent {
    /// unit: quote native. Accruals and vault surplus moved into the fund.
    pub swept_native: i64,
    /// Margin accounts swept.
    pub accounts: u16,
    /// unit: quote native. The fund after the sweep.
    pub insurance_after_native: i64,
}

#[event]
pub struct RiskParamsProposedEvent {
    pub exchange: Pubkey,
    /// unit: unix seconds. When the proposal may be applied.
    pub apply_after_ts: i64,
}

#[event]
pub struct CollateralParamsProposedEvent {
    pub collateral: Pubkey,
    /// unit: unix seconds. When the proposal may be applied.
    pub apply_after_ts: i64,
}
