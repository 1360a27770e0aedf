//! The report: a terminal table, `report.md` and `report.json` (every
//! figure, byte-identical for the same inputs: no wall-clock times in it).

use serde::Serialize;

use super::metrics::Figures;
use super::scenario::{Scenario, Step};
use crate::fmt::table;

/// Many-seed tails of one regime.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Tail {
    pub regime: &'static str,
    pub seeds: u64,
    /// unit: quote native. 95th percentile (nearest rank) over seeds.
    pub p95_bad_debt_native: i64,
    pub p95_value_liquidated_native: i64,
    pub mean_bad_debt_native: i64,
    pub mean_value_liquidated_native: i64,
    /// unit: quote native. Means over seeds.
    pub mean_over_liquidation_native: i64,
    pub mean_trader_equity_end_native: i64,
    pub mean_liquidator_pnl_native: i64,
    pub mean_fees_to_liquidator_native: i64,
    /// precision: 1e-3. Means over seeds of counts.
    pub mean_strategies_intact_milli: i64,
    pub mean_accounts_closed_out_milli: i64,
    pub mean_accounts_skipping_soft_milli: i64,
    pub mean_soft_calls_milli: i64,
}

impl Tail {
    pub fn of(regime: &'static str, runs: &[&Figures]) -> Self {
        let p95 = |mut v: Vec<i64>| {
            v.sort_unstable();
            let rank = (v.len() * 95).div_ceil(100).max(1);
            v[rank - 1]
        };
        let n = runs.len().max(1) as i64;
        let bad: Vec<i64> = runs.iter().map(|f| f.bad_debt_socialized_native).collect();
        let value: Vec<i64> = runs.iter().map(|f| f.value_liquidated_native).collect();
        let mean = |f: &dyn Fn(&Figures) -> i64| runs.iter().map(|r| f(r)).sum::<i64>() / n;
        Self {
            regime,
            seeds: runs.len() as u64,
            mean_over_liquidation_native: mean(&|f| f.over_liquidation_native),
            mean_trader_equity_end_native: mean(&|f| f.trader_equity_end_native),
            mean_liquidator_pnl_native: mean(&|f| f.liquidator_pnl_native),
            mean_fees_to_liquidator_native: mean(&|f| f.fees_to_liquidator_native),
            mean_strategies_intact_milli: mean(&|f| f.strategies_intact as i64 * 1_000),
            mean_accounts_closed_out_milli: mean(&|f| f.accounts_closed_out as i64 * 1_000),
            mean_accounts_skipping_soft_milli: mean(&|f| {
                f.accounts_skipping_soft_tiers as i64 * 1_000
            }),
            mean_soft_calls_milli: mean(&|f| {
                (f.liquidations_per_tier[0] + f.liquidations_per_tier[1]) as i64 * 1_000
            }),
            mean_bad_debt_native: bad.iter().sum::<i64>() / n,
            mean_value_liquidated_native: value.iter().sum::<i64>() / n,
            p95_bad_debt_native: p95(bad),
            p95_value_liquidated_native: p95(value),
        }
    }
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Report {
    pub scenario: Scenario,
    pub seed: u64,
    pub accounts: u64,
    pub path: Vec<Step>,
    pub regimes: Vec<Figures>,
    pub tails: Vec<Tail>,
}

fn usd(native: i64) -> String {
    let v = native as f64 / 1e6;
    if v.abs() >= 1e6 {
        format!("${:.2}M", v / 1e6)
    } else {
        format!("${v:.0}")
    }
}

fn ratio(a: i64, b: i64) -> String {
    if b == 0 {
        if a == 0 {
            "=".into()
        } else {
            "∞".into()
        }
    } else {
        format!("{:.2}", a as f64 / b as f64)
    }
}

impl Report {
    /// The comparison table: one column per regime, then tiered/full.
    pub fn table(&self) -> String {
        type Row = (&'static str, fn(&Figures) -> i64, bool);
        let rows: [Row; 37] = [
            ("value liquidated", |f| f.value_liquidated_native, true),
            ("  just-enough part", |f| f.just_enough_native, true),
            ("  over-liquidation", |f| f.over_liquidation_native, true),
            (
                "trader equity at start",
                |f| f.trader_equity_start_native,
                true,
            ),
            ("trader equity at end", |f| f.trader_equity_end_native, true),
            (
                "accounts liquidated",
                |f| f.accounts_liquidated as i64,
                false,
            ),
            ("accounts untouched", |f| f.accounts_untouched as i64, false),
            (
                "strategies, every leg open",
                |f| f.strategies_intact as i64,
                false,
            ),
            (
                "strategies, unchanged",
                |f| f.strategies_whole as i64,
                false,
            ),
            ("fees paid", |f| f.fees_native, true),
            ("  to liquidators", |f| f.fees_to_liquidator_native, true),
            ("  to insurance", |f| f.fees_to_insurance_native, true),
            ("liquidator P&L", |f| f.liquidator_pnl_native, true),
            (
                "  of which mark-to-market",
                |f| f.liquidator_mtm_native,
                true,
            ),
            (
                "  delta-hedged at each takeover",
                |f| f.liquidator_pnl_delta_hedged_native,
                true,
            ),
            (
                "  net of a 2-vol-point spread",
                |f| f.liquidator_pnl_net_spread_native[1],
                true,
            ),
            (
                "liquidator peak vega / vol pt",
                |f| f.liquidator_peak_vega_native,
                true,
            ),
            ("liquidator peak IM", |f| f.liquidator_peak_im_native, true),
            ("insurance used", |f| f.insurance_used_native, true),
            (
                "bad debt socialised",
                |f| f.bad_debt_socialized_native,
                true,
            ),
            (
                "liquidations tier 1",
                |f| f.liquidations_per_tier[0] as i64,
                false,
            ),
            (
                "liquidations tier 2",
                |f| f.liquidations_per_tier[1] as i64,
                false,
            ),
            (
                "liquidations tier 3 (closeout)",
                |f| f.liquidations_per_tier[2] as i64,
                false,
            ),
            (
                "soft calls before a closeout (x1000)",
                |f| f.soft_calls_before_closeout_mcalls as i64,
                false,
            ),
            (
                "accounts closed out",
                |f| f.accounts_closed_out as i64,
                false,
            ),
            (
                "  of which skipped soft tiers",
                |f| f.accounts_skipping_soft_tiers as i64,
                false,
            ),
            (
                "overshoot past target, mean bps",
                |f| f.overshoot_mean_bps as i64,
                false,
            ),
            (
                "contracts beyond just enough",
                |f| f.over_liquidated_contracts as i64,
                false,
            ),
            (
                "vega beyond just enough / vol pt",
                |f| f.over_liquidated_vega_native,
                true,
            ),
            ("account-minutes in tier 1", |f| f.tier_secs[0] / 60, false),
            ("account-minutes in tier 2", |f| f.tier_secs[1] / 60, false),
            ("account-minutes in tier 3", |f| f.tier_secs[2] / 60, false),
            (
                "liquidation transactions",
                |f| f.liquidation_transactions as i64,
                false,
            ),
            ("all transactions", |f| f.transactions as i64, false),
            (
                "deferred for block space",
                |f| f.deferred_for_block_space as i64,
                false,
            ),
            (
                "lowest SOL price (cents)",
                |f| f.low_price_e8 / 1_000_000,
                false,
            ),
            ("cascade's extra move (bps)", |f| f.cascade_move_bps, false),
        ];
        let tiered = self.regimes.iter().position(|f| f.regime == "tiered");
        let full = self.regimes.iter().position(|f| f.regime == "full");
        let mut header = vec!["".to_owned()];
        header.extend(self.regimes.iter().map(|f| f.regime.to_owned()));
        if tiered.is_some() && full.is_some() {
            header.push("tiered/full".into());
        }
        let mut out = vec![header];
        for (name, get, money) in rows {
            let mut row = vec![name.to_owned()];
            for f in &self.regimes {
                let v = get(f);
                row.push(if money { usd(v) } else { v.to_string() });
            }
            if let (Some(t), Some(u)) = (tiered, full) {
                row.push(ratio(get(&self.regimes[t]), get(&self.regimes[u])));
            }
            out.push(row);
        }
        let mut text = table(&out);
        if !self.tails.is_empty() {
            let mut rows = vec![vec![
                "over seeds".to_owned(),
                "seeds".into(),
                "p95 bad debt".into(),
                "p95 value liquidated".into(),
                "mean bad debt".into(),
                "mean value liquidated".into(),
                "mean over-liquidation".into(),
                "mean trader equity end".into(),
                "mean liquidator P&L".into(),
                "mean strategies intact".into(),
            ]];
            for t in &self.tails {
                rows.push(vec![
                    t.regime.to_owned(),
                    t.seeds.to_string(),
                    usd(t.p95_bad_debt_native),
                    usd(t.p95_value_liquidated_native),
                    usd(t.mean_bad_debt_native),
                    usd(t.mean_value_liquidated_native),
                    usd(t.mean_over_liquidation_native),
                    usd(t.mean_trader_equity_end_native),
                    usd(t.mean_liquidator_pnl_native),
                    format!("{:.1}", t.mean_strategies_intact_milli as f64 / 1e3),
                ]);
            }
            text.push('\n');
            text.push_str(&table(&rows));
        }
        text
    }

    pub fn json(&self) -> String {
        serde_json::to_string_pretty(self).expect("the report serialises")
    }

    /// `report.md`: the setting, the table, what each row means, the plots.
    pub fn markdown(&self, timing: &str) -> String {
        let s = &self.scenario;
        let first = self.path.first().map_or(0, |p| p.price_e8);
        let low = self.path.iter().map(|p| p.price_e8).min().unwrap_or(0);
        let last = self.path.last().map_or(0, |p| p.price_e8);
        let mut md = format!(
            "# Crash simulation: {} (seed {}, {} accounts)\n\n\
             SOL from ${:.2} to a low of ${:.2}, ending at ${:.2}, over {} h in {} s steps \
             (one Pyth PriceUpdateV2 and one keeper pass per step); volatility raised by the \
             vol authority toward {:.0}× at a 30% drawdown, within the program's rate limit.\n\n\
             Every regime runs the same program on a fresh embedded chain with the same seeded \
             population and path; only its liquidation parameters differ:\n\n",
            s.name,
            self.seed,
            self.accounts,
            first as f64 / 1e8,
            low as f64 / 1e8,
            last as f64 / 1e8,
            s.duration_secs / 3_600,
            s.step_secs,
            s.vol_spike,
        );
        for f in &self.regimes {
            md.push_str(&format!(
                "- **{}**: {} (soft caps a share of the {}); closeouts of whole candidates \
                 below {:.0}%, of just enough above; grace {} s after a soft call its cap cut; \
                 fee {}–{} bps of the MM released (rising as the account falls)\n",
                f.regime,
                f.tiers
                    .iter()
                    .map(|[b, x]| format!(
                        "below {:.2}% up to {:.0}%",
                        *b as f64 / 100.0,
                        *x as f64 / 100.0
                    ))
                    .collect::<Vec<_>>()
                    .join(", "),
                f.soft_cap_basis,
                f.flatten_below_ratio_bps as f64 / 100.0,
                f.grace_period_secs,
                f.fee_rate_bps,
                f.fee_rate_max_bps,
            ));
        }
        md.push_str("\n```\n");
        md.push_str(&self.table());
        md.push_str("```\n\n");
        md.push_str(
            "- *value liquidated*: Σ over `LiquidationEvent`s of |quantity| × price (the mark \
             per contract, +1 for a short; collateral at the low oracle price).\n\
             - *just-enough part*: for each call, the smallest slice of the same candidate that \
             restores the 110% target on the state just before the call, solved with the \
             program's planner (`Snapshot::plan` with a maximum quantity); the whole slice when \
             none smaller does. *Over-liquidation* is the rest.\n\
             - *trader equity*: Σ equity of the traders' accounts at spot, by the program's \
             health code over the accounts read back at the start and the end.\n\
             - *strategies, every leg open*: every leg the account started with is still open \
             on the same side (a spread with one leg gone is not intact).\n\
             - *liquidator P&L*: the bot's equity at the end minus at the start (it does \
             nothing else); *mark-to-market* is that minus the fees it kept.\n\
             - *insurance used*, *bad debt socialised*: `BankruptcyEvent`s and the settlement \
             collateral's `socialized_loss_native`.\n\
             - *deferred for block space*: transactions the scheduler refused because no 400 ms \
             slot before the next price update had room (60M CU per block, 12M CU per writable \
             account, at each transaction's requested limit).\n\n",
        );
        for f in &self.regimes {
            md.push_str(&format!(
                "{}: {} liquidation calls, queueing delay mean {:.3} slots, max {} slots; \
                 {} transactions requesting {} CU; {} failed.\n\n",
                f.regime,
                f.liquidation_calls,
                f.queue_delay_mean_mslots as f64 / 1e3,
                f.queue_delay_max_slots,
                f.transactions,
                f.cu_requested,
                f.failed_transactions,
            ));
        }
        md.push_str(
            "![price](price.svg)\n\n![ratios](ratios.svg)\n\n![cumulative](cumulative.svg)\n\n\
             ![sample](sample.svg)\n\n",
        );
        md.push_str(timing);
        md.push('\n');
        md
    }
}
