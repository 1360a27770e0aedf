//! A market crash for the keeper: writers of different leverage, one buyer
//! on the other side of every trade, SOL falling step by step, and the
//! keeper ([`crate::keeper`]) passing over every account after each step.
//! The demo's `keeper` command prints it; the suite checks its invariants.

use anchor_lang::prelude::Pubkey;
use options_margin::state::Series;

use crate::bench::{program_test, TestBench};
use crate::client;
use crate::exchange::{ExchangeFixture, User, SOL_CONF_E8};
use crate::ix;
use crate::keeper::KeeperAction;
use crate::options::sol_terms;
use solana_signer::Signer;

/// unit: quote native. One dollar.
const USD: u64 = 1_000_000;
const DAY: i64 = 86_400;

/// unit: passes. Keeper passes at one price before the scenario moves on
/// (grace periods pass between them).
pub const MAX_PASSES_PER_STEP: usize = 6;

pub struct CrashScenario {
    pub bench: TestBench,
    pub fx: ExchangeFixture,
    pub underlying: Pubkey,
    /// 30-day 140 put, 130 put and 170 call.
    pub series: Vec<Pubkey>,
    pub writers: Vec<User>,
    pub buyer: User,
    pub keeper: User,
}

impl CrashScenario {
    /// SOL at $150. Writer `k` (of `writers`) sells 10 140-puts, 10
    /// 130-puts and 5 170-calls at the mark, then withdraws down to an
    /// equity of `IM · (100 + 8k)%`: the first is at its initial margin,
    /// the last has the most room. The keeper has $5M and funds $1,000 of
    /// insurance.
    pub async fn new(writers: usize) -> Self {
        let mut bench = TestBench::start(program_test()).await;
        let fx = ExchangeFixture::setup(&mut bench).await;
        let underlying = fx.add_sol_underlying(&mut bench).await;
        let now = bench.now().await;
        let mut series = Vec::new();
        for (is_call, strike) in [(false, 140), (false, 130), (true, 170)] {
            let terms = sol_terms(is_call, strike, now + 30 * DAY);
            series.push(
                fx.ready_series(&mut bench, &underlying, terms, 750_000)
                    .await,
            );
        }
        let buyer = fx.new_user(&mut bench, 20_000_000 * USD, 0).await;
        fx.deposit(&mut bench, &buyer, &fx.usdc.mint, 10_000_000 * USD)
            .await
            .expect("buyer deposit");
        let keeper = fx.new_user(&mut bench, 10_000_000 * USD, 0).await;
        fx.deposit(&mut bench, &keeper, &fx.usdc.mint, 5_000_000 * USD)
            .await
            .expect("keeper deposit");
        let insurance = ix::deposit_insurance(
            &keeper.wallet.pubkey(),
            &fx.exchange,
            &fx.usdc.mint,
            &keeper.usdc_token,
            1_000 * USD,
        );
        bench
            .send(&[insurance], &[&keeper.wallet])
            .await
            .expect("insurance deposit");
        let mut scenario = Self {
            bench,
            fx,
            underlying,
            series,
            writers: Vec::new(),
            buyer,
            keeper,
        };
        for k in 0..writers {
            scenario.add_writer(100 + 8 * k as u64).await;
        }
        scenario
    }

    async fn add_writer(&mut self, equity_pct_of_im: u64) {
        let (bench, fx) = (&mut self.bench, &self.fx);
        let writer = fx.new_user(bench, 10_000 * USD, 0).await;
        fx.deposit(bench, &writer, &fx.usdc.mint, 10_000 * USD)
            .await
            .expect("writer deposit");
        for (s, contracts) in self.series.iter().zip([10, 10, 5]) {
            let stored: Series = bench.load_zc(s).await;
            let premium = stored.risk.mark_native as u64;
            fx.trade(bench, &self.buyer, &writer, s, contracts, premium)
                .await
                .expect("write");
        }
        let health = fx.health_accounts(bench, &writer.margin).await;
        let m = client::margin_summary(bench, &fx.exchange, &writer.margin, &health)
            .await
            .expect("margin");
        let keep = (m.initial_margin_native as u128 * equity_pct_of_im as u128).div_ceil(100);
        let excess = (m.equity_native as u128).saturating_sub(keep) as u64;
        fx.withdraw(bench, &writer, &fx.usdc.mint, excess)
            .await
            .expect("withdraw to the chosen leverage");
        self.writers.push(writer);
    }

    /// Every margin account of the scenario: writers, buyer, keeper.
    pub fn accounts(&self) -> Vec<Pubkey> {
        let mut out: Vec<Pubkey> = self.writers.iter().map(|w| w.margin).collect();
        out.extend([self.buyer.margin, self.keeper.margin]);
        out
    }

    /// One second later, SOL at `price_e8` (1e-8 USD): the keeper passes
    /// over every account until a pass liquidates nothing, the clock moving
    /// one grace period (and the price re-published) between passes.
    /// Returns every action, by pass.
    pub async fn step(&mut self, price_e8: i64) -> Vec<Vec<KeeperAction>> {
        let grace = {
            let e: options_margin::state::Exchange = self.bench.load_zc(&self.fx.exchange).await;
            e.risk.grace_period_secs as i64
        };
        let mut passes = Vec::new();
        for pass in 0..MAX_PASSES_PER_STEP {
            self.bench
                .advance_time(if pass == 0 { 1 } else { grace })
                .await;
            let now = self.bench.now().await;
            self.fx
                .set_sol_price(&mut self.bench, price_e8, SOL_CONF_E8, now);
            let accounts = self.accounts();
            let actions = self
                .fx
                .keeper_pass(&mut self.bench, &self.keeper, &accounts)
                .await;
            let quiet = !actions.iter().any(|a| {
                matches!(
                    a,
                    KeeperAction::Liquidated { .. } | KeeperAction::Waiting { .. }
                )
            });
            passes.push(actions);
            if quiet {
                break;
            }
        }
        passes
    }
}
