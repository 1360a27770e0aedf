//! Issue 13, finding 2: an account made too wide to liquidate. A
//! liquidation lists two accounts per volatile collateral, one per position
//! and two per underlying; with 32 positions over 8 underlyings and a few
//! one-unit deposits of volatile mints (deposits run no margin check, so
//! they can front-run a liquidator) a liquidation needed 65 or more
//! accounts, beyond the 64 a transaction may lock (solana-program-test
//! enables the feature that raises it to 128, so the suite could not see
//! it). Every account's width is now bounded by construction
//! (`MAX_ACCOUNT_WIDTH`), and the widest account the rules allow is
//! liquidated here with its lock count asserted.

use anchor_lang::prelude::{AccountMeta, Pubkey};
use options_margin::constants::{MAX_ACCOUNT_POSITIONS, MAX_ACCOUNT_WIDTH};
use options_margin::error::ErrorCode;
use options_margin::instructions::LiquidateArgs;
use options_margin::state::{MarginAccount, Series};
use options_margin_tests::bench::assert_unchanged;
use options_margin_tests::exchange::SOL_CONF_E8;
use options_margin_tests::options::sol_terms;
use options_margin_tests::pyth::PullPrice;
use options_margin_tests::{assert_error_code, ix};
use solana_signer::Signer;

use super::desk::{Desk, DAY, USD};

/// Most accounts one transaction may lock (agave's `MAX_TX_ACCOUNT_LOCKS`
/// without the 128-account feature).
const MAX_TX_ACCOUNT_LOCKS: usize = 64;
/// unit: bytes. Largest serialized transaction the network accepts.
const PACKET_DATA_SIZE: usize = 1_232;

#[tokio::test]
async fn the_widest_account_the_rules_allow_is_liquidated_within_64_locks() {
    let underlyings = 8;
    let mut d = Desk::new(underlyings, 2_000 * USD, 10).await;
    let now = d.bench.now().await;
    let mut series = Vec::new();
    for u in 0..underlyings {
        for k in 0..(MAX_ACCOUNT_POSITIONS / underlyings) as u64 {
            let terms = sol_terms(false, 120 + 5 * k, now + 30 * DAY);
            series.push(d.series(u, terms, 750_000).await);
        }
    }
    // A lookup table from the start: these transactions outgrow legacy ones.
    let margins = [d.writer.margin, d.buyer.margin, d.keeper.margin];
    let mut addresses = d.fx.lookup_addresses(&d.bench, &margins, &series).await;
    // One oracle account per underlying (a pull feed is matched by its id,
    // not its address): the worst case, no oracle shared between them.
    let oracles: Vec<Pubkey> = (0..underlyings).map(|_| Pubkey::new_unique()).collect();
    addresses.extend(oracles.iter().copied());
    addresses.extend(d.underlyings.iter().copied());
    addresses.sort();
    addresses.dedup();
    d.bench.create_lookup_table(&addresses).await;

    // 30 positions over 8 underlyings (30 + 16) and one lamport of SOL (2): 48.
    for s in &series[..30] {
        d.write(s, 1, None).await;
    }
    let sol = d.fx.sol.mint;
    d.fx.deposit(&mut d.bench, &d.writer, &sol, 1)
        .await
        .expect("the last two accounts of width");
    let account: MarginAccount = d.bench.load_zc(&d.writer.margin).await;
    assert_eq!(account.width(), MAX_ACCOUNT_WIDTH);
    // Neither another position nor another mint fits.
    let mut keys = d.watched();
    keys.push(d.buyer.margin);
    let before = d.bench.snapshot(&keys).await;
    let premium = {
        let s: Series = d.bench.load_zc(&series[30]).await;
        s.risk.mark_native as u64
    };
    let r =
        d.fx.trade(&mut d.bench, &d.buyer, &d.writer, &series[30], 1, premium)
            .await;
    // The writer would reach 31 + 16 + 2 = 49.
    assert_error_code!(r, ErrorCode::AccountTooWide);
    assert_unchanged(&d.bench, &keys, &before).await;
    // Without the SOL, the 31st and 32nd positions fit: 32 + 16 = 48.
    d.fx.withdraw(&mut d.bench, &d.writer, &sol, 1)
        .await
        .expect("withdraw the lamport");
    for s in &series[30..] {
        d.write(s, 1, None).await;
    }
    let account: MarginAccount = d.bench.load_zc(&d.writer.margin).await;
    assert_eq!(account.width(), MAX_ACCOUNT_WIDTH);
    let before = d.bench.snapshot(&keys).await;
    let r = d.fx.deposit(&mut d.bench, &d.writer, &sol, 1).await;
    assert_error_code!(r, ErrorCode::AccountTooWide);
    assert_unchanged(&d.bench, &keys, &before).await;

    // SOL falls until the 32-position account is liquidatable; the
    // liquidation, each underlying priced through its own oracle account,
    // locks at most 64 accounts and fits one packet.
    d.fall_below(13_500_000_000, 10_300).await;
    let now = d.bench.now().await;
    let price = {
        let acc = d.bench.get_account(&d.fx.sol.oracle).await.unwrap();
        let update: pyth_solana_receiver_sdk::price_update::PriceUpdateV2 =
            anchor_lang::AccountDeserialize::try_deserialize(&mut acc.data.as_slice()).unwrap();
        update.price_message.price
    };
    for o in &oracles {
        d.bench.set_pull_price(
            o,
            PullPrice::usd_e8(d.fx.sol.feed_id, price, SOL_CONF_E8, now),
        );
    }
    let good =
        d.fx.liquidation_ix(&d.bench, &d.keeper, &d.writer.margin, u64::MAX, 0)
            .await;
    let split =
        d.fx.liquidatee_health(&d.bench, &d.writer.margin)
            .await
            .len();
    let mut health: Vec<AccountMeta> = good.accounts[6..].to_vec();
    // Each `[underlying, oracle]` pair gets its own oracle account.
    for i in 0..health.len() {
        if let Some(k) = d.underlyings.iter().position(|u| *u == health[i].pubkey) {
            health[i + 1] = AccountMeta::new_readonly(oracles[k], false);
        }
    }
    let (from, to) = health.split_at(split);
    let args = LiquidateArgs {
        max_quantity: u64::MAX,
        min_fee_native: 0,
        health_accounts_liquidatee: from.len() as u8,
    };
    let liquidate = ix::partial_liquidate(
        &d.keeper.wallet.pubkey(),
        &d.fx.exchange,
        &d.writer.margin,
        &d.keeper.margin,
        args,
        from,
        to,
    );
    let locks = d
        .bench
        .locked_accounts(std::slice::from_ref(&liquidate))
        .len();
    let size = d
        .bench
        .wire_size(std::slice::from_ref(&liquidate), &[&d.keeper.wallet]);
    assert!(locks <= MAX_TX_ACCOUNT_LOCKS, "{locks} locks");
    assert!(size <= PACKET_DATA_SIZE, "{size} bytes");
    d.bench
        .send(&[liquidate], &[&d.keeper.wallet])
        .await
        .expect("the widest account is liquidated");
    println!(
        "widest account: width {MAX_ACCOUNT_WIDTH} (32 positions, 8 underlyings, 8 oracles); \
         liquidation locks {locks} accounts in {size} bytes"
    );
}
