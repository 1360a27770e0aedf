//! # options-margin
//!
//! An options margin protocol: margin accounts hold collateral and option
//! positions, prices come from Pyth, initial margin gates every instruction
//! that adds risk, and a permissionless `partial_liquidate` restores unsafe
//! accounts a slice at a time. All risk numbers come from the Solana-free
//! `options-margin-risk` crate.

use anchor_lang::prelude::*;

pub mod constants;
pub mod controller;
pub mod create;
pub mod error;
pub mod events;
pub mod health;
pub mod heap;
pub mod instructions;
pub mod math;
pub mod oracle;
pub mod pda;
pub mod reader;
pub mod state;

use instructions::*;
use state::RiskParams;

declare_id!("6ApVLLEgZn8qRRUMrUzmZ6E7KmJ8nZmVx8JSECURVTiE");

#[program]
pub mod options_margin {
    use super::*;

    // ---- admin ----

    /// Creates the exchange at `["exchange", creator]`; the creator is its admin.
    pub fn initialize_exchange(
        ctx: Context<InitializeExchange>,
        vol_authority: Pubkey,
        risk: RiskParams,
    ) -> Result<()> {
        instructions::initialize_exchange(ctx, vol_authority, risk)
    }

    /// Announces new risk parameters (validated by the risk crate's bounds);
    /// they apply after the current `param_delay_secs`.
    pub fn propose_risk_params(ctx: Context<AdminOnly>, risk: RiskParams) -> Result<()> {
        instructions::propose_risk_params(ctx, risk)
    }

    /// Permissionless after the delay: applies the announced risk parameters.
    pub fn apply_risk_params(ctx: Context<ApplyRiskParams>) -> Result<()> {
        instructions::apply_risk_params(ctx)
    }

    /// Sets the `PAUSE_*` bit set at once (emergency switch; liquidations
    /// keep running unless `PAUSE_LIQUIDATIONS` is set).
    pub fn set_pause_flags(ctx: Context<AdminOnly>, pause_flags: u8) -> Result<()> {
        instructions::set_pause_flags(ctx, pause_flags)
    }

    /// Sets the key allowed to publish volatilities.
    pub fn set_vol_authority(ctx: Context<AdminOnly>, vol_authority: Pubkey) -> Result<()> {
        instructions::set_vol_authority(ctx, vol_authority)
    }

    /// Proposes a new admin (step one of two).
    pub fn propose_admin(ctx: Context<AdminOnly>, new_admin: Pubkey) -> Result<()> {
        instructions::propose_admin(ctx, new_admin)
    }

    /// The proposed admin accepts (step two of two).
    pub fn accept_admin(ctx: Context<AcceptAdmin>) -> Result<()> {
        instructions::accept_admin(ctx)
    }

    /// Permissionless: creates the exchange's missing loss shards (the
    /// accumulators of the balances a socialised loss is spread over).
    pub fn create_loss_shards<'info>(ctx: Context<'info, CreateLossShards<'info>>) -> Result<()> {
        instructions::create_loss_shards(ctx)
    }

    /// Registers a collateral mint with its oracle, weights and vault.
    pub fn add_collateral(
        ctx: Context<AddCollateral>,
        is_settlement: bool,
        params: CollateralParams,
    ) -> Result<()> {
        instructions::add_collateral(ctx, is_settlement, params)
    }

    /// Announces a collateral's new oracle and weights; they apply after
    /// the exchange's `param_delay_secs`.
    pub fn propose_collateral_params(
        ctx: Context<UpdateCollateral>,
        params: CollateralParams,
    ) -> Result<()> {
        instructions::propose_collateral_params(ctx, params)
    }

    /// Permissionless after the delay: applies a collateral's announced oracle and weights.
    pub fn apply_collateral_params(ctx: Context<ApplyCollateralParams>) -> Result<()> {
        instructions::apply_collateral_params(ctx)
    }

    /// Sets a collateral's deposit cap at once (top-ups ignore it).
    pub fn set_deposit_cap(ctx: Context<UpdateCollateral>, deposit_cap_native: u64) -> Result<()> {
        instructions::set_deposit_cap(ctx, deposit_cap_native)
    }

    // ---- underlyings, series, volatility ----

    /// Registers an underlying with its feed, scenario grid and vol rules.
    pub fn add_underlying(ctx: Context<AddUnderlying>, params: UnderlyingParams) -> Result<()> {
        instructions::add_underlying(ctx, params)
    }

    /// Creates an option series; its PDA makes it unique.
    pub fn create_series(ctx: Context<CreateSeries>, terms: SeriesTerms) -> Result<()> {
        instructions::create_series(ctx, terms)
    }

    /// Sets a series' volatility (the exchange's vol authority only), within
    /// the underlying's change per unit of time.
    pub fn set_volatility(ctx: Context<SetVolatility>, vol_e6: u32) -> Result<()> {
        instructions::set_volatility(ctx, vol_e6)
    }

    /// Permissionless: stores a series' scenario vectors and Greeks (an
    /// update older than the stored one is a no-op, never an error).
    pub fn refresh_series_risk(ctx: Context<RefreshSeriesRisk>) -> Result<()> {
        instructions::refresh_series_risk(ctx)
    }

    /// Bilateral block trade signed by both owners; margin checked on both.
    pub fn trade<'info>(ctx: Context<'info, Trade<'info>>, args: TradeArgs) -> Result<()> {
        instructions::trade(ctx, args)
    }

    /// Permissionless after expiry: records the settlement price, or
    /// replaces it with an update published closer to expiry while the
    /// dispute window is open.
    pub fn settle_series(ctx: Context<SettleSeries>) -> Result<()> {
        instructions::settle_series(ctx)
    }

    /// Permissionless once the settlement price is final: cash-settles an
    /// account's position in the series.
    pub fn settle_positions(ctx: Context<SettlePositions>) -> Result<()> {
        instructions::settle_positions(ctx)
    }

    // ---- liquidation ----

    /// Permissionless: liquidates just enough of the riskiest candidate of an
    /// unsafe account into the caller's margin account, for a fixed fee.
    pub fn partial_liquidate<'info>(
        ctx: Context<'info, PartialLiquidate<'info>>,
        args: LiquidateArgs,
    ) -> Result<()> {
        instructions::partial_liquidate(ctx, args)
    }

    /// Permissionless: covers a bankrupt account's deficit from insurance,
    /// socialising any remainder.
    pub fn resolve_bankruptcy<'info>(ctx: Context<'info, ResolveBankruptcy<'info>>) -> Result<()> {
        instructions::resolve_bankruptcy(ctx)
    }

    /// Adds settlement tokens to the insurance fund (repaying socialised loss first).
    pub fn deposit_insurance(ctx: Context<DepositInsurance>, amount_native: u64) -> Result<()> {
        instructions::deposit_insurance(ctx, amount_native)
    }

    /// Permissionless: sweeps the insurance share accrued on the margin
    /// accounts in `remaining_accounts` (and any vault surplus) into the fund.
    pub fn sweep_insurance<'info>(ctx: Context<'info, SweepInsurance<'info>>) -> Result<()> {
        instructions::sweep_insurance(ctx)
    }

    /// Permissionless: books an account's share of socialised losses and
    /// re-counts its settlement balance at the current loss index.
    pub fn book_socialized_loss(ctx: Context<BookSocializedLoss>) -> Result<()> {
        instructions::book_socialized_loss_ix(ctx)
    }

    // ---- margin accounts ----

    /// Creates the owner's margin account number `account_index`.
    pub fn create_margin_account(
        ctx: Context<CreateMarginAccount>,
        account_index: u16,
    ) -> Result<()> {
        instructions::create_margin_account(ctx, account_index)
    }

    /// Deposits collateral from the owner's token account (settlement
    /// top-ups of accounts with positions ignore the pause and the cap).
    pub fn deposit(ctx: Context<Deposit>, amount_native: u64) -> Result<()> {
        instructions::deposit(ctx, amount_native)
    }

    /// Withdraws collateral; refused below initial margin (valued conservatively).
    pub fn withdraw<'info>(ctx: Context<'info, Withdraw<'info>>, amount_native: u64) -> Result<()> {
        instructions::withdraw(ctx, amount_native)
    }

    /// Closes an empty margin account and returns its rent.
    pub fn close_margin_account(ctx: Context<CloseMarginAccount>) -> Result<()> {
        instructions::close_margin_account(ctx)
    }
}
