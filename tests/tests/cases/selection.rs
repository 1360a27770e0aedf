//! Which target `partial_liquidate` takes first, in real transactions.
//!
//! The planner ranks candidates by one score, the MM released per unit of
//! value liquidated, and only then by the seed's table as tie-breaks:
//! dollar delta, dollar gamma, unrealised P&L, collateral before positions,
//! lower index (`options_margin_risk::planner`, "Ranking"). Each test says
//! which of these decides. The tie-break tests build exact ties: series with
//! equal terms on two underlyings of equal parameters, both priced by the
//! SOL oracle, carry identical per-contract vectors, and in a closeout
//! (tier 3, whole candidate) the MM of naked shorts is linear in size, so
//! `released / value` is the same for both candidates to the unit.
//!
//! Also here: slicing never earns more than one call, liquidation of an
//! account holding a settled series, and an account at the position limit.

use anchor_lang::prelude::{AccountInfo, Pubkey};
use options_margin::error::ErrorCode;
use options_margin::events::LiquidationEvent;
use options_margin::health::{self, CheckMode, MarginSummary};
use options_margin::instructions::SeriesTerms;
use options_margin::oracle::fixtures::TestAccount;
use options_margin::state::{Exchange, MarginAccount, Series};
use options_margin_risk::planner::{evaluate_liquidation, Candidate, LiquidationPlan};
use options_margin_tests::bench::{assert_unchanged, find_event, program_test};
use options_margin_tests::exchange::SOL_CONF_E8;
use options_margin_tests::options::{sol_terms, USD_E12};
use options_margin_tests::{assert_error_code, client, ExchangeFixture, TestBench, User};
use solana_signer::Signer;

const DAY: i64 = 86_400;
/// unit: quote native. One dollar.
const USD: u64 = 1_000_000;
/// precision: 1e-8 USD. $150, the fixture's opening SOL price.
const SOL_150_E8: i64 = 15_000_000_000;

/// A writer whose book the tests shape, a buyer on the other side of every
/// trade, and a well-funded keeper that liquidates.
struct Desk {
    bench: TestBench,
    fx: ExchangeFixture,
    underlyings: Vec<Pubkey>,
    /// `(underlying, series)` of every series created, refreshed on each move.
    series: Vec<(Pubkey, Pubkey)>,
    writer: User,
    buyer: User,
    keeper: User,
}

impl Desk {
    /// An exchange with `underlyings` SOL underlyings, the writer holding
    /// `writer_usdc` USDC (deposited) and `writer_sol` SOL (in its wallet).
    async fn new(underlyings: usize, writer_usdc: u64, writer_sol: u64) -> Self {
        let mut bench = TestBench::start(program_test()).await;
        let fx = ExchangeFixture::setup(&mut bench).await;
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
    async fn series(&mut self, u: usize, terms: SeriesTerms, vol_e6: u32) -> Pubkey {
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
    async fn write(&mut self, series: &Pubkey, contracts: i64, premium_native: Option<u64>) {
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
    async fn move_to(&mut self, price_e8: i64) {
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

    /// Lowers SOL in 1% steps from `price_e8` until the writer's ratio is
    /// below `ratio_bps`; returns the price it stopped at.
    async fn fall_below(&mut self, mut price_e8: i64, ratio_bps: u64) -> i64 {
        loop {
            self.move_to(price_e8).await;
            if self.summary().await.ratio_bps < ratio_bps {
                return price_e8;
            }
            price_e8 = price_e8 * 99 / 100;
        }
    }

    async fn summary(&self) -> MarginSummary {
        self.fx.margin_of(&self.bench, &self.writer.margin).await
    }

    /// Deposits exactly what puts the writer's ratio at `target_bps`.
    async fn set_ratio(&mut self, target_bps: u64) {
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
    async fn plan(&self, max_quantity: u64) -> (LiquidationPlan, Pubkey, bool) {
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
    async fn evaluate(
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
            CheckMode::REDUCE_ONLY,
        )
        .unwrap();
        let params = exchange.liquidation_params();
        loaded
            .with_inputs(&account, |inputs| {
                Ok(evaluate_liquidation(inputs, &params, candidate, quantity))
            })
            .unwrap()
    }

    /// Liquidates with `max_quantity` and asserts the event is the
    /// off-chain plan exactly: target, quantity, fee, ratio and MM after.
    async fn liquidate_as_planned(&mut self, max_quantity: u64) -> LiquidationEvent {
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

    fn watched(&self) -> Vec<Pubkey> {
        let mut keys = vec![self.writer.margin, self.keeper.margin, self.fx.exchange];
        keys.extend(self.series.iter().map(|(_, s)| *s));
        keys
    }
}

/// The figures of an event worth reading in the test output.
fn show(ev: &LiquidationEvent) -> String {
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
fn put(strike_usd: u64, now: i64) -> SeriesTerms {
    sol_terms(false, strike_usd, now + 30 * DAY)
}

/// `released · 10^12 / value` of both candidates tie exactly when
/// `released_a · value_b == released_b · value_a`; for two slices of series
/// with identical vectors the value is proportional to the quantity.
fn assert_scores_tie(a: &LiquidationPlan, b: &LiquidationPlan) {
    let released = |p: &LiquidationPlan| (p.mm_before_native - p.mm_after_native) as i128;
    assert!(released(a) > 0 && released(b) > 0);
    assert_eq!(
        released(a) * b.quantity as i128,
        released(b) * a.quantity as i128,
        "scores tie: {a:?} / {b:?}"
    );
    assert_eq!(a.score_e12, b.score_e12);
}

/// Rule 2 (dollar delta) decides. Two naked shorts of identical series (same
/// terms on two identical underlyings): 10 contracts in slot 0, 20 in slot 1.
/// In a closeout each candidate is closed whole and MM is linear in size, so
/// the scores tie exactly; slot 1 carries twice the dollar delta and goes
/// first although the last tie-break (lower index) would pick slot 0.
#[tokio::test]
async fn higher_dollar_delta_goes_first_on_a_score_tie() {
    let mut d = Desk::new(2, 700 * USD, 0).await;
    let now = d.bench.now().await;
    let small = d.series(0, put(140, now), 750_000).await;
    let large = d.series(1, put(140, now), 750_000).await;
    let (a, b): (Series, Series) = (d.bench.load_zc(&small).await, d.bench.load_zc(&large).await);
    assert_eq!(a.risk, b.risk, "identical per-contract vectors");
    d.write(&small, 10, None).await;
    d.write(&large, 20, None).await;
    d.fall_below(SOL_150_E8, 9_900).await;
    let at_small = d.evaluate(Candidate::Position(0), 10).await.unwrap();
    let at_large = d.evaluate(Candidate::Position(1), 20).await.unwrap();
    assert_scores_tie(&at_small, &at_large);
    let ev = d.liquidate_as_planned(u64::MAX).await;
    assert_eq!(ev.tier, 3);
    assert_eq!((ev.target, ev.target_is_position), (large, true));
    assert_eq!(
        ev.quantity, -20,
        "the whole 20-contract short moves to the keeper"
    );
    println!("rule 2 tie: {}", show(&ev));
}

/// The score decides, against the seed's delta row: a deep in-the-money
/// short put (strike 200, |delta| ≈ 1) and a far out-of-the-money one
/// (strike 90, |delta| small), 10 each. One 200-put contract releases ~4×
/// the MM of a 90-put contract but costs ~20× its value (premium plus
/// floor), so the low-delta put's score is ~8× higher and it goes first.
#[tokio::test]
async fn the_score_takes_the_low_delta_wing_before_the_deep_itm_put() {
    let mut d = Desk::new(1, 420 * USD, 0).await;
    let now = d.bench.now().await;
    let itm = d.series(0, put(200, now), 750_000).await;
    let otm = d.series(0, put(90, now), 750_000).await;
    d.write(&itm, 10, None).await;
    d.write(&otm, 10, None).await;
    d.fall_below(14_000_000_000, 10_300).await;
    d.set_ratio(10_300).await;
    let at_itm = d.evaluate(Candidate::Position(0), 1).await.unwrap();
    let at_otm = d.evaluate(Candidate::Position(1), 1).await.unwrap();
    assert!(
        at_otm.score_e12 > at_itm.score_e12,
        "{at_otm:?} / {at_itm:?}"
    );
    let ev = d.liquidate_as_planned(u64::MAX).await;
    assert_eq!((ev.target, ev.tier), (otm, 1));
    println!(
        "delta row: itm score {} otm score {}; {}",
        at_itm.score_e12,
        at_otm.score_e12,
        show(&ev)
    );
}

/// The score decides, against the seed's gamma row: a short at the money
/// (strike 125, high gamma) and a far out-of-the-money one (strike 95, low
/// gamma), 10 each: the low-gamma wing releases more MM per dollar.
#[tokio::test]
async fn the_score_takes_the_low_gamma_wing_before_the_atm_short() {
    let mut d = Desk::new(1, 420 * USD, 0).await;
    let now = d.bench.now().await;
    let atm = d.series(0, put(125, now), 750_000).await;
    let wing = d.series(0, put(95, now), 750_000).await;
    d.write(&atm, 10, None).await;
    d.write(&wing, 10, None).await;
    d.fall_below(14_000_000_000, 10_300).await;
    d.set_ratio(10_300).await;
    let (a, w): (Series, Series) = (d.bench.load_zc(&atm).await, d.bench.load_zc(&wing).await);
    assert!(a.risk.gamma_e9 > w.risk.gamma_e9);
    let at_atm = d.evaluate(Candidate::Position(0), 1).await.unwrap();
    let at_wing = d.evaluate(Candidate::Position(1), 1).await.unwrap();
    assert!(at_wing.score_e12 > at_atm.score_e12);
    let ev = d.liquidate_as_planned(u64::MAX).await;
    assert_eq!((ev.target, ev.tier), (wing, 1));
    println!(
        "gamma row: atm score {} wing score {}; {}",
        at_atm.score_e12,
        at_wing.score_e12,
        show(&ev)
    );
}

/// Volatile collateral before the stablecoin, decided by the score: 20 SOL
/// (MM weight 90%: selling releases ~10% of the proceeds) beside one short
/// deep in-the-money put (strike 400, whose MM per dollar of value is lower)
/// and USDC, which is never a candidate. The keeper pays the SOL at the low
/// oracle price (price − 1·conf), in USDC.
#[tokio::test]
async fn volatile_collateral_is_sold_before_the_stablecoin() {
    let mut d = Desk::new(1, 0, 100_000_000_000).await;
    let sol = d.fx.sol.mint;
    d.fx.deposit(&mut d.bench, &d.writer, &sol, 20_000_000_000)
        .await
        .unwrap();
    d.fx.deposit(&mut d.bench, &d.writer, &d.fx.usdc.mint, USD)
        .await
        .unwrap();
    let now = d.bench.now().await;
    let deep = d.series(0, put(400, now), 750_000).await;
    d.write(&deep, 1, None).await;
    let price_e8 = d.fall_below(14_000_000_000, 10_300).await;
    d.set_ratio(10_300).await;
    let keeper_usdc =
        d.fx.balance(&d.bench, &d.keeper.margin, &d.fx.usdc.mint)
            .await;
    let writer_sol = d.fx.balance(&d.bench, &d.writer.margin, &sol).await;
    let (plan, _, _) = d.plan(u64::MAX).await;
    let ev = d.liquidate_as_planned(u64::MAX).await;
    assert_eq!((ev.target, ev.target_is_position), (sol, false));
    let low_e12 = (price_e8 as u64 - SOL_CONF_E8) * 10_000;
    assert_eq!(ev.price, low_e12, "sold at the low oracle price");
    // Proceeds = value(balance) − value(balance − q), each floored.
    let value = |native: i64| (native as i128 * low_e12 as i128 / 1_000_000_000_000_000) as i64;
    let proceeds = value(writer_sol) - value(writer_sol - ev.quantity);
    assert_eq!(plan.transfer_value_native, proceeds);
    let keeper_after =
        d.fx.balance(&d.bench, &d.keeper.margin, &d.fx.usdc.mint)
            .await;
    assert_eq!(
        keeper_after - keeper_usdc,
        -proceeds + (ev.fee_native - ev.insurance_share_native) as i64,
        "the keeper paid the proceeds in USDC and earned its fee share"
    );
    assert_eq!(
        d.fx.balance(&d.bench, &d.keeper.margin, &sol).await,
        ev.quantity
    );
    println!(
        "collateral row: price {price_e8}e-8, proceeds {proceeds}; {}",
        show(&ev)
    );
}

/// Rule 4 (unrealised P&L) decides. Two identical naked shorts of 10 (same
/// terms on two identical underlyings): slot 0 written at $80 a contract,
/// in profit; slot 1 written at $1, at a loss. Scores, dollar delta and
/// dollar gamma tie exactly; the losing position goes first although the
/// index would pick slot 0.
#[tokio::test]
async fn the_losing_position_goes_before_the_profitable_one_on_a_tie() {
    let mut d = Desk::new(2, 700 * USD, 0).await;
    let now = d.bench.now().await;
    let winner = d.series(0, put(140, now), 750_000).await;
    let loser = d.series(1, put(140, now), 750_000).await;
    d.write(&winner, 10, Some(80 * USD)).await;
    d.write(&loser, 10, Some(USD)).await;
    d.fall_below(SOL_150_E8, 9_900).await;
    let s: Series = d.bench.load_zc(&winner).await;
    let mark = s.risk.mark_native;
    assert!(mark + 1 < 80_000_000 && mark + 1 > 1_000_000, "mark {mark}");
    let at_winner = d.evaluate(Candidate::Position(0), 10).await.unwrap();
    let at_loser = d.evaluate(Candidate::Position(1), 10).await.unwrap();
    assert_scores_tie(&at_winner, &at_loser);
    let ev = d.liquidate_as_planned(u64::MAX).await;
    assert_eq!((ev.target, ev.quantity, ev.tier), (loser, -10, 3));
    println!("rule 4 tie: mark {mark}; {}", show(&ev));
}

/// The slicing book: 200 short 30-day 140 puts, SOL at $125, ratio 101%.
async fn slicing_book() -> Desk {
    let mut d = Desk::new(1, 5_000 * USD, 0).await;
    let now = d.bench.now().await;
    let p = d.series(0, put(140, now), 750_000).await;
    d.write(&p, 200, None).await;
    d.move_to(12_500_000_000).await;
    d.set_ratio(10_100).await;
    d
}

/// Slicing never earns more: the same book twice, one call taking the plan
/// vs calls of one contract each (an hour of grace between soft calls, the
/// same price re-published and every series refreshed). The slices stop
/// when the account turns healthy (`AccountHealthy`, nothing changed).
#[tokio::test]
async fn slicing_never_earns_more_than_one_call() {
    let mut one = slicing_book().await;
    let single = one.liquidate_as_planned(u64::MAX).await;
    assert!(single.quantity.unsigned_abs() > 1, "{}", show(&single));

    let mut d = slicing_book().await;
    let grace = {
        let e: Exchange = d.bench.load_zc(&d.fx.exchange).await;
        e.risk.grace_period_secs as i64
    };
    let (mut fees, mut slices) = (0u64, 0u64);
    while slices < single.quantity.unsigned_abs() {
        if slices > 0 {
            d.bench.advance_time(grace).await;
            d.move_to(12_500_000_000).await;
        }
        if d.summary().await.ratio_bps >= 10_500 {
            let keys = d.watched();
            let before = d.bench.snapshot(&keys).await;
            let r =
                d.fx.liquidate(&mut d.bench, &d.keeper, &d.writer.margin, 1, 0)
                    .await;
            assert_error_code!(r, ErrorCode::AccountHealthy);
            assert_unchanged(&d.bench, &keys, &before).await;
            break;
        }
        let ev = d.liquidate_as_planned(1).await;
        assert_eq!(ev.quantity, -1);
        fees += ev.fee_native;
        slices += 1;
    }
    println!(
        "slicing: single {} contracts fee {}; {slices} slices fees {fees}",
        single.quantity, single.fee_native
    );
    assert!(fees <= single.fee_native, "{fees} > {}", single.fee_native);
}

/// The writer of 10 puts (strike 140) expiring in a day and 10 30-day puts
/// (strike 130), at the expiry of the first.
async fn expiry_book() -> (Desk, Pubkey, Pubkey) {
    let mut d = Desk::new(1, 700 * USD, 0).await;
    let now = d.bench.now().await;
    let near = d.series(0, sol_terms(false, 140, now + DAY), 750_000).await;
    let far = d
        .series(0, sol_terms(false, 130, now + 30 * DAY), 750_000)
        .await;
    d.write(&near, 10, None).await;
    d.write(&far, 10, None).await;
    d.bench.advance_time(DAY).await;
    (d, near, far)
}

/// After expiry and `settle_series` ($120: the 140 put pays $20), the
/// settled vectors need no refresh (they are exempt from freshness) and
/// value the short at its settlement intrinsic + 1 per contract in equity.
/// They are flat, so closing the settled short releases no MM and it is never
/// a candidate (`settle_positions` settles it): the live 130 put is taken.
#[tokio::test]
async fn after_settlement_equity_uses_the_settlement_price_and_the_live_put_goes() {
    let (mut d, near, far) = expiry_book().await;
    d.move_to(12_000_000_000).await;
    let (u, oracle) = (d.underlyings[0], d.fx.sol.oracle);
    d.bench
        .send(
            &[options_margin_tests::ix::settle_series(&u, &near, &oracle)],
            &[],
        )
        .await
        .expect("settle_series");
    let settled: Series = d.bench.load_zc(&near).await;
    assert_eq!(
        (settled.settled, settled.risk.mark_native),
        (1, 20 * USD as i64)
    );
    // Two minutes on: the settled vectors are older than the 60 s risk age.
    d.bench.advance_time(120).await;
    d.fall_below(12_000_000_000, 10_300).await;
    d.set_ratio(10_300).await;
    let now = d.bench.now().await;
    let near_now: Series = d.bench.load_zc(&near).await;
    assert_eq!(near_now.risk, settled.risk, "never refreshed");
    assert!(now - near_now.risk.computed_at_ts > 60);
    // Equity counts the settled short at intrinsic + 1 per contract.
    let far_s: Series = d.bench.load_zc(&far).await;
    let usdc =
        d.fx.balance(&d.bench, &d.writer.margin, &d.fx.usdc.mint)
            .await;
    let equity = usdc - 10 * (20 * USD as i64 + 1) - 10 * (far_s.risk.mark_native + 1);
    assert_eq!(d.summary().await.equity_native, equity);
    assert_eq!(
        d.evaluate(Candidate::Position(0), 1).await,
        Err(options_margin_risk::RiskError::NoLiquidationCandidate),
        "closing a settled short releases no MM"
    );
    let ev = d.liquidate_as_planned(u64::MAX).await;
    assert_eq!((ev.target, ev.equity_before_native), (far, equity));
    assert_eq!(ev.price as i64, far_s.risk.mark_native + 1);
    println!("settled: {}", show(&ev));
}

/// An account whose only position is a settled short deep in the money
/// (settled at $100: the 140 put pays $40 on 10 contracts) is underwater,
/// but there is nothing to liquidate: `NothingToLiquidate`, nothing changed.
#[tokio::test]
async fn a_settled_short_alone_has_nothing_to_liquidate() {
    let mut d = Desk::new(1, 300 * USD, 0).await;
    let now = d.bench.now().await;
    let near = d.series(0, sol_terms(false, 140, now + DAY), 750_000).await;
    d.write(&near, 10, None).await;
    d.bench.advance_time(DAY).await;
    d.move_to(10_000_000_000).await;
    let (u, oracle) = (d.underlyings[0], d.fx.sol.oracle);
    d.bench
        .send(
            &[options_margin_tests::ix::settle_series(&u, &near, &oracle)],
            &[],
        )
        .await
        .expect("settle_series");
    let m = d.summary().await;
    assert!(
        m.equity_native < 0 && m.maintenance_margin_native == 0,
        "{m:?}"
    );
    let keys = d.watched();
    let before = d.bench.snapshot(&keys).await;
    let r =
        d.fx.liquidate(&mut d.bench, &d.keeper, &d.writer.margin, u64::MAX, 0)
            .await;
    assert_error_code!(r, ErrorCode::NothingToLiquidate);
    assert_unchanged(&d.bench, &keys, &before).await;
}

/// Expired but not yet settled: `trade` refuses the series, but a refresh
/// reprices it at intrinsic value on each shocked spot and
/// `partial_liquidate` takes it, at intrinsic (at the oracle price) + 1.
#[tokio::test]
async fn an_expired_unsettled_short_is_liquidated_at_intrinsic_plus_one() {
    let mut d = Desk::new(1, 300 * USD, 0).await;
    let now = d.bench.now().await;
    let near = d.series(0, sol_terms(false, 140, now + DAY), 750_000).await;
    d.write(&near, 10, None).await;
    d.bench.advance_time(DAY).await;
    let price_e8 = d.fall_below(14_000_000_000, 10_300).await;
    d.set_ratio(10_300).await;
    let s: Series = d.bench.load_zc(&near).await;
    let intrinsic = (140 * USD_E12 - price_e8 as u64 * 10_000) / 1_000_000;
    assert_eq!((s.settled, s.risk.mark_native), (0, intrinsic as i64));
    let ev = d.liquidate_as_planned(u64::MAX).await;
    assert_eq!((ev.target, ev.price), (near, intrinsic + 1));
    println!("expired: {}", show(&ev));
}

/// unit: bytes. Largest serialized transaction the network accepts
/// (`solana_packet::PACKET_DATA_SIZE`: 1280 − 40 IPv6 − 8 UDP header).
const PACKET_DATA_SIZE: usize = 1_232;

fn compact_u16_len(n: usize) -> usize {
    match n {
        0..=0x7f => 1,
        0x80..=0x3fff => 2,
        _ => 3,
    }
}

/// unit: bytes. Wire size of the legacy transaction the bench sends for
/// `ixs` (with its compute-budget instruction), paid by `payer`.
fn legacy_tx_size(ixs: &[solana_instruction::Instruction], payer: &Pubkey) -> usize {
    use solana_compute_budget_interface::ComputeBudgetInstruction;
    let mut all = vec![ComputeBudgetInstruction::set_compute_unit_limit(1_000_000)];
    all.extend_from_slice(ixs);
    let tx = solana_transaction::Transaction::new_with_payer(&all, Some(payer));
    let m = &tx.message;
    let sigs = m.header.num_required_signatures as usize;
    let mut size = compact_u16_len(sigs) + 64 * sigs + 3;
    size += compact_u16_len(m.account_keys.len()) + 32 * m.account_keys.len() + 32;
    size += compact_u16_len(m.instructions.len());
    for ix in &m.instructions {
        size += 1 + compact_u16_len(ix.accounts.len()) + ix.accounts.len();
        size += compact_u16_len(ix.data.len()) + ix.data.len();
    }
    size
}

/// Static account keys of the legacy transaction the bench sends for `ixs`
/// (payer and compute-budget program included).
fn static_keys(ixs: &[solana_instruction::Instruction], payer: &Pubkey) -> usize {
    let mut keys = vec![*payer, solana_compute_budget_interface::ID];
    for ix in ixs {
        keys.push(ix.program_id);
        keys.extend(ix.accounts.iter().map(|m| m.pubkey));
    }
    keys.sort();
    keys.dedup();
    keys.len()
}

/// Static keys a legacy transaction may carry in this runtime: agave's
/// `MAX_STATIC_ACCOUNTS_PER_PACKET` (`(1232 − 64 − …) / 32`). With more,
/// program-test 3.1's banks server panics in `signature_details` (index out
/// of bounds) instead of returning an error, so the test stops before.
const MAX_STATIC_ACCOUNTS_PER_PACKET: usize = 38;

/// The position limit (32) against the transaction limits. The bench does
/// not enforce the 1,232-byte packet size and panics past 38 static keys,
/// so the test measures both for every position count, opens positions
/// (16 strikes × call/put) while the `trade` still fits 38 keys, and
/// liquidates the largest account so built. Printed and asserted: the
/// largest account whose liquidation fits a 1,232-byte legacy transaction,
/// and that 32 positions cannot even be opened with legacy transactions (an
/// address lookup table, v0 message, is needed for both).
#[tokio::test]
async fn the_position_limit_versus_legacy_transaction_limits() {
    use options_margin::constants::MAX_ACCOUNT_POSITIONS;
    let mut d = Desk::new(1, 1_500 * USD, 0).await;
    let now = d.bench.now().await;
    let payer = d.bench.payer().pubkey();
    let mut series = Vec::new();
    for k in 0..MAX_ACCOUNT_POSITIONS as u64 / 2 {
        for is_call in [false, true] {
            let terms = sol_terms(is_call, 110 + 5 * k, now + 30 * DAY);
            series.push(d.series(0, terms, 750_000).await);
        }
    }
    let (mut opened, mut liq_fits_packet) = (0usize, 0usize);
    let mut first_refused = None;
    for s in &series {
        let health_w =
            d.fx.trade_health_accounts(&d.bench, &d.writer.margin, s)
                .await;
        let health_b =
            d.fx.trade_health_accounts(&d.bench, &d.buyer.margin, s)
                .await;
        let accounts = d.fx.trade_accounts(&d.buyer, &d.writer, s);
        let trade = options_margin_tests::ix::trade(&accounts, 1, 0, &health_w, &health_b);
        let keys = static_keys(std::slice::from_ref(&trade), &payer);
        if keys > MAX_STATIC_ACCOUNTS_PER_PACKET {
            first_refused = Some((opened + 1, keys, legacy_tx_size(&[trade], &payer)));
            break;
        }
        d.write(s, 1, None).await;
        opened += 1;
        let ix =
            d.fx.liquidation_ix(&d.bench, &d.keeper, &d.writer.margin, u64::MAX, 0)
                .await;
        if legacy_tx_size(&[ix], &payer) <= PACKET_DATA_SIZE {
            liq_fits_packet = opened;
        }
    }
    let (n, trade_keys, trade_size) = first_refused.expect("32 positions cannot be opened");
    assert!(opened < MAX_ACCOUNT_POSITIONS);
    d.fall_below(13_500_000_000, 10_300).await;
    let ix =
        d.fx.liquidation_ix(&d.bench, &d.keeper, &d.writer.margin, u64::MAX, 0)
            .await;
    let (size, keys) = (
        legacy_tx_size(std::slice::from_ref(&ix), &payer),
        static_keys(&[ix], &payer),
    );
    let ev = d.liquidate_as_planned(u64::MAX).await;
    assert!(ev.target_is_position && series.contains(&ev.target));
    println!(
        "position limit: opened {opened}; trade #{n} needs {trade_keys} static keys \
         ({trade_size} bytes); liquidation of {opened} positions: {keys} keys, {size} bytes, {}; \
         largest account whose liquidation fits 1,232 bytes: {liq_fits_packet} positions",
        show(&ev)
    );
    // 10 fixed keys + one per series: the liquidation of k positions is
    // 10 + k keys; its 1,232-byte wire size is reached first.
    assert_eq!(keys, 10 + opened);
    assert!(size > PACKET_DATA_SIZE && liq_fits_packet < opened);
}
