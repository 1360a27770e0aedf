//! Amount edges (0, 1, u64::MAX), caps, pauses and balances.

use options_margin::error::ErrorCode;
use options_margin::state::{Collateral, PAUSE_DEPOSITS, PAUSE_WITHDRAWALS};
use options_margin_tests::bench::{assert_unchanged, program_test};

use options_margin_tests::{assert_error_code, ix, ExchangeFixture, TestBench};
use solana_signer::Signer;

/// SPL Token's `TokenError::InsufficientFunds`.
const SPL_INSUFFICIENT_FUNDS: u32 = 1;

#[tokio::test]
async fn deposit_and_withdraw_amount_edges() {
    let mut bench = TestBench::start(program_test()).await;
    let fx = ExchangeFixture::setup(&mut bench).await;
    let user = fx.new_user(&mut bench, 10_000_000, 0).await;
    let usdc = fx.usdc.mint;
    let keys = [user.margin, fx.usdc.vault, user.usdc_token, fx.usdc.config];

    let before = bench.snapshot(&keys).await;
    assert_error_code!(
        fx.deposit(&mut bench, &user, &usdc, 0).await,
        ErrorCode::ZeroAmount
    );
    assert_error_code!(
        fx.deposit(&mut bench, &user, &usdc, u64::MAX).await,
        ErrorCode::AmountTooLarge
    );
    assert_error_code!(
        fx.deposit(&mut bench, &user, &usdc, 10_000_001).await,
        SPL_INSUFFICIENT_FUNDS
    );
    assert_error_code!(
        fx.withdraw(&mut bench, &user, &usdc, 0).await,
        ErrorCode::ZeroAmount
    );
    assert_error_code!(
        fx.withdraw(&mut bench, &user, &usdc, 1).await,
        ErrorCode::InsufficientBalance
    );
    assert_error_code!(
        fx.withdraw(&mut bench, &user, &usdc, u64::MAX).await,
        ErrorCode::AmountTooLarge
    );
    assert_unchanged(&bench, &keys, &before).await;

    fx.deposit(&mut bench, &user, &usdc, 1)
        .await
        .expect("deposit 1");
    assert_eq!(fx.balance(&bench, &user.margin, &usdc).await, 1);
    assert_eq!(bench.token_balance(&fx.usdc.vault).await, 1);
    let before = bench.snapshot(&keys).await;
    assert_error_code!(
        fx.withdraw(&mut bench, &user, &usdc, 2).await,
        ErrorCode::InsufficientBalance
    );
    assert_unchanged(&bench, &keys, &before).await;
    fx.withdraw(&mut bench, &user, &usdc, 1)
        .await
        .expect("withdraw 1");
    assert_eq!(fx.balance(&bench, &user.margin, &usdc).await, 0);
    assert_eq!(bench.token_balance(&fx.usdc.vault).await, 0);
    assert_eq!(bench.token_balance(&user.usdc_token).await, 10_000_000);
}

#[tokio::test]
async fn deposit_cap_and_pauses() {
    let mut bench = TestBench::start(program_test()).await;
    let fx = ExchangeFixture::setup(&mut bench).await;
    let user = fx.new_user(&mut bench, 10_000_000, 0).await;
    let usdc = fx.usdc.mint;
    let admin = fx.admin.pubkey();
    bench
        .send(
            &[ix::set_deposit_cap(&admin, &fx.exchange, &usdc, 5_000_000)],
            &[&fx.admin],
        )
        .await
        .unwrap();
    fx.deposit(&mut bench, &user, &usdc, 4_000_000)
        .await
        .unwrap();

    let keys = [user.margin, fx.usdc.vault, user.usdc_token, fx.usdc.config];
    let before = bench.snapshot(&keys).await;
    assert_error_code!(
        fx.deposit(&mut bench, &user, &usdc, 1_000_001).await,
        ErrorCode::DepositCapExceeded
    );
    bench
        .send(
            &[ix::set_pause_flags(
                &admin,
                &fx.exchange,
                PAUSE_DEPOSITS | PAUSE_WITHDRAWALS,
            )],
            &[&fx.admin],
        )
        .await
        .unwrap();
    assert_error_code!(
        fx.deposit(&mut bench, &user, &usdc, 1).await,
        ErrorCode::Paused
    );
    assert_error_code!(
        fx.withdraw(&mut bench, &user, &usdc, 1).await,
        ErrorCode::Paused
    );
    assert_unchanged(&bench, &keys, &before).await;

    bench
        .send(
            &[ix::set_pause_flags(&admin, &fx.exchange, 0)],
            &[&fx.admin],
        )
        .await
        .unwrap();
    fx.deposit(&mut bench, &user, &usdc, 1_000_000)
        .await
        .expect("exactly at the cap");
    let c: Collateral = bench.load_zc(&fx.usdc.config).await;
    assert_eq!(c.total_balance_native, 5_000_000);
}

#[tokio::test]
async fn collateral_slots_are_claimed_and_released() {
    let mut bench = TestBench::start(program_test()).await;
    let fx = ExchangeFixture::setup(&mut bench).await;
    let user = fx.new_user(&mut bench, 10_000_000, 3_000_000_000).await;
    fx.deposit(&mut bench, &user, &fx.sol.mint, 3_000_000_000)
        .await
        .unwrap();
    fx.deposit(&mut bench, &user, &fx.usdc.mint, 1_000_000)
        .await
        .unwrap();
    assert_eq!(fx.health_accounts(&bench, &user.margin).await.len(), 2);
    fx.withdraw(&mut bench, &user, &fx.sol.mint, 3_000_000_000)
        .await
        .unwrap();
    // The emptied SOL slot is released: no oracle needed any more.
    assert!(fx.health_accounts(&bench, &user.margin).await.is_empty());
    assert_eq!(bench.token_balance(&user.sol_token).await, 3_000_000_000);
}
