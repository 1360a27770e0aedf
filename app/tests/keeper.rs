//! The liquidation bot on the embedded chain: a scripted price drop, and
//! two bots racing on the same accounts.

use std::collections::BTreeMap;

use anchor_lang::prelude::Pubkey;
use options_margin::health::Valuation;
use options_margin::state::MarginAccount;
use options_margin_app::commands::demo::{Session, EXAMPLE_CONFIG};
use options_margin_app::keeper::{Keeper, KeeperConfig, Outcome};
use options_margin_client::client::{Client, CuLimit};
use options_margin_client::decode::margin_accounts;
use options_margin_client::embedded::EmbeddedChain;
use options_margin_client::snapshot::Snapshot;
use options_margin_client::PriceAccounts;

/// Writers of 2,000 USDC selling these many 140 puts at the mark: from the
/// most leveraged (near IM) to the least.
const WRITERS: [(&str, &str); 4] = [("w90", "90"), ("w80", "80"), ("w60", "60"), ("w20", "20")];

/// A ledger with the example exchange, the writers, a market maker on the
/// other side and two liquidators with funded margin accounts.
async fn book(s: &mut Session) -> Pubkey {
    let cfg = s.dir.join("exchange.toml");
    std::fs::write(&cfg, EXAMPLE_CONFIG).unwrap();
    let cfg = cfg.display().to_string();
    s.keygen("admin").await.unwrap();
    let init = s
        .json("admin", &["exchange", "init", "--config", &cfg])
        .await
        .unwrap();
    let mut names: Vec<(String, &str)> = WRITERS
        .iter()
        .map(|(n, _)| (n.to_string(), "2000"))
        .collect();
    names.extend([
        ("maker".into(), "1000000"),
        ("bot_a".into(), "500000"),
        ("bot_b".into(), "500000"),
    ]);
    for (name, usd) in &names {
        let key = s.keygen(name).await.unwrap();
        s.run(
            "admin",
            &["faucet", "--mint", "USDC", "--amount", usd, "--to", &key],
        )
        .await
        .unwrap();
        s.run(name, &["account", "create"]).await.unwrap();
        s.run(
            name,
            &["account", "deposit", "--mint", "USDC", "--amount", usd],
        )
        .await
        .unwrap();
    }
    let series = s.json("admin", &["series", "list"]).await.unwrap();
    let mark = series
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["label"].as_str().unwrap().contains("P140"))
        .unwrap()["mark_native"]
        .as_i64()
        .unwrap();
    let premium = options_margin_client::amounts::format_decimal(i128::from(mark), 6);
    let maker = s.keypair("maker").display().to_string();
    for (name, contracts) in WRITERS {
        let seller = s.keypair(name).display().to_string();
        s.run(
            name,
            &[
                "trade",
                "--series",
                "P140",
                "--contracts",
                contracts,
                "--premium",
                &premium,
                "--buyer",
                &maker,
                "--seller",
                &seller,
            ],
        )
        .await
        .unwrap();
    }
    init["exchange"].as_str().unwrap().parse().unwrap()
}

/// Moves SOL to `price` ten minutes later and refreshes the series.
async fn drop_to(s: &mut Session, price: &str) {
    s.run("admin", &["warp", "--secs", "600"]).await.unwrap();
    s.run(
        "admin",
        &["oracle", "publish", "--feed", "SOL", "--price", price],
    )
    .await
    .unwrap();
    s.run("admin", &["series", "refresh"]).await.unwrap();
}

fn client<'a>(chain: &'a EmbeddedChain, s: &Session, name: &str) -> Client<&'a EmbeddedChain> {
    let mut c = Client::new(
        chain,
        solana_keypair::read_keypair_file(s.keypair(name)).unwrap(),
    );
    c.cu_limit = CuLimit::Simulate;
    c
}

/// Every margin account's ratio and tier, as the program computes them.
async fn tiers(
    chain: &EmbeddedChain,
    exchange: &Pubkey,
) -> BTreeMap<Pubkey, (u64, Option<u8>, MarginAccount)> {
    let snap = Snapshot::load(chain, &PriceAccounts::default(), exchange)
        .await
        .unwrap();
    let params = snap.exchange.liquidation_params();
    margin_accounts(chain, exchange, None)
        .await
        .unwrap()
        .into_iter()
        .map(|(k, a)| {
            let s = snap.summary(&a, Valuation::Spot).unwrap();
            (k, (s.ratio_bps, params.tier_of(s.ratio_bps), a))
        })
        .collect()
}

#[tokio::test]
async fn a_price_drop_leads_the_bot_to_liquidate_exactly_the_accounts_in_a_tier() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Session::new(dir.path()).unwrap();
    let exchange = book(&mut s).await;
    drop_to(&mut s, "137").await;

    let chain = EmbeddedChain::open(&s.ledger()).await.unwrap();
    let before = tiers(&chain, &exchange).await;
    println!(
        "ratios: {:?}",
        before
            .values()
            .map(|(r, t, _)| (*r, *t))
            .collect::<Vec<_>>()
    );
    let expected: BTreeMap<Pubkey, u8> = before
        .iter()
        .filter_map(|(k, (_, t, _))| t.map(|t| (*k, t)))
        .collect();
    assert!(
        !expected.is_empty() && expected.len() < WRITERS.len(),
        "the drop splits the book: {expected:?}"
    );

    let bot = client(&chain, &s, "bot_a");
    let mut keeper = Keeper::new(&bot, KeeperConfig::new(exchange));
    let decisions = keeper.pass().await;
    for d in &decisions {
        println!("{d}");
        assert!(!matches!(d.outcome, Outcome::Failed(_)), "{d}");
    }
    let liquidated: BTreeMap<Pubkey, u8> = decisions
        .iter()
        .filter_map(|d| d.event.as_ref().map(|e| (d.account, e.tier)))
        .collect();
    assert_eq!(
        liquidated, expected,
        "exactly the accounts in a tier, each at its tier"
    );
    let after = tiers(&chain, &exchange).await;
    for (k, (ratio, _, _)) in &after {
        if expected.contains_key(k) {
            assert!(*ratio > before[k].0, "ratio improved");
        } else if after[k].2.owner != bot.payer_key() {
            assert_eq!(
                after[k].2.positions, before[k].2.positions,
                "untouched accounts keep their positions"
            );
        }
    }
    // A second pass right away: soft-tier accounts are in their grace period, nothing is sent.
    let again = keeper.pass().await;
    assert!(
        again.iter().all(|d| d.event.is_none()),
        "no second liquidation"
    );
    assert!(
        !decisions
            .iter()
            .chain(&again)
            .any(|d| d.action == "fee payer"),
        "a funded bot is not warned"
    );
    // A bot whose fee payer holds less than it wants is warned every pass.
    let mut wary = KeeperConfig::new(exchange);
    wary.min_payer_lamports = u64::MAX;
    let warned = Keeper::new(&bot, wary).pass().await;
    let low: Vec<_> = warned.iter().filter(|d| d.action == "fee payer").collect();
    assert_eq!(low.len(), 1, "one warning");
    assert!(matches!(low[0].outcome, Outcome::Waiting(_)), "{}", low[0]);
    assert_eq!(low[0].account, bot.payer_key());
}

#[tokio::test]
async fn two_bots_racing_never_double_liquidate_and_both_finish() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Session::new(dir.path()).unwrap();
    let exchange = book(&mut s).await;
    drop_to(&mut s, "137").await;

    let chain = EmbeddedChain::open(&s.ledger()).await.unwrap();
    let before = tiers(&chain, &exchange).await;
    let in_tier: Vec<Pubkey> = before
        .iter()
        .filter(|(_, (_, t, _))| t.is_some())
        .map(|(k, _)| *k)
        .collect();
    let (a, b) = (client(&chain, &s, "bot_a"), client(&chain, &s, "bot_b"));
    let (mut ka, mut kb) = (
        Keeper::new(&a, KeeperConfig::new(exchange)),
        Keeper::new(&b, KeeperConfig::new(exchange)),
    );
    // Both scan the same state and race: their awaits interleave on one runtime.
    let (da, db) = tokio::join!(ka.pass(), kb.pass());
    let mut calls: BTreeMap<Pubkey, usize> = BTreeMap::new();
    for d in da.iter().chain(&db) {
        println!("{d}");
        assert!(!matches!(d.outcome, Outcome::Failed(_)), "{d}");
        if d.event.is_some() {
            *calls.entry(d.account).or_default() += 1;
        }
    }
    for k in &in_tier {
        assert_eq!(
            calls.get(k),
            Some(&1),
            "one soft call per account in a tier, by one bot"
        );
    }
    assert_eq!(calls.len(), in_tier.len());
    let lost = da
        .iter()
        .chain(&db)
        .filter(|d| matches!(d.outcome, Outcome::Outcompeted(_) | Outcome::Waiting(_)))
        .count();
    assert!(lost >= 1, "the slower bot saw it lost the race");
}
