//! The bench itself: exchange setup, deposit, withdraw and events end to end.

use options_margin::events::{DepositEvent, WithdrawEvent};
use options_margin::state::{Collateral, Exchange, MarginAccount};
use options_margin_tests::bench::{find_event, program_test};
use options_margin_tests::{ix, ExchangeFixture, TestBench};
use solana_signer::Signer;

#[tokio::test]
async fn deposit_and_withdraw_move_real_tokens_and_emit_events() {
    let mut bench = TestBench::start(program_test()).await;
    let fx = ExchangeFixture::setup(&mut bench).await;
    let user = fx.new_user(&mut bench, 1_000_000_000, 5_000_000_000).await;

    let exchange: Exchange = bench.load_zc(&fx.exchange).await;
    assert_eq!(exchange.admin, fx.admin.pubkey());
    assert_eq!(exchange.settlement_mint, fx.usdc.mint);
    assert_eq!(exchange.collateral_count, 2);

    let a = fx.transfer_accounts(&user, &fx.usdc.mint);
    let events = bench
        .send_capturing_events(&[ix::deposit(&a, 250_000_000)], &[&user.wallet])
        .await
        .expect("deposit");
    let ev: DepositEvent = find_event(&events).expect("deposit event");
    assert_eq!(ev.amount_native, 250_000_000);
    assert_eq!(ev.balance_after_native, 250_000_000);
    assert_eq!(ev.margin_account, user.margin);
    assert_eq!(bench.token_balance(&fx.usdc.vault).await, 250_000_000);
    assert_eq!(bench.token_balance(&user.usdc_token).await, 750_000_000);

    fx.deposit(&mut bench, &user, &fx.sol.mint, 2_000_000_000)
        .await
        .expect("deposit SOL");
    let account: MarginAccount = bench.load_zc(&user.margin).await;
    assert_eq!(account.active_collaterals().count(), 2);

    let health = fx.health_accounts(&bench, &user.margin).await;
    let w = ix::withdraw(&a, 100_000_000, &health);
    let events = bench
        .send_capturing_events(&[w], &[&user.wallet])
        .await
        .expect("withdraw");
    let ev: WithdrawEvent = find_event(&events).expect("withdraw event");
    assert_eq!(ev.balance_after_native, 150_000_000);
    assert_eq!(bench.token_balance(&fx.usdc.vault).await, 150_000_000);
    let usdc: Collateral = bench.load_zc(&fx.usdc.config).await;
    assert_eq!(usdc.total_balance_native, 150_000_000);
}
