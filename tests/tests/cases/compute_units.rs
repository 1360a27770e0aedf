//! Compute units per instruction, measured by simulation on the chain the
//! suite runs (issue 16). Against the SBF `.so` (`SBF_OUT_DIR`) these are
//! the runtime's figures and every one must stay within the client's
//! stated budget (`options_margin_tests::budget`), so a regression fails
//! here; natively only the SPL Token CPIs are metered and the check is
//! trivially met. The table is printed (`-- --nocapture`) for the README.

use anchor_lang::prelude::Pubkey;
use options_margin::constants::MAX_ACCOUNT_POSITIONS;
use options_margin::pda;
use options_margin::state::RiskParams;
use options_margin::state::Series;
use options_margin_tests::bench::sbf_binary_available;
use options_margin_tests::budget::{instruction_budget, MAX_TX_CU};
use options_margin_tests::ix;
use options_margin_tests::options::sol_terms;
use solana_instruction::Instruction;
use solana_keypair::Keypair;
use solana_signer::Signer;

use super::desk::{Desk, DAY, SOL_150_E8, USD};

struct Row {
    name: &'static str,
    positions: usize,
    underlyings: usize,
    accounts: usize,
    units: u64,
    budget: u64,
    /// unit: bytes. Heap the instruction used, when the build logs it.
    heap_bytes: Option<usize>,
}

/// unit: bytes. The most heap an instruction may use: the bump allocator
/// has 32 KiB and never frees; a quarter stays spare.
const HEAP_CEILING_BYTES: usize = 24 * 1024;

/// A desk whose writer holds `n` short puts (one per series, spread over
/// `underlyings` underlyings, each read with its own price) funded to
/// just above IM, so that a fall in SOL takes it through every tier, with
/// a lookup table so that 32 positions fit a transaction, and one more
/// series ready for the next trade.
async fn desk_with(n: usize, underlyings: usize) -> (Desk, Vec<Pubkey>) {
    let mut d = Desk::new(underlyings, 50_000 * USD, 0).await;
    let now = d.bench.now().await;
    let mut series = Vec::new();
    for k in 0..=n {
        let terms = sol_terms(false, 120 + k as u64, now + 30 * DAY);
        series.push(d.series(k % underlyings, terms, 750_000).await);
    }
    let margins = [d.writer.margin, d.buyer.margin, d.keeper.margin];
    let addresses = d.fx.lookup_addresses(&d.bench, &margins, &series).await;
    d.bench.create_lookup_table(&addresses).await;
    for s in &series[..n] {
        d.write(s, 10, None).await;
    }
    let m = d.summary().await;
    // Leave 20% of IM spare: room for the one-contract trade measured next.
    let free = (m.equity_native - m.initial_margin_native * 120 / 100) as u64;
    let usdc = d.fx.usdc.mint;
    d.fx.withdraw(&mut d.bench, &d.writer, &usdc, free)
        .await
        .expect("withdraw to near IM");
    (d, series)
}

async fn measure(
    d: &mut Desk,
    rows: &mut Vec<Row>,
    name: &'static str,
    (positions, underlyings): (usize, usize),
    ix: Instruction,
    signers: &[&Keypair],
) {
    let budget = u64::from(instruction_budget(&ix));
    let sim = d
        .bench
        .simulate(std::slice::from_ref(&ix), signers, MAX_TX_CU)
        .await
        .unwrap_or_else(|e| panic!("{name} at {positions} positions: {e:?}"));
    // Only a probe build (`OPTIONS_MARGIN_HEAP_PROBE=1`) logs its heap.
    let heap_bytes = sim
        .logs
        .iter()
        .find_map(|l| l.strip_prefix("Program log: heap used: "))
        .and_then(|l| l.trim_end_matches(" bytes").parse().ok());
    rows.push(Row {
        name,
        positions,
        underlyings,
        accounts: ix.accounts.len(),
        units: sim.units,
        budget,
        heap_bytes,
    });
}

#[tokio::test]
async fn every_instruction_stays_within_its_budget() {
    let mut rows = Vec::new();
    // The widest shape the width bound allows: 32 positions over 8
    // underlyings (32 + 2 · 8 = 48 accounts per margin check).
    for (n, underlyings) in [(1usize, 1usize), (8, 1), (32, 1), (32, 8)] {
        let (mut d, series) = desk_with(n, underlyings).await;
        let writer = d.writer.wallet.insecure_clone();
        let buyer = d.buyer.wallet.insecure_clone();
        let keeper = d.keeper.wallet.insecure_clone();
        let usdc = d.fx.usdc.mint;
        let a = d.fx.transfer_accounts(&d.writer, &usdc);
        measure(
            &mut d,
            &mut rows,
            "deposit",
            (n, underlyings),
            ix::deposit(&a, USD),
            &[&writer],
        )
        .await;
        let health = d.fx.health_accounts(&d.bench, &d.writer.margin).await;
        let w = ix::withdraw(&a, USD, &health);
        measure(
            &mut d,
            &mut rows,
            "withdraw",
            (n, underlyings),
            w,
            &[&writer],
        )
        .await;
        // The next trade opens position n + 1 on both sides (adds to the
        // last one on a full account).
        let next = series[n.min(MAX_ACCOUNT_POSITIONS - 1)];
        let premium = {
            let s: Series = d.bench.load_zc(&next).await;
            s.risk.mark_native as u64
        };
        let hw =
            d.fx.trade_health_accounts(&d.bench, &d.writer.margin, &next)
                .await;
        let hb =
            d.fx.trade_health_accounts(&d.bench, &d.buyer.margin, &next)
                .await;
        let t = ix::trade(
            &d.fx.trade_accounts(&d.buyer, &d.writer, &next),
            1,
            premium,
            &hb,
            &hw,
        );
        measure(
            &mut d,
            &mut rows,
            "trade",
            (n, underlyings),
            t,
            &[&buyer, &writer],
        )
        .await;
        let u = d.underlyings[0];
        let r = ix::refresh_series_risk(&u, &series[0], &d.fx.sol.oracle);
        measure(
            &mut d,
            &mut rows,
            "refresh_series_risk",
            (n, underlyings),
            r,
            &[],
        )
        .await;
        // Liquidation in each tier: below 100% first, then topped up.
        d.fall_below(SOL_150_E8, 10_000).await;
        for (name, ratio) in [
            ("partial_liquidate (tier 3)", None),
            ("partial_liquidate (tier 2)", Some(10_100)),
            ("partial_liquidate (tier 1)", Some(10_300)),
        ] {
            if let Some(ratio) = ratio {
                d.set_ratio(ratio).await;
            }
            let l =
                d.fx.liquidation_ix(&d.bench, &d.keeper, &d.writer.margin, u64::MAX, 0)
                    .await;
            measure(&mut d, &mut rows, name, (n, underlyings), l, &[&keeper]).await;
        }
    }
    // Administration worth a budget of its own: the 16 loss shards of a
    // new exchange in one call.
    let (mut d, _) = desk_with(1, 1).await;
    let admin = d.bench.funded_keypair(10_000_000_000).await;
    let init = ix::initialize_exchange(&admin.pubkey(), admin.pubkey(), RiskParams::defaults());
    d.bench
        .send(&[init], &[&admin])
        .await
        .expect("initialize_exchange");
    let exchange = pda::exchange(&admin.pubkey()).0;
    let shards = ix::create_loss_shards(&admin.pubkey(), &exchange);
    measure(
        &mut d,
        &mut rows,
        "create_loss_shards",
        (0, 0),
        shards,
        &[&admin],
    )
    .await;

    println!("| instruction | positions | underlyings | accounts | CU | budget | heap (bytes) |\n|---|---|---|---|---|---|---|");
    for r in &rows {
        println!(
            "| {} | {} | {} | {} | {} | {} | {} |",
            r.name,
            r.positions,
            r.underlyings,
            r.accounts,
            r.units,
            r.budget,
            r.heap_bytes.map_or("-".to_string(), |h| h.to_string())
        );
    }
    for r in &rows {
        assert!(r.units > 0, "{} was metered", r.name);
        assert!(
            r.units <= r.budget,
            "{} at {} positions: {} CU over its budget of {} (sbf: {})",
            r.name,
            r.positions,
            r.units,
            r.budget,
            sbf_binary_available()
        );
        if let Some(heap) = r.heap_bytes {
            assert!(
                heap <= HEAP_CEILING_BYTES,
                "{} at {} positions: {heap} bytes of heap",
                r.name,
                r.positions
            );
        }
    }
}
