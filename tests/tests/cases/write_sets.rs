//! Issue 12: liquidations must not queue behind one account. On Solana,
//! transactions that write the same account run one after another, and a
//! block admits at most 12M CU of transactions writing any one account; the
//! in-process bank enforces neither. These tests pin every instruction's
//! write set as a client builds it (a change that adds a shared write fails
//! here), and run a crash in which many liquidators work on disjoint
//! accounts: no account but the two margin accounts of each call is written
//! by two of them.

use std::collections::{BTreeMap, BTreeSet};

use anchor_lang::prelude::Pubkey;
use options_margin::pda;
use options_margin_tests::{ix, User};
use solana_instruction::Instruction;
use solana_signer::Signer;

use super::desk::{put, Desk, SOL_150_E8, USD};

/// The accounts `ix` writes, by the names of their roles in `names`.
fn written(ix: &Instruction, names: &BTreeMap<Pubkey, &'static str>) -> BTreeSet<&'static str> {
    ix.accounts
        .iter()
        .filter(|m| m.is_writable)
        .map(|m| *names.get(&m.pubkey).unwrap_or(&"unnamed"))
        .collect()
}

fn set(names: &[&'static str]) -> BTreeSet<&'static str> {
    names.iter().copied().collect()
}

#[tokio::test]
async fn every_instruction_writes_only_what_it_must() {
    let mut d = Desk::new(1, 2_000 * USD, 0).await;
    let now = d.bench.now().await;
    let p = d.series(0, put(140, now), 750_000).await;
    d.write(&p, 20, None).await;
    let (u, fx) = (d.underlyings[0], &d.fx);
    let writer = &d.writer;
    let mut names: BTreeMap<Pubkey, &'static str> = BTreeMap::new();
    for (k, v) in [
        (fx.exchange, "exchange"),
        (fx.usdc.config, "settlement config"),
        (fx.usdc.vault, "settlement vault"),
        (fx.sol.config, "SOL config"),
        (fx.sol.oracle, "SOL oracle"),
        (u, "underlying"),
        (p, "series"),
        (writer.margin, "margin account"),
        (writer.usdc_token, "owner token"),
        (d.keeper.margin, "liquidator account"),
        (d.buyer.margin, "counterparty account"),
        (
            pda::loss_shard_of(&fx.exchange, &d.buyer.margin),
            "counterparty loss shard",
        ),
        // Inserted second: when both accounts share a shard, it keeps this name.
        (
            pda::loss_shard_of(&fx.exchange, &writer.margin),
            "loss shard",
        ),
        (pda::event_authority(), "event authority"),
        (pda::vault_authority(&fx.exchange).0, "vault authority"),
    ] {
        names.insert(k, v);
    }
    let usdc = fx.transfer_accounts(writer, &fx.usdc.mint);
    let health = fx.health_accounts(&d.bench, &writer.margin).await;
    let liquidation = fx
        .liquidation_ix(&d.bench, &d.keeper, &writer.margin, u64::MAX, 0)
        .await;
    let trade = {
        let ha = fx
            .trade_health_accounts(&d.bench, &d.buyer.margin, &p)
            .await;
        let hb = fx.trade_health_accounts(&d.bench, &writer.margin, &p).await;
        ix::trade(&fx.trade_accounts(&d.buyer, writer, &p), 1, 1, &ha, &hb)
    };
    let admin = fx.admin.pubkey();
    let table: Vec<(&str, Instruction, BTreeSet<&str>)> = vec![
        (
            "deposit",
            ix::deposit(&usdc, 1),
            set(&[
                "margin account",
                "settlement config",
                "settlement vault",
                "owner token",
                "loss shard",
            ]),
        ),
        (
            "withdraw",
            ix::withdraw(&usdc, 1, &health),
            set(&[
                "margin account",
                "settlement config",
                "settlement vault",
                "owner token",
                "loss shard",
            ]),
        ),
        (
            "trade",
            trade,
            set(&[
                "margin account",
                "counterparty account",
                "series",
                "loss shard",
                "counterparty loss shard",
            ]),
        ),
        (
            "partial_liquidate",
            liquidation,
            set(&["margin account", "liquidator account"]),
        ),
        (
            "refresh_series_risk",
            ix::refresh_series_risk(&u, &p, &fx.sol.oracle),
            set(&["series"]),
        ),
        (
            "set_volatility",
            ix::set_volatility(&admin, &fx.exchange, &u, &p, 750_000),
            set(&["series"]),
        ),
        (
            "settle_series",
            ix::settle_series(&u, &p, &fx.sol.oracle),
            set(&["series"]),
        ),
        (
            "settle_positions",
            ix::settle_positions(&fx.exchange, &writer.margin, &p),
            set(&["margin account", "series", "loss shard"]),
        ),
        (
            "book_socialized_loss",
            ix::book_socialized_loss(&fx.exchange, &writer.margin, &fx.usdc.mint),
            set(&["margin account", "settlement config", "loss shard"]),
        ),
        (
            "resolve_bankruptcy",
            ix::resolve_bankruptcy(&fx.exchange, &writer.margin, &fx.usdc.mint),
            set(&[
                "exchange",
                "margin account",
                "settlement config",
                "loss shard",
            ]),
        ),
        (
            "sweep_insurance",
            ix::sweep_insurance(&fx.exchange, &fx.usdc.mint, &[writer.margin]),
            set(&["exchange", "settlement config", "margin account"]),
        ),
    ];
    let same_shard = pda::loss_shard_of(&fx.exchange, &writer.margin)
        == pda::loss_shard_of(&fx.exchange, &d.buyer.margin);
    for (name, ix, expected) in &table {
        let mut expected = expected.clone();
        if same_shard {
            expected.remove("counterparty loss shard");
        }
        assert_eq!(written(ix, &names), expected, "{name}");
    }
}

/// A crash with twelve writers and twelve liquidators, one per writer: the
/// twelve liquidation transactions write pairwise disjoint sets of accounts
/// (the fee payer aside: on a cluster each liquidator pays its own), so
/// they could all land in one block, in parallel.
#[tokio::test]
async fn parallel_liquidations_write_disjoint_accounts() {
    let mut d = Desk::new(1, 0, 0).await;
    let now = d.bench.now().await;
    let p = d.series(0, put(140, now), 750_000).await;
    let mut writers: Vec<User> = Vec::new();
    let mut liquidators: Vec<User> = Vec::new();
    for _ in 0..12 {
        let w = d.fx.new_user(&mut d.bench, 10_000 * USD, 0).await;
        d.fx.deposit(&mut d.bench, &w, &d.fx.usdc.mint, 500 * USD)
            .await
            .unwrap();
        let premium = {
            let s: options_margin::state::Series = d.bench.load_zc(&p).await;
            s.risk.mark_native as u64
        };
        d.fx.trade(&mut d.bench, &d.buyer, &w, &p, 20, premium)
            .await
            .expect("write");
        writers.push(w);
        let l = d.fx.new_user(&mut d.bench, 1_000_000 * USD, 0).await;
        d.fx.deposit(&mut d.bench, &l, &d.fx.usdc.mint, 1_000_000 * USD)
            .await
            .unwrap();
        liquidators.push(l);
    }
    d.move_to(SOL_150_E8 * 88 / 100).await;
    let payer = d.bench.payer().pubkey();
    let mut writes: Vec<BTreeSet<Pubkey>> = Vec::new();
    for (w, l) in writers.iter().zip(&liquidators) {
        let liquidate =
            d.fx.liquidation_ix(&d.bench, l, &w.margin, u64::MAX, 0)
                .await;
        let w_set: BTreeSet<Pubkey> = d
            .bench
            .locked_accounts(std::slice::from_ref(&liquidate))
            .into_iter()
            .filter(|(k, writable)| *writable && *k != payer)
            .map(|(k, _)| k)
            .collect();
        assert_eq!(w_set, [w.margin, l.margin].into_iter().collect());
        writes.push(w_set);
        d.fx.liquidate(&mut d.bench, l, &w.margin, u64::MAX, 0)
            .await
            .expect("liquidation");
    }
    for (i, a) in writes.iter().enumerate() {
        for b in &writes[i + 1..] {
            assert!(a.is_disjoint(b), "two liquidations share a written account");
        }
    }
}
