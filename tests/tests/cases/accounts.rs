//! Margin account authentication: owner, type, address and token plumbing.
//! Every rejection leaves every account as it was.

use anchor_lang::error::ErrorCode as AnchorError;
use anchor_lang::prelude::Pubkey;
use options_margin::constants::MARGIN_SEED;
use options_margin::error::ErrorCode;
use options_margin::state::MarginAccount;
use options_margin_tests::bench::{assert_unchanged, program_test};
use options_margin_tests::{assert_error_code, ix, ExchangeFixture, TestBench, User};
use solana_account::Account;
use solana_signer::Signer;

/// A bench with one user holding 100 USDC in margin account 0.
async fn setup() -> (TestBench, ExchangeFixture, User) {
    let mut bench = TestBench::start(program_test()).await;
    let fx = ExchangeFixture::setup(&mut bench).await;
    let user = fx.new_user(&mut bench, 200_000_000, 1_000_000_000).await;
    fx.deposit(&mut bench, &user, &fx.usdc.mint, 100_000_000)
        .await
        .unwrap();
    (bench, fx, user)
}

fn watched(fx: &ExchangeFixture, user: &User) -> [Pubkey; 5] {
    [
        user.margin,
        fx.usdc.vault,
        user.usdc_token,
        fx.usdc.config,
        fx.exchange,
    ]
}

#[tokio::test]
async fn a_non_owner_cannot_withdraw() {
    let (mut bench, fx, user) = setup().await;
    let thief = bench.funded_keypair(1_000_000_000).await;
    let thief_token = bench
        .create_token_account(&fx.usdc.mint, &thief.pubkey())
        .await;
    let mut keys = watched(&fx, &user).to_vec();
    keys.push(thief_token);
    let before = bench.snapshot(&keys).await;

    let mut a = fx.transfer_accounts(&user, &fx.usdc.mint);
    a.owner = thief.pubkey();
    a.token_account = thief_token;
    let r = bench
        .send(&[ix::withdraw(&a, 1_000_000, &[])], &[&thief])
        .await;
    assert_error_code!(r, ErrorCode::Unauthorized);
    assert_unchanged(&bench, &keys, &before).await;
}

#[tokio::test]
async fn a_spoofed_margin_account_with_the_wrong_owner_program_is_rejected() {
    let (mut bench, fx, user) = setup().await;
    let real = bench.get_account(&user.margin).await.unwrap();
    // Same bytes, but owned by another program (as an attacker could create).
    let spoof = Pubkey::new_unique();
    bench.set_account(
        &spoof,
        Account {
            owner: Pubkey::new_unique(),
            ..real
        },
    );
    let keys = watched(&fx, &user);
    let before = bench.snapshot(&keys).await;
    let mut a = fx.transfer_accounts(&user, &fx.usdc.mint);
    a.margin_account = spoof;
    let r = bench
        .send(&[ix::withdraw(&a, 1_000_000, &[])], &[&user.wallet])
        .await;
    assert_error_code!(r, AnchorError::AccountOwnedByWrongProgram);
    assert_unchanged(&bench, &keys, &before).await;
}

#[tokio::test]
async fn an_account_of_another_type_is_rejected() {
    let (mut bench, fx, user) = setup().await;
    let keys = watched(&fx, &user);
    let before = bench.snapshot(&keys).await;
    let mut a = fx.transfer_accounts(&user, &fx.usdc.mint);
    a.margin_account = fx.usdc.config; // a program-owned Collateral, not a MarginAccount
    let r = bench
        .send(&[ix::withdraw(&a, 1_000_000, &[])], &[&user.wallet])
        .await;
    assert_error_code!(r, AnchorError::AccountDiscriminatorMismatch);
    let r = bench
        .send(&[ix::deposit(&a, 1_000_000)], &[&user.wallet])
        .await;
    assert_error_code!(r, AnchorError::AccountDiscriminatorMismatch);
    assert_unchanged(&bench, &keys, &before).await;
}

#[tokio::test]
async fn a_non_canonical_bump_or_another_owners_seeds_are_rejected() {
    let (mut bench, fx, user) = setup().await;
    let real = bench.get_account(&user.margin).await.unwrap();
    let owner = user.wallet.pubkey();
    let seeds: [&[u8]; 4] = [
        MARGIN_SEED,
        fx.exchange.as_ref(),
        owner.as_ref(),
        &0u16.to_le_bytes(),
    ];
    let canonical: MarginAccount = bench.load_zc(&user.margin).await;
    // The highest bump below the canonical one that also lands off the curve.
    let off_curve = (0..canonical.bump)
        .rev()
        .find_map(|b| {
            let mut s = seeds.to_vec();
            let bump = [b];
            s.push(&bump);
            Pubkey::create_program_address(&s, &options_margin::ID).ok()
        })
        .expect("a non-canonical bump exists");
    bench.set_account(&off_curve, real.clone());
    let keys = watched(&fx, &user);
    let before = bench.snapshot(&keys).await;
    let mut a = fx.transfer_accounts(&user, &fx.usdc.mint);
    a.margin_account = off_curve;
    let r = bench
        .send(&[ix::withdraw(&a, 1_000_000, &[])], &[&user.wallet])
        .await;
    assert_error_code!(r, AnchorError::ConstraintSeeds);

    // Another owner's address carrying data that names the signer as owner.
    let other = fx.new_user(&mut bench, 0, 0).await;
    let mut data = real.data.clone();
    let forged_owner_offset = 8 + 32;
    data[forged_owner_offset..forged_owner_offset + 32].copy_from_slice(owner.as_ref());
    bench.set_account(&other.margin, Account { data, ..real });
    let mut a = fx.transfer_accounts(&user, &fx.usdc.mint);
    a.margin_account = other.margin;
    let r = bench
        .send(&[ix::withdraw(&a, 1_000_000, &[])], &[&user.wallet])
        .await;
    assert_error_code!(r, AnchorError::ConstraintSeeds);
    assert_unchanged(&bench, &keys, &before).await;
}

#[tokio::test]
async fn a_wrong_vault_or_a_wrong_mint_token_account_is_rejected() {
    let (mut bench, fx, user) = setup().await;
    let keys = watched(&fx, &user);
    let before = bench.snapshot(&keys).await;
    // The SOL vault in place of the USDC one.
    let mut a = fx.transfer_accounts(&user, &fx.usdc.mint);
    a.vault = fx.sol.vault;
    let r = bench
        .send(&[ix::withdraw(&a, 1_000_000, &[])], &[&user.wallet])
        .await;
    assert_error_code!(r, AnchorError::ConstraintHasOne);
    let r = bench
        .send(&[ix::deposit(&a, 1_000_000)], &[&user.wallet])
        .await;
    assert_error_code!(r, AnchorError::ConstraintHasOne);
    // A SOL token account as the USDC source / destination.
    let mut a = fx.transfer_accounts(&user, &fx.usdc.mint);
    a.token_account = user.sol_token;
    let r = bench
        .send(&[ix::withdraw(&a, 1_000_000, &[])], &[&user.wallet])
        .await;
    assert_error_code!(r, AnchorError::ConstraintTokenMint);
    let r = bench
        .send(&[ix::deposit(&a, 1_000_000)], &[&user.wallet])
        .await;
    assert_error_code!(r, AnchorError::ConstraintTokenMint);
    // The USDC config with the SOL mint.
    let mut a = fx.transfer_accounts(&user, &fx.usdc.mint);
    a.mint = fx.sol.mint;
    let r = bench
        .send(&[ix::deposit(&a, 1_000_000)], &[&user.wallet])
        .await;
    assert_error_code!(r, AnchorError::ConstraintHasOne);
    assert_unchanged(&bench, &keys, &before).await;
}

#[tokio::test]
async fn a_fake_token_program_is_rejected() {
    let (mut bench, fx, user) = setup().await;
    let keys = watched(&fx, &user);
    let before = bench.snapshot(&keys).await;
    let mut a = fx.transfer_accounts(&user, &fx.usdc.mint);
    a.token_program = options_margin::ID; // an executable account that is not SPL Token
    let r = bench
        .send(&[ix::withdraw(&a, 1_000_000, &[])], &[&user.wallet])
        .await;
    assert_error_code!(r, AnchorError::InvalidProgramId);
    let r = bench
        .send(&[ix::deposit(&a, 1_000_000)], &[&user.wallet])
        .await;
    assert_error_code!(r, AnchorError::InvalidProgramId);
    assert_unchanged(&bench, &keys, &before).await;
}

#[tokio::test]
async fn re_initialising_a_margin_account_is_rejected() {
    let (mut bench, fx, user) = setup().await;
    let keys = watched(&fx, &user);
    let before = bench.snapshot(&keys).await;
    let r = bench
        .send(
            &[ix::create_margin_account(
                &user.wallet.pubkey(),
                &fx.exchange,
                0,
            )],
            &[&user.wallet],
        )
        .await;
    assert_error_code!(r, ErrorCode::AccountAlreadyInitialized);
    assert_unchanged(&bench, &keys, &before).await;
    // A second index is a second, independent account.
    bench
        .send(
            &[ix::create_margin_account(
                &user.wallet.pubkey(),
                &fx.exchange,
                1,
            )],
            &[&user.wallet],
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn closing_requires_an_empty_account_and_returns_rent() {
    let (mut bench, fx, user) = setup().await;
    let owner = user.wallet.pubkey();
    let keys = watched(&fx, &user);
    let before = bench.snapshot(&keys).await;
    let r = bench
        .send(
            &[ix::close_margin_account(&owner, &user.margin, &owner)],
            &[&user.wallet],
        )
        .await;
    assert_error_code!(r, ErrorCode::AccountNotEmpty);
    // Not the owner: refused even when empty.
    let thief = bench.funded_keypair(1_000_000_000).await;
    let r = bench
        .send(
            &[ix::close_margin_account(
                &thief.pubkey(),
                &user.margin,
                &thief.pubkey(),
            )],
            &[&thief],
        )
        .await;
    assert_error_code!(r, ErrorCode::Unauthorized);
    assert_unchanged(&bench, &keys, &before).await;

    fx.withdraw(&mut bench, &user, &fx.usdc.mint, 100_000_000)
        .await
        .unwrap();
    let rent = bench.get_account(&user.margin).await.unwrap().lamports;
    let wallet_before = bench.get_account(&owner).await.unwrap().lamports;
    bench
        .send(
            &[ix::close_margin_account(&owner, &user.margin, &owner)],
            &[&user.wallet],
        )
        .await
        .unwrap();
    assert!(bench.get_account(&user.margin).await.is_none());
    let wallet_after = bench.get_account(&owner).await.unwrap().lamports;
    assert_eq!(wallet_after, wallet_before + rent);
}
