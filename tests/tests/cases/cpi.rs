//! options-margin's `partial_liquidate` called by another program: the
//! `liquidation_vault` crank, signing as its vault PDA through CPI, one or
//! several calls per instruction.

use anchor_lang::prelude::Pubkey;
use liquidation_vault::error::VaultError;
use liquidation_vault::state::{Vault, VaultGuards};
use options_margin::error::ErrorCode;
use options_margin::events::LiquidationEvent;
use options_margin::instructions::LiquidateArgs;
use options_margin::state::{Exchange, MarginAccount, RiskParams, Series};
use options_margin_tests::bench::{assert_unchanged, program_test};
use options_margin_tests::options::sol_terms;
use options_margin_tests::vault::{self, all_events, CallHealth, VaultFixture, VaultKeys};
use options_margin_tests::{assert_error_code, client, ix, ExchangeFixture, TestBench, User};
use solana_instruction::Instruction;
use solana_keypair::Keypair;
use solana_signer::Signer;
use solana_transaction_error::TransactionError;

const DAY: i64 = 86_400;
/// unit: quote native. One dollar.
const USD: u64 = 1_000_000;

/// A put writer whose counterparty is a plain trader, and a funded vault.
struct Book {
    bench: TestBench,
    fx: ExchangeFixture,
    u: Pubkey,
    series: Vec<Pubkey>,
    writer: User,
    vault: VaultFixture,
}

/// Writes `(strike, contracts)` puts (30 days, 75% vol, at the mark, SOL at
/// $150) on `deposit` USDC, then moves SOL to `price_e8`. Deterministic in
/// every amount, so two benches hold identical books.
async fn book(puts: &[(u64, i64)], deposit: u64, price_e8: i64) -> Book {
    book_with_risk(puts, deposit, price_e8, RiskParams::defaults()).await
}

/// [`book`] on an exchange created with `risk`.
async fn book_with_risk(
    puts: &[(u64, i64)],
    deposit: u64,
    price_e8: i64,
    risk: RiskParams,
) -> Book {
    let mut bench = TestBench::start(program_test()).await;
    let fx = ExchangeFixture::setup_with_risk(&mut bench, risk).await;
    let u = fx.add_sol_underlying(&mut bench).await;
    let now = bench.now().await;
    let mut series = Vec::new();
    for (strike, _) in puts {
        let terms = sol_terms(false, *strike, now + 30 * DAY);
        series.push(fx.ready_series(&mut bench, &u, terms, 750_000).await);
    }
    let writer = fx.new_user(&mut bench, 100_000 * USD, 0).await;
    let buyer = fx.new_user(&mut bench, 100_000 * USD, 0).await;
    fx.deposit(&mut bench, &writer, &fx.usdc.mint, deposit)
        .await
        .unwrap();
    fx.deposit(&mut bench, &buyer, &fx.usdc.mint, 50_000 * USD)
        .await
        .unwrap();
    for (s, (_, n)) in series.iter().zip(puts) {
        let stored: Series = bench.load_zc(s).await;
        fx.trade(
            &mut bench,
            &buyer,
            &writer,
            s,
            *n,
            stored.risk.mark_native as u64,
        )
        .await
        .expect("write puts");
    }
    let vault = fx
        .setup_vault(&mut bench, 1_000_000 * USD, 500_000 * USD)
        .await;
    bench.advance_time(1).await;
    fx.publish_and_refresh(&mut bench, &u, &series, price_e8)
        .await;
    Book {
        bench,
        fx,
        u,
        series,
        writer,
        vault,
    }
}

/// Deposits exactly what puts the writer's ratio at `target_bps`.
async fn set_ratio(b: &mut Book, target_bps: u64) {
    let m = b.fx.margin_of(&b.bench, &b.writer.margin).await;
    assert!(m.ratio_bps < target_bps, "start below the target: {m:?}");
    let mm = m.maintenance_margin_native as i128;
    let equity_needed = ((target_bps as i128 * mm + 9_999) / 10_000) as i64;
    let top_up = (equity_needed - m.equity_native) as u64;
    b.fx.deposit(&mut b.bench, &b.writer, &b.fx.usdc.mint, top_up)
        .await
        .unwrap();
    assert_eq!(
        b.fx.margin_of(&b.bench, &b.writer.margin).await.ratio_bps,
        target_bps
    );
}

fn watched(b: &Book) -> Vec<Pubkey> {
    let mut keys = vec![
        b.writer.margin,
        b.vault.margin,
        b.vault.vault,
        b.fx.exchange,
    ];
    keys.extend(&b.series);
    keys
}

/// unit: quote native. What the vault receives from one event: net fee.
fn net_fee(ev: &LiquidationEvent) -> u64 {
    ev.fee_native - ev.insurance_share_native
}

#[tokio::test]
async fn the_vault_liquidates_a_soft_tier_account_through_cpi() {
    let mut b = book(&[(140, 20)], 500 * USD, 12_500_000_000).await;
    set_ratio(&mut b, 10_300).await;
    let put = b.series[0];
    let usdc = b.fx.usdc.mint;
    let balance_before = b.fx.balance(&b.bench, &b.vault.margin, &usdc).await;

    let events =
        b.fx.vault_liquidate(&mut b.bench, &b.vault, &b.writer.margin, u64::MAX, 0)
            .await
            .expect("vault liquidation");
    let evs: Vec<LiquidationEvent> = all_events(&events);
    assert_eq!(
        evs.len(),
        1,
        "the event of a CPI two levels deep is captured"
    );
    let ev = &evs[0];
    assert_eq!(
        ev.caller, b.vault.vault,
        "options-margin saw the vault PDA sign"
    );
    assert_eq!(ev.liquidator_account, b.vault.margin);
    assert_eq!(ev.liquidatee, b.writer.margin);
    assert!(ev.tier < 3 && ev.target == put && ev.target_is_position && ev.fee_native > 0);

    // The slice (a short, taken over at mark + 1) and the fee are the vault's.
    let account: MarginAccount = b.bench.load_zc(&b.vault.margin).await;
    let slot = account.position_slot(&put).expect("vault holds the slice");
    assert!(ev.quantity < 0);
    assert_eq!(account.positions[slot].size_contracts, ev.quantity);
    let balance_after = b.fx.balance(&b.bench, &b.vault.margin, &usdc).await;
    let cash = ev.quantity.unsigned_abs() as i64 * ev.price as i64;
    assert_eq!(balance_after - balance_before, cash + net_fee(ev) as i64);

    // The vault recorded exactly the fee it received.
    let v: Vault = b.bench.load_zc(&b.vault.vault).await;
    assert_eq!(v.fees_earned_native, net_fee(ev));
    assert_eq!(v.liquidation_calls, 1);
}

#[tokio::test]
async fn a_second_soft_call_in_the_same_crank_hits_the_grace_period_and_changes_nothing() {
    // 200 contracts: the tier cap (10% of the candidate) leaves the writer
    // in a soft tier, and a call that took its full plan starts the grace.
    let mut risk = RiskParams::defaults();
    risk.tiers[0].max_fraction_bps = 100;
    risk.tiers[1].max_fraction_bps = 100;
    let mut b = book_with_risk(&[(140, 200)], 5_000 * USD, 12_500_000_000, risk).await;
    set_ratio(&mut b, 10_300).await;
    let call =
        b.fx.vault_call_health(&b.bench, &b.vault, &b.writer.margin, u64::MAX)
            .await;
    // The layout does not change between the calls (same series on both sides).
    let calls = [call.clone(), call];
    let keys = watched(&b);
    let before = b.bench.snapshot(&keys).await;
    let r =
        b.fx.vault_liquidate_with(
            &mut b.bench,
            &b.vault,
            &b.writer.margin,
            u64::MAX,
            0,
            &calls,
        )
        .await;
    assert_error_code!(r, ErrorCode::GracePeriodActive);
    assert_unchanged(&b.bench, &keys, &before).await;

    // The first call alone goes through: the failure was the second call's.
    let r =
        b.fx.vault_liquidate_with(
            &mut b.bench,
            &b.vault,
            &b.writer.margin,
            u64::MAX,
            0,
            &calls[..1],
        )
        .await;
    assert_eq!(
        all_events::<LiquidationEvent>(&r.expect("one call")).len(),
        1
    );
}

/// Two put series on 1,300 USDC, then SOL at $85: closeout, and still
/// below 100% after the larger short is closed (two closeout calls).
async fn closeout_book() -> Book {
    book(&[(140, 20), (130, 10)], 1_300 * USD, 8_500_000_000).await
}

#[tokio::test]
async fn two_closeout_calls_in_one_crank_cost_no_more_than_two_cranks() {
    // Reference: two single-call cranks, recording each call's accounts.
    let mut r = closeout_book().await;
    let mut reference = Vec::new();
    let mut layouts: Vec<CallHealth> = Vec::new();
    for _ in 0..2 {
        let call =
            r.fx.vault_call_health(&r.bench, &r.vault, &r.writer.margin, u64::MAX)
                .await;
        let events =
            r.fx.vault_liquidate_with(
                &mut r.bench,
                &r.vault,
                &r.writer.margin,
                u64::MAX,
                0,
                std::slice::from_ref(&call),
            )
            .await
            .expect("single closeout call");
        reference.extend(all_events::<LiquidationEvent>(&events));
        layouts.push(call);
    }
    assert_eq!(reference.len(), 2);

    // The same book on a second bench: both calls in one transaction, with
    // the reference's per-call accounts mapped onto this bench's keys.
    let mut m = closeout_book().await;
    let mut map = vec![(r.u, m.u), (r.fx.sol.oracle, m.fx.sol.oracle)];
    map.extend(r.series.iter().copied().zip(m.series.iter().copied()));
    let calls: Vec<CallHealth> = layouts.iter().map(|c| c.translated(&map)).collect();
    assert_ne!(calls[0], calls[1], "the second call sees a changed layout");
    let events =
        m.fx.vault_liquidate_with(
            &mut m.bench,
            &m.vault,
            &m.writer.margin,
            u64::MAX,
            0,
            &calls,
        )
        .await
        .expect("two closeout calls in one crank");
    let evs: Vec<LiquidationEvent> = all_events(&events);
    assert_eq!(evs.len(), 2);

    // Two candidates, each closed: the writer holds neither series any more.
    assert!(evs.iter().all(|e| e.tier == 3 && e.caller == m.vault.vault));
    assert_ne!(evs[0].target, evs[1].target);
    let writer: MarginAccount = m.bench.load_zc(&m.writer.margin).await;
    for e in &evs {
        assert!(
            writer.position_slot(&e.target).is_none(),
            "{} closed",
            e.target
        );
    }
    let crank_fee: u64 = evs.iter().map(|e| e.fee_native).sum();
    let separate_fee: u64 = reference.iter().map(|e| e.fee_native).sum();
    assert!(crank_fee <= separate_fee, "{crank_fee} > {separate_fee}");
    // Identical books: call for call, the same slices and fees.
    for (a, b) in evs.iter().zip(&reference) {
        assert_eq!((a.quantity, a.fee_native), (b.quantity, b.fee_native));
    }

    // The vault's record equals what it received, in both benches.
    let v: Vault = m.bench.load_zc(&m.vault.vault).await;
    assert_eq!(v.fees_earned_native, evs.iter().map(net_fee).sum::<u64>());
    assert_eq!(v.liquidation_calls, 2);
    let v: Vault = r.bench.load_zc(&r.vault.vault).await;
    assert_eq!(
        v.fees_earned_native,
        reference.iter().map(net_fee).sum::<u64>()
    );
    let exchange: Exchange = m.bench.load_zc(&m.fx.exchange).await;
    assert_eq!(
        exchange.insurance_native as u64,
        evs.iter().map(|e| e.insurance_share_native).sum::<u64>()
    );
}

#[tokio::test]
async fn only_the_vault_pda_can_use_the_vault_margin_account() {
    let mut b = book(&[(140, 20)], 500 * USD, 12_500_000_000).await;
    set_ratio(&mut b, 10_300).await;
    let stranger = b.fx.new_user(&mut b.bench, 1_000 * USD, 0).await;
    let keys = watched(&b);
    let before = b.bench.snapshot(&keys).await;

    // A direct partial_liquidate by a wallet into the vault's margin account.
    let call =
        b.fx.vault_call_health(&b.bench, &b.vault, &b.writer.margin, u64::MAX)
            .await;
    let args = LiquidateArgs {
        max_quantity: u64::MAX,
        min_fee_native: 0,
        health_accounts_liquidatee: call.liquidatee.len() as u8,
    };
    let ixn = ix::partial_liquidate(
        &stranger.wallet.pubkey(),
        &b.fx.exchange,
        &b.writer.margin,
        &b.vault.margin,
        args,
        &call.liquidatee,
        &call.liquidator,
    );
    let r = b.bench.send(&[ixn], &[&stranger.wallet]).await;
    assert_error_code!(r, ErrorCode::Unauthorized);

    // A direct deposit into it by that wallet.
    let mut accounts = b.fx.transfer_accounts(&stranger, &b.fx.usdc.mint);
    accounts.margin_account = b.vault.margin;
    let r = b
        .bench
        .send(&[ix::deposit(&accounts, USD)], &[&stranger.wallet])
        .await;
    assert_error_code!(r, ErrorCode::Unauthorized);

    // The vault's own deposit, by someone other than its authority.
    let ixn = vault::deposit_to_margin(
        &stranger.wallet.pubkey(),
        &b.vault.keys,
        &b.fx.usdc.mint,
        &b.vault.usdc_token,
        USD,
    );
    let r = b.bench.send(&[ixn], &[&stranger.wallet]).await;
    assert_error_code!(r, vault::code(VaultError::NotAuthority));

    // A crank whose accounts do not match its call count.
    let r =
        b.fx.vault_liquidate_with(&mut b.bench, &b.vault, &b.writer.margin, u64::MAX, 0, &[])
            .await;
    assert_error_code!(r, vault::code(VaultError::InvalidCallCount));
    assert_unchanged(&b.bench, &keys, &before).await;
}

// ---- the vault's authority model, guards and withdrawals ----

/// [`watched`] plus every account the vault's funds move through.
fn watched_funds(b: &Book) -> Vec<Pubkey> {
    let mut keys = watched(b);
    keys.extend([b.vault.usdc_token, b.fx.usdc.config, b.fx.usdc.vault]);
    keys
}

fn guards(
    min_fee_native: u64,
    max_quantity_per_call: u64,
    max_calls: u8,
    paused: bool,
) -> VaultGuards {
    VaultGuards {
        min_fee_native,
        max_quantity_per_call,
        max_calls,
        paused,
    }
}

/// The guards of a new vault.
const OPEN: VaultGuards = VaultGuards {
    min_fee_native: 0,
    max_quantity_per_call: u64::MAX,
    max_calls: 8,
    paused: false,
};

async fn send_as(b: &mut Book, ixn: Instruction, signer: &Keypair) -> Result<(), TransactionError> {
    b.bench.send(&[ixn], &[signer]).await
}

/// The authority sets `g` (must succeed).
async fn set_vault_guards(b: &mut Book, g: VaultGuards) {
    let ixn = vault::set_guards(&b.vault.authority.pubkey(), &b.vault.vault, g);
    b.bench
        .send(&[ixn], &[&b.vault.authority])
        .await
        .expect("set_guards");
    let v: Vault = b.bench.load_zc(&b.vault.vault).await;
    assert_eq!(v.guards(), g);
}

/// A single-call crank signed by `cranker`.
async fn crank_as(b: &mut Book, cranker: &Keypair) -> Result<Vec<Vec<u8>>, TransactionError> {
    let call =
        b.fx.vault_call_health(&b.bench, &b.vault, &b.writer.margin, u64::MAX)
            .await;
    b.fx.vault_liquidate_as(
        &mut b.bench,
        &b.vault,
        cranker,
        &b.writer.margin,
        u64::MAX,
        0,
        &[call],
    )
    .await
}

#[tokio::test]
async fn each_authority_gets_its_own_vault_and_nobody_can_take_anothers() {
    let mut b = book(&[(140, 20)], 500 * USD, 12_500_000_000).await;
    let stranger = b.bench.funded_keypair(1_000_000_000).await;
    let theirs = VaultKeys::of(&b.fx.exchange, &stranger.pubkey());
    assert_ne!(theirs.vault, b.vault.vault);
    assert_ne!(theirs.margin, b.vault.margin);
    let ours = watched_funds(&b);
    let mut keys = ours.clone();
    keys.extend([theirs.vault, theirs.margin]);
    let before = b.bench.snapshot(&keys).await;

    // Aimed at the authority's vault: the stranger's key is a seed of the
    // address it may create, so this one is not it.
    let ixn = vault::initialize_vault_at(
        &stranger.pubkey(),
        &b.fx.exchange,
        &b.vault.vault,
        &b.vault.margin,
    );
    let r = send_as(&mut b, ixn, &stranger).await;
    assert_error_code!(r, anchor_lang::error::ErrorCode::ConstraintSeeds);

    // The authority's own vault, a second time.
    let authority = b.vault.authority.insecure_clone();
    let ixn = vault::initialize_vault(&authority.pubkey(), &b.fx.exchange);
    let r = send_as(&mut b, ixn, &authority).await;
    assert_error_code!(r, ErrorCode::AccountAlreadyInitialized);
    assert_unchanged(&b.bench, &keys, &before).await;

    // The stranger's own vault: another PDA, another margin account, its
    // own authority, open guards; the first vault is untouched.
    let before = b.bench.snapshot(&ours).await;
    let ixn = vault::initialize_vault(&stranger.pubkey(), &b.fx.exchange);
    send_as(&mut b, ixn, &stranger)
        .await
        .expect("a vault of one's own");
    let v: Vault = b.bench.load_zc(&theirs.vault).await;
    assert_eq!(
        (v.exchange, v.creator, v.authority),
        (b.fx.exchange, stranger.pubkey(), stranger.pubkey())
    );
    assert_eq!(
        (v.pending_authority, v.keeper),
        (Pubkey::default(), Pubkey::default())
    );
    assert_eq!((v.margin_account, v.guards()), (theirs.margin, OPEN));
    let margin: MarginAccount = b.bench.load_zc(&theirs.margin).await;
    assert_eq!(margin.owner, theirs.vault);
    assert_unchanged(&b.bench, &ours, &before).await;
}

#[tokio::test]
async fn a_stranger_cannot_crank_set_guards_change_keys_or_withdraw() {
    let mut b = book(&[(140, 20)], 500 * USD, 12_500_000_000).await;
    set_ratio(&mut b, 10_300).await;
    let stranger = b.fx.new_user(&mut b.bench, 1_000 * USD, 0).await;
    let wallet = stranger.wallet.insecure_clone();
    let me = wallet.pubkey();
    let mut keys = watched_funds(&b);
    keys.push(stranger.usdc_token);
    let before = b.bench.snapshot(&keys).await;
    let not_authority = vault::code(VaultError::NotAuthority);

    // The crank: the pool is nobody's forced counterparty.
    let r = crank_as(&mut b, &wallet).await;
    assert_error_code!(r, vault::code(VaultError::NotCranker));

    // Guards and keys.
    let permissive = guards(0, u64::MAX, 8, false);
    for ixn in [
        vault::set_guards(&me, &b.vault.vault, permissive),
        vault::set_keeper(&me, &b.vault.vault, me),
        vault::propose_authority(&me, &b.vault.vault, me),
    ] {
        let r = send_as(&mut b, ixn, &wallet).await;
        assert_error_code!(r, not_authority);
    }
    let ixn = vault::accept_authority(&me, &b.vault.vault);
    let r = send_as(&mut b, ixn, &wallet).await;
    assert_error_code!(r, vault::code(VaultError::NoPendingAuthority));

    // Funds: out of the margin account, out of the token account.
    let usdc = b.fx.usdc.mint;
    let health =
        b.fx.vault_withdrawal_health(&b.bench, &b.vault, &usdc, USD)
            .await;
    let ixn =
        vault::withdraw_from_margin(&me, &b.vault.keys, &usdc, &b.vault.usdc_token, USD, &health);
    let r = send_as(&mut b, ixn, &wallet).await;
    assert_error_code!(r, not_authority);
    let ixn = vault::withdraw_tokens(
        &me,
        &b.vault.vault,
        &usdc,
        &b.vault.usdc_token,
        &stranger.usdc_token,
        USD,
    );
    let r = send_as(&mut b, ixn, &wallet).await;
    assert_error_code!(r, not_authority);

    // options-margin's own withdraw from the vault's margin account.
    let mut accounts = b.fx.transfer_accounts(&stranger, &usdc);
    accounts.margin_account = b.vault.margin;
    let r = send_as(&mut b, ix::withdraw(&accounts, USD, &health), &wallet).await;
    assert_error_code!(r, ErrorCode::Unauthorized);
    assert_unchanged(&b.bench, &keys, &before).await;
}

#[tokio::test]
async fn a_keeper_cranks_but_cannot_move_funds_or_guards() {
    let mut b = book(&[(140, 20)], 500 * USD, 12_500_000_000).await;
    set_ratio(&mut b, 10_300).await;
    let keeper = b.bench.funded_keypair(1_000_000_000).await;
    let authority = b.vault.authority.insecure_clone();
    let ixn = vault::set_keeper(&authority.pubkey(), &b.vault.vault, keeper.pubkey());
    send_as(&mut b, ixn, &authority).await.expect("set_keeper");
    let v: Vault = b.bench.load_zc(&b.vault.vault).await;
    assert_eq!(v.keeper, keeper.pubkey());

    let usdc = b.fx.usdc.mint;
    let keeper_token = b.bench.create_token_account(&usdc, &keeper.pubkey()).await;
    let mut keys = watched_funds(&b);
    keys.push(keeper_token);
    let before = b.bench.snapshot(&keys).await;
    let not_authority = vault::code(VaultError::NotAuthority);
    let k = keeper.pubkey();
    let health =
        b.fx.vault_withdrawal_health(&b.bench, &b.vault, &usdc, USD)
            .await;
    for ixn in [
        vault::set_guards(&k, &b.vault.vault, OPEN),
        vault::set_keeper(&k, &b.vault.vault, k),
        vault::propose_authority(&k, &b.vault.vault, k),
        vault::withdraw_tokens(
            &k,
            &b.vault.vault,
            &usdc,
            &b.vault.usdc_token,
            &keeper_token,
            USD,
        ),
        vault::withdraw_from_margin(&k, &b.vault.keys, &usdc, &b.vault.usdc_token, USD, &health),
        vault::deposit_to_margin(&k, &b.vault.keys, &usdc, &b.vault.usdc_token, USD),
    ] {
        let r = send_as(&mut b, ixn, &keeper).await;
        assert_error_code!(r, not_authority);
    }
    assert_unchanged(&b.bench, &keys, &before).await;

    // The crank is what the keeper is for.
    let events = crank_as(&mut b, &keeper).await.expect("keeper crank");
    let evs: Vec<LiquidationEvent> = all_events(&events);
    assert_eq!(evs.len(), 1);
    assert_eq!(evs[0].caller, b.vault.vault);

    // Removed, it is a stranger again.
    let ixn = vault::set_keeper(&authority.pubkey(), &b.vault.vault, Pubkey::default());
    send_as(&mut b, ixn, &authority)
        .await
        .expect("remove keeper");
    let before = b.bench.snapshot(&keys).await;
    let r = crank_as(&mut b, &keeper).await;
    assert_error_code!(r, vault::code(VaultError::NotCranker));
    assert_unchanged(&b.bench, &keys, &before).await;
}

#[tokio::test]
async fn the_crank_obeys_the_vault_fee_floor_quantity_cap_and_call_cap() {
    let mut b = book(&[(140, 20)], 500 * USD, 12_500_000_000).await;
    set_ratio(&mut b, 10_300).await;
    let health = b.fx.liquidatee_health(&b.bench, &b.writer.margin).await;
    let plan_fee =
        |q| client::plan_liquidation(&b.bench, &b.fx.exchange, &b.writer.margin, &health, q);
    let (full, _, _) = plan_fee(u64::MAX).await.expect("plan");
    let (one, _, _) = plan_fee(1).await.expect("plan of one contract");
    assert!(full.quantity > 1 && full.fee_native > one.fee_native);
    let keys = watched_funds(&b);
    let authority = b.vault.authority.insecure_clone();

    // Guards out of range.
    let before = b.bench.snapshot(&keys).await;
    for g in [
        guards(0, u64::MAX, 0, false),
        guards(0, u64::MAX, 9, false),
        guards(0, 0, 8, false),
    ] {
        let ixn = vault::set_guards(&authority.pubkey(), &b.vault.vault, g);
        let r = send_as(&mut b, ixn, &authority).await;
        assert_error_code!(r, vault::code(VaultError::InvalidGuards));
    }
    assert_unchanged(&b.bench, &keys, &before).await;

    // A floor one unit above the plan's fee: the caller's 0 is raised to
    // it, and options-margin refuses the call.
    set_vault_guards(&mut b, guards(full.fee_native + 1, u64::MAX, 8, false)).await;
    let before = b.bench.snapshot(&keys).await;
    let r = crank_as(&mut b, &authority).await;
    assert_error_code!(r, ErrorCode::FeeBelowMinimum);
    assert_unchanged(&b.bench, &keys, &before).await;

    // One call per crank: a two-call crank is refused.
    set_vault_guards(&mut b, guards(0, u64::MAX, 1, false)).await;
    let before = b.bench.snapshot(&keys).await;
    let call =
        b.fx.vault_call_health(&b.bench, &b.vault, &b.writer.margin, u64::MAX)
            .await;
    let r =
        b.fx.vault_liquidate_with(
            &mut b.bench,
            &b.vault,
            &b.writer.margin,
            u64::MAX,
            0,
            &[call.clone(), call],
        )
        .await;
    assert_error_code!(r, vault::code(VaultError::CallCapExceeded));
    assert_unchanged(&b.bench, &keys, &before).await;

    // A cap of one contract with the floor at that slice's fee: a caller
    // asking for everything at no fee gets one contract at the floor.
    set_vault_guards(&mut b, guards(one.fee_native, 1, 1, false)).await;
    let events = crank_as(&mut b, &authority).await.expect("capped crank");
    let evs: Vec<LiquidationEvent> = all_events(&events);
    assert_eq!(evs.len(), 1);
    assert_eq!(evs[0].quantity, -1, "the cap, not the caller's u64::MAX");
    assert_eq!(evs[0].fee_native, one.fee_native);
    let v: Vault = b.bench.load_zc(&b.vault.vault).await;
    assert_eq!(v.fees_earned_native, net_fee(&evs[0]));
}

#[tokio::test]
async fn a_paused_vault_refuses_to_crank_but_its_funds_still_move() {
    let mut b = book(&[(140, 20)], 500 * USD, 12_500_000_000).await;
    set_ratio(&mut b, 10_300).await;
    let authority = b.vault.authority.insecure_clone();
    set_vault_guards(&mut b, guards(0, u64::MAX, 8, true)).await;
    let keys = watched_funds(&b);
    let before = b.bench.snapshot(&keys).await;
    let r = crank_as(&mut b, &authority).await;
    assert_error_code!(r, vault::code(VaultError::VaultPaused));
    assert_unchanged(&b.bench, &keys, &before).await;

    // Paused, the authority can still take its money out.
    let usdc = b.fx.usdc.mint;
    let own = b
        .bench
        .create_token_account(&usdc, &authority.pubkey())
        .await;
    let ixn = vault::withdraw_tokens(
        &authority.pubkey(),
        &b.vault.vault,
        &usdc,
        &b.vault.usdc_token,
        &own,
        USD,
    );
    send_as(&mut b, ixn, &authority)
        .await
        .expect("withdraw while paused");
    assert_eq!(b.bench.token_balance(&own).await, USD);

    // Unpaused, the crank runs.
    set_vault_guards(&mut b, OPEN).await;
    crank_as(&mut b, &authority).await.expect("unpaused crank");
}

#[tokio::test]
async fn the_authority_withdraws_within_initial_margin_then_to_its_own_account() {
    let mut b = book(&[(140, 20)], 500 * USD, 12_500_000_000).await;
    set_ratio(&mut b, 10_300).await;
    let authority = b.vault.authority.insecure_clone();
    crank_as(&mut b, &authority)
        .await
        .expect("the vault takes a short slice");
    let usdc = b.fx.usdc.mint;
    let m = b.fx.margin_of(&b.bench, &b.vault.margin).await;
    assert!(
        m.initial_margin_native > 0,
        "the slice carries margin: {m:?}"
    );
    let excess = (m.equity_native - m.initial_margin_native) as u64;
    let own = b
        .bench
        .create_token_account(&usdc, &authority.pubkey())
        .await;
    let mut keys = watched_funds(&b);
    keys.push(own);

    // One unit more than the excess over initial margin: options-margin's
    // margin check refuses it.
    let before = b.bench.snapshot(&keys).await;
    let r =
        b.fx.vault_withdraw_from_margin(&mut b.bench, &b.vault, &authority, excess + 1)
            .await;
    assert_error_code!(r, ErrorCode::BelowInitialMargin);

    // Out of the margin account only into the vault's own token account.
    let health =
        b.fx.vault_withdrawal_health(&b.bench, &b.vault, &usdc, USD)
            .await;
    let ixn = vault::withdraw_from_margin(
        &authority.pubkey(),
        &b.vault.keys,
        &usdc,
        &own,
        USD,
        &health,
    );
    let r = send_as(&mut b, ixn, &authority).await;
    assert_error_code!(r, anchor_lang::error::ErrorCode::ConstraintTokenOwner);

    // A zero payment.
    let ixn = vault::withdraw_tokens(
        &authority.pubkey(),
        &b.vault.vault,
        &usdc,
        &b.vault.usdc_token,
        &own,
        0,
    );
    let r = send_as(&mut b, ixn, &authority).await;
    assert_error_code!(r, vault::code(VaultError::ZeroAmount));
    assert_unchanged(&b.bench, &keys, &before).await;

    // Exactly the excess leaves: the vault is left at initial margin.
    let balance = b.fx.balance(&b.bench, &b.vault.margin, &usdc).await;
    let pool = b.bench.token_balance(&b.vault.usdc_token).await;
    b.fx.vault_withdraw_from_margin(&mut b.bench, &b.vault, &authority, excess)
        .await
        .expect("withdraw the excess");
    assert_eq!(
        b.fx.balance(&b.bench, &b.vault.margin, &usdc).await,
        balance - excess as i64
    );
    assert_eq!(
        b.bench.token_balance(&b.vault.usdc_token).await,
        pool + excess
    );
    let m = b.fx.margin_of(&b.bench, &b.vault.margin).await;
    assert_eq!(m.equity_native, m.initial_margin_native);

    // Then everything in the pool to the authority's own account.
    let ixn = vault::withdraw_tokens(
        &authority.pubkey(),
        &b.vault.vault,
        &usdc,
        &b.vault.usdc_token,
        &own,
        pool + excess,
    );
    send_as(&mut b, ixn, &authority)
        .await
        .expect("withdraw_tokens");
    assert_eq!(b.bench.token_balance(&own).await, pool + excess);
    assert_eq!(b.bench.token_balance(&b.vault.usdc_token).await, 0);
}

#[tokio::test]
async fn the_authority_moves_in_two_steps_and_only_to_the_proposed_key() {
    let mut b = book(&[(140, 20)], 500 * USD, 12_500_000_000).await;
    set_ratio(&mut b, 10_300).await;
    let old = b.vault.authority.insecure_clone();
    let next = b.bench.funded_keypair(1_000_000_000).await;
    let intruder = b.bench.funded_keypair(1_000_000_000).await;
    let vault_key = b.vault.vault;
    let keys = watched_funds(&b);

    // Nothing proposed: even the future authority cannot accept.
    let before = b.bench.snapshot(&keys).await;
    let r = send_as(
        &mut b,
        vault::accept_authority(&next.pubkey(), &vault_key),
        &next,
    )
    .await;
    assert_error_code!(r, vault::code(VaultError::NoPendingAuthority));
    assert_unchanged(&b.bench, &keys, &before).await;

    // Proposed: the old authority keeps every right until it is accepted.
    let ixn = vault::propose_authority(&old.pubkey(), &vault_key, next.pubkey());
    send_as(&mut b, ixn, &old).await.expect("propose");
    let v: Vault = b.bench.load_zc(&vault_key).await;
    assert_eq!(
        (v.authority, v.pending_authority),
        (old.pubkey(), next.pubkey())
    );

    // A key that was not proposed.
    let before = b.bench.snapshot(&keys).await;
    let r = send_as(
        &mut b,
        vault::accept_authority(&intruder.pubkey(), &vault_key),
        &intruder,
    )
    .await;
    assert_error_code!(r, vault::code(VaultError::NoPendingAuthority));
    assert_unchanged(&b.bench, &keys, &before).await;

    // The proposed key accepts; the address does not move.
    let r = send_as(
        &mut b,
        vault::accept_authority(&next.pubkey(), &vault_key),
        &next,
    )
    .await;
    r.expect("accept");
    let v: Vault = b.bench.load_zc(&vault_key).await;
    assert_eq!(
        (v.authority, v.pending_authority, v.creator),
        (next.pubkey(), Pubkey::default(), old.pubkey())
    );
    assert_eq!(VaultKeys::of(&b.fx.exchange, &old.pubkey()), b.vault.keys);

    // The old authority is a stranger now.
    let before = b.bench.snapshot(&keys).await;
    let ixn = vault::set_guards(&old.pubkey(), &vault_key, OPEN);
    let r = send_as(&mut b, ixn, &old).await;
    assert_error_code!(r, vault::code(VaultError::NotAuthority));
    let r = crank_as(&mut b, &old).await;
    assert_error_code!(r, vault::code(VaultError::NotCranker));
    assert_unchanged(&b.bench, &keys, &before).await;

    // The new one sets guards and cranks.
    let ixn = vault::set_guards(&next.pubkey(), &vault_key, guards(0, u64::MAX, 2, false));
    send_as(&mut b, ixn, &next)
        .await
        .expect("new authority's guards");
    crank_as(&mut b, &next)
        .await
        .expect("new authority's crank");
}
