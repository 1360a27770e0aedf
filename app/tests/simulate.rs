//! The crash simulator on a small deterministic run (50 accounts, a sharp
//! one-hour fall, both regimes): the books balance to the unit on chain,
//! the report's figures are the chain's, and the same seed gives the same
//! report byte for byte.

use options_margin::health::Valuation;
use options_margin::state::{Collateral, Exchange, MarginAccount};
use options_margin_app::simulate::metrics::Figures;
use options_margin_app::simulate::report::Report;
use options_margin_app::simulate::scenario::Scenario;
use options_margin_app::simulate::{self, Regime, RegimeRun, SimConfig};
use options_margin_client::decode::{fetch, margin_accounts};
use options_margin_client::snapshot::Snapshot;
use options_margin_client::{pda, token, Chain};

fn config() -> SimConfig {
    SimConfig {
        accounts: 50,
        seed: 7,
        scenario: Scenario {
            name: "test".into(),
            duration_secs: 3_600,
            step_secs: 60,
            keyframes: vec![[0.0, 1.0], [1.0, 0.8]],
            noise_vol: 0.3,
            jumps_per_day: 0.0,
            jump_bps: 0.0,
            vol_spike: 2.0,
        },
        regimes: vec![Regime::Tiered, Regime::Full],
        risk_overrides: Vec::new(),
        impact_bps_per_musd: 0.0,
    }
}

async fn token_balance(run: &RegimeRun, key: &anchor_lang::prelude::Pubkey) -> u64 {
    let a = run
        .chain
        .account(key)
        .await
        .unwrap()
        .expect("token account");
    token::token_amount(key, &a).unwrap()
}

/// Conservation and the report's figures, against the chain read afresh.
async fn check(run: &RegimeRun, f: &Figures) {
    let m = &run.market;
    let chain = &run.chain;
    let usdc: Collateral = fetch(chain, &pda::collateral(&m.exchange, &m.usdc).0)
        .await
        .unwrap();
    let sol: Collateral = fetch(chain, &pda::collateral(&m.exchange, &m.sol).0)
        .await
        .unwrap();
    let exchange: Exchange = fetch(chain, &m.exchange).await.unwrap();
    let vault_usdc = token_balance(run, &usdc.vault).await as i64;
    let vault_sol = token_balance(run, &sol.vault).await as i64;
    let (mut balances, mut accrued, mut retired, mut sol_balances) = (0i64, 0i64, 0i64, 0i64);
    for (_, a) in margin_accounts(chain, &m.exchange, None).await.unwrap() {
        for c in a.active_collaterals() {
            if c.mint == m.usdc {
                balances += c.balance_native;
            } else if c.mint == m.sol {
                sol_balances += c.balance_native;
            }
        }
        accrued += a.insurance_accrued_native;
        retired += a.loss_retired_native;
    }
    let r = f.regime;
    // Tokens in = tokens out + what the vault holds, to the unit.
    assert_eq!(
        f.usdc_in_native as i64 - f.usdc_out_native as i64,
        vault_usdc,
        "{r}: USDC in − out = vault"
    );
    assert_eq!(f.sol_in_native as i64, vault_sol, "{r}: SOL in = vault");
    assert_eq!(vault_sol, sol_balances, "{r}: SOL vault = Σ SOL balances");
    // The vault holds the balances, the fees' insurance part (accrued or
    // swept into the fund) and retired losses; socialised loss is what it lacks.
    assert_eq!(
        vault_usdc + usdc.socialized_loss_native,
        usdc.total_balance_native,
        "{r}: vault + socialised = total"
    );
    assert_eq!(
        usdc.total_balance_native,
        balances + accrued + retired + exchange.insurance_native,
        "{r}: total = Σ balances + Σ accrued + Σ retired + insurance"
    );
    assert_eq!(
        f.fees_to_insurance_native,
        exchange.insurance_native + accrued + f.insurance_used_native,
        "{r}: every fee's insurance share is in the fund, accrued, or spent on bankruptcies"
    );
    // The report's figures are the chain's.
    assert_eq!(
        f.bad_debt_socialized_native, usdc.socialized_loss_native,
        "{r}"
    );
    assert_eq!(f.books.insurance_native, exchange.insurance_native, "{r}");
    assert_eq!(f.books.vault_usdc as i64, vault_usdc, "{r}");
    let snapshot = Snapshot::load(chain, &Default::default(), &m.exchange)
        .await
        .unwrap();
    let mut equity = 0i64;
    for (t, ratio) in run.traders.iter().zip(&f.ratios_after_bps) {
        let a: MarginAccount = fetch(chain, &t.key).await.unwrap();
        assert_eq!(
            a.positions, t.end.positions,
            "{r}: end state is the chain's"
        );
        let s = snapshot.summary(&a, Valuation::Spot).unwrap();
        equity += s.equity_native;
        assert_eq!(s.ratio_bps.min(100_000), *ratio, "{r}: ratio");
    }
    assert_eq!(f.trader_equity_end_native, equity, "{r}: trader equity");
    let fees: i64 = run
        .liquidations
        .iter()
        .map(|(_, l)| l.event.fee_native as i64)
        .sum();
    assert_eq!(f.fees_native, fees, "{r}: fees are the events'");
    assert_eq!(
        f.liquidations_per_tier.iter().sum::<u64>(),
        f.liquidation_calls,
        "{r}"
    );
    assert!(f.over_liquidation_native >= 0 && f.just_enough_native <= f.value_liquidated_native);
}

async fn report(cfg: &SimConfig, check_chain: bool) -> (Report, Vec<Figures>) {
    let (path, runs) = simulate::run(cfg, &|| {}).await.unwrap();
    let last = path.last().unwrap().price_e8;
    let figures: Vec<Figures> = runs.iter().map(|r| Figures::of(r, 9, last)).collect();
    if check_chain {
        for (run, f) in runs.iter().zip(&figures) {
            check(run, f).await;
        }
    }
    let report = Report {
        scenario: cfg.scenario.clone(),
        seed: cfg.seed,
        accounts: cfg.accounts as u64,
        path,
        regimes: figures.clone(),
        tails: Vec::new(),
    };
    (report, figures)
}

#[tokio::test]
async fn a_small_crash_balances_to_the_unit_matches_the_chain_and_repeats_byte_for_byte() {
    let cfg = config();
    let (first, figures) = report(&cfg, true).await;
    println!("{}", first.table());
    let tiered = &figures[0];
    let full = &figures[1];
    assert!(
        tiered.liquidation_calls > 0 && full.liquidation_calls > 0,
        "the fall liquidates in both regimes"
    );
    assert!(
        tiered.liquidations_per_tier[..2].iter().sum::<u64>() > 0,
        "the tiered regime uses its soft tiers"
    );
    assert_eq!(
        tiered.trader_equity_start_native,
        full.trader_equity_start_native
    );
    let (second, _) = report(&cfg, false).await;
    assert_eq!(first.json(), second.json(), "same seed, same report");
}
