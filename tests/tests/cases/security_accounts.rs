//! Accounts and amounts under attack (issue 9, the paths no test attacked
//! yet): Token-2022 passed where SPL Token is expected, closing an account
//! that still holds a position, close-refund-reuse in one transaction, and
//! ten thousand deposit(1)/withdraw(1) cycles hunting for a rounding unit.

use anchor_lang::error::ErrorCode as AnchorError;
use anchor_lang::prelude::Pubkey;
use options_margin::error::ErrorCode;
use options_margin::state::MarginAccount;
use options_margin_tests::bench::assert_unchanged;
use options_margin_tests::{assert_error_code, ix};
use solana_signer::Signer;
use solana_system_interface::instruction as system;

use super::desk::{put, Desk, USD};

/// unit: lamports of SOL (9 decimals). One SOL.
const SOL: u64 = 1_000_000_000;

#[tokio::test]
async fn token_2022_is_refused_where_spl_token_is_expected() {
    let mut d = Desk::new(1, 1_000 * USD, 0).await;
    let keys = [
        d.writer.margin,
        d.fx.usdc.vault,
        d.writer.usdc_token,
        d.fx.usdc.config,
    ];
    let before = d.bench.snapshot(&keys).await;
    let mut a = d.fx.transfer_accounts(&d.writer, &d.fx.usdc.mint);
    a.token_program = anchor_spl::token_2022::ID;
    let r = d
        .bench
        .send(&[ix::deposit(&a, USD)], &[&d.writer.wallet])
        .await;
    assert_error_code!(r, AnchorError::InvalidProgramId);
    let r = d
        .bench
        .send(&[ix::withdraw(&a, USD, &[])], &[&d.writer.wallet])
        .await;
    assert_error_code!(r, AnchorError::InvalidProgramId);
    assert_unchanged(&d.bench, &keys, &before).await;
}

/// An account with an open position (and no balance left: the premium it
/// paid took all of it) cannot be closed; neither can one that still owes
/// or is owed anything. Closing an empty account, refunding its address
/// and depositing into it in the same transaction fails as a whole:
/// Anchor hands a closed account to the system program, so nothing can use
/// it again, and nothing changed.
#[tokio::test]
async fn closing_refuses_open_positions_and_cannot_be_revived_in_one_transaction() {
    let mut d = Desk::new(1, 0, 0).await;
    let now = d.bench.now().await;
    let p = d.series(0, put(140, now), 750_000).await;
    let premium = {
        let s: options_margin::state::Series = d.bench.load_zc(&p).await;
        s.risk.mark_native as u64
    };
    // A trader who deposits exactly the premium of one put and buys it.
    let trader = d.fx.new_user(&mut d.bench, 1_000 * USD, 0).await;
    d.fx.deposit(&mut d.bench, &trader, &d.fx.usdc.mint, premium)
        .await
        .unwrap();
    d.fx.trade(&mut d.bench, &trader, &d.buyer, &p, 1, premium)
        .await
        .expect("buy one put");
    let account: MarginAccount = d.bench.load_zc(&trader.margin).await;
    assert_eq!(account.settlement_balance(&d.fx.usdc.mint), 0);
    let owner = trader.wallet.pubkey();
    let keys = [trader.margin, p];
    let before = d.bench.snapshot(&keys).await;
    let r = d
        .bench
        .send(
            &[ix::close_margin_account(&owner, &trader.margin, &owner)],
            &[&trader.wallet],
        )
        .await;
    assert_error_code!(r, ErrorCode::AccountNotEmpty);
    assert_unchanged(&d.bench, &keys, &before).await;

    // An empty account: close, refund, reuse, in one transaction.
    let empty = d.fx.new_user(&mut d.bench, 1_000 * USD, 0).await;
    let owner = empty.wallet.pubkey();
    let keys = [empty.margin, d.fx.usdc.vault, empty.usdc_token];
    let before = d.bench.snapshot(&keys).await;
    let rent = d.bench.get_account(&empty.margin).await.unwrap().lamports;
    let revive = [
        ix::close_margin_account(&owner, &empty.margin, &owner),
        system::transfer(&owner, &empty.margin, rent),
        ix::deposit(&d.fx.transfer_accounts(&empty, &d.fx.usdc.mint), USD),
    ];
    let r = d.bench.send(&revive, &[&empty.wallet]).await;
    assert_error_code!(r, AnchorError::AccountOwnedByWrongProgram);
    assert_unchanged(&d.bench, &keys, &before).await;
    // Closed on its own, the address can only be created afresh.
    d.bench
        .send(
            &[ix::close_margin_account(&owner, &empty.margin, &owner)],
            &[&empty.wallet],
        )
        .await
        .expect("close");
    assert!(d.bench.get_account(&empty.margin).await.is_none());
    let deposit = ix::deposit(&d.fx.transfer_accounts(&empty, &d.fx.usdc.mint), USD);
    let r = d.bench.send(&[deposit], &[&empty.wallet]).await;
    assert_error_code!(r, AnchorError::AccountOwnedByWrongProgram);
}

/// Ten thousand deposit(1)/withdraw(1) cycles, in the settlement coin and
/// in SOL (where one lamport is worth less than a quote native unit), with
/// positions open so every withdrawal runs a full margin check: the user
/// can never withdraw more than it put in, and the books do not move by a
/// unit.
#[tokio::test]
async fn ten_thousand_unit_cycles_never_increase_what_can_be_withdrawn() {
    let mut d = Desk::new(1, 2_000 * USD, 10 * SOL).await;
    let sol = d.fx.sol.mint;
    d.fx.deposit(&mut d.bench, &d.writer, &sol, 5 * SOL)
        .await
        .unwrap();
    let now = d.bench.now().await;
    let p = d.series(0, put(140, now), 750_000).await;
    d.write(&p, 5, None).await;
    let usdc = d.fx.usdc.mint;
    let before_usdc = d.fx.balance(&d.bench, &d.writer.margin, &usdc).await;
    let before_sol = d.fx.balance(&d.bench, &d.writer.margin, &sol).await;
    let wallet_usdc = d.bench.token_balance(&d.writer.usdc_token).await;
    let wallet_sol = d.bench.token_balance(&d.writer.sol_token).await;
    let health = d.fx.health_accounts(&d.bench, &d.writer.margin).await;
    let cycles_per_tx = 10;
    let mut cycles = 0;
    for round in 0..500 {
        for mint in [usdc, sol] {
            let a = d.fx.transfer_accounts(&d.writer, &mint);
            let mut ixs = Vec::new();
            for _ in 0..cycles_per_tx {
                ixs.push(ix::deposit(&a, 1));
                ixs.push(ix::withdraw(&a, 1, &health));
            }
            d.bench
                .send(&ixs, &[&d.writer.wallet])
                .await
                .unwrap_or_else(|e| panic!("round {round}: {e:?}"));
            cycles += cycles_per_tx;
        }
    }
    assert_eq!(cycles, 10_000);
    assert_eq!(
        d.fx.balance(&d.bench, &d.writer.margin, &usdc).await,
        before_usdc
    );
    assert_eq!(
        d.fx.balance(&d.bench, &d.writer.margin, &sol).await,
        before_sol
    );
    assert_eq!(
        d.bench.token_balance(&d.writer.usdc_token).await,
        wallet_usdc
    );
    assert_eq!(d.bench.token_balance(&d.writer.sol_token).await, wallet_sol);
    // One unit more than the balance is still refused.
    let a = d.fx.transfer_accounts(&d.writer, &sol);
    let r = d
        .bench
        .send(
            &[ix::withdraw(&a, before_sol as u64 + 1, &health)],
            &[&d.writer.wallet],
        )
        .await;
    assert_error_code!(r, ErrorCode::InsufficientBalance);
    let _: Pubkey = d.fx.exchange;
}
