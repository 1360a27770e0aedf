//! Bankruptcy: closeout to flat with negative equity (no fee), the deficit
//! covered by insurance, or socialised over the settlement balances that
//! existed when it happened (a loss index, `options_margin_risk::socialized`).
//! The settlement accounting stays exact throughout:
//! vault + socialised loss = total = Σ balances + Σ accrued + insurance.

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
    crash_with(insurance, 1).await
}

/// [`crash`] with the writer holding `sol_lamports` of SOL (1: dust).
async fn crash_with(insurance: u64, sol_lamports: u64) -> Crash {
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
    // The writer also holds SOL (one lamport: dust no liquidation can sell).
    let writer = fx.new_user(&mut bench, 1_000 * USD, sol_lamports).await;
    fx.deposit(&mut bench, &writer, &fx.sol.mint, sol_lamports)
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
        let account: MarginAccount = c.bench.load_zc(&u.margin).await;
        sum += account.insurance_accrued_native;
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
        "total = Σ balances + Σ accrued + insurance"
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
    let resolve = resolve_with_dust(&c);
    let events = c
        .bench
        .send_capturing_events(&[resolve], &[])
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

/// Issue 9, finding 7: a loss is charged to the balances that existed when
/// it happened. The old rule haircut every withdrawal by V/(V+L), so a
/// deposit made after the loss was haircut at once and the earlier
/// claimants recovered by waiting for new money.
#[tokio::test]
async fn a_deficit_beyond_insurance_is_borne_by_the_balances_of_the_time() {
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
    let writer: MarginAccount = c.bench.load_zc(&c.writer.margin).await;
    let counted_at_loss = c.fx.counted_total(&c.bench).await - writer.counted_settlement_native;
    let resolve = resolve_with_dust(&c);
    let events = c
        .bench
        .send_capturing_events(&[resolve], &[])
        .await
        .unwrap();
    let ev: BankruptcyEvent = find_event(&events).unwrap();
    assert_eq!(ev.insurance_covered_native, 10 * USD);
    let socialized = ev.socialized_native as i64;
    assert_eq!(socialized, deficit - 10 * USD as i64);
    let (_, _, insurance, loss) = settlement_books(&c).await;
    assert_eq!((insurance, loss), (0, socialized));
    let exchange: Exchange = c.bench.load_zc(&c.fx.exchange).await;
    let index = (socialized as u128 * 1_000_000_000_000).div_ceil(counted_at_loss as u128);
    assert_eq!(exchange.loss_index_e12 as u128, index);
    let share = |counted: i64| (counted as u128 * index).div_ceil(1_000_000_000_000) as i64;

    // Money deposited after the loss owes nothing: it comes back whole.
    let late = c.fx.new_user(&mut c.bench, 1_000 * USD, 0).await;
    c.fx.deposit(&mut c.bench, &late, &c.fx.usdc.mint, 1_000 * USD)
        .await
        .unwrap();
    c.fx.withdraw(&mut c.bench, &late, &c.fx.usdc.mint, 1_000 * USD)
        .await
        .expect("a new depositor withdraws everything it deposited");
    assert_eq!(c.bench.token_balance(&late.usdc_token).await, 1_000 * USD);

    // The saver's share is in its equity at once, whatever it does next.
    let saver: MarginAccount = c.bench.load_zc(&c.saver.margin).await;
    let saver_share = share(saver.counted_settlement_native);
    assert!(saver_share > 0);
    let claim =
        c.fx.balance(&c.bench, &c.saver.margin, &c.fx.usdc.mint)
            .await;
    let seen = c.fx.margin_of(&c.bench, &c.saver.margin).await;
    assert_eq!(seen.equity_native, claim - saver_share);
    // Withdrawing the raw balance is refused (the share is booked first) …
    let keys = [c.saver.margin, c.fx.usdc.config, c.fx.usdc.vault];
    let before = c.bench.snapshot(&keys).await;
    let r =
        c.fx.withdraw(&mut c.bench, &c.saver, &c.fx.usdc.mint, claim as u64)
            .await;
    assert_error_code!(r, ErrorCode::InsufficientBalance);
    assert_unchanged(&c.bench, &keys, &before).await;
    // … the balance net of its share is paid in full.
    let net = (claim - saver_share) as u64;
    let health = c.fx.health_accounts(&c.bench, &c.saver.margin).await;
    let w = ix::withdraw(
        &c.fx.transfer_accounts(&c.saver, &c.fx.usdc.mint),
        net,
        &health,
    );
    let saver_wallet = c.saver.wallet.insecure_clone();
    let events = c
        .bench
        .send_capturing_events(&[w], &[&saver_wallet])
        .await
        .unwrap();
    let ev: WithdrawEvent = find_event(&events).unwrap();
    assert_eq!(ev.paid_native, net);
    assert_eq!(ev.balance_after_native, 0);
    let (_, _, _, loss_after) = settlement_books(&c).await;
    assert_eq!(loss_after, loss - saver_share);

    // An insurance deposit joins the fund at once: the loss was assigned to
    // the accounts that bear it (nothing is unassigned), so it repays none.
    let config: Collateral = c.bench.load_zc(&c.fx.usdc.config).await;
    assert_eq!(config.unassigned_loss_native, 0);
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
    assert_eq!(loss, loss_after);
    assert_eq!(insurance, 1_000 * USD as i64);

    // The keeper's share is booked by anyone (the permissionless
    // checkpoint); shares are rounded up, and the excess over the loss,
    // now surplus in the vault, is swept into insurance.
    let keeper: MarginAccount = c.bench.load_zc(&c.keeper.margin).await;
    let keeper_share = share(keeper.counted_settlement_native);
    c.bench
        .send(
            &[ix::book_socialized_loss(
                &c.fx.exchange,
                &c.keeper.margin,
                &c.fx.usdc.mint,
            )],
            &[],
        )
        .await
        .unwrap();
    let (_, _, _, loss) = settlement_books(&c).await;
    assert_eq!(loss, loss_after - keeper_share);
    assert!(loss <= 0, "every share booked: {loss}");
    c.bench
        .send(
            &[ix::sweep_insurance(&c.fx.exchange, &c.fx.usdc.mint, &[])],
            &[],
        )
        .await
        .unwrap();
    let (_, _, insurance_after, loss) = settlement_books(&c).await;
    assert_eq!(loss, 0);
    assert_eq!(insurance_after, insurance + keeper_share - loss_after);
    // In all, the holders of the time bore at least the socialised loss.
    assert!(saver_share + keeper_share >= socialized);
    assert!(saver_share + keeper_share <= socialized + 2);
}

/// Issue 9, finding 10: the dust write-off priced SOL with a caller-chosen
/// update. An update that shows SOL at a millionth of a dollar (while its
/// EMA says $80) does not make a tenth of a SOL dust: a write-off values at
/// the higher of spot and EMA, plus the confidence band.
#[tokio::test]
async fn a_low_update_cannot_write_off_more_than_dust() {
    let mut c = crash_with(0, 100_000_000).await;
    close_out(&mut c).await;
    let account: MarginAccount = c.bench.load_zc(&c.writer.margin).await;
    assert_eq!(account.active_positions().count(), 0);
    let low = anchor_lang::prelude::Pubkey::new_unique();
    let now = c.bench.now().await;
    c.bench.set_pull_price(
        &low,
        options_margin_tests::pyth::PullPrice {
            ema_price: Some(8_000_000_000),
            ..options_margin_tests::pyth::PullPrice::usd_e8(c.fx.sol.feed_id, 100, 1, now)
        },
    );
    let mut resolve = resolve_with_dust(&c);
    let last = resolve.accounts.len() - 1;
    resolve.accounts[last] = anchor_lang::prelude::AccountMeta::new_readonly(low, false);
    let keys = [
        c.writer.margin,
        c.fx.exchange,
        c.fx.usdc.config,
        c.fx.sol.config,
    ];
    let before = c.bench.snapshot(&keys).await;
    let r = c.bench.send(&[resolve], &[]).await;
    assert_error_code!(r, ErrorCode::NotBankrupt);
    assert_unchanged(&c.bench, &keys, &before).await;
}

/// Review finding (counted balances): cash that leaves an account through
/// a trade used to leave its counted balance behind, so a wallet could move
/// its capital from a counted account to a fresh one just before a loss and
/// bear nothing. Every trade now books and re-counts both sides, so the
/// cash is counted wherever it is when the loss happens.
#[tokio::test]
async fn cash_moved_by_a_trade_bears_its_share_where_it_lands() {
    let mut c = crash(10 * USD).await;
    // The saver (counted 10,000) moves most of its cash to a fresh account
    // of its own by buying a cheap put from it at a huge premium.
    let fresh = c.fx.second_account(&mut c.bench, &c.saver, 1).await;
    let now = c.bench.now().await;
    let u = options_margin::pda::underlying(&c.fx.exchange, 0).0;
    let cheap =
        c.fx.ready_series(
            &mut c.bench,
            &u,
            sol_terms(false, 40, now + 30 * DAY),
            750_000,
        )
        .await;
    c.fx.trade(&mut c.bench, &c.saver, &fresh, &cheap, 1, 9_000 * USD)
        .await
        .expect("move the cash");
    let saver: MarginAccount = c.bench.load_zc(&c.saver.margin).await;
    let moved: MarginAccount = c.bench.load_zc(&fresh.margin).await;
    assert!(saver.counted_settlement_native < 1_100 * USD as i64);
    assert!(moved.counted_settlement_native >= 9_000 * USD as i64);
    let accounts = [
        c.writer.margin,
        c.keeper.margin,
        c.saver.margin,
        fresh.margin,
    ];
    c.fx.assert_books(&c.bench, &accounts, &[]).await;

    close_out(&mut c).await;
    let counted = c.fx.counted_total(&c.bench).await;
    let resolve = resolve_with_dust(&c);
    c.bench.send(&[resolve], &[]).await.expect("resolve");
    let exchange: Exchange = c.bench.load_zc(&c.fx.exchange).await;
    assert!(exchange.loss_index_e12 > 0);
    // The fresh account owes its share of the cash it holds.
    let owed = (moved.counted_settlement_native as u128 * exchange.loss_index_e12 as u128)
        .div_ceil(1_000_000_000_000) as i64;
    assert!(owed > 0);
    let balance = c.fx.balance(&c.bench, &fresh.margin, &c.fx.usdc.mint).await;
    let seen = c.fx.margin_of(&c.bench, &fresh.margin).await;
    assert!(
        seen.equity_native <= balance - owed,
        "the share is in its equity"
    );
    let _ = counted;
}
