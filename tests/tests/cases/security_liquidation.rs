//! Liquidation under attack (issue 9, findings 2, 3, 4 and 8, and the
//! forged-list paths): an account whose every collateral slot is full, an
//! account that withdrew to exactly IM, a token slice that tried to buy an
//! hour of immunity, pause switches, and margin-check lists forged to make
//! a victim look unhealthy or the liquidator healthy. Every refusal asserts
//! its exact code and that no account changed.

use anchor_lang::prelude::{AccountInfo, AccountMeta, Pubkey};
use options_margin::constants::MAX_ACCOUNT_COLLATERALS;
use options_margin::error::ErrorCode;
use options_margin::health::{self, Valuation};
use options_margin::instructions::LiquidateArgs;
use options_margin::oracle::fixtures::TestAccount;
use options_margin::state::{
    Exchange, MarginAccount, RiskParams, PAUSE_DEPOSITS, PAUSE_LIQUIDATIONS, PAUSE_TRADING,
};
use options_margin_risk::margin::margin_totals;
use options_margin_tests::bench::{assert_unchanged, find_event};
use options_margin_tests::collaterals::RawUsd;
use options_margin_tests::options::sol_terms;
use options_margin_tests::{assert_error_code, ix};
use solana_signer::Signer;

use super::desk::{put, Desk, DAY, SOL_150_E8, USD};

/// unit: lamports of SOL (9 decimals). One SOL.
const SOL: u64 = 1_000_000_000;

/// Issue 9, finding 2. With the settlement balance at exactly 0 its slot
/// used to be released; filling every slot with volatile mints then made
/// every liquidation and `settle_positions` fail (`AccountCollateralsFull`),
/// since both must credit the settlement balance. Slot 0 is now reserved
/// for it: the account can always be liquidated and settled.
#[tokio::test]
async fn full_collateral_slots_never_block_liquidation_or_settlement() {
    let mut d = Desk::new(1, 0, 20 * SOL).await;
    let now = d.bench.now().await;
    let near = d
        .series(0, sol_terms(false, 140, now + 7 * DAY), 750_000)
        .await;
    let sol = d.fx.sol.mint;
    d.fx.deposit(&mut d.bench, &d.writer, &sol, 20 * SOL)
        .await
        .unwrap();
    // Six more volatile mints, one native unit each: every slot is taken.
    let mut extra = Vec::new();
    for (i, decimals) in [0u8, 6, 9, 12, 9, 6].into_iter().enumerate() {
        let price = RawUsd {
            price: 100_000,
            conf: 10,
            expo: -5,
        };
        let c =
            d.fx.add_volatile_collateral(&mut d.bench, decimals, 0x40 + i as u8, price)
                .await;
        let accounts = d.fx.fund(&mut d.bench, &d.writer, &c, 1).await;
        d.fx.deposit_from(&mut d.bench, &d.writer, &accounts, 1)
            .await
            .expect("a one-unit deposit");
        extra.push((c, price));
    }
    d.write(&near, 10, None).await;
    // Withdraw every unit of settlement the premium brought: balance 0.
    let premium =
        d.fx.balance(&d.bench, &d.writer.margin, &d.fx.usdc.mint)
            .await;
    d.fx.withdraw(&mut d.bench, &d.writer, &d.fx.usdc.mint, premium as u64)
        .await
        .expect("withdraw the premium");
    let account: MarginAccount = d.bench.load_zc(&d.writer.margin).await;
    assert_eq!(account.collaterals[0].mint, d.fx.usdc.mint);
    assert_eq!(account.collaterals[0].balance_native, 0);
    assert_eq!(
        account.active_collaterals().count(),
        MAX_ACCOUNT_COLLATERALS
    );

    // A seventh volatile mint finds no slot.
    let more =
        d.fx.add_volatile_collateral(&mut d.bench, 9, 0x50, extra[0].1)
            .await;
    let accounts = d.fx.fund(&mut d.bench, &d.writer, &more, 1).await;
    let keys = d.watched();
    let before = d.bench.snapshot(&keys).await;
    let r =
        d.fx.deposit_from(&mut d.bench, &d.writer, &accounts, 1)
            .await;
    assert_error_code!(r, ErrorCode::AccountCollateralsFull);
    assert_unchanged(&d.bench, &keys, &before).await;

    // SOL falls: the account is liquidated (it pays the settlement it
    // does not have, into its reserved slot). Every mint's price stays fresh.
    let mut price_e8 = SOL_150_E8;
    loop {
        d.move_to(price_e8).await;
        let t = d.bench.now().await;
        for (c, price) in &extra {
            d.fx.publish(&mut d.bench, c, *price, t);
        }
        if d.summary().await.ratio_bps < 10_000 {
            break;
        }
        price_e8 = price_e8 * 98 / 100;
    }
    d.fx.liquidate(&mut d.bench, &d.keeper, &d.writer.margin, u64::MAX, 0)
        .await
        .expect("liquidation with every slot full");
    let account: MarginAccount = d.bench.load_zc(&d.writer.margin).await;
    assert!(account.collaterals[0].balance_native != 0);

    // Expiry: the rest settles into the same slot.
    d.bench.advance_time(7 * DAY).await;
    let price = SOL_150_E8 * 9 / 10;
    d.move_to(price).await;
    d.settle(&near).await;
    let account: MarginAccount = d.bench.load_zc(&d.writer.margin).await;
    if account.position_slot(&near).is_some() {
        d.bench
            .send(
                &[ix::settle_positions(
                    &d.fx.exchange,
                    &d.writer.margin,
                    &near,
                )],
                &[],
            )
            .await
            .expect("settle_positions with every slot full");
    }
    let account: MarginAccount = d.bench.load_zc(&d.writer.margin).await;
    assert_eq!(account.active_positions().count(), 0);
}

/// Issue 9, finding 3. Nothing forced IM ≥ 105% of MM: a one-to-one
/// calendar book has IM equal to MM on the scenario grid (its worst loss
/// lies inside the MM range), so an account that withdrew to exactly IM
/// could be liquidated at once, at the same prices, with fees. The IM an
/// account must meet is now at least `im_floor_ratio_bps` (≥ the first
/// tier) of its MM.
#[tokio::test]
async fn an_account_at_exactly_im_is_never_in_tier_1() {
    let mut d = Desk::new(1, 5_000 * USD, 0).await;
    let now = d.bench.now().await;
    // Long the near put, short the far one, one to one: a reverse calendar.
    let near = d
        .series(0, sol_terms(false, 150, now + 7 * DAY), 750_000)
        .await;
    let far = d
        .series(0, sol_terms(false, 150, now + 60 * DAY), 750_000)
        .await;
    d.write(&far, 10, None).await;
    let premium = {
        let s: options_margin::state::Series = d.bench.load_zc(&near).await;
        s.risk.mark_native as u64
    };
    d.fx.trade(&mut d.bench, &d.writer, &d.buyer, &near, 10, premium)
        .await
        .expect("buy the near leg");

    // The scenario IM of this book equals its MM: the finding's case.
    let grid = grid_totals(&d).await;
    assert_eq!(grid.im_native, grid.mm_native, "{grid:?}");
    let m = d.summary().await;
    let exchange: Exchange = d.bench.load_zc(&d.fx.exchange).await;
    let floor = (m.maintenance_margin_native as u128 * exchange.risk.im_floor_ratio_bps as u128)
        .div_ceil(10_000) as i64;
    assert_eq!(m.initial_margin_native, floor);

    // Withdraw to exactly IM: not liquidatable at the same prices.
    let excess = (m.equity_native - m.initial_margin_native) as u64;
    d.fx.withdraw(&mut d.bench, &d.writer, &d.fx.usdc.mint, excess)
        .await
        .expect("withdraw down to IM");
    let m = d.summary().await;
    assert_eq!(m.equity_native, m.initial_margin_native);
    assert!(m.ratio_bps >= exchange.risk.tiers[0].below_ratio_bps as u64);
    let keys = d.watched();
    let before = d.bench.snapshot(&keys).await;
    let r =
        d.fx.liquidate(&mut d.bench, &d.keeper, &d.writer.margin, u64::MAX, 0)
            .await;
    assert_error_code!(r, ErrorCode::AccountHealthy);
    assert_unchanged(&d.bench, &keys, &before).await;
}

/// The writer's totals straight from the risk crate, without the IM floor.
async fn grid_totals(d: &Desk) -> options_margin_risk::margin::MarginTotals {
    let health = d.fx.health_accounts(&d.bench, &d.writer.margin).await;
    let exchange: Exchange = d.bench.load_zc(&d.fx.exchange).await;
    let account: MarginAccount = d.bench.load_zc(&d.writer.margin).await;
    let mut owned = Vec::new();
    for m in &health {
        let acc = d.bench.get_account(&m.pubkey).await.unwrap();
        owned.push(TestAccount::new(m.pubkey, acc.owner, &acc.data));
    }
    let infos: Vec<AccountInfo> = owned.iter_mut().map(|t| t.info()).collect();
    let loaded = health::load_inputs(
        &account,
        &exchange,
        &d.fx.exchange,
        &infos,
        d.bench.now().await,
    )
    .unwrap();
    loaded
        .with_inputs(&account, Valuation::Spot, |inputs| {
            Ok(margin_totals(inputs).unwrap())
        })
        .unwrap()
}

/// A desk whose soft tiers take at most 1% of a candidate per call, so a
/// call that takes its full plan stays in a soft tier: 200 puts at 103%.
async fn capped_desk() -> Desk {
    let mut d = Desk::new(1, 5_000 * USD, 0).await;
    let mut risk = RiskParams::defaults();
    risk.tiers[0].max_fraction_bps = 100;
    risk.tiers[1].max_fraction_bps = 100;
    d.fx.change_risk_params(&mut d.bench, risk).await;
    let now = d.bench.now().await;
    let p = d.series(0, put(140, now), 750_000).await;
    d.write(&p, 200, None).await;
    d.fall_below(SOL_150_E8, 10_300).await;
    d.set_ratio(10_300).await;
    d
}

/// Issue 9, finding 4. A 1-lot liquidation by any wallet, the owner's own
/// second wallet included, used to start the grace period and block real
/// soft-tier liquidation for an hour, again and again. Only a call that
/// takes its full plan starts it now.
#[tokio::test]
async fn a_token_slice_buys_no_grace_period() {
    let mut d = capped_desk().await;
    // The writer's friend (another wallet, so not a self-liquidation).
    let friend = d.fx.new_user(&mut d.bench, 100_000 * USD, 0).await;
    d.fx.deposit(&mut d.bench, &friend, &d.fx.usdc.mint, 100_000 * USD)
        .await
        .unwrap();
    let events =
        d.fx.liquidate(&mut d.bench, &friend, &d.writer.margin, 1, 0)
            .await
            .expect("a one-lot slice");
    let ev: options_margin::events::LiquidationEvent = find_event(&events).unwrap();
    assert_eq!(ev.quantity.unsigned_abs(), 1);
    let account: MarginAccount = d.bench.load_zc(&d.writer.margin).await;
    assert_eq!(account.last_soft_liquidation_ts, 0, "no grace started");
    // The real liquidator is not blocked.
    let ev = d.liquidate_as_planned(u64::MAX).await;
    assert!(ev.tier < 3 && ev.capped_by_tier);
}

/// The grace period that a full soft call starts ends as soon as the
/// account's ratio falls below where that call left it: it paces
/// liquidations of a steady account, never shields a falling one.
#[tokio::test]
async fn the_grace_period_ends_when_the_ratio_falls_further() {
    let mut d = capped_desk().await;
    let first = d.liquidate_as_planned(u64::MAX).await;
    assert!(first.tier < 3 && first.capped_by_tier);
    let keys = d.watched();
    let before = d.bench.snapshot(&keys).await;
    let r =
        d.fx.liquidate(&mut d.bench, &d.keeper, &d.writer.margin, u64::MAX, 0)
            .await;
    assert_error_code!(r, ErrorCode::GracePeriodActive);
    assert_unchanged(&d.bench, &keys, &before).await;
    // SOL slips 0.5%: the ratio falls below where the call left it.
    let price = {
        let exchange = d.fx.sol.oracle;
        let acc = d.bench.get_account(&exchange).await.unwrap();
        let update: pyth_solana_receiver_sdk::price_update::PriceUpdateV2 =
            anchor_lang::AccountDeserialize::try_deserialize(&mut acc.data.as_slice()).unwrap();
        update.price_message.price
    };
    d.move_to(price * 995 / 1000).await;
    assert!(d.summary().await.ratio_bps < first.ratio_after_bps);
    d.liquidate_as_planned(u64::MAX).await;
}

/// Issue 9, finding 8: what the pause switches do to liquidations and
/// top-ups. Pausing trading leaves liquidations running (they are how the
/// protocol stays solvent); pausing liquidations stops them (`Paused`).
/// Pausing deposits, or a deposit cap that a whale filled, never blocks a
/// settlement top-up of an account that holds positions.
#[tokio::test]
async fn pauses_never_block_top_ups_and_trading_pauses_leave_liquidations_running() {
    let mut d = Desk::new(1, 500 * USD, 0).await;
    let now = d.bench.now().await;
    let p = d.series(0, put(140, now), 750_000).await;
    d.write(&p, 20, None).await;
    let flat = d.fx.new_user(&mut d.bench, 1_000 * USD, 0).await;
    let admin = d.fx.admin.insecure_clone();
    let set_pause = ix::set_pause_flags(&admin.pubkey(), &d.fx.exchange, PAUSE_DEPOSITS);
    d.bench.send(&[set_pause], &[&admin]).await.unwrap();
    let usdc = d.fx.usdc.mint;
    let keys = [flat.margin, d.fx.usdc.vault, d.fx.usdc.config];
    let before = d.bench.snapshot(&keys).await;
    assert_error_code!(
        d.fx.deposit(&mut d.bench, &flat, &usdc, USD).await,
        ErrorCode::Paused
    );
    assert_unchanged(&d.bench, &keys, &before).await;
    d.fx.deposit(&mut d.bench, &d.writer, &usdc, 10 * USD)
        .await
        .expect("a top-up while deposits are paused");

    // A whale fills the cap: new money is refused, top-ups are not.
    let unpause = ix::set_pause_flags(&admin.pubkey(), &d.fx.exchange, 0);
    d.bench.send(&[unpause], &[&admin]).await.unwrap();
    let config: options_margin::state::Collateral = d.bench.load_zc(&d.fx.usdc.config).await;
    let cap = ix::set_deposit_cap(
        &admin.pubkey(),
        &d.fx.exchange,
        &usdc,
        config.total_balance_native as u64,
    );
    d.bench.send(&[cap], &[&admin]).await.unwrap();
    let before = d.bench.snapshot(&keys).await;
    assert_error_code!(
        d.fx.deposit(&mut d.bench, &flat, &usdc, USD).await,
        ErrorCode::DepositCapExceeded
    );
    assert_unchanged(&d.bench, &keys, &before).await;
    d.fx.deposit(&mut d.bench, &d.writer, &usdc, 10 * USD)
        .await
        .expect("a top-up past the cap");

    // Trading paused: the crash still gets liquidated.
    d.fall_below(SOL_150_E8, 10_500).await;
    let set = ix::set_pause_flags(&admin.pubkey(), &d.fx.exchange, PAUSE_LIQUIDATIONS);
    d.bench.send(&[set], &[&admin]).await.unwrap();
    let keys = d.watched();
    let before = d.bench.snapshot(&keys).await;
    let r =
        d.fx.liquidate(&mut d.bench, &d.keeper, &d.writer.margin, u64::MAX, 0)
            .await;
    assert_error_code!(r, ErrorCode::Paused);
    assert_unchanged(&d.bench, &keys, &before).await;
    let set = ix::set_pause_flags(&admin.pubkey(), &d.fx.exchange, PAUSE_TRADING);
    d.bench.send(&[set], &[&admin]).await.unwrap();
    d.liquidate_as_planned(u64::MAX).await;
}

/// Forged margin-check lists for `partial_liquidate`: omitting, adding,
/// duplicating, reordering or substituting an account of either list, to
/// make the victim look unhealthy or the liquidator healthy, fails with
/// `HealthAccountsMismatch` (or the substituted oracle's own error) and
/// changes nothing. A liquidator account of the victim's owner is refused.
#[tokio::test]
async fn forged_liquidation_lists_are_refused() {
    let mut d = Desk::new(1, 1_500 * USD, 0).await;
    let now = d.bench.now().await;
    let p140 = d.series(0, put(140, now), 750_000).await;
    let p130 = d.series(0, put(130, now), 750_000).await;
    d.write(&p140, 20, None).await;
    d.write(&p130, 10, None).await;
    d.fall_below(SOL_150_E8, 10_300).await;
    let good =
        d.fx.liquidation_ix(&d.bench, &d.keeper, &d.writer.margin, u64::MAX, 0)
            .await;
    let split =
        d.fx.liquidatee_health(&d.bench, &d.writer.margin)
            .await
            .len();
    // After the 6 fixed accounts (liquidator, exchange, both margin
    // accounts, event authority, program): the writer's list
    // [p140, p130, underlying, oracle], then the keeper's.
    let health: Vec<AccountMeta> = good.accounts[6..].to_vec();
    let (from, to) = health.split_at(split);
    let other_oracle = Pubkey::new_unique();
    d.bench.set_pull_price(
        &other_oracle,
        options_margin_tests::pyth::PullPrice::usd_e8([7; 32], SOL_150_E8, 1, now),
    );
    let mut forged: Vec<(Vec<AccountMeta>, Vec<AccountMeta>, ErrorCode)> = Vec::new();
    let mismatch = ErrorCode::HealthAccountsMismatch;
    forged.push((from[..from.len() - 1].to_vec(), to.to_vec(), mismatch));
    forged.push(([from, &from[..1]].concat(), to.to_vec(), mismatch));
    let mut swapped = from.to_vec();
    swapped.swap(0, 1);
    forged.push((swapped, to.to_vec(), mismatch));
    let mut dup = from.to_vec();
    dup[1] = dup[0].clone();
    forged.push((dup, to.to_vec(), mismatch));
    let mut bad_oracle = from.to_vec();
    bad_oracle[3] = AccountMeta::new_readonly(other_oracle, false);
    forged.push((bad_oracle, to.to_vec(), ErrorCode::OracleWrongFeed));
    // The liquidator's list: nothing omitted or added either.
    forged.push((from.to_vec(), [to, &from[..1]].concat(), mismatch));
    if !to.is_empty() {
        forged.push((from.to_vec(), to[..to.len() - 1].to_vec(), mismatch));
    }
    let keys = d.watched();
    let before = d.bench.snapshot(&keys).await;
    for (f, t, code) in forged {
        let args = LiquidateArgs {
            max_quantity: u64::MAX,
            min_fee_native: 0,
            health_accounts_liquidatee: f.len() as u8,
        };
        let ix = ix::partial_liquidate(
            &d.keeper.wallet.pubkey(),
            &d.fx.exchange,
            &d.writer.margin,
            &d.keeper.margin,
            args,
            &f,
            &t,
        );
        let r = d.bench.send(&[ix], &[&d.keeper.wallet]).await;
        assert_error_code!(r, code);
    }
    // The writer's own second account as the liquidator: same owner.
    let second = d.fx.second_account(&mut d.bench, &d.writer, 1).await;
    let before_second = d.bench.snapshot(&keys).await;
    let r =
        d.fx.liquidate(&mut d.bench, &second, &d.writer.margin, u64::MAX, 0)
            .await;
    assert_error_code!(r, ErrorCode::SelfLiquidation);
    assert_unchanged(&d.bench, &keys, &before_second).await;
    assert_unchanged(&d.bench, &keys, &before).await;
    // The honest list goes through.
    d.liquidate_as_planned(u64::MAX).await;
}

/// Review finding (zero-MM positions): an underwater account could buy a
/// worthless far out-of-the-money long at the mark (its IM and MM do not
/// rise, its equity does not fall), and once its other positions were
/// closed nothing would liquidate that long (it frees no MM) and the
/// account could not be resolved until the series expired. A bankrupt
/// account's closeout now sheds every live position, those freeing no MM
/// last, so it always reaches `resolve_bankruptcy`.
#[tokio::test]
async fn a_worthless_long_never_blocks_a_bankruptcy() {
    let mut d = Desk::new(1, 500 * USD, 0).await;
    let now = d.bench.now().await;
    let p = d.series(0, put(140, now), 750_000).await;
    let wing = d.series(0, put(20, now), 750_000).await;
    d.write(&p, 20, None).await;
    // SOL crashes: the writer is underwater.
    d.move_to(8_000_000_000).await;
    assert!(d.summary().await.equity_native < 0);
    // The writer buys the 20 put (worth nothing) from the buyer at its mark.
    let mark = {
        let s: options_margin::state::Series = d.bench.load_zc(&wing).await;
        s.risk.mark_native as u64
    };
    d.fx.trade(&mut d.bench, &d.writer, &d.buyer, &wing, 1, mark)
        .await
        .expect("a zero-MM long at the mark");
    // Closeout takes the 140 puts first, then the worthless long.
    let mut targets = Vec::new();
    for _ in 0..6 {
        let account: MarginAccount = d.bench.load_zc(&d.writer.margin).await;
        if account.active_positions().count() == 0 {
            break;
        }
        let ev = d.liquidate_as_planned(u64::MAX).await;
        assert_eq!(ev.fee_native, 0, "a bankrupt account pays no fee");
        targets.push(ev.target);
    }
    assert_eq!(targets.last(), Some(&wing));
    assert_eq!(targets.first(), Some(&p));
    let r = ix::resolve_bankruptcy(&d.fx.exchange, &d.writer.margin, &d.fx.usdc.mint);
    d.bench.send(&[r], &[]).await.expect("resolvable");
}
