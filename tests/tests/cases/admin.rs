//! Admin-signed configuration: only the admin, only within bounds, and an
//! exchange somebody else created is never accepted in ours' place.

use anchor_lang::error::ErrorCode as AnchorError;
use options_margin::error::ErrorCode;
use options_margin::pda;
use options_margin::state::{Exchange, RiskParams, PAUSE_ALL, PAUSE_DEPOSITS};
use options_margin_tests::bench::{assert_unchanged, program_test};
use options_margin_tests::exchange::{sol_collateral_params, usdc_collateral_params};
use options_margin_tests::{assert_error_code, ix, ExchangeFixture, TestBench};
use solana_signer::Signer;

async fn setup() -> (TestBench, ExchangeFixture) {
    let mut bench = TestBench::start(program_test()).await;
    let fx = ExchangeFixture::setup(&mut bench).await;
    (bench, fx)
}

#[tokio::test]
async fn non_admin_cannot_change_anything() {
    let (mut bench, fx) = setup().await;
    let mallory = bench.funded_keypair(1_000_000_000).await;
    let m = mallory.pubkey();
    let keys = [fx.exchange, fx.sol.config, fx.usdc.config];
    let before = bench.snapshot(&keys).await;

    let mut risk = RiskParams::defaults();
    risk.fee_flat_native = 0;
    let attempts = [
        ix::propose_risk_params(&m, &fx.exchange, risk),
        ix::set_pause_flags(&m, &fx.exchange, PAUSE_ALL),
        ix::set_vol_authority(&m, &fx.exchange, m),
        ix::propose_admin(&m, &fx.exchange, m),
        ix::propose_collateral_params(&m, &fx.exchange, &fx.sol.mint, sol_collateral_params()),
        ix::set_deposit_cap(&m, &fx.exchange, &fx.sol.mint, 1),
    ];
    for attempt in attempts {
        let r = bench.send(&[attempt], &[&mallory]).await;
        assert_error_code!(r, ErrorCode::Unauthorized);
    }
    let new_mint = bench.create_mint(9).await;
    let r = bench
        .send(
            &[ix::add_collateral(
                &m,
                &fx.exchange,
                &new_mint,
                false,
                sol_collateral_params(),
            )],
            &[&mallory],
        )
        .await;
    assert_error_code!(r, ErrorCode::Unauthorized);
    // Nobody proposed mallory, so accepting fails too.
    let r = bench
        .send(&[ix::accept_admin(&m, &fx.exchange)], &[&mallory])
        .await;
    assert_error_code!(r, ErrorCode::NoPendingAdmin);
    assert_unchanged(&bench, &keys, &before).await;
}

#[tokio::test]
async fn admin_transfer_takes_two_steps() {
    let (mut bench, fx) = setup().await;
    let next = bench.funded_keypair(1_000_000_000).await;
    let admin = fx.admin.pubkey();
    bench
        .send(
            &[ix::propose_admin(&admin, &fx.exchange, next.pubkey())],
            &[&fx.admin],
        )
        .await
        .unwrap();
    let ex: Exchange = bench.load_zc(&fx.exchange).await;
    assert_eq!(ex.admin, admin, "proposal alone changes nothing");
    bench
        .send(&[ix::accept_admin(&next.pubkey(), &fx.exchange)], &[&next])
        .await
        .unwrap();
    let ex: Exchange = bench.load_zc(&fx.exchange).await;
    assert_eq!(ex.admin, next.pubkey());
    assert_eq!(ex.pending_admin, Default::default());
    // The old admin is now an outsider.
    let r = bench
        .send(
            &[ix::set_pause_flags(&admin, &fx.exchange, PAUSE_DEPOSITS)],
            &[&fx.admin],
        )
        .await;
    assert_error_code!(r, ErrorCode::Unauthorized);
}

#[tokio::test]
async fn risk_params_are_bounded() {
    let (mut bench, fx) = setup().await;
    let admin = fx.admin.pubkey();
    let before = bench.snapshot(&[fx.exchange]).await;
    let mut bad = Vec::new();
    let mut p = RiskParams::defaults();
    p.tiers[0].below_ratio_bps = p.tiers[1].below_ratio_bps; // not strictly descending
    bad.push(p);
    let mut p = RiskParams::defaults();
    p.tiers[2].below_ratio_bps = 9_000; // closeout must start at 100%
    bad.push(p);
    let mut p = RiskParams::defaults();
    p.tiers[1].max_fraction_bps = 500; // fractions must ascend
    bad.push(p);
    let mut p = RiskParams::defaults();
    p.target_ratio_bps = 10_400; // target must sit above tier 1
    bad.push(p);
    let mut p = RiskParams::defaults();
    p.fee_rate_bps = 5_000;
    bad.push(p);
    let mut p = RiskParams::defaults();
    p.max_risk_age_secs = 0;
    bad.push(p);
    for p in bad {
        let r = bench
            .send(
                &[ix::propose_risk_params(&admin, &fx.exchange, p)],
                &[&fx.admin],
            )
            .await;
        assert_error_code!(r, ErrorCode::InvalidRiskParams);
    }
    let r = bench
        .send(
            &[ix::set_pause_flags(&admin, &fx.exchange, 0x80)],
            &[&fx.admin],
        )
        .await;
    assert_error_code!(r, ErrorCode::InvalidPauseFlags);
    assert_unchanged(&bench, &[fx.exchange], &before).await;

    // A valid change is announced, refused before its delay, applied after.
    let mut good = RiskParams::defaults();
    good.grace_period_secs = 120;
    assert_error_code!(
        bench
            .send(&[ix::apply_risk_params(&fx.exchange)], &[])
            .await,
        ErrorCode::NoPendingChange
    );
    bench
        .send(
            &[ix::propose_risk_params(&admin, &fx.exchange, good)],
            &[&fx.admin],
        )
        .await
        .unwrap();
    let proposed: Exchange = bench.load_zc(&fx.exchange).await;
    assert_eq!(proposed.risk, RiskParams::defaults());
    assert_eq!(proposed.pending_risk, good);
    let delay = i64::from(proposed.risk.param_delay_secs);
    assert_eq!(proposed.pending_risk_apply_ts, bench.now().await + delay);
    bench.advance_time(delay - 1).await;
    let before = bench.snapshot(&[fx.exchange]).await;
    assert_error_code!(
        bench
            .send(&[ix::apply_risk_params(&fx.exchange)], &[])
            .await,
        ErrorCode::ChangeDelayNotElapsed
    );
    assert_unchanged(&bench, &[fx.exchange], &before).await;
    bench.advance_time(1).await;
    // Anyone may apply it once the delay has passed.
    bench
        .send(&[ix::apply_risk_params(&fx.exchange)], &[])
        .await
        .unwrap();
    let ex: Exchange = bench.load_zc(&fx.exchange).await;
    assert_eq!(ex.risk, good);
    assert_eq!(ex.pending_risk_apply_ts, 0);
}

#[tokio::test]
async fn collateral_registry_rules() {
    let (mut bench, fx) = setup().await;
    let admin = fx.admin.pubkey();
    // Re-registering a mint is re-initialising its config.
    let r = bench
        .send(
            &[ix::add_collateral(
                &admin,
                &fx.exchange,
                &fx.sol.mint,
                false,
                sol_collateral_params(),
            )],
            &[&fx.admin],
        )
        .await;
    assert_error_code!(r, ErrorCode::AccountAlreadyInitialized);
    // A second settlement collateral is refused.
    let usdt = bench.create_mint(6).await;
    let r = bench
        .send(
            &[ix::add_collateral(
                &admin,
                &fx.exchange,
                &usdt,
                true,
                usdc_collateral_params(),
            )],
            &[&fx.admin],
        )
        .await;
    assert_error_code!(r, ErrorCode::SettlementCollateralOrder);
    // Volatile weights must satisfy 0 < IM < MM < 1.
    let mint = bench.create_mint(9).await;
    for (init, maint) in [(9_000, 8_000), (8_000, 10_000), (0, 5_000), (9_000, 9_000)] {
        let mut p = sol_collateral_params();
        p.init_weight_bps = init;
        p.maint_weight_bps = maint;
        let r = bench
            .send(
                &[ix::add_collateral(&admin, &fx.exchange, &mint, false, p)],
                &[&fx.admin],
            )
            .await;
        assert_error_code!(r, ErrorCode::InvalidCollateralParams);
    }
    // An oracle config out of bounds is refused.
    let mut p = sol_collateral_params();
    p.oracle.max_age_secs = 0;
    let r = bench
        .send(
            &[ix::add_collateral(&admin, &fx.exchange, &mint, false, p)],
            &[&fx.admin],
        )
        .await;
    assert_error_code!(r, ErrorCode::OracleConfigInvalid);
    assert!(bench
        .get_account(&pda::collateral(&fx.exchange, &mint).0)
        .await
        .is_none());

    // Re-initialising the exchange itself is refused.
    let r = bench
        .send(
            &[ix::initialize_exchange(
                &admin,
                admin,
                RiskParams::defaults(),
            )],
            &[&fx.admin],
        )
        .await;
    assert_error_code!(r, ErrorCode::AccountAlreadyInitialized);
}

#[tokio::test]
async fn settlement_collateral_must_come_first_with_six_decimals() {
    let mut bench = TestBench::start(program_test()).await;
    let admin = bench.funded_keypair(10_000_000_000).await;
    let a = admin.pubkey();
    let exchange = pda::exchange(&a).0;
    bench
        .send(
            &[ix::initialize_exchange(&a, a, RiskParams::defaults())],
            &[&admin],
        )
        .await
        .unwrap();
    let sol = bench.create_mint(9).await;
    let r = bench
        .send(
            &[ix::add_collateral(
                &a,
                &exchange,
                &sol,
                false,
                sol_collateral_params(),
            )],
            &[&admin],
        )
        .await;
    assert_error_code!(r, ErrorCode::SettlementCollateralOrder);
    let usd9 = bench.create_mint(9).await;
    let r = bench
        .send(
            &[ix::add_collateral(
                &a,
                &exchange,
                &usd9,
                true,
                usdc_collateral_params(),
            )],
            &[&admin],
        )
        .await;
    assert_error_code!(r, ErrorCode::SettlementDecimals);
    let ex: Exchange = bench.load_zc(&exchange).await;
    assert_eq!(ex.collateral_count, 0);
}

#[tokio::test]
async fn an_attackers_exchange_is_never_accepted() {
    let (mut bench, fx) = setup().await;
    let user = fx.new_user(&mut bench, 100_000_000, 0).await;
    fx.deposit(&mut bench, &user, &fx.usdc.mint, 50_000_000)
        .await
        .unwrap();

    // Mallory builds a look-alike exchange with the same USDC mint.
    let mallory = bench.funded_keypair(10_000_000_000).await;
    let m = mallory.pubkey();
    let evil = pda::exchange(&m).0;
    bench
        .send(
            &[
                ix::initialize_exchange(&m, m, RiskParams::defaults()),
                ix::create_loss_shards(&m, &evil),
            ],
            &[&mallory],
        )
        .await
        .unwrap();
    bench
        .send(
            &[ix::add_collateral(
                &m,
                &evil,
                &fx.usdc.mint,
                true,
                usdc_collateral_params(),
            )],
            &[&mallory],
        )
        .await
        .unwrap();

    let keys = [user.margin, fx.usdc.vault, user.usdc_token, fx.usdc.config];
    let before = bench.snapshot(&keys).await;
    // Our margin account with mallory's exchange and collateral config.
    let mut a = fx.transfer_accounts(&user, &fx.usdc.mint);
    a.exchange = evil;
    a.collateral = pda::collateral(&evil, &fx.usdc.mint).0;
    a.vault = pda::vault(&evil, &fx.usdc.mint).0;
    let r = bench
        .send(&[ix::withdraw(&a, 1, &[])], &[&user.wallet])
        .await;
    assert_error_code!(r, AnchorError::ConstraintHasOne);
    // Our exchange with mallory's collateral config (and vault).
    let mut a = fx.transfer_accounts(&user, &fx.usdc.mint);
    a.collateral = pda::collateral(&evil, &fx.usdc.mint).0;
    a.vault = pda::vault(&evil, &fx.usdc.mint).0;
    let r = bench.send(&[ix::deposit(&a, 1)], &[&user.wallet]).await;
    assert_error_code!(r, AnchorError::ConstraintHasOne);
    assert_unchanged(&bench, &keys, &before).await;
}

/// Anyone can send lamports to a PDA before it exists; that must not block
/// its creation (Anchor's `init` would call `CreateAccountAllowPrefund`).
#[tokio::test]
async fn prefunded_addresses_do_not_block_creation() {
    let mut bench = TestBench::start(program_test()).await;
    let griefer = bench.funded_keypair(10_000_000_000).await;
    let admin = bench.funded_keypair(10_000_000_000).await;
    let a = admin.pubkey();
    let exchange = pda::exchange(&a).0;
    let usdc = bench.create_mint(6).await;
    let user = bench.funded_keypair(1_000_000_000).await;
    let margin = pda::margin_account(&exchange, &user.pubkey(), 0).0;
    for target in [
        exchange,
        pda::collateral(&exchange, &usdc).0,
        pda::vault(&exchange, &usdc).0,
        margin,
    ] {
        let ix =
            solana_system_interface::instruction::transfer(&griefer.pubkey(), &target, 1_000_000);
        bench.send(&[ix], &[&griefer]).await.unwrap();
    }
    bench
        .send(
            &[ix::initialize_exchange(&a, a, RiskParams::defaults())],
            &[&admin],
        )
        .await
        .expect("exchange");
    bench
        .send(
            &[ix::add_collateral(
                &a,
                &exchange,
                &usdc,
                true,
                usdc_collateral_params(),
            )],
            &[&admin],
        )
        .await
        .expect("collateral and vault");
    bench
        .send(
            &[ix::create_margin_account(&user.pubkey(), &exchange, 0)],
            &[&user],
        )
        .await
        .expect("margin account");
    let ex: Exchange = bench.load_zc(&exchange).await;
    assert_eq!(ex.admin, a);
    assert_eq!(
        bench.token_balance(&pda::vault(&exchange, &usdc).0).await,
        0
    );
    let rent = bench.ctx.banks_client.get_rent().await.unwrap();
    assert_eq!(
        bench.get_account(&margin).await.unwrap().lamports,
        rent.minimum_balance(options_margin::state::MarginAccount::SPACE)
    );
}

/// Review finding: a proposal nobody applied could be applied months later,
/// at a moment of anyone's choosing. It expires a week after it became
/// applicable (`ChangeExpired`), and a fresh proposal restarts the clock.
#[tokio::test]
async fn a_forgotten_proposal_expires() {
    let (mut bench, fx) = setup().await;
    let admin = fx.admin.pubkey();
    let mut p = RiskParams::defaults();
    p.grace_period_secs = 60;
    bench
        .send(
            &[ix::propose_risk_params(&admin, &fx.exchange, p)],
            &[&fx.admin],
        )
        .await
        .unwrap();
    let ex: Exchange = bench.load_zc(&fx.exchange).await;
    let apply_at = ex.pending_risk_apply_ts;
    bench
        .set_time(apply_at + options_margin_risk::params::PARAM_CHANGE_EXPIRY_SECS + 1)
        .await;
    let before = bench.snapshot(&[fx.exchange]).await;
    assert_error_code!(
        bench
            .send(&[ix::apply_risk_params(&fx.exchange)], &[])
            .await,
        ErrorCode::ChangeExpired
    );
    assert_unchanged(&bench, &[fx.exchange], &before).await;
}
