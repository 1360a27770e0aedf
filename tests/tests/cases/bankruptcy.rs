//! Bankruptcy: closeout to flat with negative equity (no fee), the deficit
//! covered by insurance, or socialised and borne pro rata by withdrawals.
//! The settlement accounting stays exact throughout:
//! vault + socialised loss = total = Σ balances + insurance.

use options_margin::error::ErrorCode;
use options_margin::events::{BankruptcyEvent, LiquidationEvent, WithdrawEvent};
use options_margin::state::{Collateral, Exchange, MarginAccount, Series};
use options_margin_tests::bench::{assert_unchanged, find_event, program_test};
use options_margin_tests::exchange::SOL_CONF_E8;
use options_margin_tests::options::sol_terms;
use options_margin_tests::{assert_error_code, ix, ExchangeFixture, TestBench, User};
use solana_signer::Signer;

const DAY: i64 = 86_400;
const USD: u64 = 1_000_000;

struct Crash {
    bench: TestBench,
    fx: ExchangeFixture,
    writer: User,
    keeper: User,
    saver: User,
}

/// A writer of 20 × 140 puts on 500 USDC; SOL then crashes to $80, so the
/// writer ends underwater. A saver holds 10,000 USDC it never trades.
async fn crash(insurance: u64) -> Crash {
    let mut bench = TestBench::start(program_test()).await;
    let fx = ExchangeFixture::setup(&mut bench).await;
    let u = fx.add_sol_underlying(&mut bench).await;
    let now = bench.now().await;
    let put = fx
        .ready_series(
            &mut bench,
            &u,
            sol_terms(false, 140, now + 30 * DAY),
            750_000,
        )
        .await;
    // The writer also holds one lamport of SOL: dust no liquidation can sell.
    let writer = fx.new_user(&mut bench, 1_000 * USD, 1).await;
    fx.deposit(&mut bench, &writer, &fx.sol.mint, 1)
        .await
        .unwrap();
    let keeper = fx.new_user(&mut bench, 1_000_000 * USD, 0).await;
    let saver = fx.new_user(&mut bench, 10_000 * USD, 0).await;
    fx.deposit(&mut bench, &writer, &fx.usdc.mint, 500 * USD)
        .await
        .unwrap();
    fx.deposit(&mut bench, &keeper, &fx.usdc.mint, 500_000 * USD)
        .await
        .unwrap();
    fx.deposit(&mut bench, &saver, &fx.usdc.mint, 10_000 * USD)
        .await
        .unwrap();
    if insurance > 0 {
        let ix = ix::deposit_insurance(
            &keeper.wallet.pubkey(),
            &fx.exchange,
            &fx.usdc.mint,
            &keeper.usdc_token,
            insurance,
        );
        bench
            .send(&[ix], &[&keeper.wallet])
            .await
            .expect("insurance deposit");
    }
    let s: Series = bench.load_zc(&put).await;
    fx.trade(
        &mut bench,
        &keeper,
        &writer,
        &put,
        20,
        s.risk.mark_native as u64,
    )
    .await
    .expect("write");
    bench.advance_time(1).await;
    let t = bench.now().await;
    fx.set_sol_price(&mut bench, 8_000_000_000, SOL_CONF_E8, t);
    fx.refresh(&mut bench, &u, &put).await;
    Crash {
        bench,
        fx,
        writer,
        keeper,
        saver,
    }
}

async fn settlement_books(c: &Crash) -> (i64, i64, i64, i64) {
    let config: Collateral = c.bench.load_zc(&c.fx.usdc.config).await;
    let exchange: Exchange = c.bench.load_zc(&c.fx.exchange).await;
    let mut sum = 0;
    for u in [&c.writer, &c.keeper, &c.saver] {
        sum += c.fx.balance(&c.bench, &u.margin, &c.fx.usdc.mint).await;
    }
    let vault = c.bench.token_balance(&c.fx.usdc.vault).await as i64;
    assert_eq!(
        vault + config.socialized_loss_native,
        config.total_balance_native,
        "vault + loss = total"
    );
    assert_eq!(
        config.total_balance_native,
        sum + exchange.insurance_native,
        "total = Σ balances + insurance"
    );
    (
        vault,
        sum,
        exchange.insurance_native,
        config.socialized_loss_native,
    )
}

/// `resolve_bankruptcy` with the writer's SOL dust priced (config writable).
fn resolve_with_dust(c: &Crash) -> solana_instruction::Instruction {
    let mut ix = ix::resolve_bankruptcy(&c.fx.exchange, &c.writer.margin, &c.fx.usdc.mint);
    ix.accounts.push(anchor_lang::prelude::AccountMeta::new(
        c.fx.sol.config,
        false,
    ));
    ix.accounts
        .push(anchor_lang::prelude::AccountMeta::new_readonly(
            c.fx.sol.oracle,
            false,
        ));
    ix
}

/// Closes the writer out completely; every call pays no fee.
async fn close_out(c: &mut Crash) -> i64 {
    for _ in 0..5 {
        let account: MarginAccount = c.bench.load_zc(&c.writer.margin).await;
        if account.active_positions().count() == 0 {
            break;
        }
        let events =
            c.fx.liquidate(&mut c.bench, &c.keeper, &c.writer.margin, u64::MAX, 0)
                .await
                .expect("closeout");
        let ev: LiquidationEvent = find_event(&events).unwrap();
        assert_eq!(
            (ev.tier, ev.fee_native),
            (3, 0),
            "a bankrupt account pays no fee"
        );
        assert!(ev.equity_before_native < 0);
    }
    c.fx.balance(&c.bench, &c.writer.margin, &c.fx.usdc.mint)
        .await
}

#[tokio::test]
async fn a_deficit_covered_by_the_insurance_fund() {
    let mut c = crash(5_000 * USD).await;
    let balance = close_out(&mut c).await;
    assert!(balance < 0, "underwater after closeout: {balance}");
    settlement_books(&c).await;
    // Without the dust's price the account cannot be resolved.
    let plain = ix::resolve_bankruptcy(&c.fx.exchange, &c.writer.margin, &c.fx.usdc.mint);
    let r = c.bench.send(&[plain], &[]).await;
    assert_error_code!(r, ErrorCode::HealthAccountsMismatch);
    let events = c
        .bench
        .send_capturing_events(&[resolve_with_dust(&c)], &[])
        .await
        .expect("resolve");
    // The lamport of SOL was written off; its vault keeps it.
    assert_eq!(
        c.fx.balance(&c.bench, &c.writer.margin, &c.fx.sol.mint)
            .await,
        0
    );
    let sol: Collateral = c.bench.load_zc(&c.fx.sol.config).await;
    assert_eq!(sol.total_balance_native, 0);
    assert_eq!(c.bench.token_balance(&c.fx.sol.vault).await, 1);
    let ev: BankruptcyEvent = find_event(&events).unwrap();
    assert_eq!(ev.deficit_native as i64, -balance);
    assert_eq!(
        (ev.insurance_covered_native, ev.socialized_native),
        (ev.deficit_native, 0)
    );
    let (_, _, insurance, loss) = settlement_books(&c).await;
    assert_eq!((insurance, loss), (5_000 * USD as i64 + balance, 0));
    assert_eq!(
        c.fx.balance(&c.bench, &c.writer.margin, &c.fx.usdc.mint)
            .await,
        0
    );
    // Resolving twice: nothing left to resolve.
    let keys = [c.writer.margin, c.fx.exchange, c.fx.usdc.config];
    let before = c.bench.snapshot(&keys).await;
    let r = c
        .bench
        .send(
            &[ix::resolve_bankruptcy(
                &c.fx.exchange,
                &c.writer.margin,
                &c.fx.usdc.mint,
            )],
            &[],
        )
        .await;
    assert_error_code!(r, ErrorCode::NotBankrupt);
    assert_unchanged(&c.bench, &keys, &before).await;
}

#[tokio::test]
async fn a_deficit_beyond_insurance_is_socialised_pro_rata_on_withdrawal() {
    let mut c = crash(10 * USD).await;
    // Still holding positions: not bankrupt yet.
    let keys = [c.writer.margin, c.fx.exchange, c.fx.usdc.config];
    let before = c.bench.snapshot(&keys).await;
    let r = c
        .bench
        .send(
            &[ix::resolve_bankruptcy(
                &c.fx.exchange,
                &c.writer.margin,
                &c.fx.usdc.mint,
            )],
            &[],
        )
        .await;
    assert_error_code!(r, ErrorCode::NotBankrupt);
    assert_unchanged(&c.bench, &keys, &before).await;

    let balance = close_out(&mut c).await;
    let deficit = -balance;
    assert!(deficit > 10 * USD as i64);
    let events = c
        .bench
        .send_capturing_events(&[resolve_with_dust(&c)], &[])
        .await
        .unwrap();
    let ev: BankruptcyEvent = find_event(&events).unwrap();
    assert_eq!(ev.insurance_covered_native, 10 * USD);
    assert_eq!(ev.socialized_native as i64, deficit - 10 * USD as i64);
    let (vault, _, insurance, loss) = settlement_books(&c).await;
    assert_eq!((insurance, loss), (0, ev.socialized_native as i64));

    // The saver withdraws everything and bears its pro-rata share.
    let claim =
        c.fx.balance(&c.bench, &c.saver.margin, &c.fx.usdc.mint)
            .await as u64;
    let health = c.fx.health_accounts(&c.bench, &c.saver.margin).await;
    let w = ix::withdraw(
        &c.fx.transfer_accounts(&c.saver, &c.fx.usdc.mint),
        claim,
        &health,
    );
    let saver_wallet = c.saver.wallet.insecure_clone();
    let events = c
        .bench
        .send_capturing_events(&[w], &[&saver_wallet])
        .await
        .unwrap();
    let ev: WithdrawEvent = find_event(&events).unwrap();
    let expected = (claim as i128 * vault as i128 / (vault as i128 + loss as i128)) as u64;
    assert_eq!(ev.paid_native, expected);
    assert!(ev.paid_native < claim);
    let (_, _, _, loss_after) = settlement_books(&c).await;
    assert_eq!(loss_after, loss - (claim - expected) as i64);

    // An insurance deposit repays the remaining loss first.
    let ix = ix::deposit_insurance(
        &c.keeper.wallet.pubkey(),
        &c.fx.exchange,
        &c.fx.usdc.mint,
        &c.keeper.usdc_token,
        1_000 * USD,
    );
    let keeper_wallet = c.keeper.wallet.insecure_clone();
    c.bench.send(&[ix], &[&keeper_wallet]).await.unwrap();
    let (_, _, insurance, loss) = settlement_books(&c).await;
    assert_eq!(loss, 0);
    assert_eq!(insurance, 1_000 * USD as i64 - loss_after);
}
