//! The figures of a regime, each from the chain (accounts read back and
//! priced by the program's own health code) or from the program's events.
//! Amounts are integers in quote native units (1e-6 USD).

use std::collections::{BTreeMap, BTreeSet};

use anchor_lang::prelude::Pubkey;
use options_margin::health::{MarginSummary, Valuation};
use options_margin::state::{Collateral, MarginAccount};
use options_margin_client::decode::{fetch, margin_accounts};
use options_margin_client::error::ClientResult;
use options_margin_client::snapshot::Snapshot;
use options_margin_client::{pda, token, Chain};
use serde::Serialize;

use super::population::Market;
use super::scheduler::Landed;
use super::RegimeRun;

/// Each account's summary at spot (as liquidations value it); `None` when
/// the program could not price it.
pub fn summaries(snapshot: &Snapshot, accounts: &[MarginAccount]) -> Vec<Option<MarginSummary>> {
    accounts
        .iter()
        .map(|a| snapshot.summary(a, Valuation::Spot).ok())
        .collect()
}

/// unit: quote native. Equity at spot (0 when it cannot be priced).
pub fn equity(snapshot: &Snapshot, account: &MarginAccount) -> i64 {
    snapshot
        .summary(account, Valuation::Spot)
        .map_or(0, |s| s.equity_native)
}

/// precision: bps. The program's ratio (0 when it cannot be priced).
pub fn ratio(snapshot: &Snapshot, account: &MarginAccount) -> u64 {
    snapshot
        .summary(account, Valuation::Spot)
        .map_or(0, |s| s.ratio_bps)
}

/// The settlement and SOL books, from the chain.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct Books {
    /// unit: USDC native. The settlement vault's token balance.
    pub vault_usdc: u64,
    pub total_balance_native: i64,
    pub socialized_loss_native: i64,
    /// Σ settlement balances of every margin account.
    pub sum_balances: i64,
    pub sum_insurance_accrued: i64,
    pub sum_loss_retired: i64,
    pub insurance_native: i64,
    /// unit: SOL native. The SOL vault's token balance and Σ SOL balances.
    pub vault_sol: u64,
    pub sum_sol: i64,
}

impl Books {
    pub async fn read<C: Chain>(chain: &C, m: &Market, snapshot: &Snapshot) -> ClientResult<Self> {
        let usdc: Collateral = fetch(chain, &pda::collateral(&m.exchange, &m.usdc).0).await?;
        let sol: Collateral = fetch(chain, &pda::collateral(&m.exchange, &m.sol).0).await?;
        let amount = |a: Option<solana_account::Account>, k: &Pubkey| {
            a.map_or(Ok(0), |a| token::token_amount(k, &a))
        };
        let mut b = Self {
            vault_usdc: amount(chain.account(&usdc.vault).await?, &usdc.vault)?,
            vault_sol: amount(chain.account(&sol.vault).await?, &sol.vault)?,
            total_balance_native: usdc.total_balance_native,
            socialized_loss_native: usdc.socialized_loss_native,
            insurance_native: snapshot.exchange.insurance_native,
            ..Self::default()
        };
        for (_, a) in margin_accounts(chain, &m.exchange, None).await? {
            for c in a.active_collaterals() {
                if c.mint == m.usdc {
                    b.sum_balances += c.balance_native;
                } else if c.mint == m.sol {
                    b.sum_sol += c.balance_native;
                }
            }
            b.sum_insurance_accrued += a.insurance_accrued_native;
            b.sum_loss_retired += a.loss_retired_native;
        }
        Ok(b)
    }
}

/// unit: quote native. What a landed call moved: contracts × price per
/// contract, or collateral native × the low oracle price.
pub fn value_native(l: &Landed, quantity: u64, sol_decimals: u8) -> i128 {
    let price = i128::from(l.event.price);
    if l.event.target_is_position {
        i128::from(quantity) * price
    } else {
        i128::from(quantity) * price / 10i128.pow(u32::from(sol_decimals) + 6)
    }
}

/// Every figure of one regime.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Figures {
    pub regime: &'static str,
    /// `[below_ratio_bps, max_fraction_bps]` per tier, as applied on chain.
    pub tiers: [[u32; 2]; 3],
    /// What a soft tier's fraction is a share of: "account MM" or "candidate".
    pub soft_cap_basis: &'static str,
    /// precision: bps of equity / MM. Below it closeouts close whole candidates.
    pub flatten_below_ratio_bps: u32,
    /// unit: seconds.
    pub grace_period_secs: u32,
    /// precision: bps of the MM released. The fee rate at the first tier
    /// and where it ramps to at 100% of MM.
    pub fee_rate_bps: u16,
    pub fee_rate_max_bps: u16,
    pub accounts: u64,
    pub accounts_liquidated: u64,
    pub accounts_untouched: u64,
    /// Strategies with every original leg still open at the end.
    pub strategies_intact: u64,
    /// Strategies with every original leg open at its original size.
    pub strategies_whole: u64,
    /// `[intact, total]` per strategy.
    pub intact_by_strategy: BTreeMap<String, [u64; 2]>,
    pub value_liquidated_native: i64,
    pub just_enough_native: i64,
    pub over_liquidation_native: i64,
    pub trader_equity_start_native: i64,
    pub trader_equity_end_native: i64,
    pub fees_native: i64,
    pub fees_to_liquidator_native: i64,
    pub fees_to_insurance_native: i64,
    pub liquidator_pnl_native: i64,
    /// Liquidator P&L minus the fees it kept: the mark-to-market at the end
    /// of what it took over.
    pub liquidator_mtm_native: i64,
    pub insurance_used_native: i64,
    pub bad_debt_socialized_native: i64,
    pub bankruptcies: u64,
    pub liquidations_per_tier: [u64; 3],
    pub liquidation_calls: u64,
    pub liquidation_transactions: u64,
    pub transactions: u64,
    pub cu_requested: u64,
    pub deferred_for_block_space: u64,
    pub failed_transactions: u64,
    pub queue_delay_max_slots: u64,
    /// precision: 1e-3 slots. Mean queueing delay of liquidation transactions.
    pub queue_delay_mean_mslots: u64,
    /// precision: bps. Every trader's ratio before and after the path.
    pub ratios_before_bps: Vec<u64>,
    pub ratios_after_bps: Vec<u64>,
    /// `[t_secs, cumulative value liquidated native]` at each liquidation.
    pub cumulative_value: Vec<[i64; 2]>,
    /// `[t_secs, ratio_bps]` of the sample trader.
    pub sample_ratio: Vec<[i64; 2]>,
    /// precision: bps. The cascade's extra move: the last published price
    /// against the scenario's last price (0 without the impact model).
    pub cascade_move_bps: i64,
    /// precision: 1e-8 USD. Lowest published price.
    pub low_price_e8: i64,
    pub books: Books,
    pub usdc_in_native: u64,
    pub usdc_out_native: u64,
    pub sol_in_native: u64,
    pub setup_refusals: u64,
    /// unit: account-seconds spent in tiers 1, 2, 3 (after the keeper's pass).
    pub tier_secs: [i64; 3],
    /// Soft calls an account received before its first closeout call (mean
    /// over accounts that reached a closeout), precision: 1e-3 calls.
    pub soft_calls_before_closeout_mcalls: u64,
    /// Accounts whose first liquidation was a closeout (they skipped the soft tiers).
    pub accounts_skipping_soft_tiers: u64,
    /// Accounts that reached a closeout at all.
    pub accounts_closed_out: u64,
    /// precision: bps of equity / MM. Mean and largest overshoot past the
    /// target of the calls that reached it (`ratio after − target`).
    pub overshoot_mean_bps: u64,
    pub overshoot_max_bps: u64,
    /// unit: contracts. Option contracts liquidated beyond just enough.
    pub over_liquidated_contracts: u64,
    /// unit: quote native per volatility point. Vega liquidated beyond
    /// just enough, and the vega taken over in all.
    pub over_liquidated_vega_native: i64,
    pub vega_taken_over_native: i64,
    /// unit: quote native. Liquidator P&L net of crossing a spread of 1, 2
    /// and 5 volatility points on every option contract taken over.
    pub liquidator_pnl_net_spread_native: [i64; 3],
    /// unit: quote native. Liquidator P&L had it sold (bought) the delta of
    /// each takeover on the spot market at that step's price and held the
    /// hedge to the end: what is left is the options' gamma, vega and theta.
    pub liquidator_pnl_delta_hedged_native: i64,
    /// unit: quote native per volatility point. Most |vega| the liquidator held.
    pub liquidator_peak_vega_native: i64,
    /// unit: quote native. Most initial margin the liquidator had to post.
    pub liquidator_peak_im_native: i64,
    /// The keeper's decisions that sent nothing, by action, outcome and reason.
    pub keeper_outcomes: BTreeMap<String, u64>,
}

/// unit: volatility points. The spreads of [`Figures::liquidator_pnl_net_spread_native`].
pub const SPREAD_VOL_POINTS: [i64; 3] = [1, 2, 5];

fn open_legs(a: &MarginAccount) -> BTreeMap<Pubkey, i64> {
    a.active_positions()
        .map(|p| (p.series, p.size_contracts))
        .filter(|(_, s)| *s != 0)
        .collect()
}

/// Ratios shown up to 1,000% (an account without margin has none).
const RATIO_CAP_BPS: u64 = 100_000;

impl Figures {
    /// `path_last_e8`: the scenario's own last price.
    pub fn of(run: &RegimeRun, sol_decimals: u8, path_last_e8: i64) -> Self {
        let traders: BTreeSet<Pubkey> = run.traders.iter().map(|t| t.key).collect();
        let liquidated: BTreeSet<Pubkey> = run
            .liquidations
            .iter()
            .map(|(_, l)| l.event.liquidatee)
            .filter(|k| traders.contains(k))
            .collect();
        let (mut intact, mut whole) = (0, 0);
        let mut by: BTreeMap<String, [u64; 2]> = BTreeMap::new();
        for t in &run.traders {
            let (before, after) = (open_legs(&t.start), open_legs(&t.end));
            let legs_open = before
                .iter()
                .all(|(s, size)| after.get(s).is_some_and(|x| x.signum() == size.signum()));
            let e = by.entry(t.strategy.name().to_owned()).or_default();
            e[1] += 1;
            if legs_open {
                intact += 1;
                e[0] += 1;
            }
            if before == after {
                whole += 1;
            }
        }
        let (mut value, mut just) = (0i128, 0i128);
        let mut per_tier = [0u64; 3];
        let (mut fees, mut to_insurance) = (0i64, 0i64);
        let mut cumulative = Vec::new();
        for (t, l) in &run.liquidations {
            let q = l.event.quantity.unsigned_abs();
            value += value_native(l, q, sol_decimals);
            just += value_native(l, l.just_enough_quantity.min(q), sol_decimals);
            if let Some(c) = per_tier.get_mut(usize::from(l.event.tier).saturating_sub(1)) {
                *c += 1;
            }
            fees += l.event.fee_native as i64;
            to_insurance += l.event.insurance_share_native as i64;
            cumulative.push([*t, value as i64]);
        }
        let sum = |f: &dyn Fn(&super::TraderState) -> Option<&MarginSummary>| {
            run.traders
                .iter()
                .filter_map(|t| f(t).map(|s| s.equity_native))
                .sum::<i64>()
        };
        let ratios = |f: &dyn Fn(&super::TraderState) -> Option<&MarginSummary>| {
            run.traders
                .iter()
                .map(|t| f(t).map_or(0, |s| s.ratio_bps.min(RATIO_CAP_BPS)))
                .collect::<Vec<_>>()
        };
        let pnl = run.liquidator_after - run.liquidator_before;
        let calls = CallFigures::of(run);
        let l = &run.ledger;
        Self {
            regime: run.regime.name(),
            tiers: run
                .risk
                .tiers
                .map(|t| [t.below_ratio_bps, t.max_fraction_bps]),
            soft_cap_basis: if run.risk.soft_cap_basis
                == options_margin_risk::params::CAP_OF_CANDIDATE
            {
                "candidate"
            } else {
                "account MM"
            },
            flatten_below_ratio_bps: run.risk.flatten_below_ratio_bps,
            grace_period_secs: run.risk.grace_period_secs,
            fee_rate_bps: run.risk.fee_rate_bps,
            fee_rate_max_bps: run.risk.fee_rate_max_bps.max(run.risk.fee_rate_bps),
            accounts: run.traders.len() as u64,
            accounts_liquidated: liquidated.len() as u64,
            accounts_untouched: (run.traders.len() - liquidated.len()) as u64,
            strategies_intact: intact,
            strategies_whole: whole,
            intact_by_strategy: by,
            value_liquidated_native: value as i64,
            just_enough_native: just as i64,
            over_liquidation_native: (value - just) as i64,
            trader_equity_start_native: sum(&|t| t.start_summary.as_ref()),
            trader_equity_end_native: sum(&|t| t.end_summary.as_ref()),
            fees_native: fees,
            fees_to_liquidator_native: fees - to_insurance,
            fees_to_insurance_native: to_insurance,
            liquidator_pnl_native: pnl,
            liquidator_mtm_native: pnl - (fees - to_insurance),
            insurance_used_native: run
                .bankruptcies
                .iter()
                .map(|b| b.insurance_covered_native as i64)
                .sum(),
            bad_debt_socialized_native: run.books.socialized_loss_native,
            bankruptcies: run.bankruptcies.len() as u64,
            liquidations_per_tier: per_tier,
            liquidation_calls: run.liquidations.len() as u64,
            liquidation_transactions: l.liquidation_transactions,
            transactions: l.transactions,
            cu_requested: l.cu_requested,
            deferred_for_block_space: l.deferred,
            failed_transactions: l.failed,
            queue_delay_max_slots: l.delay_slots_max,
            queue_delay_mean_mslots: (l.delay_slots_total * 1_000)
                .checked_div(l.liquidation_transactions)
                .unwrap_or(0),
            ratios_before_bps: ratios(&|t| t.start_summary.as_ref()),
            ratios_after_bps: ratios(&|t| t.end_summary.as_ref()),
            cumulative_value: cumulative,
            sample_ratio: run.sample.iter().map(|(t, r)| [*t, *r as i64]).collect(),
            cascade_move_bps: run.published_e8.last().map_or(0, |p| {
                ((i128::from(*p) - i128::from(path_last_e8)) * 10_000
                    / i128::from(path_last_e8.max(1))) as i64
            }),
            low_price_e8: run.published_e8.iter().copied().min().unwrap_or(0),
            books: run.books.clone(),
            usdc_in_native: run.funding.usdc_in,
            usdc_out_native: run.funding.usdc_out,
            sol_in_native: run.funding.sol_in,
            setup_refusals: run.funding.refused,
            tier_secs: run.tier_secs,
            soft_calls_before_closeout_mcalls: calls.soft_before_closeout_mcalls,
            accounts_skipping_soft_tiers: calls.skipping_soft,
            accounts_closed_out: calls.closed_out,
            overshoot_mean_bps: calls.overshoot_mean_bps,
            overshoot_max_bps: calls.overshoot_max_bps,
            over_liquidated_contracts: calls.over_contracts,
            over_liquidated_vega_native: calls.over_vega,
            vega_taken_over_native: calls.vega_taken,
            liquidator_pnl_net_spread_native: SPREAD_VOL_POINTS
                .map(|pts| pnl - calls.vega_taken.saturating_mul(pts)),
            liquidator_pnl_delta_hedged_native: pnl.saturating_add(hedge_pnl_native(run)),
            liquidator_peak_vega_native: run.liquidator_peak_vega_native,
            liquidator_peak_im_native: run.liquidator_peak_im_native,
            keeper_outcomes: run.keeper_outcomes.clone(),
        }
    }
}

/// unit: quote native. The P&L of hedging every takeover's delta at the
/// step's price until the last one: `−Σ δ_i · (S_end − S_i)`.
fn hedge_pnl_native(run: &RegimeRun) -> i64 {
    let end = i128::from(run.published_e8.last().copied().unwrap_or(0));
    let total: i128 = run
        .liquidation_delta_e9
        .iter()
        .zip(&run.liquidation_spot_e8)
        .map(|(d, s)| -d.saturating_mul(end - i128::from(*s)))
        .sum();
    // e9 SOL × e8 USD = e17; quote native is e6 USD.
    (total / 100_000_000_000).clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
}

/// Per-call figures of a regime's liquidations, in landing order.
struct CallFigures {
    soft_before_closeout_mcalls: u64,
    skipping_soft: u64,
    closed_out: u64,
    overshoot_mean_bps: u64,
    overshoot_max_bps: u64,
    over_contracts: u64,
    over_vega: i64,
    vega_taken: i64,
}

impl CallFigures {
    fn of(run: &RegimeRun) -> Self {
        let closeout = run.risk.tiers.len() as u8;
        let target = u64::from(run.risk.target_ratio_bps);
        // Per account: soft calls so far, and whether a closeout came.
        let mut per: BTreeMap<Pubkey, (u64, bool)> = BTreeMap::new();
        let (mut soft_before, mut skipping, mut closed_out) = (0u64, 0u64, 0u64);
        let (mut over_sum, mut over_n, mut over_max) = (0u64, 0u64, 0u64);
        let (mut over_contracts, mut over_vega, mut vega_taken) = (0u64, 0i64, 0i64);
        for ((_, l), vega) in run.liquidations.iter().zip(&run.liquidation_vega) {
            let e = &l.event;
            let entry = per.entry(e.liquidatee).or_default();
            if e.tier == closeout {
                if !entry.1 {
                    entry.1 = true;
                    closed_out += 1;
                    soft_before += entry.0;
                    skipping += u64::from(entry.0 == 0);
                }
            } else if !entry.1 {
                entry.0 += 1;
            }
            // A call that leaves no MM has no ratio (u64::MAX): shown capped.
            let after = e.ratio_after_bps.min(RATIO_CAP_BPS);
            if after >= target {
                let over = after - target;
                over_sum += over;
                over_n += 1;
                over_max = over_max.max(over);
            }
            if e.target_is_position {
                let q = e.quantity.unsigned_abs();
                let beyond = q - l.just_enough_quantity.min(q);
                over_contracts += beyond;
                over_vega = over_vega.saturating_add((beyond as i64).saturating_mul(vega.abs()));
                vega_taken = vega_taken.saturating_add((q as i64).saturating_mul(vega.abs()));
            }
        }
        Self {
            soft_before_closeout_mcalls: (soft_before * 1_000).checked_div(closed_out).unwrap_or(0),
            skipping_soft: skipping,
            closed_out,
            overshoot_mean_bps: over_sum.checked_div(over_n).unwrap_or(0),
            overshoot_max_bps: over_max,
            over_contracts,
            over_vega,
            vega_taken,
        }
    }
}
