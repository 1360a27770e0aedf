//! A test desk for liquidation tests: a writer whose book the test shapes,
//! a buyer on the other side of every trade and a keeper that liquidates,
//! with off-chain plans computed by the program's own code.

use anchor_lang::prelude::{AccountInfo, Pubkey};
use options_margin::events::LiquidationEvent;
use options_margin::health::{self, MarginSummary, Valuation};
use options_margin::instructions::SeriesTerms;
use options_margin::oracle::fixtures::TestAccount;
use options_margin::state::{Exchange, MarginAccount, RiskParams, Series};
use options_margin_risk::planner::{evaluate_liquidation, Candidate, LiquidationPlan};
use options_margin_tests::bench::{find_event, program_test};
use options_margin_tests::exchange::SOL_CONF_E8;
use options_margin_tests::options::sol_terms;
use options_margin_tests::{client, ExchangeFixture, TestBench, User};

pub const DAY: i64 = 86_400;
/// unit: quote native. One dollar.
pub const USD: u64 = 1_000_000;
/// precision: 1e-8 USD. $150, the fixture's opening SOL price.
pub const SOL_150_E8: i64 = 15_000_000_000;

/// The first release's liquidation rules: soft caps a share of one
/// candidate, every closeout of whole candidates (the ranking tests build
/// their exact ties on whole-candidate closeouts).
pub fn first_release_rules() -> RiskParams {
    let mut risk = RiskParams::defaults();
    risk.soft_cap_basis = options_margin_risk::params::CAP_OF_CANDIDATE;
    risk.flatten_below_ratio_bps = 10_000;
    risk
}

/// A writer whose book the tests shape, a buyer on the other side of every
/// trade, and a well-funded keeper that liquidates.
pub struct Desk {
    pub bench: TestBench,
    pub fx: ExchangeFixture,
    pub underlyings: Vec<Pubkey>,
    /// `(underlying, series)` of every series created, refreshed on each move.
    pub series: Vec<(Pubkey, Pubkey)>,
    pub writer: User,
    pub buyer: User,
    pub keeper: User,
}

impl Desk {
    /// An exchange with `underlyings` SOL underlyings, the writer holding
    /// `writer_usdc` USDC (deposited) and `writer_sol` SOL (in its wallet).
    pub async fn new(underlyings: usize, writer_usdc: u64, writer_sol: u64) -> Self {
        Self::with_risk(underlyings, writer_usdc, writer_sol, RiskParams::defaults()).await
    }

    /// [`Self::new`] on an exchange created with `risk`.
    pub async fn with_risk(
        underlyings: usize,
        writer_usdc: u64,
        writer_sol: u64,
        risk: RiskParams,
    ) -> Self {
        let mut bench = TestBench::start(program_test()).await;
        let fx = ExchangeFixture::setup_with_risk(&mut bench, risk).await;
        let mut us = vec![fx.add_sol_underlying(&mut bench).await];
        for _ in 1..underlyings {
            us.push(fx.add_another_sol_underlying(&mut bench).await);
        }
        let writer = fx
            .new_user(&mut bench, writer_usdc + 1_000_000 * USD, writer_sol)
            .await;
        let buyer = fx.new_user(&mut bench, 10_000_000 * USD, 0).await;
        let keeper = fx.new_user(&mut bench, 10_000_000 * USD, 0).await;
        if writer_usdc > 0 {
            fx.deposit(&mut bench, &writer, &fx.usdc.mint, writer_usdc)
                .await
                .unwrap();
        }
        fx.deposit(&mut bench, &buyer, &fx.usdc.mint, 5_000_000 * USD)
            .await
            .unwrap();
        fx.deposit(&mut bench, &keeper, &fx.usdc.mint, 5_000_000 * USD)
            .await
            .unwrap();
        Self {
            bench,
            fx,
            underlyings: us,
            series: Vec::new(),
            writer,
            buyer,
            keeper,
        }
    }

    /// Creates a series on underlying `u`, sets its vol, refreshes it.
    pub async fn series(&mut self, u: usize, terms: SeriesTerms, vol_e6: u32) -> Pubkey {
        let under = self.underlyings[u];
        let s = self
            .fx
            .ready_series(&mut self.bench, &under, terms, vol_e6)
            .await;
        self.series.push((under, s));
        s
    }

    /// The writer sells `contracts` of `series` to the buyer at
    /// `premium_native` per contract (`None`: at the current mark).
    pub async fn write(&mut self, series: &Pubkey, contracts: i64, premium_native: Option<u64>) {
        let stored: Series = self.bench.load_zc(series).await;
        let premium = premium_native.unwrap_or(stored.risk.mark_native as u64);
        self.fx
            .trade(
                &mut self.bench,
                &self.buyer,
                &self.writer,
                series,
                contracts,
                premium,
            )
            .await
            .expect("write");
    }

    /// One second later, publishes SOL at `price_e8` and refreshes every
    /// unsettled series.
    pub async fn move_to(&mut self, price_e8: i64) {
        self.bench.advance_time(1).await;
        let now = self.bench.now().await;
        self.fx
            .set_sol_price(&mut self.bench, price_e8, SOL_CONF_E8, now);
        for (u, s) in self.series.clone() {
            let stored: Series = self.bench.load_zc(&s).await;
            if stored.settled == 0 {
                self.fx.refresh(&mut self.bench, &u, &s).await;
            }
        }
    }

    /// `settle_series` of `series` (on underlying 0) at the current SOL
    /// price, with the update that straddles its expiry.
    pub async fn settle(&mut self, series: &Pubkey) {
        let price = {
            let acc = self.bench.get_account(&self.fx.sol.oracle).await.unwrap();
            let update: pyth_solana_receiver_sdk::price_update::PriceUpdateV2 =
                anchor_lang::AccountDeserialize::try_deserialize(&mut acc.data.as_slice()).unwrap();
            update.price_message.price
        };
        let u = self.underlyings[0];
        self.fx
            .settle_at(&mut self.bench, &u, series, price)
            .await
            .expect("settle_series");
    }

    /// Lowers SOL in 1% steps from `price_e8` until the writer's ratio is
    /// below `ratio_bps`; returns the price it stopped at.
    pub async fn fall_below(&mut self, mut price_e8: i64, ratio_bps: u64) -> i64 {
        loop {
            self.move_to(price_e8).await;
            if self.summary().await.ratio_bps < ratio_bps {
                return price_e8;
            }
            price_e8 = price_e8 * 99 / 100;
        }
    }

    pub async fn summary(&self) -> MarginSummary {
        self.fx.margin_of(&self.bench, &self.writer.margin).await
    }

    /// Deposits exactly what puts the writer's ratio at `target_bps`.
    pub async fn set_ratio(&mut self, target_bps: u64) {
        let m = self.summary().await;
        assert!(m.ratio_bps < target_bps, "start below the target: {m:?}");
        let mm = m.maintenance_margin_native as i128;
        let needed = ((target_bps as i128 * mm + 9_999) / 10_000) as i64;
        let top_up = (needed - m.equity_native) as u64;
        self.fx
            .deposit(&mut self.bench, &self.writer, &self.fx.usdc.mint, top_up)
            .await
            .unwrap();
        assert_eq!(self.summary().await.ratio_bps, target_bps);
    }

    /// The off-chain plan (the program's own code on the chain's accounts).
    pub async fn plan(&self, max_quantity: u64) -> (LiquidationPlan, Pubkey, bool) {
        let health = self
            .fx
            .liquidatee_health(&self.bench, &self.writer.margin)
            .await;
        client::plan_liquidation(
            &self.bench,
            &self.fx.exchange,
            &self.writer.margin,
            &health,
            max_quantity,
        )
        .await
        .expect("plan")
    }

    /// `evaluate_liquidation` of one given candidate, off-chain.
    pub async fn evaluate(
        &self,
        candidate: Candidate,
        quantity: u64,
    ) -> Result<LiquidationPlan, options_margin_risk::RiskError> {
        let health = self
            .fx
            .liquidatee_health(&self.bench, &self.writer.margin)
            .await;
        let exchange: Exchange = self.bench.load_zc(&self.fx.exchange).await;
        let account: MarginAccount = self.bench.load_zc(&self.writer.margin).await;
        let mut owned = Vec::new();
        for m in &health {
            let acc = self.bench.get_account(&m.pubkey).await.unwrap();
            let mut t = TestAccount::new(m.pubkey, acc.owner, &acc.data);
            t.lamports = acc.lamports;
            owned.push(t);
        }
        let infos: Vec<AccountInfo> = owned.iter_mut().map(|t| t.info()).collect();
        let loaded = health::load_inputs(
            &account,
            &exchange,
            &self.fx.exchange,
            &infos,
            self.bench.now().await,
        )
        .unwrap();
        let params = exchange.liquidation_params();
        loaded
            .with_inputs(&account, Valuation::Spot, |inputs| {
                Ok(evaluate_liquidation(inputs, &params, candidate, quantity))
            })
            .unwrap()
    }

    /// Liquidates with `max_quantity` and asserts the event is the
    /// off-chain plan exactly: target, quantity, fee, ratio and MM after.
    pub async fn liquidate_as_planned(&mut self, max_quantity: u64) -> LiquidationEvent {
        let (plan, target, is_position) = self.plan(max_quantity).await;
        let events = self
            .fx
            .liquidate(
                &mut self.bench,
                &self.keeper,
                &self.writer.margin,
                max_quantity,
                0,
            )
            .await
            .expect("liquidation");
        let ev: LiquidationEvent = find_event(&events).expect("liquidation event");
        assert_eq!((ev.target, ev.target_is_position), (target, is_position));
        assert_eq!(ev.quantity.unsigned_abs(), plan.quantity);
        assert_eq!(ev.fee_native, plan.fee_native);
        assert_eq!(ev.tier, plan.tier);
        assert_eq!(ev.ratio_after_bps, plan.ratio_after_bps);
        assert_eq!(ev.mm_after_native, plan.mm_after_native);
        assert_eq!(ev.equity_after_native, plan.equity_after_native);
        ev
    }

    pub fn watched(&self) -> Vec<Pubkey> {
        let mut keys = vec![self.writer.margin, self.keeper.margin, self.fx.exchange];
        keys.extend(self.series.iter().map(|(_, s)| *s));
        keys
    }
}

/// The figures of an event worth reading in the test output.
pub fn show(ev: &LiquidationEvent) -> String {
    format!(
        "tier {} target {} position {} quantity {} price {} fee {} ratio {} -> {} mm {} -> {}",
        ev.tier,
        ev.target,
        ev.target_is_position,
        ev.quantity,
        ev.price,
        ev.fee_native,
        ev.ratio_before_bps,
        ev.ratio_after_bps,
        ev.mm_before_native,
        ev.mm_after_native
    )
}

/// A put of 30 days on SOL, one SOL per contract.
pub fn put(strike_usd: u64, now: i64) -> SeriesTerms {
    sol_terms(false, strike_usd, now + 30 * DAY)
}
