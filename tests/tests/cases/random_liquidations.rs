//! A long random sequence on the in-process chain: trades, price and vol
//! moves, deposits, withdrawals and liquidations across many accounts.
//! After every step the settlement books balance (vault + socialised loss =
//! total = Σ balances + insurance), open interest long = short = stored,
//! no liquidation lowered a solvent account's ratio, and no account at or
//! above the first tier's threshold was ever liquidated.
//!
//! `RANDOM_STEPS` overrides the step count (default 10,000).

use anchor_lang::prelude::Pubkey;
use options_margin::error::ErrorCode;
use options_margin::events::LiquidationEvent;
use options_margin::state::{RiskParams, Series};
use options_margin_tests::bench::{find_event, program_test};
use options_margin_tests::errors::custom_code;
use options_margin_tests::exchange::SOL_CONF_E8;
use options_margin_tests::options::sol_terms;
use options_margin_tests::{client, ExchangeFixture, TestBench, User};

const USD: u64 = 1_000_000;

/// xorshift64*, deterministic so failures replay.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn code(e: ErrorCode) -> u32 {
    anchor_lang::error::ERROR_CODE_OFFSET + e as u32
}

struct World {
    bench: TestBench,
    fx: ExchangeFixture,
    u: Pubkey,
    series: Vec<Pubkey>,
    users: Vec<User>,
    keeper: User,
}

async fn check_books(w: &World) {
    let mut accounts: Vec<Pubkey> = w.users.iter().map(|u| u.margin).collect();
    accounts.push(w.keeper.margin);
    w.fx.assert_books(&w.bench, &accounts, &w.series).await;
}

async fn world() -> World {
    let mut bench = TestBench::start(program_test()).await;
    // A short grace period so soft tiers recur within the run.
    let mut risk = RiskParams::defaults();
    risk.grace_period_secs = 30;
    let fx = ExchangeFixture::setup_with_risk(&mut bench, risk).await;
    let u = fx.add_sol_underlying(&mut bench).await;
    let now = bench.now().await;
    let mut series = Vec::new();
    for (is_call, strike) in [(false, 140), (false, 150), (true, 160)] {
        let s = fx
            .create_series(
                &mut bench,
                &u,
                sol_terms(is_call, strike, now + 60 * 86_400),
            )
            .await;
        fx.set_vol(&mut bench, &u, &s, 700_000).await;
        fx.refresh(&mut bench, &u, &s).await;
        series.push(s);
    }
    let mut users = Vec::new();
    for _ in 0..8 {
        let user = fx.new_user(&mut bench, 1_000_000 * USD, 0).await;
        fx.deposit(&mut bench, &user, &fx.usdc.mint, 600 * USD)
            .await
            .unwrap();
        users.push(user);
    }
    let keeper = fx.new_user(&mut bench, 10_000_000 * USD, 0).await;
    fx.deposit(&mut bench, &keeper, &fx.usdc.mint, 5_000_000 * USD)
        .await
        .unwrap();
    World {
        bench,
        fx,
        u,
        series,
        users,
        keeper,
    }
}

#[tokio::test]
async fn ten_thousand_random_steps_keep_every_invariant() {
    let steps: usize = std::env::var("RANDOM_STEPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000);
    let mut w = world().await;
    let mut rng = Rng(0x0bad_5eed_1234_5678);
    let mut price: i64 = 15_000_000_000;
    let mut last_vol_set = w.bench.now().await;
    let mut tiers = [0u32; 3];
    let mut post_ratios: Vec<u64> = Vec::new();
    let (mut trades, mut healthy_refusals, mut grace_refusals) = (0u32, 0u32, 0u32);
    let mut min_ratio = u64::MAX;
    for step in 0..steps {
        match rng.below(20) {
            0..=7 => {
                // Users 0..4 are option writers (they only sell); 4..8 trade
                // both ways, so leverage builds up on the writers.
                let i = 4 + rng.below(4) as usize;
                let j = rng.below(8) as usize;
                let j = if j == i { (j + 1) % 8 } else { j };
                let s = w.series[rng.below(3) as usize];
                let stored: Series = w.bench.load_zc(&s).await;
                let size = 1 + rng.below(6) as i64;
                let size = if j < 4 || rng.below(2) == 0 {
                    size
                } else {
                    -size
                };
                let premium = stored.risk.mark_native as u64 * (95 + rng.below(11)) / 100;
                match w
                    .fx
                    .trade(&mut w.bench, &w.users[i], &w.users[j], &s, size, premium)
                    .await
                {
                    Ok(_) => trades += 1,
                    Err(e) => {
                        let allowed = [
                            code(ErrorCode::BelowInitialMargin),
                            code(ErrorCode::HealthWouldFall),
                            code(ErrorCode::EquityWouldFall),
                            code(ErrorCode::PremiumOutsideBand),
                            code(ErrorCode::AccountPositionsFull),
                        ];
                        assert!(
                            custom_code(&e).is_some_and(|c| allowed.contains(&c)),
                            "step {step}: trade {e:?}"
                        );
                    }
                }
            }
            8..=12 => {
                // A weakly mean-reverting move (±1.5%, one in ten a ±6% jump),
                // then fresh vectors.
                let span = if rng.below(10) == 0 { 600 } else { 150 };
                let noise = rng.below(2 * span + 1) as i64 - span as i64;
                price = price + price * noise / 10_000 + (15_000_000_000 - price) / 200;
                w.bench.advance_time(5).await;
                let now = w.bench.now().await;
                w.fx.set_sol_price(&mut w.bench, price, SOL_CONF_E8, now);
                if now - last_vol_set > 1_800 {
                    for s in w.series.clone() {
                        let stored: Series = w.bench.load_zc(&s).await;
                        let vol = (stored.vol_e6 as u64 * (95 + rng.below(11)) / 100) as u32;
                        w.fx.set_vol(&mut w.bench, &w.u, &s, vol.clamp(300_000, 1_500_000))
                            .await;
                    }
                    last_vol_set = now;
                }
                for s in w.series.clone() {
                    w.fx.refresh(&mut w.bench, &w.u, &s).await;
                }
            }
            13 => {
                let user = &w.users[rng.below(8) as usize];
                w.fx.deposit(
                    &mut w.bench,
                    user,
                    &w.fx.usdc.mint,
                    1 + rng.below(300 * USD),
                )
                .await
                .unwrap();
            }
            14 => {
                let user = &w.users[rng.below(8) as usize];
                if let Err(e) =
                    w.fx.withdraw(
                        &mut w.bench,
                        user,
                        &w.fx.usdc.mint,
                        1 + rng.below(300 * USD),
                    )
                    .await
                {
                    let allowed = [
                        code(ErrorCode::BelowInitialMargin),
                        code(ErrorCode::InsufficientBalance),
                    ];
                    assert!(
                        custom_code(&e).is_some_and(|c| allowed.contains(&c)),
                        "step {step}: withdraw {e:?}"
                    );
                }
            }
            _ => {
                // The keeper tries an account (a writer three times in four),
                // knowing its ratio.
                let k = if rng.below(4) == 0 {
                    rng.below(8)
                } else {
                    rng.below(4)
                } as usize;
                let health = w.fx.health_accounts(&w.bench, &w.users[k].margin).await;
                let ratio =
                    client::margin_summary(&w.bench, &w.fx.exchange, &w.users[k].margin, &health)
                        .await
                        .unwrap()
                        .ratio_bps;
                min_ratio = min_ratio.min(ratio);
                let target = w.users[k].margin;
                let keeper = User {
                    wallet: w.keeper.wallet.insecure_clone(),
                    ..w.keeper
                };
                match w
                    .fx
                    .liquidate(&mut w.bench, &keeper, &target, u64::MAX, 0)
                    .await
                {
                    Ok(events) => {
                        let ev: LiquidationEvent = find_event(&events).unwrap();
                        assert!(
                            ratio < 10_500 && ev.ratio_before_bps == ratio,
                            "step {step}: liquidated a healthy account"
                        );
                        if ev.equity_before_native > 0 {
                            assert!(
                                ev.ratio_after_bps > ev.ratio_before_bps,
                                "step {step}: ratio fell: {}",
                                ev.ratio_before_bps
                            );
                        }
                        tiers[ev.tier as usize - 1] += 1;
                        if ev.tier < 3 {
                            post_ratios.push(ev.ratio_after_bps);
                        }
                    }
                    Err(e) => {
                        let c = custom_code(&e);
                        if c == Some(code(ErrorCode::AccountHealthy)) {
                            assert!(ratio >= 10_500, "step {step}: refused an unhealthy account");
                            healthy_refusals += 1;
                        } else if c == Some(code(ErrorCode::GracePeriodActive)) {
                            grace_refusals += 1;
                        } else {
                            panic!("step {step}: liquidation {e:?} at ratio {ratio}");
                        }
                    }
                }
            }
        }
        check_books(&w).await;
    }
    let avg = if post_ratios.is_empty() {
        0
    } else {
        post_ratios.iter().sum::<u64>() / post_ratios.len() as u64
    };
    println!(
        "{steps} steps: {trades} trades; liquidations by tier {tiers:?}; {healthy_refusals} healthy and \
         {grace_refusals} grace refusals; average soft-tier post ratio {avg} bps (target 11000); lowest ratio seen {min_ratio} bps"
    );
    assert!(
        tiers.iter().sum::<u32>() > 0 || steps < 1_000,
        "the run exercised liquidations"
    );
    assert!(
        steps < 5_000 || tiers.iter().all(|t| *t > 0),
        "every tier was exercised: {tiers:?}"
    );
}
