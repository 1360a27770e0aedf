//! Conservation with options: a random sequence of deposits, trades, price
//! moves, withdrawals and finally expiry and settlement, by several
//! accounts. After every step the USDC vault holds exactly Σ balances and
//! each series' long open interest equals its short open interest.

use anchor_lang::prelude::Pubkey;
use options_margin::error::ErrorCode;
use options_margin::state::{Collateral, Exchange, MarginAccount, Series};
use options_margin_tests::bench::program_test;
use options_margin_tests::errors::custom_code;
use options_margin_tests::exchange::{SOL_CONF_E8, SOL_PRICE_E8};
use options_margin_tests::options::sol_terms;
use options_margin_tests::{ix, ExchangeFixture, TestBench, User};

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

/// No liquidation happens here, so the books reduce to vault = Σ balances
/// (no insurance, no socialised loss) and open interest long = short.
async fn check_invariants(
    bench: &TestBench,
    fx: &ExchangeFixture,
    users: &[User],
    series: &[Pubkey],
) {
    let accounts: Vec<Pubkey> = users.iter().map(|u| u.margin).collect();
    fx.assert_books(bench, &accounts, series).await;
    let config: Collateral = bench.load_zc(&fx.usdc.config).await;
    let exchange: Exchange = bench.load_zc(&fx.exchange).await;
    assert_eq!(
        (config.socialized_loss_native, exchange.insurance_native),
        (0, 0)
    );
}

#[tokio::test]
async fn random_trading_and_settlement_conserve_value_and_open_interest() {
    const STEPS: usize = 150;
    let mut bench = TestBench::start(program_test()).await;
    let fx = ExchangeFixture::setup(&mut bench).await;
    let u = fx.add_sol_underlying(&mut bench).await;
    let t0 = bench.now().await;
    let expiry = t0 + 3 * 86_400;
    let series = vec![
        fx.create_series(&mut bench, &u, sol_terms(true, 155, expiry))
            .await,
        fx.create_series(&mut bench, &u, sol_terms(false, 145, expiry))
            .await,
    ];
    for s in &series {
        fx.set_vol(&mut bench, &u, s, 600_000).await;
        fx.refresh(&mut bench, &u, s).await;
    }
    let mut users = Vec::new();
    for _ in 0..4 {
        let user = fx.new_user(&mut bench, 100_000_000_000, 0).await;
        fx.deposit(&mut bench, &user, &fx.usdc.mint, 500_000_000)
            .await
            .unwrap();
        users.push(user);
    }
    let mut rng = Rng(0x51ab_1e5e_ed00_c0de);
    let mut price = SOL_PRICE_E8;
    let (mut trades, mut refused, mut moves) = (0, 0, 0);
    for step in 0..STEPS {
        match rng.below(10) {
            0..=4 => {
                let i = rng.below(4) as usize;
                let j = (i + 1 + rng.below(3) as usize) % 4;
                let s = series[rng.below(2) as usize];
                let stored: Series = bench.load_zc(&s).await;
                let size = 1 + rng.below(5) as i64;
                let size = if rng.below(2) == 0 { size } else { -size };
                let premium = (stored.risk.mark_native as u64 * (90 + rng.below(21))) / 100;
                match fx
                    .trade(&mut bench, &users[i], &users[j], &s, size, premium)
                    .await
                {
                    Ok(_) => trades += 1,
                    Err(e) => {
                        let code = custom_code(&e);
                        let allowed = [ErrorCode::BelowInitialMargin, ErrorCode::HealthWouldFall]
                            .map(|c| anchor_lang::error::ERROR_CODE_OFFSET + c as u32);
                        assert!(
                            code.is_some_and(|c| allowed.contains(&c)),
                            "step {step}: trade refused with {e:?}"
                        );
                        refused += 1;
                    }
                }
            }
            5..=6 => {
                // A move within the 1% band, then a refresh of both series.
                price = price * (1_000 + rng.below(17) as i64 - 8) / 1_000;
                bench.advance_time(5).await;
                let now = bench.now().await;
                fx.set_sol_price(&mut bench, price, SOL_CONF_E8, now);
                for s in &series {
                    fx.refresh(&mut bench, &u, s).await;
                }
                moves += 1;
            }
            7 => {
                let user = &users[rng.below(4) as usize];
                fx.deposit(&mut bench, user, &fx.usdc.mint, 1 + rng.below(200_000_000))
                    .await
                    .unwrap();
            }
            _ => {
                let user = &users[rng.below(4) as usize];
                let amount = 1 + rng.below(300_000_000);
                if let Err(e) = fx.withdraw(&mut bench, user, &fx.usdc.mint, amount).await {
                    let allowed = [
                        ErrorCode::BelowInitialMargin,
                        ErrorCode::InsufficientBalance,
                    ]
                    .map(|c| anchor_lang::error::ERROR_CODE_OFFSET + c as u32);
                    assert!(
                        custom_code(&e).is_some_and(|c| allowed.contains(&c)),
                        "step {step}: withdraw refused with {e:?}"
                    );
                    refused += 1;
                }
            }
        }
        check_invariants(&bench, &fx, &users, &series).await;
    }
    println!("{STEPS} steps: {trades} trades, {moves} price moves, {refused} refusals");
    assert!(
        trades > 10 && moves > 5,
        "trades {trades}, moves {moves}, refused {refused}"
    );

    // Expiry and settlement of everything.
    bench.set_time(expiry + 3).await;
    fx.set_sol_price(&mut bench, price, SOL_CONF_E8, expiry + 1);
    for s in &series {
        fx.settle_at(&mut bench, &u, s, price).await.unwrap();
    }
    for s in &series {
        for user in &users {
            let account: MarginAccount = bench.load_zc(&user.margin).await;
            if account.position_slot(s).is_some() {
                bench
                    .send(&[ix::settle_positions(&fx.exchange, &user.margin, s)], &[])
                    .await
                    .unwrap();
            }
        }
        check_invariants(&bench, &fx, &users, &series).await;
    }
}
