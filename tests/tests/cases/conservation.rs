//! Conservation: after a random sequence of deposits and withdrawals by
//! several users, each vault's token balance equals the sum of the internal
//! balances (and the collateral's running total).

use options_margin::error::ErrorCode;
use options_margin::state::Collateral;
use options_margin_tests::bench::program_test;
use options_margin_tests::{assert_error_code, ExchangeFixture, TestBench, User};

/// A small deterministic generator (xorshift64*), so failures replay.
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

async fn assert_conserved(bench: &TestBench, fx: &ExchangeFixture, users: &[User]) {
    for c in [&fx.usdc, &fx.sol] {
        let mut sum = 0i64;
        for u in users {
            sum += fx.balance(bench, &u.margin, &c.mint).await;
        }
        let vault = bench.token_balance(&c.vault).await;
        let config: Collateral = bench.load_zc(&c.config).await;
        assert_eq!(vault as i64, sum, "vault of {} holds Σ balances", c.mint);
        assert_eq!(
            config.total_balance_native, sum,
            "running total of {}",
            c.mint
        );
    }
}

#[tokio::test]
async fn random_deposits_and_withdrawals_conserve_every_vault() {
    const USERS: usize = 4;
    const STEPS: usize = 120;
    let mut bench = TestBench::start(program_test()).await;
    let fx = ExchangeFixture::setup(&mut bench).await;
    let mut users = Vec::new();
    for _ in 0..USERS {
        users.push(
            fx.new_user(&mut bench, 100_000_000_000, 1_000_000_000_000)
                .await,
        );
    }
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let (mut deposits, mut withdrawals, mut refusals) = (0, 0, 0);
    for step in 0..STEPS {
        let user = &users[rng.below(USERS as u64) as usize];
        let mint = if rng.below(2) == 0 {
            fx.usdc.mint
        } else {
            fx.sol.mint
        };
        let balance = fx.balance(&bench, &user.margin, &mint).await;
        let amount = 1 + rng.below(if mint == fx.usdc.mint {
            200_000_000
        } else {
            9_000_000_000
        });
        if rng.below(3) == 0 {
            let r = fx.withdraw(&mut bench, user, &mint, amount).await;
            if amount as i64 > balance {
                assert_error_code!(r, ErrorCode::InsufficientBalance);
                refusals += 1;
            } else {
                r.unwrap_or_else(|e| panic!("step {step}: withdraw {amount}: {e:?}"));
                withdrawals += 1;
            }
        } else {
            fx.deposit(&mut bench, user, &mint, amount)
                .await
                .unwrap_or_else(|e| panic!("step {step}: deposit {amount}: {e:?}"));
            deposits += 1;
        }
        assert_conserved(&bench, &fx, &users).await;
    }
    assert!(
        deposits > 0 && withdrawals > 0 && refusals > 0,
        "{deposits}/{withdrawals}/{refusals}"
    );
}
