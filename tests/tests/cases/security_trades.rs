//! Trades under attack (issues 9.1 and 13.3): an underwater account paying
//! its own second account the whole vault, a below-MM account paying over
//! the mark, a below-IM account trading off the band, and "reducing" trades
//! that shrink one position while the account's margin rises. Every refusal
//! asserts its exact code and that no account changed.

use anchor_lang::prelude::Pubkey;
use options_margin::error::ErrorCode;
use options_margin::state::{MarginAccount, Series};
use options_margin_tests::bench::{assert_unchanged, program_test};
use options_margin_tests::exchange::SOL_PRICE_E8;
use options_margin_tests::options::sol_terms;
use options_margin_tests::{assert_error_code, ExchangeFixture, TestBench, User};

const DAY: i64 = 86_400;
/// unit: quote native. One dollar.
const USD: u64 = 1_000_000;

struct Desk {
    bench: TestBench,
    fx: ExchangeFixture,
    u: Pubkey,
    /// 30-day SOL 140 put, 75% vol.
    put: Pubkey,
    /// 30-day SOL 130 put, 75% vol.
    wing: Pubkey,
    /// A market maker with deep pockets, the counterparty of every write.
    mm: User,
}

async fn desk() -> Desk {
    let mut bench = TestBench::start(program_test()).await;
    let fx = ExchangeFixture::setup(&mut bench).await;
    let u = fx.add_sol_underlying(&mut bench).await;
    let expiry = bench.now().await + 30 * DAY;
    let put = fx
        .ready_series(&mut bench, &u, sol_terms(false, 140, expiry), 750_000)
        .await;
    let wing = fx
        .ready_series(&mut bench, &u, sol_terms(false, 130, expiry), 750_000)
        .await;
    let mm = fx.new_user(&mut bench, 1_000_000 * USD, 0).await;
    fx.deposit(&mut bench, &mm, &fx.usdc.mint, 1_000_000 * USD)
        .await
        .unwrap();
    Desk {
        bench,
        fx,
        u,
        put,
        wing,
        mm,
    }
}

impl Desk {
    /// unit: quote native per contract.
    async fn mark(&self, series: &Pubkey) -> u64 {
        let s: Series = self.bench.load_zc(series).await;
        s.risk.mark_native as u64
    }

    /// A user with `usdc` deposited and 10,000 USDC more in its wallet.
    async fn user(&mut self, usdc: u64) -> User {
        let user = self
            .fx
            .new_user(&mut self.bench, usdc + 10_000 * USD, 0)
            .await;
        self.fx
            .deposit(&mut self.bench, &user, &self.fx.usdc.mint, usdc)
            .await
            .unwrap();
        user
    }

    /// Margin account 1 of `user`'s wallet (its accomplice), with `usdc` deposited.
    async fn accomplice(&mut self, user: &User, usdc: u64) -> User {
        let second = self.fx.second_account(&mut self.bench, user, 1).await;
        self.fx
            .deposit(&mut self.bench, &second, &self.fx.usdc.mint, usdc)
            .await
            .unwrap();
        second
    }

    /// `user` trades `size_lots` of `series` with the market maker at the mark
    /// (positive: `user` buys).
    async fn with_mm(&mut self, user: &User, series: &Pubkey, size_lots: i64) {
        let premium = self.mark(series).await;
        self.fx
            .trade(&mut self.bench, user, &self.mm, series, size_lots, premium)
            .await
            .expect("trade with the market maker");
    }

    /// Lowers SOL in 0.5% steps until `user` is well below IM (its ratio
    /// under 105% of MM, while IM is at least 110%); asserts it is still
    /// above MM.
    async fn below_im(&mut self, user: &User) {
        let mut price = SOL_PRICE_E8;
        loop {
            let m = self.fx.margin_of(&self.bench, &user.margin).await;
            if m.ratio_bps < 10_500 {
                assert!(m.meets_maintenance(), "stepped past MM: {m:?}");
                return;
            }
            price = price * 995 / 1000;
            self.move_to(price).await;
        }
    }

    /// One second later, SOL at `price_e8`, both series refreshed.
    async fn move_to(&mut self, price_e8: i64) {
        self.bench.advance_time(1).await;
        let (u, series) = (self.u, [self.put, self.wing]);
        self.fx
            .publish_and_refresh(&mut self.bench, &u, &series, price_e8)
            .await;
    }

    fn watched(&self, users: &[&User]) -> Vec<Pubkey> {
        let mut keys: Vec<Pubkey> = users.iter().map(|u| u.margin).collect();
        keys.extend([self.put, self.wing, self.fx.usdc.vault, self.fx.usdc.config]);
        keys
    }
}

/// Issue 9, finding 1 (critical). A writer of 20 puts on 500 USDC, SOL then
/// at $80: equity is negative. The old rule let a side that only shrinks
/// its position pass whenever its ratio did not fall, and the ratio of a
/// negative equity is 0, so the writer could buy back one contract from its
/// own second account at a premium equal to the whole vault, and the second
/// account withdraw it: every depositor's money gone. Now a side that ends
/// below IM may not lose `equity − MM`, and a side below MM may not lose
/// equity at all.
#[tokio::test]
async fn an_underwater_writer_cannot_pay_its_second_account_the_vault() {
    let mut d = desk().await;
    let writer = d.user(500 * USD).await;
    let put = d.put;
    d.with_mm(&writer, &put, -20).await;
    d.move_to(8_000_000_000).await;
    let m = d.fx.margin_of(&d.bench, &writer.margin).await;
    assert!(m.equity_native < 0, "underwater: {m:?}");
    let accomplice = d.accomplice(&writer, 1_000 * USD).await;

    let vault = d.bench.token_balance(&d.fx.usdc.vault).await;
    let mark = d.mark(&put).await;
    let keys = d.watched(&[&writer, &accomplice]);
    let before = d.bench.snapshot(&keys).await;
    for premium in [vault, 10 * mark, mark + 2] {
        let r =
            d.fx.trade(&mut d.bench, &writer, &accomplice, &put, 1, premium)
                .await;
        if premium == mark + 2 {
            // Health would not fall (MM released > 1 native), but equity would.
            assert_error_code!(r, ErrorCode::EquityWouldFall);
        } else {
            assert_error_code!(r, ErrorCode::HealthWouldFall);
        }
    }
    assert_unchanged(&d.bench, &keys, &before).await;

    // At the mark (a short's liability is mark + 1 per contract) the
    // writer may still buy back: its equity is unchanged, its MM falls.
    d.fx.trade(&mut d.bench, &writer, &accomplice, &put, 1, mark + 1)
        .await
        .expect("reduce-only at the mark");
    let after = d.fx.margin_of(&d.bench, &writer.margin).await;
    assert_eq!(after.equity_native, m.equity_native);
    assert!(after.maintenance_margin_native < m.maintenance_margin_native);
}

/// A writer just below IM (above MM) may reduce, but only within the
/// premium band around the mark (default 5%): it cannot pay an accomplice
/// for the privilege even when the MM it sheds would cover the payment.
#[tokio::test]
async fn a_below_im_side_trades_only_within_the_band() {
    let mut d = desk().await;
    let writer = d.user(1_000 * USD).await;
    let put = d.put;
    d.with_mm(&writer, &put, -40).await;
    d.below_im(&writer).await;
    let accomplice = d.accomplice(&writer, 1_000 * USD).await;
    let mark = d.mark(&put).await;
    let width = mark * 500 / 10_000;
    let keys = d.watched(&[&writer, &accomplice]);
    let before = d.bench.snapshot(&keys).await;
    let r =
        d.fx.trade(
            &mut d.bench,
            &writer,
            &accomplice,
            &put,
            1,
            mark + 2 + width,
        )
        .await;
    assert_error_code!(r, ErrorCode::PremiumOutsideBand);
    assert_unchanged(&d.bench, &keys, &before).await;
    d.fx.trade(
        &mut d.bench,
        &writer,
        &accomplice,
        &put,
        1,
        mark + 1 + width,
    )
    .await
    .expect("the edge of the band");
}

/// Issue 13, finding 3 (first attack). Selling the long leg of a put spread
/// shrinks a position, which the old rule called "reducing": no fresh
/// volatility needed and, above IM, no further check. It leaves the account
/// naked short. "Reducing" is now judged on the account: its MM rises, so
/// it needs fresh volatility and initial margin.
#[tokio::test]
async fn selling_the_hedge_of_a_spread_adds_risk() {
    let mut d = desk().await;
    let writer = d.user(2_000 * USD).await;
    let (put, wing) = (d.put, d.wing);
    d.with_mm(&writer, &wing, 20).await;
    d.with_mm(&writer, &put, -20).await;
    // An hour and a second later the volatility is stale; prices and vectors are fresh.
    d.bench.advance_time(3_600).await;
    d.move_to(SOL_PRICE_E8).await;
    let buyer = d.user(10_000 * USD).await;
    let mark = d.mark(&wing).await;
    let keys = d.watched(&[&writer, &buyer]);
    let before = d.bench.snapshot(&keys).await;
    // The writer (side A, checked first) sells its 20 wings.
    let r =
        d.fx.trade(&mut d.bench, &writer, &buyer, &wing, -20, mark)
            .await;
    assert_error_code!(r, ErrorCode::StaleVolatility);
    assert_unchanged(&d.bench, &keys, &before).await;
}

/// Issue 13, finding 3 (second attack). A writer below IM holding a partial
/// hedge sells the hedge to an accomplice paying over the mark, so that the
/// old floored-ratio test passed while the account's MM rose. The sale
/// raises MM, so it adds risk: refused below IM, whatever the premium.
#[tokio::test]
async fn a_below_im_account_cannot_sell_its_hedge() {
    let mut d = desk().await;
    let writer = d.user(1_000 * USD).await;
    let (put, wing) = (d.put, d.wing);
    d.with_mm(&writer, &wing, 10).await;
    d.with_mm(&writer, &put, -40).await;
    d.below_im(&writer).await;
    let accomplice = d.accomplice(&writer, 1_000 * USD).await;
    let mark = d.mark(&wing).await;
    let keys = d.watched(&[&writer, &accomplice]);
    let before = d.bench.snapshot(&keys).await;
    for premium in [mark, mark + mark / 10, 2 * mark] {
        let r =
            d.fx.trade(&mut d.bench, &writer, &accomplice, &wing, -1, premium)
                .await;
        assert_error_code!(r, ErrorCode::BelowInitialMargin);
    }
    assert_unchanged(&d.bench, &keys, &before).await;
    let account: MarginAccount = d.bench.load_zc(&writer.margin).await;
    assert_eq!(account.active_positions().count(), 2);
}
