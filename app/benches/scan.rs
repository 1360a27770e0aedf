//! The bot's scan: price and rank 100,000 decoded margin accounts from one
//! snapshot with the program's health code (2 threads). Mix: 60% hold 1–4
//! positions, 25% 5–8, 10% 9–16, 5% 32 (the limit), over 32 series of one
//! underlying, short and long, settlement collateral only. The series come
//! from a real exchange on the embedded chain; the accounts are synthesised
//! (decoded structs), as a `getProgramAccounts` scan would hand them over.

use anchor_lang::prelude::Pubkey;
use criterion::{criterion_group, criterion_main, Criterion};
use options_margin::state::MarginAccount;
use options_margin_app::commands::demo::Session;
use options_margin_app::keeper::rank;
use options_margin_client::embedded::EmbeddedChain;
use options_margin_client::snapshot::Snapshot;
use options_margin_client::PriceAccounts;

/// unit: accounts.
const ACCOUNTS: usize = 100_000;

fn config() -> String {
    let mut c = String::from(options_margin_app::commands::demo::EXAMPLE_CONFIG);
    // The example's 3 series plus 29 more: 32 in all.
    for i in 0..29 {
        let kind = if i % 2 == 0 { "put" } else { "call" };
        let strike = 102 + 5 * i; // never one of the example's 130, 140, 170
        c.push_str(&format!(
            "\n[[series]]\nunderlying = \"SOL\"\nkind = \"{kind}\"\nstrike = \"{strike}\"\nexpiry_days = {}\nvol = \"0.8\"\n",
            30 + (i % 3) * 30
        ));
    }
    c
}

/// A small deterministic generator (no dependency): xorshift64*.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn accounts(snapshot: &Snapshot) -> Vec<(Pubkey, MarginAccount)> {
    let mut series: Vec<Pubkey> = snapshot.series.keys().copied().collect();
    series.sort();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut out = Vec::with_capacity(ACCOUNTS);
    let zero: MarginAccount = bytemuck::Zeroable::zeroed();
    for i in 0..ACCOUNTS {
        let mut a = zero;
        a.exchange = snapshot.exchange_key;
        a.owner = Pubkey::new_unique();
        let positions = match rng.below(100) {
            0..60 => 1 + rng.below(4),
            60..85 => 5 + rng.below(4),
            85..95 => 9 + rng.below(8),
            _ => 32,
        } as usize;
        a.collaterals[0].mint = snapshot.exchange.settlement_mint;
        a.collaterals[0].balance_native = 1_000_000_000 + rng.below(50_000_000_000) as i64;
        let start = rng.below(32) as usize;
        for (slot, p) in a.positions.iter_mut().take(positions).enumerate() {
            p.series = series[(start + slot) % series.len()];
            let size = 1 + rng.below(20) as i64;
            p.size_contracts = if rng.below(3) == 0 { size } else { -size };
        }
        out.push((
            Pubkey::new_from_array(bytemuck::cast([i as u64, 1, 2, 3])),
            a,
        ));
    }
    out
}

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let snapshot = runtime.block_on(async {
        let mut s = Session::new(dir.path()).unwrap();
        let cfg = dir.path().join("exchange.toml");
        std::fs::write(&cfg, config()).unwrap();
        s.keygen("admin").await.unwrap();
        let exchange = s
            .json(
                "admin",
                &["exchange", "init", "--config", &cfg.display().to_string()],
            )
            .await
            .unwrap()["exchange"]
            .as_str()
            .unwrap()
            .parse::<Pubkey>()
            .unwrap();
        let chain = EmbeddedChain::open(&s.ledger()).await.unwrap();
        Snapshot::load(&chain, &PriceAccounts::default(), &exchange)
            .await
            .unwrap()
    });
    assert_eq!(snapshot.series.len(), 32);
    let accounts = accounts(&snapshot);
    let priced = options_margin_app::keeper::rank::price_all(&snapshot, &accounts, 2);
    let ok = priced.iter().filter(|r| r.summary.is_ok()).count();
    assert_eq!(
        ok,
        ACCOUNTS,
        "every synthesised account prices: {:?}",
        priced.iter().find(|r| r.summary.is_err())
    );
    let mut group = c.benchmark_group("keeper_scan");
    group.sample_size(10);
    group.bench_function("price_and_rank_100k_accounts_2_threads", |b| {
        b.iter(|| rank(&snapshot, &accounts, 2))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
