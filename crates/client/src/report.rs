//! The account health report (`account show`): everything a trader needs
//! to see his risk, in one place, every figure from the program's own code
//! or the risk crate's.
//!
//! - Equity, IM, MM and the ratio are [`HealthContext::summary`] at
//!   [`Valuation::Spot`] (the valuation liquidations use), so they equal
//!   what a `partial_liquidate` would find now, to the unit. Their
//!   breakdown (collateral value, option marks, scenario losses, short
//!   floors, haircuts) is `options_margin_risk::margin::margin_summary`
//!   over the very inputs the program's check builds
//!   ([`options_margin::health::LoadedInputs::with_inputs`]).
//! - Per collateral: [`CollateralInput::value_floor`] and
//!   [`CollateralInput::haircuts_ceil`] of the input the program values
//!   (the settlement balance net of the socialised loss it owes).
//! - Per position: [`position_risk`] (mark value, unrealised P&L =
//!   mark value − cost basis, and size × the series' stored Greeks).
//! - The tier is [`LiquidationParams::tier_of`] of the ratio, the grace
//!   period the program's own [`grace_blocks`].
//! - Distances to each tier: [`spot`] (the risk crate's `distance` solvers).
//!
//! The report is assembled synchronously from a fetched [`HealthContext`]
//! ([`AccountReport::from_context`]), so it can be built from any snapshot;
//! [`account_report`] fetches one first. [`AccountReport::render_table`]
//! prints it, [`AccountReport::to_json`] gives every raw figure.
//!
//! The report fails where the program's margin check fails (stale series
//! vectors, a stale or missing price): the caller refreshes first
//! ([`crate::health::refresh_instructions`]) and retries.

#[cfg(all(test, feature = "embedded"))]
mod embedded_tests;
mod render;
pub mod spot;
#[cfg(test)]
mod tests;

use anchor_lang::prelude::Pubkey;
use options_margin::controller::liquidation::grace_blocks;
use options_margin::health::{self, MarginSummary, Valuation};
use options_margin::oracle::read_price;
use options_margin::reader::{read_zero_copy, KeyedAccount};
use options_margin::state::{Collateral, Series, Underlying};
use options_margin_risk::collateral::CollateralInput;
use options_margin_risk::margin::{im_floor_ceil, margin_summary, position_risk, PositionInput};
use options_margin_risk::planner::LiquidationParams;
use options_margin_risk::RiskError;

use crate::chain::Chain;
use crate::error::{ClientError, ClientResult};
use crate::health::HealthContext;
use crate::oracles::PriceAccounts;

pub use spot::{tier_distances, SpotModel, SpotOutcome, TierDistances, UnderlyingDistance};

/// The health report of one margin account (module docs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountReport {
    pub header: ReportHeader,
    /// Collateral slots in use, in slot order (the settlement slot first).
    pub collaterals: Vec<CollateralRow>,
    /// Position slots in use, in slot order.
    pub positions: Vec<PositionRow>,
    pub margin: MarginFigures,
    pub liquidation: LiquidationStatus,
    pub distance: TierDistances,
}

/// Which account, and when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportHeader {
    pub margin_account: Pubkey,
    pub owner: Pubkey,
    pub exchange: Pubkey,
    /// Index among the owner's accounts (part of the seeds).
    pub account_index: u16,
    /// unit: unix seconds. The cluster clock the account was valued at.
    pub now_ts: i64,
}

/// One collateral balance as the program values it at spot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CollateralRow {
    pub mint: Pubkey,
    /// The settlement collateral (USD, the unit of account: weight 1, no haircut).
    pub is_settlement: bool,
    /// Token decimals (6 for the settlement collateral).
    pub decimals: u8,
    /// unit: token native. The balance as stored in the account.
    pub balance_native: i64,
    /// unit: token native. The balance as valued: for the settlement
    /// collateral, net of the socialised loss the account owes.
    pub valued_balance_native: i64,
    /// precision: e12 USD per whole token. `price − k·conf`: values assets.
    pub price_low_e12: u64,
    /// precision: e12 USD per whole token. `price + k·conf`: values liabilities.
    pub price_high_e12: u64,
    /// precision: bps. Asset weight for IM.
    pub init_weight_bps: u16,
    /// precision: bps. Asset weight for MM.
    pub maint_weight_bps: u16,
    /// unit: quote native, floor. [`CollateralInput::value_floor`].
    pub value_native: i64,
    /// unit: quote native, ceil. What this collateral adds to MM.
    pub haircut_mm_native: i64,
    /// unit: quote native, ceil. What this collateral adds to IM.
    pub haircut_im_native: i64,
    /// The underlying whose price feed this collateral's oracle shares (same
    /// kind and feed id): its price moves with that underlying's spot in
    /// [`spot::spot_to_tier`]. `None`: fixed (and always for the settlement).
    pub follows_underlying: Option<Pubkey>,
}

/// One option position with its series' stored vectors.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PositionRow {
    pub series: Pubkey,
    pub underlying: Pubkey,
    /// Exchange index of the underlying.
    pub underlying_index: u8,
    pub is_call: bool,
    /// precision: e12 USD per whole underlying unit.
    pub strike_e12: u64,
    /// unit: unix seconds.
    pub expiry_ts: i64,
    /// precision: e6 whole underlying units per contract.
    pub contract_size_e6: u64,
    /// unit: contracts.
    pub lot_size_contracts: u64,
    /// unit: contracts. Positive long, negative short.
    pub size_contracts: i64,
    /// unit: quote native per contract, floor. The series' stored mark.
    pub mark_native: i64,
    /// unit: quote native. `size · mark` (`size · (mark + 1)` for a short),
    /// what equity credits.
    pub mark_value_native: i64,
    /// unit: quote native. Premium paid (+) or received (−) for what is open.
    pub cost_basis_native: i64,
    /// unit: quote native. `mark value − cost basis`: positive is a gain,
    /// long or short.
    pub unrealized_pnl_native: i64,
    /// unit: quote native. Realised by reductions.
    pub realized_pnl_native: i64,
    /// precision: e9 underlying units. `size · delta_e9`.
    pub delta_e9: i64,
    /// precision: e9 underlying units per 1% spot move. `size · gamma_e9`.
    pub gamma_e9: i64,
    /// unit: quote native per volatility point. `size · vega_native`.
    pub vega_native: i64,
    /// unit: quote native per day. `size · theta_native`.
    pub theta_native: i64,
    /// precision: e6. The series' current volatility.
    pub vol_e6: u32,
    /// unit: unix seconds. When the stored vectors were computed.
    pub risk_computed_at_ts: i64,
    /// precision: e12 USD. The spot the stored vectors were computed at.
    pub spot_ref_e12: u64,
    /// The series is settled: its vectors are the fixed intrinsic value.
    pub settled: bool,
    /// precision: e12 USD. The settlement price, once settled.
    pub settlement_price_e12: Option<u64>,
}

/// Equity and margin at spot, and where they come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MarginFigures {
    /// The program's summary ([`HealthContext::summary`] at spot).
    pub summary: MarginSummary,
    /// unit: quote native. Σ collateral values (liabilities negative,
    /// settlement net of the pending socialised loss).
    pub collateral_value_native: i64,
    /// unit: quote native. Σ option mark values (shorts negative).
    pub options_value_native: i64,
    /// unit: quote native. Σ worst MM-scenario loss per underlying.
    pub scenario_mm_native: i64,
    /// unit: quote native. Σ net short floors (MM).
    pub floor_mm_native: i64,
    /// unit: quote native. Σ collateral haircuts (MM).
    pub haircut_mm_native: i64,
    /// unit: quote native. Σ worst IM-scenario loss per underlying.
    pub scenario_im_native: i64,
    /// unit: quote native. Σ net short floors (IM).
    pub floor_im_native: i64,
    /// unit: quote native. Σ collateral haircuts (IM).
    pub haircut_im_native: i64,
    /// unit: quote native, ceil. `im_floor_ratio_bps` of MM: IM is at least this.
    pub im_floor_native: i64,
    /// precision: bps of MM.
    pub im_floor_ratio_bps: u32,
    /// unit: quote native. Socialised loss the account owes (already
    /// deducted from its settlement balance in equity).
    pub pending_loss_native: i64,
    /// unit: quote native. Insurance share of liquidation fees this account
    /// paid, not yet swept into the fund.
    pub insurance_accrued_native: i64,
}

/// The tier the account is in and the grace period.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LiquidationStatus {
    /// The exchange's tiers, target and fee.
    pub params: LiquidationParams,
    /// 1..=3, `None` when healthy ([`LiquidationParams::tier_of`]).
    pub tier: Option<u8>,
    pub grace: GraceStatus,
}

/// The grace period after a soft-tier call that took its full plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GraceStatus {
    /// unit: unix seconds. The last grace-starting call (0: never).
    pub last_soft_liquidation_ts: i64,
    /// precision: bps. The ratio that call left the account at.
    pub last_soft_ratio_bps: u64,
    /// unit: seconds. The exchange's grace period.
    pub grace_period_secs: u32,
    /// unit: unix seconds. When the running period ends (`None`: none running).
    pub ends_ts: Option<i64>,
    /// A soft-tier liquidation would be refused now (`GracePeriodActive`):
    /// the period runs and the ratio is still at or above where the call
    /// left it ([`grace_blocks`]). A closeout (tier 3) is never blocked.
    pub blocks_soft_liquidation: bool,
}

/// The health report of `margin`: fetched ([`HealthContext::fetch`]), then
/// assembled ([`AccountReport::from_context`]).
pub async fn account_report<C: Chain>(
    chain: &C,
    prices: &PriceAccounts,
    margin: &Pubkey,
) -> ClientResult<AccountReport> {
    let ctx = HealthContext::fetch(chain, prices, margin).await?;
    AccountReport::from_context(&ctx)
}

/// A risk-crate error as a client error.
pub(crate) fn risk(e: RiskError) -> ClientError {
    ClientError::Program(format!("risk engine: {e:?}"))
}

fn narrow(v: i128) -> ClientResult<i64> {
    i64::try_from(v).map_err(|_| risk(RiskError::MathOverflow))
}

/// The account at `key` among the margin-check accounts, decoded.
fn keyed_zero_copy<T: bytemuck::Pod + anchor_lang::Discriminator>(
    keyed: &[KeyedAccount],
    key: &Pubkey,
) -> ClientResult<(usize, T)> {
    keyed
        .iter()
        .position(|k| k.key == *key)
        .and_then(|i| read_zero_copy::<T, _>(&keyed[i]).map(|t| (i, t)))
        .ok_or_else(|| {
            ClientError::BadAccount(
                *key,
                format!(
                    "not among the margin-check accounts as a {}",
                    std::any::type_name::<T>()
                ),
            )
        })
}

/// One underlying of the account, as the check read it.
pub(crate) struct LoadedUnderlying {
    pub key: Pubkey,
    pub account: Underlying,
    /// precision: e12 USD. The oracle price the check read.
    pub spot_e12: u64,
    /// unit: unix seconds. Its publish time.
    pub publish_time: i64,
}

impl AccountReport {
    /// The report of the account in `ctx`, from the accounts it holds
    /// (module docs).
    pub fn from_context(ctx: &HealthContext) -> ClientResult<Self> {
        let summary = ctx.summary(Valuation::Spot)?;
        let account = &ctx.account;
        let loaded = health::load_inputs(
            account,
            &ctx.exchange,
            &ctx.exchange_key,
            &ctx.keyed,
            ctx.now_ts,
        )?;
        let inputs = loaded.position_inputs(account)?;
        let collateral_inputs = loaded.collateral_inputs(account, Valuation::Spot)?;
        let (breakdown, grids) = loaded.with_inputs(account, Valuation::Spot, |i| {
            Ok((margin_summary(i), i.grids.to_vec()))
        })?;
        let breakdown = breakdown.map_err(risk)?;

        let series: Vec<&Series> = (0..inputs.len())
            .map(|i| loaded.series_at(i))
            .collect::<anchor_lang::Result<_>>()?;
        let underlyings = load_underlyings(ctx, &series)?;
        let collaterals = collateral_rows(ctx, &collateral_inputs, &underlyings)?;
        let positions = position_rows(ctx, &inputs, &series)?;

        let params = ctx.exchange.liquidation_params();
        let model = SpotModel::new(
            &underlyings,
            grids,
            &series,
            &inputs,
            &collaterals,
            &collateral_inputs,
        )?;
        let distance = tier_distances(
            summary.equity_native,
            summary.maintenance_margin_native,
            &params,
            &model,
        )?;

        let risk_params = &ctx.exchange.risk;
        let margin = MarginFigures {
            summary,
            collateral_value_native: breakdown.collateral_value_native,
            options_value_native: breakdown.options_value_native,
            scenario_mm_native: breakdown.scenario_mm_native,
            floor_mm_native: breakdown.floor_mm_native,
            haircut_mm_native: breakdown.haircut_mm_native,
            scenario_im_native: breakdown.scenario_im_native,
            floor_im_native: breakdown.floor_im_native,
            haircut_im_native: breakdown.haircut_im_native,
            im_floor_native: im_floor_ceil(
                summary.maintenance_margin_native,
                risk_params.im_floor_ratio_bps,
            )
            .map_err(risk)?,
            im_floor_ratio_bps: risk_params.im_floor_ratio_bps,
            pending_loss_native: loaded.pending_loss_native(account)?,
            insurance_accrued_native: account.insurance_accrued_native,
        };
        let started = account.last_soft_liquidation_ts;
        let ends = started.saturating_add(i64::from(risk_params.grace_period_secs));
        let liquidation = LiquidationStatus {
            params,
            tier: params.tier_of(summary.ratio_bps),
            grace: GraceStatus {
                last_soft_liquidation_ts: started,
                last_soft_ratio_bps: account.last_soft_ratio_bps,
                grace_period_secs: risk_params.grace_period_secs,
                ends_ts: (started != 0 && ctx.now_ts < ends).then_some(ends),
                blocks_soft_liquidation: grace_blocks(
                    account,
                    &ctx.exchange,
                    summary.ratio_bps,
                    ctx.now_ts,
                ),
            },
        };
        Ok(Self {
            header: ReportHeader {
                margin_account: ctx.margin_key,
                owner: account.owner,
                exchange: ctx.exchange_key,
                account_index: account.account_index,
                now_ts: ctx.now_ts,
            },
            collaterals,
            positions,
            margin,
            liquidation,
            distance,
        })
    }
}

/// The distinct underlyings of `series` in order of first appearance (the
/// program's grid order), each with the oracle price the check read: the
/// account after the underlying in the margin-check accounts.
fn load_underlyings(
    ctx: &HealthContext,
    series: &[&Series],
) -> ClientResult<Vec<LoadedUnderlying>> {
    let mut out: Vec<LoadedUnderlying> = Vec::new();
    for s in series {
        if out.iter().any(|u| u.key == s.underlying) {
            continue;
        }
        let (at, account) = keyed_zero_copy::<Underlying>(&ctx.keyed, &s.underlying)?;
        let oracle = ctx
            .keyed
            .get(at + 1)
            .ok_or_else(|| ClientError::BadAccount(s.underlying, "no oracle after it".into()))?;
        let price = read_price(oracle, &account.oracle, ctx.now_ts)?;
        out.push(LoadedUnderlying {
            key: s.underlying,
            account,
            spot_e12: price.price_e12,
            publish_time: price.publish_time,
        });
    }
    Ok(out)
}

fn collateral_rows(
    ctx: &HealthContext,
    inputs: &[CollateralInput],
    underlyings: &[LoadedUnderlying],
) -> ClientResult<Vec<CollateralRow>> {
    let mut rows = Vec::with_capacity(inputs.len());
    for (balance, input) in ctx.account.active_collaterals().zip(inputs) {
        let follows_underlying = if input.is_settlement {
            None
        } else {
            let key = options_margin::pda::collateral(&ctx.exchange_key, &balance.mint).0;
            let (_, config) = keyed_zero_copy::<Collateral>(&ctx.keyed, &key)?;
            underlyings
                .iter()
                .find(|u| {
                    u.account.oracle.kind == config.oracle.kind
                        && u.account.oracle.feed == config.oracle.feed
                })
                .map(|u| u.key)
        };
        let value = input.value_floor().map_err(risk)?;
        let (haircut_mm, haircut_im) = input.haircuts_ceil(value).map_err(risk)?;
        rows.push(CollateralRow {
            mint: balance.mint,
            is_settlement: input.is_settlement,
            decimals: input.decimals,
            balance_native: balance.balance_native,
            valued_balance_native: input.balance_native,
            price_low_e12: input.price_low_e12,
            price_high_e12: input.price_high_e12,
            init_weight_bps: input.init_weight_bps,
            maint_weight_bps: input.maint_weight_bps,
            value_native: narrow(value)?,
            haircut_mm_native: narrow(haircut_mm)?,
            haircut_im_native: narrow(haircut_im)?,
            follows_underlying,
        });
    }
    Ok(rows)
}

fn position_rows(
    ctx: &HealthContext,
    inputs: &[PositionInput],
    series: &[&Series],
) -> ClientResult<Vec<PositionRow>> {
    let mut rows = Vec::with_capacity(inputs.len());
    for ((p, input), s) in ctx.account.active_positions().zip(inputs).zip(series) {
        let r = position_risk(input).map_err(risk)?;
        let settled = s.settled == 1;
        rows.push(PositionRow {
            series: p.series,
            underlying: s.underlying,
            underlying_index: s.underlying_index,
            is_call: s.is_call(),
            strike_e12: s.strike_e12,
            expiry_ts: s.expiry_ts,
            contract_size_e6: s.contract_size_e6,
            lot_size_contracts: s.lot_size_contracts,
            size_contracts: p.size_contracts,
            mark_native: s.risk.mark_native,
            mark_value_native: r.mark_value_native,
            cost_basis_native: p.cost_basis_native,
            unrealized_pnl_native: r.unrealized_pnl_native,
            realized_pnl_native: p.realized_pnl_native,
            delta_e9: r.delta_e9,
            gamma_e9: r.gamma_e9,
            vega_native: r.vega_native,
            theta_native: r.theta_native,
            vol_e6: s.vol_e6,
            risk_computed_at_ts: s.risk.computed_at_ts,
            spot_ref_e12: s.risk.spot_ref_e12,
            settled,
            settlement_price_e12: settled.then_some(s.settlement_price_e12),
        });
    }
    Ok(rows)
}
