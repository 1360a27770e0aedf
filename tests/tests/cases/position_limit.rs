//! The position limit (32 per account) against the transaction limits:
//! legacy transactions run out first; with an address lookup table (v0
//! message) a full account is opened and liquidated.

use anchor_lang::prelude::Pubkey;
use options_margin::error::ErrorCode;
use options_margin::state::MarginAccount;
use options_margin_tests::assert_error_code;
use options_margin_tests::bench::assert_unchanged;
use options_margin_tests::options::sol_terms;
use solana_signer::Signer;

use super::desk::{show, Desk, DAY, USD};

/// unit: bytes. Largest serialized transaction the network accepts
/// (`solana_packet::PACKET_DATA_SIZE`: 1280 − 40 IPv6 − 8 UDP header).
const PACKET_DATA_SIZE: usize = 1_232;

/// Static account keys of the legacy transaction the bench sends for `ixs`
/// (payer and compute-budget program included).
fn static_keys(ixs: &[solana_instruction::Instruction], payer: &Pubkey) -> usize {
    let mut keys = vec![*payer, solana_compute_budget_interface::ID];
    for ix in ixs {
        keys.push(ix.program_id);
        keys.extend(ix.accounts.iter().map(|m| m.pubkey));
    }
    keys.sort();
    keys.dedup();
    keys.len()
}

/// Static keys a legacy transaction may carry in this runtime: agave's
/// `MAX_STATIC_ACCOUNTS_PER_PACKET` (`(1232 − 64 − …) / 32`). With more,
/// program-test 3.1's banks server panics in `signature_details` (index out
/// of bounds) instead of returning an error, so the test stops before.
const MAX_STATIC_ACCOUNTS_PER_PACKET: usize = 38;

/// The position limit (32) against the transaction limits, in three acts.
///
/// 1. Legacy transactions: positions (16 strikes × call/put, one contract
///    each) are opened while the `trade` fits 38 static keys (the bench
///    panics past them); every liquidation's wire size is measured against
///    1,232 bytes. Asserted: 32 positions cannot be opened this way and the
///    liquidation outgrows the packet first.
/// 2. An address lookup table, created and extended by the real ALT
///    program, holds the exchange, collaterals, margin accounts, series and
///    underlying; from then on the bench sends v0 messages. The remaining
///    positions open (each trade ≤ 1,232 bytes) up to the limit of 32, and
///    a 33rd is refused with `AccountPositionsFull`, nothing changed.
/// 3. SOL falls until the 32-position account is liquidatable; the v0
///    liquidation (≤ 1,232 bytes) lands exactly as the off-chain plan says.
#[tokio::test]
async fn an_account_at_the_position_limit_is_liquidated_with_a_lookup_table() {
    use options_margin::constants::MAX_ACCOUNT_POSITIONS;
    let mut d = Desk::new(1, 1_500 * USD, 0).await;
    let now = d.bench.now().await;
    let payer = d.bench.payer().pubkey();
    let mut series = Vec::new();
    for k in 0..MAX_ACCOUNT_POSITIONS as u64 / 2 {
        for is_call in [false, true] {
            let terms = sol_terms(is_call, 110 + 5 * k, now + 30 * DAY);
            series.push(d.series(0, terms, 750_000).await);
        }
    }
    let one_too_many = d
        .series(0, sol_terms(true, 200, now + 30 * DAY), 750_000)
        .await;

    // 1. Legacy transactions.
    let (mut opened, mut liq_fits_packet) = (0usize, 0usize);
    let mut first_refused = None;
    for s in &series {
        let trade = trade_ix(&d, s).await;
        let keys = static_keys(std::slice::from_ref(&trade), &payer);
        if keys > MAX_STATIC_ACCOUNTS_PER_PACKET {
            first_refused = Some((
                opened + 1,
                keys,
                d.bench
                    .wire_size(&[trade], &[&d.buyer.wallet, &d.writer.wallet]),
            ));
            break;
        }
        d.write(s, 1, None).await;
        opened += 1;
        let ix = liquidation_ix(&d).await;
        if d.bench.wire_size(&[ix], &[&d.keeper.wallet]) <= PACKET_DATA_SIZE {
            liq_fits_packet = opened;
        }
    }
    let (n, trade_keys, trade_size) = first_refused.expect("32 positions cannot be opened");
    assert!(opened < MAX_ACCOUNT_POSITIONS && liq_fits_packet < opened);
    let legacy_liq_size = d
        .bench
        .wire_size(&[liquidation_ix(&d).await], &[&d.keeper.wallet]);
    assert!(legacy_liq_size > PACKET_DATA_SIZE);

    // 2. A lookup table; the rest of the positions with v0 messages.
    let margins = [d.writer.margin, d.buyer.margin, d.keeper.margin];
    let mut listed = series.clone();
    listed.push(one_too_many);
    let addresses = d.fx.lookup_addresses(&d.bench, &margins, &listed).await;
    d.bench.create_lookup_table(&addresses).await;
    let mut largest_trade = 0;
    for s in &series[opened..] {
        let trade = trade_ix(&d, s).await;
        largest_trade = largest_trade.max(
            d.bench
                .wire_size(&[trade], &[&d.buyer.wallet, &d.writer.wallet]),
        );
        d.write(s, 1, None).await;
    }
    assert!(largest_trade <= PACKET_DATA_SIZE, "{largest_trade} bytes");
    let writer: MarginAccount = d.bench.load_zc(&d.writer.margin).await;
    assert_eq!(writer.active_positions().count(), MAX_ACCOUNT_POSITIONS);
    let mut keys = d.watched();
    keys.push(d.buyer.margin);
    let before = d.bench.snapshot(&keys).await;
    let r =
        d.fx.trade(&mut d.bench, &d.buyer, &d.writer, &one_too_many, 1, USD)
            .await;
    assert_error_code!(r, ErrorCode::AccountPositionsFull);
    assert_unchanged(&d.bench, &keys, &before).await;

    // 3. Liquidation of the full account.
    d.fall_below(13_500_000_000, 10_300).await;
    let ix = liquidation_ix(&d).await;
    let health_keys = ix.accounts.len();
    let v0_size = d.bench.wire_size(&[ix], &[&d.keeper.wallet]);
    assert!(v0_size <= PACKET_DATA_SIZE, "{v0_size} bytes");
    let ev = d.liquidate_as_planned(u64::MAX).await;
    assert!(ev.target_is_position && series.contains(&ev.target));
    println!(
        "position limit: legacy opened {opened}, trade #{n} needs {trade_keys} static keys \
         ({trade_size} bytes); largest legacy-liquidatable account {liq_fits_packet} positions; \
         with a lookup table of {} addresses: 32 positions, largest trade {largest_trade} bytes, \
         liquidation {health_keys} accounts in {v0_size} bytes (legacy at {opened}: \
         {legacy_liq_size}); {}",
        addresses.len(),
        show(&ev)
    );
}

/// The writer sells one contract of `series` to the buyer.
async fn trade_ix(d: &Desk, series: &Pubkey) -> solana_instruction::Instruction {
    let health_w =
        d.fx.trade_health_accounts(&d.bench, &d.writer.margin, series)
            .await;
    let health_b =
        d.fx.trade_health_accounts(&d.bench, &d.buyer.margin, series)
            .await;
    let accounts = d.fx.trade_accounts(&d.buyer, &d.writer, series);
    options_margin_tests::ix::trade(&accounts, 1, 0, &health_w, &health_b)
}

/// The keeper's liquidation of the writer, as the bot builds it.
async fn liquidation_ix(d: &Desk) -> solana_instruction::Instruction {
    d.fx.liquidation_ix(&d.bench, &d.keeper, &d.writer.margin, u64::MAX, 0)
        .await
}
